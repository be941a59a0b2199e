"""The spoken captcha (语音验证码) as a WAV: the captcha library's own voice, read over noise.

Imported only by the request that speaks a captcha (Lambda cold start). The library
ships one voice (0-9 and A-Z, in English) inside the package, so nothing else is
loaded or downloaded; the hall has it say digits only (domain/codes.AUDIO_CAPTCHA).

The library draws its white noise with one ``secrets.randbelow`` per sample: for six
digits (about 16 s of sound) that is 0.55 s of the 0.9 s of CPU the whole takes. The
same noise drawn from ``os.urandom`` in one call costs almost nothing, so that one
step is redone here and the rest is the library's.
"""

from __future__ import annotations

import os
import secrets
from functools import cache

from captcha.audio import WAVE_SAMPLE_RATE, AudioCaptcha, mix_wave

__all__ = ["speak"]

_NOISE_LEVEL = 4  # the library's: samples in 126..129 around the silent 128
_NOISE = bytes(128 - _NOISE_LEVEL // 2 + value % _NOISE_LEVEL for value in range(256))


class _Voice(AudioCaptcha):
    def create_background_noise(self, length: int, chars: str) -> bytearray:
        # As AudioCaptcha.create_background_noise: white noise, then the voice's own sounds
        # reversed and quietened at random places, so the digits cannot be cut out by silence.
        noise = bytearray(os.urandom(length).translate(_NOISE))
        pos = 0
        while pos < length:
            sound = self._noise_pick()
            end = pos + len(sound) + 1
            noise[pos:end] = mix_wave(sound, noise[pos:end])
            pos = end + secrets.randbelow(WAVE_SAMPLE_RATE // 10 + 1)
        return noise


@cache
def _voice() -> _Voice:
    voice = _Voice()
    voice.load()  # once per container: 36 short WAV files from the package
    return voice


def speak(text: str) -> bytes:
    """A WAV (8 kHz, 8-bit mono) reading ``text`` out, each character at a random pace and pitch."""
    return bytes(_voice().generate(text))

"""The spoken captcha (语音验证码): the graphic captcha's alternative for citizens who cannot see it.

GIVEN POST /api/captchas with {"kind": "audio"},
THEN the hall answers a WAV reading six digits, and the captcha behaves exactly like the
picture: answered through the same fields, single use (a wrong answer uses it up too),
valid 2 minutes, counted in the same per-client limit, its answer in the dev outbox.
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chalicelib import clock
from tests.support import captcha_answer, messages_to, new_citizen, outbox_entries

ROOT = Path(__file__).resolve().parents[2]


def _audio_captcha(browser) -> tuple[str, str]:
    reply = browser.post("/api/captchas", {"kind": "audio"})
    assert reply.status == 200, reply.body
    return reply.body["captcha_id"], captcha_answer(reply.body["captcha_id"])


def _send(browser, phone: str, captcha_id: str, answer: str):
    body = {"phone": phone, "purpose": "login", "captcha_id": captcha_id, "captcha_answer": answer}
    return browser.post("/api/sms-codes", body)


def test_an_audio_captcha_is_a_wav_reading_six_digits(browser):
    # WHEN a citizen asks for the spoken captcha
    reply = browser.post("/api/captchas", {"kind": "audio"})
    # THEN it is a WAV (data: URL), valid as long as the picture, with no picture
    assert reply.status == 200
    assert reply.body["kind"] == "audio"
    assert reply.body["expires_in"] == 120
    assert "image" not in reply.body
    prefix = "data:audio/wav;base64,"
    assert reply.body["audio"].startswith(prefix)
    with wave.open(io.BytesIO(base64.b64decode(reply.body["audio"][len(prefix) :]))) as sound:
        assert (sound.getnchannels(), sound.getframerate()) == (1, 8000)
        assert 6 < sound.getnframes() / sound.getframerate() < 40  # seconds: six digits with pauses
    # AND its answer is six digits, in the dev outbox as a captcha's answer (kind "captcha")
    (entry,) = [e for e in outbox_entries("captcha") if e["captcha_id"] == reply.body["captcha_id"]]
    assert re.fullmatch(r"[0-9]{6}", entry["answer"])
    assert entry["captcha_kind"] == "audio"


def test_the_picture_is_still_the_default(browser):
    reply = browser.post("/api/captchas")
    assert reply.body["kind"] == "image" and reply.body["image"].startswith("data:image/png;base64,")
    assert "audio" not in reply.body
    assert browser.post("/api/captchas", {"kind": "image"}).body["kind"] == "image"


def test_an_unknown_kind_is_a_field_error(browser):
    for kind in ("video", "", None, ["audio"]):
        reply = browser.post("/api/captchas", {"kind": kind})
        assert reply.status == 400, kind
        assert reply.body["code"] == "validation_failed"
        assert reply.body["fields"] == {"kind": "不支持的验证码类型"}


def test_the_right_answer_sends_the_code_once(browser):
    first, second = new_citizen().phone, new_citizen().phone
    captcha_id, answer = _audio_captcha(browser)
    assert _send(browser, first, captcha_id, answer).status == 200
    assert len(messages_to(first)) == 1
    # Single use: the same answer again is refused
    reply = _send(browser, second, captcha_id, answer)
    assert reply.status == 400 and reply.body["code"] == "captcha_invalid"
    assert messages_to(second) == []


def test_a_wrong_answer_uses_the_audio_captcha_up(browser):
    phone = new_citizen().phone
    captcha_id, answer = _audio_captcha(browser)
    wrong = f"{(int(answer) + 1) % 10**6:06d}"
    assert _send(browser, phone, captcha_id, wrong).body["code"] == "captcha_invalid"
    assert _send(browser, phone, captcha_id, answer).body["code"] == "captcha_invalid"
    assert messages_to(phone) == []


def test_zeros_and_ones_typed_in_full_width_are_the_right_answer(browser, monkeypatch):
    from chalicelib.guards import captcha

    # GIVEN a spoken answer of 0s and 1s, digits the picture never shows (the one check knows them)
    monkeypatch.setattr(captcha, "new_captcha_text", lambda policy=None: "010110")
    phone = new_citizen().phone
    captcha_id, answer = _audio_captcha(browser)
    assert answer == "010110"
    # WHEN typed as a Chinese input method types digits (０１０１１０) THEN it is right
    typed = "".join(chr(ord(c) + 0xFEE0) for c in answer)
    assert _send(browser, phone, captcha_id, typed).status == 200


def test_an_audio_captcha_expires_after_two_minutes(browser):
    captcha_id, answer = _audio_captcha(browser)
    clock.advance(timedelta(minutes=2, seconds=1))
    assert _send(browser, new_citizen().phone, captcha_id, answer).body["code"] == "captcha_invalid"


def test_an_audio_captcha_answers_for_the_picture_after_wrong_passwords(browser):
    # GIVEN a login that asks for the captcha (after two wrong passwords)
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    for _ in range(2):
        browser.login_password(citizen.id_number, "Wrong#Pass123", solve_captcha=False)
    asked = browser.login_password(citizen.id_number, citizen.password, solve_captcha=False)
    assert asked.body["code"] == "captcha_required"
    # WHEN the citizen answers the spoken captcha instead
    captcha_id, answer = _audio_captcha(browser)
    form = {"method": "password", "identifier": citizen.id_number, "password": citizen.password}
    reply = browser.post("/api/sessions", {**form, "captcha_id": captcha_id, "captcha_answer": answer})
    # THEN the login goes through
    assert reply.status == 200, reply.body


def test_pictures_and_audio_share_one_limit_per_client(browser):
    # GIVEN one client address within one minute (the limit's window): 60 captchas of either kind
    clock.set_now(datetime(2025, 3, 1, 9, 30, 0, tzinfo=UTC))
    assert browser.post("/api/captchas", {"kind": "audio"}).status == 200
    for _ in range(59):
        assert browser.post("/api/captchas").status == 200
    # WHEN it asks for one more of either kind THEN it is refused, and told when to come back
    for kind in ("image", "audio"):
        reply = browser.post("/api/captchas", {"kind": kind})
        assert reply.status == 429, kind
        assert reply.body["code"] == "rate_limited"
        assert reply.headers["Retry-After"] == "60"
    # AND the next minute it may ask again
    clock.advance(timedelta(minutes=1))
    assert browser.post("/api/captchas", {"kind": "audio"}).status == 200


def test_the_audio_captcha_is_loaded_only_when_one_is_spoken():
    # Lambda cold start: starting the app, and drawing a picture, must not load the audio code.
    script = (
        "import sys, app\n"
        "from chalicelib.guards import captcha\n"
        "assert 'captcha.audio' not in sys.modules, 'imported at start-up'\n"
        "captcha._render('AB3D')\n"
        "assert 'captcha.audio' not in sys.modules, 'imported by the picture'\n"
        "assert captcha._speak('012345')[:4] == b'RIFF'\n"
        "assert 'captcha.audio' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

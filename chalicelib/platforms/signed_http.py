"""The provincial platforms' signed HTTPS protocol, one home for both sides of it.

The base library (基础库) and the social-insurance systems speak the same protocol: a JSON
POST signed with HMAC-SHA256 over app id, timestamp, nonce and the body's digest, and an
answer signed the same way that must carry the request's own nonce and a fresh timestamp
(a signed answer captured from another request cannot be replayed as this one's). Written
here rather than taken from a library: it is the platforms' own scheme, a few lines over the
standard library's ``hmac``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from chalicelib import clock

__all__ = ["PlatformUnavailable", "SignedPlatform", "sign"]


class PlatformUnavailable(Exception):
    """The platform could not be asked, or answered what cannot be trusted (the reason)."""


def sign(secret: bytes, app_id: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The platforms' signature: HMAC-SHA256 over the request's identity and body digest."""
    message = "\n".join([app_id, timestamp, nonce, hashlib.sha256(body).hexdigest()]).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class SignedPlatform:
    """A client of one platform: ``post`` sends a signed request and answers the body of an
    authentic answer, or raises :class:`PlatformUnavailable`."""

    #: Largest clock difference accepted between the hall and the platform.
    MAX_SKEW_SECONDS = 300
    DEFAULT_TIMEOUT = 3.0

    def __init__(self, base_url: str, app_id: str, secret: bytes, timeout: float | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.secret = secret
        self.timeout = self.DEFAULT_TIMEOUT if timeout is None else timeout

    def post(self, path: str, payload: dict) -> bytes:
        import http.client
        import urllib.error
        import urllib.request

        body = json.dumps(payload, ensure_ascii=False).encode()
        # The hall's one clock (tests move it), as for every other time the hall reads.
        timestamp, nonce = str(clock.to_epoch(clock.now())), secrets.token_hex(8)
        try:
            request = urllib.request.Request(  # noqa: S310 - the URL comes from settings
                self.base_url + path,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "X-App-Id": self.app_id,
                    "X-Timestamp": timestamp,
                    "X-Nonce": nonce,
                    "X-Signature": sign(self.secret, self.app_id, timestamp, nonce, body),
                },
            )
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = response.read()
                headers = response.headers
        except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError, ValueError) as exc:
            # Unreachable, refused (HTTP 4xx/5xx), garbled or misconfigured.
            raise PlatformUnavailable("unreachable") from exc
        if not self._authentic(answer, headers, nonce):
            raise PlatformUnavailable("unsigned answer")
        return answer

    def _authentic(self, answer: bytes, headers, nonce: str) -> bool:
        """The answer is signed with our shared secret, for this request, and recent."""
        their_timestamp = headers.get("X-Timestamp", "")
        their_nonce = headers.get("X-Nonce", "")
        signature = headers.get("X-Signature", "")
        expected = sign(self.secret, self.app_id, their_timestamp, their_nonce, answer)
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return False
        if not hmac.compare_digest(nonce.encode(), their_nonce.encode("utf-8", "replace")):
            return False
        try:
            return abs(clock.now().timestamp() - int(their_timestamp)) <= self.MAX_SKEW_SECONDS
        except ValueError:
            return False

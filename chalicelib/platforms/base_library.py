"""The population base library (基础库): does this name go with this ID number?

A match makes a new account 实名用户 (level 2); anything else leaves it
注册用户 (level 1). Two implementations behind one interface:

* :class:`HttpBaseLibrary` talks to the provincial platform over HTTPS with a
  signed request (HMAC-SHA256 over app id, timestamp, nonce and body digest),
  and checks the signature of the answer the same way. The answer must carry
  the request's own nonce and a fresh timestamp, so a signed answer captured
  from another request cannot be replayed as this one's.
* :class:`LocalBaseLibrary` answers from the fictional citizens in
  ``demo/citizens.json``, for dev and tests.

A platform that cannot be reached must not block registration: the caller
gets ``UNAVAILABLE`` and the account starts at level 1, to be raised later
(个人中心->基本信息修改).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from enum import Enum
from typing import Protocol

from chalicelib import clock, settings

__all__ = ["BaseLibrary", "HttpBaseLibrary", "LocalBaseLibrary", "Verdict", "library", "sign"]


class Verdict(str, Enum):
    MATCH = "match"
    MISMATCH = "mismatch"
    UNAVAILABLE = "unavailable"


class BaseLibrary(Protocol):
    def verify(self, id_type: str, id_number: str, name: str) -> Verdict: ...


def sign(secret: bytes, app_id: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The platform's signature: HMAC-SHA256 over the request's identity and body digest."""
    message = "\n".join([app_id, timestamp, nonce, hashlib.sha256(body).hexdigest()]).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


# The platform's answers; "not_found" (no such citizen) counts as no match.
_RESULTS = {"match": Verdict.MATCH, "mismatch": Verdict.MISMATCH, "not_found": Verdict.MISMATCH}


class HttpBaseLibrary:
    PATH = "/api/identity/verify"
    #: Largest clock difference accepted between the hall and the platform.
    MAX_SKEW_SECONDS = 300

    def __init__(self, base_url: str, app_id: str, secret: bytes, timeout: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.secret = secret
        self.timeout = timeout

    def verify(self, id_type: str, id_number: str, name: str) -> Verdict:
        import http.client
        import urllib.error
        import urllib.request

        body = json.dumps({"id_type": id_type, "id_number": id_number, "name": name}, ensure_ascii=False).encode()
        # The hall's one clock (tests move it), as for every other time the hall reads.
        timestamp, nonce = str(clock.to_epoch(clock.now())), secrets.token_hex(8)
        try:
            request = urllib.request.Request(  # noqa: S310 - the URL comes from settings
                self.base_url + self.PATH,
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
        except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError, ValueError):
            # Unreachable, refused (HTTP 4xx/5xx), garbled or misconfigured: never block registration.
            return Verdict.UNAVAILABLE
        if not self._authentic(answer, headers, nonce):
            return Verdict.UNAVAILABLE
        try:
            result = json.loads(answer).get("result")
        except (ValueError, AttributeError):
            return Verdict.UNAVAILABLE
        return _RESULTS.get(result, Verdict.UNAVAILABLE) if isinstance(result, str) else Verdict.UNAVAILABLE

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


class LocalBaseLibrary:
    def __init__(self, path: str) -> None:
        self.path = path
        self._known: dict[tuple[str, str], str] | None = None

    def _citizens(self) -> dict[tuple[str, str], str]:
        if self._known is None:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
            self._known = {(c["id_type"], c["id_number"].upper()): c["name"] for c in data["base_library"]}
        return self._known

    def verify(self, id_type: str, id_number: str, name: str) -> Verdict:
        known = self._citizens().get((id_type, id_number.upper()))
        return Verdict.MATCH if known is not None and known == name else Verdict.MISMATCH


def _http() -> HttpBaseLibrary:
    from chalicelib import crypto

    cfg = settings.get()
    secret = crypto.platform_secret("base_library")
    return HttpBaseLibrary(cfg.base_library_url or "", cfg.base_library_app_id or "", secret)


_LIBRARIES = {
    "local": lambda: LocalBaseLibrary(settings.get().local_base_library_path),
    "http": _http,
}


def library() -> BaseLibrary:
    return _LIBRARIES[settings.get().base_library]()

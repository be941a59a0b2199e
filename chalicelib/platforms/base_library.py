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

import json
from enum import Enum
from typing import Protocol

from chalicelib import settings
from chalicelib.platforms.signed_http import PlatformUnavailable, SignedPlatform, sign

__all__ = ["BaseLibrary", "HttpBaseLibrary", "LocalBaseLibrary", "Verdict", "library", "sign"]


class Verdict(str, Enum):
    MATCH = "match"
    MISMATCH = "mismatch"
    UNAVAILABLE = "unavailable"


class BaseLibrary(Protocol):
    def verify(self, id_type: str, id_number: str, name: str) -> Verdict: ...


# The platform's answers; "not_found" (no such citizen) counts as no match.
_RESULTS = {"match": Verdict.MATCH, "mismatch": Verdict.MISMATCH, "not_found": Verdict.MISMATCH}


class HttpBaseLibrary(SignedPlatform):
    PATH = "/api/identity/verify"

    def verify(self, id_type: str, id_number: str, name: str) -> Verdict:
        try:
            answer = self.post(self.PATH, {"id_type": id_type, "id_number": id_number, "name": name})
        except PlatformUnavailable:
            return Verdict.UNAVAILABLE  # never block registration
        try:
            result = json.loads(answer).get("result")
        except (ValueError, AttributeError):
            return Verdict.UNAVAILABLE
        return _RESULTS.get(result, Verdict.UNAVAILABLE) if isinstance(result, str) else Verdict.UNAVAILABLE


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

"""Alipay's open platform gateway, for the two calls web authorization needs.

``alipay.system.oauth.token`` (grant_type=authorization_code) turns the ``auth_code`` the
authorize page sent back into an access token and the user's id; ``alipay.user.info.share``
reads what the user agreed to share. Each request carries the common parameters (app_id,
method, charset, sign_type RSA2, timestamp in Beijing time, version 1.0) and is signed with
the hall's app private key; each answer's signature is checked with Alipay's public key
before anything in it is read (chalicelib.methods.alipay.signature). Requests go as a form
POST (what Alipay's own SDKs send). ``requests`` is imported here, by the method only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from chalicelib.methods.alipay import signature

__all__ = ["AlipayUser", "Gateway", "GatewayError", "GatewayRefusedError"]

_TIMEOUT = 5  # seconds
_BEIJING = timezone(timedelta(hours=8))


class GatewayError(Exception):
    """The gateway could not be reached or answered something unusable."""


class GatewayRefusedError(Exception):
    """The gateway answered with an error (``sub_code``: isv.code-invalid, isv.invalid-signature, ...)."""

    def __init__(self, code: str, sub_code: str) -> None:
        super().__init__(f"{code} {sub_code}")
        self.code = code
        self.sub_code = sub_code


@dataclass(frozen=True)
class AlipayUser:
    """The Alipay user: ``subject`` is their ``user_id`` (or ``open_id``, for apps given those)."""

    subject: str
    nick_name: str | None


class Gateway:
    def __init__(self, url: str, app_id: str, app_private_key_pem: str, alipay_public_key_pem: str) -> None:
        self.url = url
        self.app_id = app_id
        self._private_key = signature.load_private_key(app_private_key_pem)
        self._public_key = signature.load_public_key(alipay_public_key_pem)

    def call(self, method: str, now: datetime, **params: str) -> dict:
        """One signed call; the verified content of its ``<method>_response``."""
        import requests

        common = {
            "app_id": self.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": now.astimezone(_BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
        }
        body = signature.sign_params({**common, **params}, self._private_key)
        try:
            reply = requests.post(self.url, data=body, timeout=_TIMEOUT)
            reply.raise_for_status()
        except requests.RequestException as exc:
            raise GatewayError(str(exc)) from exc
        reply.encoding = "utf-8"
        raw = reply.text
        content, key = signature.response_content(raw, method)
        if content is None:
            raise GatewayError("the answer has no response")
        try:
            outer = json.loads(raw)
        except ValueError as exc:
            raise GatewayError("the answer is not JSON") from exc
        if key == "error_response" and not outer.get("sign"):
            # A refusal before Alipay knew whose request it was (a bad signature, an unknown
            # app): Alipay does not sign those. Nothing from it is trusted beyond "refused".
            error = json.loads(content)
            raise GatewayRefusedError(str(error.get("code") or ""), str(error.get("sub_code") or ""))
        signature.verify(content, str(outer.get("sign") or ""), self._public_key)
        result = json.loads(content)
        if key == "error_response" or (result.get("code") and result.get("code") != "10000"):
            raise GatewayRefusedError(str(result.get("code") or ""), str(result.get("sub_code") or ""))
        return result

    def user_for_code(self, auth_code: str, now: datetime) -> AlipayUser:
        token = self.call("alipay.system.oauth.token", now, grant_type="authorization_code", code=auth_code)
        access_token = str(token.get("access_token") or "")
        subject = str(token.get("user_id") or token.get("open_id") or "")
        if not access_token or not subject:
            raise GatewayError("the token answer lacks access_token or user_id")
        info = self.call("alipay.user.info.share", now, auth_token=access_token)
        if str(info.get("user_id") or info.get("open_id") or "") != subject:
            raise GatewayError("the user info names another user")
        return AlipayUser(subject=subject, nick_name=info.get("nick_name"))

"""The 江苏政务 统一身份认证平台 as an OpenID Connect provider, through Authlib's client.

Authlib does the protocol: the authorization URL with PKCE (S256), the code exchange
(``client_secret_basic``), and the ID token's claims (``authlib.oidc.core.CodeIDToken``:
iss, aud, exp, iat, nonce, azp, at_hash); its JOSE library, joserfc (Authlib 1.7+ moved
``authlib.jose`` there and deprecates the old module), checks the signature against the
provider's JWKS. This module only wires them: the discovery document (issuer pinned),
the keys (fetched again once when a token names a key we do not hold), and the claims
the hall reads. Authlib and requests are imported here, and this module is imported only
by the method, so a cold start that serves no 江苏政务 login loads neither.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from chalicelib.clock import to_epoch

__all__ = ["Provider", "ProviderError", "TokenRefusedError", "VouchedIdentity"]

SCOPE = "openid profile phone jszw_identity"
_TIMEOUT = 5  # seconds; a callback waiting longer than this is better answered with an error
_CACHE_SECONDS = 3600
_LEEWAY = 60  # seconds of clock difference tolerated on exp/iat


class ProviderError(Exception):
    """The provider could not be reached or answered something unusable (not the citizen's fault)."""


class TokenRefusedError(Exception):
    """The code was refused (wrong PKCE verifier, used or expired code) or the ID token did not verify."""


@dataclass(frozen=True)
class VouchedIdentity:
    """What the provider vouches for: its subject, and the person it verified."""

    subject: str
    name: str
    id_number: str
    phone: str | None
    # The provider's assurance of who the person is (``acr``): jszw:L1 registered, jszw:L2
    # real name verified against the population register, jszw:L3 and a face check.
    assurance: int


_cache: dict[str, tuple[float, dict]] = {}


class Provider:
    def __init__(self, issuer: str, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri

    def _session(self):
        from authlib.integrations.requests_client import OAuth2Session

        return OAuth2Session(
            self.client_id,
            self.client_secret,
            scope=SCOPE,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method's name, not a secret
        )

    def _get_json(self, url: str, refresh: bool = False) -> dict:
        cached = _cache.get(url)
        if cached and not refresh and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
        import requests

        try:
            response = requests.get(url, timeout=_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderError(f"{url}: {exc}") from exc
        _cache[url] = (time.monotonic(), document)
        return document

    def metadata(self) -> dict:
        """The discovery document; its ``issuer`` must be the one configured (OIDC Discovery §4.3)."""
        document = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
        if document.get("issuer") != self.issuer:
            raise ProviderError("the discovery document names another issuer")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not document.get(key):
                raise ProviderError(f"the discovery document lacks {key}")
        return document

    def authorization_url(self, state: str, nonce: str, code_verifier: str) -> str:
        url, _ = self._session().create_authorization_url(
            self.metadata()["authorization_endpoint"], state=state, nonce=nonce, code_verifier=code_verifier
        )
        return url

    def finish(self, code: str, code_verifier: str, nonce: str, now: datetime) -> VouchedIdentity:
        """Exchange the code (with the PKCE verifier) and verify the ID token it brings."""
        import requests
        from authlib.integrations.base_client.errors import OAuthError

        metadata = self.metadata()
        try:
            token = self._session().fetch_token(
                metadata["token_endpoint"], code=code, code_verifier=code_verifier, timeout=_TIMEOUT
            )
        except OAuthError as exc:  # the provider's answer: invalid_grant and the like
            raise TokenRefusedError(exc.error) from exc
        except requests.RequestException as exc:
            raise ProviderError(str(exc)) from exc
        if not token.get("id_token"):
            raise TokenRefusedError("no id_token")
        claims = self.verify_id_token(token["id_token"], nonce, token.get("access_token"), now)
        return _identity(claims)

    def verify_id_token(self, id_token: str, nonce: str, access_token: str | None, now: datetime) -> dict:
        from authlib.oidc.core import CodeIDToken
        from joserfc import jwt
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet

        jwks_uri = self.metadata()["jwks_uri"]
        try:
            try:
                decoded = jwt.decode(id_token, KeySet.import_key_set(self._get_json(jwks_uri)), algorithms=["RS256"])
            except (ValueError, JoseError):
                # Perhaps the provider rotated its keys: fetch them once more, then give up.
                decoded = jwt.decode(
                    id_token, KeySet.import_key_set(self._get_json(jwks_uri, refresh=True)), algorithms=["RS256"]
                )
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                options={
                    "iss": {"essential": True, "value": self.issuer},
                    "aud": {"essential": True, "value": self.client_id},
                },
                params={"nonce": nonce, "client_id": self.client_id, "access_token": access_token},
            )
            claims.validate(now=to_epoch(now), leeway=_LEEWAY)
        except (ValueError, JoseError) as exc:
            raise TokenRefusedError(getattr(exc, "error", None) or str(exc)) from exc
        return dict(claims)


def _identity(claims: dict) -> VouchedIdentity:
    acr = str(claims.get("acr") or "")
    levels = {"jszw:L1": 1, "jszw:L2": 2, "jszw:L3": 3}
    if not claims.get("sub") or not claims.get("name") or not claims.get("id_number"):
        raise TokenRefusedError("the ID token lacks the citizen's name or ID number")
    return VouchedIdentity(
        subject=str(claims["sub"]),
        name=str(claims["name"]),
        id_number=str(claims["id_number"]),
        phone=str(claims["phone_number"]) if claims.get("phone_number") else None,
        assurance=levels.get(acr, 1),
    )

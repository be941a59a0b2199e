"""账号绑定: the identity providers an account can be tied to, and when a tie may be undone.

Provider ids are stored in claims (``oidc#<provider>#<mac>``), accounts' ``links`` and audit
events: never renamed. The rule for unlinking: a citizen may untie any provider but the last
way left to log in. An account with a password (账号密码登录) or a bound phone (手机动态码登录)
can always log in another way; otherwise one link must stay.
"""

from __future__ import annotations

__all__ = ["BOUND_BY_REDIRECT", "PROVIDERS", "label", "may_unlink", "others_keeping_a_way"]

# In the order 账号绑定 lists them; the Chinese names are the manual's.
PROVIDERS: dict[str, str] = {"essc": "电子社保卡", "jszw": "江苏政务", "alipay": "支付宝"}
# The providers a logged-in citizen can tie from 账号绑定 (去绑定), by the login method that
# sends the browser to the provider's page; 电子社保卡 is tied by logging in with it (its QR).
BOUND_BY_REDIRECT: dict[str, str] = {"jszw": "jszw_oidc", "alipay": "alipay"}


def label(provider: str) -> str:
    return PROVIDERS.get(provider, provider)


def may_unlink(provider: str, *, has_password: bool, has_phone: bool, linked: set[str]) -> bool:
    """Whether ``provider`` may be untied: it is linked, and another way to log in remains."""
    if provider not in linked:
        return False
    return has_password or has_phone or bool(linked - {provider})


def others_keeping_a_way(provider: str, linked: set[str]) -> tuple[str, ...]:
    """The other links whose presence, checked in the unlink's own transaction, keeps a way to log in."""
    return tuple(sorted(linked - {provider}))

"""Password login: ID number or mobile number, plus password.

Unknown identifier and wrong password take the same path (a dummy hash is
verified, the failure is counted against the identifier) and give the same
error, so the form tells nobody which identifiers have accounts.
"""

from __future__ import annotations

from chalicelib import settings
from chalicelib.citizen_data import id_number_mac, identifier_mac, phone_mac
from chalicelib.context import RequestContext
from chalicelib.domain import identity, passwords
from chalicelib.domain.lockout import LockoutPolicy
from chalicelib.errors import HallError
from chalicelib.flows.login import Authenticated
from chalicelib.guards import rate_limits
from chalicelib.methods.password import lockout
from chalicelib.store import accounts, lockouts

__all__ = ["PasswordLogin"]


def _claim_keys(identifier: str, ctx: RequestContext) -> list[str]:
    """The claims an identifier could be: a phone, or an ID number of any type it fits."""
    if identity.looks_like_phone(identifier):
        return [accounts.phone_claim_key(phone_mac(identity.normalize_phone(identifier)))]
    number = identity.normalize_id_number(identifier)
    keys = []
    for doc_type in identity.DocumentType:
        try:
            identity.validate_id_number(doc_type, number, ctx.now.date())
        except identity.InvalidValue:
            continue
        keys.append(accounts.id_claim_key(doc_type.value, id_number_mac(number)))
    return keys


def _normalized(identifier: str) -> str:
    if identity.looks_like_phone(identifier):
        return identity.normalize_phone(identifier)
    return identity.normalize_id_number(identifier)


class PasswordLogin:
    id = "password"

    def authenticate(self, form: dict, ctx: RequestContext) -> Authenticated:
        identifier = str(form.get("identifier") or "").strip()
        password = str(form.get("password") or "")
        fields = {}
        if not identifier:
            fields["identifier"] = "请输入证件号码/移动电话"
        if not password:
            fields["password"] = "请输入密码"  # noqa: S105 - a message, not a password
        if fields:
            raise HallError.validation_failed(fields)

        cfg = settings.get()
        policy = LockoutPolicy(cfg.max_password_failures, cfg.lockout_duration, cfg.failure_streak_window)
        keys = _claim_keys(identifier, ctx)
        found = accounts.find_account_ids(keys) if keys else {}
        window = rate_limits.password_failure_window(ctx)
        account = None
        if found:
            # Keys are tried in DocumentType order; one number fits one account at most in practice.
            account_id = found[next(k for k in keys if k in found)]
            subject = lockouts.account_subject(account_id)
            account, lock, client_failures = accounts.get_with_lock(account_id, subject, window)
        if account is None:
            subject = lockouts.identifier_subject(identifier_mac(_normalized(identifier)))
            lock, client_failures = lockouts.get_with_window(subject, window)

        rate_limits.check_password_failures(client_failures)
        if lock.is_locked(ctx.now):
            raise HallError.account_locked(lock.locked_until)
        if not passwords.verify_password(account.password_hash if account else None, password):
            rate_limits.count_password_failure(ctx)
            lockout.record_failure(subject, account, policy, ctx)
            raise HallError.invalid_credentials()
        if passwords.needs_rehash(account.password_hash):
            accounts.set_password_hash(account.account_id, passwords.hash_password(password), ctx.now)
        return Authenticated(account, clear_lock_subject=subject if lock.failures else None)

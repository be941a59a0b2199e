"""The hall's DynamoDB tables: the one place that knows their layout.

Each model is schema only. Table names come from settings (``<prefix>-<name>``)
and are bound lazily by :func:`chalicelib.store.tables.bind`, so the same
definitions serve DynamoDB Local, the tests (a prefix per test) and AWS. The
CloudFormation template in infra/ is generated from these classes, so there is
one definition of every key, index and TTL attribute.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

__all__ = [
    "ALL_MODELS",
    "AccountModel",
    "AuditEventModel",
    "CaptchaRecordModel",
    "CheckpointModel",
    "ClaimModel",
    "EsscLoginRecordModel",
    "EsscNonceModel",
    "FlowRecordModel",
    "LockoutModel",
    "OAuthStateRecordModel",
    "QrLoginRecordModel",
    "RateWindowModel",
    "SessionModel",
    "SmsCodeRecordModel",
]


class HallModel(Model):
    """Base for the hall's models; ``short_name`` is the table's name after the prefix."""

    short_name: str = ""

    class Meta:
        abstract = True


class AccountModel(HallModel):
    """One citizen account. ID number, phone and name: MAC + ciphertext + masked form."""

    short_name = "accounts"

    class Meta:
        table_name = "accounts"

    account_id = UnicodeAttribute(hash_key=True)
    id_type = UnicodeAttribute()
    id_mac = UnicodeAttribute()
    id_cipher = UnicodeAttribute()
    id_masked = UnicodeAttribute()
    name_mac = UnicodeAttribute()
    name_cipher = UnicodeAttribute()
    name_masked = UnicodeAttribute()
    phone_mac = UnicodeAttribute()
    phone_cipher = UnicodeAttribute()
    phone_masked = UnicodeAttribute()
    password_hash = UnicodeAttribute(null=True)
    level = NumberAttribute()
    agreement_version = UnicodeAttribute()
    agreement_accepted_at = UTCDateTimeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class ClaimModel(HallModel):
    """A unique claim on an identifier: ``id#<type>#<mac>``, ``phone#<mac>``, ``family#<type>#<mac>``.

    Claims are written in the same transaction as the account (condition: does
    not exist), which is how one ID and one phone map to at most one account.
    They are also the lookup from an identifier to its account.
    """

    short_name = "claims"

    class Meta:
        table_name = "claims"

    claim_key = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class SessionsByAccount(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_account"
        projection = KeysOnlyProjection()

    account_id = UnicodeAttribute(hash_key=True)


class SessionModel(HallModel):
    """A login session, keyed by the SHA-256 of its opaque token.

    Carries a masked snapshot of the citizen so that an authenticated read is
    one GetItem. ``expires_at`` (TTL) is the earlier of idle and absolute expiry.
    """

    short_name = "sessions"

    class Meta:
        table_name = "sessions"

    token_hash = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    method = UnicodeAttribute()
    # "browser" or "app": the only kind of client the token works for (sessions stored
    # before the field existed were all browsers').
    client = UnicodeAttribute(null=True)
    level = NumberAttribute()
    name_masked = UnicodeAttribute()
    id_masked = UnicodeAttribute()
    phone_masked = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    last_seen_at = UTCDateTimeAttribute()
    absolute_expires_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
    by_account = SessionsByAccount()


class FlowRecordModel(HallModel):
    """Short-lived records on one table, one subclass per kind (the ``kind`` discriminator).

    ``flow_key`` is ``<kind>#...`` (``captcha#<id>``, ``sms#<purpose>#<phone mac>``,
    ``rate#<limit>#<subject>#<window>``, ``checkpoint#<job>``); each kind declares its own
    fields. Every read checks validity itself; the TTL on ``expires_at`` only tidies up.
    Records outlive their validity by ``GRACE`` so "expired" can be told from "never made".
    """

    short_name = "flows"

    class Meta:
        table_name = "flows"

    flow_key = UnicodeAttribute(hash_key=True)
    kind = DiscriminatorAttribute()
    expires_at = TTLAttribute(null=True)


class CaptchaRecordModel(FlowRecordModel, discriminator="captcha"):
    """A graphic (or audio) captcha: its answer's keyed hash; single use (``used``)."""

    secret_hash = UnicodeAttribute()
    valid_until = NumberAttribute()
    used = BooleanAttribute(null=True)


class SmsCodeRecordModel(FlowRecordModel, discriminator="sms_code"):
    """The live SMS code of one phone and purpose: hash, wrong tries, when sent, single use."""

    secret_hash = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    sent_at = NumberAttribute()
    valid_until = NumberAttribute()
    used = BooleanAttribute(null=True)


class RateWindowModel(FlowRecordModel, discriminator="rate_limit"):
    """One fixed window of a named limit: hits so far (and, for sends, when the last one was)."""

    hits = NumberAttribute(null=True)
    sent_at = NumberAttribute(null=True)


class CheckpointModel(FlowRecordModel, discriminator="checkpoint"):
    """Where a scheduled job got to."""

    data = JSONAttribute(null=True)


class QrLoginRecordModel(FlowRecordModel, discriminator="qr_login"):
    """A 扫码登录 QR (``qr#<id>``): ``state`` pending → scanned → confirmed → collected, or
    cancelled; bound to the browser that asked for it by the hash of a secret it holds."""

    state = UnicodeAttribute()
    valid_until = NumberAttribute()
    binding_hash = UnicodeAttribute()
    requested_at = NumberAttribute()
    # The requesting browser, shown to the app that scans so a relayed QR can be spotted.
    request_ip = UnicodeAttribute()
    request_user_agent = UnicodeAttribute()
    scanned_by = UnicodeAttribute(null=True)
    scanned_at = NumberAttribute(null=True)
    decided_at = NumberAttribute(null=True)


class OAuthStateRecordModel(FlowRecordModel, discriminator="oauth_state"):
    """A login sent to an identity provider (``oauth#<state>``): single use (``used``).

    Holds what the callback needs to finish it: the provider, the PKCE verifier
    (encrypted), the nonce the ID token must carry, and the hash of a secret the
    browser that began it holds (the callback must come back to that browser)."""

    provider = UnicodeAttribute()
    verifier_cipher = UnicodeAttribute()
    nonce = UnicodeAttribute()
    binding_hash = UnicodeAttribute()
    valid_until = NumberAttribute()
    used = BooleanAttribute(null=True)


class EsscLoginRecordModel(FlowRecordModel, discriminator="essc_login"):
    """A 电子社保卡扫码登录 QR (``essc#<id>``): ``state`` pending → confirmed (by the e-SSC
    platform's callback, ``account_id`` set) or link_required → collected; the TOTP secret
    of its minute codes (AES-GCM encrypted); bound to the browser that asked for it."""

    state = UnicodeAttribute()
    valid_until = NumberAttribute()
    binding_hash = UnicodeAttribute()
    secret_cipher = UnicodeAttribute()
    account_id = UnicodeAttribute(null=True)
    decided_at = NumberAttribute(null=True)


class EsscNonceModel(FlowRecordModel, discriminator="essc_nonce"):
    """A nonce of the e-SSC platform's callbacks, seen once (``essc_nonce#<nonce>``)."""

    seen_at = NumberAttribute()


class LocksByUnlockHour(GlobalSecondaryIndex):
    """Sparse: only locked items carry ``unlock_hour``, so the cleanup reads locks, not users."""

    class Meta:
        index_name = "by_unlock_hour"
        projection = KeysOnlyProjection()

    unlock_hour = UnicodeAttribute(hash_key=True)
    locked_until = NumberAttribute(range_key=True)


class LockoutModel(HallModel):
    """Password-failure streak and lock of one subject (``account#<id>`` or ``identifier#<mac>``)."""

    short_name = "lockouts"

    class Meta:
        table_name = "lockouts"

    subject = UnicodeAttribute(hash_key=True)
    failures = NumberAttribute(default=0)
    streak_expires_at = NumberAttribute(null=True)
    locked_until = NumberAttribute(null=True)
    unlock_hour = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    by_unlock_hour = LocksByUnlockHour()


class AuditEventModel(HallModel):
    """Security events of one subject, newest last: ``event_id`` is ``<ISO time>#<random>``."""

    short_name = "audit_events"

    class Meta:
        table_name = "audit_events"

    subject = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)
    event = UnicodeAttribute()
    method = UnicodeAttribute(null=True)
    detail = JSONAttribute(null=True)
    expires_at = TTLAttribute(null=True)


ALL_MODELS: tuple[type[HallModel], ...] = (
    AccountModel,
    ClaimModel,
    SessionModel,
    FlowRecordModel,
    LockoutModel,
    AuditEventModel,
)

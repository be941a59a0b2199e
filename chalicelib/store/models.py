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
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection, LocalSecondaryIndex
from pynamodb.models import Model

__all__ = [
    "ALL_MODELS",
    "AccountModel",
    "AppealChange",
    "AppealFlowRecordModel",
    "AppealModel",
    "AuditEventModel",
    "CallbackNonceModel",
    "CaptchaRecordModel",
    "CaseApplicationRecordModel",
    "CaseChange",
    "CaseCountersModel",
    "CaseItemModel",
    "CaseModel",
    "CaseNumberModel",
    "CheckpointModel",
    "ClaimModel",
    "EsscLoginRecordModel",
    "FaceCheckRecordModel",
    "FavouriteModel",
    "FlowRecordModel",
    "IdempotencyRecordModel",
    "LinkRecordModel",
    "LockoutModel",
    "NoticeModel",
    "OAuthStateRecordModel",
    "QrLoginRecordModel",
    "RateWindowModel",
    "ReauthProofRecordModel",
    "RecoveryRecordModel",
    "SessionModel",
    "SmsCodeRecordModel",
]


class HallModel(Model):
    """Base for the hall's models; ``short_name`` is the table's name after the prefix."""

    short_name: str = ""

    class Meta:
        abstract = True


class AccountsByCancelDay(GlobalSecondaryIndex):
    """Sparse: only accounts with a pending 账号注销 carry ``cancel_day`` (the China day it falls
    due), so the scheduled deletion reads the due days' partitions, never every account."""

    class Meta:
        index_name = "by_cancel_day"
        projection = KeysOnlyProjection()

    cancel_day = UnicodeAttribute(hash_key=True)


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
    # The phone may be absent: released by a 用户申诉 (移动电话已被占用) or taken over with the
    # account (证件号码被占用); the citizen is asked to bind one at /user/phone after login.
    phone_mac = UnicodeAttribute(null=True)
    phone_cipher = UnicodeAttribute(null=True)
    phone_masked = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    level = NumberAttribute()
    agreement_version = UnicodeAttribute()
    agreement_accepted_at = UTCDateTimeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()
    # Identity providers tied to the account: provider id ("essc", "jszw", "alipay") →
    # {"subject_mac", "linked_at" (ISO)}; written with the link claim ``oidc#<provider>#<mac>``.
    links = MapAttribute(null=True)
    # 亲情号 (family numbers) this account bound: binding id → {"doc_type", "id_mac", "id_cipher",
    # "id_masked", "name_cipher", "name_masked", "relation", "bound_at" (ISO)}; at most 5, held by the
    # binding transaction's condition (store/family_numbers.py), each with its claim ``family#<type>#<mac>``.
    family = MapAttribute(null=True)
    # When a 用户申诉 (证件号码被占用) last gave the account to the verified holder of its ID: a
    # take-over is conditioned on it being older than the appeal, so of two at once one wins.
    reclaimed_at = UTCDateTimeAttribute(null=True)
    # 登录保护 (store/login_protection.py): the second step password login asks for (``sms`` or
    # ``totp``; absent: off); the authenticator's secret (AES-GCM, chalicelib.crypto) and the last
    # time step a code of it was accepted at (a code is single use: a later one must be newer);
    # a secret being bound (until confirmed by one code, ``totp_pending_until``); the keyed
    # hashes of the unused recovery codes (each removed by the conditional update that uses it).
    second_factor = UnicodeAttribute(null=True)
    totp_cipher = UnicodeAttribute(null=True)
    totp_last_step = NumberAttribute(null=True)
    totp_pending_cipher = UnicodeAttribute(null=True)
    totp_pending_until = NumberAttribute(null=True)
    recovery_code_hashes = UnicodeSetAttribute(null=True)
    # The risk step-up's facts, read with the account at password login (no extra read): when the
    # account was last locked (written by the try that locked it) and last recovered.
    locked_at = UTCDateTimeAttribute(null=True)
    recovered_at = UTCDateTimeAttribute(null=True)
    # 账号注销 (store/cancellations.py): a pending deletion's due time and the China day it is
    # indexed under (``by_cancel_day``); set by the request (condition: none pending), removed by
    # 撤销注销 and by every login's session transaction, checked by the deleting transaction.
    cancel_after = UTCDateTimeAttribute(null=True)
    cancel_day = UnicodeAttribute(null=True)
    by_cancel_day = AccountsByCancelDay()


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
    binding_id = UnicodeAttribute(null=True)  # a family claim: the entry in its account's ``family``


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
    phone_masked = UnicodeAttribute(null=True)  # None: the account has no phone bound
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
    # A logged-in citizen's 去绑定 (账号绑定): the account the provider's identity is tied to.
    account_id = UnicodeAttribute(null=True)


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


class CallbackNonceModel(FlowRecordModel, discriminator="callback_nonce"):
    """A nonce of a platform's signed callbacks, seen once (``nonce#<provider>#<nonce>``): the
    e-SSC platform's, the face-verification provider's (repository ``store/callback_nonces.py``)."""

    provider = UnicodeAttribute()
    seen_at = NumberAttribute()


class FaceCheckRecordModel(FlowRecordModel, discriminator="face_check"):
    """A 人脸识别 (``face#<id>``) of one person for one purpose, asked by one host flow record
    (``owner``): ``state`` pending → passed or failed (the provider's signed callback) → consumed
    (in the host's own transaction); bound to the browser that started it; the consent given
    before the QR was shown. The person only as an ID MAC and masked forms; never an image."""

    state = UnicodeAttribute()
    purpose = UnicodeAttribute()
    owner = UnicodeAttribute()
    valid_until = NumberAttribute()
    binding_hash = UnicodeAttribute()
    id_type = UnicodeAttribute()
    id_mac = UnicodeAttribute()
    id_masked = UnicodeAttribute()
    name_masked = UnicodeAttribute()
    consent_version = UnicodeAttribute()
    consented_at = NumberAttribute()
    decided_at = NumberAttribute(null=True)
    consumed_at = NumberAttribute(null=True)


class RecoveryRecordModel(FlowRecordModel, discriminator="recovery"):
    """A 忘记密码找回 (``recovery#<id>``): ``state`` identified (填写账号 done) → verified (人脸识别
    or 短信验证 passed, ``verified_by``) → done (新密码 set); bound to the browser that began it by
    the hash of a secret it holds. ``account_id`` is the account the ID and name matched (None
    when none did; the citizen is not told until a verification proved them), ``phone_mac``
    its bound phone's (a recovery code is sent only there). The ID number
    and name typed are kept encrypted for the face check and the password rule."""

    state = UnicodeAttribute()
    binding_hash = UnicodeAttribute()
    valid_until = NumberAttribute()
    id_type = UnicodeAttribute()
    id_cipher = UnicodeAttribute()
    name_cipher = UnicodeAttribute()
    account_id = UnicodeAttribute(null=True)
    phone_mac = UnicodeAttribute(null=True)  # the MAC of the account's bound phone, if any
    verified_by = UnicodeAttribute(null=True)


class SecondStepRecordModel(FlowRecordModel, discriminator="second_step"):
    """A password login waiting for its second step (``step#<id>``, 登录保护): the account, the
    ways it may finish (``sms_code``, ``totp``, ``recovery_code``), why it was asked (``protection``
    or ``step_up``), the digest of the password hash verified, the client window to give back,
    wrong codes counted before each check (``tries``), SMS sends; single use (``used``), bound to
    the browser (or app) by the hash of a secret it holds."""

    account_id = UnicodeAttribute()
    methods = UnicodeAttribute()  # comma-separated
    reason = UnicodeAttribute()
    password_digest = UnicodeAttribute()
    window_key = UnicodeAttribute(null=True)
    binding_hash = UnicodeAttribute()
    valid_until = NumberAttribute()
    tries = NumberAttribute(null=True)
    sends = NumberAttribute(null=True)
    used = BooleanAttribute(null=True)


class KnownDeviceModel(FlowRecordModel, discriminator="known_device"):
    """A device that logged in to an account (``device#<account id>#<device id hash>``), for the
    risk step-up: put again by every login from it; ``expires_at`` 90 days after it was last seen."""

    account_id = UnicodeAttribute()
    last_seen = NumberAttribute()


class LinkRecordModel(FlowRecordModel, discriminator="login_link"):
    """A federated login waiting for its account (``link#<id>``): what the provider vouched for
    (citizen data as MAC + ciphertext + masked form), the step the citizen is at (``prove``,
    ``identify``, ``register``, ``phone``), the account to prove when known; single use
    (``used``), bound to the browser by the hash of a secret it holds."""

    provider = UnicodeAttribute()
    method_id = UnicodeAttribute()
    subject_mac = UnicodeAttribute()
    step = UnicodeAttribute()
    binding_hash = UnicodeAttribute()
    valid_until = NumberAttribute()
    level = NumberAttribute(null=True)  # the level the provider vouches for (None: the base library decides)
    account_id = UnicodeAttribute(null=True)
    id_type = UnicodeAttribute(null=True)
    id_mac = UnicodeAttribute(null=True)
    id_cipher = UnicodeAttribute(null=True)
    id_masked = UnicodeAttribute(null=True)
    name_mac = UnicodeAttribute(null=True)
    name_cipher = UnicodeAttribute(null=True)
    name_masked = UnicodeAttribute(null=True)
    identify_tries = NumberAttribute(null=True)
    used = BooleanAttribute(null=True)


class AppealFlowRecordModel(FlowRecordModel, discriminator="appeal"):
    """A 用户申诉 in progress (``appeal#<appeal id>``): ``step`` identified (证件信息 given) →
    verified (人脸认证 passed) → done; bound to the browser that began it by the hash of a
    secret it holds. The ID number and name typed are kept encrypted (the face check and the
    password rule need them); ``started_at`` conditions a take-over (AccountModel.reclaimed_at)."""

    appeal_type = UnicodeAttribute()
    step = UnicodeAttribute()
    binding_hash = UnicodeAttribute()
    valid_until = NumberAttribute()
    started_at = NumberAttribute()
    id_type = UnicodeAttribute()
    id_mac = UnicodeAttribute()
    id_cipher = UnicodeAttribute()
    name_cipher = UnicodeAttribute()


class CaseApplicationRecordModel(FlowRecordModel, discriminator="case_application"):
    """A 在线办理 application's idempotency key (``apply#<account id>#<key>``): the case it made
    and the digest of what was sent, written in the case's own transaction (condition: no live
    record), so a retry with the same key answers the same case for ``valid_until``."""

    account_id = UnicodeAttribute()
    case_id = UnicodeAttribute()
    request_digest = UnicodeAttribute()
    valid_until = NumberAttribute()


class ReauthProofRecordModel(FlowRecordModel, discriminator="reauth_proof"):
    """A re-authentication's proof (``reauth#<hash of the proof>``) for one account and one purpose
    (个人信息导出 ``export``, 账号注销 ``cancel``): the citizen proved it is them (password or an
    SMS code to the bound phone) minutes ago. Spent by one conditional update (unused, unexpired,
    this account, this purpose): single use. Repository ``store/reauth_proofs.py``."""

    account_id = UnicodeAttribute()
    purpose = UnicodeAttribute()
    method = UnicodeAttribute()
    valid_until = NumberAttribute()
    used = BooleanAttribute(null=True)


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


class AppealsByStatus(GlobalSecondaryIndex):
    """Every appeal by status, oldest first: what staff list (``open`` tickets), never a Scan."""

    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    filed_at = UTCDateTimeAttribute(range_key=True)


class AppealChange(MapAttribute):
    """One entry of an appeal's history."""

    at = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    by = UnicodeAttribute()  # "citizen", "system" or the operator (an IAM ARN deployed)
    note = UnicodeAttribute(null=True)


class AppealModel(HallModel):
    """One 用户申诉 (``appeal_id`` is its 申诉编号), of any type, with its status and history.

    Types 证件号码被占用, 移动电话已被占用 and 亲情号解绑 carry the appellant's ID (MAC + masked)
    and the account the appeal changed; 其他 carries the contact phone (MAC + ciphertext +
    masked), a category and the citizen's text (encrypted). ``history`` lists each change:
    {"at" (ISO), "status", "by" (citizen, or the operator), "note"}. Many writers (the
    citizen's steps, staff): every change is conditioned on ``version``.
    """

    short_name = "appeals"

    class Meta:
        table_name = "appeals"

    appeal_id = UnicodeAttribute(hash_key=True)
    appeal_type = UnicodeAttribute()
    status = UnicodeAttribute()
    filed_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    history = ListAttribute(of=AppealChange)
    id_type = UnicodeAttribute(null=True)
    id_mac = UnicodeAttribute(null=True)
    id_masked = UnicodeAttribute(null=True)
    name_masked = UnicodeAttribute(null=True)
    account_id = UnicodeAttribute(null=True)
    phone_mac = UnicodeAttribute(null=True)
    phone_cipher = UnicodeAttribute(null=True)
    phone_masked = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    text_cipher = UnicodeAttribute(null=True)
    version = VersionAttribute()
    by_status = AppealsByStatus()


class CasesByStatus(LocalSecondaryIndex):
    """A citizen's cases in one status, newest first: ``status_key`` is ``<status>#<time>#<办件编号>``
    (办理中 by 申请时间, 已办结 by 办结时间). Strongly consistent: a case just made is listed."""

    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True)
    status_key = UnicodeAttribute(range_key=True)


class CasesDue(LocalSecondaryIndex):
    """Sparse: only cases waiting for their 好差评 carry ``due_key`` (``<办结时间>#<办件编号>``)."""

    class Meta:
        index_name = "due"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True)
    due_key = UnicodeAttribute(range_key=True)


class CaseItemModel(HallModel):
    """办件 (cases), one partition per citizen (``pk`` ``account#<id>``), one subclass per kind:

    * ``case#<办件编号>``: a case (:class:`CaseModel`);
    * ``counters``: how many of the citizen's cases are 办理中 / 已办结 / 待评价
      (:class:`CaseCountersModel`), changed in the same transaction as every case change;
    * and, in a partition of its own (``pk`` ``number#<办件编号>``, ``sk`` ``number``), the
      办件编号's claim (:class:`CaseNumberModel`): one case per number, and the way from a
      number (what the back office knows) to the citizen's partition.

    Lists are Queries of the local indexes (``by_status``, the sparse ``due``), never a
    FilterExpression over every case.
    """

    short_name = "cases"

    class Meta:
        table_name = "cases"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    status_key = UnicodeAttribute(null=True)
    due_key = UnicodeAttribute(null=True)
    by_status = CasesByStatus()
    due = CasesDue()


class CaseChange(MapAttribute):
    """One entry of a case's status history."""

    at = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    by = UnicodeAttribute()  # "citizen" or "back_office"
    note = UnicodeAttribute(null=True)


class CaseModel(CaseItemModel, discriminator="case"):
    """One 办件: the service (its code, 事项名称 and 受理部门 as they were when applied for), the
    form's values (one AES-GCM ciphertext of their JSON), status and history, and the 好差评
    once given (grade, comment encrypted, when; never changed: a conditional write)."""

    case_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    service_code = UnicodeAttribute()
    service_name = UnicodeAttribute()
    department = UnicodeAttribute()
    status = UnicodeAttribute()
    applied_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
    form_cipher = UnicodeAttribute(null=True)
    history = ListAttribute(of=CaseChange)
    grade = UnicodeAttribute(null=True)
    comment_cipher = UnicodeAttribute(null=True)
    evaluated_at = UTCDateTimeAttribute(null=True)


class CaseCountersModel(CaseItemModel, discriminator="counters"):
    """The citizen's counts for the three cards (never computed by reading the cases)."""

    handling = NumberAttribute(null=True)
    finished = NumberAttribute(null=True)
    due_count = NumberAttribute(null=True)


class CaseNumberModel(CaseItemModel, discriminator="case_number"):
    """A 办件编号's claim: whose case it is."""

    account_id = UnicodeAttribute()


class FavouriteModel(HallModel):
    """收藏: one item per citizen and service (``account_id``, ``service_code``). Added by a
    conditional put and removed by a conditional delete, so both are idempotent without a read;
    one Query by ``account_id`` lists a citizen's favourites. A table of its own: no other
    record shares its key or its lifetime, and the account item stays out of it (no version
    conflicts with the account's own writers, no item growing with every favourite)."""

    short_name = "favourites"

    class Meta:
        table_name = "favourites"

    account_id = UnicodeAttribute(hash_key=True)
    service_code = UnicodeAttribute(range_key=True)
    added_at = UTCDateTimeAttribute()


class NoticeModel(HallModel):
    """公示公告: the hall's notices, one partition (``board`` ``notice``) sorted by ``notice_id``
    (``<China time YYYYMMDDHHMMSS>-<4 digits>``), so one Query lists the newest first and one
    GetItem reads one. Published and withdrawn by the operator's command line, read by everyone."""

    short_name = "notices"

    class Meta:
        table_name = "notices"

    board = UnicodeAttribute(hash_key=True)
    notice_id = UnicodeAttribute(range_key=True)
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    department = UnicodeAttribute()
    published_at = UTCDateTimeAttribute()


class IdempotencyRecordModel(HallModel):
    """A client's retry of a side effect (chalicelib/idempotency.py): written by Powertools
    Idempotency's DynamoDB persistence layer, not by a repository. ``id`` is
    ``<scope>#<hash of a MAC of the Idempotency-Key and the request's natural key>``; the
    record holds the status (INPROGRESS, COMPLETED), a hash of a MAC of the request (to refuse
    the same key with another request) and what the side effect returned (plain ids only).
    ``expiration`` is when a retry stops being answered from it (TTL)."""

    short_name = "idempotency"

    class Meta:
        table_name = "idempotency"

    id = UnicodeAttribute(hash_key=True)
    expiration = TTLAttribute()
    status = UnicodeAttribute(null=True)
    in_progress_expiration = NumberAttribute(null=True)
    validation = UnicodeAttribute(null=True)
    data = UnicodeAttribute(null=True)


ALL_MODELS: tuple[type[HallModel], ...] = (
    AccountModel,
    ClaimModel,
    SessionModel,
    FlowRecordModel,
    LockoutModel,
    AuditEventModel,
    AppealModel,
    CaseItemModel,
    FavouriteModel,
    NoticeModel,
    IdempotencyRecordModel,
)

"""账号关联: the step a federated login takes when the hall cannot log the citizen in yet.

chalicelib.methods.federation ends such a login with ``LinkRequired`` and a record
(``link#<id>``, chalicelib.store.login_links) of what the provider vouched for, bound to
the browser by the HttpOnly ``hall_link`` cookie. The record's step says what is asked:

- ``prove``: the provider's person matches an account (same ID number) the hall will not
  tie to it on the provider's word alone: the citizen proves the account by its password
  (counted against the account's lockout exactly as password login counts it:
  chalicelib.methods.password.login.check_account_password) or by an SMS code sent to the
  account's bound phone (purpose ``link``). Then the link claim, the account's ``links``
  entry, the ``Linked`` event and the record's use commit in the session's transaction.
- ``identify`` (支付宝 vouches for no ID number): 证件类型 + 证件号码 (at most 3 per record,
  each counted before it is looked up); then ``prove`` (it has an account) or ``register``.
- ``register``: 姓名 + 移动电话 + SMS code (purpose ``register``) + the agreement; the level is
  the base library's verdict, as registration's.
- ``phone`` (电子社保卡, 江苏政务 without a phone): 移动电话 + SMS code + the agreement; the level
  is the provider's.
``register`` and ``phone`` create the account through registration's uniqueness transaction
(ID and phone claims, the 亲情号 check) with the link claim, the ``links`` entry, the events
and the record's use in the same transaction. The session is then opened by the login flow
under the provider's method id, as if the provider's login had ended there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from annotated_types import MaxLen

from chalicelib import crypto, settings
from chalicelib.citizen_data import id_number_macs, protect_id_number, protect_name, protect_phone
from chalicelib.context import RequestContext
from chalicelib.domain import identity
from chalicelib.domain import links as link_rules
from chalicelib.domain.codes import Purpose, validate_sms_code
from chalicelib.domain.levels import AuthLevel
from chalicelib.errors import HallError
from chalicelib.flows import login as login_flow
from chalicelib.methods.sms_code import codes
from chalicelib.observability import count, logger
from chalicelib.store import accounts, audit, login_links
from chalicelib.store.errors import ClaimTakenError
from chalicelib.store.lockouts import account_subject

__all__ = [
    "BINDING_COOKIE",
    "CREATE_SMS_PURPOSE",
    "SMS_PURPOSE",
    "FinishForm",
    "IdentifyForm",
    "SendCodeForm",
    "finish",
    "identify",
    "send_code",
    "view",
]

BINDING_COOKIE = "hall_link"
SMS_PURPOSE = Purpose.LINK  # a code to the account's own phone proves the account
CREATE_SMS_PURPOSE = Purpose.REGISTER  # a code to the phone a new account gets
MAX_IDENTIFY_TRIES = 3


@dataclass(frozen=True)
class IdentifyForm:
    id_type: Annotated[str, MaxLen(40)]
    id_number: Annotated[str, MaxLen(40)]


@dataclass(frozen=True)
class SendCodeForm:
    captcha_id: Annotated[str, MaxLen(64)]
    captcha_answer: Annotated[str, MaxLen(16)]


@dataclass(frozen=True)
class FinishForm:
    """``proof``: ``password`` or ``sms_code`` (step prove), ``new_account`` (register, phone)."""

    proof: Annotated[str, MaxLen(20)]
    password: Annotated[str | None, MaxLen(64)] = None
    captcha_id: Annotated[str | None, MaxLen(64)] = None
    captcha_answer: Annotated[str | None, MaxLen(16)] = None
    sms_code: Annotated[str | None, MaxLen(10)] = None
    name: Annotated[str | None, MaxLen(80)] = None
    phone: Annotated[str | None, MaxLen(20)] = None
    agreement_accepted: bool = False
    agreement_version: Annotated[str | None, MaxLen(20)] = None


def _bound(link_id: str, secret: str | None, ctx: RequestContext) -> login_links.LoginLink:
    """The record, if unused, this browser's and unexpired (one GetItem); else why not. The
    binding is checked before the expiry: another browser learns nothing of the record."""
    link = login_links.get(link_id) if link_id and len(link_id) <= 64 else None
    if link is None or link.used:
        raise HallError.link_used()
    if not secret or not crypto.equal(crypto.hash_token(secret), link.binding_hash):
        raise HallError.link_other_browser()
    if link.expired(ctx.now):
        raise HallError.link_expired()
    return link


def _phone_of(account: accounts.Account) -> str | None:
    cipher = getattr(account, "phone_cipher", None)
    return crypto.decrypt("phone", cipher) if cipher else None


def view(link_id: str, secret: str | None, ctx: RequestContext) -> dict:
    """What the link step's page shows: the provider, the step, and for ``prove`` how the
    account can be proved (masked phone, whether it has a password)."""
    link = _bound(link_id, secret, ctx)
    page = {
        "link_id": link.link_id,
        "provider": link.provider,
        "provider_label": link_rules.label(link.provider),
        "step": link.step,
        "asks_id": link.asks_id,
        "id_masked": link.id_number.masked if link.id_number else None,
        "name_masked": link.name.masked if link.name else None,
        "expires_in": max(int((link.valid_until - ctx.now).total_seconds()), 0),
    }
    if link.step == login_links.PROVE:
        account = accounts.get(link.account_id or "")
        if account is None:
            raise HallError.link_used()
        page.update(
            account_id_masked=account.id_masked,
            phone_masked=account.phone_masked if getattr(account, "phone_cipher", None) else None,
            has_password=bool(account.password_hash),
            provider_taken=link.provider in account.links,
        )
    return page


def identify(link_id: str, secret: str | None, form: IdentifyForm, ctx: RequestContext) -> dict:
    """The ID number the citizen says they hold (the provider gave none): on to ``prove`` or ``register``."""
    link = _bound(link_id, secret, ctx)
    if not link.asks_id:
        raise HallError.link_used()  # the provider vouched for the ID number: nothing to say
    fields: dict[str, str] = {}
    doc_type, id_number, _ = identity.validate_person(form.id_type, form.id_number, None, ctx.now.date(), fields)
    if fields:
        raise HallError.validation_failed(fields)
    binding = crypto.hash_token(secret or "")
    try:
        login_links.reserve_identify_try(link_id, binding, ctx.now, MAX_IDENTIFY_TRIES)
    except login_links.LinkRefusedError:
        raise HallError.link_identify_exhausted(max(int((link.valid_until - ctx.now).total_seconds()), 1)) from None
    found = accounts.find_account_ids([accounts.id_claim_key(doc_type.value, m) for m in id_number_macs(id_number)])
    account_id = next(iter(found.values()), None)
    step = login_links.PROVE if account_id else login_links.REGISTER
    try:
        login_links.identified(
            link_id, binding, ctx.now, step, doc_type.value, protect_id_number(id_number), account_id
        )
    except login_links.LinkRefusedError:
        raise HallError.link_used() from None
    logger.append_keys(link_step=step)
    return {"step": step}


def send_code(link_id: str, secret: str | None, form: SendCodeForm, ctx: RequestContext) -> dict:
    """An SMS code (purpose ``link``) to the phone of the account to prove, after the captcha."""
    link = _bound(link_id, secret, ctx)
    account = accounts.get(link.account_id or "") if link.step == login_links.PROVE else None
    phone = _phone_of(account) if account else None
    if phone is None:
        raise HallError.link_used()  # no account phone to send to at this step
    return codes.send(phone, SMS_PURPOSE, form.captcha_id, form.captcha_answer, ctx)


class _LinkStep:
    """The link step's last request, as the login flow's method of the provider it finishes
    (the session and its ``LoginSucceeded`` event carry the provider's method id)."""

    def __init__(self, method_id: str, step) -> None:
        self.id = method_id
        self._step = step

    def proceed(self, flow_id: str, form: dict, ctx: RequestContext):
        return self._step()


def finish(link_id: str, secret: str | None, form: FinishForm, ctx: RequestContext) -> login_flow.Outcome:
    """Prove the account and link it, or create it linked; then the session, by the login flow."""
    link = _bound(link_id, secret, ctx)
    binding = crypto.hash_token(secret or "")
    if link.step == login_links.PROVE and form.proof in ("password", "sms_code"):
        step = lambda: _prove(link, binding, form, ctx)  # noqa: E731 - run inside the flow's accounting
    elif link.step in (login_links.REGISTER, login_links.PHONE) and form.proof == "new_account":
        step = lambda: _create(link, binding, form, ctx)  # noqa: E731
    else:
        raise HallError.validation_failed({"proof": "请按页面提示完成账号关联"})
    return login_flow.proceed(_LinkStep(link.method_id, step), link_id, {}, ctx)


def _linked_event(account_id: str, link: login_links.LoginLink, proof: str, ctx: RequestContext):
    return audit.event(
        account_subject(account_id), "Linked", ctx.now, method=link.method_id, provider=link.provider, proof=proof
    )


def _prove(link: login_links.LoginLink, binding: str, form: FinishForm, ctx: RequestContext):
    from chalicelib.methods.password.login import check_account_password

    account = accounts.get(link.account_id or "")
    if account is None:
        raise HallError.link_used()
    if link.provider in account.links:
        raise HallError.link_provider_taken(link_rules.label(link.provider))
    extra: tuple = ()
    if form.proof == "password":
        if not form.password:
            raise HallError.validation_failed({"password": "请输入密码"})
        if account.second_factor:
            # 登录保护: a password alone never opens a session of this account; the code to its
            # bound phone proves it here (or the citizen logs in and links from 账号绑定).
            raise HallError.validation_failed(
                {"proof": "该账号已开启登录保护，请使用短信验证码验证，或登录后在账号绑定中关联"}
            )
        proved = check_account_password(
            account.account_id,
            form.password,
            {"captcha_id": form.captcha_id, "captcha_answer": form.captcha_answer},
            ctx,
        )
        # The password's own write on the account (still this password) is carried by the
        # link's update of the account below: a transaction may touch an item once.
        account = proved.account
        extra = tuple(w for w in proved.session_writes if getattr(w, "label", "") != "account")
    else:
        phone = _phone_of(account)
        if phone is None:
            raise HallError.validation_failed({"sms_code": "该账号未绑定移动电话，请使用密码验证"})
        codes.verify(phone, SMS_PURPOSE, form.sms_code or "", ctx)
    writes = (
        login_links.use(link, binding, ctx.now),
        accounts.link_write(link.provider, link.subject_mac, account.account_id, ctx.now),
        accounts.link_to_account(
            account, link.provider, link.subject_mac, ctx.now, password_proved=form.proof == "password"
        ),
        _linked_event(account.account_id, link, form.proof, ctx),
        *extra,
    )
    count("AccountLinked", provider=link.provider, proof=form.proof)
    logger.append_keys(linked_provider=link.provider, link_proof=form.proof)
    return login_flow.Authenticated(account, session_writes=writes)


def _validate_new(link: login_links.LoginLink, form: FinishForm, ctx: RequestContext) -> tuple[str, str | None]:
    fields = {}
    phone = name = None
    try:
        phone = identity.validate_phone(form.phone or "")
    except identity.InvalidValue as exc:
        fields["phone"] = str(exc)
    if link.step == login_links.REGISTER:
        try:
            name = identity.validate_name(identity.DocumentType(link.id_type), form.name or "")
        except identity.InvalidValue as exc:
            fields["name"] = str(exc)
    try:
        validate_sms_code(form.sms_code)
    except identity.InvalidValue as exc:
        fields["sms_code"] = str(exc)
    if not form.agreement_accepted or form.agreement_version not in (None, settings.get().agreement_version):
        fields["agreement"] = "请阅读并同意《个人用户注册协议》"
    if fields:
        raise HallError.validation_failed(fields)
    return phone, name


def _create(link: login_links.LoginLink, binding: str, form: FinishForm, ctx: RequestContext):
    from chalicelib.platforms import base_library

    phone, name = _validate_new(link, form, ctx)
    codes.verify(phone, CREATE_SMS_PURPOSE, form.sms_code or "", ctx)
    detail = {}
    if link.step == login_links.REGISTER:  # the citizen's own word: the base library decides the level
        id_number = crypto.decrypt("id_number", link.id_number.cipher)
        verdict = base_library.library().verify(link.id_type, id_number, name)
        level = AuthLevel.REAL_NAME if verdict is base_library.Verdict.MATCH else AuthLevel.REGISTERED
        protected_name = protect_name(name)
        detail["base_library"] = verdict.value
    else:  # the provider's word
        level = AuthLevel(link.level or int(AuthLevel.REGISTERED))
        protected_name = link.name
    new = accounts.NewAccount(
        id_type=link.id_type,
        id_number=link.id_number,
        name=protected_name,
        phone=protect_phone(phone),
        password_hash=None,  # logs in through the provider (or by SMS code) until a password is set
        level=int(level),
        agreement_version=settings.get().agreement_version,
        agreement_accepted_at=ctx.now,
        links={link.provider: accounts.link_entry(link.subject_mac, ctx.now)},
    )
    account_id = accounts.new_account_id()
    subject = account_subject(account_id)
    with_items = (
        login_links.use(link, binding, ctx.now),
        accounts.link_write(link.provider, link.subject_mac, account_id, ctx.now),
        audit.event(
            subject, "Registered", ctx.now, method=link.method_id, level=int(level), provider=link.provider, **detail
        ),
        _linked_event(account_id, link, "new_account", ctx),
    )
    try:
        account = accounts.create(new, ctx.now, account_id, with_items=with_items)
    except ClaimTakenError as exc:
        count("RegistrationRejected", reason=exc.claims[0])
        if "link_record" in exc.claims or "link" in exc.claims:
            raise HallError.link_used() from None  # used by a racing request, or the provider account linked meanwhile
        if "id" in exc.claims:
            raise HallError.id_number_taken() from None
        if "family" in exc.claims:
            raise HallError.family_number_bound() from None
        if "phone" in exc.claims:
            raise HallError.phone_taken() from None
        raise
    count("Registered", level=level.name, method=link.method_id)
    logger.append_keys(account_id=account_id, event="account registered", auth_level=int(level))
    return login_flow.Authenticated(account)

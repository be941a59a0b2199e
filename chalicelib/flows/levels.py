"""认证等级 (identity levels): how a citizen goes up, and the gate a service puts in front.

* 注册用户 → 实名用户: 个人中心 → 基本信息修改. The citizen corrects the name (the ID number
  cannot change) and the base library compares name and ID again; at most five comparisons a
  China day, each reserved by a conditional write before the base library is asked. A match
  writes the name and the level in one update conditioned on the version read, with the
  ``NameCorrected`` audit event.
* 实名用户 → 实人用户: 人脸认证 of the account holder (chalicelib.methods.face.service, purpose
  ``level_upgrade``, owner ``level_upgrade#<account id>``); the passed check is consumed in the
  same transaction that writes level 3 and the ``LevelRaised`` event.

Either way every session of the account then gets the new snapshot
(``store.sessions.refresh_for_account``), app sessions included. The rule (which level a
service needs, what a refusal says) is chalicelib.domain.levels'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from annotated_types import MaxLen

from chalicelib.citizen_data import protect_name, reveal_id_number, reveal_name
from chalicelib.context import RequestContext
from chalicelib.domain import identity
from chalicelib.domain.levels import AuthLevel, shortfall
from chalicelib.errors import HallError
from chalicelib.guards import rate_limits
from chalicelib.observability import count, logger
from chalicelib.platforms import base_library
from chalicelib.sessions import SessionRecord
from chalicelib.store import accounts, audit, profiles
from chalicelib.store import sessions as session_store
from chalicelib.store.errors import WriteRefusedError
from chalicelib.store.lockouts import account_subject

__all__ = [
    "NAME_CHECKS_PER_DAY",
    "NameForm",
    "correct_name",
    "finish_face",
    "require",
    "start_face",
]

NAME_CHECKS_PER_DAY = 5
METHOD = "profile"


@dataclass(frozen=True)
class NameForm:
    """基本信息修改: the corrected 姓名."""

    name: Annotated[str, MaxLen(80)]


def require(level: int, required: AuthLevel) -> None:
    """Refuse (``level_too_low``: which level is missing, how to reach it) unless ``level`` allows ``required``."""
    missing = shortfall(level, required)
    if missing is not None:
        raise HallError.level_too_low(missing)


def _account(session: SessionRecord) -> accounts.Account:
    account = accounts.get(session.account_id)
    if account is None:
        raise HallError.unauthenticated()
    return account


def _already(level: int) -> HallError:
    return HallError.level_already_reached(AuthLevel(level).label)


def correct_name(session: SessionRecord, form: NameForm, ctx: RequestContext) -> accounts.Account:
    """基本信息修改 for a 注册用户: a matching name makes the account 实名用户."""
    if session.level >= AuthLevel.REAL_NAME:
        raise _already(session.level)
    account = _account(session)
    if account.level >= AuthLevel.REAL_NAME:
        raise _already(account.level)
    doc_type = identity.DocumentType(account.id_type)
    try:
        name = identity.validate_name(doc_type, form.name)
    except identity.InvalidValue as exc:
        raise HallError.validation_failed({"name": str(exc)}) from None
    tries_left = rate_limits.name_checks_per_account(account.account_id, NAME_CHECKS_PER_DAY, ctx)
    verdict = base_library.library().verify(doc_type.value, reveal_id_number(account.id_cipher), name)
    if verdict is base_library.Verdict.UNAVAILABLE:
        raise HallError.base_library_unavailable()
    if verdict is not base_library.Verdict.MATCH:
        count("NameCorrectionRefused")
        raise HallError.name_mismatch(tries_left)
    protected = protect_name(name)
    updated = None
    for _ in range(3):  # another change of the account (a phone, a link) may move its version
        event = audit.event(
            account_subject(account.account_id),
            "NameCorrected",
            ctx.now,
            method=METHOD,
            name_masked=protected.masked,
            level=int(AuthLevel.REAL_NAME),
            base_library=verdict.value,
        )
        try:
            updated = profiles.correct_name(account, protected, int(AuthLevel.REAL_NAME), ctx.now, (event,))
            break
        except profiles.LevelChangedError as exc:
            if exc.level is None:
                raise HallError.unauthenticated() from None
            raise _already(exc.level) from None
        except profiles.AccountChangedError:
            account = _account(session)
    if updated is None:
        raise HallError.rate_limited(1)
    session_store.refresh_for_account(updated)
    count("LevelRaised", level=AuthLevel.REAL_NAME.name)
    logger.append_keys(account_id=account.account_id, event="name corrected", auth_level=int(AuthLevel.REAL_NAME))
    return updated


def _owner(account_id: str) -> str:
    return f"level_upgrade#{account_id}"


def start_face(session: SessionRecord, consent: bool, ctx: RequestContext):
    """人脸认证 for a 实名用户: a face check of the account holder (their own ID and name)."""
    from chalicelib.methods.face import service as face

    if session.level >= AuthLevel.REAL_PERSON:
        raise _already(session.level)
    require(session.level, AuthLevel.REAL_NAME)
    account = _account(session)
    if account.level >= AuthLevel.REAL_PERSON:
        raise _already(account.level)
    require(account.level, AuthLevel.REAL_NAME)
    person = face.FacePerson(
        id_type=account.id_type,
        id_number=reveal_id_number(account.id_cipher),
        name=reveal_name(account.name_cipher),
    )
    return face.start(person, face.FacePurpose.LEVEL_UPGRADE, _owner(account.account_id), ctx, consent)


def finish_face(session: SessionRecord, face_id: str, browser_secret: str | None, ctx: RequestContext):
    """After the check passed: level 3, in one transaction with the check's consumption."""
    from chalicelib.methods.face import service as face

    account = _account(session)
    if account.level >= AuthLevel.REAL_PERSON:
        raise _already(account.level)
    require(account.level, AuthLevel.REAL_NAME)
    consume = face.passed(face_id, _owner(account.account_id), face.FacePurpose.LEVEL_UPGRADE, browser_secret, ctx)
    event = audit.event(
        account_subject(account.account_id),
        "LevelRaised",
        ctx.now,
        method="face",
        level=int(AuthLevel.REAL_PERSON),
    )
    try:
        updated = profiles.raise_level(account, int(AuthLevel.REAL_PERSON), ctx.now, (event, consume))
    except profiles.LevelChangedError as exc:
        if exc.level is None:
            raise HallError.unauthenticated() from None
        raise _already(exc.level) if exc.level >= AuthLevel.REAL_PERSON else HallError.face_check_used() from None
    except WriteRefusedError:
        raise HallError.face_check_used() from None
    session_store.refresh_for_account(updated)
    count("LevelRaised", level=AuthLevel.REAL_PERSON.name)
    logger.append_keys(account_id=account.account_id, event="level raised", auth_level=int(AuthLevel.REAL_PERSON))
    return updated

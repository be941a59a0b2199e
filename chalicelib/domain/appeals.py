"""用户申诉 (user appeals): the kinds of appeal a citizen can file, in the manual's words.

Registration refuses an ID number or phone another account holds, and an ID number
bound as someone's 亲情号 (family number); each refusal names the appeal type that
resolves it. Each type has a stable id (in error bodies, links and, later, stored
appeals: never renamed), the title and description the manual's appeal screen shows
(section 04, 个人用户申诉), and the page where it is filed.

Each appeal is a record with a status and a history (:class:`AppealStatus`). The first
three types are proved by 人脸认证 of the person named on the ID and then change accounts
themselves; 其他 is a ticket (申诉编号) that staff answer. The steps each type's page shows,
its 操作说明, the 其他 categories, the ticket's number and the limits are here too.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from enum import Enum

from chalicelib.domain.folding import ASCII_DIGITS, fold_full_width
from chalicelib.domain.identity import InvalidValue

__all__ = [
    "APPEALS_PER_ID_PER_DAY",
    "APPEAL_LIFETIME",
    "LOOKUPS_PER_CLIENT_PER_HOUR",
    "NOTE_MAX",
    "TEXT_MAX",
    "TICKETS_PER_PHONE_PER_DAY",
    "AppealStatus",
    "AppealType",
    "Category",
    "new_appeal_id",
    "normalize_appeal_id",
    "validate_note",
    "validate_text",
]

# How long an appeal of the first three types may take from 填写证件信息 to its last step.
APPEAL_LIFETIME = timedelta(minutes=30)
# Appeals begun for one ID number in a China day (the face checks they start cost money and
# each may move an account): a few tries for a citizen whose face check failed, not a stream.
APPEALS_PER_ID_PER_DAY = 5
# 其他 tickets filed with one contact phone in a China day.
TICKETS_PER_PHONE_PER_DAY = 3
# 申诉查询 (number + phone) from one client address in an hour.
LOOKUPS_PER_CLIENT_PER_HOUR = 20
TEXT_MAX = 500  # the citizen's 申诉内容
NOTE_MAX = 500  # a staff comment or decision


class AppealType(str, Enum):
    """A 用户申诉 type; the value is its stable id."""

    ID_NUMBER_TAKEN = "id_number_taken"
    PHONE_TAKEN = "phone_taken"
    FAMILY_NUMBER_BOUND = "family_number_bound"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The title the manual gives this type (证件号码被占用, ...)."""
        return _TEXTS[self][0]

    @property
    def description(self) -> str:
        """The manual's one sentence on when to choose this type."""
        return _TEXTS[self][1]

    @property
    def path(self) -> str:
        """The appeal page, opened at this type."""
        return f"/appeal?type={self.value}"

    @property
    def title(self) -> str:
        """The heading of the type's page (the manual's 亲情号解绑申诉 and the like)."""
        return _TITLES[self]

    @property
    def steps(self) -> tuple[str, ...]:
        """The step indicator, in the manual's words (填写证件信息 ● 人脸认证 ● 完成申诉)."""
        return _STEPS[self]

    @property
    def instructions(self) -> tuple[str, ...]:
        """The manual's 操作说明 for this type."""
        return _INSTRUCTIONS[self]

    @property
    def verified_by_face(self) -> bool:
        """Proved by 人脸认证 of the person named on the ID (all but 其他)."""
        return self is not AppealType.OTHER

    @classmethod
    def find(cls, value: str | None) -> AppealType | None:
        """The type with this id, or None (ids arrive from query strings)."""
        try:
            return cls(value)
        except ValueError:
            return None


# Word for word from the manual's appeal screen, in its order.
_TEXTS = {
    AppealType.ID_NUMBER_TAKEN: ("证件号码被占用", "证件号码已被占用，导致无法注册，可通过此种方式解除占用关系。"),
    AppealType.PHONE_TAKEN: ("移动电话已被占用", "移动电话已被占用，导致无法注册，可通过此种方式解除占用关系。"),
    AppealType.FAMILY_NUMBER_BOUND: (
        "亲情号解绑",
        "证件号码已被绑定为亲情号，导致无法注册，可通过此种方式解除绑定关系。",
    ),
    AppealType.OTHER: ("其他", "如遇到账户其他问题，请通过此种方式反馈。"),
}


_TITLES = {
    AppealType.ID_NUMBER_TAKEN: "证件号码被占用申诉",
    AppealType.PHONE_TAKEN: "移动电话已被占用申诉",
    AppealType.FAMILY_NUMBER_BOUND: "亲情号解绑申诉",
    AppealType.OTHER: "其他问题申诉",
}

_STEPS = {
    AppealType.ID_NUMBER_TAKEN: ("填写证件信息", "人脸识别", "设置新密码", "完成申诉"),
    AppealType.PHONE_TAKEN: ("填写证件信息", "人脸识别", "短信验证", "完成申诉"),
    AppealType.FAMILY_NUMBER_BOUND: ("填写证件信息", "人脸认证", "完成申诉"),
    AppealType.OTHER: ("填写申诉信息", "完成申诉"),
}

# The manual's 操作说明 (section 04), item by item.
_INSTRUCTIONS = {
    AppealType.ID_NUMBER_TAKEN: (
        "1.选择【证件号码被占用】。",
        "2.按照要求填入证件信息及姓名。",
        "3.使用支付宝APP或江苏智慧人社APP扫描下列二维码，完成人脸识别。",
        "4.人脸识别通过后设置新密码。",
    ),
    AppealType.PHONE_TAKEN: (
        "1.选择【移动电话被占用】。",
        "2.按照要求填入证件信息及姓名。",
        "3.使用支付宝APP或江苏智慧人社APP扫取下列二维码，完成人脸识别。",
        "4.输入新的手机号码并完成短信验证。",
    ),
    AppealType.FAMILY_NUMBER_BOUND: (
        "1.选择【亲情号绑定】。",
        "2.按照要求填入证件信息及姓名。",
        "3.使用支付宝APP或江苏智慧人社APP扫取下列二维码，完成人脸识别。",
        "4.人脸通过后完成申请，自动解除绑定关系后，该用户可以自行注册帐号。",
    ),
    AppealType.OTHER: (
        "1.选择【其他】。",
        "2.选择问题类别，描述遇到的问题，填写联系电话并完成短信验证。",
        "3.提交后请记下申诉编号，可凭申诉编号和联系电话查询处理进展。",
    ),
}


class AppealStatus(str, Enum):
    """Where an appeal stands; the value is stored (never renamed)."""

    FILED = "filed"  # 证件信息 given, 人脸认证 to come
    VERIFIED = "verified"  # 人脸认证 passed, the last step to come
    COMPLETED = "completed"  # the account change is done
    OPEN = "open"  # a 其他 ticket no one has answered yet
    IN_PROGRESS = "in_progress"  # staff have commented
    RESOLVED = "resolved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def staff_may_act(self) -> bool:
        """A ticket staff can still comment on, resolve or reject."""
        return self in (AppealStatus.OPEN, AppealStatus.IN_PROGRESS)


_STATUS_LABELS = {
    AppealStatus.FILED: "待人脸认证",
    AppealStatus.VERIFIED: "待完成",
    AppealStatus.COMPLETED: "申诉成功",
    AppealStatus.OPEN: "待处理",
    AppealStatus.IN_PROGRESS: "处理中",
    AppealStatus.RESOLVED: "已办结",
    AppealStatus.REJECTED: "已驳回",
}


class Category(str, Enum):
    """The kind of problem a 其他 ticket is about; stored, never renamed."""

    LOGIN = "login"
    ACCOUNT_INFO = "account_info"
    SECURITY = "security"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "login": "无法登录",
            "account_info": "账户信息有误",
            "security": "账户安全",
            "other": "其他问题",
        }[self.value]


# 申诉编号: the China date it was filed and 10 random digits (18 digits in all). With the
# contact phone it is what a citizen looks a ticket up by, so it must not be guessable.
_APPEAL_ID = re.compile(r"[0-9]{18}")


def new_appeal_id(today: date) -> str:
    return f"{today:%Y%m%d}{secrets.randbelow(10**10):010d}"


def normalize_appeal_id(raw: str | None) -> str:
    """A typed 申诉编号 (spaces dropped, full-width folded), or :class:`InvalidValue`."""
    value = fold_full_width(raw).strip().replace(" ", "")
    if not value:
        raise InvalidValue("请输入申诉编号")
    if not set(value) <= ASCII_DIGITS or not _APPEAL_ID.fullmatch(value):
        raise InvalidValue("申诉编号应为18位数字")
    return value


def _clean(raw: str | None) -> str:
    # Control characters other than line breaks are dropped; lines keep their order.
    text = "".join(c for c in (raw or "") if c in "\n" or c.isprintable())
    return text.strip()


def validate_text(raw: str | None) -> str:
    """The citizen's 申诉内容: 10 to TEXT_MAX characters."""
    text = _clean(raw)
    if len(text) < 10:
        raise InvalidValue("请描述遇到的问题（至少10个字）")
    if len(text) > TEXT_MAX:
        raise InvalidValue(f"申诉内容不能超过{TEXT_MAX}个字")
    return text


def validate_note(raw: str | None) -> str:
    """A staff comment or decision note: 1 to NOTE_MAX characters."""
    text = _clean(raw)
    if not text:
        raise InvalidValue("请填写处理意见")
    if len(text) > NOTE_MAX:
        raise InvalidValue(f"处理意见不能超过{NOTE_MAX}个字")
    return text

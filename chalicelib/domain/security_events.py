"""安全记录: how a citizen's own security events read, and the device a login came from.

Events are stored by name (``LoginSucceeded``, ``PasswordChanged``...) with the method
id that proved the person; the citizen sees them in the manual's Chinese. The device is
kept as two words (browser and operating system) read from the User-Agent, never the
whole header: enough for a citizen to recognise their own devices, and nothing more.
"""

from __future__ import annotations

import re

__all__ = ["describe_device", "event_label", "method_label"]

_EVENTS = {
    "Registered": "注册账号",
    "LoginSucceeded": "登录",
    "PasswordChanged": "修改密码",
    "PasswordRecovered": "忘记密码找回",
    "PhoneChanged": "修改移动电话",
    "PhoneBound": "绑定移动电话",
    "PhoneReleased": "移动电话被申诉解除绑定",
    "OtherSessionsRevoked": "退出其他设备",
    "AccountLocked": "密码连续输错，账户锁定",
    "LockReleased": "账户解除锁定",
    "Linked": "绑定第三方账号",
    "Unlinked": "解除第三方账号绑定",
    "FamilyNumberBound": "绑定亲情号",
    "FamilyNumberUnbound": "解绑亲情号",
    "FamilyNumberReleased": "亲情号被申诉解除绑定",
    "FaceChecked": "人脸识别",
    "LevelRaised": "认证等级提升",
    "AccountReleasedByAppeal": "用户申诉：账号被证件持有人找回",
    "NameCorrected": "基本信息修改（姓名比对通过）",
    "AccountReclaimed": "用户申诉：账号被证件持有人找回",
    "AppealFiled": "用户申诉",
    "PersonalDataExported": "个人信息导出",
    "CancellationRequested": "申请注销账号",
    "CancellationWithdrawn": "撤销注销账号",
    "AccountDeleted": "账号已注销",
    "LoginProtectionEnabled": "开启登录保护",
    "LoginProtectionDisabled": "关闭登录保护",
    "RecoveryCodeUsed": "使用恢复码登录",
}

_METHODS = {
    "password": "账号密码",
    "sms_code": "手机动态码",
    "app_qr": "扫码登录",
    "essc_qr": "电子社保卡",
    "jszw_oidc": "江苏政务",
    "alipay": "支付宝",
    "registration": "注册",
    "face": "人脸识别",
    "sms": "短信验证",
    "appeal": "用户申诉",
    "operator": "工作人员",
    "account_security": "账号安全",
    "profile": "基本信息修改",
    "family_numbers": "亲情号",
    "data_rights": "个人信息权益",
    "login": "登录",
    "cancellation": "账号注销",
    "login_protection": "登录保护",
}


def event_label(name: str) -> str:
    """The event in Chinese; an event this list does not know yet still reads as one."""
    return _EVENTS.get(name, "账号安全事件")


def method_label(method: str | None) -> str:
    if not method:
        return ""
    return _METHODS.get(method, method if method.isascii() and method.isidentifier() else "")


# Order matters: Edge and Opera carry "Chrome", Chrome carries "Safari", WeChat and
# Alipay's in-app browsers carry all of them.
_BROWSERS = (
    (re.compile(r"MicroMessenger/"), "微信"),
    (re.compile(r"AlipayClient/"), "支付宝"),
    (re.compile(r"Edg(?:e|A|iOS)?/"), "Edge"),
    (re.compile(r"OPR/|Opera"), "Opera"),
    (re.compile(r"Firefox/|FxiOS/"), "Firefox"),
    (re.compile(r"Chrome/|CriOS/|Chromium/"), "Chrome"),
    (re.compile(r"Safari/"), "Safari"),
)
_SYSTEMS = (
    (re.compile(r"HarmonyOS|OpenHarmony"), "HarmonyOS"),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"iPhone|iPad|iPod"), "iOS"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"Mac OS X|Macintosh"), "macOS"),
    (re.compile(r"CrOS"), "ChromeOS"),
    (re.compile(r"Linux"), "Linux"),
)


def describe_device(user_agent: str | None, client: str = "browser") -> str:
    """Browser and operating system in two words (``Chrome · Windows``); an app's own
    client says 江苏智慧人社APP; nothing recognisable says 未知设备."""
    if client == "app":
        return "江苏智慧人社APP"
    text = (user_agent or "")[:300]
    browser = next((name for pattern, name in _BROWSERS if pattern.search(text)), None)
    system = next((name for pattern, name in _SYSTEMS if pattern.search(text)), None)
    words = [word for word in (browser, system) if word]
    return " · ".join(words) if words else "未知设备"

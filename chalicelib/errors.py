"""The hall's errors: stable ids, Chinese messages, one JSON shape.

Every error a citizen or client can see is a :class:`HallError` built by one
of the named constructors below. The ids are part of the API (clients switch
on them) and are never renamed. ``HallError`` derives from Chalice's
``ChaliceUnhandledError`` so that Chalice hands it to our ``http`` middleware,
which renders it once, in one shape::

    {"code": "...", "message": "...", "fields": {...}, "request_id": "...", ...details}
"""

from __future__ import annotations

from datetime import datetime

from chalice import ChaliceUnhandledError

from chalicelib.clock import CHINA
from chalicelib.domain.appeals import AppealType

__all__ = ["HallError"]


def _appeal(kind: AppealType) -> dict[str, str]:
    # A conflict names the 用户申诉 type that resolves it, and where to file it.
    return {"appeal": kind.value, "appeal_url": kind.path}


class HallError(ChaliceUnhandledError):
    """An error with a stable id, an HTTP status and a message in Chinese."""

    def __init__(
        self,
        code: str,
        status: int,
        message: str,
        fields: dict[str, str] | None = None,
        **details: object,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.message = message
        self.fields = fields or {}
        self.details = details

    def body(self, request_id: str | None = None) -> dict:
        body: dict = {"code": self.code, "message": self.message, "fields": self.fields}
        body.update(self.details)
        if request_id:
            body["request_id"] = request_id
        return body

    # -- request shape -------------------------------------------------------------
    @classmethod
    def validation_failed(cls, fields: dict[str, str]) -> HallError:
        return cls("validation_failed", 400, "请检查填写的信息", fields)

    @classmethod
    def malformed_request(cls) -> HallError:
        return cls("malformed_request", 400, "请求格式不正确")

    @classmethod
    def csrf_failed(cls) -> HallError:
        return cls("csrf_failed", 403, "页面已过期，请刷新页面后重试")

    @classmethod
    def not_found(cls) -> HallError:
        return cls("not_found", 404, "您访问的页面不存在")

    @classmethod
    def internal_error(cls) -> HallError:
        return cls("internal_error", 500, "系统繁忙，请稍后再试")

    # -- sessions ------------------------------------------------------------------
    @classmethod
    def unauthenticated(cls) -> HallError:
        return cls("unauthenticated", 401, "请先登录")

    # -- login ---------------------------------------------------------------------
    @classmethod
    def invalid_credentials(cls, captcha_required: bool = False) -> HallError:
        # One message for unknown identifier and wrong password: it must not
        # tell whether an account exists (identifiers without account count the same way,
        # so ``captcha_required`` tells nothing either).
        return cls("invalid_credentials", 401, "证件号码/移动电话或密码错误", captcha_required=captcha_required)

    @classmethod
    def account_locked(cls, unlock_at: datetime) -> HallError:
        local = unlock_at.astimezone(CHINA)
        return cls(
            "account_locked",
            423,
            f"密码连续输错次数过多，账户已锁定，请于{local:%Y-%m-%d %H:%M}后再试，或使用手机动态码登录、忘记密码找回",
            unlock_at=unlock_at.isoformat(),
        )

    @classmethod
    def phone_not_registered(cls) -> HallError:
        return cls("phone_not_registered", 404, "该移动电话尚未注册，请先注册或使用快捷方式登录")

    @classmethod
    def unknown_login_method(cls) -> HallError:
        return cls("unknown_login_method", 400, "不支持的登录方式")

    @classmethod
    def login_flow_expired(cls) -> HallError:
        # A later step of a login that no longer exists (expired, used, or never begun).
        return cls("login_flow_expired", 400, "登录已失效，请重新登录")

    # -- 扫码登录: the browser's poll (RFC 8628's words) and the app's scan ---------------
    @classmethod
    def expired_token(cls) -> HallError:
        return cls("expired_token", 400, "二维码已过期，请刷新二维码")

    @classmethod
    def access_denied(cls) -> HallError:
        return cls("access_denied", 400, "已在手机上取消登录，请刷新二维码后重新扫码")

    @classmethod
    def qr_login_other_browser(cls) -> HallError:
        # Only the browser that showed the QR collects its session (a relayed QR id gets nothing).
        return cls("qr_login_other_browser", 403, "请在显示该二维码的浏览器上完成登录")

    @classmethod
    def app_session_required(cls) -> HallError:
        return cls("app_session_required", 403, "请使用江苏智慧人社APP登录后扫码")

    @classmethod
    def qr_login_not_found(cls) -> HallError:
        return cls("qr_login_not_found", 404, "二维码无效或已失效，请在电脑上刷新二维码")

    @classmethod
    def qr_login_expired(cls) -> HallError:
        return cls("qr_login_expired", 410, "二维码已过期，请在电脑上刷新二维码后重新扫码")

    @classmethod
    def qr_login_already_scanned(cls) -> HallError:
        return cls("qr_login_already_scanned", 409, "该二维码已被扫描，请在电脑上刷新二维码后重新扫码")

    @classmethod
    def qr_login_other_account(cls) -> HallError:
        return cls("qr_login_other_account", 403, "请使用扫码的账号确认或取消登录")

    @classmethod
    def qr_login_finished(cls) -> HallError:
        return cls("qr_login_finished", 409, "该二维码已确认或已取消，请在电脑上刷新二维码")

    # -- 江苏政务登录 (OpenID Connect) and 支付宝登录: the provider's callback ---------------
    # (the oidc_state_* errors answer for every redirect-based method's state)
    @classmethod
    def oidc_state_invalid(cls) -> HallError:
        # Unknown state, another provider's, or begun in another browser: nothing more is said.
        return cls("oidc_state_invalid", 400, "登录请求无效，请返回登录页重新选择登录方式")

    @classmethod
    def oidc_state_expired(cls) -> HallError:
        return cls("oidc_state_expired", 400, "登录已超时，请返回登录页重新选择登录方式")

    @classmethod
    def oidc_state_used(cls) -> HallError:
        return cls("oidc_state_used", 400, "该登录请求已使用，请返回登录页重新登录")

    @classmethod
    def oidc_access_denied(cls) -> HallError:
        return cls("oidc_access_denied", 400, "您已取消江苏政务授权，未能登录")

    @classmethod
    def oidc_token_invalid(cls) -> HallError:
        # The code was refused (PKCE mismatch, replayed code) or the ID token did not verify.
        return cls("oidc_token_invalid", 502, "江苏政务身份认证未通过，请重新登录")

    @classmethod
    def oidc_provider_unavailable(cls) -> HallError:
        # Not configured, the redirect URI not allowed, or the provider did not answer.
        return cls("oidc_provider_unavailable", 503, "江苏政务登录暂不可用，请使用其他方式登录")

    # -- 支付宝登录 (Alipay web authorization) --------------------------------------------
    @classmethod
    def alipay_access_denied(cls) -> HallError:
        return cls("alipay_access_denied", 400, "您已取消支付宝授权，未能登录")

    @classmethod
    def alipay_auth_code_invalid(cls) -> HallError:
        # Alipay refused the auth_code (used, expired or not issued to the hall).
        return cls("alipay_auth_code_invalid", 502, "支付宝授权已失效，请重新登录")

    @classmethod
    def alipay_signature_invalid(cls) -> HallError:
        # An answer from the gateway whose RSA2 signature does not verify with Alipay's public key.
        return cls("alipay_signature_invalid", 502, "支付宝返回的信息未通过验证，请重新登录")

    @classmethod
    def alipay_unavailable(cls) -> HallError:
        # Not configured, the redirect URI not allowed, the gateway unreachable, or it refused our request.
        return cls("alipay_unavailable", 503, "支付宝登录暂不可用，请使用其他方式登录")

    # -- 电子社保卡扫码登录: the national e-SSC platform's signed callback ------------------
    @classmethod
    def essc_signature_invalid(cls) -> HallError:
        # Not signed by the platform's key (or not a callback at all): nothing more is said.
        return cls("essc_signature_invalid", 401, "电子社保卡平台签名验证失败")

    @classmethod
    def essc_timestamp_stale(cls) -> HallError:
        return cls("essc_timestamp_stale", 400, "电子社保卡平台请求已超时，请重新扫码")

    @classmethod
    def essc_nonce_reused(cls) -> HallError:
        # A replayed callback: the nonce was used before.
        return cls("essc_nonce_reused", 409, "电子社保卡平台请求重复，请重新扫码")

    @classmethod
    def essc_code_invalid(cls) -> HallError:
        # The QR's code is neither this minute's nor the last minute's, or the QR is gone or used.
        return cls("essc_code_invalid", 400, "二维码已更新或已失效，请重新扫描网办大厅上的二维码")

    @classmethod
    def essc_identity_invalid(cls) -> HallError:
        return cls("essc_identity_invalid", 400, "电子社保卡持卡人信息无效，未能登录")

    @classmethod
    def essc_platform_unavailable(cls) -> HallError:
        # The platform's public key is not configured.
        return cls("essc_platform_unavailable", 503, "电子社保卡登录暂不可用，请使用其他方式登录")

    @classmethod
    def captcha_required(cls) -> HallError:
        # After a few wrong passwords (per account or per address) password login asks
        # for the graphic captcha, instead of shutting an address out.
        return cls(
            "captcha_required",
            400,
            "请输入图形验证码后再登录",
            {"captcha_answer": "请输入图形验证码"},
            captcha_required=True,
        )

    @classmethod
    def id_type_required(cls, id_types: list[tuple[str, str]]) -> HallError:
        # A number held under more than one document type is never resolved silently.
        return cls(
            "id_type_required",
            400,
            "该证件号码对应多种证件类型，请选择证件类型后再登录",
            {"id_type": "请选择证件类型"},
            id_types=[{"value": value, "label": label} for value, label in id_types],
        )

    # -- captcha and SMS codes -----------------------------------------------------
    @classmethod
    def captcha_invalid(cls) -> HallError:
        return cls("captcha_invalid", 400, "图形验证码错误或已失效，请重新输入", {"captcha_answer": "图形验证码错误"})

    @classmethod
    def sms_code_invalid(cls, tries_left: int) -> HallError:
        return cls(
            "sms_code_invalid",
            400,
            f"短信验证码错误，还可尝试{tries_left}次",
            {"sms_code": "短信验证码错误"},
            tries_left=tries_left,
        )

    @classmethod
    def sms_code_expired(cls) -> HallError:
        return cls("sms_code_expired", 400, "短信验证码已失效，请重新获取", {"sms_code": "短信验证码已失效"})

    @classmethod
    def sms_code_exhausted(cls) -> HallError:
        return cls("sms_code_exhausted", 400, "短信验证码错误次数过多，请稍后重新获取", {"sms_code": "错误次数过多"})

    @classmethod
    def sms_resend_too_soon(cls, retry_after: int) -> HallError:
        return cls("sms_resend_too_soon", 429, f"获取验证码过于频繁，请{retry_after}秒后再试", retry_after=retry_after)

    @classmethod
    def sms_daily_limit(cls, retry_after: int) -> HallError:
        return cls(
            "sms_daily_limit", 429, "该移动电话今日获取验证码次数已达上限，请明日再试", retry_after=retry_after
        )

    @classmethod
    def sms_unavailable(cls) -> HallError:
        return cls("sms_unavailable", 503, "短信发送失败，请稍后再试")

    @classmethod
    def rate_limited(cls, retry_after: int) -> HallError:
        # Every 429 says when to come back (the middleware copies it to Retry-After).
        return cls("rate_limited", 429, "操作过于频繁，请稍后再试", retry_after=retry_after)

    # -- registration --------------------------------------------------------------
    @classmethod
    def id_number_taken(cls) -> HallError:
        return cls(
            "id_number_taken",
            409,
            f"证件号码已被注册。如非本人注册，请通过“用户申诉—{AppealType.ID_NUMBER_TAKEN.label}”解除占用关系后重新注册",
            {"id_number": "证件号码已被注册"},
            **_appeal(AppealType.ID_NUMBER_TAKEN),
        )

    @classmethod
    def phone_taken(cls) -> HallError:
        return cls(
            "phone_taken",
            409,
            f"移动电话已被注册。如非本人注册，请通过“用户申诉—{AppealType.PHONE_TAKEN.label}”解除占用关系后重新注册",
            {"phone": "移动电话已被注册"},
            **_appeal(AppealType.PHONE_TAKEN),
        )

    @classmethod
    def family_number_bound(cls) -> HallError:
        return cls(
            "family_number_bound",
            409,
            f"证件号码已被其他用户绑定为亲情号，请通过“用户申诉—{AppealType.FAMILY_NUMBER_BOUND.label}”解除绑定关系后重新注册",
            {"id_number": "证件号码已被绑定为亲情号"},
            **_appeal(AppealType.FAMILY_NUMBER_BOUND),
        )

    # -- requests refused before a view runs ---------------------------------------
    # (Chalice's and API Gateway's own refusals, answered in our shape by
    # handlers/middleware.py and infra/gateway.py; body limits by handlers/web.py)
    @classmethod
    def method_not_allowed(cls) -> HallError:
        return cls("method_not_allowed", 405, "不支持该请求方法")

    @classmethod
    def unsupported_media_type(cls) -> HallError:
        return cls("unsupported_media_type", 415, "请求格式不正确")

    @classmethod
    def payload_too_large(cls) -> HallError:
        return cls("payload_too_large", 413, "提交的内容过长")

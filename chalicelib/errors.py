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

    # -- faults a retry can cure (handlers/client_retries.py, chalicelib/idempotency.py) ------
    @classmethod
    def service_busy(cls, retry_after: int = 3) -> HallError:
        # The hall's database was busy or out of reach after its own retries: nothing half-done
        # was kept, and the same request may be sent again (with the same Idempotency-Key).
        return cls("service_busy", 503, "当前访问人数较多，系统繁忙，请稍后重试", retry_after=retry_after)

    @classmethod
    def request_in_progress(cls, retry_after: int = 1) -> HallError:
        # The same Idempotency-Key is being served by an earlier request right now.
        return cls("request_in_progress", 409, "您的请求正在处理中，请勿重复提交", retry_after=retry_after)

    @classmethod
    def idempotency_key_reused(cls) -> HallError:
        # The same Idempotency-Key came back with other values: a new submission needs a new key.
        return cls("idempotency_key_reused", 422, "该请求已提交过，内容与原请求不一致，请刷新页面后重新填写")

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

    # -- 登录保护: the second step of a password login, and turning it on or off ------------
    @classmethod
    def second_step_expired(cls) -> HallError:
        # Never made, used, past its 5 minutes, or the password changed meanwhile.
        return cls("second_step_expired", 400, "登录验证已失效，请重新登录")

    @classmethod
    def second_step_other_browser(cls) -> HallError:
        return cls("second_step_other_browser", 403, "请在输入密码的浏览器中完成登录验证")

    @classmethod
    def second_step_code_invalid(cls, tries_left: int) -> HallError:
        return cls(
            "second_step_code_invalid",
            401,
            f"验证码错误，还可尝试{tries_left}次",
            {"code": "验证码错误"},
            tries_left=tries_left,
        )

    @classmethod
    def second_step_exhausted(cls) -> HallError:
        return cls("second_step_exhausted", 400, "验证码错误次数过多，请重新登录", {"code": "错误次数过多"})

    @classmethod
    def second_step_way_unavailable(cls) -> HallError:
        # A way the step does not offer (an authenticator's code when the SMS code was turned on,
        # a recovery code when none is left, more SMS codes than a step may send).
        return cls("second_step_way_unavailable", 400, "该验证方式不可用，请选择其他验证方式")

    @classmethod
    def login_protection_code_invalid(cls) -> HallError:
        return cls(
            "login_protection_code_invalid",
            400,
            "动态验证码错误，请确认手机时间准确后重新输入",
            {"code": "动态验证码错误"},
        )

    @classmethod
    def login_protection_binding_expired(cls) -> HallError:
        return cls("login_protection_binding_expired", 400, "绑定已超时，请重新扫码绑定")

    @classmethod
    def login_protection_needs_phone(cls) -> HallError:
        return cls("login_protection_needs_phone", 400, "请先绑定移动电话")

    @classmethod
    def login_protection_changed(cls) -> HallError:
        # The account changed between the read and the write (another tab, a password change).
        return cls("login_protection_changed", 409, "登录保护设置已变更，请刷新页面后重试")

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
        return cls("oidc_provider_unavailable", 503, "江苏政务登录暂不可用，请使用其他方式登录", retry_after=30)

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
        return cls("alipay_unavailable", 503, "支付宝登录暂不可用，请使用其他方式登录", retry_after=30)

    # -- 账号关联 (a federated login tied to an account) and 账号绑定 -----------------------
    @classmethod
    def link_expired(cls) -> HallError:
        # The link step's record is past its 10 minutes.
        return cls("link_expired", 400, "账号关联已超时，请返回登录页重新登录")

    @classmethod
    def link_used(cls) -> HallError:
        # Never made, or finished already (single use).
        return cls("link_used", 400, "该账号关联已完成或已失效，请返回登录页重新登录")

    @classmethod
    def link_other_browser(cls) -> HallError:
        # Without the hall_link cookie of the browser that logged in at the provider.
        return cls("link_other_browser", 403, "请在发起登录的浏览器中完成账号关联")

    @classmethod
    def link_identify_exhausted(cls, retry_after: int) -> HallError:
        # retry_after: until the login's record ends; a new login from the provider starts afresh.
        return cls(
            "link_identify_exhausted", 429, "证件号码输入次数过多，请返回登录页重新登录", retry_after=retry_after
        )

    @classmethod
    def link_provider_taken(cls, provider_label: str) -> HallError:
        # The account is tied to another account of the same provider.
        return cls(
            "link_provider_taken",
            409,
            f"该账号已绑定其他{provider_label}账号，请登录后在“账号绑定”中解除绑定后再关联",
        )

    @classmethod
    def link_subject_taken(cls, provider_label: str) -> HallError:
        # 去绑定 with a provider account tied to another hall account.
        return cls(
            "link_subject_taken",
            409,
            f"该{provider_label}账号已绑定其他账号，请使用该{provider_label}账号登录后解除绑定",
        )

    @classmethod
    def link_identity_mismatch(cls, provider_label: str) -> HallError:
        # 去绑定 where the provider vouches for another person's ID number.
        return cls("link_identity_mismatch", 409, f"{provider_label}账号的证件号码与当前账号不一致，不能绑定")

    @classmethod
    def link_not_found(cls) -> HallError:
        return cls("link_not_found", 404, "未绑定该登录方式")

    @classmethod
    def link_last_method(cls) -> HallError:
        # Unlinking would leave the account with no way to log in (no password, no phone, no other link).
        return cls("link_last_method", 409, "这是您当前唯一的登录方式，不能解除绑定；请先设置密码或绑定手机")

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
        return cls("essc_platform_unavailable", 503, "电子社保卡登录暂不可用，请使用其他方式登录", retry_after=30)

    # -- 人脸识别 (face verification): consent, the page's poll, the host's use, the callback -
    @classmethod
    def face_consent_required(cls) -> HallError:
        return cls(
            "face_consent_required",
            400,
            "请阅读并同意人脸识别授权后再进行人脸识别",
            {"face_consent": "请勾选同意人脸识别授权"},
        )

    @classmethod
    def face_check_invalid(cls) -> HallError:
        # Unknown, or made for another flow or purpose: nothing more is said.
        return cls("face_check_invalid", 400, "人脸识别结果无效，请重新进行人脸识别")

    @classmethod
    def face_check_other_browser(cls) -> HallError:
        return cls("face_check_other_browser", 403, "请在发起人脸识别的浏览器上继续办理")

    @classmethod
    def face_check_expired(cls) -> HallError:
        return cls("face_check_expired", 400, "人脸识别已超时，请重新进行人脸识别")

    @classmethod
    def face_check_pending(cls) -> HallError:
        return cls("face_check_pending", 400, "请先使用支付宝APP或江苏智慧人社APP扫描二维码，完成人脸识别")

    @classmethod
    def face_check_denied(cls) -> HallError:
        # The provider reported that the face did not match: RFC 8628's access_denied for the
        # page's poll, with the face check's own message.
        return cls("access_denied", 400, "人脸识别未通过，请重新进行人脸识别")

    @classmethod
    def face_check_used(cls) -> HallError:
        return cls("face_check_used", 409, "该人脸识别结果已使用，请重新进行人脸识别")

    @classmethod
    def face_signature_invalid(cls) -> HallError:
        # Not signed by the provider's key (or not a callback at all): nothing more is said.
        return cls("face_signature_invalid", 401, "人脸识别平台签名验证失败")

    @classmethod
    def face_timestamp_stale(cls) -> HallError:
        return cls("face_timestamp_stale", 400, "人脸识别平台请求已超时")

    @classmethod
    def face_nonce_reused(cls) -> HallError:
        return cls("face_nonce_reused", 409, "人脸识别平台请求重复")

    @classmethod
    def face_callback_invalid(cls) -> HallError:
        # The check is unknown, expired or decided already.
        return cls("face_callback_invalid", 400, "人脸识别已失效或已完成，请在电脑上重新进行人脸识别")

    @classmethod
    def face_provider_unavailable(cls) -> HallError:
        # The provider's public key is not configured.
        return cls("face_provider_unavailable", 503, "人脸识别暂不可用，请稍后再试", retry_after=10)

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
        return cls("sms_daily_limit", 429, "该移动电话今日获取验证码次数已达上限，请明日再试", retry_after=retry_after)

    @classmethod
    def sms_unavailable(cls, retry_after: int = 60) -> HallError:
        # The code was not delivered: it is void and the phone's send was given back.
        return cls("sms_unavailable", 503, "短信发送失败，请稍后再试", retry_after=retry_after)

    @classmethod
    def sms_prefix_limit(cls, retry_after: int) -> HallError:
        # The phone's 号段+地区 block reached its daily cap (SMS pumping sends to number ranges).
        return cls(
            "sms_prefix_limit",
            429,
            "该号段今日获取验证码次数已达上限，请明日再试或使用其他方式登录",
            retry_after=retry_after,
        )

    @classmethod
    def sms_budget_exhausted(cls, retry_after: int) -> HallError:
        # The hall's hourly SMS budget is spent (an alarm has gone to the operators).
        return cls(
            "sms_budget_exhausted", 503, "短信验证码发送繁忙，请稍后再试或使用其他方式登录", retry_after=retry_after
        )

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

    # -- 用户申诉 (appeals) -----------------------------------------------------------
    @classmethod
    def appeal_not_found(cls) -> HallError:
        # An unknown 申诉编号, or a number with another phone: nothing more is said.
        return cls("appeal_not_found", 404, "未找到该申诉，请核对申诉编号和联系电话")

    @classmethod
    def appeal_expired(cls) -> HallError:
        return cls("appeal_expired", 400, "申诉已超时，请重新填写证件信息")

    @classmethod
    def appeal_other_browser(cls) -> HallError:
        return cls("appeal_other_browser", 403, "请在开始申诉的浏览器上继续办理")

    @classmethod
    def appeal_step_invalid(cls, step: str) -> HallError:
        # A step asked for before the one before it passed (or after the appeal ended).
        return cls("appeal_step_invalid", 409, f"请先完成“{step}”", step=step)

    @classmethod
    def appeal_throttled(cls, retry_after: int) -> HallError:
        return cls("appeal_throttled", 429, "该证件号码今日申诉次数已达上限，请明日再试", retry_after=retry_after)

    @classmethod
    def appeal_not_needed(cls, kind: AppealType) -> HallError:
        # Only said after 人脸认证 proved the person: the ID (or phone) is free already.
        messages = {
            AppealType.ID_NUMBER_TAKEN: "该证件号码未被注册，无需申诉，可直接注册",
            AppealType.PHONE_TAKEN: "该移动电话已绑定在您的账户上，无需申诉",
            AppealType.FAMILY_NUMBER_BOUND: "该证件号码未被绑定为亲情号，无需申诉，可直接注册",
        }
        return cls("appeal_not_needed", 409, messages.get(kind, "无需申诉"), appeal=kind.value)

    @classmethod
    def appeal_conflict(cls) -> HallError:
        # Another appeal (or a change of the account) got there first: one winner.
        return cls("appeal_conflict", 409, "该申诉涉及的账户已发生变化，请重新申诉")

    @classmethod
    def appeal_closed(cls) -> HallError:
        return cls("appeal_closed", 409, "该申诉已办结，不能再处理")

    @classmethod
    def operator_required(cls) -> HallError:
        # The staff API: AWS IAM (SigV4) deployed, the operator credential in the dev stage.
        return cls("operator_required", 401, "需要工作人员身份认证")

    # -- 认证等级 (identity levels) and 基本信息修改 -------------------------------------
    @classmethod
    def level_too_low(cls, shortfall) -> HallError:
        # ``shortfall``: domain.levels.LevelShortfall (which level is missing, how to reach it).
        return cls(
            "level_too_low",
            403,
            shortfall.message,
            required_level=int(shortfall.required),
            required_level_label=shortfall.required.label,
            current_level=int(shortfall.current),
            upgrade_url=shortfall.upgrade_url,
        )

    @classmethod
    def level_already_reached(cls, label: str) -> HallError:
        return cls("level_already_reached", 409, f"您已是{label}，无需重复认证")

    @classmethod
    def name_mismatch(cls, tries_left: int) -> HallError:
        return cls(
            "name_mismatch",
            400,
            f"姓名与证件号码比对不通过，请核对后重新输入，今日还可比对{tries_left}次",
            {"name": "姓名与证件号码比对不通过"},
            tries_left=tries_left,
        )

    @classmethod
    def name_correction_limit(cls, retry_after: int) -> HallError:
        return cls(
            "name_correction_limit", 429, "今日姓名比对次数已达上限（每日5次），请明日再试", retry_after=retry_after
        )

    @classmethod
    def base_library_unavailable(cls) -> HallError:
        return cls("base_library_unavailable", 503, "基础库比对暂不可用，请稍后再试", retry_after=10)

    @classmethod
    def records_unavailable(cls) -> HallError:
        # The social-insurance systems (platforms/si_records.py) could not be asked.
        return cls("records_unavailable", 503, "社保信息系统暂不可用，请稍后再试", retry_after=10)

    # -- 亲情号 (family numbers) --------------------------------------------------------
    @classmethod
    def family_number_limit(cls, limit: int) -> HallError:
        return cls("family_number_limit", 409, f"每个账号最多可绑定{limit}个亲情号，请解绑后再添加", limit=limit)

    @classmethod
    def family_number_mismatch(cls) -> HallError:
        return cls(
            "family_number_mismatch",
            400,
            "亲情号的姓名与证件号码比对不通过，请核对后重新输入",
            {"name": "姓名与证件号码比对不通过"},
        )

    @classmethod
    def family_number_has_account(cls) -> HallError:
        # The relative has an account of their own: they log in themself.
        return cls(
            "family_number_has_account",
            409,
            "该证件号码已注册网办大厅账号，不能绑定为亲情号",
            {"id_number": "该证件号码已注册账号"},
        )

    @classmethod
    def family_number_taken(cls) -> HallError:
        # Bound by another account; the relative can free themself by appeal type 3.
        return cls(
            "family_number_taken",
            409,
            "该证件号码已被其他用户绑定为亲情号，一个证件号码只能被一个账号绑定",
            {"id_number": "该证件号码已被其他用户绑定为亲情号"},
        )

    @classmethod
    def family_number_already_yours(cls) -> HallError:
        return cls("family_number_already_yours", 409, "您已绑定该亲情号", {"id_number": "您已绑定该证件号码为亲情号"})

    @classmethod
    def family_number_not_found(cls) -> HallError:
        return cls("family_number_not_found", 404, "该亲情号不存在或已解绑")

    @classmethod
    def application_limit(cls, retry_after: int) -> HallError:
        # 在线办理: the day's applications of one account (guards/rate_limits.application_window).
        return cls("application_limit", 429, "今日网上申请次数已达上限，请明日再试", retry_after=retry_after)

    @classmethod
    def family_check_limit(cls, retry_after: int) -> HallError:
        return cls("family_check_limit", 429, "今日亲情号比对次数已达上限，请明日再试", retry_after=retry_after)

    # -- 忘记密码找回 ---------------------------------------------------------------
    @classmethod
    def recovery_expired(cls) -> HallError:
        # No recovery in this browser: never begun, expired, or finished already.
        return cls("recovery_expired", 400, "找回密码已超时或已完成，请重新填写账号信息")

    @classmethod
    def recovery_other_browser(cls) -> HallError:
        return cls("recovery_other_browser", 403, "请在开始找回密码的浏览器上继续操作")

    @classmethod
    def recovery_step_skipped(cls) -> HallError:
        return cls("recovery_step_skipped", 409, "请按页面提示依次完成找回密码的各个步骤")

    @classmethod
    def recovery_no_account(cls) -> HallError:
        # Said only after a face check proved the person named: it reveals nothing to anyone else.
        return cls(
            "recovery_no_account",
            404,
            "未找到与该证件号码和姓名相符的账号，请核对后重新填写，或通过“用户申诉”解决",
            appeal_url="/appeal",
        )

    @classmethod
    def password_unchanged(cls) -> HallError:
        return cls(
            "password_unchanged",
            400,
            "新密码不能与原密码相同",
            {"password": "新密码不能与原密码相同"},
        )

    # -- 账号安全 (account security: password, phone, sessions) -----------------------
    @classmethod
    def old_password_invalid(cls, captcha_required: bool = False, field: str = "old_password") -> HallError:
        # A wrong 原密码 (or 登录密码, ``field``) counts toward the lock as a wrong password at login does.
        return cls("old_password_invalid", 401, "原密码错误", {field: "原密码错误"}, captcha_required=captcha_required)

    @classmethod
    def phone_unchanged(cls) -> HallError:
        return cls(
            "phone_unchanged", 400, "新移动电话不能与当前绑定的移动电话相同", {"phone": "与当前绑定的移动电话相同"}
        )

    @classmethod
    def account_changed(cls) -> HallError:
        # The account changed between reading it and writing (another device, an appeal): nothing was written.
        return cls("account_changed", 409, "账户信息已发生变化，请刷新页面后重试")

    # -- 在线办理, 办件 and 好差评 (cases) ----------------------------------------------------
    @classmethod
    def application_key_reused(cls) -> HallError:
        # The page's idempotency key came back with another service or other values.
        return cls("application_key_reused", 409, "该申请已提交，请刷新页面后重新填写")

    @classmethod
    def evaluation_not_due(cls) -> HallError:
        return cls("evaluation_not_due", 409, "办件办结后才能评价")

    @classmethod
    def evaluation_exists(cls) -> HallError:
        return cls("evaluation_exists", 409, "该办件已评价，评价不能修改或重复提交")

    @classmethod
    def case_not_in_progress(cls) -> HallError:
        return cls("case_not_in_progress", 409, "该办件不在办理中")

    @classmethod
    def back_office_callback_invalid(cls) -> HallError:
        # A bad signature, a stale timestamp or a reused nonce: the back office is told no more.
        return cls("back_office_callback_invalid", 401, "回调签名校验失败")

    # -- 个人信息导出 and 账号注销 (data rights) ----------------------------------------------
    @classmethod
    def reauth_required(cls) -> HallError:
        # No proof of a fresh 身份验证, or one used, expired, another account's or for another purpose.
        return cls("reauth_required", 403, "请先验证身份，验证后5分钟内有效，仅可使用一次")

    @classmethod
    def cancellation_pending(cls) -> HallError:
        return cls("cancellation_pending", 409, "您已申请注销账号，冷静期内无需重复申请")

    @classmethod
    def cancellation_not_pending(cls) -> HallError:
        return cls("cancellation_not_pending", 409, "您的账号没有待处理的注销申请")

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

"""个人用户中心: the frame every user-center page shares, its home, and 账号安全.

The left menu is :data:`MENU`, one entry a line. A page another flow builds adds its
entry with a one-line edit and renders itself with :func:`render_page`, which requires a
session (not logged in: a 302 to ``/login?next=<path>``) and marks the entry ``current`` with
``aria-current="page"``. Every entry is built: the menu has no 即将开放 any more.

Templates extend ``user/frame.html`` and fill ``{% block content %}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.handlers import pages, web
from chalicelib.observability import tracer

__all__ = ["MENU", "MenuItem", "bp", "render_page", "require_page_session"]

bp = Blueprint(__name__)


@dataclass(frozen=True)
class MenuItem:
    """One entry of the user center's left menu: ``key`` names it (``current=key``)."""

    key: str
    label: str
    href: str
    group: str = "account"  # "account" (个人中心 and settings) or "records" (the manual's record menus)


# The left menu, in the manual's order. Owners: profile and family (family/levels),
# security and phone (account security), links (federation), the records (user-center records).
MENU: tuple[MenuItem, ...] = (
    MenuItem("home", "个人中心", "/user"),
    MenuItem("profile", "基本信息", "/user/profile"),
    MenuItem("security", "账号安全", "/user/security"),
    MenuItem("login_protection", "登录保护", "/user/login-protection"),
    MenuItem("links", "账号绑定", "/user/links"),
    MenuItem("family", "亲情号", "/user/family"),
    MenuItem("data_export", "个人信息导出", "/user/data-export"),
    MenuItem("cancellation", "注销账号", "/user/cancellation"),
    MenuItem("rights", "我的权益单", "/user/records/rights", group="records"),
    MenuItem("payments", "我的缴费记录", "/user/records/payments", group="records"),
    MenuItem("social_insurance", "我的社保记录", "/user/records/social-insurance", group="records"),
    MenuItem("housing_fund", "我的公积金记录", "/user/records/housing-fund", group="records"),
    MenuItem("medical", "我的医保记录", "/user/records/medical", group="records"),
    MenuItem("unemployment", "我的失业保险记录", "/user/records/unemployment", group="records"),
    MenuItem("injury", "我的工伤保险记录", "/user/records/injury", group="records"),
    MenuItem("maternity", "我的生育保险记录", "/user/records/maternity", group="records"),
)


def _menu_item(key: str) -> MenuItem | None:
    return next((item for item in MENU if item.key == key), None)


def login_redirect(return_to: str) -> Response:
    """A 302 to the login page that comes back to ``return_to`` (a path of ours, from our code:
    Chalice's ``request.path`` is the route's template, not the path asked for)."""
    return web.redirect("/login?next=" + quote(pages.safe_return_path(return_to) or "/user", safe="/"))


def require_page_session(request: Request):
    """The session of a page request, or None (then answer :func:`login_redirect`)."""
    return web.current_session(request)


def render_page(
    request: Request,
    template: str,
    current: str,
    status: int = 200,
    return_to: str | None = None,
    session=None,
    **values,
) -> Response:
    """Render a user-center page in the frame; a visitor not logged in is sent to log in and
    brought back to ``return_to`` (by default the menu entry ``current`` links to). ``session``:
    the caller's, when it resolved it already (one GetItem a page)."""
    session = session or require_page_session(request)
    if session is None:
        item = _menu_item(current)
        return login_redirect(return_to or (item.href if item else "/user"))
    return pages.render(
        request,
        template,
        status=status,
        section="user",
        menu=MENU,
        current=current,
        session=session,
        **values,
    )


@bp.route("/user", methods=["GET"])
@tracer.capture_method
def user_center_page():
    from chalicelib.flows.user_center import cases  # the upper half: the 办件 cards

    request = bp.current_request
    session = require_page_session(request)
    if session is None:
        return login_redirect("/user")
    from chalicelib.flows.user_center import services  # the lower half: 推荐, 办事, 查询, 收藏
    from chalicelib.handlers.catalogue import region_of

    return render_page(
        request,
        "user/home.html",
        current="home",
        session=session,
        cases=cases.home(session),
        services=services.for_session(session, region=region_of(request)),
    )


# -- 账号安全 (account security) ----------------------------------------------------------

DONE_NOTICES = {
    "password": "密码修改成功，其他设备已退出登录。",
    "phone": "移动电话修改成功。",
    "phone_bound": "移动电话绑定成功。",
}


def _query(request: Request, name: str) -> str:
    values = getattr(request, "query_params", None) or {}
    return str(values.get(name) or "").strip()[:100]


@bp.route("/user/security", methods=["GET"])
@tracer.capture_method
def security_page():
    from chalicelib.flows import account_settings

    request = bp.current_request
    session = require_page_session(request)
    if session is None:
        return login_redirect("/user/security")
    log = account_settings.security_log(session, after=_query(request, "after") or None)
    return render_page(
        request,
        "user/security.html",
        current="security",
        session=session,
        log=log,
        paged=bool(_query(request, "after")),
        done=DONE_NOTICES.get(_query(request, "done")),
    )


@bp.route("/user/phone", methods=["GET"])
@tracer.capture_method
def phone_page():
    """绑定移动电话 (an account without a phone is sent here after login), or 修改移动电话."""
    from chalicelib.flows import account_settings

    request = bp.current_request
    session = require_page_session(request)
    if session is None:
        return login_redirect("/user/phone")
    return render_page(
        request,
        "user/phone.html",
        current="security",
        session=session,
        on_phone_page=True,
        has_password=account_settings.has_password(session),
    )


@bp.route("/api/account/password", methods=["POST"])
@tracer.capture_method
def change_password():
    from chalicelib.flows import account_settings

    request = bp.current_request
    web.require_csrf(request)
    body = web.json_body(request)  # the body's limits hold for every caller, logged in or not
    session = web.require_session(request)
    form = web.parse(request, account_settings.ChangePasswordForm, body)
    ended = account_settings.change_password(session, form, web.login_context(request))
    return {"message": DONE_NOTICES["password"], "sessions_ended": ended}


@bp.route("/api/account/phone", methods=["POST"])
@tracer.capture_method
def change_phone():
    from chalicelib.flows import account_settings

    request = bp.current_request
    web.require_csrf(request)
    body = web.json_body(request)  # the body's limits hold for every caller, logged in or not
    session = web.require_session(request)
    form = web.parse(request, account_settings.ChangePhoneForm, body)
    had_phone = bool(session.phone_masked)
    account = account_settings.change_phone(session, form, web.login_context(request))
    return {
        "message": DONE_NOTICES["phone" if had_phone else "phone_bound"],
        "phone": account.phone_masked,
        "next": "/user/security?done=" + ("phone" if had_phone else "phone_bound"),
    }


@bp.route("/api/account/security-events", methods=["GET"])
@tracer.capture_method
def security_events():
    """安全记录 as JSON (the app's view): a page of events, newest first; ``after`` continues."""
    from dataclasses import asdict

    from chalicelib.flows import account_settings

    request = bp.current_request
    session = web.require_session(request)
    log = account_settings.security_log(session, after=_query(request, "after") or None)
    return {"events": [asdict(entry) for entry in log.entries], "next_after": log.next_after}


@bp.route("/api/sessions/others", methods=["DELETE"])
@tracer.capture_method
def revoke_other_sessions():
    """退出其他设备: every other session of the account ends (browsers' and apps')."""
    from chalicelib.flows import account_settings

    request = bp.current_request
    web.require_csrf(request)
    session = web.require_session(request)
    ended = account_settings.revoke_other_sessions(session, web.login_context(request))
    return {"message": f"已退出其他{ended}个设备" if ended else "没有其他设备登录", "sessions_ended": ended}

"""The hall's web pages, in Chinese, mirroring the training manual's screens.

Server-rendered with Jinja2 (loaded on the first page, not at cold start);
forms post JSON to the API with a small script, no build step.
"""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from importlib import resources

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib import settings
from chalicelib.domain.identity import DocumentType
from chalicelib.errors import HallError
from chalicelib.handlers import web

bp = Blueprint(__name__)

_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("chalicelib", "web/templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


# The hall's navigation, in the manual's words. Every entry leads somewhere:
# sections not built yet render a clear 即将开放 page, never a broken link.
NAV = (
    ("home", "大厅首页", "/"),
    ("personal", "个人办事", "/hall/personal"),
    ("business", "单位办事", "/hall/business"),
    ("query", "查询服务", "/hall/query"),
    ("catalog", "服务清单", "/hall/catalog"),
    ("themes", "主题服务", "/hall/themes"),
    ("notices", "公示公告", "/hall/notices"),
)
_SECTIONS = {key: label for key, label, _ in NAV[1:]} | {"about": "关于本站", "contact": "联系我们"}

PERSONAS = ("高校毕业生", "就业人员", "失业人员", "创业人员", "工伤人员", "退休人员", "其他人员")

# 热门服务 by tab. The names are the manual's own (home page and 个人用户中心 screens);
# where the manual's screenshot cuts a name short, we show it as the manual does.
HOT_SERVICES = (
    (
        "jobs",
        "就业创业",
        (
            "高校毕业生接收手续办理",
            "灵活就业人员企业职工基本养老保险参保登记",
            "失业待遇续发",
            "失业保险关系转出",
            "恢复发放",
        ),
    ),
    (
        "insurance",
        "社会保险",
        (
            "工伤认定",
            "工伤康复确认申请",
            "工伤保险待遇变更",
            "工伤劳动能力鉴定",
            "工亡职工供养亲属抚恤金申领",
            "暂停养老保险期待遇",
        ),
    ),
    (
        "talent",
        "人才人事",
        ("职称申报退回修改", "职称证书在线查询", "江苏省考试录用公…", "流动人才党员学习…", "流动人员人事档案证明出具"),
    ),
    (
        "labour",
        "劳动关系",
        (
            "非法用工单位伤亡…",
            "拖欠农民工工资线索反映",
            "劳动合同拟定",
            "最低工资政策实施效果评估调查",
            "国有企业负责人薪酬统计调查",
        ),
    ),
    ("card", "社会保障卡", ("社会保障卡正式挂失", "社会保障卡正式挂失解挂", "社会保障卡个人首次申请", "个人领卡")),
)

# 主题服务 with the one character its round icon shows.
THEMES = (("就业补贴", "补"), ("就业培训", "培"), ("高校毕业生就业", "毕"), ("就失业", "失"), ("企业养老保险", "养"))

# 用户申诉 types, word for word from the manual's appeal screen.
APPEAL_TYPES = (
    ("id_number_taken", "证件号码被占用", "证件号码已被占用，导致无法注册，可通过此种方式解除占用关系。"),
    ("phone_taken", "移动电话已被占用", "移动电话已被占用，导致无法注册，可通过此种方式解除占用关系。"),
    ("family_number_bound", "亲情号解绑", "证件号码已被绑定为亲情号，导致无法注册，可通过此种方式解除绑定关系。"),
    ("other", "其他", "如遇到账户其他问题，请通过此种方式反馈。"),
)

LOGIN_TABS = ("qr", "password", "sms")


def _query(request: Request, name: str) -> str:
    values = getattr(request, "query_params", None) or {}
    value = values.get(name) or ""
    return value.strip()[:100]


def render(request: Request, template: str, status: int = 200, **values) -> Response:
    session = web.current_session(request)
    csrf = web.cookies(request).get(web.CSRF_COOKIE)
    headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
    if not web.valid_csrf_token(csrf):
        csrf = web.new_csrf_token()
        headers["Set-Cookie"] = [web.csrf_cookie(csrf)]
    values.setdefault("section", None)
    html = (
        _environment()
        .get_template(template)
        .render(
            user=web.user_view(session) if session else None,
            csrf_token=csrf,
            is_dev=settings.get().is_dev,
            document_types=list(DocumentType),
            agreement_version=settings.get().agreement_version,
            path=request.path if hasattr(request, "path") else "/",
            nav=NAV,
            **values,
        )
    )
    return Response(html, status_code=status, headers=headers)


@bp.route("/", methods=["GET"])
def home():
    return render(
        bp.current_request, "home.html", section="home", personas=PERSONAS, hot_services=HOT_SERVICES, themes=THEMES
    )


@bp.route("/login", methods=["GET"])
def login_page():
    tab = _query(bp.current_request, "tab")
    return render(bp.current_request, "login.html", tab=tab if tab in LOGIN_TABS else "password")


@bp.route("/register", methods=["GET"])
def register_page():
    return render(bp.current_request, "register.html")


@bp.route("/faq", methods=["GET"])
def faq_page():
    return render(bp.current_request, "faq.html")


@bp.route("/agreement", methods=["GET"])
def agreement_page():
    return render(bp.current_request, "agreement.html")


@bp.route("/sitemap", methods=["GET"])
def sitemap_page():
    return render(bp.current_request, "sitemap.html")


@bp.route("/hall/{key}", methods=["GET"])
def section_page(key):
    if key not in _SECTIONS:
        raise HallError.not_found()
    return render(bp.current_request, "coming_soon.html", feature=_SECTIONS[key], section=key)


@bp.route("/search", methods=["GET"])
def search_page():
    return render(bp.current_request, "coming_soon.html", feature="站内搜索", query=_query(bp.current_request, "q"))


@bp.route("/recover", methods=["GET"])
def recover_page():
    return render(bp.current_request, "coming_soon.html", feature="忘记密码找回")


@bp.route("/appeal", methods=["GET"])
def appeal_page():
    chosen = _query(bp.current_request, "type")
    return render(
        bp.current_request,
        "appeal.html",
        appeal_types=APPEAL_TYPES,
        chosen=chosen if chosen in {key for key, _, _ in APPEAL_TYPES} else None,
    )


@bp.route("/user", methods=["GET"])
def user_center_page():
    return render(bp.current_request, "coming_soon.html", feature="个人用户中心")


@lru_cache(maxsize=32)
def _static(name: str) -> str | None:
    if "/" in name or ".." in name:
        return None
    file = resources.files("chalicelib").joinpath("web/static").joinpath(name)
    return file.read_text("utf-8") if file.is_file() else None


@bp.route("/static/{name}", methods=["GET"])
def static(name):
    body = _static(name)
    if body is None:
        raise HallError.not_found()
    kind = _STATIC_TYPES.get("." + name.rsplit(".", 1)[-1]) or mimetypes.guess_type(name)[0] or "text/plain"
    return Response(body, headers={"Content-Type": kind, "Cache-Control": "public, max-age=300"})

"""The user center's record menus (我的权益单, 我的缴费记录, ...): pages and their JSON.

Pages: ``GET /user/records/{kind}`` with ``?year=`` and ``?relative=<亲情号 binding id>``
(a plain GET form: 查看 本人 or a bound relative, and the year). A refusal the citizen can act
on (level too low, a 亲情号 no longer bound, the systems unavailable) is said inside the frame.
API: ``GET /api/records/{kind}`` (a list) and ``GET /api/statements`` (the 权益单's figures).
The flow is chalicelib.flows.user_center.records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from annotated_types import MaxLen
from chalice import Blueprint

from chalicelib.errors import HallError
from chalicelib.handlers import pages, user_center, web
from chalicelib.observability import tracer

__all__ = ["bp"]

bp = Blueprint(__name__)


def _query(request, name: str, limit: int = 40) -> str:
    values = getattr(request, "query_params", None) or {}
    return str(values.get(name) or "").strip()[:limit]


def _relatives(session) -> list[dict]:
    """The 亲情号 the citizen may view (masked), for the 查看 selector."""
    from chalicelib.flows import family_numbers

    try:
        return [family_numbers.view(b) for b in family_numbers.list_for(session)]
    except HallError:
        return []


@bp.route("/user/records/{kind}", methods=["GET"])
@tracer.capture_method
def records_page(kind):
    from chalicelib.flows.user_center import records

    request = bp.current_request
    try:
        chosen = records.menu(kind)
    except HallError:
        return pages.render(request, "not_found.html", status=404)  # a page URL: the HTML 404 page
    session = user_center.require_page_session(request)
    if session is None:
        return user_center.login_redirect(f"/user/records/{chosen.slug}")
    year, relative = _query(request, "year"), _query(request, "relative") or None
    values: dict = {"menu_entry": chosen, "relatives": _relatives(session), "relative": relative}
    status = 200
    try:
        if chosen.kind is None:
            values["view"] = records.statement(session, year, relative)
            template = "user/statement.html"
        else:
            values["view"] = records.record_list(session, chosen.slug, year, relative)
            template = "user/records.html"
    except HallError as exc:
        if exc.code not in ("level_too_low", "family_number_not_found", "records_unavailable"):
            raise
        template, status = "user/records_refused.html", exc.status
        values["refusal"] = exc
    return user_center.render_page(request, template, current=chosen.key, status=status, session=session, **values)


@bp.route("/api/records/{kind}", methods=["GET"])
@tracer.capture_method
def records_api(kind):
    from chalicelib.flows.user_center import records

    request = bp.current_request
    session = web.require_session(request)
    view = records.record_list(session, kind, _query(request, "year"), _query(request, "relative") or None)
    return view.view()


@bp.route("/api/statements", methods=["GET"])
@tracer.capture_method
def statement_api():
    from chalicelib.flows.user_center import records

    request = bp.current_request
    session = web.require_session(request)
    view = records.statement(session, _query(request, "year"), _query(request, "relative") or None)
    return {
        "name": view.subject.name,
        "read_only": view.subject.read_only,
        "years": view.years,
        "year": view.statement.year if view.statement else None,
        "statement": view.statement.figures() if view.statement else None,
        "notice": view.statement.notice if view.statement else None,
    }


# -- 下载: the statement as a PDF, and its public check (核验) --------------------------------


@bp.route("/user/records/rights/download", methods=["GET"])
@tracer.capture_method
def statement_download():
    """The 权益单 of ``?year=`` (and ``?relative=``) as an A4 PDF (a binary response)."""
    from urllib.parse import quote

    from chalice import Response

    from chalicelib.flows.user_center import records, statement_pdf

    request = bp.current_request
    session = user_center.require_page_session(request)
    if session is None:
        return user_center.login_redirect("/user/records/rights")
    view = records.statement(session, _query(request, "year"), _query(request, "relative") or None)
    if view.statement is None:
        raise HallError.not_found()
    pdf, _code = statement_pdf.render(view.statement)
    name = f"{view.statement.year}年度社会保险个人权益记录单.pdf"
    return Response(
        pdf,
        status_code=200,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": (
                f"attachment; filename=\"statement-{view.statement.year}.pdf\"; filename*=UTF-8''{quote(name)}"
            ),
        },
    )


@bp.route("/verify", methods=["GET"])
def verify_form_page():
    """核验: enter a code or choose the file."""
    from chalicelib.handlers import pages

    code = _query(bp.current_request, "code", limit=80)
    if code:
        return web.redirect("/verify/" + "".join(ch for ch in code if ch.isalnum())[:60])
    return pages.render(bp.current_request, "verify.html", check=None, code="")


@bp.route("/verify/{code}", methods=["GET"])
def verify_code_page(code):
    """Where a statement's QR leads: 真实有效 for a code the hall issued, else 无法验证."""
    from chalicelib.flows.user_center import statement_pdf
    from chalicelib.handlers import pages

    check = statement_pdf.check_code(code[:60])
    return pages.render(bp.current_request, "verify.html", check=check, code=code[:60])


@dataclass(frozen=True)
class StatementCheckForm:
    """What the 核验 page sends about a chosen file: the SHA-256 of its body, and its last line's
    code and MAC (the file itself stays in the browser)."""

    sha256: Annotated[str, MaxLen(64)]
    code: Annotated[str, MaxLen(60)]
    mac: Annotated[str, MaxLen(64)]


@bp.route("/api/statement-checks", methods=["POST"])
@tracer.capture_method
def statement_check():
    """核验 a statement file (public): 真实有效 only for a file exactly as the hall issued it."""
    from chalicelib.flows.user_center import statement_pdf

    request = bp.current_request
    form = web.parse(request, StatementCheckForm)
    return statement_pdf.check_digest(form.sha256, form.code, form.mac).view()

"""Dev-stage only: the SMS outbox and the answers of graphic captchas.

app.py registers this Blueprint only when the stage is dev, and each view
checks the stage again, so prod serves neither messages nor answers.
"""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import settings
from chalicelib.errors import HallError
from chalicelib.handlers import pages

bp = Blueprint(__name__)


def _entries() -> list[dict]:
    if not settings.get().is_dev:
        raise HallError.not_found()
    from chalicelib.platforms.sms import outbox

    return outbox().entries(limit=50)


@bp.route("/api/dev/outbox", methods=["GET"])
def outbox_json():
    return {"entries": [{k: v for k, v in e.items() if k != "to_tag"} for e in _entries()]}


@bp.route("/dev/outbox", methods=["GET"])
def outbox_page():
    return pages.render(bp.current_request, "dev_outbox.html", entries=_entries())

"""What a flow knows of the request that started it, without HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib import clock

__all__ = ["RequestContext"]


@dataclass(frozen=True)
class RequestContext:
    client_ip: str = "unknown"
    request_id: str = "-"
    now: datetime = field(default_factory=clock.now)
    # Which kind of client asked: "browser" (cookie + CSRF) or "app" (bearer token).
    # A session is bound to the kind that opened it.
    client: str = "browser"
    # What a login of several steps reads of the browser (web.login_context fills them):
    # its User-Agent, and the secret that binds a pending login to it (an HttpOnly cookie).
    user_agent: str = ""
    browser_secret: str | None = None
    # The device's own random id (the long-lived HttpOnly ``hall_device`` cookie, or an app's
    # ``X-Hall-Device`` header): 登录保护's risk step-up asks whether it logged in before.
    device_id: str | None = None

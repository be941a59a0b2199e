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

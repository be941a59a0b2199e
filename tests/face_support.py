"""Helpers for tests of 人脸识别 (face verification) and of the flows that use it.

``complete_face_check`` plays the provider: it signs the outcome with the local counterpart's
test-only key (devtools/stubs/face_provider.py) and posts it to the hall's callback, as the
provider's server does. ``start_face_check`` is the smallest host there is: it starts a check
in-process, as a host flow's handler would, and gives the browser its binding cookie.
``commit`` is a host's transaction, holding the write ``service.passed`` returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import clock
from chalicelib.context import RequestContext
from devtools.stubs import face_provider
from tests.support import Browser, Citizen, Reply

__all__ = ["StartedCheck", "commit", "complete_face_check", "send_callback", "start_face_check"]

FACE_COOKIE = "hall_face"


def send_callback(body: dict, app=None) -> Reply:
    """POST a provider callback body to the hall (server to server: no CSRF header)."""
    if app is None:
        from app import app
    provider = Browser(app)
    provider.send_csrf = False
    return provider.post("/api/face/callback", body)


def complete_face_check(face_id: str, passed: bool = True, app=None, **kw) -> Reply:
    """The provider reports the outcome of ``face_id`` now (signed with the local key)."""
    body = face_provider.callback(face_id, passed, clock.to_epoch(clock.now()), **kw)
    return send_callback(body, app)


@dataclass(frozen=True)
class StartedCheck:
    face_id: str
    browser_secret: str
    view: dict
    owner: str


def start_face_check(
    browser: Browser | None,
    citizen: Citizen,
    purpose: str = "recovery",
    owner: str = "recovery#test-host",
    consent: bool = True,
) -> StartedCheck:
    """Start a check as a host flow does, and hand ``browser`` (if any) the binding cookie."""
    from chalicelib.methods.face import service

    person = service.FacePerson(citizen.id_type, citizen.id_number, citizen.name)
    started = service.start(person, service.FacePurpose(purpose), owner, RequestContext(now=clock.now()), consent)
    if browser is not None:
        browser.cookies[FACE_COOKIE] = started.browser_secret
    return StartedCheck(started.face_id, started.browser_secret, started.view, owner)


def commit(*writes) -> None:
    """A host's transaction holding ``writes`` (raises pynamodb's TransactWriteError when cancelled)."""
    from pynamodb.transactions import TransactWrite

    from chalicelib.store import tables

    with TransactWrite(connection=tables.connection()) as tx:
        for write in writes:
            write.add_to(tx)

"""The login flow (个人用户登录): one flow, many methods, each of one or several steps.

A method implements :class:`LoginMethod`, the interface this flow owns. The
methods are listed by the wiring module (chalicelib/methods/registry.py), which
the handlers ask; this module never imports a method, and a method imports only
this interface. A one-step method (password, SMS code) answers ``begin`` with
:class:`Authenticated`. A method of several steps answers :class:`Pending` (a QR
shown and polled, RFC 8628's words), :class:`Redirect` (an identity provider's
page; it comes back through ``proceed``) or :class:`LinkRequired` (an external
identity that must first be tied to an account), and is asked to ``proceed``
with the same flow id until it finishes. When a method says Authenticated, the
flow opens the session every method shares, with the writes the method asked to
commit alongside it (forget a failure streak, mark a QR collected, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from chalicelib import crypto, sessions
from chalicelib.context import RequestContext
from chalicelib.domain.security_events import describe_device
from chalicelib.errors import HallError
from chalicelib.observability import count, logger
from chalicelib.store import audit
from chalicelib.store.accounts import Account
from chalicelib.store.errors import WriteRefusedError
from chalicelib.store.lockouts import account_subject

__all__ = [
    "Authenticated",
    "LinkRequired",
    "LoginMethod",
    "Outcome",
    "Pending",
    "Redirect",
    "SecondStepRequired",
    "begin",
    "proceed",
]


@dataclass(frozen=True)
class Authenticated:
    """The citizen proved who they are: open the session."""

    account: Account
    # Store writes the method needs committed with the session: opaque to the flow.
    session_writes: tuple = ()
    # Where a browser goes next when the login ended in a redirect (None: the home page).
    next_path: str | None = None


@dataclass(frozen=True)
class Pending:
    """More steps to come: what the client may see (never a secret) and how to go on."""

    flow_id: str
    status: str = "authorization_pending"  # RFC 8628: authorization_pending, slow_down, ...
    view: dict = field(default_factory=dict)
    poll_after: int | None = None
    # A secret for the browser alone (the handler sets it as an HttpOnly cookie, for
    # ``browser_secret_max_age`` seconds); the method keeps only its hash and binds the
    # login to it, so only this browser can collect the session.
    browser_secret: str | None = None
    browser_secret_max_age: int = 0


@dataclass(frozen=True)
class Redirect:
    """Send the browser to ``location`` (an identity provider); it returns through ``proceed``."""

    location: str
    # A secret for the browser alone (an HttpOnly cookie, ``browser_secret_max_age`` seconds):
    # the method keeps its hash, and the provider's callback counts only in this browser.
    browser_secret: str | None = None
    browser_secret_max_age: int = 0


@dataclass(frozen=True)
class LinkRequired:
    """An external identity the hall cannot log in yet: the link step (``/login/link/<flow_id>``)
    asks the citizen to prove an account, or for what a new account needs."""

    flow_id: str
    provider: str
    # The secret binding the link step to this browser (the handler sets it as the HttpOnly
    # ``hall_link`` cookie, for ``browser_secret_max_age`` seconds); None: set already.
    browser_secret: str | None = None
    browser_secret_max_age: int = 0


@dataclass(frozen=True)
class SecondStepRequired:
    """登录保护: the password was right, and the login waits for a second step (an SMS code, an
    authenticator's code or a recovery code: ``ways``), finished at ``/api/login-steps/<flow_id>``
    (chalicelib.flows.login_protection). ``reason``: ``protection`` (turned on) or ``step_up``
    (a new device after a recent lock or recovery)."""

    flow_id: str
    ways: tuple[str, ...]
    reason: str
    phone_masked: str | None
    expires_in: int
    # The secret binding the step to this client (the HttpOnly ``hall_step`` cookie for a
    # browser, ``step_secret`` in the body for an app); the record keeps only its hash.
    browser_secret: str
    browser_secret_max_age: int = 0


Step = Authenticated | Pending | Redirect | LinkRequired | SecondStepRequired


class LoginMethod(Protocol):
    """How a citizen proves who they are during login. ``id`` is stored in sessions and
    audit events and never renamed; ``request_model`` is the pydantic model of its
    requests (``method`` a Literal of its id), one member of the login request's union."""

    id: str
    request_model: type

    def begin(self, form: dict, ctx: RequestContext) -> Step:
        """The first request of a login by this method."""

    def proceed(self, flow_id: str, form: dict, ctx: RequestContext) -> Step:
        """A later request of the same login (a poll, a provider's callback, a next step)."""


@dataclass(frozen=True)
class Outcome:
    """What the handler renders: a session, or the step the method is waiting at."""

    session: sessions.IssuedSession | None = None
    step: Step | None = None
    next_path: str | None = None  # the Authenticated step's, for a login finished by a redirect
    cancellation_withdrawn: bool = False  # this login withdrew a pending 账号注销 (the page says so)


def begin(method: LoginMethod, form: dict, ctx: RequestContext) -> Outcome:
    return _run(method, lambda: method.begin(form, ctx), ctx)


def proceed(method: LoginMethod, flow_id: str, form: dict, ctx: RequestContext) -> Outcome:
    return _run(method, lambda: method.proceed(flow_id, form, ctx), ctx)


def _run(method: LoginMethod, step_of, ctx: RequestContext) -> Outcome:
    try:
        step = step_of()
    except HallError as exc:
        count("LoginFailed", method=method.id, reason=exc.code)
        raise
    if not isinstance(step, Authenticated):
        return Outcome(step=step)
    account = step.account
    # Where from, for the citizen's own 安全记录: the address and the device in two words.
    event = audit.event(
        account_subject(account.account_id),
        "LoginSucceeded",
        ctx.now,
        method=method.id,
        ip=ctx.client_ip,
        device=describe_device(ctx.user_agent, ctx.client),
    )
    writes = step.session_writes
    if ctx.device_id:  # this device has now logged in to the account (登录保护's risk step-up)
        from chalicelib.domain.second_factor import DEVICE_MEMORY
        from chalicelib.store import login_protection

        device = crypto.hash_token(ctx.device_id)
        writes = (*writes, login_protection.device_seen(account.account_id, device, ctx.now, DEVICE_MEMORY))
    # A pending 账号注销 is withdrawn by this login, in the session's own transaction (no extra read).
    from chalicelib.flows import data_rights

    writes, withdrawal_events, withdrawn = data_rights.on_login(account, writes, ctx)
    try:
        issued = sessions.open_session(account, method.id, ctx.now, ctx.client, [event, *withdrawal_events], writes)
    except WriteRefusedError:
        # A write the method asked for no longer holds (a QR collected by a racing poll): no session.
        count("LoginFailed", method=method.id, reason="login_flow_expired")
        raise HallError.login_flow_expired() from None
    count("LoginSucceeded", method=method.id)
    # Facts for the request's one log line (the middleware writes it when the answer is ready).
    logger.append_keys(account_id=account.account_id, event="login succeeded", login_method=method.id)
    if withdrawn:
        count("CancellationWithdrawn", reason="login")
        next_path = step.next_path or data_rights.WITHDRAWN_PAGE
        return Outcome(session=issued, next_path=next_path, cancellation_withdrawn=True)
    return Outcome(session=issued, next_path=step.next_path)

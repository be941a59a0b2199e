"""`make load`: many concurrent clients against `chalice local` on DynamoDB Local.

What runs: DynamoDB Local and `chalice local` through devtools.stack.running
(loopback only), plus more `chalice local` processes beside it. Then, for a
bounded time, client threads register citizens, log in by password and by SMS
code, read who they are, log out, and send wrong passwords until accounts
lock; and groups of racers fire registrations at the same instant on one
shared ID number, or on one shared phone and its one SMS code.

`chalice local` runs each connection on its own thread, but the request it
hands a view lives in one attribute of the shared app (``app.current_request``,
aws/chalice#759), so two requests in flight in one process can see each
other's request. Lambda never does that: one container serves one invocation
at a time, and concurrency comes from more containers. The load does the
same: several `chalice local` processes, each serving one request at a time
(``--per-server`` raises that, to show the problem), all on one DynamoDB Local.

Afterwards the tables are checked (GetItem on claims and accounts, and a Scan
of the accounts table, which only this check does): every registration that
got a 201 has its ID claim and phone claim pointing at one existing account
with that ID and phone, no ID or phone belongs to two accounts, no account
exists that no 201 created, each race had exactly one winner, and every
account driven into a lock is locked, got exactly one lock notice, and can
still log in by SMS code. Exits 1 on any 5xx, transport error, unexpected
status, or failed check.

All clients come from 127.0.0.1, and the hall allows 60 graphic captchas a
minute per client IP (and 30 SMS codes an hour, raised here through
HALL_SMS_CLIENT_HOURLY_LIMIT); the clients share a captcha budget below that,
so flows that need an SMS code run at most about once a second in total.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["main"]

_rng = random.SystemRandom()
PASSWORD = "Load#2024pw"  # noqa: S105 - the fictional citizens' password
CAPTCHAS_PER_MINUTE = 60  # chalicelib.guards.rate_limits.captcha_per_client
CODE_RE = re.compile(r"验证码为(\d{6})")


# -- fictional citizens -----------------------------------------------------------------------


class Citizens:
    """Fresh, valid resident ID numbers and phones, never handed out twice in a run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[str] = set()
        self._phones: set[str] = set()

    def id_number(self) -> str:
        from chalicelib.domain.identity import resident_id_check_char

        while True:
            born = f"{_rng.randrange(1950, 2005)}{_rng.randrange(1, 13):02d}{_rng.randrange(1, 29):02d}"
            first17 = f"320102{born}{_rng.randrange(1000):03d}"
            number = first17 + resident_id_check_char(first17)
            with self._lock:
                if number not in self._ids:
                    self._ids.add(number)
                    return number

    def phone(self) -> str:
        while True:
            number = f"1{_rng.choice('3456789')}{_rng.randrange(10**9):09d}"
            with self._lock:
                if number not in self._phones:
                    self._phones.add(number)
                    return number

    def name(self) -> str:
        return _rng.choice("陈王李张刘杨黄赵周吴") + _rng.choice(["小明", "建国", "丽", "伟", "秀英", "志强"])


# -- the dev outbox, read as it grows -------------------------------------------------------


class OutboxReader:
    """Captcha answers and SMS texts from the dev outbox file, read incrementally."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._offset = 0
        self._captchas: dict[str, str] = {}
        self._sms: dict[str, list[str]] = defaultdict(list)  # outbox tag -> texts, oldest first

    def _refresh(self) -> None:
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                chunk = f.read()
        except FileNotFoundError:
            return
        end = chunk.rfind(b"\n") + 1  # a line still being written waits for the next read
        for line in chunk[:end].splitlines():
            entry = json.loads(line)
            if entry.get("kind") == "captcha":
                self._captchas[entry["captcha_id"]] = entry["answer"]
            elif entry.get("kind") == "sms":
                self._sms[entry["to_tag"]].append(entry["text"])
        self._offset += end

    def captcha_answer(self, captcha_id: str, timeout: float = 5.0) -> str | None:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if captcha_id not in self._captchas:
                    self._refresh()
                if captcha_id in self._captchas:
                    return self._captchas[captcha_id]
            if time.monotonic() > deadline:
                return None
            time.sleep(0.01)

    def texts_to(self, phone: str) -> list[str]:
        from chalicelib.platforms.sms import outbox_tag

        with self._lock:
            self._refresh()
            return list(self._sms.get(outbox_tag(phone), []))

    def last_code(self, phone: str) -> str | None:
        for text in reversed(self.texts_to(phone)):
            match = CODE_RE.search(text)
            if match:
                return match.group(1)
        return None


# -- the captcha budget ---------------------------------------------------------------------


class CaptchaBudget:
    """Captchas per calendar minute, shared by all clients (the hall counts per client IP)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._minute = -1
        self._used = 0

    def take(self, n: int = 1, wait_until: float | None = None) -> bool:
        """Reserve ``n`` captchas in one minute; wait (up to ``wait_until``) or give up."""
        while True:
            with self._lock:
                minute = int(time.time() // 60)
                if minute != self._minute:
                    self._minute, self._used = minute, 0
                # Stay clear of the minute's edge, where the hall's clock and ours may disagree.
                if self._used + n <= self.per_minute and time.time() % 60 < 58:
                    self._used += n
                    return True
            if wait_until is None or time.monotonic() > wait_until:
                return False
            time.sleep(0.2)


# -- HTTP -----------------------------------------------------------------------------------


@dataclass
class Sample:
    step: str
    status: int  # 0: no answer (transport error)
    seconds: float
    code: str = ""
    expected: bool = True


@dataclass
class Reply:
    status: int
    body: dict


class Servers:
    """The `chalice local` processes; each serves ``per_server`` requests at a time."""

    def __init__(self, ports: list[int], per_server: int) -> None:
        self._free: queue.Queue[int] = queue.Queue()
        for _ in range(per_server):
            for port in ports:
                self._free.put(port)

    def acquire(self) -> int:
        return self._free.get()

    def release(self, port: int) -> None:
        self._free.put(port)


class Client:
    """One app client (``X-Hall-Client: app``, bearer token); records a sample per request."""

    def __init__(self, servers: Servers, samples: list[Sample], stop: threading.Event) -> None:
        self.servers = servers
        self.samples = samples
        self.stop = stop
        self.token: str | None = None

    def _headers(self, method: str) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "X-Hall-Client": "app", "Connection": "close"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _received(self, response: http.client.HTTPResponse) -> None:
        """What a client keeps from an answer (an app: nothing; a browser: its cookies)."""

    def call(self, step: str, method: str, path: str, body: dict | None = None, expect=(200,)) -> Reply:
        headers = self._headers(method)
        raw = json.dumps(body).encode() if body is not None else None
        port = self.servers.acquire()
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                conn.request(method, path, body=raw, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
                self._received(response)
            finally:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            self.samples.append(Sample(step, 0, time.perf_counter() - started, type(exc).__name__, False))
            return Reply(0, {"code": type(exc).__name__})
        finally:
            self.servers.release(port)
        elapsed = time.perf_counter() - started
        try:
            parsed = json.loads(data) if data else {}
        except ValueError:
            parsed = {"_text": data[:200].decode("utf-8", "replace")}
        code = parsed.get("code", "") if isinstance(parsed, dict) else ""
        self.samples.append(Sample(step, status, elapsed, code, status in expect))
        return Reply(status, parsed if isinstance(parsed, dict) else {})


class BrowserClient(Client):
    """A browser as the hall's pages drive it: its own cookies (``hall_csrf``, ``hall_qr``,
    ``hall_session``), ``X-CSRF-Token`` on writes, no ``X-Hall-Client`` and no bearer."""

    def __init__(self, servers: Servers, samples: list[Sample], stop: threading.Event) -> None:
        super().__init__(servers, samples, stop)
        self.cookies: dict[str, str] = {}

    def _headers(self, method: str) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Connection": "close", "User-Agent": "load-browser"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method not in ("GET", "HEAD") and "hall_csrf" in self.cookies:
            headers["X-CSRF-Token"] = self.cookies["hall_csrf"]
        return headers

    def _received(self, response: http.client.HTTPResponse) -> None:
        from tests.support import remember_cookies

        remember_cookies(self.cookies, response.msg.get_all("Set-Cookie") or [])


# -- shared state of the run ----------------------------------------------------------------


@dataclass
class Account:
    id_number: str
    phone: str
    name: str
    password: str = PASSWORD


@dataclass
class Run:
    citizens: Citizens
    outbox: OutboxReader
    servers: Servers
    race_servers: Servers
    general_budget: CaptchaBudget
    race_budget: CaptchaBudget
    stop: threading.Event
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    accounts: list[Account] = field(default_factory=list)  # good accounts, safe to log in to
    created: list[Account] = field(default_factory=list)  # every 201 of the run
    victims: list[Account] = field(default_factory=list)  # accounts driven into a lock
    unknown_victims: list[str] = field(default_factory=list)  # identifiers with no account
    wrong_tries: Counter = field(default_factory=Counter)
    races: list[dict] = field(default_factory=list)
    crossed: int = 0  # a response that belongs to another request
    qr_collected: int = 0  # QR logins whose browser collected the session
    qr_wrong_browser: int = 0  # a session handed to a browser that did not ask for the QR, or for another account
    qr_twice: int = 0  # a QR whose session was handed over a second time
    qr_refused_thieves: int = 0  # other browsers' polls of a confirmed QR, refused as they must be
    sms_cooldown: dict[str, float] = field(default_factory=dict)

    def client(self, racing: bool = False) -> Client:
        return Client(self.race_servers if racing else self.servers, self.samples, self.stop)

    def created_account(self, account: Account, into_pool: bool = True) -> None:
        with self.lock:
            self.created.append(account)
            if into_pool:
                self.accounts.append(account)

    def pick_account(self) -> Account | None:
        with self.lock:
            return _rng.choice(self.accounts) if self.accounts else None

    def claim_sms_slot(self, phone: str) -> bool:
        """A phone gets a new code no sooner than 60 s after the last (the hall's resend rule)."""
        with self.lock:
            if time.monotonic() < self.sms_cooldown.get(phone, 0.0):
                return False
            self.sms_cooldown[phone] = time.monotonic() + 62
            return True


# -- steps ----------------------------------------------------------------------------------


def send_code(run: Run, client: Client, phone: str, purpose: str, step: str, expect=(200,)) -> bool:
    challenge = client.call(f"{step}: captcha", "POST", "/api/captchas", expect=(200,))
    if challenge.status != 200:
        return False
    answer = run.outbox.captcha_answer(challenge.body["captcha_id"])
    if answer is None:
        return False
    body = {"phone": phone, "purpose": purpose, "captcha_id": challenge.body["captcha_id"], "captcha_answer": answer}
    return client.call(f"{step}: sms code", "POST", "/api/sms-codes", body, expect=expect).status == 200


def registration_form(account: Account, code: str) -> dict:
    return {
        "id_type": "resident_id",
        "id_number": account.id_number,
        "name": account.name,
        "phone": account.phone,
        "sms_code": code,
        "password": account.password,
        "password_confirm": account.password,
        "agreement_accepted": True,
    }


def register(run: Run, client: Client, into_pool: bool = True) -> Account | None:
    account = Account(run.citizens.id_number(), run.citizens.phone(), run.citizens.name())
    run.claim_sms_slot(account.phone)  # the minute between codes holds across purposes
    if not send_code(run, client, account.phone, "register", "register"):
        return None
    code = run.outbox.last_code(account.phone)
    reply = client.call("register", "POST", "/api/registrations", registration_form(account, code), expect=(201,))
    if reply.status == 201:
        run.created_account(account, into_pool)
        return account
    return None


def check_me(run: Run, client: Client, account: Account, step: str) -> None:
    from chalicelib.domain.masking import mask_phone

    reply = client.call(f"{step}: GET /api/me", "GET", "/api/me", expect=(200,))
    if reply.status == 200 and reply.body.get("user", {}).get("phone") != mask_phone(account.phone):
        with run.lock:
            run.crossed += 1


def password_login(run: Run, client: Client) -> None:
    account = run.pick_account()
    if account is None:
        return
    identifier = _rng.choice([account.id_number, account.phone])
    body = {"method": "password", "identifier": identifier, "password": account.password}
    reply = client.call("password login", "POST", "/api/sessions", body, expect=(200,))
    if reply.status != 200:
        return
    client.token = reply.body.get("token")
    check_me(run, client, account, "password login")
    if _rng.random() < 0.5:
        client.call("logout", "DELETE", "/api/sessions/current", expect=(200,))
        client.call("after logout: GET /api/me", "GET", "/api/me", expect=(401,))
    client.token = None


def sms_login(run: Run, client: Client, account: Account | None = None, step: str = "sms login") -> int:
    account = account or run.pick_account()
    if account is None or not run.claim_sms_slot(account.phone):
        return 0
    # A long run may spend a phone's 10 codes a day: the hall saying so is a right answer.
    if not send_code(run, client, account.phone, "login", step, expect=(200, 429)):
        return 0
    body = {"method": "sms_code", "phone": account.phone, "sms_code": run.outbox.last_code(account.phone)}
    reply = client.call(step, "POST", "/api/sessions", body, expect=(200,))
    if reply.status == 200:
        client.token = reply.body.get("token")
        check_me(run, client, account, step)
        client.token = None
    return reply.status


def wrong_password(run: Run, client: Client) -> None:
    with run.lock:
        pool = [("account", v.id_number) for v in run.victims] + [("unknown", u) for u in run.unknown_victims]
    if not pool:
        return
    _, identifier = _rng.choice(pool)
    body = {"method": "password", "identifier": identifier, "password": "Wrong#pass1"}
    reply = client.call("wrong password", "POST", "/api/sessions", body, expect=(401, 423, 400))
    if reply.body.get("code") == "captcha_required":
        # After two wrong passwords the hall asks for the captcha, as a citizen would see.
        if not run.general_budget.take():
            return
        challenge = client.call("wrong password: captcha", "POST", "/api/captchas", expect=(200,))
        answer = run.outbox.captcha_answer(challenge.body.get("captcha_id", "")) if challenge.status == 200 else None
        if answer is None:
            return
        body = {**body, "captcha_id": challenge.body["captcha_id"], "captcha_answer": answer}
        reply = client.call("wrong password", "POST", "/api/sessions", body, expect=(401, 423))
    if reply.status in (401, 423):
        with run.lock:
            run.wrong_tries[identifier] += 1


def password_burst(run: Run, tries: int) -> tuple[list[str], dict]:
    """Many wrong passwords for one fresh account at the same instant, each on its own
    connection: how many were answered how, and how many tries the account's streak
    reserved (a password is verified only after its try is reserved, so that is the most
    that were verified)."""
    from chalicelib.store import lockouts

    problems: list[str] = []
    setup = run.client()
    if not run.general_budget.take(1, wait_until=time.monotonic() + 65):
        return ["burst: no captcha budget to register its account"], {}
    account = register(run, setup, into_pool=False)
    if account is None:
        return ["burst: could not register its account"], {}
    # Each guess brings a solved captcha, as a determined attacker's would: what stops the
    # burst must be the reserved tries, not the captcha asked for after two wrong passwords.
    solved = []
    for _ in range(tries):
        if not run.race_budget.take(1, wait_until=time.monotonic() + 65):
            return ["burst: no captcha budget for its guesses"], {}
        challenge = setup.call("burst: captcha", "POST", "/api/captchas", expect=(200,))
        answer = run.outbox.captcha_answer(challenge.body.get("captcha_id", "")) if challenge.status == 200 else None
        if answer is None:
            return ["burst: a captcha could not be solved"], {}
        solved.append({"captcha_id": challenge.body["captcha_id"], "captcha_answer": answer})
    barrier = threading.Barrier(tries)
    answers: Counter = Counter()

    def fire(i: int) -> None:
        client = run.client(racing=True)
        body = {"method": "password", "identifier": account.phone, "password": f"Wrong#pass{i}", **solved[i]}
        barrier.wait(timeout=30)
        reply = client.call("burst: wrong password", "POST", "/api/sessions", body, expect=(401, 423, 429))
        with run.lock:
            answers[f"{reply.status} {reply.body.get('code', '')}"] += 1

    threads = [threading.Thread(target=fire, args=(i,), daemon=True) for i in range(tries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    from chalicelib.ops import lookup

    subject = next(s for s in lookup.subjects(account.phone, None) if s.startswith("account#"))
    reserved = lockouts.get(subject).failures
    if reserved > 5:
        problems.append(f"burst: {reserved} tries were reserved (and so up to that many verified), more than 5")
    return problems, {"sent": tries, "answers": dict(answers), "verified_at_most": reserved}


# -- the clients ----------------------------------------------------------------------------


def general_client(run: Run) -> None:
    """A citizen at random: registers, logs in, reads, logs out, mistypes a password."""
    client = run.client()
    while not run.stop.is_set():
        roll = _rng.random()
        if roll < 0.25 and run.general_budget.take():
            register(run, client)
        elif roll < 0.35 and run.general_budget.take():
            if not sms_login(run, client):
                password_login(run, client)
        elif roll < 0.75:
            password_login(run, client)
        else:
            wrong_password(run, client)


def race_round(run: Run, racers: int, kind: str, barrier: threading.Barrier, index: int, plan: dict) -> None:
    """One racer's part: prepare alone, then fire with the others at the barrier."""
    client = run.client(racing=True)
    shared_id, shared_phone = plan["id_number"], plan["phone"]
    account = Account(
        shared_id if kind in ("id", "both") else run.citizens.id_number(),
        shared_phone if kind in ("phone", "both") else run.citizens.phone(),
        run.citizens.name(),
    )
    ready = True
    if kind == "id":
        ready = send_code(run, client, account.phone, "register", "race")
    elif index == 0:  # one racer gets the shared phone its code; all race with that one code
        ready = send_code(run, client, account.phone, "register", "race")
        plan["code"] = run.outbox.last_code(account.phone) if ready else None
    try:
        barrier.wait(timeout=30)
    except threading.BrokenBarrierError:
        ready = False
    code = run.outbox.last_code(account.phone) if kind == "id" else plan.get("code")
    if not ready or code is None:
        with run.lock:
            plan["broken"] = True
        return
    form = registration_form(account, code)
    reply = client.call(f"race on {kind}", "POST", "/api/registrations", form, expect=(201, 400, 409))
    with run.lock:
        plan["statuses"].append((reply.status, reply.body.get("code", "")))
    if reply.status == 201:
        run.created_account(account)


def race_coordinator(run: Run, racers: int) -> None:
    """Rounds of simultaneous registrations on one ID, one phone (and its code), or both."""
    kinds = ["id", "phone", "both"]
    round_no = 0
    while not run.stop.is_set():
        kind = kinds[round_no % len(kinds)]
        round_no += 1
        needed = racers if kind == "id" else 1
        if not run.race_budget.take(needed, wait_until=time.monotonic() + 5):
            continue
        plan = {"kind": kind, "id_number": run.citizens.id_number(), "phone": run.citizens.phone(), "statuses": []}
        barrier = threading.Barrier(racers)
        threads = [
            threading.Thread(target=race_round, args=(run, racers, kind, barrier, i, plan), daemon=True)
            for i in range(racers)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        with run.lock:
            run.races.append(plan)


def qr_poll(client: BrowserClient, qr_id: str, step: str, expect=(202,)) -> Reply:
    return client.call(step, "POST", f"/api/login-flows/{qr_id}", {"method": "app_qr"}, expect=expect)


def qr_login(run: Run) -> None:
    """扫码登录 under load: a browser shows a QR and polls it; the account's app (logged in by
    password, bearer token) scans and confirms while the browser keeps polling (its polls race
    the confirm); another browser, holding its own QR's ``hall_qr`` cookie, polls the confirmed
    QR too. Only the first browser may collect the session, once, and it must be the
    confirming account's."""
    from chalicelib.domain.masking import mask_phone

    account = run.pick_account()
    if account is None:
        time.sleep(0.2)
        return
    phone = run.client()
    body = {"method": "password", "identifier": account.phone, "password": account.password}
    login = phone.call("qr: app password login", "POST", "/api/sessions", body, expect=(200,))
    if login.status != 200:
        return
    phone.token = login.body.get("token")
    browser, thief = (BrowserClient(run.servers, run.samples, run.stop) for _ in range(2))
    qr_ids = []
    for who in (browser, thief):
        if who.call("qr: csrf", "GET", "/api/csrf", expect=(200,)).status != 200:
            return
        shown = who.call("qr: create", "POST", "/api/sessions", {"method": "app_qr"}, expect=(202,))
        if shown.status != 202:
            return
        qr_ids.append(shown.body["flow_id"])
    qr_id = qr_ids[0]
    qr_poll(browser, qr_id, "qr: poll (pending)")
    if phone.call("qr: app scan", "POST", f"/api/qr-logins/{qr_id}/scan", expect=(200,)).status != 200:
        return
    qr_poll(browser, qr_id, "qr: poll (scanned)")
    # The browser polls its own QR at the instant its app confirms, and another browser polls
    # the same QR then too: the browser's racing polls must collect the session exactly once.
    collected: list[Reply] = []
    confirming = threading.Event()

    def poll_through_the_confirm() -> None:
        confirming.wait(5)
        for _ in range(200):
            reply = qr_poll(browser, qr_id, "qr: poll racing the confirm", expect=(200, 202))
            if reply.status != 202:
                collected.append(reply)
                return
            time.sleep(0.005)

    poller = threading.Thread(target=poll_through_the_confirm)
    poller.start()
    confirming.set()
    confirmed = phone.call("qr: app confirm", "POST", f"/api/qr-logins/{qr_id}/confirm", expect=(200,))
    stolen = qr_poll(thief, qr_id, "qr: poll by another browser", expect=(403,))
    poller.join()
    if stolen.status == 200:
        with run.lock:
            run.qr_wrong_browser += 1
    elif stolen.body.get("code") == "qr_login_other_browser":
        with run.lock:
            run.qr_refused_thieves += 1
    if confirmed.status != 200 or not collected:
        return
    done = collected[0]
    if done.status != 200:
        return
    me = browser.call("qr: GET /api/me", "GET", "/api/me", expect=(200,))
    with run.lock:
        run.qr_collected += 1
        if me.status != 200 or me.body.get("user", {}).get("phone") != mask_phone(account.phone):
            run.qr_wrong_browser += 1
    again = qr_poll(browser, qr_id, "qr: second collect", expect=(400,))
    if again.status == 200:
        with run.lock:
            run.qr_twice += 1
    if thief.call("qr: thief GET /api/me", "GET", "/api/me", expect=(401,)).status == 200:
        with run.lock:
            run.qr_wrong_browser += 1


def qr_client(run: Run) -> None:
    while not run.stop.is_set():
        qr_login(run)


# -- checks afterwards ----------------------------------------------------------------------


def verify_tables(run: Run, seeded: int) -> list[str]:
    """Every 201 has exactly one account behind its ID and phone; nothing else exists."""
    from chalicelib.citizen_data import id_number_mac, phone_mac
    from chalicelib.store import accounts as account_store
    from chalicelib.store.models import AccountModel, ClaimModel

    problems = []
    for account in run.created:
        id_key = account_store.id_claim_key("resident_id", id_number_mac(account.id_number))
        phone_key = account_store.phone_claim_key(phone_mac(account.phone))
        claims = account_store.find_account_ids([id_key, phone_key])
        owner = claims.get(id_key)
        if owner is None:
            problems.append(f"lost: an ID registered with 201 has no claim ({id_key[:20]}…)")
            continue
        if claims.get(phone_key) != owner:
            problems.append(f"phone claim of account {owner} points to {claims.get(phone_key)}")
        stored = account_store.get(owner)
        if stored is None:
            problems.append(f"lost: claim points to missing account {owner}")
        elif stored.id_mac != id_number_mac(account.id_number) or stored.phone_mac != phone_mac(account.phone):
            problems.append(f"account {owner} holds another ID or phone than its 201 said")
    by_id, by_phone, total = Counter(), Counter(), 0
    for item in AccountModel.scan():  # only this check scans; the hall never does
        total += 1
        by_id[(item.id_type, item.id_mac)] += 1
        by_phone[item.phone_mac] += 1
        id_claim = account_store.id_claim_key(item.id_type, item.id_mac)
        owners = {c.claim_key: c.account_id for c in ClaimModel.batch_get([id_claim])}
        if owners.get(id_claim) != item.account_id:
            problems.append(f"orphan: account {item.account_id} is not its ID claim's owner")
    problems += [f"duplicated: {n} accounts share one ID number" for n in by_id.values() if n > 1]
    problems += [f"duplicated: {n} accounts share one phone" for n in by_phone.values() if n > 1]
    if total != seeded + len(run.created):
        problems.append(f"{total} accounts exist, but {seeded} were seeded and {len(run.created)} registered (201)")
    return problems


def verify_races(run: Run) -> tuple[list[str], dict]:
    problems, summary = [], Counter()
    for plan in run.races:
        if plan.get("broken"):
            summary[f"{plan['kind']}: not run (preparation failed)"] += 1
            continue
        winners = sum(1 for status, _ in plan["statuses"] if status == 201)
        summary[f"{plan['kind']}: {len(plan['statuses'])} racers, {winners} winner"] += 1
        if winners != 1:
            problems.append(f"race on {plan['kind']}: {winners} registrations succeeded of {plan['statuses']}")
    return problems, dict(summary)


def verify_locks(run: Run, max_failures: int) -> list[str]:
    """Locked victims: password login refused, exactly one notice, SMS login still open."""
    problems = []
    client = run.client()
    for victim in run.victims:
        if run.wrong_tries[victim.id_number] < max_failures:
            continue
        body = {"method": "password", "identifier": victim.phone, "password": victim.password}
        status = client.call("check: locked login", "POST", "/api/sessions", body, expect=(423,)).status
        if status != 423:
            problems.append(f"a victim with {run.wrong_tries[victim.id_number]} wrong passwords answered {status}")
        notices = [t for t in run.outbox.texts_to(victim.phone) if "锁定" in t]
        if len(notices) != 1:
            problems.append(f"a locked account got {len(notices)} lock notices (expected exactly 1)")
        run.sms_cooldown.pop(victim.phone, None)
        if run.general_budget.take(1, wait_until=time.monotonic() + 65):
            status = sms_login(run, client, victim, "check: sms login while locked")
            if status != 200:
                problems.append(f"SMS login of a locked account answered {status} (the lock stops password only)")
    for identifier in run.unknown_victims:
        if run.wrong_tries[identifier] < max_failures:
            continue
        body = {"method": "password", "identifier": identifier, "password": "Wrong#pass1"}
        if client.call("check: unknown locked", "POST", "/api/sessions", body, expect=(423,)).status != 423:
            problems.append("an unknown identifier with enough wrong passwords is not locked")
    return problems


# -- report ---------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def report(samples: list[Sample], seconds: float) -> str:
    lines = [f"{'step':<34} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8}  statuses"]
    by_step: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_step[s.step].append(s)
    for step in sorted(by_step):
        group = by_step[step]
        latencies = [s.seconds * 1000 for s in group]
        statuses = Counter(f"{s.status}{' ' + s.code if s.code else ''}" for s in group)
        summary = ", ".join(f"{k}×{v}" for k, v in statuses.most_common())
        lines.append(
            f"{step:<34} {len(group):>8} {percentile(latencies, 0.5):>8.0f} {percentile(latencies, 0.95):>8.0f}  "
            f"{summary}"
        )
    all_ms = [s.seconds * 1000 for s in samples]
    if all_ms:
        lines.append(
            f"{'all':<34} {len(samples):>8} {percentile(all_ms, 0.5):>8.0f} {percentile(all_ms, 0.95):>8.0f}  "
            f"{len(samples) / seconds:.1f} requests/s"
        )
    return "\n".join(lines)


# -- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    from devtools import dynamodb_local, stack

    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="client threads (racers included)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the load runs")
    parser.add_argument("--servers", type=int, default=4, help="`chalice local` processes for the clients")
    parser.add_argument("--per-server", type=int, default=1, help="requests in flight per process (>1: see #759)")
    parser.add_argument("--racers", type=int, default=6, help="of the clients, how many race together")
    parser.add_argument("--victims", type=int, default=3, help="accounts driven into a lock")
    parser.add_argument("--burst", type=int, default=20, help="wrong passwords sent at once on one account")
    parser.add_argument("--qr", type=int, default=4, help="扫码登录 threads (browser + app + another browser each)")
    args = parser.parse_args(argv)
    racers = max(2, min(args.racers, args.clients - 1))
    general = args.clients - racers

    work_dir = Path(tempfile.mkdtemp(prefix="hall-load-"))
    # One client IP for all: lift the per-IP SMS hour limit (the captcha limit stays; see above).
    os.environ["HALL_SMS_CLIENT_HOURLY_LIMIT"] = "1000000"
    # ... and the per-address captcha after wrong passwords, which would otherwise ask every
    # client's password login for a captcha once the victims' wrong passwords add up.
    os.environ["HALL_PASSWORD_CAPTCHA_AFTER_CLIENT_FAILURES"] = "1000000"  # noqa: S105 - a count
    prefix = f"load{uuid.uuid4().hex[:8]}"
    print(f"starting DynamoDB Local and {args.servers + racers} × chalice local (work dir {work_dir}) …", flush=True)
    with stack.running(dynamodb_local.free_port(), prefix, work_dir, seed=True) as (base_url, env):
        # The racers get a process each, so a race's registrations are in flight at the same instant.
        extra: list = []
        ports = [dynamodb_local.free_port() for _ in range(args.servers - 1 + racers)]

        def start(i: int, port: int) -> None:
            extra.append(stack.start_chalice(port, env, work_dir / f"chalice-local-{i + 1}.log"))

        starters = [threading.Thread(target=start, args=(i, port)) for i, port in enumerate(ports)]
        try:
            for t in starters:
                t.start()
            for t in starters:
                t.join()
            if len(extra) != len(ports):
                raise SystemExit("not every `chalice local` started; see the logs in " + str(work_dir))
            general_ports = [int(base_url.rsplit(":", 1)[1]), *ports[: args.servers - 1]]
            return _run(args, general, racers, general_ports, ports[args.servers - 1 :], work_dir)
        finally:
            for process in extra:
                process.terminate()
                process.wait(timeout=10)


def _run(args, general: int, racers: int, ports: list[int], race_ports: list[int], work_dir: Path) -> int:
    from chalicelib import settings
    from chalicelib.store.models import AccountModel

    settings.reset()
    seeded = sum(1 for _ in AccountModel.scan())
    # Below the hall's 60 a minute: most for the racers, the rest for everyone else.
    run = Run(
        citizens=Citizens(),
        outbox=OutboxReader(Path(os.environ["HALL_OUTBOX_PATH"])),
        servers=Servers(ports, args.per_server),
        race_servers=Servers(race_ports, args.per_server),
        general_budget=CaptchaBudget(20),
        race_budget=CaptchaBudget(CAPTCHAS_PER_MINUTE - 25),
        stop=threading.Event(),
    )
    print("registering the accounts to log in to and the victims to lock …", flush=True)
    setup = run.client()
    for _ in range(4):
        if run.general_budget.take(1, wait_until=time.monotonic() + 65):
            register(run, setup)
    for _ in range(args.victims):
        if run.general_budget.take(1, wait_until=time.monotonic() + 65):
            victim = register(run, setup, into_pool=False)
            if victim:
                run.victims.append(victim)
    run.unknown_victims = [run.citizens.phone() for _ in range(2)]
    setup_samples = len(run.samples)

    print(
        f"load: {general} clients and {args.qr} 扫码登录 threads on {len(ports)} servers + {racers} racers on "
        f"{len(race_ports)} for {args.seconds:g} s …",
        flush=True,
    )
    started = time.monotonic()
    threads = [threading.Thread(target=general_client, args=(run,), daemon=True) for _ in range(general)]
    threads.append(threading.Thread(target=race_coordinator, args=(run, racers), daemon=True))
    threads += [threading.Thread(target=qr_client, args=(run,), daemon=True) for _ in range(args.qr)]
    for t in threads:
        t.start()
    time.sleep(args.seconds)
    run.stop.set()
    for t in threads:
        t.join(timeout=180)
    elapsed = time.monotonic() - started
    load_samples = run.samples[setup_samples:]

    print("checking the tables …", flush=True)
    problems = verify_tables(run, seeded)
    race_problems, race_summary = verify_races(run)
    problems += race_problems
    problems += verify_locks(run, settings.get().max_password_failures)
    print("a burst of wrong passwords at once on one account …", flush=True)
    burst_problems, burst = password_burst(run, args.burst)
    problems += burst_problems

    print()
    print(report(load_samples, elapsed))
    server_errors = [s for s in run.samples if s.status >= 500]
    transport = [s for s in run.samples if s.status == 0]
    unexpected = [s for s in run.samples if not s.expected and s.status and s.status < 500]
    print()
    print(f"requests: {len(load_samples)} in {elapsed:.0f} s ({len(run.samples)} with setup and checks)")
    print(f"accounts registered (201): {len(run.created)}; races: {race_summary}")
    print(f"5xx: {len(server_errors)}; transport errors: {len(transport)}; unexpected 4xx: {len(unexpected)}")
    print(f"responses that belonged to another request: {run.crossed}")
    print(f"burst of wrong passwords on one account: {burst}")
    print(
        f"扫码登录: {run.qr_collected} sessions collected; handed to the wrong browser: {run.qr_wrong_browser}; "
        f"handed twice: {run.qr_twice}; other browsers' polls refused: {run.qr_refused_thieves}"
    )
    for s in unexpected[:10]:
        print(f"  unexpected: {s.step} → {s.status} {s.code}")
    for p in problems:
        print(f"  problem: {p}")
    failed = bool(
        server_errors or transport or unexpected or problems or run.crossed or run.qr_wrong_browser or run.qr_twice
    )
    summary = {
        "requests": len(load_samples),
        "seconds": round(elapsed, 1),
        "p50_ms": round(percentile([s.seconds * 1000 for s in load_samples], 0.5), 1) if load_samples else None,
        "p95_ms": round(percentile([s.seconds * 1000 for s in load_samples], 0.95), 1) if load_samples else None,
        "server_errors": len(server_errors),
        "transport_errors": len(transport),
        "unexpected": len(unexpected),
        "crossed": run.crossed,
        "registered": len(run.created),
        "races": race_summary,
        "password_burst": burst,
        "qr_logins": {
            "collected": run.qr_collected,
            "wrong_browser": run.qr_wrong_browser,
            "handed_twice": run.qr_twice,
            "other_browser_refused": run.qr_refused_thieves,
        },
        "problems": problems,
        "ok": not failed,
    }
    (work_dir / "load-results.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    print(f"\n{'OK' if not failed else 'FAILED'} (details in {work_dir})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""No raw ID number, phone, name, password, code or token in any log line."""

from __future__ import annotations

import re

from tests.support import last_code, new_citizen


def test_a_full_register_and_login_run_logs_no_raw_citizen_data(browser, app_client, capsys, log_output):
    citizen = new_citizen(name="欧阳娜娜")
    registered = browser.register(citizen)
    assert registered.status == 201
    code = last_code(citizen.phone)
    browser.delete("/api/sessions/current")
    browser.login_password(citizen.id_number, "Wrong#pass1")
    assert browser.login_password(citizen.phone, citizen.password).status == 200
    session_token = browser.cookies["hall_session"]
    app_login = app_client.login_password(citizen.id_number, citizen.password)
    secrets = [
        citizen.id_number,
        citizen.phone,
        citizen.name,
        citizen.password,
        code,
        session_token,
        app_login.body["token"],
    ]

    captured = capsys.readouterr()
    # The dev outbox display is the one place a code may appear (its console line); everything else is Logger output.
    logged = "\n".join(line for line in captured.out.splitlines() if not line.startswith("[dev outbox]"))
    logged += captured.err + log_output.getvalue()
    assert "login succeeded" in logged and "account registered" in logged, "the test must see the app's log lines"
    for secret in secrets:
        assert secret not in logged, f"a raw value reached the logs: {secret[:3]}…"
    # And masked forms do appear, so the search looked at real log lines.
    assert re.search(r"\d{3}\*{4}\d{4}", logged)

"""The base library (基础库): the HTTP adapter against a local stub of the provincial
platform, the local implementation, and the settings that choose between them."""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from chalicelib import clock
from chalicelib.platforms import base_library, signed_http
from chalicelib.platforms.base_library import HttpBaseLibrary, LocalBaseLibrary, Verdict
from devtools.stubs import base_library_server
from devtools.stubs.base_library_server import ANSWER_MODES, BaseLibraryStub

APP_ID = "jiangsu-hall"
# From demo/citizens.json's base_library list.
CHEN = ("resident_id", "320102199003071239", "陈小明")
AYGL = ("resident_id", "65010219920615302X", "阿依古丽·买买提")
LI_HUA = ("hk_macao_permit", "H12345678", "李华")
UNKNOWN_ID = "110105194912310029"


@pytest.fixture
def secret() -> bytes:
    return os.urandom(32)


@pytest.fixture
def stub(secret):
    with BaseLibraryStub({APP_ID: secret}) as running:
        yield running


@pytest.fixture
def adapter(stub, secret) -> HttpBaseLibrary:
    return HttpBaseLibrary(stub.url, APP_ID, secret, timeout=2.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw_post(stub, secret: bytes, *, timestamp: int | None = None, nonce: str | None = None, body: bytes | None = None):
    """A request built by hand from the protocol, to probe the stub's own checks."""
    body = (
        body if body is not None else json.dumps({"id_type": CHEN[0], "id_number": CHEN[1], "name": CHEN[2]}).encode()
    )
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or os.urandom(8).hex()
    request = urllib.request.Request(
        stub.url + base_library_server.PATH,
        data=body,
        method="POST",
        headers={
            "X-App-Id": APP_ID,
            "X-Timestamp": timestamp,
            "X-Nonce": nonce,
            "X-Signature": base_library_server.sign(secret, APP_ID, timestamp, nonce, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# -- the adapter over the wire ------------------------------------------------------------------


def test_a_matching_name_and_id_number_is_a_match(adapter, stub):
    # GIVEN a citizen of the base library WHEN the adapter asks with the right name
    assert adapter.verify(*CHEN) is Verdict.MATCH
    # THEN the stub really answered it (the request was authentic and reached the lookup)
    assert stub.requests[-1] == {
        "query": {"id_type": CHEN[0], "id_number": CHEN[1], "name": CHEN[2]},
        "result": "match",
    }


def test_names_with_the_middle_dot_and_permits_match_too(adapter):
    assert adapter.verify(*AYGL) is Verdict.MATCH
    assert adapter.verify(*LI_HUA) is Verdict.MATCH


def test_a_wrong_name_is_a_mismatch(adapter, stub):
    assert adapter.verify(CHEN[0], CHEN[1], "陈大明") is Verdict.MISMATCH
    assert stub.requests[-1]["result"] == "mismatch"


def test_an_unknown_citizen_is_a_mismatch(adapter, stub):
    assert adapter.verify("resident_id", UNKNOWN_ID, "陈小明") is Verdict.MISMATCH
    assert stub.requests[-1]["result"] == "not_found"


def test_the_document_type_is_part_of_the_question(adapter):
    assert adapter.verify("passport", CHEN[1], CHEN[2]) is Verdict.MISMATCH


def test_a_wrong_secret_is_rejected_by_the_platform(stub):
    # GIVEN an adapter whose secret the platform does not share
    impostor = HttpBaseLibrary(stub.url, APP_ID, os.urandom(32), timeout=2.0)
    # WHEN it asks THEN the platform refuses it and the adapter reports the platform unavailable
    assert impostor.verify(*CHEN) is Verdict.UNAVAILABLE
    assert stub.rejections() == ["bad_signature"]


def test_an_unknown_app_id_is_rejected_by_the_platform(stub, secret):
    assert HttpBaseLibrary(stub.url, "someone-else", secret).verify(*CHEN) is Verdict.UNAVAILABLE
    assert stub.rejections() == ["unknown_app"]


def test_a_replayed_nonce_is_rejected(stub, adapter, monkeypatch):
    # GIVEN an adapter that (wrongly) reuses one nonce
    monkeypatch.setattr(signed_http.secrets, "token_hex", lambda n: "0123456789abcdef")
    # WHEN it asks twice THEN the first answer stands and the replay is refused
    assert adapter.verify(*CHEN) is Verdict.MATCH
    assert adapter.verify(*CHEN) is Verdict.UNAVAILABLE
    assert stub.rejections() == ["replayed_nonce"]


def test_the_adapter_uses_a_fresh_nonce_each_time(stub, adapter):
    assert [adapter.verify(*CHEN) for _ in range(5)] == [Verdict.MATCH] * 5
    assert stub.rejections() == []


@pytest.mark.parametrize("mode", sorted(ANSWER_MODES - {"normal"}))
def test_an_answer_that_is_not_authentic_fresh_and_well_formed_is_unavailable(stub, adapter, mode):
    # GIVEN a platform whose answer is unsigned, tampered, signed with another secret, for another
    # request's nonce, an hour old, not JSON, or with an undefined result
    stub.answer_mode = mode
    # WHEN the adapter asks about a citizen the platform would not match
    verdict = adapter.verify(CHEN[0], CHEN[1], "陈大明")
    # THEN the platform did answer, but the adapter does not believe it
    assert stub.requests[-1]["result"] == "mismatch"
    assert verdict is Verdict.UNAVAILABLE


def test_the_same_answer_untouched_is_believed(stub, adapter):
    stub.answer_mode = "normal"
    assert adapter.verify(CHEN[0], CHEN[1], "陈大明") is Verdict.MISMATCH


def test_the_adapter_stamps_its_requests_with_the_halls_clock(stub, adapter):
    # GIVEN the hall's clock (chalicelib.clock) an hour ahead of the platform's
    clock.advance(timedelta(hours=1))
    # WHEN the adapter asks THEN the platform finds the request stale, and the adapter reports it unavailable
    assert adapter.verify(*CHEN) is Verdict.UNAVAILABLE
    assert stub.rejections() == ["stale_timestamp"]


def test_the_adapter_judges_an_answers_age_by_the_halls_clock(secret):
    # GIVEN a platform whose clock runs an hour ahead, and the hall's clock moved to agree with it
    with BaseLibraryStub({APP_ID: secret}, clock=lambda: time.time() + 3600) as ahead:
        clock.advance(timedelta(hours=1))
        # WHEN the adapter asks THEN both sides find the other fresh
        assert HttpBaseLibrary(ahead.url, APP_ID, secret, timeout=2.0).verify(*CHEN) is Verdict.MATCH


def test_a_platform_that_is_down_is_unavailable(secret):
    adapter = HttpBaseLibrary(f"http://127.0.0.1:{free_port()}", APP_ID, secret, timeout=1.0)
    assert adapter.verify(*CHEN) is Verdict.UNAVAILABLE


def test_a_platform_that_answers_too_slowly_is_unavailable(stub, secret):
    # GIVEN a platform that takes a second and an adapter that waits 0.2 s
    stub.delay = 1.0
    adapter = HttpBaseLibrary(stub.url, APP_ID, secret, timeout=0.2)
    started = time.monotonic()
    # WHEN asked THEN the adapter gives up in time
    assert adapter.verify(*CHEN) is Verdict.UNAVAILABLE
    assert time.monotonic() - started < 0.9


def test_a_server_that_does_not_speak_http_is_unavailable(secret):
    # GIVEN something on the port that answers garbage and hangs up
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        def serve_once():
            connection, _ = server.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")

        thread = threading.Thread(target=serve_once, daemon=True)
        thread.start()
        verdict = HttpBaseLibrary(f"http://127.0.0.1:{port}", APP_ID, secret, timeout=2.0).verify(*CHEN)
        thread.join(timeout=2)
    # THEN the adapter reports the platform unavailable instead of raising
    assert verdict is Verdict.UNAVAILABLE


def test_a_misconfigured_url_is_unavailable(secret):
    assert HttpBaseLibrary("", APP_ID, secret).verify(*CHEN) is Verdict.UNAVAILABLE


# -- the stub's own checks (the protocol the platform enforces) -------------------------------


def test_the_stub_and_the_adapter_sign_alike():
    # The stub implements the signature from the protocol, not by importing the adapter's.
    for _ in range(20):
        args = (os.urandom(32), "app", str(int(time.time())), os.urandom(8).hex(), os.urandom(40))
        assert base_library_server.sign(*args) == base_library.sign(*args)


@pytest.mark.parametrize(("skew", "accepted"), [(-301, False), (-290, True), (0, True), (290, True), (301, False)])
def test_the_stub_refuses_a_timestamp_more_than_five_minutes_away(stub, secret, skew, accepted):
    status, answer = raw_post(stub, secret, timestamp=int(time.time()) + skew)
    if accepted:
        assert (status, answer) == (200, {"result": "match"})
    else:
        assert (status, answer) == (401, {"error": "stale_timestamp"})


def test_the_stub_refuses_a_replayed_nonce(stub, secret):
    assert raw_post(stub, secret, nonce="feedface")[0] == 200
    assert raw_post(stub, secret, nonce="feedface") == (401, {"error": "replayed_nonce"})
    assert raw_post(stub, secret, nonce="cafebabe")[0] == 200


def test_the_stub_refuses_a_body_changed_after_signing(stub, secret):
    body = json.dumps({"id_type": CHEN[0], "id_number": CHEN[1], "name": CHEN[2]}, ensure_ascii=False).encode()
    timestamp, nonce = str(int(time.time())), "0badc0de"
    request = urllib.request.Request(
        stub.url + base_library_server.PATH,
        data=body.replace("陈小明".encode(), "陈大明".encode()),
        method="POST",
        headers={
            "X-App-Id": APP_ID,
            "X-Timestamp": timestamp,
            "X-Nonce": nonce,
            "X-Signature": base_library_server.sign(secret, APP_ID, timestamp, nonce, body),
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=2)
    assert refused.value.code == 401
    assert stub.rejections() == ["bad_signature"]


def test_the_stub_signs_its_answer_for_the_requests_nonce(stub, secret):
    body = json.dumps({"id_type": CHEN[0], "id_number": CHEN[1], "name": CHEN[2]}).encode()
    timestamp, nonce = str(int(time.time())), "5eed5eed"
    request = urllib.request.Request(
        stub.url + base_library_server.PATH,
        data=body,
        method="POST",
        headers={
            "X-App-Id": APP_ID,
            "X-Timestamp": timestamp,
            "X-Nonce": nonce,
            "X-Signature": base_library_server.sign(secret, APP_ID, timestamp, nonce, body),
        },
    )
    with urllib.request.urlopen(request, timeout=2) as response:
        answer, headers = response.read(), response.headers
    assert headers["X-Nonce"] == nonce
    assert abs(int(headers["X-Timestamp"]) - time.time()) < 5
    assert headers["X-Signature"] == base_library_server.sign(secret, APP_ID, headers["X-Timestamp"], nonce, answer)


# -- the local base library ---------------------------------------------------------------------


def test_the_local_library_answers_from_the_demo_citizens():
    local = LocalBaseLibrary(str(base_library_server.DEFAULT_CITIZENS))
    assert local.verify(*CHEN) is Verdict.MATCH
    assert local.verify(*AYGL) is Verdict.MATCH
    assert local.verify(*LI_HUA) is Verdict.MATCH
    assert local.verify(CHEN[0], CHEN[1], "陈大明") is Verdict.MISMATCH
    assert local.verify("resident_id", UNKNOWN_ID, "陈小明") is Verdict.MISMATCH
    assert local.verify("passport", CHEN[1], CHEN[2]) is Verdict.MISMATCH
    assert local.verify(AYGL[0], AYGL[1].lower(), AYGL[2]) is Verdict.MATCH


def test_the_local_library_reads_the_file_it_is_given(tmp_path):
    people = tmp_path / "people.json"
    people.write_text(
        json.dumps({"base_library": [{"name": "钱多多", "id_type": "resident_id", "id_number": UNKNOWN_ID}]})
    )
    local = LocalBaseLibrary(str(people))
    assert local.verify("resident_id", UNKNOWN_ID, "钱多多") is Verdict.MATCH
    assert local.verify(*CHEN) is Verdict.MISMATCH


# -- choosing by settings ---------------------------------------------------------------------


def install_keys(monkeypatch, platforms: dict[str, bytes]) -> None:
    from chalicelib import crypto

    document = crypto.generate_keys_document()
    document["platforms"] = {name: base64.b64encode(value).decode() for name, value in platforms.items()}
    monkeypatch.setenv("HALL_LOCAL_KEYS", base64.b64encode(json.dumps(document).encode()).decode())


def test_local_is_chosen_by_settings(monkeypatch, tmp_path):
    people = tmp_path / "people.json"
    people.write_text(
        json.dumps({"base_library": [{"name": "钱多多", "id_type": "resident_id", "id_number": UNKNOWN_ID}]})
    )
    monkeypatch.setenv("HALL_BASE_LIBRARY", "local")
    monkeypatch.setenv("HALL_LOCAL_BASE_LIBRARY_PATH", str(people))
    chosen = base_library.library()
    assert isinstance(chosen, LocalBaseLibrary)
    assert chosen.verify("resident_id", UNKNOWN_ID, "钱多多") is Verdict.MATCH


def test_http_is_chosen_by_settings_with_the_secret_from_the_keys_document(monkeypatch, stub, secret):
    # GIVEN the http setting, the stub's URL, our app id, and the shared secret in the keys document
    monkeypatch.setenv("HALL_BASE_LIBRARY", "http")
    monkeypatch.setenv("HALL_BASE_LIBRARY_URL", stub.url)
    monkeypatch.setenv("HALL_BASE_LIBRARY_APP_ID", APP_ID)
    install_keys(monkeypatch, {"base_library": secret})
    # WHEN the library is chosen and asked
    chosen = base_library.library()
    # THEN it is the HTTP adapter, and the platform accepts its signature
    assert isinstance(chosen, HttpBaseLibrary)
    assert chosen.verify(*CHEN) is Verdict.MATCH
    assert stub.rejections() == []


def test_http_with_another_secret_in_the_keys_document_is_refused(monkeypatch, stub):
    monkeypatch.setenv("HALL_BASE_LIBRARY", "http")
    monkeypatch.setenv("HALL_BASE_LIBRARY_URL", stub.url)
    monkeypatch.setenv("HALL_BASE_LIBRARY_APP_ID", APP_ID)
    install_keys(monkeypatch, {"base_library": os.urandom(32)})
    assert base_library.library().verify(*CHEN) is Verdict.UNAVAILABLE
    assert stub.rejections() == ["bad_signature"]


def test_http_without_a_platform_secret_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("HALL_BASE_LIBRARY", "http")
    monkeypatch.setenv("HALL_BASE_LIBRARY_URL", "http://127.0.0.1:9")
    install_keys(monkeypatch, {})
    with pytest.raises(RuntimeError, match="base_library"):
        base_library.library()

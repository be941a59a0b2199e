"""The record menus and the 社会保险个人权益单 through the API and the pages.

GIVEN the social-insurance systems' local counterpart holding this test's own people
(HALL_LOCAL_SI_RECORDS_PATH) and a base library of them,
WHEN a citizen (or a binder of a 亲情号) opens the record menus,
THEN the level is enforced, a binder sees the relative read-only with the name masked, and
each menu asks the systems once for its kind.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import make_resident_id, new_citizen

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def base_library(tmp_path, monkeypatch):
    path = tmp_path / "citizens.json"
    people: list[dict] = []

    def add(citizen):
        people.append({"name": citizen.name, "id_type": citizen.id_type, "id_number": citizen.id_number})
        path.write_text(json.dumps({"base_library": people}, ensure_ascii=False), encoding="utf-8")
        return citizen

    path.write_text(json.dumps({"base_library": []}), encoding="utf-8")
    monkeypatch.setenv("HALL_LOCAL_BASE_LIBRARY_PATH", str(path))
    return add


@pytest.fixture
def si_records(tmp_path, monkeypatch):
    """The systems' people: ``add(citizen, unit, from_, base)`` gives them one job."""
    path = tmp_path / "si_records.json"
    data = json.loads((ROOT / "demo/si_records.json").read_text(encoding="utf-8"))
    data["people"] = {}
    data["through"] = "2021-12"

    def add(citizen, unit="南京测试科技有限公司", from_="2018-03", base=6000, arrears=(), through=None):
        if through:
            data["through"] = through  # the month the systems' records run to
        data["people"][f"{citizen.id_type}:{citizen.id_number}"] = {
            "jobs": [{"unit": unit, "from": from_, "to": None, "base": base, "raise": 0, "injury_rate": 0.004}],
            "arrears": list(arrears),
        }
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return citizen

    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setenv("HALL_LOCAL_SI_RECORDS_PATH", str(path))
    return add


@pytest.fixture
def calls(monkeypatch):
    """Every call the hall makes to the social-insurance systems: (id_number, kind)."""
    from chalicelib.platforms import si_records

    made: list[tuple[str, str]] = []
    original = si_records.LocalSiRecords.records

    def counting(self, id_type, id_number, kind):
        made.append((id_number, kind.value))
        return original(self, id_type, id_number, kind)

    monkeypatch.setattr(si_records.LocalSiRecords, "records", counting)
    return made


def real_name_user(browser, base_library, si_records, name="陈小明", **job):
    citizen = si_records(base_library(new_citizen(name=name)), **job)
    reply = browser.register(citizen)
    assert reply.status == 201 and reply.body["user"]["level"] == 2, reply.body
    return citizen


def _html(reply) -> str:
    return reply.body.get("_text", "")


# -- lists -------------------------------------------------------------------------------


def test_each_menu_lists_one_years_records_with_one_call_for_its_kind(browser, base_library, si_records, calls):
    citizen = real_name_user(browser, base_library, si_records, arrears=("2020-05",))
    expected = {
        "payments": "payments",
        "social-insurance": "pension",
        "housing-fund": "housing_fund",
        "medical": "medical",
        "unemployment": "unemployment",
        "injury": "injury",
        "maternity": "maternity",
    }
    for slug, kind in expected.items():
        calls.clear()
        reply = browser.get(f"/api/records/{slug}?year=2020")
        assert reply.status == 200, reply.body
        assert calls == [(citizen.id_number, kind)], slug
        body = reply.body
        assert body["years"] == [2021, 2020, 2019, 2018] and body["year"] == 2020
        assert body["read_only"] is False and body["name"] == "陈小明"
        per_month = 5 if slug == "payments" else 1
        assert len(body["records"]) == 12 * per_month
        assert body["records"][0]["period"] == "2020-12"
        assert {r["unit"] for r in body["records"]} == {"南京测试科技有限公司"}
    pension = browser.get("/api/records/social-insurance?year=2020").body
    may = next(r for r in pension["records"] if r["period"] == "2020-05")
    assert may == {
        "period": "2020-05",
        "insurance": "pension",
        "insurance_label": "养老保险",
        "unit": "南京测试科技有限公司",
        "base": "6000.00",
        "unit_amount": "960.00",
        "personal_amount": "480.00",
        "status": "arrears",
        "status_label": "欠缴",
    }
    # the month in arrears is not in the paid totals
    assert pension["totals"] == {"unit_amount": f"{960 * 11:.2f}", "personal_amount": f"{480 * 11:.2f}"}


def test_the_default_year_is_the_latest_and_an_unknown_kind_is_not_found(browser, base_library, si_records):
    real_name_user(browser, base_library, si_records)
    assert browser.get("/api/records/medical").body["year"] == 2021
    assert browser.get("/api/records/medical?year=abc").body["year"] == 2021
    assert browser.get("/api/records/medical?year=2015").body["records"] == []
    refused = browser.get("/api/records/pets")
    assert refused.status == 404 and refused.body["code"] == "not_found"


def test_records_need_a_real_name_citizen(browser, base_library, si_records, calls):
    # GIVEN a 注册用户 (the base library does not know the name)
    citizen = si_records(new_citizen(name="李四"))
    assert browser.register(citizen).body["user"]["level"] == 1
    # WHEN they open a record list or the statement THEN the level is refused, the systems never asked
    for path in ("/api/records/payments", "/api/statements"):
        reply = browser.get(path)
        assert reply.status == 403 and reply.body["code"] == "level_too_low", path
        assert reply.body["upgrade_url"] == "/user/profile#real-name"
    page = browser.get("/user/records/medical")
    assert page.status == 403 and "实名用户" in _html(page) and "/user/profile#real-name" in _html(page)
    assert calls == []


def test_a_visitor_is_sent_to_log_in(browser):
    reply = browser.get("/user/records/payments")
    assert reply.status == 302 and reply.headers["Location"].endswith("/login?next=/user/records/payments")
    assert browser.get("/api/records/payments").body["code"] == "unauthenticated"


def test_the_systems_unavailable_is_said(browser, base_library, si_records, monkeypatch):
    real_name_user(browser, base_library, si_records)
    monkeypatch.setenv("HALL_SI_RECORDS", "http")
    monkeypatch.setenv("HALL_SI_RECORDS_URL", "http://127.0.0.1:9")
    from chalicelib import crypto

    monkeypatch.setattr(crypto, "platform_secret", lambda name: b"k" * 32)
    reply = browser.get("/api/records/payments")
    assert reply.status == 503 and reply.body["code"] == "records_unavailable"
    page = browser.get("/user/records/payments")
    # THEN the page says so with 503 (a page the hall rendered, not a crash)
    assert page.status == 503 and "社保信息系统暂不可用" in _html(page)
    assert "Content-Security-Policy" in page.headers and "internal_error" not in _html(page)


# -- 亲情号: the binder's read-only view ---------------------------------------------------


def _bind(browser, base_library, si_records):
    mother = si_records(
        base_library(new_citizen(name="陈母亲", id_number=make_resident_id(birth="19620212"))),
        unit="南京第二纺织厂",
        from_="2016-01",
        base=3000,
    )
    reply = browser.post(
        "/api/family-numbers",
        {"name": mother.name, "id_type": mother.id_type, "id_number": mother.id_number, "relation": "parent"},
    )
    assert reply.status == 201, reply.body
    return mother, reply.body["family_number"]["binding_id"]


def test_a_binder_views_the_relatives_records_read_only_with_the_name_masked(browser, base_library, si_records, calls):
    real_name_user(browser, base_library, si_records)
    mother, binding_id = _bind(browser, base_library, si_records)
    calls.clear()
    reply = browser.get(f"/api/records/social-insurance?year=2019&relative={binding_id}")
    assert reply.status == 200, reply.body
    assert calls == [(mother.id_number, "pension")]
    assert reply.body["read_only"] is True and reply.body["name"] == "陈*"
    assert {r["unit"] for r in reply.body["records"]} == {"南京第二纺织厂"}
    text = json.dumps(reply.body, ensure_ascii=False)
    assert "陈母亲" not in text and mother.id_number not in text
    statement = browser.get(f"/api/statements?year=2019&relative={binding_id}").body
    assert statement["name"] == "陈*" and statement["statement"]["name"] == "陈*"
    assert mother.id_number not in json.dumps(statement, ensure_ascii=False)
    page = _html(browser.get(f"/user/records/medical?relative={binding_id}"))
    assert "仅可查看" in page and "陈*" in page and "陈母亲" not in page
    # the page offers 本人 and the 亲情号 in 查看
    assert f'value="{binding_id}" selected' in page


def test_a_binding_not_ones_own_is_refused(browser, base_library, si_records, app):
    from tests.support import Browser

    real_name_user(browser, base_library, si_records)
    _mother, binding_id = _bind(browser, base_library, si_records)
    with Browser(app) as other:
        real_name_user(other, base_library, si_records, name="王芳")
        reply = other.get(f"/api/records/payments?relative={binding_id}")
        assert reply.status == 404 and reply.body["code"] == "family_number_not_found"
        assert other.get(f"/user/records/payments?relative={binding_id}").status == 404


# -- 社会保险个人权益单 ---------------------------------------------------------------------


def test_the_statement_covers_july_to_june_with_three_calls(browser, base_library, si_records, calls):
    citizen = real_name_user(browser, base_library, si_records, arrears=("2019-08",))
    calls.clear()
    reply = browser.get("/api/statements?year=2019")
    assert reply.status == 200, reply.body
    assert sorted(k for _, k in calls) == ["injury", "pension", "unemployment"]
    s = reply.body["statement"]
    assert reply.body["years"] == [2021, 2020, 2019, 2018, 2017]
    assert s["title"] == "2019年度社会保险个人权益记录单（城镇职工）"
    assert s["period"] == "2019年7月至2020年6月"
    assert s["name"] == "陈小明" and s["unit"] == "南京测试科技有限公司"
    assert s["ssn"] == citizen.id_number[:4] + "*" * 10 + citizen.id_number[-4:]
    assert s["first_pension"] == s["first_unemployment"] == s["first_injury"] == "2018年03月"
    assert s["base_pension"] == "6000.00"
    assert s["pension_unit"] == f"{960 * 11:.2f}" and s["pension_personal"] == f"{480 * 11:.2f}"
    # the month in arrears is in arrears for every insurance
    assert s["unemployment_unit"] == s["unemployment_personal"] == f"{30 * 11:.2f}"
    assert s["injury_unit"] == f"{24 * 11:.2f}"
    assert reply.body["notice"] == "请及时对记录单内容进行审核，如有异议请到参保地经办机构进行核实、处理。"


def test_the_statement_page_shows_the_manuals_table(browser, base_library, si_records):
    real_name_user(browser, base_library, si_records)
    page = _html(browser.get("/user/records/rights?year=2019"))
    for text in (
        "社会保险个人权益单",
        "温馨提示",
        "2019年度社会保险个人权益记录单（城镇职工）",
        "2019年7月至2020年6月",
        "个人基本信息",
        "单位全称",
        "社会保障号码",
        "首次缴费日期",
        "个人月缴费基数",
        "养老缴费信息",
        "失业缴费信息",
        "工伤缴费信息",
        "11520.00",
    ):
        assert text in page, text
    assert 'aria-current="page">我的权益单</a>' in page


def test_every_record_page_renders_in_the_frame(browser, base_library, si_records):
    real_name_user(browser, base_library, si_records)
    from chalicelib.handlers.user_center import MENU

    for item in (i for i in MENU if i.group == "records"):
        reply = browser.get(item.href)
        assert reply.status == 200, item.href
        page = _html(reply)
        assert f'aria-current="page">{item.label}</a>' in page
        if item.key != "rights":
            assert "<caption>" in page and 'scope="col">费款所属期</th>' in page and "2021年" in page


# -- 下载: the PDF, and its check ----------------------------------------------------------


def _download(browser, path: str):
    # as a browser's download does: its Accept names */* (a binary answer needs a matching Accept)
    headers = {**browser._headers(), "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    response = browser._client.http.get(path, headers=headers)
    return response.status_code, dict(response.headers), response.body


def _pdf_text(pdf: bytes, tmp_path) -> str:
    import subprocess

    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _pdf_fonts(pdf: bytes, tmp_path) -> str:
    import subprocess

    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


def test_the_statement_downloads_as_a_pdf_with_the_table_and_an_embedded_font_subset(
    browser, base_library, si_records, tmp_path
):
    real_name_user(browser, base_library, si_records)
    status, headers, pdf = _download(browser, "/user/records/rights/download?year=2019")
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith('attachment; filename="statement-2019.pdf"')
    assert pdf.startswith(b"%PDF-") and len(pdf) < 200_000
    text = _pdf_text(pdf, tmp_path)
    for expected in (
        "陈小明",
        "2019年度社会保险个人权益记录单（城镇职工）",
        "2019年7月至2020年6月",
        "南京测试科技有限公司",
        "个人月缴费基数",
        "11520.00",  # 养老 单位缴费: 12 × 960
        "5760.00",  # 养老 个人缴费
        "288.00",  # 工伤 单位缴费
        "请及时对记录单内容进行审核",
        "核验码",
    ):
        assert expected in text, expected
    fonts = [line.split() for line in _pdf_fonts(pdf, tmp_path).splitlines()[2:]]
    cjk = [f for f in fonts if "NotoSansCJK" in f[0]]
    assert cjk and cjk[0][0].split("+")[0].isupper() and len(cjk[0][0].split("+")[0]) == 6  # a subset tag
    assert cjk[0][-5:-2] == ["yes", "yes", "yes"]  # emb, sub, uni


def test_a_downloaded_statement_checks_out_and_one_changed_byte_does_not(browser, base_library, si_records, app):
    from tests.support import Browser

    real_name_user(browser, base_library, si_records)
    _status, _headers, pdf = _download(browser, "/user/records/rights/download?year=2020")
    with Browser(app) as anyone:  # the check is public
        # as the 核验 page does: the body before the last line hashed, the line's code and MAC sent
        def check(data: bytes) -> dict:
            import hashlib

            at = data.rfind(b"\n%HALL-STATEMENT ")
            code, mac = data[at + len(b"\n%HALL-STATEMENT ") :].decode("ascii", "replace").split()
            form = {"sha256": hashlib.sha256(data[: at + 1]).hexdigest(), "code": code, "mac": mac}
            reply = anyone.post("/api/statement-checks", form)
            assert reply.status == 200, reply.body
            return reply.body

        body = check(pdf)
        assert body["result"] == "valid" and body["message"] == "真实有效"
        assert body["year"] == 2020 and body["title"] == "2020年度社会保险个人权益记录单（城镇职工）"
        for at in (len(pdf) // 2, 20, len(pdf) - 70, len(pdf) - 5):
            changed = bytearray(pdf)
            changed[at] ^= 0x01
            assert check(bytes(changed)) == {
                "result": "invalid",
                "message": "无法验证",
                "year": None,
                "title": None,
                "issued_on": None,
            }, at
        from chalicelib.flows.user_center import statement_pdf

        assert statement_pdf.check_file(pdf).valid and not statement_pdf.check_file(pdf[:-3] + b"00\n").valid
        refused = anyone.post("/api/statement-checks", {"sha256": "x" * 65, "code": "A", "mac": "b"})
        assert refused.status == 400 and refused.body["code"] == "validation_failed"
        # the QR's page: the code alone says 真实有效 with the title and day, and no personal data
        code = pdf.rsplit(b"%HALL-STATEMENT ", 1)[1].split(b" ")[0].decode()
        page = anyone.get(f"/verify/{code}").body["_text"]
        assert "真实有效" in page and "2020年度社会保险个人权益记录单" in page
        assert "陈小明" not in page and "南京测试科技有限公司" not in page and "960" not in page
        wrong = code[:-2] + ("AA" if code[-2:] != "AA" else "BB")
        assert "无法验证" in anyone.get(f"/verify/{wrong}").body["_text"]
        assert "无法验证" in anyone.get("/verify/not-a-code").body["_text"]
        assert anyone.get(f"/verify?code={code}").headers["Location"].endswith(f"/verify/{code}")


def test_the_pdf_sets_names_outside_the_basic_plane(tmp_path, tables):
    # 𠮷 (U+20BB7) is outside the basic multilingual plane: its glyph is embedded and the text
    # layer reads it back
    from decimal import Decimal

    from chalicelib.domain import statements
    from chalicelib.flows.user_center import statement_pdf

    s = statements.build(2019, "𠮷田陈小明", "3201**********1239", [], [], [])
    pdf, code = statement_pdf.render(s)
    assert "𠮷田陈小明" in _pdf_text(pdf, tmp_path)
    assert statement_pdf.check_file(pdf).valid and statement_pdf.check_code(code).year == 2019
    assert s.pension_unit == Decimal("0.00")


def test_a_statement_without_records_cannot_be_downloaded(browser, base_library, si_records):
    citizen = base_library(new_citizen(name="陈小明"))
    assert browser.register(citizen).body["user"]["level"] == 2
    status, _headers, body = _download(browser, "/user/records/rights/download")
    assert status == 404 and json.loads(body)["code"] == "not_found"
    assert "暂无社会保险缴费记录" in browser.get("/user/records/rights").body["_text"]


def test_the_binders_pdf_masks_the_relatives_name(browser, base_library, si_records, tmp_path):
    real_name_user(browser, base_library, si_records)
    mother, binding_id = _bind(browser, base_library, si_records)
    status, _headers, pdf = _download(browser, f"/user/records/rights/download?year=2019&relative={binding_id}")
    assert status == 200
    text = _pdf_text(pdf, tmp_path)
    assert "陈*" in text and "陈母亲" not in text and mother.id_number not in text


# -- 推荐: the personas the citizen's own records suggest -----------------------------------


@pytest.fixture
def recommended_for(monkeypatch):
    """The personas each 推荐 of the user-center home was ranked for."""
    from chalicelib.catalogue import services

    asked: list[tuple[str, ...]] = []
    real = services.recommend

    def spy(level, **kw):
        asked.append(tuple(kw.get("personas", ())))
        return real(level, **kw)

    monkeypatch.setattr(services, "recommend", spy)
    return asked


def test_recommendations_are_ranked_for_the_personas_the_records_suggest(
    browser, base_library, si_records, recommended_for
):
    from chalicelib import clock

    # GIVEN a 实名 citizen in work: the systems' records run to this month
    real_name_user(browser, base_library, si_records, through=f"{clock.now():%Y-%m}")
    # WHEN they open 个人中心 THEN 推荐 is ranked for a 就业人员
    assert browser.get("/user").status == 200
    assert recommended_for[-1] == ("就业人员",)


def test_a_retirees_recommendations_are_ranked_for_a_retiree(browser, base_library, si_records, recommended_for):
    # GIVEN a man born in 1958 whose records stop in 2021-12
    retiree = new_citizen(name="孙退休", id_number=make_resident_id(birth="19580101"))
    si_records(base_library(retiree))
    assert browser.register(retiree).status == 201
    # WHEN he opens 个人中心 THEN 推荐 is ranked for a 退休人员
    assert browser.get("/user").status == 200
    assert recommended_for[-1] == ("退休人员",)


def test_without_records_recommendations_still_come(browser, base_library, si_records, recommended_for, monkeypatch):
    # GIVEN a citizen below 实名 (no records are asked for) THEN 推荐 has no personas
    assert browser.register(new_citizen(name="王五")).status == 201
    assert browser.get("/user").status == 200
    assert recommended_for[-1] == ()
    # AND a 实名 citizen while the systems are unavailable: the page stands, without personas
    browser.delete("/api/sessions/current")
    real_name_user(browser, base_library, si_records, name="赵六")
    monkeypatch.setenv("HALL_SI_RECORDS", "http")
    monkeypatch.setenv("HALL_SI_RECORDS_URL", "http://127.0.0.1:9")
    from chalicelib import crypto

    monkeypatch.setattr(crypto, "platform_secret", lambda name: b"k" * 32)
    assert browser.get("/user").status == 200
    assert recommended_for[-1] == ()

"""The services (事项) as data, and the header search over them.

GIVEN chalicelib/catalogue/services.json and its loader,
THEN every service the manual names is there with a complete 办事指南 and a form, every theme
and persona page has services, the stored pinyin initials are current, and search finds names,
aliases and initials, exact matches first, then 热门 ones.
"""

from __future__ import annotations

import json
import re

import pytest

from chalicelib import catalogue
from chalicelib.catalogue import services
from chalicelib.domain.levels import AuthLevel

# Every service the manual names (home page, 热门服务 and 个人用户中心 screens).
MANUAL = [
    "社会保障卡正式挂失",
    "职称申报退回修改",
    "工伤认定",
    "非法用工单位伤亡人员一次性赔偿",
    "工伤康复确认申请",
    "工伤保险待遇变更",
    "灵活就业人员企业职工基本养老保险参保登记",
    "失业待遇续发",
    "高校毕业生接收手续办理",
    "江苏省考试录用公务员",
    "恢复发放",
    "流动人才党员学习",
    "工伤劳动能力鉴定",
    "社会保障卡个人首次申请",
    "失业保险关系转出",
    "职称证书在线查询",
    "流动人员人事档案证明出具",
    # and the rest of the 推荐 and 热门服务 screens
    "工亡职工供养亲属抚恤金申领",
    "暂停养老保险期待遇",
    "拖欠农民工工资线索反映",
    "劳动合同拟定",
    "最低工资政策实施效果评估调查",
    "国有企业负责人薪酬统计调查",
    "社会保障卡正式挂失解挂",
    "个人领卡",
    "行政复议",
    "设立技工学校审批",
    "失业保险丧葬补助金和抚恤金申领",
    "非协议机构急诊医疗费用申领",
]


def _by_name(name: str) -> services.Service:
    return next(s for s in services.all() if s.name == name)


def _names(found) -> list[str]:
    return [s.name for s in found]


# -- the data ------------------------------------------------------------------------------------


def test_every_service_the_manual_names_is_in_the_catalogue():
    names = set(_names(services.all()))
    assert [name for name in MANUAL if name not in names] == []
    assert 80 <= len(names) <= 200


def test_every_service_is_complete_and_uses_the_catalogues_words():
    for s in services.all():
        assert services.normalize_code(s.code) == s.code, s
        assert s.kind in services.KINDS and s.audience in services.AUDIENCES, s
        assert s.themes and set(s.themes) <= set(services.THEMES), s
        assert set(s.personas) <= set(services.PERSONAS), s
        assert set(s.topics) <= set(services.TOPICS), s
        assert isinstance(s.min_level, AuthLevel), s
        assert s.region in services.REGIONS, s
        assert tuple(s.guide) == services.GUIDE_HEADINGS and all(s.guide.values()), s
        assert isinstance(s.guide["申请材料"], tuple) and isinstance(s.guide["办理流程"], tuple)
        assert 1 <= len(s.form_fields) <= 6, s
        assert {f.kind for f in s.form_fields} <= set(services.FIELD_KINDS), s
        assert len({f.name for f in s.form_fields}) == len(s.form_fields), s
        field = s.form_fields[0]
        assert (field["name"], field["label"], field["required"]) == (field.name, field.label, field.required)
        assert s.href == f"/services/{s.code}"
        assert s.apply_href == f"/services/{s.code}/apply"


def test_every_theme_persona_and_topic_page_is_full():
    for theme in services.THEMES:
        assert len(services.for_filters(theme=theme, audience="个人")) >= 10, theme
    for persona in services.PERSONAS:
        assert len(services.for_filters(persona=persona)) >= 10, persona
    for topic in services.TOPICS:
        assert len(services.for_filters(topic=topic)) >= 5, topic
    assert len(services.for_filters(audience="单位")) >= 10
    assert len(services.for_filters(kind="查询", audience="个人")) >= 15


def test_personas_and_topics_are_the_home_pages():
    offer = catalogue.load()
    assert offer.personas == services.PERSONAS
    assert tuple(name for name, _icon in offer.themes) == services.TOPICS


def test_the_hot_tabs_list_the_hot_services_of_their_theme():
    tabs = catalogue.load().hot_services
    assert [tab.label for tab in tabs] == list(services.THEMES)
    for tab in tabs:
        assert 4 <= len(tab.services) <= 12, tab.label
        assert all(s.hot and s.themes[0] == tab.label and s.audience == "个人" for s in tab.services)
    insurance = next(tab for tab in tabs if tab.label == "社会保险")
    assert "工伤认定" in _names(insurance.services)


def test_the_levels_vary_so_that_gating_means_something():
    levels = {s.min_level for s in services.all()}
    assert levels == {AuthLevel.REGISTERED, AuthLevel.REAL_NAME, AuthLevel.REAL_PERSON}
    assert _by_name("社会保障卡正式挂失").min_level == AuthLevel.REAL_PERSON
    assert _by_name("工伤认定").min_level == AuthLevel.REAL_NAME


def test_the_stored_pinyin_initials_are_current():
    # pypinyin is a dev-time dependency: the Lambda reads the initials from the data.
    pytest.importorskip("pypinyin")
    from devtools import catalogue_initials

    stored = json.loads(catalogue_initials.SERVICES.read_text("utf-8"))["services"]
    assert stored == catalogue_initials.with_initials(stored), "run: python -m devtools.catalogue_initials"
    assert catalogue_initials.dump(stored) == catalogue_initials.SERVICES.read_text("utf-8")
    assert _by_name("社会保障卡正式挂失").initials[:2] == ("shbzkzsgs", "sbkgs")


def test_the_lambda_code_never_imports_pypinyin():
    from pathlib import Path

    root = Path(services.__file__).resolve().parents[1]
    imports = re.compile(r"^\s*(import|from)\s+pypinyin\b", re.MULTILINE)
    users = [p for p in root.rglob("*.py") if imports.search(p.read_text("utf-8"))]
    assert users == []


def test_codes_are_read_as_typed():
    assert services.normalize_code(" ｓｂ０００１ ") == "SB0001"
    assert services.normalize_code("sb0001") == "SB0001"
    for bad in ("", "SB001", "SB00012", "S10001", "SB٠٠٠١", "../x"):
        assert services.normalize_code(bad) is None, bad
    assert services.get("SB0001").name == "工伤认定"
    assert services.get("ZZ9999") is None


# -- filters -------------------------------------------------------------------------------------


def test_filters_combine():
    found = services.for_filters(theme="社会保障卡", kind="查询")
    assert found and all("社会保障卡" in s.themes and s.kind == "查询" for s in found)
    found = services.for_filters(persona="工伤人员", audience="个人")
    assert "工伤认定" in _names(found)
    assert all("工伤人员" in s.personas for s in found)


def test_a_city_sees_the_provinces_services_and_its_own():
    nanjing = services.for_filters(region="南京市")
    assert "南京市高校毕业生租房补贴申领" in _names(nanjing)
    assert "苏州市创业场地租金补贴申领" not in _names(nanjing)
    assert "工伤认定" in _names(nanjing)
    province = services.for_filters(region=services.PROVINCE)
    assert all(not s.is_local for s in province)
    assert len(services.for_filters()) > len(province)


# -- search --------------------------------------------------------------------------------------


def test_search_finds_names_aliases_and_pinyin_initials():
    assert _names(services.search("工伤认定"))[0] == "工伤认定"
    assert "社会保障卡正式挂失" in _names(services.search("社保卡挂失"))  # an alias
    assert _names(services.search("sbkgs"))[0] == "社会保障卡正式挂失"  # the alias's initials
    assert _names(services.search("gsrd"))[0] == "工伤认定"  # the name's initials
    assert "工伤认定" in _names(services.search("GSRD"))  # any case
    assert "工伤认定" in _names(services.search("ｇｓｒｄ"))  # full-width, as Chinese input methods type


def test_an_exact_name_ranks_first_then_hot_services():
    # GIVEN 失业登记 (hot) and many other services containing 失业
    found = services.search("失业保险金申领")
    assert found[0].name == "失业保险金申领"
    found = services.search("失业", limit=50)
    hot_flags = [s.hot for s in found]
    assert hot_flags == sorted(hot_flags, reverse=True), "hot services come before the others"
    # an exact alias wins over a hot service whose name merely contains the query
    assert services.search("劳动仲裁")[0].name == "劳动人事争议仲裁申请"


def test_a_stronger_match_ranks_before_a_weaker_one_among_equals():
    # among hot services, a name that starts with the query comes before one that contains it
    found = [s for s in services.search("工伤", limit=50) if s.hot]
    starts = [s.name.startswith("工伤") for s in found]
    assert starts == sorted(starts, reverse=True)


def test_search_ranking_is_decided_by_the_rules_not_by_the_datas_order():
    def service(code, name, hot=False, aliases=()):
        base = services.get("SB0001")
        from dataclasses import replace

        return replace(base, code=code, name=name, hot=hot, aliases=aliases, initials=("x",) * (1 + len(aliases)))

    made = [
        service("AA0001", "养老保险待遇测算服务"),
        service("AA0002", "城乡养老", hot=True),
        service("AA0003", "养老"),
        service("AA0004", "退休申请", aliases=("养老",)),
        service("AA0005", "企业养老", hot=True),
    ]
    with services.override(made):
        assert services.search("养老") and [s.code for s in services.search("养老")] == [
            "AA0003",  # exact name
            "AA0004",  # exact alias
            "AA0002",  # hot, contains (shorter name first among equals: 城乡养老 before 企业养老 by order)
            "AA0005",
            "AA0001",  # not hot, name starts with the query
        ]
    assert services.get("AA0001") is None  # the override ended


def test_search_refuses_nothing_and_finds_nothing_for_an_empty_or_unknown_query():
    assert services.search("") == []
    assert services.search("   ") == []
    assert services.search("不存在的事项名称") == []
    assert services.search("zzzzzz") == []
    assert len(services.search("s", limit=3)) == 3
    assert services.search("a" * 10_000) == []  # cut to 100 characters, no error


# -- 推荐 ----------------------------------------------------------------------------------------


def test_recommendations_put_what_the_citizen_can_do_and_their_themes_first():
    # GIVEN a 注册用户 who favourited 工伤认定 (社会保险) and used 职称申报 (人才人事)
    found = services.recommend(1, used={"RC0006"}, favourites={"SB0001"}, limit=15)
    # THEN what they marked or used is not recommended again
    assert not {"RC0006", "SB0001"} & {s.code for s in found}
    # AND every service open at their level comes before any that needs more
    open_now = [s.min_level <= 1 for s in found]
    assert open_now == sorted(open_now, reverse=True) and open_now[0]
    # AND among those, their themes first
    first = found[0]
    assert {"社会保险", "人才人事"} & set(first.themes)
    assert all(s.audience == "个人" for s in found)


def test_recommendations_follow_the_persona_when_known():
    found = services.recommend(3, personas={"退休人员"}, limit=5)
    assert all("退休人员" in s.personas for s in found)

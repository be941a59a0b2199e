"""The service catalogue (chalicelib/catalogue): the pages' content, as data."""

from __future__ import annotations

from chalicelib import catalogue


def test_the_catalogue_holds_what_the_home_page_shows():
    offer = catalogue.load()
    assert [link.label for link in offer.navigation][:2] == ["大厅首页", "个人办事"]
    assert "高校毕业生" in offer.personas
    assert [tab.label for tab in offer.hot_services] == ["就业创业", "社会保险", "人才人事", "劳动关系", "社会保障卡"]
    assert all(tab.services for tab in offer.hot_services)
    assert "工伤认定" in [s.name for s in offer.hot_services[1].services]
    assert all(len(theme.icon) == 1 for theme in offer.themes)


def test_records_unpack_as_the_templates_read_them():
    key, label, href = catalogue.load().navigation[0]
    assert (key, label, href) == ("home", "大厅首页", "/")


def test_every_link_under_hall_is_a_section_and_every_other_link_a_route_of_ours():
    from app import app

    offer = catalogue.load()
    sections = offer.sections()
    assert {"personal", "notices", "about", "contact"} <= set(sections)
    assert sections["about"] == "关于本站"
    for link in (*offer.navigation, *offer.footer):
        if link.href.startswith(catalogue.SECTION_PREFIX):
            assert link.key in sections, link
        else:
            assert link.href in app.routes, link

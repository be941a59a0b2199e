"""安全记录's words: the device a login came from, in browser and system words only."""

from __future__ import annotations

import pytest

from chalicelib.domain.security_events import describe_device, event_label, method_label


@pytest.mark.parametrize(
    ("user_agent", "words"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/130.0.0.0 Safari/537.36",
            "Chrome · Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
            "Edge · Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.0 Mobile/15E148 Safari/604.1",
            "Safari · iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116 "
            "Mobile Safari/537.36 MicroMessenger/8.0.47",
            "微信 · Android",
        ),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:131.0) Gecko/20100101 Firefox/131.0", "Firefox · macOS"),
        ("", "未知设备"),
        ("curl/8.5.0", "未知设备"),
    ],
)
def test_a_device_is_two_words_from_its_user_agent(user_agent, words):
    assert describe_device(user_agent) == words


def test_an_apps_session_says_the_app():
    assert describe_device("okhttp/4.12", client="app") == "江苏智慧人社APP"


def test_events_and_methods_read_in_chinese_and_unknown_ones_still_read():
    assert event_label("PasswordChanged") == "修改密码"
    assert event_label("SomethingNew") == "账号安全事件"
    assert method_label("sms_code") == "手机动态码"
    assert method_label(None) == ""
    assert method_label("<script>") == ""

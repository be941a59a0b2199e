"""Alipay's RSA2 signing strings (chalicelib.methods.alipay.signature), checked as Alipay
documents them (and as python-alipay-sdk builds them) and by an independent ``cryptography`` verification."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from chalicelib.methods.alipay import signature


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_the_signing_string_is_sorted_unencoded_and_leaves_out_sign_and_empty_values():
    params = {
        "method": "alipay.system.oauth.token",
        "app_id": "2021000000000001",
        "sign_type": "RSA2",
        "timestamp": "2026-01-01 08:00:00",
        "code": "a b&c",
        "refresh_token": "",
        "sign": "whatever",
        "biz_content": {"b": 1, "a": "中"},
    }
    assert signature.signing_string(params) == (
        'app_id=2021000000000001&biz_content={"b":1,"a":"中"}&code=a b&c'
        "&method=alipay.system.oauth.token&sign_type=RSA2&timestamp=2026-01-01 08:00:00"
    )


def test_a_signature_is_sha256_with_rsa_pkcs1_v15_in_base64(key):
    signed = signature.sign_params({"a": "1", "b": "2"}, key)
    # Verified independently of the module: SHA256withRSA over "a=1&b=2".
    key.public_key().verify(base64.b64decode(signed["sign"]), b"a=1&b=2", padding.PKCS1v15(), hashes.SHA256())
    signature.verify_params(signed, key.public_key())
    with pytest.raises(signature.SignatureError):
        signature.verify_params({**signed, "b": "3"}, key.public_key())
    with pytest.raises(signature.SignatureError):
        signature.verify("a=1&b=2", "not base64!", key.public_key())


def test_the_response_is_verified_over_its_exact_text_even_with_braces_in_strings():
    content = '{"code":"10000","nick_name":"}{ 小明","user_id":"2088"}'
    raw = '{"alipay_user_info_share_response":' + content + ',"sign":"xyz"}'
    assert signature.response_content(raw, "alipay.user.info.share") == (content, "alipay_user_info_share_response")
    assert json.loads(content)["user_id"] == "2088"
    error = '{"error_response":{"code":"40002","sub_code":"isv.code-invalid"},"sign":"s"}'
    assert signature.response_content(error, "alipay.system.oauth.token")[1] == "error_response"
    assert signature.response_content("{}", "alipay.system.oauth.token") == (None, "")

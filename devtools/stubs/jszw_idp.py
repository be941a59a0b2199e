"""A local 江苏政务服务 统一身份认证平台: an OpenID Connect provider for the dev stage and tests.

Not deployed (devtools/). Built on Authlib's server side (Flask integration): the
authorization code grant with PKCE (RFC 7636, S256) and OpenID Connect's ``OpenIDCode``
extension; ID tokens signed RS256 with its own RSA key (made at start), published at
``/jwks`` and announced by ``/.well-known/openid-configuration``. The hall speaks to it
over HTTP exactly as to the real platform.

Its pages follow the manual's screen: 全国一体化在线政务服务平台 / 江苏政务服务 统一身份认证平台,
个人登录 | 法人登录, 账号密码登录 (身份证号码/手机号码/用户名, 密码, 验证码 — shown on the page:
this is a simulator), then a 授权 step. Seeded users: ``USERS`` below (listed in the README).

    python -m devtools.stubs.jszw_idp --port 8002 \\
        --redirect-uri http://127.0.0.1:8000/login/callback/jszw_oidc

``--test-hooks`` adds ``POST /_test/next-id-token`` (JSON claims that override the next ID
token's, e.g. ``{"aud": "someone-else"}``), for the hall's tests of a misbehaving provider.
"""

from __future__ import annotations

import argparse
import hmac
import os
import secrets
import time
from dataclasses import dataclass

# The simulator serves plain HTTP on the loopback interface; Authlib refuses that unless told.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, redirect, render_template_string, request, session
from joserfc.jwk import RSAKey

CLIENT_ID = "jshrss-hall"
CLIENT_SECRET = "local-jszw-client-secret"
SCOPES = {"openid", "profile", "phone", "jszw_identity"}


@dataclass(frozen=True)
class User:
    subject: str
    username: str
    name: str
    id_number: str
    phone: str
    password: str
    acr: str  # jszw:L1 registered, jszw:L2 real name verified, jszw:L3 and a face check


# Fictional people; every ID number is made up and only formally valid (GB 11643).
USERS = (
    # The README's demo citizen: same ID number and name, verified: links to the hall's account.
    User("jszw-0001", "chenxm", "陈小明", "320102199003071239", "13800138000", "Jszw@2024", "jszw:L2"),
    # In the local base library, no hall account: the first login creates one (实名用户).
    User("jszw-0002", "sunli", "孙丽", "320104199304180028", "13700001111", "Jszw@2024", "jszw:L2"),
    # Holds a hall account (注册用户) but is not verified by the platform: proves the account to link it.
    User("jszw-0003", "zhoujie", "周杰", "320113198808080815", "18600000002", "Jszw@2024", "jszw:L1"),
    # Verified, and holds the demo account 阿依古丽·买买提, whose name the platform writes without the
    # middle dot: the names differ, so she proves the account (its password or an SMS code) to link it.
    User("jszw-0004", "ayiguli", "阿依古丽买买提", "65010219920615302X", "15000000001", "Jszw@2024", "jszw:L2"),
)


def find_user(identifier: str) -> User | None:
    identifier = identifier.strip().upper()
    for user in USERS:
        if identifier in (user.id_number, user.phone, user.username.upper()):
            return user
    return None


class Client(ClientMixin):
    def __init__(self, redirect_uris: list[str]) -> None:
        self.redirect_uris = redirect_uris

    def get_client_id(self):
        return CLIENT_ID

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(client_secret or "", CLIENT_SECRET)

    def check_endpoint_auth_method(self, method, endpoint):
        return method == "client_secret_basic"

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    subject: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int
    expires_at: float

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        user = _user_by_subject(self.subject)
        return user.acr if user else None

    def get_amr(self):
        return ["pwd"]

    def is_expired(self):
        return time.time() > self.expires_at


def _user_by_subject(subject: str) -> User | None:
    return next((u for u in USERS if u.subject == subject), None)


def create_app(issuer: str, redirect_uris: list[str], test_hooks: bool = False) -> Flask:
    app = Flask(__name__)
    app.secret_key = secrets.token_bytes(32)
    app.config.update(SESSION_COOKIE_NAME="jszw_idp_session", SESSION_COOKIE_SAMESITE="Lax")
    key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"})
    client = Client(redirect_uris)
    codes: dict[str, AuthorizationCode] = {}
    tokens: dict[str, dict] = {}
    overrides: dict = {}

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic",)

        def save_authorization_code(self, code, req):
            data = req.payload.data
            codes[code] = AuthorizationCode(
                code=code,
                client_id=req.client.get_client_id(),
                redirect_uri=req.payload.redirect_uri,
                scope=req.payload.scope,
                subject=req.user.subject,
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                auth_time=int(time.time()),
                expires_at=time.time() + 300,
            )

        def query_authorization_code(self, code, client_):
            found = codes.get(code)
            if found and found.client_id == client_.get_client_id() and not found.is_expired():
                return found
            return None

        def delete_authorization_code(self, authorization_code):
            codes.pop(authorization_code.code, None)  # single use

        def authenticate_user(self, authorization_code):
            return _user_by_subject(authorization_code.subject)

    class IdToken(OpenIDCode):
        def exists_nonce(self, nonce, req):
            return any(c.nonce == nonce for c in codes.values())

        def resolve_client_private_key(self, client_):
            return key

        def get_client_claims(self, client_):
            return {"iss": issuer, "aud": [client_.get_client_id()], "exp": int(time.time()) + 600}

        def generate_user_info(self, user, scope):
            info = UserInfo(sub=user.subject, name=user.name, id_number=user.id_number, acr=user.acr)
            if "phone" in scope.split():
                info["phone_number"] = user.phone
                info["phone_number_verified"] = True
            # A test asked the provider to misbehave once (a wrong audience, a wrong nonce).
            info.update(overrides)
            overrides.clear()
            return info

    server = AuthorizationServer(app, query_client=lambda cid: client if cid == CLIENT_ID else None)
    server.save_token = lambda token, req: tokens.__setitem__(token["access_token"], token)
    server.register_grant(CodeGrant, [CodeChallenge(required=True), IdToken(require_nonce=True)])

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify(
            issuer=issuer,
            authorization_endpoint=f"{issuer}/authorize",
            token_endpoint=f"{issuer}/token",
            jwks_uri=f"{issuer}/jwks",
            response_types_supported=["code"],
            grant_types_supported=["authorization_code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            scopes_supported=sorted(SCOPES),
            token_endpoint_auth_methods_supported=["client_secret_basic"],
            code_challenge_methods_supported=["S256"],
            claims_supported=["sub", "name", "id_number", "phone_number", "acr"],
        )

    @app.get("/jwks")
    def jwks():
        return jsonify(keys=[key.as_dict(private=False)])

    def current_user() -> User | None:
        return _user_by_subject(session.get("subject") or "")

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        user = current_user()
        if request.method == "GET":
            try:
                grant = server.get_consent_grant(end_user=user)
            except OAuth2Error as error:
                # An unknown client or redirect URI: never redirect there; say so here.
                return _page(ERROR, error=error), 400
            if user is None:
                session["captcha"] = f"{secrets.randbelow(10000):04d}"
                return _page(LOGIN, captcha=session["captcha"], next=request.full_path)
            return _page(CONSENT, user=user, grant=grant, action=request.full_path)
        if user is None:
            return redirect(request.full_path, code=303)
        granted = user if request.form.get("decision") == "allow" else None
        return server.create_authorization_response(grant_user=granted)

    @app.post("/login")
    def login():
        next_url = request.form.get("next") or ""
        if not next_url.startswith("/authorize?"):
            return "bad request", 400
        expected = session.pop("captcha", None)
        user = find_user(request.form.get("username") or "")
        error = None
        if not expected or request.form.get("captcha", "").strip() != expected:
            error = "验证码错误"
        elif user is None or not hmac.compare_digest(request.form.get("password") or "", user.password):
            error = "账号或密码错误"
        if error:
            session["captcha"] = f"{secrets.randbelow(10000):04d}"
            return _page(LOGIN, captcha=session["captcha"], next=next_url, error=error), 400
        session["subject"] = user.subject
        return redirect(next_url, code=303)

    @app.post("/token")
    def token():
        return server.create_token_response()

    if test_hooks:

        @app.post("/_test/next-id-token")
        def next_id_token():
            overrides.update(request.get_json(force=True) or {})
            return jsonify(ok=True)

    return app


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>江苏政务服务 统一身份认证平台</title>
<style>
body { font-family: sans-serif; background: #eef3f9; margin: 0; color: #222; }
header { background: #0b4f9c; color: #fff; padding: .8rem 2rem; }
header p { margin: 0; font-size: .9rem; } header h1 { margin: .2rem 0 0; font-size: 1.4rem; }
main { max-width: 26rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 4px; }
.tabs { display: flex; gap: 1.5rem; border-bottom: 2px solid #0b4f9c; margin-bottom: 1rem; }
.tabs span { padding: .4rem 0; } .tabs .on { font-weight: bold; color: #0b4f9c; }
.sub span { font-size: .9rem; margin-right: .8rem; } .sub .on { color: #0b4f9c; font-weight: bold; }
label { display: block; margin: .8rem 0 .2rem; } input { width: 100%; padding: .5rem; box-sizing: border-box; }
.captcha { font: bold 1.3rem monospace; letter-spacing: .3rem; background: #f2f2f2; padding: .2rem .6rem; }
button { padding: .6rem 1.5rem; margin-top: 1rem; background: #0b4f9c; color: #fff; border: 0; border-radius: 3px; }
button.secondary { background: #888; } .error { color: #b00020; } small { color: #555; }
</style></head><body>
<header><p>全国一体化在线政务服务平台</p><h1>江苏政务服务 统一身份认证平台</h1>
<p>www.jszwfw.gov.cn（本地模拟）</p></header>
<main>{% include body %}</main></body></html>"""

LOGIN = """<div class="tabs"><span class="on">个人登录</span><span>法人登录</span></div>
<p class="sub"><span class="on">账号密码登录</span><span>手机号登录</span><span>APP扫码登录</span></p>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="/login">
<input type="hidden" name="next" value="{{ next }}">
<label for="username">账号</label>
<input id="username" name="username" placeholder="请输入您的身份证号码/手机号码/用户名" autocomplete="username">
<label for="password">密码</label>
<input id="password" name="password" type="password" placeholder="请输入密码" autocomplete="current-password">
<label for="captcha">验证码 <span class="captcha" data-testid="idp-captcha">{{ captcha }}</span></label>
<input id="captcha" name="captcha" placeholder="请输入验证码" inputmode="numeric">
<button type="submit">登录</button>
</form>
<p><small>注册 | 忘记密码? | 账号注销（本地模拟平台不提供）</small></p>"""

CONSENT = """<h2>授权</h2>
<p>“江苏人社网上办事服务大厅”申请使用您的江苏政务服务账号登录，并获取：</p>
<ul><li>姓名、身份证号码</li><li>手机号码</li><li>实名认证等级</li></ul>
<p>当前账号：{{ user.name }}</p>
<form method="post" action="{{ action }}">
<button type="submit" name="decision" value="allow">授权</button>
<button type="submit" name="decision" value="deny" class="secondary">拒绝</button>
</form>"""

ERROR = (
    """<h2>授权请求无效</h2><p class="error" data-testid="idp-error">{{ error.error }}: {{ error.description }}</p>"""
)


def _page(body: str, **values) -> str:
    return render_template_string(PAGE.replace("{% include body %}", body), **values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--redirect-uri", action="append", required=True)
    parser.add_argument("--test-hooks", action="store_true")
    args = parser.parse_args()
    issuer = f"http://{args.host}:{args.port}"
    app = create_app(issuer, args.redirect_uri, args.test_hooks)
    app.run(host=args.host, port=args.port, threaded=True)


if __name__ == "__main__":
    main()

"""A local 支付宝 (Alipay): its web authorization page and its open platform gateway, for the dev stage and tests.

Not deployed (devtools/). What the hall talks to, over HTTP, exactly as to Alipay:

- ``GET /oauth2/publicAppAuthorize.htm?app_id&scope=auth_user&redirect_uri&state``: the
  authorize page a PC shows: a 支付宝 QR (the manual's 支付宝二维码界面). The QR encodes this
  simulator's ``/phone/<ticket>`` page, which plays the Alipay app on the "phone": pick one of
  the seeded Alipay users (``USERS``), then 授权 or 取消. The PC page polls and, once decided,
  goes to ``redirect_uri?app_id&source=alipay_wallet&scope&auth_code&state``; on 取消 (the
  simulator's convention, Alipay's own page just stays) to ``redirect_uri?state&error=access_denied``.
  An unknown app id or a redirect URI not on this app's list is refused here, never redirected to.
- ``POST /gateway.do`` with exactly two methods: ``alipay.system.oauth.token``
  (grant_type=authorization_code; an auth_code is single use and lives 5 minutes) and
  ``alipay.user.info.share`` (auth_token). Each request's RSA2 signature is verified with the
  hall's app public key (refused with ``isv.invalid-signature`` otherwise), and each answer is
  signed with this simulator's own private key over the exact text of ``<method>_response``.

Keys are files (made by devtools.stack.alipay_keys into .local/ or a test's directory).

    python -m devtools.stubs.alipay_sim --port 8003 --redirect-uri http://127.0.0.1:8000/login/callback/alipay \\
        --app-public-key .local/alipay/hall_app_public.pem --private-key .local/alipay/alipay_private.pem

``--test-hooks`` adds ``POST /_test/tamper-next-response`` (the next successful answer is
changed after it is signed), for the hall's tests of a forged answer.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, render_template_string, request

from chalicelib.methods.alipay import signature

APP_ID = "2021000000000001"  # the hall's app on the local 支付宝 (HALL_ALIPAY_APP_ID)
SCOPE = "auth_user"
CODE_SECONDS = 300


@dataclass(frozen=True)
class User:
    user_id: str
    nick_name: str
    account: str  # the 支付宝账号 shown on the phone page (masked, as Alipay shows it)
    # Dev only: the demo citizen (ID number) the hall's seeding links this Alipay user to, as if
    # they had linked it in the hall. None: not linked; the hall asks them to log in another way.
    linked_id_number: str | None


# Fictional users. The hall links them by devtools.stack.seed_alipay_links (README.md).
USERS = (
    User("2088102000000001", "小明", "138****8000", "320102199003071239"),  # 陈小明, the demo account
    User("2088102000000002", "芳芳", "139****5678", "320583198511204427"),  # 王芳
    User("2088102000000003", "路人甲", "186****0003", None),  # linked to nobody
)


def create_app(
    base_url: str, redirect_uris: list[str], app_public_pem: str, private_pem: str, test_hooks: bool = False
) -> Flask:
    app = Flask(__name__)
    app_public_key = signature.load_public_key(app_public_pem)
    private_key = signature.load_private_key(private_pem)
    lock = threading.Lock()
    tickets: dict[str, dict] = {}
    codes: dict[str, dict] = {}
    tokens: dict[str, dict] = {}
    hooks = {"tamper": False}

    @app.get("/oauth2/publicAppAuthorize.htm")
    def authorize():
        args = request.args
        if args.get("app_id") != APP_ID:
            return _page(ERROR, error="invalid-app-id: 应用不存在"), 400
        if args.get("redirect_uri") not in redirect_uris:
            return _page(ERROR, error="invalid-redirect-uri: 回调地址与应用配置不一致"), 400
        if args.get("scope") != SCOPE or not args.get("state"):
            return _page(ERROR, error="invalid-scope: 授权参数错误"), 400
        ticket = secrets.token_urlsafe(16)
        with lock:
            tickets[ticket] = {
                "redirect_uri": args["redirect_uri"],
                "state": args["state"],
                "status": "waiting",
                "created": time.time(),
            }
        return _page(PC, ticket=ticket, qr=_qr_data_uri(f"{base_url}/phone/{ticket}"))

    @app.get("/ticket/<ticket>")
    def ticket_status(ticket):
        found = tickets.get(ticket)
        if found is None:
            return jsonify(status="unknown"), 404
        return jsonify(status=found["status"], redirect=found.get("redirect"))

    @app.route("/phone/<ticket>", methods=["GET", "POST"])
    def phone(ticket):
        found = tickets.get(ticket)
        if found is None or found["status"] != "waiting":
            return _page(ERROR, error="二维码已失效，请在电脑上刷新页面"), 400
        if request.method == "GET":
            return _page(PHONE, ticket=ticket, users=USERS)
        user = next((u for u in USERS if u.user_id == request.form.get("user_id")), None)
        if request.form.get("decision") == "allow" and user is not None:
            code = secrets.token_hex(16)
            with lock:
                codes[code] = {"user": user, "expires": time.time() + CODE_SECONDS, "used": False}
            query = {"app_id": APP_ID, "source": "alipay_wallet", "scope": SCOPE, "auth_code": code}
            found["status"] = "authorized"
            message = "授权成功，请在电脑上继续"
        else:
            query = {"error": "access_denied"}
            found["status"] = "cancelled"
            message = "已取消授权"
        query["state"] = found["state"]
        found["redirect"] = f"{found['redirect_uri']}?{urlencode(query)}"
        return _page(DONE, message=message)

    @app.post("/gateway.do")
    def gateway():
        params = request.form.to_dict()
        method = params.get("method") or ""
        if params.get("app_id") != APP_ID:
            return _refusal("40002", "isv.invalid-app-id", "无效的AppID参数")
        if params.get("sign_type") != "RSA2":
            return _refusal("40002", "isv.invalid-signature-type", "无效的签名类型")
        try:
            signature.verify_params(params, app_public_key)
        except signature.SignatureError:
            return _refusal("40002", "isv.invalid-signature", "验签出错")
        if method == "alipay.system.oauth.token":
            return _oauth_token(params)
        if method == "alipay.user.info.share":
            return _user_info(params)
        return _refusal("40004", "isv.invalid-method", "不存在的方法名")

    def _oauth_token(params):
        method = "alipay.system.oauth.token"
        if params.get("grant_type") != "authorization_code":
            return _signed(method, _error("40002", "isv.grant-type-invalid", "grant_type参数不正确"), error=True)
        with lock:
            found = codes.get(params.get("code") or "")
            if found is None or found["used"] or found["expires"] < time.time():
                return _signed(method, _error("40002", "isv.code-invalid", "授权码code无效"), error=True)
            found["used"] = True
            token = "authusrB" + secrets.token_hex(16)
            tokens[token] = {"user": found["user"], "expires": time.time() + 1296000}
        user = found["user"]
        return _signed(
            method,
            {
                "user_id": user.user_id,
                "access_token": token,
                "expires_in": 1296000,
                "refresh_token": "authusrB" + secrets.token_hex(16),
                "re_expires_in": 2592000,
                "auth_start": time.strftime("%Y-%m-%d %H:%M:%S"),
            },
        )

    def _user_info(params):
        method = "alipay.user.info.share"
        found = tokens.get(params.get("auth_token") or "")
        if found is None or found["expires"] < time.time():
            return _signed(method, _error("20001", "aop.invalid-auth-token", "无效的访问令牌"), error=True)
        user = found["user"]
        return _signed(
            method,
            {"code": "10000", "msg": "Success", "user_id": user.user_id, "nick_name": user.nick_name, "avatar": ""},
        )

    def _error(code: str, sub_code: str, sub_msg: str) -> dict:
        return {"code": code, "msg": "Invalid Arguments", "sub_code": sub_code, "sub_msg": sub_msg}

    def _signed(method: str, content: dict, error: bool = False) -> Response:
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        sign = signature.sign(text, private_key)
        if hooks["tamper"] and not error and "user_id" in content:
            hooks["tamper"] = False
            text = text.replace(content["user_id"], content["user_id"][:-1] + "9")  # forged after signing
        key = "error_response" if error else method.replace(".", "_") + "_response"
        body = '{"' + key + '":' + text + ',"sign":"' + sign + '"}'
        return Response(body, content_type="text/html;charset=utf-8")  # what Alipay's gateway sends

    def _refusal(code: str, sub_code: str, sub_msg: str) -> Response:
        # Refused before the request's app was trusted: unsigned, as Alipay's gateway does.
        text = json.dumps(_error(code, sub_code, sub_msg), ensure_ascii=False, separators=(",", ":"))
        return Response('{"error_response":' + text + "}", content_type="text/html;charset=utf-8")

    if test_hooks:

        @app.post("/_test/tamper-next-response")
        def tamper():
            hooks["tamper"] = True
            return jsonify(ok=True)

    @app.get("/")
    def health():
        return jsonify(service="local alipay")

    return app


def _qr_data_uri(text: str) -> str:
    import qrcode

    image = qrcode.make(text, box_size=6, border=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>支付宝 · 登录授权</title>
<style>
body { font-family: sans-serif; background: #f5f5f5; margin: 0; color: #222; }
header { background: #1677ff; color: #fff; padding: .8rem 2rem; } header h1 { margin: 0; font-size: 1.3rem; }
main { max-width: 26rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; text-align: center; }
img { width: 14rem; height: 14rem; } label { display: block; text-align: left; margin: .5rem 0; }
button { padding: .6rem 1.8rem; margin: 1rem .4rem 0; background: #1677ff; color: #fff; border: 0; border-radius: 4px; }
button.secondary { background: #999; } .error { color: #b00020; } small { color: #666; }
</style></head><body>
<header><h1>支付宝</h1><small style="color:#dbe8ff">（本地模拟）</small></header>
<main>{% include body %}</main></body></html>"""

PC = """<h2>支付宝扫码登录</h2>
<img src="{{ qr }}" alt="支付宝登录二维码">
<p>打开手机支付宝，扫一扫登录</p>
<p role="status" id="status">请使用支付宝扫描二维码</p>
<p><small>江苏人社网上办事服务大厅 申请使用您的支付宝账号登录</small></p>
<script>
// Navigate once: a poll still in flight while the first navigation runs must not send the
// browser to the callback a second time (the hall's state is single use).
let sent = false;
const poll = setInterval(async () => {
  const reply = await fetch("/ticket/{{ ticket }}");
  const body = await reply.json();
  if (body.redirect && !sent) { sent = true; clearInterval(poll); window.location.href = body.redirect; }
}, 1000);
</script>"""

PHONE = """<h2>授权</h2>
<p>“江苏人社网上办事服务大厅”申请获取你的支付宝会员信息（用户ID、昵称）用于登录</p>
<form method="post">
<fieldset><legend>当前支付宝账号（模拟手机上已登录的账号）</legend>
{% for user in users %}
<label><input type="radio" name="user_id" value="{{ user.user_id }}" {% if loop.first %}checked{% endif %}>
{{ user.nick_name }}（{{ user.account }}）</label>
{% endfor %}</fieldset>
<button type="submit" name="decision" value="allow">授权</button>
<button type="submit" name="decision" value="deny" class="secondary">取消</button>
</form>"""

DONE = """<h2>{{ message }}</h2>"""

ERROR = """<h2>授权请求无效</h2><p class="error" data-testid="alipay-error">{{ error }}</p>"""


def _page(body: str, **values) -> str:
    return render_template_string(PAGE.replace("{% include body %}", body), **values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8003)
    parser.add_argument("--redirect-uri", action="append", required=True)
    parser.add_argument("--app-public-key", required=True, help="the hall's app public key (PEM file)")
    parser.add_argument("--private-key", required=True, help="this simulator's private key (PEM file)")
    parser.add_argument("--test-hooks", action="store_true")
    args = parser.parse_args()
    app = create_app(
        f"http://{args.host}:{args.port}",
        args.redirect_uri,
        Path(args.app_public_key).read_text(),
        Path(args.private_key).read_text(),
        args.test_hooks,
    )
    app.run(host=args.host, port=args.port, threaded=True)


if __name__ == "__main__":
    sys.exit(main())

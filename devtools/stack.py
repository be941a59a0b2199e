"""The local stack: DynamoDB Local plus `chalice local`, wired together.

Used by `make run`, the browser tests and the load run, so all three start
the hall the same way a newcomer does.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from devtools import dynamodb_local

ROOT = Path(__file__).resolve().parent.parent


def local_keys(path: Path) -> str:
    """This machine's dev keys (made once, kept out of git), as HALL_LOCAL_KEYS wants them."""
    from chalicelib import crypto

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(crypto.generate_keys_document(), indent=2))
        path.chmod(0o600)
    return base64.b64encode(path.read_bytes()).decode()


def stack_env(ddb_port: int, table_prefix: str, keys: str, outbox: Path) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "cn-north-1",
        "AWS_REGION": "cn-north-1",
        "HALL_STAGE": "dev",
        "HALL_DYNAMODB_ENDPOINT": f"http://127.0.0.1:{ddb_port}",
        "HALL_TABLE_PREFIX": table_prefix,
        "HALL_LOCAL_KEYS": keys,
        "HALL_OUTBOX_PATH": str(outbox),
        "HALL_LOCAL_BASE_LIBRARY_PATH": str(ROOT / "demo/citizens.json"),
        # Locally there is no CloudWatch to read EMF blobs; keep the console for people.
        "POWERTOOLS_METRICS_DISABLED": "true",
        # Every local tester is 127.0.0.1: the per-client SMS limit would soon stop a day of testing.
        "HALL_SMS_CLIENT_HOURLY_LIMIT": "500",
    }


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def start_chalice(port: int, env: dict[str, str], log_path: Path | None = None) -> subprocess.Popen:
    """`chalice local --stage dev --no-autoreload`, answering unknown routes as API Gateway does
    (devtools.local_gateway)."""
    out = open(log_path, "ab") if log_path else None
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.local_gateway", "--stage", "dev", "--host", "127.0.0.1", "--port", str(port)],
        cwd=str(ROOT),
        env={**os.environ, **env},
        stdout=out,
        stderr=subprocess.STDOUT if out else None,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/faq")
    except RuntimeError:
        process.kill()
        raise
    return process


def start_jszw_idp(
    port: int, hall_base_url: str, log_path: Path | None = None, test_hooks: bool = False
) -> subprocess.Popen:
    """The local 江苏政务 统一身份认证平台 (devtools.stubs.jszw_idp), accepting the hall's callback."""
    out = open(log_path, "ab") if log_path else None
    command = [
        sys.executable,
        "-m",
        "devtools.stubs.jszw_idp",
        "--port",
        str(port),
        "--redirect-uri",
        f"{hall_base_url}/login/callback/jszw_oidc",
    ]
    if test_hooks:
        command.append("--test-hooks")
    process = subprocess.Popen(command, cwd=str(ROOT), stdout=out, stderr=subprocess.STDOUT if out else None)
    try:
        wait_http(f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=30)
    except RuntimeError:
        process.kill()
        raise
    return process


def jszw_env(idp_port: int, hall_base_url: str) -> dict[str, str]:
    """The hall's settings for the local 江苏政务 provider (dev stage)."""
    from devtools.stubs import jszw_idp

    return {
        "HALL_JSZW_ISSUER": f"http://127.0.0.1:{idp_port}",
        "HALL_JSZW_CLIENT_ID": jszw_idp.CLIENT_ID,
        "HALL_JSZW_CLIENT_SECRET": jszw_idp.CLIENT_SECRET,
        "HALL_JSZW_REDIRECT_URIS": f"{hall_base_url}/login/callback/jszw_oidc",
    }


def alipay_keys(directory: Path) -> dict[str, Path]:
    """Two RSA key pairs for 支付宝登录 (made once, kept out of git): the hall's app key and the
    local Alipay's own key. Paths by name: hall_app_private, hall_app_public, alipay_private, alipay_public."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    paths = {
        name: directory / f"{name}.pem"
        for name in ("hall_app_private", "hall_app_public", "alipay_private", "alipay_public")
    }
    directory.mkdir(parents=True, exist_ok=True)
    for owner in ("hall_app", "alipay"):
        private, public = paths[f"{owner}_private"], paths[f"{owner}_public"]
        if private.exists() and public.exists():
            continue
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        private.chmod(0o600)
        public.write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    return paths


def start_alipay_sim(
    port: int, hall_base_url: str, keys: dict[str, Path], log_path: Path | None = None, test_hooks: bool = False
) -> subprocess.Popen:
    """The local 支付宝 (devtools.stubs.alipay_sim): authorize page and gateway, accepting the hall's callback."""
    out = open(log_path, "ab") if log_path else None
    command = [
        sys.executable,
        "-m",
        "devtools.stubs.alipay_sim",
        "--port",
        str(port),
        "--redirect-uri",
        f"{hall_base_url}/login/callback/alipay",
        "--app-public-key",
        str(keys["hall_app_public"]),
        "--private-key",
        str(keys["alipay_private"]),
    ]
    if test_hooks:
        command.append("--test-hooks")
    process = subprocess.Popen(command, cwd=str(ROOT), stdout=out, stderr=subprocess.STDOUT if out else None)
    try:
        wait_http(f"http://127.0.0.1:{port}/", timeout=30)
    except RuntimeError:
        process.kill()
        raise
    return process


def alipay_env(sim_port: int, hall_base_url: str, keys: dict[str, Path]) -> dict[str, str]:
    """The hall's settings for the local 支付宝 (dev stage)."""
    from devtools.stubs import alipay_sim

    base = f"http://127.0.0.1:{sim_port}"
    return {
        "HALL_ALIPAY_APP_ID": alipay_sim.APP_ID,
        "HALL_ALIPAY_AUTHORIZE_URL": f"{base}/oauth2/publicAppAuthorize.htm",
        "HALL_ALIPAY_GATEWAY_URL": f"{base}/gateway.do",
        "HALL_ALIPAY_APP_PRIVATE_KEY": keys["hall_app_private"].read_text(),
        "HALL_ALIPAY_PUBLIC_KEY": keys["alipay_public"].read_text(),
        "HALL_ALIPAY_REDIRECT_URIS": f"{hall_base_url}/login/callback/alipay",
    }


def seed_alipay_links() -> list[str]:
    """Dev only: link the local 支付宝's preset users to their demo citizens (as if linked in the hall)."""
    from chalicelib import clock
    from chalicelib.methods import federation
    from chalicelib.ops import lookup
    from chalicelib.store import accounts
    from devtools.stubs import alipay_sim

    lines = []
    for user in alipay_sim.USERS:
        account = lookup.find_account(None, user.linked_id_number) if user.linked_id_number else None
        if account is None:
            continue
        mac_ = federation.subject_mac("alipay", user.user_id)
        if accounts.put_link("alipay", mac_, account.account_id, clock.now()):
            lines.append(f"linked   支付宝 {user.nick_name} → {account.name_masked}")
    return lines


def prepare_tables(env: dict[str, str], seed: bool) -> list[str]:
    """Create missing tables and (optionally) seed the demo citizens, in this process."""
    os.environ.update(env)
    from chalicelib import settings
    from chalicelib.ops import demo
    from chalicelib.store import tables

    settings.reset()
    tables.create_all()
    return demo.seed(str(ROOT / "demo/citizens.json")) + seed_alipay_links() if seed else []


@contextmanager
def running(
    http_port: int,
    table_prefix: str,
    work_dir: Path,
    *,
    data_dir: Path | None = None,
    seed: bool = True,
):
    """DynamoDB Local and the hall, up; yields (base URL, environment)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    ddb_port = dynamodb_local.free_port()
    ddb = dynamodb_local.start(
        ddb_port, data_dir=str(data_dir) if data_dir else None, log_path=str(work_dir / "dynamodb-local.log")
    )
    try:
        env = stack_env(ddb_port, table_prefix, local_keys(work_dir / "keys.json"), work_dir / "outbox.jsonl")
        # The 扫码登录 QR encodes the hall's own address: this server's.
        env["HALL_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{http_port}"
        idp_port = dynamodb_local.free_port()
        idp = start_jszw_idp(idp_port, env["HALL_PUBLIC_BASE_URL"], work_dir / "jszw-idp.log")
        env.update(jszw_env(idp_port, env["HALL_PUBLIC_BASE_URL"]))
        alipay_port = dynamodb_local.free_port()
        keys = alipay_keys(work_dir / "alipay")
        alipay = start_alipay_sim(alipay_port, env["HALL_PUBLIC_BASE_URL"], keys, work_dir / "alipay-sim.log")
        env.update(alipay_env(alipay_port, env["HALL_PUBLIC_BASE_URL"], keys))
        try:
            prepare_tables(env, seed)
            server = start_chalice(http_port, env, work_dir / "chalice-local.log")
            try:
                yield f"http://127.0.0.1:{http_port}", env
            finally:
                server.terminate()
                server.wait(timeout=10)
        finally:
            alipay.terminate()
            alipay.wait(timeout=10)
            idp.terminate()
            idp.wait(timeout=10)
    finally:
        dynamodb_local.stop(ddb)

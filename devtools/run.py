"""`make run`: the hall at http://127.0.0.1:8000 on DynamoDB Local, with demo data.

Data persists in .local/dynamodb across restarts; Ctrl-C stops everything.
"""

from __future__ import annotations

import os
import signal
import sys

from devtools import dynamodb_local, stack

ROOT = stack.ROOT
LOCAL = ROOT / ".local"


def _stop(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    # A terminal's Ctrl-C sends SIGINT; a supervisor or `kill` sends SIGTERM: stop cleanly on both.
    signal.signal(signal.SIGTERM, _stop)
    port = int(os.environ.get("HALL_PORT", "8000"))
    ddb_port = int(os.environ.get("HALL_DYNAMODB_PORT", "8001"))
    idp_port = int(os.environ.get("HALL_JSZW_IDP_PORT", "8002"))
    alipay_port = int(os.environ.get("HALL_ALIPAY_SIM_PORT", "8003"))
    ddb = dynamodb_local.start(ddb_port, data_dir=str(LOCAL / "dynamodb"), log_path=str(LOCAL / "dynamodb-local.log"))
    server = idp = alipay = None
    try:
        env = stack.stack_env(ddb_port, "hall-dev", stack.local_keys(LOCAL / "keys.json"), LOCAL / "outbox.jsonl")
        hall_url = f"http://127.0.0.1:{port}"
        # The local 江苏政务 统一身份认证平台 (seeded users: README.md).
        idp = stack.start_jszw_idp(idp_port, hall_url, LOCAL / "jszw-idp.log")
        env.update(stack.jszw_env(idp_port, hall_url))
        # The local 支付宝 (authorize page and gateway; key pairs made once into .local/alipay/).
        alipay_keys = stack.alipay_keys(LOCAL / "alipay")
        alipay = stack.start_alipay_sim(alipay_port, hall_url, alipay_keys, LOCAL / "alipay-sim.log")
        env.update(stack.alipay_env(alipay_port, hall_url, alipay_keys))
        env["HALL_PUBLIC_BASE_URL"] = hall_url
        for line in stack.prepare_tables(env, seed=True):
            print(f"  demo account {line}")
        print(f"\n江苏人社网上办事服务大厅: http://127.0.0.1:{port}")
        print(f"Dev outbox (SMS and captcha answers): http://127.0.0.1:{port}/dev/outbox")
        print(f"Local 江苏政务 统一身份认证平台: http://127.0.0.1:{idp_port} (users in README.md)")
        print(f"Local 支付宝 (authorize page and gateway): http://127.0.0.1:{alipay_port} (users in README.md)")
        print("Demo accounts are listed in README.md. Ctrl-C stops everything.\n", flush=True)
        server = stack.subprocess.Popen(
            # `chalice local` as the deployed API Gateway answers (devtools.local_gateway), with no
            # autoreload: Chalice's reloader restarts on any change under the project, and DynamoDB
            # Local's data and the outbox live in .local/ and change on every request.
            [sys.executable, "-m", "devtools.local_gateway", "--stage", "dev", "--port", str(port)],
            cwd=str(ROOT),
            env={**os.environ, **env},
        )
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if server and server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=10)
            except stack.subprocess.TimeoutExpired:
                server.kill()
        if alipay and alipay.poll() is None:
            alipay.terminate()
            alipay.wait(timeout=10)
        if idp and idp.poll() is None:
            idp.terminate()
            idp.wait(timeout=10)
        dynamodb_local.stop(ddb)
        print("stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Package the hall for Lambda and decide what ships.

    python -m infra.package [OUT_DIR]   # default build/package; prints the zip size

``chalice package --stage prod`` builds ``sam.json`` and ``deployment.zip`` from
requirements.txt. PynamoDB pulls in botocore (about 16 MB compressed, more than
half the zip), which the Lambda Python runtime already provides, together with
boto3, s3transfer, jmespath, python-dateutil and urllib3. We strip those from
the zip and use the runtime's copies: the zip drops from about 28 MB to about
11 MB (the limit we hold is 20 MB), uploads and cold-starts faster, and AWS
keeps the SDK patched. The price: the SDK version is the runtime's, not ours;
the hall only calls long-standing DynamoDB, Secrets Manager, KMS and
pinpoint-sms-voice-v2 operations, and the packaged-import check below runs the
app against an SDK that is not in the zip.

``chalice deploy`` builds its own zip, but it reuses Chalice's cached package
(.chalice/deployments/<hash of requirements and app files>-pythonX.Y.zip) when
nothing changed. We slim that cache too, so ``chalice deploy --stage prod``
right after this step ships the same bundle (it says "Reusing existing
deployment package"). If the code changed in between, Chalice rebuilds a full
28 MB zip: it still works (the Lambda limit is 50 MB), it just ships botocore.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from devtools.events import proxy_event
from infra import gateway

__all__ = [
    "MAX_ZIP_BYTES",
    "RUNTIME_PROVIDED",
    "ServeResult",
    "add_gateway_responses",
    "build",
    "chalice_cache_zip",
    "run_chalice_package",
    "serve_from_zip",
    "slim_zip",
]

ROOT = Path(__file__).resolve().parent.parent
STAGE = "prod"
MAX_ZIP_BYTES = 20 * 1024 * 1024

# Distribution name (normalised) → its top-level import names; all are in the
# Lambda Python runtime's /var/runtime.
RUNTIME_PROVIDED: dict[str, tuple[str, ...]] = {
    "boto3": ("boto3",),
    "botocore": ("botocore",),
    "s3transfer": ("s3transfer",),
    "jmespath": ("jmespath",),
    "python_dateutil": ("dateutil",),
    "urllib3": ("urllib3",),
}


# Distribution → top-level import names that the prod function gets from its "statement" Lambda
# layer, with the 权益单 PDF's font (docs/deploy.md): the PDF renderer and font subsetter (about 15 MB
# zipped with bytecode) would not fit in the 20 MB zip. Imported only by
# chalicelib/flows/user_center/statement_pdf.py, so nothing else needs the layer.
STATEMENT_LAYER: dict[str, tuple[str, ...]] = {
    "reportlab": ("reportlab",),
    "fonttools": ("fontTools",),
}


def _python_version() -> str:
    # Chalice picks the Lambda runtime from the interpreter that runs it.
    return f"python{sys.version_info.major}.{sys.version_info.minor}"


def _dist_name(top: str) -> str | None:
    """``python_dateutil-2.9.0.post0.dist-info`` → ``python_dateutil``."""
    for suffix in (".dist-info", ".egg-info"):
        if top.endswith(suffix):
            return top.removesuffix(suffix).rsplit("-", 1)[0].lower().replace("-", "_").replace(".", "_")
    return None


def _is_runtime_provided(name: str) -> bool:
    top = name.split("/", 1)[0]
    dist = _dist_name(top)
    stripped = {**RUNTIME_PROVIDED, **STATEMENT_LAYER}
    if dist is not None:
        return dist in stripped
    modules = {m for names in stripped.values() for m in names}
    return top in modules or top.removesuffix(".py") in modules


def slim_zip(path: Path) -> list[str]:
    """Rewrite ``path`` without what the runtime provides; return the top-level names removed."""
    removed: set[str] = set()
    # A private temporary name: another build (the benchmark, a parallel test) may slim the same cache.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".slim.tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                if _is_runtime_provided(info.filename):
                    removed.add(info.filename.split("/", 1)[0])
                    continue
                dst.writestr(info, src.read(info.filename), compress_type=info.compress_type)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return sorted(removed)


def add_bytecode(path: Path) -> int:
    """Add compiled bytecode for every module in the zip; return how many were compiled.

    Lambda's /var/task is read-only, so without shipped bytecode every cold start
    compiles every module it imports (over 100 ms for this app). The bytecode is
    for this interpreter's version, which is also the runtime Chalice chose, and
    uses unchecked hashes: the zip's files carry no meaningful mtimes to check.
    """
    import compileall
    import py_compile

    with tempfile.TemporaryDirectory(dir=path.parent) as work:
        tree = Path(work) / "tree"
        with zipfile.ZipFile(path) as src:
            src.extractall(tree)
            modes = {info.filename: info.external_attr for info in src.infolist()}
        compileall.compile_dir(
            tree, quiet=2, workers=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
        )
        compiled = 0
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".pyc.tmp")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
                for file in sorted(tree.rglob("*")):
                    if file.is_dir():
                        continue
                    name = file.relative_to(tree).as_posix()
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.external_attr = modes.get(name, 0o644 << 16)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    dst.writestr(info, file.read_bytes())
                    compiled += name.endswith(".pyc")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return compiled


def _intact(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return z.testzip() is None
    except zipfile.BadZipFile:
        return False


def chalice_cache_zip() -> Path:
    """The cached package ``chalice deploy`` reuses for the current requirements and app files."""
    from chalice.deploy.packager import LambdaDeploymentPackager
    from chalice.utils import UI, OSUtils

    packager = LambdaDeploymentPackager(osutils=OSUtils(), dependency_builder=None, ui=UI())
    return Path(packager.deployment_package_filename(str(ROOT), _python_version()))


def _digest(path: Path) -> str:
    import hashlib

    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _cache_copied_to(zip_path: Path) -> Path | None:
    """The cached package ``chalice package`` copied to ``zip_path`` (found by content, not by
    re-hashing the tree, which may have changed while Chalice ran)."""
    size, digest = zip_path.stat().st_size, _digest(zip_path)
    for candidate in (ROOT / ".chalice" / "deployments").glob(f"*-{_python_version()}.zip"):
        if candidate.stat().st_size == size and _digest(candidate) == digest:
            return candidate
    return None


def run_chalice_package(out_dir: Path) -> None:
    env = dict(os.environ)
    # Chalice insists on a region even to package; the template itself is region-neutral.
    env.setdefault("AWS_DEFAULT_REGION", env.get("AWS_REGION", "cn-north-1"))
    if out_dir.exists():
        shutil.rmtree(out_dir)
    # A fixed argv, no shell: this interpreter's Chalice.
    completed = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from chalice.cli import main; main()", "package", "--stage", STAGE, str(out_dir)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"chalice package --stage {STAGE} failed:\n{completed.stdout[-4000:]}")


def add_gateway_responses(sam_path: Path) -> None:
    """Give the answers API Gateway makes by itself (no such route, throttling, ...) the hall's
    error shape and security headers (infra.gateway): ``chalice package`` has no setting for them."""
    sam = json.loads(sam_path.read_text(encoding="utf-8"))
    gateway.add_to_sam(sam)
    sam_path.write_text(json.dumps(sam, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def build(out_dir: str | os.PathLike[str]) -> Path:
    """``chalice package --stage prod`` into ``out_dir``, slimmed; returns the zip's path.

    Also writes ``out_dir/package.json``: the zip's size, what was stripped and
    which Chalice cache file was slimmed (so ``chalice deploy`` reuses it).
    Raises ``RuntimeError`` if the slimmed zip is still 20 MB or more.
    """
    out = Path(out_dir).resolve()
    run_chalice_package(out)
    zip_path = out / "deployment.zip"
    for _ in range(2):
        if _intact(zip_path):
            break
        # Chalice left a damaged package (seen while other heavy work ran beside it):
        # drop its cached copy and build afresh.
        chalice_cache_zip().unlink(missing_ok=True)
        run_chalice_package(out)
    else:
        if not _intact(zip_path):
            raise RuntimeError(f"chalice package produced a damaged zip three times: {zip_path}")
    add_gateway_responses(out / "sam.json")
    cache = _cache_copied_to(zip_path)
    removed = slim_zip(zip_path)
    compiled = add_bytecode(zip_path)
    if cache is not None:
        try:
            slim_zip(cache)
            add_bytecode(cache)
        except (FileNotFoundError, zipfile.BadZipFile):
            # Another run is rewriting it; chalice deploy then ships a full zip, which still works.
            cache = None
    size = zip_path.stat().st_size
    manifest = {
        "zip": str(zip_path),
        "zip_bytes": size,
        # Empty when Chalice reused a cache an earlier build had slimmed already.
        "stripped_runtime_provided": removed,
        "compiled_modules": compiled,
        "chalice_cache": str(cache) if cache is not None else None,
    }
    (out / "package.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    if size >= MAX_ZIP_BYTES:
        raise RuntimeError(f"{zip_path} is {size / 1e6:.1f} MB, over the {MAX_ZIP_BYTES / 1e6:.0f} MB budget")
    return zip_path


# -- proof that the package imports and serves -----------------------------------------

_SERVE = r"""
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
event = json.loads(sys.argv[3])

class Context:
    function_name = "jiangsu-hall-prod"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws-cn:lambda:cn-north-1:000000000000:function:jiangsu-hall-prod"
    memory_limit_in_mb = 1024
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/jiangsu-hall-prod"
    log_stream_name = "local"
    def get_remaining_time_in_millis(self):
        return 15000

import app
response = app.app(event, Context())
import botocore
origins = {name: getattr(sys.modules.get(name), "__file__", None) for name in ("app", "botocore", "pynamodb")}
print("\n" + json.dumps({"response": response, "origins": origins}, ensure_ascii=False))
"""


@dataclass(frozen=True)
class ServeResult:
    status: int
    headers: dict[str, str]
    body: str
    origins: dict[str, str | None]
    """Where ``app``, ``botocore`` and ``pynamodb`` were imported from."""
    secret_requests: list[str]
    """``<X-Amz-Target> <SecretId>`` of each call the app made to Secrets Manager."""
    output: str
    """The function's stdout (its log lines)."""


def _prod_environment() -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    return {**config.get("environment_variables", {}), **config["stages"][STAGE].get("environment_variables", {})}


class _SecretsManagerStandIn:
    """A local HTTP endpoint that answers Secrets Manager's GetSecretValue with one document.

    The prod stage reads its keys from Secrets Manager even to render a page
    (the CSRF token is keyed). Pointing the SDK here (``AWS_ENDPOINT_URL_SECRETS_MANAGER``)
    lets the check run the real prod code path, SDK call included, without AWS.
    """

    def __init__(self, document: dict) -> None:
        import http.server
        import threading

        self.requested: list[str] = []
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                request = json.loads(self.rfile.read(length) or b"{}")
                target = self.headers.get("X-Amz-Target", "")
                stand_in.requested.append(f"{target} {request.get('SecretId')}")
                body = json.dumps(
                    {
                        "ARN": "arn:aws-cn:secretsmanager:cn-north-1:000000000000:secret:stand-in",
                        "Name": request.get("SecretId"),
                        "VersionId": "00000000-0000-4000-8000-000000000000",
                        "SecretString": json.dumps(document),
                        "VersionStages": ["AWSCURRENT"],
                        "CreatedDate": 0,
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> _SecretsManagerStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _runtime_stand_in(directory: Path) -> None:
    """Link this venv's copies of what the Lambda runtime provides (and nothing else) into ``directory``."""
    import importlib.util

    for module in [m for names in RUNTIME_PROVIDED.values() for m in names] + ["six"]:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"{module} is not installed here: it stands in for the Lambda runtime's copy")
        source = Path(spec.origin)
        source = source.parent if source.name == "__init__.py" else source
        (directory / source.name).symlink_to(source)


def serve_from_zip(zip_path: Path, path: str = "/faq", python: str = sys.executable) -> ServeResult:
    """Unzip the package and call ``app.app(event, context)`` for ``GET path`` in a fresh interpreter.

    The interpreter runs with ``-S`` (no site-packages), so it sees only the
    zip, the standard library and a stand-in for the Lambda runtime: this
    venv's copies of exactly the packages :data:`RUNTIME_PROVIDED` names. The
    environment is the chalice prod stage's; the keys secret is served by a
    local Secrets Manager stand-in.
    """
    from chalicelib import crypto

    with tempfile.TemporaryDirectory(prefix="hall-package-") as tmp:
        task = Path(tmp) / "task"
        runtime = Path(tmp) / "runtime"
        runtime.mkdir()
        with zipfile.ZipFile(zip_path) as z:
            z.extractall(task)
        _runtime_stand_in(runtime)
        with _SecretsManagerStandIn(crypto.generate_keys_document()) as secrets_manager:
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "LANG": "C.UTF-8",
                "AWS_REGION": "cn-north-1",
                "AWS_DEFAULT_REGION": "cn-north-1",
                "AWS_ACCESS_KEY_ID": "packaged-import-check",
                "AWS_SECRET_ACCESS_KEY": "packaged-import-check",
                "AWS_LAMBDA_FUNCTION_NAME": "jiangsu-hall-prod",
                "AWS_ENDPOINT_URL_SECRETS_MANAGER": secrets_manager.url,
                # No X-Ray daemon here; the Tracer's import and decorators still run.
                "POWERTOOLS_TRACE_DISABLED": "true",
                **_prod_environment(),
            }
            # A fixed argv, no shell; the event is passed as data.
            completed = subprocess.run(  # noqa: S603
                [
                    python,
                    "-S",
                    "-c",
                    _SERVE,
                    str(task),
                    str(runtime),
                    json.dumps(proxy_event("GET", path, headers={"Accept": "text/html"})),
                ],
                cwd=task,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            requested = list(secrets_manager.requested)
        if completed.returncode != 0:
            raise RuntimeError(f"packaged app failed:\n{completed.stderr[-4000:]}")
        result = json.loads(completed.stdout.strip().splitlines()[-1])
        response = result["response"]
        origins = {k: (str(Path(v).resolve()) if v else None) for k, v in result["origins"].items()}
        return ServeResult(
            response["statusCode"], response.get("headers", {}), response["body"], origins, requested, completed.stdout
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.package", description="build the prod Lambda package")
    parser.add_argument("out_dir", nargs="?", default=str(ROOT / "build" / "package"))
    args = parser.parse_args(argv)
    zip_path = build(args.out_dir)
    served = serve_from_zip(zip_path)
    print(f"{zip_path}: {zip_path.stat().st_size / 1e6:.1f} MB; GET /faq from the package: {served.status}")
    print(f"SAM template: {zip_path.parent / 'sam.json'}")
    return 0 if served.status == 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())

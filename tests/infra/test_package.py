"""`chalice package --stage prod`, slimmed, is deployable, small, and serves a page on its own."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra import build, gateway, package

ROOT = build.ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("chalice-package")]


@pytest.fixture(scope="module")
def packaged(tmp_path_factory) -> Path:
    # One build for the module: chalice package takes up to a couple of minutes.
    return package.build(tmp_path_factory.mktemp("package") / "out")


@pytest.fixture(scope="module")
def sam(packaged) -> dict:
    return json.loads((packaged.parent / "sam.json").read_text(encoding="utf-8"))


def _top_levels(zip_path: Path) -> set[str]:
    with zipfile.ZipFile(zip_path) as z:
        return {name.split("/", 1)[0] for name in z.namelist()}


def test_zip_is_under_20_mb_and_ships_nothing_the_runtime_provides(packaged):
    assert packaged.stat().st_size < package.MAX_ZIP_BYTES
    tops = _top_levels(packaged)
    for runtime_module in ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3"):
        assert runtime_module not in tops
    assert not any(t.startswith(("botocore-", "boto3-", "python_dateutil-", "urllib3-")) for t in tops)
    # What the hall needs and the runtime lacks is there.
    assert {"app.py", "chalicelib", "chalice", "pynamodb", "aws_lambda_powertools", "argon2", "cryptography"} <= tops


def test_chalice_deploy_reuses_the_slimmed_package(packaged):
    # chalice deploy picks its cached zip by a hash of requirements and app files: the same one, slimmed.
    manifest = json.loads((packaged.parent / "package.json").read_text(encoding="utf-8"))
    cache = Path(manifest["chalice_cache"])
    assert cache.parent == ROOT / ".chalice" / "deployments"
    assert "botocore" not in _top_levels(cache)
    assert "pynamodb" in _top_levels(cache)


def test_the_packaged_function_imports_and_serves_the_faq_page(packaged):
    # GIVEN only the zip, the standard library and the runtime's SDK on sys.path, and the prod stage's env
    served = package.serve_from_zip(packaged, "/faq")
    # THEN GET /faq answers 200 with the Chinese page
    assert served.status == 200, served.output[-3000:]
    assert served.headers["Content-Type"].startswith("text/html")
    assert "个人常见问题" in served.body
    # AND the app came from the zip while botocore came from outside it (the runtime's copy)
    task_dir = Path(served.origins["app"]).parent
    assert Path(served.origins["pynamodb"]).is_relative_to(task_dir)
    assert not Path(served.origins["botocore"]).is_relative_to(task_dir)
    # AND the keys came from the secret the template creates, by the name the prod stage gives
    secret_name = build.build_template()["Outputs"]["KeysSecretName"]["Value"]["Fn::Sub"].replace(
        "${TablePrefix}", build.build_template()["Parameters"]["TablePrefix"]["Default"]
    )
    assert served.secret_requests == [f"secretsmanager.GetSecretValue {secret_name}"]


def test_the_check_fails_when_the_runtime_lacks_a_module_the_zip_dropped(packaged, tmp_path):
    # GIVEN the same zip without pynamodb (which the runtime does not provide)
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(packaged) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            if not info.filename.startswith("pynamodb/"):
                dst.writestr(info, src.read(info.filename))
    # THEN the import check reports it instead of finding the venv's copy
    with pytest.raises(RuntimeError, match="pynamodb"):
        package.serve_from_zip(broken, "/faq")


def test_prod_package_has_no_dev_routes(sam):
    paths = sam["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    assert "/faq" in paths and "/api/sessions" in paths
    assert [p for p in paths if p.startswith(("/dev", "/api/dev"))] == []


def test_sam_template_answers_what_api_gateway_refuses_in_the_error_shape(sam):
    # GIVEN the packaged REST API WHEN API Gateway answers by itself (no such route, throttling, ...)
    definition = sam["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    # THEN it answers with the hall's gateway responses (infra/gateway.py)
    assert definition[gateway.EXTENSION] == gateway.gateway_responses()


def test_sam_template_wires_the_prod_stage(sam):
    policy = json.loads((ROOT / ".chalice/policy-prod.json").read_text(encoding="utf-8"))
    functions = {k: v for k, v in sam["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}
    assert set(functions) == {"APIHandler", "LockoutCleanup", "AccountCancellations"}
    for function in functions.values():
        props = function["Properties"]
        assert props["Environment"]["Variables"]["HALL_STAGE"] == "prod"
        assert props["Tracing"] == "Active"
        role = sam["Resources"][props["Role"]["Fn::GetAtt"][0]]
        assert [p["PolicyDocument"] for p in role["Properties"]["Policies"]] == [policy]
    schedule = functions["LockoutCleanup"]["Properties"]["Events"]
    assert [e["Properties"]["Schedule"] for e in schedule.values()] == ["rate(15 minutes)"]
    daily = functions["AccountCancellations"]["Properties"]["Events"]
    assert [e["Properties"]["Schedule"] for e in daily.values()] == ["cron(0 18 * * ? *)"]


def test_sam_template_passes_cfn_lint(packaged):
    command = "import sys; from cfnlint.runner import main; sys.exit(main())"
    result = subprocess.run(
        [sys.executable, "-c", command, "--regions", "cn-north-1", "--", str(packaged.parent / "sam.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr

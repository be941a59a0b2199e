"""infra/template.json: generated from the models, lint-clean, and what the issue asks of each resource."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from chalicelib.store.models import ALL_MODELS
from infra import build, tables

ROOT = build.ROOT


@pytest.fixture(scope="module")
def template() -> dict:
    return json.loads(build.TEMPLATE_PATH.read_text(encoding="utf-8"))


# The hall runs in the China partition; us-east-1 keeps the template portable.
REGIONS = ["cn-north-1", "cn-northwest-1", "us-east-1"]


def _lint(path) -> subprocess.CompletedProcess:
    # cfn-lint's own command line, run by this venv's interpreter.
    command = "import sys; from cfnlint.runner import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", command, "--regions", *REGIONS, "--", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_committed_template_is_the_builders_output():
    # GIVEN the models and the chalice config as they are now
    # WHEN the builder renders the template
    # THEN it is byte for byte the committed file (else: python -m infra.build)
    assert build.TEMPLATE_PATH.read_text(encoding="utf-8") == build.render()


def test_template_passes_cfn_lint():
    result = _lint(build.TEMPLATE_PATH)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_cfn_lint_does_catch_a_broken_table(tmp_path, template):
    # GIVEN the template with an impossible billing mode
    broken = json.loads(json.dumps(template))
    broken["Resources"]["AccountsTable"]["Properties"]["BillingMode"] = "FREE_OF_CHARGE"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    # THEN the same lint run fails, so the test above is a real check
    result = _lint(path)
    assert result.returncode != 0
    assert "FREE_OF_CHARGE" in result.stdout


def test_every_model_has_exactly_one_table_with_the_required_protections(template):
    resources = template["Resources"]
    table_ids = {k for k, v in resources.items() if v["Type"] == "AWS::DynamoDB::Table"}
    assert table_ids == {tables.logical_id(m) for m in ALL_MODELS}
    for model in ALL_MODELS:
        table = resources[tables.logical_id(model)]
        props = table["Properties"]
        assert props["TableName"] == {"Fn::Sub": f"${{TablePrefix}}-{model.short_name}"}
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["DeletionProtectionEnabled"] is True
        assert props["SSESpecification"] == {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": {"Fn::GetAtt": ["HallKey", "Arn"]},
        }
        assert table["DeletionPolicy"] == "Retain"
        ttl = model._ttl_attribute()
        if ttl is None:
            assert "TimeToLiveSpecification" not in props
        else:
            assert props["TimeToLiveSpecification"] == {"AttributeName": ttl.attr_name, "Enabled": True}


def test_ttl_attributes_are_the_models_expiry_fields(template):
    # The models name their TTL attribute expires_at; a rename must show up here, not in production.
    ttl = {
        m.short_name: template["Resources"][tables.logical_id(m)]["Properties"].get("TimeToLiveSpecification")
        for m in ALL_MODELS
    }
    assert {name: spec["AttributeName"] for name, spec in ttl.items() if spec} == {
        "sessions": "expires_at",
        "flows": "expires_at",
        "lockouts": "expires_at",
        "audit_events": "expires_at",
        "idempotency": "expiration",  # Powertools Idempotency's own name for it
    }


def test_table_prefix_default_is_the_prod_stage_prefix(template):
    config = json.loads((ROOT / ".chalice/config.json").read_text(encoding="utf-8"))
    prod = config["stages"]["prod"]["environment_variables"]
    assert template["Parameters"]["TablePrefix"]["Default"] == prod["HALL_TABLE_PREFIX"]
    # The prod stage names the secret the template creates (a name is a valid SecretId).
    assert template["Resources"]["KeysSecret"]["Properties"]["Name"] == {"Fn::Sub": "${TablePrefix}/keys"}
    assert prod["HALL_KEYS_SECRET_ARN"] == f"{prod['HALL_TABLE_PREFIX']}/keys"


def test_secret_and_topic_are_encrypted_with_the_halls_key(template):
    resources = template["Resources"]
    assert resources["HallKey"]["Properties"]["EnableKeyRotation"] is True
    assert resources["KeysSecret"]["Properties"]["KmsKeyId"] == {"Ref": "HallKey"}
    assert resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "HallKey"}
    # The placeholder value is not a keys document: the app cannot start on it by accident.
    placeholder = json.loads(resources["KeysSecret"]["Properties"]["GenerateSecretString"]["SecretStringTemplate"])
    assert "mac" not in placeholder and "enc" not in placeholder


def _watched(alarm: dict) -> list[tuple[str, str, dict]]:
    props = alarm["Properties"]
    if "MetricName" in props:
        return [(props["Namespace"], props["MetricName"], {d["Name"]: d["Value"] for d in props["Dimensions"]})]
    return [
        (
            m["MetricStat"]["Metric"]["Namespace"],
            m["MetricStat"]["Metric"]["MetricName"],
            {d["Name"]: d["Value"] for d in m["MetricStat"]["Metric"]["Dimensions"]},
        )
        for m in props["Metrics"]
        if "MetricStat" in m
    ]


def test_alarms_cover_lockouts_sms_5xx_lambda_errors_and_throttling_of_every_table(template):
    alarms = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    watched = [w for a in alarms for w in _watched(a)]
    names = {(ns, metric) for ns, metric, _ in watched}
    assert ("JiangsuHall", "AccountLocked") in names
    assert ("JiangsuHall", "SmsCodeSent") in names
    assert ("AWS/ApiGateway", "5XXError") in names
    lambda_functions = {d["FunctionName"] for ns, m, d in watched if (ns, m) == ("AWS/Lambda", "Errors")}
    assert lambda_functions == {
        "jiangsu-hall-prod",
        "jiangsu-hall-prod-lockout-cleanup",
        "jiangsu-hall-prod-account-cancellations",
    }
    throttled_tables = {
        d["TableName"]["Ref"] for ns, m, d in watched if ns == "AWS/DynamoDB" and m.endswith("ThrottleEvents")
    }
    assert throttled_tables == {tables.logical_id(m) for m in ALL_MODELS}
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_outputs_give_the_prod_stage_what_it_needs(template):
    outputs = template["Outputs"]
    assert outputs["TablePrefix"]["Value"] == {"Ref": "TablePrefix"}
    assert outputs["KeysSecretArn"]["Value"] == {"Ref": "KeysSecret"}
    assert outputs["KeyAlias"]["Value"] == {"Ref": "HallKeyAlias"}
    for model in ALL_MODELS:
        assert outputs[f"{tables.logical_id(model)}Name"]["Value"] == {"Ref": tables.logical_id(model)}


def test_template_fits_a_deploy_through_the_artifact_bucket():
    # docs/deploy.md deploys through an artifact bucket (--s3-bucket): CloudFormation takes a
    # template of at most 1 MB from S3 (51,200 bytes inline, which eleven tables outgrew).
    assert build.TEMPLATE_PATH.stat().st_size <= 1_000_000
    assert "--s3-bucket" in (build.ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")

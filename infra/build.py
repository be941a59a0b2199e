"""Build infra/template.json: the hall's AWS resources that Chalice does not create.

    python -m infra.build           # write infra/template.json
    python -m infra.build --check   # exit 1 if the committed template is stale

Tables come from chalicelib/store/models.py (infra.tables), alarm names from
.chalice/config.json and app.py, so renaming a table, an index, the service or
a scheduled function changes the template and the test that compares the
committed file with this builder's output fails until it is regenerated.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from infra import alarms, tables

__all__ = ["ROOT", "STAGE", "TEMPLATE_PATH", "alarm_names", "build_template", "chalice_config", "main", "render"]

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "infra" / "template.json"
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"
STAGE = "prod"
KEY = "HallKey"


@lru_cache(maxsize=1)
def chalice_config() -> dict[str, Any]:
    return json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))


def _prod_env() -> dict[str, str]:
    config = chalice_config()
    return {**config.get("environment_variables", {}), **config["stages"][STAGE].get("environment_variables", {})}


def _scheduled_function_names() -> list[str]:
    """Names of app.py's extra Lambda functions (schedules), as Chalice registers them."""
    # app.py registers dev-only routes by HALL_STAGE; the schedules do not depend on it.
    os.environ.setdefault("HALL_STAGE", STAGE)
    from app import app

    return sorted(source.name for source in app.event_sources)


def alarm_names() -> alarms.AlarmNames:
    config = chalice_config()
    env = _prod_env()
    app_name = config["app_name"]
    # chalice deploy names the API handler <app>-<stage> and each other function <app>-<stage>-<name>.
    api_function = f"{app_name}-{STAGE}"
    functions = [("api", api_function)] + [(name, f"{api_function}-{name}") for name in _scheduled_function_names()]
    return alarms.AlarmNames(
        namespace=env["POWERTOOLS_METRICS_NAMESPACE"],
        service=env["POWERTOOLS_SERVICE_NAME"],
        api_name=app_name,
        api_stage=config["stages"][STAGE]["api_gateway_stage"],
        functions=tuple(functions),
    )


def _parameters() -> dict[str, Any]:
    return {
        "TablePrefix": {
            "Type": "String",
            "Default": _prod_env()["HALL_TABLE_PREFIX"],
            "AllowedPattern": "[a-z0-9][a-z0-9.-]{0,200}",
            "Description": "Tables are <prefix>-<name>; must equal HALL_TABLE_PREFIX of the chalice prod stage.",
        },
        "AlarmEmail": {
            "Type": "String",
            "Default": "",
            "Description": "Optional address subscribed to the alarm topic (it must confirm the subscription).",
        },
        "LockoutSpikeThreshold": {
            "Type": "Number",
            "Default": 20,
            "MinValue": 1,
            "Description": "Password lockouts in 5 minutes that raise the lockout-spike alarm.",
        },
        "SmsHourlyCeiling": {
            "Type": "Number",
            "Default": 1000,
            "MinValue": 1,
            "Description": "SMS codes per hour above which the SMS-pumping alarm fires.",
        },
        "ApiErrorRateThreshold": {
            "Type": "Number",
            "Default": 0.05,
            "MinValue": 0,
            "MaxValue": 1,
            "Description": "Share of API requests answered 5xx over 5 minutes that raises the alarm.",
        },
        "LogRetentionDays": {
            "Type": "Number",
            "Default": 180,
            "AllowedValues": [30, 60, 90, 180, 365, 731, 1827, 3653],
            "Description": "How long the functions' logs (masked values only) are kept.",
        },
        "DynamoDbThrottleThreshold": {
            "Type": "Number",
            "Default": 5,
            "MinValue": 1,
            "Description": "Throttle events per table (and its indexes) in 5 minutes that raise the alarm.",
        },
    }


def _key() -> dict[str, Any]:
    return {
        "Type": "AWS::KMS::Key",
        # Deleting the key would make every table, backup and the keys secret unreadable.
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "Description": "Jiangsu hall: encrypts the DynamoDB tables, the keys secret and the alarm topic.",
            "EnableKeyRotation": True,
            "PendingWindowInDays": 30,
            "KeyPolicy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        # Who may use the key is then decided by IAM policies (.chalice/policy-prod.json).
                        "Sid": "AccountManagesAccessThroughIam",
                        "Effect": "Allow",
                        "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
                        "Action": "kms:*",
                        "Resource": "*",
                    },
                    {
                        # CloudWatch publishes alarms to the encrypted topic as itself, not as a role.
                        "Sid": "CloudWatchAlarmsPublishToEncryptedTopic",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudwatch.amazonaws.com"},
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                        "Resource": "*",
                    },
                ],
            },
            "Tags": [{"Key": "hall:purpose", "Value": "data-at-rest"}],
        },
    }


def _resources(names: alarms.AlarmNames) -> dict[str, Any]:
    resources: dict[str, Any] = {
        KEY: _key(),
        "HallKeyAlias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": {"Fn::Sub": "alias/${TablePrefix}"}, "TargetKeyId": {"Ref": KEY}},
        },
        "KeysSecret": {
            "Type": "AWS::SecretsManager::Secret",
            # The MAC key is the only way to find an account by ID number or phone: never drop it.
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Name": {"Fn::Sub": "${TablePrefix}/keys"},
                "Description": "The hall's keys document (MAC key, versioned encryption keys, platform secrets).",
                "KmsKeyId": {"Ref": KEY},
                # CloudFormation needs some value; this placeholder has no "mac" key, so the
                # app refuses to start on it until the operator puts the real document.
                "GenerateSecretString": {
                    "SecretStringTemplate": json.dumps(
                        {"unset": "put the output of `python -m chalicelib.ops keys generate` (docs/deploy.md)"}
                    ),
                    "GenerateStringKey": "placeholder",
                    "PasswordLength": 16,
                    "ExcludePunctuation": True,
                },
            },
        },
        alarms.TOPIC: {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": {"Fn::Sub": "${TablePrefix}-alarms"},
                "DisplayName": "Jiangsu hall alarms",
                "KmsMasterKeyId": {"Ref": KEY},
            },
        },
        "AlarmEmailSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Condition": "HasAlarmEmail",
            "Properties": {"TopicArn": {"Ref": alarms.TOPIC}, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}},
        },
    }
    for model in tables.all_models():
        resources[tables.logical_id(model)] = tables.table_resource(model, alarms.PREFIX, KEY)
    for label, function_name in names.functions:
        # Created here, before `chalice deploy`, so Lambda writes into a group with a retention
        # (Chalice's own log_retention_in_days emits a broken reference in `chalice package`).
        resources["".join(p.capitalize() for p in label.split("-")) + "LogGroup"] = {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "LogGroupName": f"/aws/lambda/{function_name}",
                "RetentionInDays": {"Ref": "LogRetentionDays"},
            },
        }
    resources.update(alarms.alarms(names, tables.all_models()))
    return resources


def _outputs() -> dict[str, Any]:
    outputs: dict[str, Any] = {
        "TablePrefix": {"Description": "HALL_TABLE_PREFIX of the chalice prod stage", "Value": {"Ref": "TablePrefix"}},
        "KeysSecretArn": {
            "Description": "HALL_KEYS_SECRET_ARN of the chalice prod stage",
            "Value": {"Ref": "KeysSecret"},
        },
        "KeysSecretName": {"Description": "The keys secret's name", "Value": {"Fn::Sub": "${TablePrefix}/keys"}},
        "KeyArn": {"Description": "The hall's KMS key", "Value": {"Fn::GetAtt": [KEY, "Arn"]}},
        "KeyAlias": {"Description": "Alias the IAM policy grants the key by", "Value": {"Ref": "HallKeyAlias"}},
        "AlarmTopicArn": {"Description": "Subscribe on-call here", "Value": {"Ref": alarms.TOPIC}},
    }
    for model in tables.all_models():
        logical = tables.logical_id(model)
        outputs[f"{logical}Name"] = {"Description": f"The {model.short_name} table", "Value": {"Ref": logical}}
    return outputs


def build_template() -> dict[str, Any]:
    names = alarm_names()
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            "Jiangsu HR & Social Security online service hall: DynamoDB tables, KMS key, keys secret, alarms. "
            "Generated by `python -m infra.build` from chalicelib/store/models.py; do not edit by hand."
        ),
        "Parameters": _parameters(),
        "Conditions": {"HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}},
        "Resources": _resources(names),
        "Outputs": _outputs(),
    }


def render() -> str:
    # One space per level: still one key per line for review, and a quarter smaller than two
    # (docs/deploy.md deploys it through an artifact bucket: CloudFormation's 1 MB limit).
    return json.dumps(build_template(), indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.build", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if infra/template.json is not up to date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = TEMPLATE_PATH.read_text(encoding="utf-8") if TEMPLATE_PATH.exists() else ""
        if current != text:
            print("infra/template.json is stale: run `python -m infra.build`", file=sys.stderr)
            return 1
        print("infra/template.json is up to date")
        return 0
    TEMPLATE_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {TEMPLATE_PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

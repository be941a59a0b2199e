"""DynamoDB table resources, derived from the PynamoDB models.

chalicelib/store/models.py is the only place a key, index or TTL attribute is
written down. Local stacks create tables from the models directly
(``Model.create_table``); this module turns the same ``_get_schema()`` and TTL
attribute into CloudFormation, so the two cannot disagree.
"""

from __future__ import annotations

from typing import Any

from chalicelib.store.models import ALL_MODELS, HallModel

__all__ = ["all_models", "logical_id", "table_resource", "table_schema", "ttl_attribute_name"]

_KEY_ORDER = {"HASH": 0, "RANGE": 1}


def all_models() -> tuple[type[HallModel], ...]:
    return ALL_MODELS


def logical_id(model: type[HallModel]) -> str:
    """``audit_events`` → ``AuditEventsTable``."""
    return "".join(part.capitalize() for part in model.short_name.split("_")) + "Table"


def ttl_attribute_name(model: type[HallModel]) -> str | None:
    attribute = model._ttl_attribute()
    return attribute.attr_name if attribute is not None else None


def _key_schema(elements: list[dict[str, str]]) -> list[dict[str, str]]:
    # DynamoDB requires HASH before RANGE; PynamoDB lists index keys in attribute order.
    return [
        {"AttributeName": e["AttributeName"], "KeyType": e["KeyType"]}
        for e in sorted(elements, key=lambda e: _KEY_ORDER[e["KeyType"]])
    ]


def _projection(projection: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"ProjectionType": projection["ProjectionType"]}
    if projection.get("NonKeyAttributes"):
        out["NonKeyAttributes"] = sorted(projection["NonKeyAttributes"])
    return out


def table_schema(model: type[HallModel]) -> dict[str, Any]:
    """Keys, attribute definitions, indexes and TTL of a model, in CloudFormation's spelling.

    Lists are sorted so that the template is stable and comparable with what
    DescribeTable reports.
    """
    schema = model._get_schema()
    shape: dict[str, Any] = {
        "AttributeDefinitions": sorted(
            (
                {"AttributeName": d["AttributeName"], "AttributeType": d["AttributeType"]}
                for d in schema["attribute_definitions"]
            ),
            key=lambda d: d["AttributeName"],
        ),
        "KeySchema": _key_schema(schema["key_schema"]),
    }
    gsis = [
        {
            "IndexName": index["index_name"],
            "KeySchema": _key_schema(index["key_schema"]),
            "Projection": _projection(index["projection"]),
        }
        for index in sorted(schema["global_secondary_indexes"], key=lambda i: i["index_name"])
    ]
    if gsis:
        shape["GlobalSecondaryIndexes"] = gsis
    lsis = [
        {
            "IndexName": index["index_name"],
            "KeySchema": _key_schema(index["key_schema"]),
            "Projection": _projection(index["projection"]),
        }
        for index in sorted(schema["local_secondary_indexes"], key=lambda i: i["index_name"])
    ]
    if lsis:
        shape["LocalSecondaryIndexes"] = lsis
    ttl = ttl_attribute_name(model)
    if ttl:
        shape["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    return shape


def table_resource(model: type[HallModel], prefix_parameter: str, key_logical_id: str) -> dict[str, Any]:
    """The AWS::DynamoDB::Table for a model: on demand, PITR, deletion protection, KMS."""
    return {
        "Type": "AWS::DynamoDB::Table",
        # Citizen accounts and audit trails must survive a stack deletion or a replacement.
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "TableName": {"Fn::Sub": f"${{{prefix_parameter}}}-{model.short_name}"},
            "BillingMode": "PAY_PER_REQUEST",
            **table_schema(model),
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "DeletionProtectionEnabled": True,
            "SSESpecification": {
                "SSEEnabled": True,
                "SSEType": "KMS",
                "KMSMasterKeyId": {"Fn::GetAtt": [key_logical_id, "Arn"]},
            },
            "Tags": [{"Key": "hall:table", "Value": model.short_name}],
        },
    }

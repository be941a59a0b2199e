"""The tables the local stack creates (from the models) are the tables the template declares."""

from __future__ import annotations

import json
import os

import boto3
import pytest

from chalicelib import settings
from chalicelib.store import tables as store_tables
from chalicelib.store.models import ALL_MODELS
from infra import build, tables


@pytest.fixture(scope="module")
def template() -> dict:
    return json.loads(build.TEMPLATE_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def dynamodb_client():
    return boto3.client("dynamodb", endpoint_url=os.environ["HALL_DYNAMODB_ENDPOINT"], region_name="cn-north-1")


def _keys(elements: list[dict]) -> list[tuple[str, str]]:
    return sorted(((e["AttributeName"], e["KeyType"]) for e in elements), key=lambda k: k[1])


def _indexes(indexes: list[dict]) -> dict[str, tuple]:
    return {
        i["IndexName"]: (
            _keys(i["KeySchema"]),
            i["Projection"]["ProjectionType"],
            sorted(i["Projection"].get("NonKeyAttributes", [])),
        )
        for i in indexes
    }


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.short_name)
def test_local_table_matches_the_template(model, template, dynamodb_client):
    # GIVEN the tables the test harness created from the models on DynamoDB Local
    store_tables.ready()
    name = settings.get().table_name(model.short_name)
    assert model.Meta.table_name == name
    declared = template["Resources"][tables.logical_id(model)]["Properties"]

    # WHEN DynamoDB describes the local table
    described = dynamodb_client.describe_table(TableName=name)["Table"]
    ttl = dynamodb_client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]

    # THEN keys, attribute definitions, indexes and TTL are the template's
    assert _keys(described["KeySchema"]) == _keys(declared["KeySchema"])
    assert sorted((a["AttributeName"], a["AttributeType"]) for a in described["AttributeDefinitions"]) == sorted(
        (a["AttributeName"], a["AttributeType"]) for a in declared["AttributeDefinitions"]
    )
    assert _indexes(described.get("GlobalSecondaryIndexes", [])) == _indexes(declared.get("GlobalSecondaryIndexes", []))
    assert _indexes(described.get("LocalSecondaryIndexes", [])) == _indexes(declared.get("LocalSecondaryIndexes", []))
    if "TimeToLiveSpecification" in declared:
        assert ttl["TimeToLiveStatus"] == "ENABLED"
        assert ttl["AttributeName"] == declared["TimeToLiveSpecification"]["AttributeName"]
    else:
        assert ttl["TimeToLiveStatus"] == "DISABLED"


def test_the_comparison_sees_a_difference(template, dynamodb_client):
    # GIVEN a table created by hand with the sessions keys but without its index and TTL
    name = settings.get().table_name("drifted")
    dynamodb_client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "token_hash", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "token_hash", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    described = dynamodb_client.describe_table(TableName=name)["Table"]
    declared = template["Resources"]["SessionsTable"]["Properties"]
    # THEN the index comparison used above reports it
    assert _keys(described["KeySchema"]) == _keys(declared["KeySchema"])
    assert _indexes(described.get("GlobalSecondaryIndexes", [])) != _indexes(declared["GlobalSecondaryIndexes"])
    ttl = dynamodb_client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "DISABLED"

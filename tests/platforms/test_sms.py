"""SMS delivery (chalicelib/platforms/sms.py): the AWS adapter's request, and the dev outbox."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from chalicelib.platforms import sms
from chalicelib.platforms.sms import AwsSmsSender, Outbox, OutboxSmsSender

PHONE = "13800005678"
MASKED = "138****5678"
TEXT = "【江苏人社】您的注册验证码为012345，5分钟内有效。如非本人操作，请忽略本短信。"


@pytest.fixture
def sms_client():
    # A real botocore client (its request model validates our parameters); Stubber stands in for AWS.
    client = boto3.client(
        "pinpoint-sms-voice-v2",
        region_name="cn-north-1",
        aws_access_key_id="dummy",
        aws_secret_access_key="dummy",
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


# -- AWS End User Messaging SMS -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("origination_identity", "sender_id", "expected_identity"),
    [
        ("pool-0123456789abcdef", "JSHRSS", "pool-0123456789abcdef"),  # a pool wins over a bare sender id
        (None, "JSHRSS", "JSHRSS"),  # a registered sender ID is itself an origination identity
        ("pool-0123456789abcdef", None, "pool-0123456789abcdef"),
    ],
)
def test_the_aws_sender_sends_a_transactional_text_to_the_86_number(
    monkeypatch, sms_client, origination_identity, sender_id, expected_identity
):
    # GIVEN the prod settings for origination
    for name, value in (("HALL_SMS_ORIGINATION_IDENTITY", origination_identity), ("HALL_SMS_SENDER_ID", sender_id)):
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    client, stubber = sms_client
    stubber.add_response(
        "send_text_message",
        {"MessageId": "msg-1"},
        expected_params={
            "DestinationPhoneNumber": "+8613800005678",
            "MessageBody": TEXT,
            "MessageType": "TRANSACTIONAL",
            "OriginationIdentity": expected_identity,
        },
    )
    # WHEN a code message is sent THEN exactly this SendTextMessage request goes out (the stubber checks it)
    AwsSmsSender(client).send(PHONE, TEXT)


def test_without_origination_settings_aws_picks_the_identity(monkeypatch, sms_client):
    monkeypatch.delenv("HALL_SMS_ORIGINATION_IDENTITY", raising=False)
    monkeypatch.delenv("HALL_SMS_SENDER_ID", raising=False)
    client, stubber = sms_client
    stubber.add_response(
        "send_text_message",
        {"MessageId": "msg-2"},
        expected_params={
            "DestinationPhoneNumber": "+8613800005678",
            "MessageBody": TEXT,
            "MessageType": "TRANSACTIONAL",
        },
    )
    AwsSmsSender(client).send(PHONE, TEXT)


def test_a_provider_refusal_is_not_swallowed(sms_client):
    # The caller must not tell the citizen a code was sent when AWS refused it.
    client, stubber = sms_client
    stubber.add_client_error("send_text_message", service_error_code="ThrottlingException", http_status_code=400)
    with pytest.raises(ClientError):
        AwsSmsSender(client).send(PHONE, TEXT)


def test_the_aws_client_is_built_for_the_configured_region(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "cn-northwest-1")
    client = AwsSmsSender()._sms()
    assert client.meta.service_model.service_name == "pinpoint-sms-voice-v2"
    assert client.meta.region_name == "cn-northwest-1"


# -- the dev outbox --------------------------------------------------------------------------------


def test_the_outbox_prints_and_records_the_message_with_the_phone_masked(tmp_path, capsys):
    # GIVEN the dev outbox
    box = Outbox(str(tmp_path / "outbox.jsonl"))
    # WHEN a message is sent
    OutboxSmsSender(box).send(PHONE, TEXT)
    # THEN the console shows the masked phone and the text, and never the phone itself
    printed = capsys.readouterr().out
    assert MASKED in printed and TEXT in printed
    assert PHONE not in printed
    # AND the outbox lists it with the masked phone; the file never holds the raw number
    [entry] = box.entries()
    assert (entry["kind"], entry["to"], entry["text"]) == ("sms", MASKED, TEXT)
    assert PHONE not in (tmp_path / "outbox.jsonl").read_text(encoding="utf-8")


def test_outbox_entries_are_newest_first_and_filtered_by_kind(tmp_path):
    box = Outbox(str(tmp_path / "outbox.jsonl"))
    sender = OutboxSmsSender(box)
    for i in range(3):
        sender.send(PHONE, f"message {i}")
    box.append({"kind": "captcha", "captcha_id": "c1", "answer": "AB3D"})
    assert [e["text"] for e in box.entries(kind="sms")] == ["message 2", "message 1", "message 0"]
    assert [e["kind"] for e in box.entries()] == ["captcha", "sms", "sms", "sms"]
    assert len(box.entries(limit=2)) == 2


def test_an_empty_outbox_lists_nothing(tmp_path):
    assert Outbox(str(tmp_path / "missing.jsonl")).entries() == []


def test_a_phones_messages_are_found_by_a_keyed_tag_not_the_number(tmp_path):
    box = Outbox(str(tmp_path / "outbox.jsonl"))
    OutboxSmsSender(box).send(PHONE, TEXT)
    OutboxSmsSender(box).send("13900005678", "other")  # same mask, other phone
    tags = [e["to_tag"] for e in box.entries()]
    assert tags == [sms.outbox_tag("13900005678"), sms.outbox_tag(PHONE)]
    assert tags[0] != tags[1]
    assert PHONE not in tags[1]


# -- choosing by settings, and the dev-only outbox ----------------------------------------------


def test_the_outbox_sender_writes_where_the_settings_say(monkeypatch, tmp_path):
    path = tmp_path / "dev" / "outbox.jsonl"
    monkeypatch.setenv("HALL_STAGE", "dev")
    monkeypatch.setenv("HALL_SMS_PROVIDER", "outbox")
    monkeypatch.setenv("HALL_OUTBOX_PATH", str(path))
    chosen = sms.sender()
    assert isinstance(chosen, OutboxSmsSender)
    chosen.send(PHONE, TEXT)
    assert sms.outbox().entries()[0]["text"] == TEXT
    assert path.exists()


def test_the_aws_sender_is_chosen_by_settings(monkeypatch):
    monkeypatch.setenv("HALL_SMS_PROVIDER", "aws")
    assert isinstance(sms.sender(), AwsSmsSender)


def test_the_outbox_exists_only_in_the_dev_stage(monkeypatch):
    # GIVEN the prod stage
    monkeypatch.setenv("HALL_STAGE", "prod")
    # WHEN anything asks for the outbox, or for an outbox sender THEN it is refused
    with pytest.raises(RuntimeError, match="dev stage"):
        sms.outbox()
    monkeypatch.setenv("HALL_SMS_PROVIDER", "outbox")
    with pytest.raises(RuntimeError, match="dev stage"):
        sms.sender()

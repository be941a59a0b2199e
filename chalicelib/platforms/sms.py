"""SMS delivery: AWS End User Messaging SMS in prod, a local outbox in dev.

The outbox is a dev-stage display, not a log: each message is printed to the
console and appended to a JSON-lines file that /dev/outbox lists, newest first,
with the phone masked next to the message text.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Protocol

from chalicelib import clock, settings
from chalicelib.domain.masking import mask_phone

__all__ = ["AwsSmsSender", "Outbox", "OutboxSmsSender", "SmsSender", "outbox", "sender"]


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Deliver ``text`` to a mainland mobile number (11 digits)."""


class AwsSmsSender:
    """AWS End User Messaging SMS (pinpoint-sms-voice-v2) via boto3."""

    def __init__(self, client=None) -> None:
        self._client = client

    def _sms(self):
        if self._client is None:
            import boto3

            self._client = boto3.client("pinpoint-sms-voice-v2", region_name=settings.get().region)
        return self._client

    def send(self, phone: str, text: str) -> None:
        cfg = settings.get()
        request = {
            "DestinationPhoneNumber": f"+86{phone}",
            "MessageBody": text,
            "MessageType": "TRANSACTIONAL",
        }
        # In End User Messaging SMS a registered sender ID *is* an origination identity
        # (there is no separate SenderId field; ``Context`` is free-form log data), so
        # the sender ID is used when no phone pool/number is configured.
        origination = cfg.sms_origination_identity or cfg.sms_sender_id
        if origination:
            request["OriginationIdentity"] = origination
        self._sms().send_text_message(**request)


class Outbox:
    """The dev stage's record of what would have been sent (and captcha answers)."""

    _lock = threading.Lock()

    def __init__(self, path: str) -> None:
        self.path = path

    def append(self, entry: dict) -> None:
        entry = {"at": clock.now().isoformat(), **entry}
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        with self._lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def entries(self, kind: str | None = None, limit: int = 50) -> list[dict]:
        """Newest first."""
        try:
            with open(self.path, encoding="utf-8") as f:
                lines = f.readlines()
        except FileNotFoundError:
            return []
        found = []
        for line in reversed(lines):
            entry = json.loads(line)
            if kind is None or entry.get("kind") == kind:
                found.append(entry)
                if len(found) >= limit:
                    break
        return found


class OutboxSmsSender:
    def __init__(self, box: Outbox) -> None:
        self.box = box

    def send(self, phone: str, text: str) -> None:
        masked = mask_phone(phone)
        # The console display is the point of the dev outbox; it shows the masked phone.
        print(f"[dev outbox] SMS to {masked}: {text}", flush=True)
        self.box.append({"kind": "sms", "to": masked, "to_tag": _tag(phone), "text": text})


def _tag(phone: str) -> str:
    """A stable, non-reversible tag so tests can pick a phone's messages without storing it."""
    from chalicelib import crypto

    return crypto.mac("outbox", phone)[:16]


def outbox() -> Outbox:
    cfg = settings.get()
    if not cfg.is_dev:
        raise RuntimeError("the outbox exists only in the dev stage")
    return Outbox(cfg.outbox_path)


def outbox_tag(phone: str) -> str:
    return _tag(phone)


_SENDERS = {
    "aws": lambda: AwsSmsSender(),
    "outbox": lambda: OutboxSmsSender(outbox()),
}


def sender() -> SmsSender:
    return _SENDERS[settings.get().sms_provider]()

"""Writes one repository prepares for another's transaction.

A login method may need writes to commit together with the session that the
login flow opens (forget a failure streak, give back a reserved try, mark a QR
record collected). The method asks its repository for a :class:`Write`, hands it
to the flow as an opaque value, and the session's repository adds it to its one
``TransactWriteItems``. Flows never see PynamoDB models or conditions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Write", "delete", "put", "update"]


@dataclass(frozen=True)
class Write:
    op: str  # "put", "delete" or "update"
    model: Any
    actions: list = field(default_factory=list)
    condition: Any = None

    def add_to(self, tx) -> None:
        if self.op == "put":
            tx.save(self.model, condition=self.condition)
        elif self.op == "delete":
            tx.delete(self.model, condition=self.condition)
        else:
            tx.update(self.model, actions=self.actions, condition=self.condition)


def put(model, condition=None) -> Write:
    return Write("put", model, condition=condition)


def delete(model, condition=None) -> Write:
    return Write("delete", model, condition=condition)


def update(model, actions: list, condition=None) -> Write:
    return Write("update", model, actions=actions, condition=condition)

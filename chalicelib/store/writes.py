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

__all__ = ["Write", "check", "delete", "put", "update"]


@dataclass(frozen=True)
class Write:
    op: str  # "put", "delete", "update" or "check"
    model: Any
    actions: list = field(default_factory=list)
    condition: Any = None
    # What the write is, for a repository that must tell which of its transaction's items
    # failed its condition (accounts.create names a held link claim "link").
    label: str = ""

    def add_to(self, tx) -> None:
        if self.op == "put":
            tx.save(self.model, condition=self.condition)
        elif self.op == "delete":
            tx.delete(self.model, condition=self.condition)
        elif self.op == "check":
            model_class = type(self.model)
            tx.condition_check(model_class, getattr(self.model, model_class._hash_keyname), condition=self.condition)
        else:
            # A copy: PynamoDB appends a versioned model's version action to the list it is
            # given, and a transaction retried after a conflict adds the same Write again.
            tx.update(self.model, actions=list(self.actions), condition=self.condition)


def put(model, condition=None, label: str = "") -> Write:
    return Write("put", model, condition=condition, label=label)


def delete(model, condition=None, label: str = "") -> Write:
    return Write("delete", model, condition=condition, label=label)


def update(model, actions: list, condition=None, label: str = "") -> Write:
    return Write("update", model, actions=actions, condition=condition, label=label)


def check(model, condition, label: str = "") -> Write:
    """A condition on an item the transaction does not change (ConditionCheck): it must hold
    for the transaction to commit."""
    return Write("check", model, condition=condition, label=label)

"""Platform adapters talk to their local counterparts, never to DynamoDB: no tables here."""

from __future__ import annotations

from tests.no_tables import tables  # noqa: F401 - replaces the root fixture here

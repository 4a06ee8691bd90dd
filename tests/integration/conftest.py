"""Fixtures of the integration tier: a whole ingest world per engine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from worlds import World, world_on


@pytest.fixture
def world(history_table: Any) -> Iterator[World]:
    """Runs the test on each engine: moto, then DynamoDB Local."""
    with world_on(history_table) as created:
        yield created


@pytest.fixture
def local_world(ddb_local_table: Any) -> Iterator[World]:
    """DynamoDB Local only: moto applies a transaction item by item, so threads can interleave inside it."""
    with world_on(ddb_local_table) as created:
        yield created

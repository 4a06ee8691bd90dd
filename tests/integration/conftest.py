"""Fixtures of the integration tier: a whole ingest world per engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import pytest
from jobtrail_cli import render
from rich.console import Console
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


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], StringIO]:
    """Points the CLI's tables at a terminal of the given width; returns what it prints."""

    def at_width(width: int) -> StringIO:
        printed = StringIO()
        monkeypatch.setattr(render, "console", Console(file=printed, width=width, color_system=None))
        return printed

    return at_width

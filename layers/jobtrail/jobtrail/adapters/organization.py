"""The organization's active accounts (``organizations:ListAccounts``): the ``MemberAccounts`` port, for a
stack whose members are a whole organization (``OrganizationId`` without ``MemberAccountIds``).

The list is kept for ``TTL``; an account not in it is looked up again at most once per
``UNKNOWN_RECHECK`` (an account that just joined is admitted without waiting for the TTL, and a flood of
events from a stranger costs one listing a minute). Only ``ACTIVE`` accounts count (``State``, or the
older ``Status``). The call needs the management account or a delegated administrator. A read that fails
after a good one keeps the accounts read before (an Organizations outage must not park every member's
events) and is tried again after ``UNKNOWN_RECHECK``; with nothing read yet, it propagates, so the record
is retried, then parked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from botocore.config import Config

TTL: Final = timedelta(minutes=15)
UNKNOWN_RECHECK: Final = timedelta(minutes=1)
#: organizations is a global service with its endpoint in us-east-1 (aws partition).
CLIENT_CONFIG: Final = Config(
    retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=10
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class OrganizationAccounts:
    """The ``MemberAccounts`` port on AWS Organizations."""

    def __init__(self, client: Any, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._client = client
        self._clock = clock
        self._accounts: frozenset[str] | None = None
        self._read_at: datetime | None = None
        self._lock = threading.Lock()
        self.list_calls = 0
        self.read_failures = 0
        self.read_failures = 0

    def accounts(self) -> frozenset[str]:
        """The organization's active accounts (listed at most once per ``TTL``)."""
        with self._lock:
            now = self._clock()
            if self._accounts is None or self._read_at is None or now - self._read_at >= TTL:
                self._read(now)
            assert self._accounts is not None
            return self._accounts

    def includes(self, account: str) -> frozenset[str]:
        """The active accounts, read again first if ``account`` is not among them and the last read is
        older than ``UNKNOWN_RECHECK``."""
        accounts = self.accounts()
        with self._lock:
            now = self._clock()
            if (
                account not in accounts
                and self._read_at is not None
                and now - self._read_at >= UNKNOWN_RECHECK
            ):
                self._read(now)
            assert self._accounts is not None
            return self._accounts

    def _read(self, now: datetime) -> None:
        self.list_calls += 1
        found: set[str] = set()
        try:
            for page in self._client.get_paginator("list_accounts").paginate():
                for account in page.get("Accounts", ()):
                    if (account.get("State") or account.get("Status")) == "ACTIVE":
                        found.add(account["Id"])
        except Exception:
            if self._accounts is None:
                raise
            # The accounts read before stand (``read_failures`` counts the misses); asked again after
            # UNKNOWN_RECHECK, not at every event.
            self.read_failures += 1
            self._read_at = now - TTL + UNKNOWN_RECHECK
            return
        self._accounts = frozenset(found)
        self._read_at = now

"""Reaching a member account: its read-only role's credentials, and AWS clients per (service, place).

- ``MemberCredentials``: one ``sts:AssumeRole`` per member account per credential lifetime. The
  credentials are kept until ``REFRESH_BEFORE`` their expiry (then assumed again), so a container asks
  once an hour per account, not once per event. A role that cannot be assumed (denied, missing, a
  region or account STS refuses) raises ``MemberAccessFailed``, and is not asked again for
  ``FAILURE_COOL_DOWN``: a batch of events from a broken account costs one call, and each record
  fails (then is retried by SQS, then parked), never dropped. Throttling and server errors are
  botocore's to retry; what still fails propagates as it is.
- ``PlaceClients``: clients on the function's one boto3 session (botocore's loaders stay shared), with
  the function's own credentials in its home account (any region), a member's assumed-role credentials
  otherwise. A member's client is made again only when its credentials were renewed.
- ``ClientAt``: a client for one (service, place) that asks ``PlaceClients`` at each call, so that an
  adapter holding it (``SageMakerJobs``, ``CloudWatchJobLogs``) always uses live credentials.

The session name is the function's (``jobtrail-ingest``…), so the member's CloudTrail says who read.
The secret parts of the credentials are handed to botocore only: never logged, never in an error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import msgspec
from botocore.config import Config
from botocore.exceptions import ClientError

from jobtrail.core.organization import Place, PlaceUnreachable

#: The longest session a role assumed from a Lambda function's own role session may ask for (IAM caps
#: role chaining at one hour).
SESSION_SECONDS: Final = 3600
#: Credentials are assumed again this long before they expire (outlasts a function's 5-minute run).
REFRESH_BEFORE: Final = timedelta(minutes=10)
#: A role that could not be assumed is not asked again for this long (per container).
FAILURE_COOL_DOWN: Final = timedelta(seconds=60)
#: STS answers that say the role cannot be assumed now (not transient): remembered for the cool-down.
_REFUSALS: Final = frozenset(
    {"AccessDenied", "AccessDeniedException", "RegionDisabledException", "ExpiredTokenException"}
)
#: The STS client: regional endpoint, botocore's standard retries.
STS_CLIENT_CONFIG: Final = Config(
    retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=10
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class RoleCredentials(msgspec.Struct, frozen=True):
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime

    def __repr__(self) -> str:  # never the secret parts
        return f"RoleCredentials({self.access_key_id[:4]}…, expires {self.expiration.isoformat()})"


class MemberAccessFailed(PlaceUnreachable):
    """A member account's role could not be assumed: one line naming the account, the role and STS's
    code (never a credential)."""

    def __init__(self, account: str, role_arn: str, code: str, message: str = "") -> None:
        detail = f": {message.splitlines()[0][:200]}" if message else ""
        super().__init__(f"account {account}: {code} assuming {role_arn}{detail}")
        self.account = account
        self.role_arn = role_arn
        self.code = code


class MemberCredentials:
    """Assumed-role credentials per member account, cached until ``refresh_before`` their expiry.

    ``role_arn_for(account)`` names the role (``core.organization.Organization.role_arn``).
    ``assume_role_calls`` counts the calls made (the bench reports it)."""

    def __init__(
        self,
        sts: Any,
        role_arn_for: Callable[[str], str | None],
        session_name: str,
        *,
        duration_seconds: int = SESSION_SECONDS,
        refresh_before: timedelta = REFRESH_BEFORE,
        failure_cool_down: timedelta = FAILURE_COOL_DOWN,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sts = sts
        self._role_arn_for = role_arn_for
        self._session_name = session_name[:64]
        self._duration = duration_seconds
        self._refresh_before = refresh_before
        self._cool_down = failure_cool_down
        self._clock = clock
        self._held: dict[str, RoleCredentials] = {}
        self._refused: dict[str, tuple[datetime, MemberAccessFailed]] = {}
        self._lock = threading.Lock()
        self.assume_role_calls = 0

    def for_account(self, account: str) -> RoleCredentials:
        """The account's live credentials: held ones, or newly assumed. Raises ``MemberAccessFailed``."""
        with self._lock:
            now = self._clock()
            held = self._held.get(account)
            if held is not None and now < held.expiration - self._refresh_before:
                return held
            refused = self._refused.get(account)
            if refused is not None and now < refused[0]:
                raise refused[1]
            credentials = self._assume(account, now)
            self._held[account] = credentials
            self._refused.pop(account, None)
            return credentials

    def _assume(self, account: str, now: datetime) -> RoleCredentials:
        role_arn = self._role_arn_for(account)
        if role_arn is None:
            raise ValueError(f"account {account} is reached with the function's own credentials")
        self.assume_role_calls += 1
        try:
            answer = self._sts.assume_role(
                RoleArn=role_arn, RoleSessionName=self._session_name, DurationSeconds=self._duration
            )
        except ClientError as error:
            details = error.response.get("Error", {})
            code = str(details.get("Code", "Unknown"))
            failure = MemberAccessFailed(account, role_arn, code, str(details.get("Message", "")))
            if code in _REFUSALS:
                self._refused[account] = (now + self._cool_down, failure)
            raise failure from None
        given = answer["Credentials"]
        expiration = given["Expiration"]
        if expiration.tzinfo is None:
            expiration = expiration.replace(tzinfo=UTC)
        return RoleCredentials(
            given["AccessKeyId"], given["SecretAccessKey"], given["SessionToken"], expiration
        )


class PlaceClients:
    """AWS clients per (service, place) on one boto3 session: the home account's (``home``: the function's
    account and region) with the function's credentials in any region, a member's with its role's
    (``credentials``; ``None``: members are not reached)."""

    def __init__(self, session: Any, home: Place, credentials: MemberCredentials | None) -> None:
        self._session = session
        self.home = home
        self._home = home.account
        self._credentials = credentials
        self._clients: dict[tuple[str, Place], tuple[RoleCredentials | None, Any]] = {}
        self._lock = threading.Lock()

    def client(self, service: str, place: Place, config: Config) -> Any:
        """The client for ``service`` in ``place``. Raises ``MemberAccessFailed`` for a member whose role
        cannot be assumed."""
        credentials = None
        if place.account != self._home:
            if self._credentials is None:
                raise MemberAccessFailed(place.account, "(no member role)", "OrganizationModeOff")
            credentials = self._credentials.for_account(place.account)
        with self._lock:
            made = self._clients.get((service, place))
            if made is not None and made[0] is credentials:
                return made[1]
            options: dict[str, Any] = {"region_name": place.region, "config": config}
            if credentials is not None:
                options |= {
                    "aws_access_key_id": credentials.access_key_id,
                    "aws_secret_access_key": credentials.secret_access_key,
                    "aws_session_token": credentials.session_token,
                }
            client = self._session.client(service, **options)
            self._clients[(service, place)] = (credentials, client)
            return client


class ClientAt:
    """The client for one (service, place), asked of ``PlaceClients`` at every attribute: an adapter
    holding it uses live credentials however long it lives."""

    def __init__(self, clients: PlaceClients, service: str, place: Place, config: Config) -> None:
        self._clients = clients
        self._service = service
        self._place = place
        self._config = config

    def __getattr__(self, name: str) -> Any:
        return getattr(self._clients.client(self._service, self._place, self._config), name)

"""The end of a job's CloudWatch log: the adapter of the ``JobLogs`` port (``/aws/sagemaker/…Jobs``).

Per ``Failed`` alert: one ``DescribeLogStreams`` (the job's streams, by the ``<job>/`` prefix), then one
``GetLogEvents`` per chosen stream (at most ``MAX_STREAMS``, newest events first, a couple of pages at
most when the newest page comes back empty). The read is bounded in time: short client timeouts, one
retry, and a budget after which no further call starts. Whatever goes wrong — no log group yet,
throttling, a denied permission, a timeout — the answer is a ``LogTail`` saying why, never an exception:
the alert goes out without the excerpt.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from jobtrail.core.alerts import LOG_GROUPS
from jobtrail.core.kinds import JobKey
from jobtrail.core.log_tail import LogTail, StreamInfo, build_log_tail, streams_to_read

#: The client the adapter expects: an alert must not wait long for its log lines.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 2}, connect_timeout=2, read_timeout=4
)
#: No call starts after this many seconds of reading one job's log (each call is bounded by the config).
READ_BUDGET_SECONDS = 8.0
#: DescribeLogStreams' page size (its maximum): the streams of one job, hosts and restarts together.
STREAMS_PAGE = 50
#: GetLogEvents pages read per stream; the newest page may be empty while older events exist.
PAGES_PER_STREAM = 3
#: After CloudWatch Logs was slow, unreachable or throttling, the alerts of the next this many seconds go
#: out without an excerpt at once: a batch of many failed jobs (a tuning job's children) must not spend
#: its Lambda time waiting for a service that is not answering.
COOL_DOWN_SECONDS = 60.0
#: The errors that say CloudWatch Logs is not answering (as opposed to this job having no log).
_UNAVAILABLE = frozenset({"ThrottlingException", "TooManyRequestsException", "LimitExceededException"})


class LogReadTooSlow(Exception):
    """The read budget ran out before the log was read."""


class CloudWatchJobLogs:
    """``JobLogs`` on CloudWatch Logs: the log group of the job's kind (``core.alerts.LOG_GROUPS``)."""

    def __init__(
        self,
        client: Any,
        *,
        budget_seconds: float = READ_BUDGET_SECONDS,
        cool_down_seconds: float = COOL_DOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._budget = budget_seconds
        self._cool_down = cool_down_seconds
        self._clock = clock
        self._unavailable_until: float | None = None

    def tail(self, job: JobKey, lines: int) -> LogTail:
        log_group = LOG_GROUPS.get(job.kind)
        if log_group is None or lines <= 0:
            return LogTail()
        now = self._clock()
        if self._unavailable_until is not None and now < self._unavailable_until:
            return LogTail.failed("CloudWatch Logs did not answer a moment ago; not asked again yet")
        deadline = now + self._budget
        try:
            return self._read(job, log_group, lines, deadline)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _UNAVAILABLE:
                self._rest()
            # No log group yet is a job without logs (no container ran), not a failed read.
            missing = error.response.get("Error", {}).get("Code") == "ResourceNotFoundException"
            return (LogTail.absent if missing else LogTail.failed)(_reason(error, log_group))
        except LogReadTooSlow:
            self._rest()
            return LogTail.failed(f"reading {log_group} took longer than {self._budget:g} s")
        except BotoCoreError as error:  # timeouts, connection errors
            self._rest()
            return LogTail.failed(f"{log_group} could not be read: {error}")

    def _rest(self) -> None:
        """Stop asking for a while (``COOL_DOWN_SECONDS``): the service is slow or throttling."""
        self._unavailable_until = self._clock() + self._cool_down

    def _read(self, job: JobKey, log_group: str, lines: int, deadline: float) -> LogTail:
        self._within(deadline)
        answer = self._client.describe_log_streams(
            logGroupName=log_group,
            logStreamNamePrefix=f"{job.name}/",
            orderBy="LogStreamName",
            limit=STREAMS_PAGE,
        )
        listed = [
            StreamInfo(stream["logStreamName"], stream.get("lastEventTimestamp"))
            for stream in answer.get("logStreams", ())
        ]
        if not listed:
            return LogTail.absent(f"no log streams {job.name}/… in {log_group}")
        chosen = [stream.name for stream in streams_to_read(listed)]
        read = {name: self._last_messages(log_group, name, lines, deadline) for name in chosen}
        region = job.region or self._client.meta.region_name
        return build_log_tail(region=region, log_group=log_group, read=read, order=chosen, lines=lines)

    def _last_messages(self, log_group: str, stream: str, lines: int, deadline: float) -> list[str]:
        """The stream's newest ``lines`` events' messages, oldest first, following empty pages back."""
        token: str | None = None
        for _ in range(PAGES_PER_STREAM):
            self._within(deadline)
            request: dict[str, Any] = {
                "logGroupName": log_group,
                "logStreamName": stream,
                "startFromHead": False,
                "limit": lines,
            }
            if token:
                request["nextToken"] = token
            page = self._client.get_log_events(**request)
            events = page.get("events", ())
            if events:
                return [str(event.get("message", "")) for event in events]
            if page.get("nextBackwardToken") in (None, token):
                return []
            token = page["nextBackwardToken"]
        return []

    def _within(self, deadline: float) -> None:
        if self._clock() > deadline:
            raise LogReadTooSlow


def _reason(error: ClientError, log_group: str) -> str:
    code = error.response.get("Error", {}).get("Code", "Unknown")
    if code == "ResourceNotFoundException":
        return f"log group {log_group} does not exist yet (no container has logged)"
    if code in ("AccessDeniedException", "AccessDenied"):
        return f"not allowed to read {log_group} ({code})"
    if code in ("ThrottlingException", "TooManyRequestsException", "LimitExceededException"):
        return f"CloudWatch Logs throttled the read of {log_group} ({code})"
    return f"{log_group} could not be read ({code})"

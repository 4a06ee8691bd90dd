"""The generated load's job logs in CloudWatch Logs (moto), as ``make bench`` seeds them: read back by the
logs adapter, a failed job's alert quotes the host whose process failed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from jobtrail.adapters.logs import CloudWatchJobLogs
from jobtrail.core.log_tail import MAX_STREAMS
from jobtrail_local.loadgen import MIXED_KINDS, failed_job_logs, generate
from jobtrail_local.scripted_logs import put_scripted_logs
from moto import mock_aws

NOW_MS = 1_795_000_000_000


@pytest.fixture
def logs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("logs", region_name="us-east-1")


def test_each_failed_job_s_alert_quotes_the_host_that_failed(logs: Any) -> None:
    # Given a mixed load's failed jobs' logs written to CloudWatch Logs
    scripted = failed_job_logs(generate(120, seed=3, mix=MIXED_KINDS))
    put_scripted_logs(logs, scripted, now_ms=NOW_MS)
    hosts = Counter(log.job for log in scripted)
    failing = {log.job: log for log in reversed(scripted)}  # each job's first stream
    # When the logs adapter reads each job's log as its Failed alert does
    for job, count in hosts.items():
        tail = CloudWatchJobLogs(logs).tail(job, 20)
        # Then it quotes the job's streams (at most MAX_STREAMS), and a job of no more hosts than that
        # shows the failing host's stream first, ending in its error
        assert tail.error is None, job
        assert len(tail.streams) == min(count, MAX_STREAMS), job
        if count <= MAX_STREAMS:
            assert tail.streams[0].name == failing[job].log_stream, job
            # (the excerpt's lines are cleaned: trailing blanks dropped)
            assert tail.streams[0].lines == tuple(line.rstrip() for line in failing[job].lines[-20:]), job
    assert len(hosts) > 5
    assert max(hosts.values()) > 1


def test_a_job_s_peers_log_after_the_host_that_failed_and_each_stream_holds_its_lines(logs: Any) -> None:
    scripted = failed_job_logs(generate(120, seed=3, mix=MIXED_KINDS))
    put_scripted_logs(logs, scripted, now_ms=NOW_MS)
    job = next(job for job, n in Counter(log.job for log in scripted).items() if n > 1)
    mine = [log for log in scripted if log.job == job]
    listed = logs.describe_log_streams(logGroupName=mine[0].log_group, logStreamNamePrefix=f"{job.name}/")
    last_event = {s["logStreamName"]: s["lastEventTimestamp"] for s in listed["logStreams"]}
    assert [last_event[log.log_stream] for log in mine] == sorted(last_event[log.log_stream] for log in mine)
    assert max(last_event.values()) < NOW_MS
    events = logs.get_log_events(logGroupName=mine[0].log_group, logStreamName=mine[0].log_stream)
    assert tuple(e["message"] for e in events["events"]) == mine[0].lines

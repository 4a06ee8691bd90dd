"""``jobtrail watch`` on DynamoDB Local: a lifecycle from events/ is ingested step by step between polls
(through the watch's own sleep), so each poll sees what ingest wrote since the previous one."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import kind_samples as samples
import pytest
from fakes import FakeWorld
from jobtrail.adapters.history_queries import HistoryQueries
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.core.kinds import KINDS
from jobtrail.usecases.ingest import handle_batch
from jobtrail_cli import main
from jobtrail_cli.commands import watch
from jobtrail_cli.commands.watch import Pace
from jobtrail_cli.parser import attach_minus_durations, build_parser
from jobtrail_cli.wiring import Wiring
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.lifecycle_builder import job_key
from jobtrail_local.lifecycles import Lifecycle, load_lifecycle, sqs_batch

pytestmark = pytest.mark.dynamodb_local


@dataclass
class Ingest:
    """A lifecycle's steps recorded one at a time into the table, as the deployed ingest would."""

    world: FakeWorld
    lifecycle: Lifecycle
    done: int = 0
    #: The AWS calls ingest made, to tell them from the watch's.
    calls: Counter[str] = field(default_factory=Counter)

    def step(self) -> bool:
        """Record the next step; ``False`` once there is none left."""
        if self.done == len(self.lifecycle.steps):
            return False
        step = self.lifecycle.steps[self.done]
        self.world.script.advance(step)
        with count_aws_calls() as calls:
            assert handle_batch(sqs_batch([step.sqs_body]), self.world.deps)["batchItemFailures"] == []
        self.calls.update(calls)
        self.done += 1
        return True


@dataclass
class FakeTime:
    """The watch's clock and sleep: a sleep moves the clock and lets ``between_polls`` write."""

    between_polls: Callable[[], object] = lambda: None
    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.between_polls()


def ingest(table: Any, name: str) -> Ingest:
    world = FakeWorld(through_boto3=True)
    world.histories = HistoryStore(table.name, region=table.region, host=table.endpoint_url)  # type: ignore[assignment]
    return Ingest(world, load_lifecycle(name))


def run_watch(table: Any, *args: str, pace: Pace) -> int:
    argv = ["--table", table.name, "--endpoint-url", table.endpoint_url, "watch", *args]
    parsed = build_parser().parse_args(attach_minus_durations(argv))
    with ExitStack() as cleanup:
        return watch.watch(parsed, Wiring(parsed, cleanup), pace=pace)


def lines(out: str) -> list[dict[str, Any]]:
    """The watch's JSON Lines in ``out``, without the log records ingest may print there (Powertools'
    logger writes to the stdout it found when it was made, which may be this test's capture)."""
    documents = [json.loads(line) for line in out.splitlines()]
    return [d for d in documents if "kind" in d]


@pytest.fixture
def failed_job(ddb_local_table: Any) -> Ingest:
    """The ``failed`` lifecycle with its first step recorded: a job that has started and will fail."""
    recorder = ingest(ddb_local_table, "failed")
    recorder.step()
    recorder.calls.clear()  # the tests count what ingest writes while they watch
    return recorder


def test_watching_a_job_shows_each_transition_once_and_ends_with_the_job(
    ddb_local_table: Any, failed_job: Ingest, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a job in progress, whose next step is recorded between every two polls
    time = FakeTime(between_polls=failed_job.step)
    job = failed_job.lifecycle.job_names[0]
    # When it is watched with --json
    with count_aws_calls() as calls:
        code = run_watch(ddb_local_table, job, "--json", pace=Pace(5, time.sleep, time.clock, polls=50))
    printed = lines(capsys.readouterr().out)
    # Then the watch ended by itself, when the job did: after its last step, long before 50 polls
    steps = len(failed_job.lifecycle.steps)
    assert code == 0
    assert failed_job.done == steps
    assert len(time.sleeps) == steps - 1
    assert time.sleeps == [5.0] * (steps - 1)  # the fake clock does not move during a poll
    # Then every transition was printed exactly once, in order, the later ones as new
    stored = failed_job.world.histories.load(job_key(job))
    assert stored is not None
    transitions = [line for line in printed if line["kind"] == "transition"]
    assert [(t["transition"]["status"], t["transition"]["start_time"]) for t in transitions] == [
        (t.status, t.start_time.isoformat(timespec="milliseconds")) for t in stored.transitions
    ]
    assert transitions[0]["change"] == "listed"
    assert transitions[-1]["change"] == "new"
    # Then the job's own lines end with its final state
    summaries = [line for line in printed if line["kind"] == "job"]
    assert summaries[0]["change"] == "listed"
    assert summaries[-1]["job"]["status"] == "Failed"
    # Then each poll was one Query of the job's partition (the first also looked the name up on by-name),
    # and none a Scan
    assert calls["dynamodb.Scan"] == 0
    assert calls["dynamodb.Query"] - failed_job.calls["dynamodb.Query"] == steps + 1


def test_watching_an_ended_job_shows_its_timeline_and_exits(
    ddb_local_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a job that has already completed
    recorder = ingest(ddb_local_table, "completed")
    while recorder.step():
        pass
    time = FakeTime()
    # When it is watched with the live view / Then one poll shows its timeline, and the watch ends
    code = run_watch(
        ddb_local_table, recorder.lifecycle.job_names[0], pace=Pace(5, time.sleep, time.clock, polls=10)
    )
    out = capsys.readouterr().out
    assert code == 0
    assert time.sleeps == []
    assert "ended Completed" in out
    assert "Training" in out


def test_watching_the_newest_jobs_prints_a_change_once(
    ddb_local_table: Any, failed_job: Ingest, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two jobs recorded, and one step of the failing one recorded between the first two polls
    other = ingest(ddb_local_table, "completed")
    while other.step():
        pass
    time = FakeTime(between_polls=lambda: failed_job.step() if len(time.sleeps) == 1 else None)
    # When the newest jobs are watched for three polls
    with count_aws_calls() as calls:
        code = run_watch(
            ddb_local_table, "--json", "--limit", "5", pace=Pace(2, time.sleep, time.clock, polls=3)
        )
    printed = lines(capsys.readouterr().out)
    # Then both were listed, then the failing one changed once (the third poll saw nothing new)
    assert code == 0
    failing = failed_job.lifecycle.job_names[0]
    assert sorted(line["job"]["job_name"] for line in printed if line["change"] == "listed") == sorted(
        [failing, other.lifecycle.job_names[0]]
    )
    assert [(line["change"], line["job"]["job_name"]) for line in printed if line["change"] != "listed"] == [
        ("changed", failing)
    ]
    # Then each poll was one bounded Query per kind on the by-creation-time index, never a Scan
    assert calls["dynamodb.Query"] - failed_job.calls["dynamodb.Query"] == 3 * len(KINDS)
    assert calls["dynamodb.Scan"] == 0


def test_the_live_view_of_the_newest_jobs_highlights_what_changed(
    ddb_local_table: Any, failed_job: Ingest, capsys: pytest.CaptureFixture[str]
) -> None:
    time = FakeTime(between_polls=failed_job.step)
    code = run_watch(ddb_local_table, pace=Pace(3, time.sleep, time.clock, polls=2))
    out = capsys.readouterr().out
    assert code == 0
    assert failed_job.lifecycle.job_names[0] in out
    assert "Watching the 20 newest jobs" in out


def test_follow_keeps_the_interval_and_stops_when_done() -> None:
    # A poll taking 2 s of a 5 s interval is followed by a 3 s sleep; one slower than it, by none
    durations = iter([2.0, 7.0, 0.0])
    time = FakeTime()

    def poll() -> bool:
        time.now += next(durations)
        return len(time.sleeps) == 2

    assert watch.follow(poll, Pace(5, time.sleep, time.clock)) is True
    assert time.sleeps == [3.0, 0.0]
    # A bounded number of polls ends without the poll saying it is done
    assert watch.follow(lambda: False, Pace(5, time.sleep, time.clock, polls=3)) is False


@pytest.mark.parametrize("interval", ["0.5", "0", "-1", "nan", "soon"])
def test_an_interval_under_a_second_is_refused(interval: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["watch", "--interval", interval])
    assert exit_.value.code == 2
    assert "--interval" in capsys.readouterr().err


def test_the_last_job_recorded_is_the_newest_write_among_the_newest_jobs(
    ddb_local_table: Any, failed_job: Ingest
) -> None:
    # Given a job recorded, then another completed one recorded after it
    queries = HistoryQueries(
        ddb_local_table.name, region=ddb_local_table.region, host=ddb_local_table.endpoint_url
    )
    first = queries.last_recorded(among=50)
    assert first is not None
    assert first.job_name == failed_job.lifecycle.job_names[0]
    other = ingest(ddb_local_table, "completed")
    while other.step():
        pass
    # When the failing job is recorded again, though it is not the newest created
    failed_job.step()
    # Then it is the last recorded
    last = queries.last_recorded(among=50)
    assert last is not None
    assert last.job_name == failed_job.lifecycle.job_names[0]
    assert last.recorded_at > first.recorded_at


def test_ctrl_c_ends_the_watch_with_130_and_one_line(
    ddb_local_table: Any,
    failed_job: Ingest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a watch whose first wait is interrupted (Ctrl-C while it sleeps)
    def interrupted(_: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(watch, "Pace", partial(Pace, sleep=interrupted))
    # When it runs as the CLI does / Then it exits 130 with one line, no traceback
    for json_lines in ([], ["--json"]):
        argv = ["--table", ddb_local_table.name, "--endpoint-url", ddb_local_table.endpoint_url]
        code = main([*argv, "watch", failed_job.lifecycle.job_names[0], *json_lines])
        assert (code, capsys.readouterr().err) == (130, "jobtrail: interrupted\n")


# -- every kind: a pipeline execution's steps, the kind of the newest jobs, namesakes kept apart ----------


def kinds_store(table: Any) -> HistoryStore:
    return HistoryStore(table.name, region=table.region, host=table.endpoint_url)


def test_watching_a_pipeline_execution_shows_its_steps_as_they_change(
    ddb_local_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an execution whose first step runs, and whose next answer is recorded between every two polls
    store = kinds_store(ddb_local_table)
    answers = [samples.pipeline_answer(answer).record() for answer in samples.running_pipeline()]
    samples.record(store, answers[0])
    later = iter(answers[1:])
    recorded: Counter[str] = Counter()

    def record_next() -> None:
        with count_aws_calls() as calls:
            samples.record(store, next(later))
        recorded.update(calls)

    time = FakeTime(between_polls=record_next)
    # When it is watched with --json
    with count_aws_calls() as calls:
        code = run_watch(
            ddb_local_table,
            samples.EXECUTION_RUNNING,
            "--json",
            pace=Pace(5, time.sleep, time.clock, polls=10),
        )
    printed = lines(capsys.readouterr().out)
    # Then each step was reported when it appeared and each time it changed, in the order they started
    assert code == 0
    assert len(time.sleeps) == len(answers) - 1
    steps = [
        (line["change"], line["step"]["step_name"], line["step"]["status"])
        for line in printed
        if line["kind"] == "step"
    ]
    assert steps == [
        ("listed", "Featurize", "Executing"),
        ("changed", "Featurize", "Succeeded"),
        ("new", "Train", "Executing"),
        ("changed", "Train", "Succeeded"),
    ]
    assert {line["job_name"] for line in printed if line["kind"] == "step"} == {samples.EXECUTION_RUNNING}
    train = next(line["step"] for line in printed if line["kind"] == "step" and line["change"] == "new")
    assert train["job"]["kind"] == "training"
    # And the watch ended with the execution, one Query a poll (and one on by-name to find it)
    assert [line["job"]["status"] for line in printed if line["kind"] == "job"] == [
        "Executing",
        "Executing",
        "Succeeded",
    ]
    assert (calls["dynamodb.Query"] - recorded["dynamodb.Query"], calls["dynamodb.Scan"]) == (
        1 + len(answers),
        0,
    )


def test_the_live_view_of_a_pipeline_execution_shows_its_steps(
    ddb_local_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    store = kinds_store(ddb_local_table)
    samples.record_all(store, samples.records())
    time = FakeTime()
    code = run_watch(ddb_local_table, samples.EXECUTION_FAILED, pace=Pace(5, time.sleep, time.clock, polls=3))
    out = " ".join(capsys.readouterr().out.split())
    assert code == 0
    assert time.sleeps == []
    assert f"Watching pipeline execution {samples.EXECUTION_FAILED}: ended Failed" in out
    assert f"Steps of {samples.EXECUTION_FAILED}" in out
    assert f"Train failed: {samples.TRAIN_FAILURE}" in out


def test_watching_the_newest_jobs_shows_their_kind_and_keeps_namesakes_apart(
    ddb_local_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given jobs of every kind, two of them (of different kinds) with the same name, and nothing changing
    samples.record_all(kinds_store(ddb_local_table), samples.records())
    time = FakeTime()
    # When the newest jobs are watched for three polls
    code = run_watch(
        ddb_local_table, "--json", "--limit", "50", pace=Pace(2, time.sleep, time.clock, polls=3)
    )
    printed = lines(capsys.readouterr().out)
    # Then every job was listed once, with its kind, and none is said to change
    assert code == 0
    assert sorted((line["job"]["kind"], line["job"]["job_name"]) for line in printed) == sorted(
        (r.key.kind, r.job_name) for r in samples.records()
    )
    assert {line["change"] for line in printed} == {"listed"}
    # And the live view has a Kind column
    run_watch(ddb_local_table, "--limit", "50", pace=Pace(2, time.sleep, time.clock, polls=1))
    out = capsys.readouterr().out
    assert "Kind" in out
    assert "pipeline" in out


def test_watching_the_newest_jobs_of_one_kind(
    ddb_local_table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    samples.record_all(kinds_store(ddb_local_table), samples.records())
    time = FakeTime()
    with count_aws_calls() as calls:
        code = run_watch(
            ddb_local_table, "--json", "--kind", "pipeline", pace=Pace(2, time.sleep, time.clock, polls=2)
        )
    printed = lines(capsys.readouterr().out)
    assert code == 0
    assert {line["job"]["job_name"] for line in printed} == {samples.EXECUTION_OK, samples.EXECUTION_FAILED}
    assert calls["dynamodb.Query"] == 2  # one per poll: the kind's partition of by-creation-time
    run_watch(ddb_local_table, "--kind", "pipeline", pace=Pace(2, time.sleep, time.clock, polls=1))
    out = " ".join(capsys.readouterr().out.split())
    assert "Watching the 20 newest pipeline executions" in out
    assert "Pipeline executions in table" in out

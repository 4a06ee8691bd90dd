"""The load generator's mixed load: every kind in its share, valid answers, outcomes a consumer can check.

Pure: botocore's model checks the answers; ingest runs on the in-memory fakes; no socket is ever connected.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from expectations import described
from fakes import FakeWorld
from jobtrail.core.alerts import LOG_GROUPS
from jobtrail.core.kinds import JobKey, key_from_arn
from jobtrail.core.routing import parse_routes, route_for
from jobtrail.usecases.ingest import handle_batch
from jobtrail_local.lifecycles import answer_problems, seen_transitions
from jobtrail_local.loadgen import (
    DEFAULT_CHANNEL,
    MIXED_KINDS,
    ROUTES,
    Load,
    deliveries,
    failed_job_logs,
    generate,
)
from jobtrail_local.scripted_logs import ScriptedLog
from jobtrail_local.scripted_sagemaker import ScriptedSageMaker


@pytest.fixture(scope="module")
def load() -> Load:
    return generate(300, seed=21, mix=MIXED_KINDS)


def test_the_same_arguments_give_the_same_mixed_load(load: Load) -> None:
    again = generate(300, seed=21, mix=MIXED_KINDS)
    assert [(s.label, s.event, s.describe) for s in again.steps] == [
        (s.label, s.event, s.describe) for s in load.steps
    ]
    assert generate(300, seed=22, mix=MIXED_KINDS).steps != load.steps


def test_each_kind_has_its_share(load: Load) -> None:
    # Given the mixed load's jobs by kind
    made = Counter(expected.kind for expected in load.expected.values())
    executions = made["pipeline"]
    # Then the planned jobs are the mix's shares of 300: a pipeline execution also runs a processing job
    # and, when that succeeded, a training job; the tuning jobs are the training load's tuning parents
    assert (made["transform"], executions) == (round(300 * 0.12), round(300 * 0.13))
    assert made["processing"] == round(300 * 0.2) + executions
    succeeded_preprocessing = sum(
        1
        for label, expected in load.expected.items()
        if expected.kind == "processing" and "/pipelines-" not in label and expected.status == "Completed"
    )
    assert succeeded_preprocessing > 0
    assert round(300 * 0.55) <= made["training"] <= round(300 * 0.55) + executions
    assert made["tuning"] > 0
    assert {e.status for e in load.expected.values() if e.kind == "pipeline"} == {"Succeeded", "Failed"}
    assert {e.status for e in load.expected.values() if e.kind == "processing"} == {
        "Completed",
        "Failed",
        "Stopped",
    }


def test_every_answer_passes_botocores_strict_model_check(load: Load) -> None:
    for step in random.Random(3).sample(load.steps, 400):
        found = answer_problems(step.kind, step.describe)
        assert [p for p in found if "S3ModelArtifacts: ''" not in p] == []


def test_tuning_jobs_follow_their_training_jobs(load: Load) -> None:
    for job in (job for job in load.jobs if job.kind == "tuning"):
        final = load.final_describe(job)
        children = [
            load.final_describe(other)
            for other in load.jobs
            if other.kind == "training"
            and load.final_describe(other).get("TuningJobArn") == final["HyperParameterTuningJobArn"]
        ]
        # Then its counters count its children as they ended, and its best one is the best of them
        assert sum(final["TrainingJobStatusCounters"].values()) == len(children) >= 3
        assert final["TrainingJobStatusCounters"]["InProgress"] == 0
        assert min(c["CreationTime"] for c in children) > final["CreationTime"]
        best = final.get("BestTrainingJob")
        if final["HyperParameterTuningJobStatus"] == "Completed":
            assert best is not None
            metric = best["FinalHyperParameterTuningJobObjectiveMetric"]["MetricName"]
            values = [
                m["Value"]
                for c in children
                if c["TrainingJobStatus"] == "Completed"
                for m in c.get("FinalMetricDataList") or ()
                if m["MetricName"] == metric
            ]
            assert best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == max(values)
        else:
            assert best is None


def test_pipeline_steps_name_the_jobs_of_the_load(load: Load) -> None:
    for job in (job for job in load.jobs if job.kind == "pipeline"):
        final = load.final_describe(job)
        for step in final["steps"]:
            (metadata,) = step["Metadata"].values()
            ran = key_from_arn(metadata["Arn"])
            # Then the step ran a job of the load, and ended as that job did
            assert ran in load.jobs
            ran_status = load.final_record(ran).summary.status  # type: ignore[arg-type]
            assert (step["StepStatus"] == "Failed") == (ran_status == "Failed")


def test_expected_transitions_follow_the_answers(load: Load) -> None:
    for label, expected in load.expected.items():
        if expected.kind == "training":
            continue
        answers = [step.describe for step in load.steps_of(label)]
        assert list(expected.transitions) == seen_transitions(expected.kind, answers)


def test_delivered_in_sqs_batches_the_mixed_load_ends_in_the_final_answers_with_each_alert_once() -> None:
    # Given 60 jobs of every kind delivered with duplicates and late events, SageMaker answering its state
    # at each moment
    load = generate(60, seed=9, mix=MIXED_KINDS)
    stream = deliveries(load, duplicate_rate=0.1, seed=9)
    world = FakeWorld(script=ScriptedSageMaker())
    pending = list(load.steps)
    for start in range(0, len(stream), 10):
        batch = stream[start : start + 10]
        while pending and pending[0].modified <= batch[-1].at:
            world.script.advance(pending.pop(0))
        # When each batch goes through ingest
        response = handle_batch({"Records": [d.sqs_record() for d in batch]}, world.deps)
        assert response["batchItemFailures"] == []
    # Then every job is stored as its final answer says, and every expected alert was published once
    for job in load.jobs:
        stored = world.histories.jobs[job]
        truth = load.final_record(job)
        assert described(stored.summary) == truth.summary
        assert stored.summary.tags == load.tags(job)
        expected = list(load.expected[load.steps_of(job)[0].label].transitions)
        recorded = [(t.status, t.start_time) for t in stored.transitions]
        # And its transitions are the expected ones; for a kind without transitions of its own, a status
        # no answer showed (Stopping, when Stopped came before the batch was read) is not invented
        assert recorded[0] == expected[0]
        assert recorded[-1] == expected[-1]
        assert [t for t in expected if t in recorded] == recorded
        if job.kind == "training":
            assert recorded == expected
    published = Counter(alert.alert_id for alert in world.publisher.published)
    assert set(published) == load.expected_alert_ids
    assert set(published.values()) == {1}


# ---- the failed jobs' logs and the routes document (what make bench's alert path reads) -------------

#: The Describe members that hold each logging kind's status, start and host count.
_LOGGING = {
    "training": ("TrainingJobStatus", "TrainingStartTime", ("ResourceConfig",)),
    "processing": ("ProcessingJobStatus", "ProcessingStartTime", ("ProcessingResources", "ClusterConfig")),
    "transform": ("TransformJobStatus", "TransformStartTime", ("TransformResources",)),
}


def test_each_failed_job_whose_containers_ran_logs_one_stream_per_host(load: Load) -> None:
    # Given the mixed load's logs
    logs = failed_job_logs(load)
    streams = Counter(log.job for log in logs)
    # Then exactly the failed jobs of a logging kind that started have logs, one stream per host, in their
    # kind's group, named <job>/…; the jobs that failed before a container ran (no capacity) have none
    for job in load.jobs:
        final = load.steps_of(job)[-1].describe
        if job.kind not in _LOGGING:
            assert streams[job] == 0, job
            continue
        status, start, resources = _LOGGING[job.kind]
        config = final
        for member in resources:
            config = config[member]
        ran_and_failed = final[status] == "Failed" and final.get(start) is not None
        assert streams[job] == (config["InstanceCount"] if ran_and_failed else 0), job
    assert {log.log_group for log in logs} == {LOG_GROUPS[kind] for kind in _LOGGING}
    assert all(
        log.log_stream.startswith(f"{log.job.name}/") and log.log_group == LOG_GROUPS[log.job.kind]
        for log in logs
    )
    # And the load has failed jobs without logs and distributed ones with several streams
    assert max(streams.values()) > 1
    assert any(
        load.steps_of(job)[-1].describe.get("TrainingJobStatus") == "Failed" and not streams[job]
        for job in load.jobs
        if job.kind == "training"
    )


def test_the_first_host_s_log_ends_in_its_job_s_error_and_the_peers_do_not(load: Load) -> None:
    logs = failed_job_logs(load)
    by_job: dict[JobKey, list[ScriptedLog]] = {}
    for log in logs:
        by_job.setdefault(log.job, []).append(log)
    for job, streams in by_job.items():
        final = load.steps_of(job)[-1].describe
        error = [
            line for line in str(final.get("ExitMessage") or final["FailureReason"]).splitlines() if line
        ]
        first, *peers = streams
        # The failing host's last lines hold its job's error, and the traceback that led to it
        assert error[-1] in first.lines[-4:], job
        assert any(line.startswith("Traceback") for line in first.lines), job
        assert all(not any("Traceback" in line for line in peer.lines) for peer in peers), job


def test_the_same_load_gives_the_same_logs(load: Load) -> None:
    assert failed_job_logs(generate(300, seed=21, mix=MIXED_KINDS)) == failed_job_logs(load)


def test_the_routes_document_sends_each_team_to_its_channel_and_experiments_to_research(load: Load) -> None:
    routes = parse_routes(ROUTES)
    teams = {step.tags["team"] for step in load.steps if "team" in step.tags}
    job = JobKey("123456789012", "us-east-1", "training", "resnet50-imagenet-2026-11-20")
    for team in teams - {"platform", "ml-platform"}:
        assert route_for(routes, job, {"team": team}).slack_channel == f"#{team}-alerts", team
    assert route_for(routes, job, {"team": "platform"}).slack_channel == DEFAULT_CHANNEL
    experiment = JobKey("123456789012", "us-east-1", "training", "exp-042-lr3e-4-bs256-2026")
    assert route_for(routes, experiment, {"team": "nlp"}).team == "research"

"""The layout before the packed record, for tests of what reads it: a summary item with an attribute per
field, and the job's transitions, final metrics and steps as items of their own (``METRICS``,
``TRANSITION#<start>#<status>``, ``STEP#<name>``), as jobtrail wrote them until the summary held them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from jobtrail.adapters.history_table import (
    METRICS_SK,
    SUMMARY_SK,
    HistoryTable,
    Metrics,
    MetricValue,
    StepItem,
    Summary,
    TransitionItem,
    job_pk,
    record_from_item,
    step_sk,
    transition_sk,
)
from jobtrail.core.model import JobRecord, Metric, PipelineStep, Transition
from pynamodb.attributes import MapAttribute


def unpacked_summary(table: HistoryTable, record: JobRecord, version: int, now: datetime) -> Summary:
    """The summary item of ``record`` as the layout before the packed record wrote it."""
    summary = record.summary
    key = summary.key
    item = table.summary(job_pk(key), SUMMARY_SK)
    item.job_index = key.kind
    item.job_name = summary.job_name
    item.job_arn = summary.job_arn
    item.account = key.account
    item.region = key.region
    item.job_status = summary.status
    item.secondary_status = summary.secondary_status
    item.failure_reason = summary.failure_reason
    item.creation_time = summary.creation_time
    item.last_modified_time = summary.last_modified_time
    item.start_time = summary.start_time
    item.end_time = summary.end_time
    item.training_time_seconds = summary.training_time_seconds
    item.billable_time_seconds = summary.billable_time_seconds
    item.managed_spot = summary.managed_spot
    item.tuning_job_arn = summary.tuning_job_arn
    item.tuning_job_name = summary.tuning_job_name
    item.instance_type = summary.instance_type
    item.instance_count = summary.instance_count
    item.max_runtime_seconds = summary.max_runtime_seconds
    item.max_wait_seconds = summary.max_wait_seconds
    item.model_artifacts_uri = summary.model_artifacts_uri
    item.exit_message = summary.exit_message
    item.model_name = summary.model_name
    item.failed_step = summary.failed_step
    tuning = summary.tuning
    if tuning is not None:
        item.tuning_counts = MapAttribute(  # type: ignore[no-untyped-call]
            training=dict(tuning.training_job_counts), objective=dict(tuning.objective_counts)
        )
        item.objective_metric = tuning.objective_metric
        item.objective_type = tuning.objective_type
        item.best_training_job = tuning.best_training_job
        value = tuning.best_objective_value
        item.best_objective_value = None if value is None else repr(value)
    if summary.tags is not None:
        item.tags = MapAttribute(**summary.tags)  # type: ignore[no-untyped-call]
    item.recorded_at = now
    item.version = version
    return item


def unpack_table(table: HistoryTable, client: Any) -> int:
    """Rewrite every packed summary of ``table`` (a test's: a handful of items) in the layout before the
    packed record; how many were rewritten."""
    rewritten = 0
    for raw in client.scan(TableName=table.name)["Items"]:
        if raw.get("sk", {}).get("S") != SUMMARY_SK or "h" not in raw:
            continue
        item = table.summary.get(raw["pk"]["S"], SUMMARY_SK, consistent_read=True)
        record = record_from_item(item)
        assert record is not None
        now = datetime.now(UTC)
        pk = raw["pk"]["S"]
        old = unpacked_summary(table, record, int(item.version or 0), now)
        # put as it is: the version it had, no condition (save() would check and bump it)
        client.put_item(TableName=table.name, Item=old.serialize() | {"kind": {"S": "summary"}})
        for transition in record.transitions:
            transition_item(table, pk, transition, now).save()
        if record.final_metrics:
            metrics_item(table, pk, record.final_metrics, now).save()
        for step in record.steps:
            step_item(table, pk, step, now).save()
        rewritten += 1
    return rewritten


def step_item(table: HistoryTable, pk: str, step: PipelineStep, now: datetime) -> StepItem:
    item = table.step(pk, step_sk(step))
    item.step_name = step.name
    item.status = step.status
    item.start_time = step.start_time
    item.end_time = step.end_time
    item.step_type = step.step_type
    item.failure_reason = step.failure_reason
    item.display_name = step.display_name
    item.attempts = step.attempts
    item.step_job = job_pk(step.job) if step.job else None
    item.recorded_at = now
    return item


def transition_item(table: HistoryTable, pk: str, transition: Transition, now: datetime) -> TransitionItem:
    item = table.transition(pk, transition_sk(transition))
    item.status = transition.status
    item.start_time = transition.start_time
    item.end_time = transition.end_time
    item.message = transition.message
    item.position = transition.position
    item.recorded_at = now
    return item


def metrics_item(table: HistoryTable, pk: str, metrics: Sequence[Metric], now: datetime) -> Metrics:
    item = table.metrics(pk, METRICS_SK)
    # repr() round-trips every float exactly, -0.0, nan and inf included; DynamoDB numbers do not.
    item.metrics = [
        MetricValue(name=m.name, value=repr(m.value), timestamp=m.timestamp)  # type: ignore[no-untyped-call]
        for m in metrics
    ]
    item.recorded_at = now
    return item

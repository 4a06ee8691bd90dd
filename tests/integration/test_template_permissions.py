"""The roles in template.yaml grant what the code calls, and the code calls what they grant.

IngestFunction's use case handles every lifecycle in events/ and every bad event, and reconciliation runs
its passes (lost events, a pending alert, a stalled job), on moto and on DynamoDB Local, while every AWS
call is recorded with what IAM checks: the action (a transaction's items, if the code ever sent one,
are PutItem, UpdateItem, ConditionCheckItem for IAM) and, for a Query, whether it reads an index. The
recorded calls must be allowed by the function's statements in the template, and each allowed action
must be used.

The statements are those of the stack deployed with ``TrackedKinds`` naming the kinds whose events the
lifecycles hold (test_template.py's ``tracking`` evaluates the template's conditions for it): a kind the
fixtures do not exercise has no statement there, and ``test_every_trackable_kind_is_exercised`` says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from job_logs import TRACEBACK, write_job_log
from jobtrail.adapters.history_table import PriceCache
from jobtrail.adapters.logs import CloudWatchJobLogs
from jobtrail.adapters.pricing import PriceList, SsmPriceSettings
from jobtrail.adapters.routes import SsmAlertRoutes
from jobtrail.core.alerts import LOG_GROUPS
from jobtrail.core.kinds import parse_kinds
from jobtrail.usecases.ingest import IngestDeps, handle_batch
from jobtrail.usecases.prices import PriceBook
from jobtrail.usecases.reconcile import RECONCILE_WATERMARK, ReconcileDeps, TokenBucket, reconcile
from jobtrail_local.lifecycles import (
    bad_event_names,
    lifecycle_names,
    load_bad_event,
    load_lifecycle,
    sqs_batch,
)
from jobtrail_local.price_list import fixture_pricing
from msgspec.structs import replace
from test_template import DETAIL_TYPES, TEMPLATE, WITHOUT_KEY, deployed_statements, tracking
from worlds import World

#: What Lambda's event source mapping does with IngestFunction's role (not the code).
EVENT_SOURCE_ACTIONS = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
TRANSACTION_ITEM_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Delete": "dynamodb:DeleteItem",
}
#: A week after the fixtures' jobs.
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ROUTES_PARAMETER = "/jobtrail/routes"
ROUTES = json.dumps(
    {"routes": [{"team": "nlp", "match": {"tags": {"team": "nlp"}}}], "default": {"team": "ml"}}
)
PRICE_SETTINGS_PARAMETER = "/jobtrail/prices"
PRICE_SETTINGS = json.dumps({"discount_percent": 10})

Call = tuple[str, bool]  # (IAM action, reads an index)


@contextmanager
def recording(calls: set[Call]) -> Iterator[None]:
    """Add every botocore call made inside the block to ``calls``, as IAM sees it."""
    original: Callable[..., Any] = BaseClient._make_api_call  # type: ignore[attr-defined]

    def record(client: BaseClient, operation: str, params: Any) -> Any:
        service = client.meta.service_model.service_name
        if service == "dynamodb" and operation == "TransactWriteItems":
            for item in params["TransactItems"]:
                calls.update((TRANSACTION_ITEM_ACTIONS[kind], False) for kind in item)
        else:
            calls.add((f"{service}:{operation}", "IndexName" in params))
        return original(client, operation, params)

    BaseClient._make_api_call = record  # type: ignore[attr-defined]
    try:
        yield
    finally:
        BaseClient._make_api_call = original  # type: ignore[attr-defined]


def exercised_kinds() -> str:
    """The kinds whose state changes the lifecycles in events/ hold (by their events' detail-types), as a
    TrackedKinds value."""
    detail_types = {
        json.loads(step.sqs_body)["detail-type"]
        for lifecycle in map(load_lifecycle, lifecycle_names())
        for step in lifecycle.steps
    }
    return ",".join(kind for kind, types in DETAIL_TYPES.items() if detail_types & set(types))


def granted(function_name: str, kinds: str) -> tuple[set[str], bool]:
    """The actions of the function's own statements as deployed with TrackedKinds = ``kinds`` and no
    customer key (its statement is tested in test_template.py), and whether indexes are allowed."""
    function = TEMPLATE["Resources"][function_name]
    actions: set[str] = set()
    indexes = False
    for statement in deployed_statements(function, WITHOUT_KEY | tracking(kinds)):
        actions.update(_as_list(statement["Action"]))
        indexes |= {"Fn::Sub": "${HistoryTable.Arn}/index/*"} in _as_list(statement["Resource"])
    return actions, indexes


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def with_job_logs(deps: IngestDeps, history_table: Any) -> IngestDeps:
    """``deps`` reading job logs from moto, where every lifecycle job that logs has written a traceback,
    routing alerts by a routes document in an SSM parameter on moto (the stack's
    AlertRoutesParameterName, a path: the scenarios' AlertRoutesParameterIsPath), and pricing jobs with
    the Price List (answered by ``Stubber`` from events/pricing), the table's price cache
    (``history_table``) and price settings in another SSM parameter (PriceSettingsParameterName)."""
    client = boto3.client("logs", region_name="us-east-1")
    for lifecycle in map(load_lifecycle, lifecycle_names()):
        for job in lifecycle.jobs:
            if job.kind in LOG_GROUPS:
                write_job_log(client, job, TRACEBACK)
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name=ROUTES_PARAMETER, Type="String", Value=ROUTES, Overwrite=True)
    routes = SsmAlertRoutes(lambda: ssm, ROUTES_PARAMETER)
    ssm.put_parameter(Name=PRICE_SETTINGS_PARAMETER, Type="String", Value=PRICE_SETTINGS, Overwrite=True)
    prices = PriceBook(
        PriceList(fixture_pricing(boto3.client("pricing", region_name="us-east-1"))),
        PriceCache(history_table),
        SsmPriceSettings(lambda: ssm, PRICE_SETTINGS_PARAMETER),
    )
    return replace(deps, logs=CloudWatchJobLogs(client), routes=routes, prices=prices)


def test_ingest_calls_exactly_what_its_role_allows_and_no_index(world: World) -> None:
    # Given every lifecycle's events, each batch handled as SageMaker reaches that step, then bad events;
    # the jobs wrote logs, which their Failed alerts quote
    deps = with_job_logs(world.deps, world.store.table)
    calls: set[Call] = set()
    for lifecycle in map(load_lifecycle, lifecycle_names()):
        for step in lifecycle.steps:
            world.script.advance(step)
            with recording(calls):
                handle_batch(sqs_batch([step.sqs_body, step.sqs_body]), deps)
    for name in bad_event_names():
        with recording(calls):
            handle_batch(load_bad_event(name), deps)
    actions, indexes = granted("IngestFunction", exercised_kinds())

    # Then every call is allowed, every allowed action is used, and no read touches an index
    used = {action for action, _ in calls}
    assert used <= actions
    assert actions - EVENT_SOURCE_ACTIONS == used
    assert not any(index for _, index in calls)
    assert not indexes


def test_reconcile_calls_exactly_what_its_role_allows_and_reads_indexes(world: World) -> None:
    # Given every event was lost, SNS refuses the first pass's alerts and the Price List its lookups, and
    # the next pass (the Price List answering) looks for stalls and fills the costs in
    for lifecycle in map(load_lifecycle, lifecycle_names()):
        for step in lifecycle.steps:
            world.script.advance(step)
    world.store.advance_watermark(RECONCILE_WATERMARK, datetime(2026, 11, 19, tzinfo=UTC))
    sync = replace(with_job_logs(world.deps, world.store.table), clock=lambda: NOW)
    deps = ReconcileDeps(
        sync=sync,
        catalog=sync.jobs,  # type: ignore[arg-type]
        histories=world.store,
        bucket=TokenBucket(1000.0),
        stalled_after=timedelta(hours=6),
        kinds=parse_kinds(exercised_kinds()),
    )

    class Refusing:
        def publish(self, alert: Any) -> str:
            raise ConnectionError("SNS unreachable")

    class Failing:
        def hourly(self, instance_type: str, region: str, usage: str) -> Any:
            raise ConnectionError("the Price List is unreachable")

    unpriced = PriceBook(Failing(), PriceCache(world.store.table))
    calls: set[Call] = set()
    with recording(calls):
        assert reconcile(replace(deps, sync=replace(deps.sync, alerts=Refusing(), prices=unpriced))).failures
        assert world.store.unpriced_jobs(limit=100)
        second = reconcile(replace(deps, sync=replace(deps.sync, clock=lambda: NOW + timedelta(minutes=15))))
        assert second.failures == []
    assert second.costs_filled > 0
    assert world.store.unpriced_jobs(limit=100) == []
    actions, indexes = granted("ReconcileFunction", exercised_kinds())

    # Then every call is allowed and every allowed action is used; reads go to the indexes too
    used = {action for action, _ in calls}
    assert used <= actions
    assert actions == used
    assert ("dynamodb:Query", True) in calls
    assert indexes


@pytest.mark.parametrize("function_name", ["IngestFunction", "ReconcileFunction"])
def test_no_role_reads_single_items(function_name: str) -> None:
    # Every read in the layer is a Query (a job's items, the watermark, the indexes): GetItem is not granted
    actions, _ = granted(function_name, ",".join(DETAIL_TYPES))

    assert "dynamodb:GetItem" not in actions


def test_every_trackable_kind_is_exercised() -> None:
    # The tests above check the roles only for the kinds the lifecycles hold: the default deployment also
    # grants the others, whose calls nothing here records yet
    assert exercised_kinds().split(",") == list(DETAIL_TYPES)

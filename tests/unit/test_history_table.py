"""Binding the static item models to a table: several tables in one process, no state shared between them.

No sockets: binding makes no call, and PynamoDB builds request arguments without sending them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jobtrail.adapters.history_table import (
    AlertItem,
    HistoryTable,
    Metrics,
    PriceItem,
    Root,
    SlackThreadItem,
    StepItem,
    Summary,
    TransitionItem,
    Watermark,
    job_pk,
    transition_ref_from_keys,
    transition_sk,
    watermark_item,
)
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import Transition
from jobtrail.core.slack_thread import TransitionRef


def test_each_binding_talks_to_its_own_table_through_one_connection() -> None:
    # Given two tables on two endpoints, bound in one process
    first = HistoryTable.bind("first", region="us-east-1", host="http://localhost:8000")
    second = HistoryTable.bind("second", region="eu-west-1")
    # Then each binding's classes build requests for its own table
    assert first.summary.get_operation_kwargs_from_class("JOB#a", "SUMMARY")["TableName"] == "first"
    assert second.alert.get_operation_kwargs_from_class("JOB#a", "ALERT#x")["TableName"] == "second"
    # And every class of a binding shares its one connection (one botocore session and client)
    connections = {
        model._get_connection().connection for model in (first.summary, first.alert, first.metrics)
    }
    assert connections == {first.connection}
    assert first.connection is not second.connection
    assert (first.connection.host, second.connection.region) == ("http://localhost:8000", "eu-west-1")


def test_items_read_back_as_the_static_models() -> None:
    # Given an item of a bound table, as DynamoDB returns it
    table = HistoryTable.bind("reads")
    raw = watermark_item(table, "pass", datetime(2026, 11, 30, tzinfo=UTC), datetime.now(UTC)).serialize()
    # When it is read through the table's root
    item = table.root.from_raw_data(raw)
    # Then it is that table's class, and an instance of the static model the mapping is typed with
    assert type(item) is table.watermark
    assert isinstance(item, Watermark)
    assert raw["kind"] == {"S": "watermark"}


def test_binding_leaves_the_static_models_alone() -> None:
    # Given many bindings (each test makes its own table)
    before = Root.kind.get_registered_subclasses(Root)
    for n in range(3):
        HistoryTable.bind(f"table-{n}")
    # Then the static kinds are still exactly the five models, and they reach no table
    assert Root.kind.get_registered_subclasses(Root) == before
    assert set(before) == {
        Summary,
        TransitionItem,
        StepItem,
        AlertItem,
        Watermark,
        Metrics,
        SlackThreadItem,
        PriceItem,
    }
    with pytest.raises(AttributeError, match="table_name"):
        Summary._get_connection()


def test_a_bound_table_knows_its_indexes() -> None:
    # The connection's description of the table names every index the models declare
    table = HistoryTable.bind("indexed")
    assert set(table.root._indexes) == set()
    described = table.root._get_schema()["global_secondary_indexes"]
    assert {index["index_name"] for index in described} == {
        "by-creation-time",
        "by-status",
        "by-tuning-job",
        "by-name",
        "alerts-by-time",
    }


def test_a_transitions_keys_name_it_again() -> None:
    # Given a pipeline execution's transition (its name holds a slash) at a microsecond
    job = JobKey(account="123456789012", region="eu-west-1", kind="pipeline", name="churn/r5t8w2n6v3cd")
    transition = Transition(
        status="Executing", start_time=datetime(2026, 11, 20, 13, 35, 1, 234567, tzinfo=UTC)
    )
    # When its item's keys are read back (what a stream record carries)
    ref = transition_ref_from_keys(job_pk(job), transition_sk(transition))
    # Then they name the same job and transition
    assert ref == TransitionRef(job=job, status="Executing", start_time=transition.start_time)
    assert ref is not None
    assert ref.key == transition.key


@pytest.mark.parametrize(
    ("pk", "sk"),
    [
        ("JOB#123456789012#us-east-1#training#bert", "SUMMARY"),
        ("JOB#123456789012#us-east-1#training#bert", "ALERT#2026-11-20T13:35:01.000000Z#Failed"),
        ("JOB#123456789012#us-east-1#training#bert", "SLACK#alerts"),
        ("JOB#bert", "TRANSITION#2026-11-20T13:35:01.000000Z#Failed"),  # the layout before kinds
        ("JOB#123456789012#us-east-1#training#bert", "TRANSITION#yesterday#Failed"),
        ("JOB#123456789012#us-east-1#training#bert", "TRANSITION#2026-11-20T13:35:01.000000Z#"),
        ("JOB#123456789012#us-east-1#cooking#bert", "TRANSITION#2026-11-20T13:35:01.000000Z#Failed"),
        ("WATERMARK#reconcile", "WATERMARK"),
    ],
)
def test_other_keys_name_no_transition(pk: str, sk: str) -> None:
    assert transition_ref_from_keys(pk, sk) is None

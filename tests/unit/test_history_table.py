"""Binding the static item models to a table: several tables in one process, no state shared between them.

No sockets: binding makes no call, and PynamoDB builds request arguments without sending them.
"""

from __future__ import annotations

from base64 import b64encode
from datetime import UTC, datetime
from typing import Any

import pytest
from jobtrail.adapters.history_codec import pack
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
    UnpricedItem,
    Watermark,
    job_pk,
    transitions_added,
    watermark_item,
)
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import JobRecord, JobSummary, Transition
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
    # Then the static kinds are still exactly the models, and they reach no table
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
        UnpricedItem,
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


_PIPELINE = JobKey(account="123456789012", region="eu-west-1", kind="pipeline", name="churn/r5t8w2n6v3cd")
_EXECUTING = Transition(status="Executing", start_time=datetime(2026, 11, 20, 13, 35, 1, 234567, tzinfo=UTC))
_FAILED = Transition(status="Failed", start_time=datetime(2026, 11, 20, 13, 41, 2, 5, tzinfo=UTC))


def _pipeline_record(*transitions: Transition) -> JobRecord:
    summary = JobSummary(
        job_name=_PIPELINE.name,
        job_arn="arn:aws:sagemaker:eu-west-1:123456789012:pipeline/churn/execution/r5t8w2n6v3cd",
        status=transitions[-1].status,
        secondary_status=None,
        last_modified_time=transitions[-1].start_time,
        creation_time=transitions[0].start_time,
        kind="pipeline",
    )
    return JobRecord(summary=summary, transitions=transitions)


def _image(record: JobRecord, *, as_text: bool = False) -> dict[str, Any]:
    packed = pack(record)
    return {
        "pk": {"S": job_pk(_PIPELINE)},
        "sk": {"S": "SUMMARY"},
        "h": {"B": b64encode(packed).decode() if as_text else packed},
    }


@pytest.mark.parametrize("as_text", [False, True], ids=["bytes (botocore)", "base64 (Lambda)"])
def test_a_summary_writes_stream_record_names_the_transitions_it_added(as_text: bool) -> None:
    # Given a pipeline execution (its name holds a slash) rewritten with a transition more, at a microsecond
    before, after = _pipeline_record(_EXECUTING), _pipeline_record(_EXECUTING, _FAILED)
    keys = {"pk": {"S": job_pk(_PIPELINE)}, "sk": {"S": "SUMMARY"}}
    change = {
        "Keys": keys,
        "OldImage": _image(before, as_text=as_text),
        "NewImage": _image(after, as_text=as_text),
    }
    # When the stream record is read
    added = transitions_added(change)
    # Then it names the one transition the write added, of the same job
    assert added == (TransitionRef(job=_PIPELINE, status="Failed", start_time=_FAILED.start_time),)
    assert added[0].key == _FAILED.key
    # And a new job's first write (no old image) adds every transition it holds
    first = transitions_added({"Keys": keys, "NewImage": _image(after, as_text=as_text)})
    assert [ref.status for ref in first] == ["Executing", "Failed"]


def test_a_summary_packed_over_the_layout_before_adds_what_came_after_it() -> None:
    # Given a summary of the layout before the packed record (its transitions were items of their own),
    # last modified when the execution started, rewritten packed once it failed
    keys = {"pk": {"S": job_pk(_PIPELINE)}, "sk": {"S": "SUMMARY"}}
    old = {"last_modified_time": {"S": "2026-11-20T13:35:01.234567+0000"}, "job_status": {"S": "Executing"}}
    change = {"Keys": keys, "OldImage": old, "NewImage": _image(_pipeline_record(_EXECUTING, _FAILED))}
    # Then only the transition after it is new
    assert [ref.status for ref in transitions_added(change)] == ["Failed"]


@pytest.mark.parametrize(
    ("pk", "sk"),
    [
        ("JOB#123456789012#us-east-1#training#bert", "ALERT#2026-11-20T13:35:01.000000Z#Failed"),
        ("JOB#123456789012#us-east-1#training#bert", "SLACK#alerts"),
        ("JOB#123456789012#us-east-1#training#bert", "TRANSITION#2026-11-20T13:35:01.000000Z#Failed"),
        ("JOB#bert", "SUMMARY"),  # the layout before kinds
        ("WATERMARK#reconcile", "WATERMARK"),
    ],
)
def test_other_items_add_no_transition(pk: str, sk: str) -> None:
    image = {**_image(_pipeline_record(_EXECUTING)), "pk": {"S": pk}, "sk": {"S": sk}}
    assert transitions_added({"Keys": {"pk": {"S": pk}, "sk": {"S": sk}}, "NewImage": image}) == ()


def test_a_summary_without_a_readable_record_adds_no_transition() -> None:
    keys = {"pk": {"S": job_pk(_PIPELINE)}, "sk": {"S": "SUMMARY"}}
    for image in ({}, {"h": {"B": b"\x07junk"}}, {"h": {"S": "text"}}):
        assert transitions_added({"Keys": keys, "NewImage": image}) == ()

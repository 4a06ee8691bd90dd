"""Bad input, generated: whatever lands on the queue, a rejected record is parked with its reason, alone.

Hypothesis builds SQS bodies that are not SageMaker training-job state changes — text that is not JSON,
JSON of any shape, valid envelopes with broken ``detail``s or invalid job names, oversize fields, unicode
and deep nesting — and hands them to ``handle_batch`` with in-memory fakes. For every batch: no exception
escapes, no record fails (SQS would retry a permanent problem five times), each bad record is parked
once with a non-empty one-line reason, and nothing is described, read, written or published for it.

Pure: the fakes of ``tests/fakes.py`` and the scripted SageMaker answering directly (no boto3); no socket
is ever connected.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fakes import InMemoryHistories, ListAlertPublisher, ListDeadLetters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobtrail.usecases.ingest import IngestDeps, handle_batch
from jobtrail_local.aws_calls import count_aws_calls
from jobtrail_local.lifecycles import load_lifecycle, sqs_record
from jobtrail_local.loadgen import generate
from jobtrail_local.scripted_sagemaker import ScriptedSageMaker

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
#: SageMaker's TrainingJobName rule, applied with ``fullmatch`` (no trailing-newline leniency).
VALID_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
#: A real event: the completed fixture's first, as EventBridge delivered it.
GOOD_EVENT: dict[str, Any] = load_lifecycle("completed").steps[0].event
#: A few valid jobs SageMaker knows, for batches that mix good records with bad ones.
LOAD = generate(8, seed=3)
SCRIPT = ScriptedSageMaker()
for _step in LOAD.steps:
    SCRIPT.advance(_step)
#: When the records were sent (given, so that building a record never parses its body).
SENT_AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TRAINING_JOBS = SCRIPT.jobs()


# ------------------------------------------------------------------------------------------ strategies
#: What an SQS message body may hold: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
SQS_CHARACTERS = st.one_of(
    st.sampled_from("\t\n\r"),
    st.characters(min_codepoint=0x20, max_codepoint=0xD7FF),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFD),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
)
TEXT = st.text(SQS_CHARACTERS, max_size=200)
JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(TEXT, children, max_size=5),
    max_leaves=25,
)
NOT_A_STRING = JSON_VALUES.filter(lambda value: not isinstance(value, str))
INVALID_NAMES = st.one_of(
    st.sampled_from(
        [
            "",
            "-resnet",
            "resnet-",
            "resnet--",
            "resnet_50",
            "resnet 50",
            "resnet50\n",
            "\nresnet50",
            "resnet50\t",
            "ｒｅｓｎｅｔ５０",  # fullwidth: letters and digits, but not ASCII ones  # noqa: RUF001
            "résumé-2026",
            "job-🚀",
            "a" * 64,
            "a-" * 31 + "bc",
            "x" * 100_000,
        ]
    ),
    TEXT.filter(lambda name: not VALID_NAME.fullmatch(name)),
    st.from_regex(VALID_NAME, fullmatch=True).map(lambda name: name + "-" + "9" * 63),
)
ENVELOPE_KEYS = sorted(GOOD_EVENT)


def as_body(value: Any, ascii_only: bool) -> str:
    return json.dumps(value, ensure_ascii=ascii_only)


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"detail": value}
    return value


def with_detail(**changes: Any) -> dict[str, Any]:
    event = json.loads(json.dumps(GOOD_EVENT))
    event["detail"].update(changes)
    return event


@st.composite
def not_json(draw: st.DrawFn) -> str:
    """Text, including truncations of a real event and JSON with trailing garbage."""
    good = json.dumps(GOOD_EVENT)
    return draw(
        st.one_of(
            TEXT.filter(lambda text: not _is_json(text)),
            st.integers(0, len(good) - 1).map(lambda cut: good[:cut]),
            TEXT.map(lambda tail: good + "," + tail),
            st.just(good.replace('"', "'")),
        )
    )


@st.composite
def not_an_envelope(draw: st.DrawFn) -> str:
    """JSON of any shape, and real-looking events with a field missing, retyped or from elsewhere."""
    choice = draw(st.integers(0, 4))
    if choice == 0:
        value = draw(JSON_VALUES)
    elif choice == 1:
        event = json.loads(json.dumps(GOOD_EVENT))
        del event[draw(st.sampled_from(ENVELOPE_KEYS))]
        value = event
    elif choice == 2:
        event = json.loads(json.dumps(GOOD_EVENT))
        key = draw(st.sampled_from([k for k in ENVELOPE_KEYS if k not in {"version", "account", "region"}]))
        event[key] = draw(NOT_A_STRING if key != "resources" else JSON_LEAVES)
        value = event
    elif choice == 3:
        other = draw(st.sampled_from(["aws.ec2", "aws.sagemaker.", "AWS.SAGEMAKER", "", "aws.sagemaker "]))
        value = dict(GOOD_EVENT, source=other)
    else:
        other = draw(
            st.sampled_from(
                [
                    "SageMaker Processing Job State Change",
                    "SageMaker Training Job State Change ",
                    "sagemaker training job state change",
                    "SageMaker HyperParameter Tuning Job State Change",
                ]
            )
        )
        value = dict(GOOD_EVENT, **{"detail-type": other})
    return as_body(value, draw(st.booleans()))


@st.composite
def bad_detail(draw: st.DrawFn) -> str:
    """A valid envelope whose ``detail`` is not an object, lacks the name, or names it wrongly."""
    choice = draw(st.integers(0, 3))
    if choice == 0:
        event = dict(GOOD_EVENT, detail=draw(JSON_VALUES.filter(lambda value: not isinstance(value, dict))))
    elif choice == 1:
        event = json.loads(json.dumps(GOOD_EVENT))
        del event["detail"]["TrainingJobName"]
    elif choice == 2:
        event = with_detail(TrainingJobName=draw(NOT_A_STRING))
    else:
        event = with_detail(TrainingJobName=draw(INVALID_NAMES))
    # Wrong types elsewhere in detail too, sometimes: the name alone already makes it invalid.
    for key in draw(st.lists(st.sampled_from(["TrainingJobStatus", "SecondaryStatus", "LastModifiedTime"]))):
        if isinstance(event["detail"], dict):
            event["detail"][key] = draw(JSON_VALUES)
    return as_body(event, draw(st.booleans()))


@st.composite
def oversize(draw: st.DrawFn) -> str:
    """Huge fields and bodies (SQS takes up to 256 KiB), in invalid events."""
    size = draw(st.integers(10_000, 200_000))
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return "x" * size
    if choice == 1:
        return json.dumps(with_detail(TrainingJobName="n" * size))
    reason = draw(st.sampled_from(["é", "🚀", "\n", '"', "\\"])) * (size // 4)
    return json.dumps(with_detail(TrainingJobName="bad name", FailureReason=reason), ensure_ascii=False)


@st.composite
def deeply_nested(draw: st.DrawFn) -> str:
    """Nesting beyond any sane event, as the whole body, as ``detail`` or as the job name."""
    depth = draw(st.integers(100, 5_000))
    where = draw(st.integers(0, 2))
    if where == 0:
        return json.dumps(nested(depth))
    if where == 1:
        return json.dumps(dict(GOOD_EVENT, detail=nested(depth)))
    return json.dumps(with_detail(TrainingJobName=nested(depth, "resnet50")))


BAD_BODIES = st.one_of(not_json(), not_an_envelope(), bad_detail(), oversize(), deeply_nested())


# ---------------------------------------------------------------------------------------------- helpers
@dataclass
class Outcome:
    response: Any
    parked: list[dict[str, Any]]
    histories: InMemoryHistories
    published: ListAlertPublisher
    aws_calls: Counter[str]


def ingest(bodies: list[str]) -> Outcome:
    """One SQS batch of ``bodies`` through ``handle_batch``, each record its own message."""
    SCRIPT.calls.clear()
    histories, dead_letters, publisher = InMemoryHistories(), ListDeadLetters(), ListAlertPublisher()
    deps = IngestDeps(jobs=TRAINING_JOBS, histories=histories, dead_letters=dead_letters, alerts=publisher)
    records = [sqs_record(body, message_id=f"message-{i}", sent_at=SENT_AT) for i, body in enumerate(bodies)]
    with count_aws_calls() as calls:
        response = handle_batch({"Records": records}, deps)
    return Outcome(response, dead_letters.parked, histories, publisher, calls)


def assert_all_parked_alone(bodies: list[str], outcome: Outcome) -> None:
    # No record failed: a permanent problem is parked at once, never retried
    assert outcome.response == {"batchItemFailures": []}
    # Each record was parked once, as it was, with a reason on one line
    assert [p["message_id"] for p in outcome.parked] == [f"message-{i}" for i in range(len(bodies))]
    assert [p["body"] for p in outcome.parked] == bodies
    for parked in outcome.parked:
        reason = parked["reason"]
        assert isinstance(reason, str)
        assert reason.strip(), parked
        assert not set(reason) & {"\n", "\r", "\u2028", "\u2029", "\x85"}, reason
    # And nothing else happened: no AWS call (Describe included), no read, no write, no alert
    assert outcome.aws_calls == Counter()
    assert SCRIPT.calls == []
    assert (outcome.histories.loads, outcome.histories.writes) == (0, 0)
    assert outcome.published.published == []


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------------------------ tests
@SETTINGS
@given(bodies=st.lists(not_json(), min_size=1, max_size=10))
def test_bodies_that_are_not_json_are_parked(bodies: list[str]) -> None:
    assert_all_parked_alone(bodies, ingest(bodies))


@SETTINGS
@given(bodies=st.lists(not_an_envelope(), min_size=1, max_size=10))
def test_json_that_is_not_a_training_job_state_change_is_parked(bodies: list[str]) -> None:
    assert_all_parked_alone(bodies, ingest(bodies))


@SETTINGS
@given(bodies=st.lists(bad_detail(), min_size=1, max_size=10))
def test_valid_envelopes_with_a_bad_detail_or_job_name_are_parked_with_their_event_id(
    bodies: list[str],
) -> None:
    outcome = ingest(bodies)
    assert_all_parked_alone(bodies, outcome)
    assert {p["event_id"] for p in outcome.parked} == {GOOD_EVENT["id"]}


@SETTINGS
@given(names=st.lists(INVALID_NAMES, min_size=1, max_size=10))
def test_invalid_job_names_are_named_in_the_reason(names: list[str]) -> None:
    bodies = [json.dumps(with_detail(TrainingJobName=name)) for name in names]
    outcome = ingest(bodies)
    assert_all_parked_alone(bodies, outcome)
    assert all(p["reason"].startswith("detail.TrainingJobName: ") for p in outcome.parked)


@settings(SETTINGS, max_examples=25)
@given(bodies=st.lists(oversize(), min_size=1, max_size=3))
def test_oversize_bodies_and_fields_are_parked(bodies: list[str]) -> None:
    assert_all_parked_alone(bodies, ingest(bodies))


@settings(SETTINGS, max_examples=40)
@given(bodies=st.lists(deeply_nested(), min_size=1, max_size=3))
def test_deeply_nested_json_is_parked(bodies: list[str]) -> None:
    assert_all_parked_alone(bodies, ingest(bodies))


def test_a_body_nested_beyond_the_interpreters_limit_is_parked_too() -> None:
    # Given a 100,000-level body: 200 KB, under SQS's 256 KiB, and deeper than json.loads can go
    depth = max(100_000, sys.getrecursionlimit() * 100)
    bodies = [
        "[" * depth + "]" * depth,
        json.dumps(GOOD_EVENT)[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}",
    ]
    assert len(bodies[0]) < 256 * 1024
    # Then it is parked like any other bad record
    assert_all_parked_alone(bodies, ingest(bodies))


@SETTINGS
@given(data=st.data())
def test_bad_records_among_good_ones_are_parked_and_the_good_ones_synced_once_per_job(
    data: st.DataObject,
) -> None:
    # Given a batch mixing real events of known jobs with bad records, in any order
    good = data.draw(st.lists(st.sampled_from(LOAD.steps), min_size=1, max_size=6), label="good")
    bad = data.draw(st.lists(BAD_BODIES, min_size=1, max_size=4), label="bad")
    order = data.draw(st.permutations([(True, s.sqs_body) for s in good] + [(False, b) for b in bad]))
    bodies = [body for _, body in order]
    # When it is ingested
    outcome = ingest(bodies)
    # Then nothing failed, exactly the bad records were parked, and each good job was described once
    assert outcome.response == {"batchItemFailures": []}
    bad_ids = [f"message-{i}" for i, (is_good, _) in enumerate(order) if not is_good]
    assert [p["message_id"] for p in outcome.parked] == bad_ids
    assert all(p["reason"].strip() and "\n" not in p["reason"] for p in outcome.parked)
    assert Counter(SCRIPT.calls) == Counter(dict.fromkeys({s.job_name for s in good}, 1))
    assert set(outcome.histories.by_name) == {s.job_name for s in good}


@SETTINGS
@given(
    changes=st.dictionaries(
        st.sampled_from(["TrainingJobStatus", "SecondaryStatus", "LastModifiedTime", "Tags", "CreationTime"]),
        JSON_VALUES,
        min_size=1,
    )
)
def test_odd_values_beside_a_valid_name_either_park_the_record_or_sync_its_job_never_both(
    changes: dict[str, Any],
) -> None:
    # Given a real event of a known job whose other detail fields hold anything
    step = LOAD.steps[0]
    event = json.loads(step.sqs_body)
    event["detail"].update(changes)
    # When it is ingested
    outcome = ingest([json.dumps(event)])
    # Then the record is accounted for exactly once: parked with a reason, or its job described
    assert outcome.response == {"batchItemFailures": []}
    parked, described = len(outcome.parked), len(SCRIPT.calls)
    assert (parked, described) in {(1, 0), (0, 1)}
    if parked:
        assert outcome.histories.writes == 0
        assert outcome.parked[0]["reason"].split(":")[0].startswith("detail.")


def test_the_strategies_never_build_a_valid_event_by_accident() -> None:
    """The oracle the tests above rely on: the good event is valid, and its name check is SageMaker's."""
    outcome = ingest([json.dumps(GOOD_EVENT)])
    assert outcome.parked == []
    assert VALID_NAME.fullmatch(GOOD_EVENT["detail"]["TrainingJobName"])
    assert not VALID_NAME.fullmatch("resnet50\n")
    assert all(not VALID_NAME.fullmatch(name) for name in ["", "a" * 64, "-a", "a-", "a_b"])

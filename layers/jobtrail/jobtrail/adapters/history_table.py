"""The history table's item layout: the only module that knows PynamoDB's models and the attribute names.

One partition per job, keyed by its identity (``pk = JOB#<account>#<region>#<kind>#<name>``: two kinds
may share a name, and many accounts and regions may share the table), plus one per watermark
(``pk = WATERMARK#<name>``):

==========================================  =====================================================
``sk``                                      item
==========================================  =====================================================
``SUMMARY``                                 the job's whole record, packed (``record``, see
                                            ``history_codec``): its summary, every status transition
                                            (training: each ``SecondaryStatusTransition``), final
                                            metrics and pipeline steps; the optimistic-lock
                                            ``version``; the indexes' keys
``ALERT#<start time>#<alert type>``         one alert, ``pending`` until SNS accepts it, then ``sent``
``SLACK#<channel>``                         the job's Slack thread in that channel (app mode): its
                                            parent's ``ts``, or the claim to post it; replies posted
``WATERMARK``                               where a reconciliation or backfill pass got to
==========================================  =====================================================

and the unpriced list, ``pk = UNPRICED``, one item per ended job whose cost waits for a price not found
yet, ``sk`` its partition key (see the end of this module).

Tables written before the packed record also hold, per job, ``METRICS``, ``TRANSITION#<start
time>#<status>`` and ``STEP#<step name>`` items and a summary with an attribute per field: they are still
read as they are, and a job's next write packs its record (the old items are then ignored).

Summary items also carry the keys of four sparse indexes that serve the CLI without a Scan, each sorted
by ``creation_time``: ``by-creation-time`` (``job_index``, which holds the job's kind: one kind's jobs
newest first), ``by-status`` (``job_status``, set while the job is active only), ``by-tuning-job``
(``tuning_job_name``) and ``by-name`` (``job_name``: which kinds, accounts and regions have a job of that
name); alerts carry
``alerts-by-time``'s (``alert_index``, ``transition_start_time``). The table itself belongs to the SAM
template (``HistoryTable``); its key schema there must match the attributes here (tests compare them).

**The indexes project only what never changes** (``JOB_INDEX_ATTRIBUTES``; alerts: ``ALERT_INDEX_ATTRIBUTES``,
which change once, when the alert is sent): a summary rewrite writes an index only when one of its keys
changes (a new status moves the job in ``by-status``), not on every sync, which is what made the indexes
most of ingest's write units. A listing reads the index for keys, then the items themselves
(``read_whole``: one BatchGetItem per 100).

The models below are static, so that every attribute has a type; none of them names a table. PynamoDB
binds a model to its table through ``Meta`` and caches the connection on the class, so
``HistoryTable.bind`` derives, per table, a root with its own ``Meta`` and discriminator and a subclass of
each model on that root: one process can talk to several tables (tests, the demo, DynamoDB Local next to
moto) without global state, and every bound class shares the root's one connection.

The mapping to and from the domain records (``jobtrail.core.model``) is here too, and ``StoreError``,
which both the store and the queries raise.
"""

from __future__ import annotations

import base64
import functools
import types
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

import msgspec
from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from jobtrail.adapters.history_codec import UnreadableRecord, pack, pack_text, unpack, unpack_text
from jobtrail.core.cost import USAGE_NAMES, CachedPrice, UnpricedJob
from jobtrail.core.history import sort_steps
from jobtrail.core.kinds import KINDS, JobKey, Kind
from jobtrail.core.model import (
    OBJECTIVE_COUNTERS,
    TRAINING_JOB_COUNTERS,
    Alert,
    AlertState,
    Claim,
    JobRecord,
    JobSummary,
    Metric,
    PipelineStep,
    StoredAlert,
    StoredJob,
    Transition,
    TuningFacts,
    ordered_counts,
)

if TYPE_CHECKING:  # the Slack thread records: imported where app mode reads them (ingest never does)
    from jobtrail.core.slack_thread import SlackThread, TransitionRef

JOB_PREFIX = "JOB#"
SUMMARY_SK = "SUMMARY"
METRICS_SK = "METRICS"
TRANSITION_PREFIX = "TRANSITION#"
STEP_PREFIX = "STEP#"
ALERT_PREFIX = "ALERT#"
SLACK_THREAD_PREFIX = "SLACK#"
WATERMARK_PREFIX = "WATERMARK#"
WATERMARK_SK = "WATERMARK"
#: The kinds by their stored value (``job_index`` of summaries, ``job_kind`` of alerts).
STORED_KINDS: dict[str, Kind] = {kind: kind for kind in KINDS}
#: The constant partition of the ``alerts-by-time`` index: every alert, newest first.
ALL_ALERTS = "ALERT"
#: The states an alert item can be in (``state``), by their stored value.
ALERT_STATES: dict[str, AlertState] = {"pending": "pending", "sent": "sent"}

_Result = TypeVar("_Result")


class StoreError(Exception):
    """The table could not be read or written (missing table, no credentials, unreachable endpoint…)."""


#: What to do about the errors a person can fix, keyed by botocore's exception name.
_HINTS = {
    "NoCredentialsError": "run aws configure, set AWS_PROFILE or pass --profile",
    "NoRegionError": "pass --region or set AWS_REGION",
    "EndpointConnectionError": "is the endpoint up and the URL right?",
}


def store_error(error: PynamoDBException) -> StoreError:
    """One line: DynamoDB's error code and message, or botocore's, with a hint where one helps."""
    code = error.cause_response_code
    message = error.cause_response_message or str(error.cause or error)
    hint = _HINTS.get(type(error.cause).__name__)
    text = f"{code}: {message}" if code else message
    return StoreError(f"{text} ({hint})" if hint else text)


def guarded(call: Callable[[], _Result]) -> _Result:
    """``call()``, with PynamoDB's errors raised as ``StoreError``."""
    try:
        return call()
    except PynamoDBException as error:
        raise store_error(error) from error


# -- the models (static: typed, bound to no table) ---------------------------------------------------


class Root(Model):
    """Every item: the keys, the kind (PynamoDB's discriminator) and when it was written."""

    class Meta:
        # No table: only ``HistoryTable.bind``'s subclasses reach DynamoDB (PynamoDB refuses these).
        table_name = None

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    recorded_at = UTCDateTimeAttribute(null=True)


#: What the job indexes carry besides their keys: attributes a job never changes, which the listings filter
#: on (``kind`` is the item type PynamoDB filters a subclass's queries on). ``by-creation-time``'s hash key
#: is ``job_index`` already, so it projects the others only.
JOB_INDEX_ATTRIBUTES = ("kind", "job_index", "account", "region")
#: What ``alerts-by-time`` carries: the item type and kind, never changed, and the delivery state that
#: reconciliation looks for pending alerts by, changed once (when the alert is sent).
ALERT_INDEX_ATTRIBUTES = ("kind", "job_kind", "state", "claimed_until")


# Each index class is flagged ``no-untyped-call`` under mypy strict: PynamoDB's Index.__init_subclass__ is
# unannotated.
class ByCreationTime(GlobalSecondaryIndex["Summary"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by-creation-time"
        projection = IncludeProjection([a for a in JOB_INDEX_ATTRIBUTES if a != "job_index"])

    job_index = UnicodeAttribute(hash_key=True)
    creation_time = UTCDateTimeAttribute(range_key=True)


class ByStatus(GlobalSecondaryIndex["Summary"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by-status"
        projection = IncludeProjection(list(JOB_INDEX_ATTRIBUTES))

    job_status = UnicodeAttribute(hash_key=True)
    creation_time = UTCDateTimeAttribute(range_key=True)


class ByTuningJob(GlobalSecondaryIndex["Summary"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by-tuning-job"
        projection = IncludeProjection(list(JOB_INDEX_ATTRIBUTES))

    tuning_job_name = UnicodeAttribute(hash_key=True)
    creation_time = UTCDateTimeAttribute(range_key=True)


class ByName(GlobalSecondaryIndex["Summary"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by-name"
        # The keys and the item type, which PynamoDB filters a subclass's queries on.
        projection = IncludeProjection(["kind"])

    job_name = UnicodeAttribute(hash_key=True)
    creation_time = UTCDateTimeAttribute(range_key=True)


class Summary(Root, discriminator="summary"):
    """A job's summary item. Since format 1 (``record``, written by every version that has it) the item
    holds the job's whole record packed (``history_codec``: summary, transitions, final metrics, steps)
    and, beside it, only what the indexes need: their keys and what the listings filter on.
    The other attributes below are the layout before it, still read from summaries written by older
    versions (with their ``TRANSITION#``, ``METRICS`` and ``STEP#`` items) until a write or ``jobtrail
    migrate`` packs them."""

    record = BinaryAttribute(attr_name="h", null=True, legacy_encoding=False)
    job_index = UnicodeAttribute()  # the job's kind
    job_name = UnicodeAttribute()
    account = UnicodeAttribute()  # account and region: the listings filter on them (index projections)
    region = UnicodeAttribute()
    creation_time = UTCDateTimeAttribute()
    job_status = UnicodeAttribute(null=True)
    tuning_job_name = UnicodeAttribute(null=True)
    # -- the layout before ``record`` (read only) --
    job_arn = UnicodeAttribute(null=True)
    secondary_status = UnicodeAttribute(null=True)
    failure_reason = UnicodeAttribute(null=True)
    last_modified_time = UTCDateTimeAttribute(null=True)
    start_time = UTCDateTimeAttribute(null=True)
    end_time = UTCDateTimeAttribute(null=True)
    training_time_seconds = NumberAttribute(null=True)
    billable_time_seconds = NumberAttribute(null=True)
    managed_spot = BooleanAttribute(null=True)
    tuning_job_arn = UnicodeAttribute(null=True)
    instance_type = UnicodeAttribute(null=True)
    instance_count = NumberAttribute(null=True)
    max_runtime_seconds = NumberAttribute(null=True)
    max_wait_seconds = NumberAttribute(null=True)
    model_artifacts_uri = UnicodeAttribute(null=True)
    exit_message = UnicodeAttribute(null=True)
    model_name = UnicodeAttribute(null=True)
    failed_step = UnicodeAttribute(null=True)
    # A tuning job's: {"training": {status: count}, "objective": {status: count}}, and its objective.
    tuning_counts = MapAttribute[str, object](null=True)  # type: ignore[no-untyped-call]
    objective_metric = UnicodeAttribute(null=True)
    objective_type = UnicodeAttribute(null=True)
    best_training_job = UnicodeAttribute(null=True)
    best_objective_value = UnicodeAttribute(null=True)  # repr(): exact, like the metrics
    # The job's tags, {key: value}, bounded by core.routing.kept_tags; absent until they were read.
    tags = MapAttribute[str, str](null=True)  # type: ignore[no-untyped-call]
    version = VersionAttribute()

    by_creation_time = ByCreationTime()
    by_status = ByStatus()
    by_tuning_job = ByTuningJob()
    by_name = ByName()


class TransitionItem(Root, discriminator="transition"):
    status = UnicodeAttribute()
    start_time = UTCDateTimeAttribute()
    end_time = UTCDateTimeAttribute(null=True)
    message = UnicodeAttribute(null=True)
    position = NumberAttribute(default=0)


class StepItem(Root, discriminator="step"):
    step_name = UnicodeAttribute()
    status = UnicodeAttribute()
    start_time = UTCDateTimeAttribute(null=True)
    end_time = UTCDateTimeAttribute(null=True)
    step_type = UnicodeAttribute(null=True)
    failure_reason = UnicodeAttribute(null=True)
    display_name = UnicodeAttribute(null=True)
    attempts = NumberAttribute(null=True)
    step_job = UnicodeAttribute(null=True)  # the partition key of the job the step ran


class AlertsByTime(GlobalSecondaryIndex["AlertItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "alerts-by-time"
        projection = IncludeProjection(list(ALERT_INDEX_ATTRIBUTES))

    alert_index = UnicodeAttribute(hash_key=True)
    transition_start_time = UTCDateTimeAttribute(range_key=True)


class AlertItem(Root, discriminator="alert"):
    alert_index = UnicodeAttribute()
    job_kind = UnicodeAttribute()
    alert_type = UnicodeAttribute()
    transition_start_time = UTCDateTimeAttribute()
    severity = UnicodeAttribute()
    subject = UnicodeAttribute()
    # The alert's document (the SNS message), packed (``history_codec.pack_text``); ``message``: as
    # alerts written before it kept it, read only.
    packed_message = BinaryAttribute(attr_name="mz", null=True, legacy_encoding=False)
    message = UnicodeAttribute(null=True)
    state = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    claimed_until = UTCDateTimeAttribute(null=True)
    claim_token = UnicodeAttribute(null=True)
    sent_at = UTCDateTimeAttribute(null=True)
    sns_message_id = UnicodeAttribute(null=True)
    team = UnicodeAttribute(null=True)  # the route's team, the message's `team` attribute

    by_time = AlertsByTime()


class SlackThreadItem(Root, discriminator="slack_thread"):
    """A job's Slack thread in one channel (``SLACK#<channel>``): written only by the Slack notifier."""

    channel = UnicodeAttribute()
    channel_id = UnicodeAttribute(null=True)
    ts = UnicodeAttribute(null=True)
    team = UnicodeAttribute(null=True)
    claim_token = UnicodeAttribute(null=True)
    claimed_until = UTCDateTimeAttribute(null=True)
    posted = UnicodeSetAttribute(null=True)
    parent_digest = UnicodeAttribute(null=True)


class Watermark(Root, discriminator="watermark"):
    value = UTCDateTimeAttribute()


class MetricValue(MapAttribute[str, object]):
    name = UnicodeAttribute()
    value = UnicodeAttribute()
    timestamp = UTCDateTimeAttribute(null=True)


class Metrics(Root, discriminator="metrics"):
    metrics = ListAttribute(of=MetricValue, default=list)


# -- binding to one table ------------------------------------------------------------------------------

_Item = TypeVar("_Item", bound=Root)


class HistoryTable(msgspec.Struct, frozen=True):
    """The models bound to one table, and the one connection they share.

    Build it with ``HistoryTable.bind``. Items built from these classes read and write that table;
    conditions and update actions may use either these or the static models' attributes (they are the
    same attribute objects).
    """

    name: str
    root: type[Root]
    summary: type[Summary]
    transition: type[TransitionItem]
    step: type[StepItem]
    alert: type[AlertItem]
    watermark: type[Watermark]
    metrics: type[Metrics]
    connection: Connection
    slack_thread: type[SlackThreadItem]

    @classmethod
    def bind(cls, name: str, *, region: str | None = None, host: str | None = None) -> HistoryTable:
        """The models on table ``name``. ``host`` is an endpoint URL (DynamoDB Local, moto server);
        without it botocore's usual resolution applies, ``AWS_ENDPOINT_URL_DYNAMODB`` included.
        Makes no call: the connection's botocore client is created on first use."""
        root = _table_root(name, region, host)
        summary = _bound(Summary, root)
        transition = _bound(TransitionItem, root)
        step = _bound(StepItem, root)
        alert = _bound(AlertItem, root)
        watermark = _bound(Watermark, root)
        metrics = _bound(Metrics, root)
        slack_thread = _bound(SlackThreadItem, root)
        # Only now, with every kind registered, does the root know the indexes its connection must
        # describe. The bound classes find the root's connection through inheritance, so they and the
        # transactions share it: each PynamoDB Connection builds its own botocore session and client on
        # first use, about 45 ms of a cold start apiece.
        connection = root._get_connection().connection
        return cls(name, root, summary, transition, step, alert, watermark, metrics, connection, slack_thread)


def _table_root(table: str, region_name: str | None, endpoint: str | None) -> type[Root]:
    class TableRoot(Root):
        class Meta:
            table_name = table
            region = region_name
            host = endpoint

        # A discriminator of the table's own: the static one maps each kind to its static model already.
        kind = DiscriminatorAttribute()

    return TableRoot


def _bound(model: type[_Item], root: type[Root]) -> type[_Item]:
    """A subclass of ``model`` on ``root``'s table, registered under ``model``'s kind with ``root``'s
    discriminator (items read through ``root`` come back as these, so as instances of ``model``)."""
    kind = Root.kind.get_discriminator(model)
    if not isinstance(kind, str):
        raise TypeError(f"{model.__name__} has no kind (declare it with discriminator=...)")

    def body(namespace: dict[str, object]) -> None:
        namespace.update(
            __module__=model.__module__, __qualname__=f"{model.__qualname__}[{root.Meta.table_name}]"
        )

    bound = types.new_class(model.__name__, (root, model), {"discriminator": kind}, body)
    if not issubclass(bound, model):  # always true; tells the type checker what new_class made
        raise TypeError(f"{bound!r} is not a {model.__name__}")
    return bound


# -- keys ----------------------------------------------------------------------------------------------


def job_pk(job: JobKey) -> str:
    """``JOB#<account>#<region>#<kind>#<name>``: names and the rest hold no ``#``, the name comes last."""
    return f"{JOB_PREFIX}{job.account}#{job.region}#{job.kind}#{job.name}"


def is_legacy_pk(pk: str) -> bool:
    """Whether a job partition key is the layout before kinds, ``JOB#<name>`` (names hold no ``#``):
    indexes still list such items until ``jobtrail migrate`` moves them; readers skip them."""
    return pk.startswith(JOB_PREFIX) and "#" not in pk.removeprefix(JOB_PREFIX)


def key_from_pk(pk: str) -> JobKey:
    """The job a partition key names (the inverse of ``job_pk``)."""
    account, region, kind, name = pk.removeprefix(JOB_PREFIX).split("#", 3)
    return JobKey(account=account, region=region, kind=STORED_KINDS[kind], name=name)


def step_sk(step: PipelineStep) -> str:
    return f"{STEP_PREFIX}{step.name}"


def transition_sk(transition: Transition) -> str:
    return f"{TRANSITION_PREFIX}{_sortable(transition.start_time)}#{transition.status}"


def alert_sk(alert: Alert) -> str:
    return f"{ALERT_PREFIX}{_sortable(alert.transition_start_time)}#{alert.alert_type}"


def slack_thread_sk(channel: str) -> str:
    return f"{SLACK_THREAD_PREFIX}{channel}"


def transitions_added(change: Mapping[str, object]) -> tuple[TransitionRef, ...]:
    """The transitions a DynamoDB stream record of a summary item adds to its job (its ``dynamodb``
    member: ``Keys``, ``OldImage``, ``NewImage``, values in DynamoDB JSON, binary as bytes or base64), in
    the job's order; none for another item, a summary of the layout before the packed record, or one
    that cannot be read. A summary packed over one of the layout before adds the transitions after the
    old one's ``last_modified_time`` (those before it were recorded as items of their own)."""
    keys = change.get("Keys")
    pk, sk = (_string(keys, name) for name in ("pk", "sk")) if isinstance(keys, Mapping) else (None, None)
    if pk is None or sk != SUMMARY_SK or not pk.startswith(JOB_PREFIX) or is_legacy_pk(pk):
        return ()
    new = _image_record(change.get("NewImage"))
    if new is None:
        return ()
    old_image = change.get("OldImage")
    old = _image_record(old_image)
    if old is not None:
        known = {transition.key for transition in old.transitions}
    else:
        before = _string(old_image, "last_modified_time") if isinstance(old_image, Mapping) else None
        cutoff = _parse_stored_time(before) if before else None
        known = {t.key for t in new.transitions if cutoff is not None and t.start_time <= cutoff}
    from jobtrail.core.slack_thread import TransitionRef  # noqa: PLC0415 - the notifier's, in app mode

    job = key_from_pk(pk)
    return tuple(
        TransitionRef(job=job, status=t.status, start_time=t.start_time)
        for t in new.transitions
        if t.key not in known
    )


def _parse_stored_time(text: str) -> datetime | None:
    """A time as ``UTCDateTimeAttribute`` stores it (``2026-11-20T10:00:00.000000+0000``)."""
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return None


def _string(image: Mapping[str, object], name: str) -> str | None:
    value = image.get(name)
    text = value.get("S") if isinstance(value, Mapping) else None
    return text if isinstance(text, str) else None


def _image_record(image: object) -> JobRecord | None:
    """The record packed in a stream image's ``h`` (bytes from botocore, base64 text from Lambda)."""
    value = image.get("h") if isinstance(image, Mapping) else None
    packed = value.get("B") if isinstance(value, Mapping) else None
    if isinstance(packed, str):
        packed = base64.b64decode(packed)
    if not isinstance(packed, bytes):
        return None
    try:
        return unpack(packed)
    except UnreadableRecord:
        return None


def watermark_pk(name: str) -> str:
    return f"{WATERMARK_PREFIX}{name}"


def _sortable(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- the read both the store and the queries make -----------------------------------------------------


def read_job(table: HistoryTable, job: JobKey, *, consistent: bool = True) -> StoredJob | None:
    """The stored job (one Query of its partition, strongly consistent unless told otherwise), or
    ``None`` if it has no summary yet."""
    return read_job_and_threads(table, job, consistent=consistent)[0]


def read_job_and_threads(
    table: HistoryTable, job: JobKey, *, consistent: bool = True
) -> tuple[StoredJob | None, tuple[SlackThread, ...]]:
    """The stored job and its Slack threads, from the same Query (the notifier's one read per event)."""
    summary = None
    metrics: tuple[Metric, ...] = ()
    transitions: list[Transition] = []
    steps: list[PipelineStep] = []
    alerts: list[StoredAlert] = []
    threads: list[SlackThread] = []
    for item in guarded(lambda: list(table.root.query(job_pk(job), consistent_read=consistent))):
        if isinstance(item, Summary):
            summary = item
        elif isinstance(item, Metrics):
            metrics = metrics_from_item(item)
        elif isinstance(item, TransitionItem):
            transitions.append(transition_from_item(item))
        elif isinstance(item, StepItem):
            steps.append(step_from_item(item))
        elif isinstance(item, AlertItem):
            alerts.append(alert_from_item(item))
        elif isinstance(item, SlackThreadItem):
            threads.append(slack_thread_from_item(item))
    if summary is None:
        return None, tuple(threads)
    record = record_from_item(summary)
    if record is None:  # the layout before the packed record: its items
        transitions.sort(key=lambda t: (t.start_time, t.position))
        record = JobRecord(
            summary=_legacy_summary(summary),
            transitions=tuple(transitions),
            final_metrics=metrics,
            steps=sort_steps(steps),
        )
    stored = StoredJob(
        summary=record.summary,
        transitions=record.transitions,
        final_metrics=record.final_metrics,
        steps=record.steps,
        version=int(summary.version or 0),
        alerts=tuple(alerts),
    )
    return stored, tuple(threads)


def read_whole(table: HistoryTable, model: type[_Item], entries: Iterable[Root]) -> list[_Item]:
    """The whole ``model`` items that index entries (their keys and a few attributes) stand for, in the
    entries' order (BatchGetItem, 100 keys a call, eventually consistent like the index). An item gone in
    between is left out."""
    wanted = [(entry.pk, entry.sk) for entry in entries]
    if not wanted:
        return []
    found = {(item.pk, item.sk): item for item in guarded(lambda: list(table.root.batch_get(wanted)))}
    return [item for key in wanted if isinstance(item := found.get(key), model)]


# -- mapping between items and domain records ----------------------------------------------------------


def summary_item(table: HistoryTable, record: JobRecord, now: datetime, version: int | None) -> Summary:
    """The summary item of the job's whole ``record`` (packed), with the indexes' keys; ``version`` is
    the one read (``None`` for a new job), which saving checks."""
    summary = record.summary
    key = summary.key
    item = table.summary(job_pk(key), SUMMARY_SK)
    item.record = pack(record)
    item.job_index = key.kind
    item.job_name = summary.job_name
    item.account = key.account
    item.region = key.region
    item.creation_time = summary.creation_time
    # by-status holds the active jobs only: a job enters it once and leaves it once, instead of moving
    # to its final status (a delete and a put on the index)
    item.job_status = None if summary.is_terminal else summary.status
    item.tuning_job_name = summary.tuning_job_name
    item.recorded_at = now
    if version is not None:
        item.version = version
    return item


def record_from_item(item: Summary) -> JobRecord | None:
    """The job's whole record packed in a summary item, or ``None`` for a summary of the layout before
    (its transitions, metrics and steps are items of their own). ``StoreError`` if it cannot be read."""
    if item.record is None:
        return None
    try:
        return unpack(item.record)
    except UnreadableRecord as error:
        raise StoreError(f"{item.pk}: {error}") from error


def listed_record_from_item(item: Summary) -> JobRecord:
    """What a summary item holds of its job: the whole record packed in it (final metrics included); a
    summary of the layout before it alone (its transitions, metrics and steps are items of their own)."""
    record = record_from_item(item)
    return record if record is not None else JobRecord(summary=_legacy_summary(item))


def _legacy_summary(item: Summary) -> JobSummary:
    """A summary of the layout before ``record``: every attribute of its own."""
    if item.job_arn is None or item.last_modified_time is None or item.job_status is None:
        raise StoreError(f"{item.pk}: a summary with neither its record nor its attributes")
    return JobSummary(
        kind=STORED_KINDS[item.job_index],
        job_name=item.job_name,
        job_arn=item.job_arn,
        status=item.job_status,
        secondary_status=item.secondary_status,
        failure_reason=item.failure_reason,
        creation_time=item.creation_time,
        last_modified_time=item.last_modified_time,
        start_time=item.start_time,
        end_time=item.end_time,
        training_time_seconds=_int_or_none(item.training_time_seconds),
        billable_time_seconds=_int_or_none(item.billable_time_seconds),
        managed_spot=bool(item.managed_spot),
        tuning_job_arn=item.tuning_job_arn,
        instance_type=item.instance_type,
        instance_count=_int_or_none(item.instance_count),
        max_runtime_seconds=_int_or_none(item.max_runtime_seconds),
        max_wait_seconds=_int_or_none(item.max_wait_seconds),
        model_artifacts_uri=item.model_artifacts_uri,
        exit_message=item.exit_message,
        model_name=item.model_name,
        failed_step=item.failed_step,
        tuning=_tuning_from_item(item),
        tags=_tags_from_item(item),
    )


def _tags_from_item(item: Summary) -> dict[str, str] | None:
    if item.tags is None:
        return None
    stored = item.tags.as_dict()  # type: ignore[no-untyped-call]  # PynamoDB: unannotated
    return {str(key): str(value) for key, value in stored.items()}


def _tuning_from_item(item: Summary) -> TuningFacts | None:
    if item.job_index != "tuning":
        return None
    counts = item.tuning_counts.as_dict() if item.tuning_counts is not None else {}  # type: ignore[no-untyped-call]

    def pairs(name: str, order: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
        found = counts.get(name) or {}
        return ordered_counts(((str(status), int(count)) for status, count in found.items()), order)

    value = item.best_objective_value
    return TuningFacts(
        training_job_counts=pairs("training", TRAINING_JOB_COUNTERS),
        objective_counts=pairs("objective", OBJECTIVE_COUNTERS),
        objective_metric=item.objective_metric,
        objective_type=item.objective_type,
        best_training_job=item.best_training_job,
        best_objective_value=None if value is None else float(value),
    )


def step_from_item(item: StepItem) -> PipelineStep:
    return PipelineStep(
        name=item.step_name,
        status=item.status,
        start_time=item.start_time,
        end_time=item.end_time,
        step_type=item.step_type,
        failure_reason=item.failure_reason,
        job=key_from_pk(item.step_job) if item.step_job else None,
        attempts=_int_or_none(item.attempts),
        display_name=item.display_name,
    )


def transition_from_item(item: TransitionItem) -> Transition:
    return Transition(
        status=item.status,
        start_time=item.start_time,
        end_time=item.end_time,
        message=item.message,
        position=_int_or_none(item.position) or 0,
    )


def alert_item(table: HistoryTable, pk: str, alert: Alert, now: datetime, claim: Claim | None) -> AlertItem:
    """A new alert, ``pending``; claimed by ``claim`` if given (its writer publishes it next)."""
    item = table.alert(pk, alert_sk(alert))
    item.alert_index = ALL_ALERTS
    item.job_kind = alert.job.kind
    item.alert_type = alert.alert_type
    item.transition_start_time = alert.transition_start_time
    item.severity = alert.severity
    item.subject = alert.subject
    item.packed_message = pack_text(alert.message)
    item.state = "pending"
    item.created_at = now
    item.claimed_until = claim.until if claim else None
    item.claim_token = claim.token if claim else None
    item.team = alert.team
    item.recorded_at = now
    return item


def alert_from_item(item: AlertItem) -> StoredAlert:
    return StoredAlert(
        alert=Alert(
            job=key_from_pk(item.pk),
            alert_type=item.alert_type,
            transition_start_time=item.transition_start_time,
            severity=item.severity,
            subject=item.subject,
            message=_alert_message(item),
            team=item.team,
        ),
        state=ALERT_STATES[item.state],
        created_at=item.created_at,
        claimed_until=item.claimed_until,
        claim_token=item.claim_token,
        sent_at=item.sent_at,
        sns_message_id=item.sns_message_id,
    )


def _alert_message(item: AlertItem) -> str:
    if item.packed_message is None:
        if item.message is None:
            raise StoreError(f"{item.pk} {item.sk}: an alert without its message")
        return item.message
    try:
        return unpack_text(item.packed_message)
    except UnreadableRecord as error:
        raise StoreError(f"{item.pk} {item.sk}: {error}") from error


def slack_thread_from_item(item: SlackThreadItem) -> SlackThread:
    from jobtrail.core.slack_thread import SlackThread  # noqa: PLC0415 - app mode's, not in ingest's cold start

    return SlackThread(
        channel=item.channel,
        channel_id=item.channel_id,
        ts=item.ts,
        team=item.team,
        claim_token=item.claim_token,
        claimed_until=item.claimed_until,
        posted=frozenset(item.posted or ()),
        parent_digest=item.parent_digest,
    )


def metrics_from_item(item: Metrics) -> tuple[Metric, ...]:
    return tuple(
        Metric(name=m.name, value=float(m.value), timestamp=m.timestamp) for m in (item.metrics or ())
    )


def watermark_item(table: HistoryTable, name: str, value: datetime, now: datetime) -> Watermark:
    item = table.watermark(watermark_pk(name), WATERMARK_SK)
    item.value = value
    item.recorded_at = now
    return item


def _int_or_none(value: float | None) -> int | None:
    return None if value is None else int(value)


# -- job cost: the price cache ----------------------------------------------------------------------------
#
# A job's cost and billing facts are fields of its summary (``JobSummary.cost``, ``instance_groups``,
# ``warm_pool_seconds``), packed with the rest of its record. The price cache: one item per (region, usage,
# instance type) the Price List was asked about, ``pk = PRICE#<region>#<usage>#<instance type>``,
# ``sk = PRICE``: the hourly list price (absent when the Price List has none) and when it was looked up.
# ``adapters.pricing`` reads it and refreshes it daily.

PRICE_PREFIX = "PRICE#"
PRICE_SK = "PRICE"


class PriceItem(Root, discriminator="price"):
    """One hourly list price from the Price List, cached (``adapters.pricing``)."""

    usd_per_hour = UnicodeAttribute(null=True)  # an exact decimal string; absent: the Price List has none
    looked_up_at = UTCDateTimeAttribute()


def price_pk(region: str, usage: str, instance_type: str) -> str:
    return f"{PRICE_PREFIX}{region}#{usage}#{instance_type}"


@functools.cache
def _price_model(root: type[Root]) -> type[PriceItem]:
    """The price item on ``root``'s table: bound once per table (a kind registers once per root)."""
    return _bound(PriceItem, root)


class PriceCache:
    """The price cache's items in one table (its ``HistoryTable``'s connection)."""

    def __init__(self, table: HistoryTable) -> None:
        self._model = _price_model(table.root)

    def get(self, region: str, usage: str, instance_type: str) -> CachedPrice | None:
        """The cached price (one Query of its one-item partition: the functions' role reads the table by
        Query), or ``None`` if it was never looked up."""
        model = self._model
        pk = price_pk(region, usage, instance_type)
        found = guarded(lambda: list(model.query(pk, model.sk == PRICE_SK, limit=1)))
        if not found:
            return None
        value = found[0].usd_per_hour
        return CachedPrice(None if value is None else Decimal(value), found[0].looked_up_at)

    def put(self, region: str, usage: str, instance_type: str, price: CachedPrice) -> None:
        """Keep ``price`` (one PutItem; the last writer wins: every writer wrote what the Price List said)."""
        item = self._model(price_pk(region, usage, instance_type), PRICE_SK)
        item.usd_per_hour = None if price.usd_per_hour is None else str(price.usd_per_hour)
        item.looked_up_at = price.looked_up_at
        item.recorded_at = price.looked_up_at
        guarded(item.save)


# -- job cost: the unpriced list ----------------------------------------------------------------------------
#
# An ended job whose cost waits for a price not found yet (``core.cost.unpriced_job``): one item per job in
# one partition, ``pk = UNPRICED``, ``sk`` the job's partition key, with the usage and the instance types
# whose price it waits for and when a sync listed it. The sync that stores such a cost puts it first (like
# alerts: a crash in between loses nothing); reconciliation reads the list with one Query, prices the jobs
# again and deletes each item once its job is priced (a DeleteItem conditional on ``listed_at``, so a job
# listed again meanwhile stays). Small items (about 150 bytes): one write unit each.

UNPRICED_PK = "UNPRICED"


class UnpricedItem(Root, discriminator="unpriced"):
    """A job whose cost waits for prices (``core.cost.UnpricedJob``)."""

    usage = UnicodeAttribute()
    instance_types = UnicodeSetAttribute()
    listed_at = UTCDateTimeAttribute()


@functools.cache
def _unpriced_model(root: type[Root]) -> type[UnpricedItem]:
    """The unpriced list's item on ``root``'s table (bound once per table, like the price cache's)."""
    return _bound(UnpricedItem, root)


def unpriced_model(table: HistoryTable) -> type[UnpricedItem]:
    return _unpriced_model(table.root)


def unpriced_item(table: HistoryTable, job: UnpricedJob) -> UnpricedItem:
    item = unpriced_model(table)(UNPRICED_PK, job_pk(job.job))
    item.usage = job.usage
    item.instance_types = set(job.instance_types)
    item.listed_at = job.listed_at
    item.recorded_at = job.listed_at
    return item


def unpriced_from_item(item: UnpricedItem) -> UnpricedJob:
    return UnpricedJob(
        job=key_from_pk(item.sk),
        usage=USAGE_NAMES[item.usage],
        instance_types=tuple(sorted(item.instance_types)),
        listed_at=item.listed_at,
    )

"""The domain records of jobtrail: what a SageMaker job looked like, and what its history holds.

Plain frozen ``msgspec.Struct``s with real ``datetime``s (timezone-aware, UTC). Nothing here knows about
boto3, DynamoDB or JSON: the adapters map to and from these types at the edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import NAMESPACE_URL, uuid5

import msgspec

from jobtrail.core.kinds import SPECS, JobKey, Kind, key_from_arn
from jobtrail.core.times import iso

#: SageMaker's TrainingJobStatus and SecondaryStatus values (botocore's service model, newest first seen
#: in botocore 1.44: Deleting; a test checks that the installed botocore knows no others).
TRAINING_JOB_STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped", "Deleting")
SECONDARY_STATUSES = (
    "Starting",
    "LaunchingMLInstances",
    "PreparingTrainingStack",
    "Downloading",
    "DownloadingTrainingImage",
    "Training",
    "Uploading",
    "Stopping",
    "Stopped",
    "MaxRuntimeExceeded",
    "Completed",
    "Failed",
    "Interrupted",
    "MaxWaitTimeExceeded",
    "Updating",
    "Restarting",
    "Pending",
)


def _fields_but(record: msgspec.Struct, left_out: str) -> tuple[object, ...]:
    """``record``'s field values in order, but ``left_out``'s: what its equality or hash is of, where a
    field does not take part (msgspec has no per-field ``compare=False``, but keeps a class's own
    ``__eq__`` and ``__hash__``, and its ``!=`` calls that ``__eq__``)."""
    return tuple(getattr(record, name) for name in record.__struct_fields__ if name != left_out)


class Transition(msgspec.Struct, frozen=True):
    """One ``SecondaryStatusTransition``: identified by ``(status, start_time)``.

    ``end_time`` is ``None`` while the transition is open; its ``message`` may change until it closes.
    ``position`` is its index in SageMaker's list: it orders transitions that start at the same instant
    and is not part of its identity, equality or hash.
    """

    status: str
    start_time: datetime
    end_time: datetime | None = None
    message: str | None = None
    position: int = 0

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return _fields_but(self, "position") == _fields_but(other, "position")

    def __hash__(self) -> int:
        return hash(_fields_but(self, "position"))

    @property
    def key(self) -> tuple[str, datetime]:
        """The identity SageMaker gives a transition: the same status can recur (spot restarts)."""
        return (self.status, self.start_time)

    def duration_seconds(self, now: datetime | None = None) -> float | None:
        """Seconds from start to end; for an open transition, up to ``now`` (``None`` when not given)."""
        end = self.end_time or now
        if end is None:
            return None
        return (end - self.start_time).total_seconds()


class Metric(msgspec.Struct, frozen=True):
    """One entry of ``FinalMetricDataList``. ``value`` is kept exactly (``-0.0`` stays ``-0.0``)."""

    name: str
    value: float
    timestamp: datetime | None = None


#: The counters a tuning job reports, in botocore's model's order (``TrainingJobStatusCounters``,
#: ``ObjectiveStatusCounters``): what the counters are sorted by, wherever they come from.
TRAINING_JOB_COUNTERS = ("Completed", "InProgress", "RetryableError", "NonRetryableError", "Stopped")
OBJECTIVE_COUNTERS = ("Succeeded", "Pending", "Failed")


def ordered_counts(counts: Iterable[tuple[str, int]], order: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """``counts`` in ``order`` (a DynamoDB map keeps none), statuses it does not list last, by name."""
    return tuple(
        sorted(counts, key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0]))
    )


class TuningFacts(msgspec.Struct, frozen=True):
    """What a hyperparameter tuning job reports about its training jobs and the best one so far."""

    training_job_counts: tuple[tuple[str, int], ...] = ()
    objective_counts: tuple[tuple[str, int], ...] = ()
    objective_metric: str | None = None
    objective_type: str | None = None
    best_training_job: str | None = None
    best_objective_value: float | None = None


class InstanceGroup(msgspec.Struct, frozen=True):
    """One instance group of a heterogeneous training cluster (``ResourceConfig.InstanceGroups``)."""

    instance_type: str
    count: int


class JobCost(msgspec.Struct, frozen=True):
    """What a job cost, in US dollars (exact decimals), or why that is not known (``usd`` ``None``).

    ``usd`` includes ``warm_pool_usd`` (a training job's warm pool, when SageMaker reported its retained
    time); ``spot_savings_usd`` is what managed spot saved, next to ``JobSummary.spot_savings_percent``.
    ``hourly`` is the price used for each instance type, and ``basis`` where it came from (``list``: the
    AWS Price List; ``list -15%``: with the price settings' discount; ``override``: the settings' price).
    ``core.cost`` computes it.
    """

    usd: Decimal | None
    reason: str | None = None
    spot_savings_usd: Decimal | None = None
    warm_pool_usd: Decimal | None = None
    hourly: tuple[tuple[str, Decimal], ...] = ()
    basis: str | None = None

    @property
    def known(self) -> bool:
        return self.usd is not None


class JobSummary(msgspec.Struct, frozen=True):
    """The current facts about a job, as its kind's Describe API last reported them.

    The fields every kind has come first; ``start_time``/``end_time`` are the kind's own (training:
    TrainingStartTime/EndTime, processing: ProcessingStartTime/EndTime, transform:
    TransformStartTime/EndTime, tuning: none/HyperParameterTuningEndTime). The job's account and region
    come from its ARN. Fields of other kinds stay ``None``.
    """

    job_name: str
    job_arn: str
    status: str
    secondary_status: str | None
    last_modified_time: datetime
    creation_time: datetime
    failure_reason: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    training_time_seconds: int | None = None
    billable_time_seconds: int | None = None
    managed_spot: bool = False
    tuning_job_arn: str | None = None
    instance_type: str | None = None
    instance_count: int | None = None
    max_runtime_seconds: int | None = None
    max_wait_seconds: int | None = None
    model_artifacts_uri: str | None = None
    kind: Kind = "training"
    #: processing: the ExitMessage its container wrote.
    exit_message: str | None = None
    #: transform: the model it ran.
    model_name: str | None = None
    #: tuning: counters, objective and best training job.
    tuning: TuningFacts | None = None
    #: pipeline: the name of the step that failed.
    failed_step: str | None = None
    #: The job's tags (a pipeline execution: its pipeline's), read once with ListTags and kept bounded
    #: (``core.routing.kept_tags``); ``None`` until they were read. Not part of the hash: a dict.
    tags: Mapping[str, str] | None = None
    #: training: a heterogeneous cluster's instance groups (``instance_type`` is then the first group's).
    instance_groups: tuple[InstanceGroup, ...] = ()
    #: training: the warm pool's retained billable seconds (``WarmPoolStatus``), when reported.
    warm_pool_seconds: int | None = None
    #: What the job cost (``core.cost``), as ingest priced it; ``None`` until priced (and for the kinds
    #: whose cost is their children's: tuning jobs and pipeline executions).
    cost: JobCost | None = None

    def __hash__(self) -> int:
        return hash(_fields_but(self, "tags"))

    @property
    def key(self) -> JobKey:
        """The job's identity: account and region from its ARN, its kind and name."""
        parsed = key_from_arn(self.job_arn)
        account, region = (parsed.account, parsed.region) if parsed else ("", "")
        return JobKey(account=account, region=region, kind=self.kind, name=self.job_name)

    @property
    def account(self) -> str:
        return self.key.account

    @property
    def region(self) -> str:
        return self.key.region

    @property
    def tuning_job_name(self) -> str | None:
        """The tuning job's name, taken from its ARN (``…:hyper-parameter-tuning-job/NAME``)."""
        if not self.tuning_job_arn:
            return None
        return self.tuning_job_arn.rsplit("/", 1)[-1]

    @property
    def spot_savings_percent(self) -> float | None:
        """``(1 - billable / training) * 100`` for managed-spot jobs whose counters are known."""
        return spot_savings_percent(self.managed_spot, self.training_time_seconds, self.billable_time_seconds)

    @property
    def is_terminal(self) -> bool:
        return self.status in SPECS[self.kind].terminal


def spot_savings_percent(managed_spot: bool, training: int | None, billable: int | None) -> float | None:
    """What managed spot saved, in percent; ``None`` when not a spot job or the counters are unknown."""
    if not managed_spot or training is None or billable is None or training <= 0:
        return None
    return (1 - billable / training) * 100


class JobListing(msgspec.Struct, frozen=True):
    """One row of a List API (ListTrainingJobs, ListProcessingJobs, …, ListPipelineExecutions): enough to
    tell whether the stored history is behind."""

    key: JobKey
    creation_time: datetime
    last_modified_time: datetime
    status: str

    @property
    def job_name(self) -> str:
        return self.key.name


class PipelineStep(msgspec.Struct, frozen=True):
    """One step of a pipeline execution (ListPipelineExecutionSteps), identified by its name.

    ``step_type`` is named after the step's metadata (``Training``, ``Processing``, ``Condition``…);
    ``job`` is the SageMaker job it ran, whose own history jobtrail keeps (``None`` for steps that run
    none, or a job of a kind jobtrail does not track).
    """

    name: str
    status: str
    start_time: datetime | None = None
    end_time: datetime | None = None
    step_type: str | None = None
    failure_reason: str | None = None
    job: JobKey | None = None
    attempts: int | None = None
    display_name: str | None = None


class JobRecord(msgspec.Struct, frozen=True):
    """A job's summary with its transitions (oldest first), final metrics and, for a pipeline execution,
    its steps (in the order they started)."""

    summary: JobSummary
    transitions: tuple[Transition, ...] = ()
    final_metrics: tuple[Metric, ...] = ()
    steps: tuple[PipelineStep, ...] = ()

    @property
    def job_name(self) -> str:
        return self.summary.job_name

    @property
    def key(self) -> JobKey:
        return self.summary.key

    @property
    def step_that_failed(self) -> PipelineStep | None:
        """A pipeline execution's failed step: the one its summary names, else the first that failed."""
        failed = [step for step in self.steps if step.status == "Failed"]
        named = [step for step in failed if step.name == self.summary.failed_step]
        return next(iter(named or failed), None)


def alert_id_for(job: JobKey, alert_type: str, transition_start_time: datetime) -> str:
    """Stable across retries: subscribers can use it to drop the rare duplicate after a crash.
    ``<account>/<region>/<kind>/<name>/<alert type>/<transition start>``."""
    return f"{job.account}/{job.region}/{job.kind}/{job.name}/{alert_type}/{iso(transition_start_time)}"


def alert_id_for_test(job: JobKey, sent_at: datetime) -> str:
    """``test/<uuid>``: a test alert's id, its own at each send (subscribers that drop duplicates by id
    must not drop the second test); a UUID derived from the account, region and microsecond it was sent."""
    return f"test/{uuid5(NAMESPACE_URL, f'jobtrail:{job.account}:{job.region}:{sent_at.isoformat()}')}"


#: The most message attributes an SNS message may carry to an SQS subscription with raw message delivery:
#: SNS discards a message with more as a client-side error (SNS developer guide, "Amazon SNS message
#: attributes"). ``Alert.attributes`` stays within it.
MAX_MESSAGE_ATTRIBUTES = 10


class Alert(msgspec.Struct, frozen=True):
    """An alert due for one transition, with the message to publish (rendered once, at creation)."""

    job: JobKey
    alert_type: str
    transition_start_time: datetime
    severity: str
    subject: str
    message: str  # the JSON document published as the SNS Message
    #: A test of the wiring (``jobtrail alerts test``), about no job and never stored.
    test: bool = False
    #: The team the routes document gave the job when the alert was created (``None``: none).
    team: str | None = None

    @property
    def key(self) -> tuple[str, datetime]:
        """Same identity as the transition that caused it."""
        return (self.alert_type, self.transition_start_time)

    @property
    def job_name(self) -> str:
        return self.job.name

    @property
    def alert_id(self) -> str:
        if self.test:
            return alert_id_for_test(self.job, self.transition_start_time)
        return alert_id_for(self.job, self.alert_type, self.transition_start_time)

    def attributes(self) -> dict[str, str]:
        """The SNS message attributes subscribers filter on: the alert's type and severity, the job's
        name, kind, account and region (as the message says them), and ``test`` and ``team`` only when
        set (SNS refuses an empty value). At most ``MAX_MESSAGE_ATTRIBUTES``."""
        return {
            "alert_type": self.alert_type,
            "severity": self.severity,
            "job_name": self.job.name,
            "job_kind": self.job.kind,
            **({"account": self.job.account} if self.job.account else {}),
            **({"region": self.job.region} if self.job.region else {}),
            **({"test": "true"} if self.test else {}),
            **({"team": self.team} if self.team else {}),
        }


AlertState = Literal["pending", "sent"]


class StoredAlert(msgspec.Struct, frozen=True):
    """An alert in the outbox. ``pending`` until SNS accepted it; a claim keeps two senders apart."""

    alert: Alert
    state: AlertState
    created_at: datetime
    claimed_until: datetime | None = None
    claim_token: str | None = None
    sent_at: datetime | None = None
    sns_message_id: str | None = None

    def claimable(self, now: datetime) -> bool:
        """Pending, and nobody holds a live claim on it."""
        return self.state == "pending" and (self.claimed_until is None or self.claimed_until <= now)


class PendingAlert(msgspec.Struct, frozen=True):
    """A pending alert as the alerts index shows it: whose it is and how long its claim holds."""

    job: JobKey
    claimed_until: datetime | None = None

    def claimable(self, now: datetime) -> bool:
        """Nobody holds a live claim on it."""
        return self.claimed_until is None or self.claimed_until <= now


class Claim(msgspec.Struct, frozen=True):
    """Who may publish an alert, and until when (a crashed sender's claim simply expires)."""

    token: str
    until: datetime


class StoredJob(JobRecord, frozen=True):
    """A ``JobRecord`` as read from the history table, with its summary version and its alerts."""

    version: int = 0
    alerts: tuple[StoredAlert, ...] = ()


class HistoryChanges(msgspec.Struct, frozen=True):
    """What must be written to bring a stored job up to date with a newer DescribeTrainingJob answer.

    ``expected_version`` is the summary version the changes were computed against (``None`` for a job
    not stored yet): the write succeeds only if nobody else wrote in between. Whenever anything changes
    the summary is rewritten too, so its version guards every write. ``stale`` marks an answer older
    than what is stored (nothing to write).
    """

    job: JobKey
    expected_version: int | None
    summary: JobSummary | None = None
    new_transitions: tuple[Transition, ...] = ()
    updated_transitions: tuple[Transition, ...] = ()
    final_metrics: tuple[Metric, ...] | None = None
    new_alerts: tuple[Alert, ...] = ()
    #: Pipeline steps that are new or changed since the stored ones (written whole).
    steps: tuple[PipelineStep, ...] = ()
    stale: bool = False
    #: The job's whole record once the changes are made (``None`` when there is nothing to write): what
    #: the store packs into the summary item. Not part of the equality or hash.
    after: JobRecord | None = None

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return _fields_but(self, "after") == _fields_but(other, "after")

    def __hash__(self) -> int:
        return hash(_fields_but(self, "after"))

    @property
    def job_name(self) -> str:
        return self.job.name

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to write."""
        return self.summary is None

"""The SageMaker job kinds jobtrail tracks, and what each one's statuses mean.

A job is identified by ``JobKey``: (account, region, kind, name). Two jobs of different kinds may share a
name, and the organization-wide mode forwards many accounts' and regions' events into one table, so the
name alone identifies nothing. A pipeline execution's name is ``<pipeline name>/<execution id>``, taken
from its ARN (``…:pipeline/<pipeline name>/execution/<execution id>``), the pipeline name lowercased as
SageMaker writes it in most ARNs.

The statuses are botocore's enums for each kind (a test compares them with the installed model).
"""

from __future__ import annotations

import re
from typing import Final, Literal, get_args

import msgspec

Kind = Literal["training", "processing", "transform", "tuning", "pipeline"]
#: Every kind, in the order the CLI and the documentation list them.
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)


class KindSpec(msgspec.Struct, frozen=True):
    """What jobtrail knows about one kind of SageMaker job."""

    kind: Kind
    #: The EventBridge ``detail-type`` strings (source ``aws.sagemaker``) that trigger a sync of this kind.
    detail_types: tuple[str, ...]
    #: Its name, as people call it ("processing job").
    noun: str
    #: The resource type in its ARN (``arn:aws:sagemaker:<region>:<account>:<resource>/<name>``).
    arn_resource: str
    #: The status values, in the order a job passes through them (the rank orders equal-time answers).
    statuses: tuple[str, ...]
    #: Statuses after which the job does not change any more (a retried pipeline execution aside).
    terminal: frozenset[str]
    #: The status of a job that is running.
    running: str
    #: The longest name SageMaker accepts.
    max_name_length: int
    #: Whether Describe lists the job's transitions itself (training's SecondaryStatusTransitions); the
    #: other kinds get one transition per status they were seen in (``core.history``).
    reports_transitions: bool = False

    def rank(self, status: str) -> int:
        """How far along its life a job in ``status`` is (unknown statuses rank last: data, not errors)."""
        for rank, group in enumerate(_PROGRESS):
            if status in group:
                return rank
        return len(_PROGRESS)


#: Status groups in lifecycle order, shared by every kind: running, stopping, ended, being deleted.
_PROGRESS: Final = (
    frozenset({"InProgress", "Executing", "Starting"}),
    frozenset({"Stopping"}),
    frozenset({"Completed", "Failed", "Stopped", "Succeeded"}),
    frozenset({"Deleting"}),
    frozenset({"DeleteFailed"}),
)
_ENDED: Final = frozenset({"Completed", "Failed", "Stopped"})

SPECS: Final[dict[Kind, KindSpec]] = {
    "training": KindSpec(
        kind="training",
        detail_types=("SageMaker Training Job State Change",),
        noun="training job",
        arn_resource="training-job",
        statuses=("InProgress", "Stopping", "Completed", "Failed", "Stopped", "Deleting"),
        terminal=_ENDED,
        running="InProgress",
        max_name_length=63,
        reports_transitions=True,
    ),
    "processing": KindSpec(
        kind="processing",
        detail_types=("SageMaker Processing Job State Change",),
        noun="processing job",
        arn_resource="processing-job",
        statuses=("InProgress", "Stopping", "Completed", "Failed", "Stopped"),
        terminal=_ENDED,
        running="InProgress",
        max_name_length=63,
    ),
    "transform": KindSpec(
        kind="transform",
        detail_types=("SageMaker Transform Job State Change",),
        noun="transform job",
        arn_resource="transform-job",
        statuses=("InProgress", "Stopping", "Completed", "Failed", "Stopped"),
        terminal=_ENDED,
        running="InProgress",
        max_name_length=63,
    ),
    "tuning": KindSpec(
        kind="tuning",
        detail_types=("SageMaker HyperParameter Tuning Job State Change",),
        noun="tuning job",
        arn_resource="hyper-parameter-tuning-job",
        statuses=("InProgress", "Stopping", "Completed", "Failed", "Stopped", "Deleting", "DeleteFailed"),
        terminal=_ENDED,
        running="InProgress",
        max_name_length=32,
    ),
    "pipeline": KindSpec(
        kind="pipeline",
        detail_types=(
            "SageMaker Model Building Pipeline Execution Status Change",
            "SageMaker Model Building Pipeline Execution Step Status Change",
        ),
        noun="pipeline execution",
        arn_resource="pipeline",
        statuses=("Executing", "Stopping", "Succeeded", "Failed", "Stopped"),
        terminal=frozenset({"Succeeded", "Failed", "Stopped"}),
        running="Executing",
        # <pipeline name (256)>/<execution id>
        max_name_length=256 + 1 + 64,
    ),
}
#: The kind each detail-type belongs to.
KIND_OF_DETAIL_TYPE: Final[dict[str, Kind]] = {
    detail_type: spec.kind for spec in SPECS.values() for detail_type in spec.detail_types
}


def parse_kinds(text: str | None) -> tuple[Kind, ...]:
    """``"training, pipeline"`` → those kinds in ``KINDS`` order; empty or ``None`` means every kind.
    Raises ``ValueError`` naming an unknown kind."""
    wanted = {part.strip() for part in (text or "").split(",") if part.strip()}
    unknown = sorted(wanted - set(KINDS))
    if unknown:
        raise ValueError(f"unknown job kind {', '.join(unknown)} (kinds: {', '.join(KINDS)})")
    return tuple(kind for kind in KINDS if kind in wanted) or KINDS


class JobKey(msgspec.Struct, frozen=True, order=True):
    """A job's identity: the account and region it runs in, its kind and its name."""

    account: str
    region: str
    kind: Kind
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name} ({self.account}, {self.region})"


#: ``arn:<partition>:sagemaker:<region>:<account>:<resource>/<name>``; a pipeline execution's resource is
#: ``pipeline/<pipeline name>/execution/<execution id>``.
_ARN: Final = re.compile(
    r"^arn:aws[a-z-]*:sagemaker:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):(?P<resource>[a-z-]+)/(?P<rest>.+)\Z"
)
_EXECUTION: Final = re.compile(r"^(?P<pipeline>[^/]+)/execution/(?P<execution>[^/]+)\Z")
_KIND_OF_RESOURCE: Final[dict[str, Kind]] = {spec.arn_resource: spec.kind for spec in SPECS.values()}


def key_from_arn(arn: str) -> JobKey | None:
    """The job an ARN names, or ``None`` if it is not the ARN of a tracked kind's job.

    SageMaker lowercases the resource type; the name keeps its case here, but ARNs have carried names in
    other casings, so the name in a Describe answer's own name field wins where there is one.
    """
    match = _ARN.match(arn)
    if match is None:
        return None
    kind = _KIND_OF_RESOURCE.get(match["resource"])
    if kind is None:
        return None
    name = match["rest"]
    if kind == "pipeline":
        execution = _EXECUTION.match(name)
        if execution is None:
            return None
        # SageMaker's pipeline ARNs have carried the pipeline name lowercased and as created: one key.
        name = f"{execution['pipeline'].lower()}/{execution['execution']}"
    return JobKey(account=match["account"], region=match["region"], kind=kind, name=name)

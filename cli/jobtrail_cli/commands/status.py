"""``jobtrail status --stack S``: is the deployment healthy? One screen (or ``--json``), and an exit status
scripts can gate on: 0 healthy, ``EXIT_UNHEALTHY`` (5) when something needs a look, 3 when it could not
be told (no permission, no such stack).

What it reads, all found from the stack (DescribeStacks, DescribeStackResources):

- every ``AWS::Events::Rule`` (the state-change rule and the reconcile schedule): unhealthy unless enabled;
- every ``AWS::SQS::Queue``'s depth (GetQueueAttributes): unhealthy if a dead-letter queue holds anything;
  StateChangeQueue's backlog is shown, not judged;
- every ``AWS::CloudWatch::Alarm`` (DescribeAlarms on their names): unhealthy if one is in ALARM;
- the reconcile watermark (where the last successful pass started): unhealthy if missing, or older than
  ``STALE_PERIODS`` periods of ``ReconcileSchedule`` (a ``rate(...)``; a cron schedule is not judged);
- the last job recorded: the newest ``recorded_at`` among the ``RECENT_JOBS`` newest jobs' summaries
  (written by ingest or reconciliation), shown, not judged: no SageMaker job means no events.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from jobtrail_cli.errors import EXIT_OK, EXIT_UNHEALTHY, UserError
from jobtrail_cli.output import print_json
from jobtrail_cli.wiring import Wiring, aws_call

if TYPE_CHECKING:
    from jobtrail.adapters.history_queries import LastRecorded
    from jobtrail.adapters.history_store import HistoryStore

    from jobtrail_cli.wiring import StackResource

RULE, QUEUE, ALARM = "AWS::Events::Rule", "AWS::SQS::Queue", "AWS::CloudWatch::Alarm"
#: The stack's queues that hold only what went wrong: anything in them is a problem.
DEAD_LETTER_QUEUES = frozenset(
    {"StateChangeDeadLetterQueue", "NotificationDeadLetterQueue", "SlackDeliveryFailureQueue"}
)
#: The watermark is stale when no pass succeeded for this many reconcile periods (plus its timeout).
STALE_PERIODS = 3
RECONCILE_TIMEOUT = timedelta(minutes=5)
#: How many of the newest jobs "last job recorded" looks at (one Query per kind on ``by-creation-time``).
RECENT_JOBS = 50
#: DescribeAlarms takes at most this many names per call.
ALARM_NAMES_PER_CALL = 100
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")


@dataclass(frozen=True, slots=True)
class Rule:
    logical_id: str
    name: str
    state: str

    @property
    def healthy(self) -> bool:
        return self.state.startswith("ENABLED")


@dataclass(frozen=True, slots=True)
class Queue:
    logical_id: str
    url: str
    #: Messages available, and received but not yet deleted (in flight).
    visible: int
    in_flight: int

    @property
    def dead_letter(self) -> bool:
        return self.logical_id in DEAD_LETTER_QUEUES

    @property
    def healthy(self) -> bool:
        return not self.dead_letter or self.visible + self.in_flight == 0


@dataclass(frozen=True, slots=True)
class Alarm:
    logical_id: str
    name: str
    state: str
    reason: str | None
    since: datetime | None

    @property
    def healthy(self) -> bool:
        return self.state != "ALARM"


@dataclass(frozen=True, slots=True)
class PlaceMark:
    """Organization mode: one member place's reconcile watermark (each place keeps its own)."""

    account: str
    region: str
    watermark: datetime | None


@dataclass(frozen=True, slots=True)
class Health:
    """What ``status`` found; ``problems`` and ``document`` judge it."""

    stack: str
    checked_at: datetime
    rules: tuple[Rule, ...]
    queues: tuple[Queue, ...]
    alarms: tuple[Alarm, ...]
    watermark: datetime | None
    #: The reconcile period, from ``ReconcileSchedule``; ``None`` for a cron schedule (not judged).
    reconcile_period: timedelta | None
    last_recorded: LastRecorded | None
    #: Organization mode: every other place's watermark (the home place's is ``watermark``); and why the
    #: places could not all be listed, if they could not (the organization's accounts unreadable).
    places: tuple[PlaceMark, ...] = ()
    places_unknown: str | None = None

    @property
    def stale_after(self) -> timedelta | None:
        return self.reconcile_period * STALE_PERIODS + RECONCILE_TIMEOUT if self.reconcile_period else None

    def age(self, moment: datetime | None) -> timedelta | None:
        return None if moment is None else max(self.checked_at - moment, timedelta(0))

    @property
    def watermark_healthy(self) -> bool:
        return self.fresh(self.watermark)

    def fresh(self, watermark: datetime | None) -> bool:
        age, limit = self.age(watermark), self.stale_after
        return age is not None and (limit is None or age <= limit)

    def problems(self) -> list[str]:
        """One line per thing that needs a look; empty when healthy."""
        found = [f"rule {r.name} is {r.state}" for r in self.rules if not r.healthy]
        found += [
            f"{q.logical_id} holds {q.visible + q.in_flight} messages" for q in self.queues if not q.healthy
        ]
        found += [f"alarm {a.name} is in ALARM" for a in self.alarms if not a.healthy]
        if not self.rules:
            found.append("the stack has no EventBridge rule: is it a jobtrail stack?")
        if self.watermark is None:
            found.append("no reconciliation pass has succeeded yet (no reconcile watermark)")
        elif not self.watermark_healthy:
            found.append(f"the last successful reconciliation pass started {_ago(self.age(self.watermark))}")
        for place in self.places:
            where = f"{place.account} {place.region}"
            if place.watermark is None:
                found.append(f"no reconciliation pass has reached {where} yet (no watermark)")
            elif not self.fresh(place.watermark):
                found.append(f"the last pass that reached {where} started {_ago(self.age(place.watermark))}")
        if self.places_unknown:
            found.append(self.places_unknown)
        return found

    def document(self) -> dict[str, object]:
        """``status --json``."""
        from jobtrail.core.times import iso  # noqa: PLC0415

        problems = self.problems()
        last = self.last_recorded
        return {
            "stack": self.stack,
            "healthy": not problems,
            "problems": problems,
            "checked_at": iso(self.checked_at),
            "rules": [
                {"logical_id": r.logical_id, "name": r.name, "state": r.state, "healthy": r.healthy}
                for r in self.rules
            ],
            "queues": [
                {
                    "logical_id": q.logical_id,
                    "url": q.url,
                    "dead_letter": q.dead_letter,
                    "messages": q.visible,
                    "messages_in_flight": q.in_flight,
                    "healthy": q.healthy,
                }
                for q in self.queues
            ],
            "alarms": [
                {
                    "logical_id": a.logical_id,
                    "name": a.name,
                    "state": a.state,
                    "reason": a.reason,
                    "since": iso(a.since),
                    "healthy": a.healthy,
                }
                for a in self.alarms
            ],
            "reconcile_watermark": {
                "value": iso(self.watermark),
                "age_seconds": _seconds(self.age(self.watermark)),
                "stale_after_seconds": _seconds(self.stale_after),
                "healthy": self.watermark_healthy,
            },
            "places": [
                {
                    "account": place.account,
                    "region": place.region,
                    "reconcile_watermark": iso(place.watermark),
                    "age_seconds": _seconds(self.age(place.watermark)),
                    "healthy": self.fresh(place.watermark),
                }
                for place in self.places
            ],
            "last_job_recorded": {
                "job_name": last.job_name if last else None,
                "kind": last.job.kind if last else None,
                "recorded_at": iso(last.recorded_at) if last else None,
                "age_seconds": _seconds(self.age(last.recorded_at if last else None)),
                "among_newest_jobs": RECENT_JOBS,
            },
        }


def status(args: argparse.Namespace, wiring: Wiring) -> int:
    """``jobtrail status``: exit 0 when healthy, ``EXIT_UNHEALTHY`` when not."""
    wiring.refuse_local(
        args.command,
        "there is no deployment locally (no rule, queues or alarms; the demo runs the functions in its own "
        "process): pass --stack STACK",
    )
    health = look(wiring, datetime.now(UTC))
    if args.json:
        print_json(health.document())
    else:
        from jobtrail_cli import render  # noqa: PLC0415 - rich only when printing

        render.deployment_health(health, where=wiring.where())
    return EXIT_UNHEALTHY if health.problems() else EXIT_OK


def look(wiring: Wiring, now: datetime) -> Health:
    """Read everything ``status`` judges, from the ``--stack`` stack."""
    from jobtrail.usecases.reconcile import RECONCILE_WATERMARK  # noqa: PLC0415

    stack = wiring.stack_name()
    resources = wiring.stack_resources()

    def of_type(kind: str) -> list[StackResource]:
        return [r for r in resources if r.type == kind and r.physical_id]

    store, queries = wiring.store(), wiring.queries()
    return Health(
        stack=stack,
        checked_at=now,
        rules=tuple(_rules(wiring, of_type(RULE))),
        queues=tuple(_queues(wiring, of_type(QUEUE))),
        alarms=tuple(_alarms(wiring, of_type(ALARM))),
        watermark=wiring.read(lambda: store.get_watermark(RECONCILE_WATERMARK)),
        reconcile_period=schedule_period(wiring.stack_parameter("ReconcileSchedule") or "rate(15 minutes)"),
        last_recorded=wiring.read(lambda: queries.last_recorded(among=RECENT_JOBS)),
        **_places(wiring, store),
    )


def _places(wiring: Wiring, store: HistoryStore) -> dict[str, Any]:
    """Organization mode: each member place's reconcile watermark (one Query each). With the whole
    organization as members, its accounts are read with your credentials; if they cannot be, one line
    says so and the listed places are judged."""
    from jobtrail.usecases.reconcile import RECONCILE_WATERMARK  # noqa: PLC0415

    organization = wiring.stack_organization()
    if organization is None:
        return {}
    members: frozenset[str] = frozenset()
    unknown = None
    if organization.lists_accounts:
        try:
            members = wiring.organization_accounts()
        except UserError as error:
            unknown = f"the organization's accounts could not be read to check their places: {error}"
    marks = tuple(
        PlaceMark(
            place.account,
            place.region,
            _watermark(wiring, store, organization.progress_name(RECONCILE_WATERMARK, place)),
        )
        for place in organization.places(members)[1:]
    )
    return {"places": marks, "places_unknown": unknown}


def _watermark(wiring: Wiring, store: HistoryStore, name: str) -> datetime | None:
    return wiring.read(lambda: store.get_watermark(name))


def schedule_period(expression: str) -> timedelta | None:
    """The period of a ``rate(N unit)`` schedule expression; ``None`` for a cron expression."""
    rate = _RATE.match(expression.strip())
    if not rate:
        return None
    amount, unit = int(rate.group(1)), rate.group(2).rstrip("s")
    return timedelta(**{f"{unit}s": amount})


def _rules(wiring: Wiring, resources: list[StackResource]) -> list[Rule]:
    events = wiring.events()
    rules = []
    for resource in resources:
        # A rule on another bus than the default one has the physical id "bus|name".
        bus, _, name = resource.physical_id.rpartition("|")
        on_bus = {"EventBusName": bus} if bus else {}
        described = aws_call(partial(events.describe_rule, Name=name, **on_bus))
        rules.append(Rule(resource.logical_id, name, str(described.get("State", "UNKNOWN"))))
    return rules


def _queues(wiring: Wiring, resources: list[StackResource]) -> list[Queue]:
    sqs = wiring.sqs()
    queues = []
    for resource in resources:
        attributes = aws_call(
            partial(
                sqs.get_queue_attributes,
                QueueUrl=resource.physical_id,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )
        )["Attributes"]
        queues.append(
            Queue(
                resource.logical_id,
                resource.physical_id,
                int(attributes.get("ApproximateNumberOfMessages", 0)),
                int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
            )
        )
    return queues


def _alarms(wiring: Wiring, resources: list[StackResource]) -> list[Alarm]:
    if not resources:
        return []
    cloudwatch = wiring.cloudwatch()
    logical = {r.physical_id: r.logical_id for r in resources}
    names = sorted(logical)
    alarms = []
    for start in range(0, len(names), ALARM_NAMES_PER_CALL):
        chunk = names[start : start + ALARM_NAMES_PER_CALL]
        described = aws_call(partial(cloudwatch.describe_alarms, AlarmNames=chunk, MaxRecords=100))
        alarms += [
            Alarm(
                logical[a["AlarmName"]],
                a["AlarmName"],
                a["StateValue"],
                a.get("StateReason"),
                a.get("StateUpdatedTimestamp"),
            )
            for a in described.get("MetricAlarms", [])
        ]
    return alarms


def _seconds(duration: timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds(), 3)


def _ago(duration: timedelta | None) -> str:
    from jobtrail.core.times import human_duration  # noqa: PLC0415

    return "-" if duration is None else f"{human_duration(duration.total_seconds())} ago"

"""The history the tests of ``jobtrail ui`` read, and the pages and app made on it as ``jobtrail ui`` makes
them.

The table holds every kind: the kind samples (``kind_samples``: processing, transform, a tuning job
whose children report no objective, pipeline executions, one failed with its step's job, a name shared by
a processing and a training job) and the one running pipeline execution; then events/' lifecycles
recorded answer after answer as ingest records them: the spot job interrupted twice, the job that waited
for capacity and failed, the tuning job whose three children report ``validation:auc`` (Maximize), and a
copy of it renamed whose objective is to Minimize; three jobs created at the same millisecond (pages of
the list must cut between them); a failed job whose reason holds markup and a control character. Some
billing jobs carry a cost and a team tag (``COSTS``).

Expectations are read from the Describe answers and from the CLI run on the same table, never from the
UI's own code.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from typing import Any

import boto3
import kind_samples as samples
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.core.kinds import Kind
from jobtrail.core.model import JobCost, JobRecord
from jobtrail_cli.parser import build_parser
from jobtrail_cli.ui.app import create_app
from jobtrail_cli.ui.pages import Pages
from jobtrail_cli.wiring import Wiring
from jobtrail_local.dynamodb_local import DynamoDBLocal
from jobtrail_local.lifecycles import load_lifecycle, record_of
from jobtrail_local.table_schema import create_history_table
from msgspec.structs import replace
from organization_samples import replaced

SPOT = "detr-coco-spot-2026-11-21-02-00-00-456"
CAPACITY = "llama-pretrain-p4d-2026-11-22-08-15-00-001"
TUNING = "churn-xgb-hpo-1127"
MINIMIZE = "churn-xgb-min-1127"
OBJECTIVE = "validation:auc"
HOSTILE = "hostile-reason-2026-11-26"
HOSTILE_REASON = "<b>Markup</b> & <script>alert('x')</script> \"quoted\" \x01 done"
TIED = ("tied-a-2026-11-25", "tied-b-2026-11-25")
#: What some billing jobs cost, and their team tag.
COSTS = {
    SPOT: (JobCost(Decimal("2.95"), spot_savings_usd=Decimal("4.92"), basis="list"), "vision"),
    CAPACITY: (JobCost(Decimal("0"), basis="list"), "llm"),
    samples.PROCESSING_OK: (JobCost(Decimal("0.50"), basis="list"), "growth"),
    samples.PROCESSING_FAILED: (JobCost(Decimal("0.25"), basis="list"), "growth"),
    samples.TRAIN_JOB: (JobCost(Decimal("0.80"), basis="list"), "growth"),
    f"{TUNING}-001-5b2e9c1d": (JobCost(Decimal("0.05"), basis="list"), "nlp"),
}
#: The window the overview is asked about (every job of the table is created in it).
WINDOW = {"since": "2026-11-20", "until": "2026-11-28"}


def lifecycle_answers(name: str) -> list[tuple[Kind, dict[str, Any]]]:
    """A lifecycle's Describe answers, in the order SageMaker gave them: (kind, answer)."""
    return [(step.kind, step.describe) for step in load_lifecycle(name).steps]


def minimized(answers: list[tuple[Kind, dict[str, Any]]]) -> list[tuple[Kind, dict[str, Any]]]:
    """The tuning lifecycle renamed ``MINIMIZE``, its objective to Minimize, its best training job then
    the one of the lowest value (as SageMaker would choose it)."""
    renamed = [(kind, replaced(answer, [(TUNING, MINIMIZE)])) for kind, answer in answers]
    lowest = min(
        (answer for kind, answer in renamed if kind == "training" and answer.get("FinalMetricDataList")),
        key=lambda answer: objective_of(answer) or 0.0,
    )
    changed = []
    for kind, answer in renamed:
        if kind == "tuning":
            answer["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["Type"] = "Minimize"
            if "BestTrainingJob" in answer:
                answer["BestTrainingJob"]["TrainingJobName"] = lowest["TrainingJobName"]
                answer["BestTrainingJob"]["TrainingJobArn"] = lowest["TrainingJobArn"]
                answer["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] = (
                    objective_of(lowest)
                )
        changed.append((kind, answer))
    return changed


def objective_of(answer: dict[str, Any]) -> float | None:
    """A DescribeTrainingJob answer's last ``validation:auc``, as SageMaker reports it."""
    values = [m["Value"] for m in answer.get("FinalMetricDataList", []) if m["MetricName"] == OBJECTIVE]
    return values[-1] if values else None


def hostile() -> dict[str, Any]:
    answer = load_lifecycle("failed").final_describe("bert-finetune-reviews-2026-11-20-13-30-00-789")
    answer = replaced(answer, [("bert-finetune-reviews-2026-11-20-13-30-00-789", HOSTILE)])
    answer["FailureReason"] = HOSTILE_REASON
    return answer


def snapshots() -> list[JobRecord]:
    """Every answer the table is written from, in order."""
    answers: list[tuple[Kind, dict[str, Any]]] = [
        *lifecycle_answers("spot-interrupted"),
        *lifecycle_answers("failed-capacity"),
        *lifecycle_answers("tuning-completed"),
        *minimized(lifecycle_answers("tuning-completed")),
        ("training", hostile()),
        *(("processing", samples.processing_ok(name, samples.at(15))) for name in TIED),
        ("training", samples.training(TIED[0], samples.at(15))),
    ]
    return [
        *samples.records(),
        samples.pipeline_answer(samples.running_pipeline()[0]).record(),
        *(record_of(kind, answer) for kind, answer in answers),
    ]


def priced(snapshot: JobRecord) -> JobRecord:
    cost, team = COSTS.get(snapshot.job_name, (None, None))
    if cost is None:
        return snapshot
    return replace(snapshot, summary=replace(snapshot.summary, cost=cost, tags={"team": team or ""}))


def fill(store: HistoryStore) -> None:
    """Write the table as ingest would (each answer in turn, the alerts they make due left pending)."""
    samples.record_all(store, map(priced, snapshots()))


def table_of(
    dynamodb_local: DynamoDBLocal, prefix: str, fill: Callable[[HistoryStore], None]
) -> Iterator[dict[str, str]]:
    """A new history table in ``dynamodb_local``, written by ``fill``, deleted once the caller is done."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    client = boto3.client("dynamodb", region_name=samples.REGION, endpoint_url=dynamodb_local.endpoint_url)
    create_history_table(client, name)
    fill(HistoryStore(name, region=samples.REGION, host=dynamodb_local.endpoint_url))
    yield {"name": name, "endpoint": dynamodb_local.endpoint_url}
    client.delete_table(TableName=name)


def options(table: dict[str, str], *more: str) -> argparse.Namespace:
    """``jobtrail --table NAME --endpoint-url URL ui MORE``, parsed."""
    return build_parser().parse_args(
        ["--table", table["name"], "--endpoint-url", table["endpoint"], "ui", *more]
    )


@contextmanager
def pages_on(table: dict[str, str], *more: str, made_by: type[Pages] = Pages) -> Iterator[Pages]:
    """The pages ``jobtrail ui`` serves on ``table`` (its wiring closed at the end); ``made_by``: a
    subclass that changes some page."""
    args = options(table, *more)
    with ExitStack() as cleanup:
        wiring = Wiring(args, cleanup)
        yield made_by(wiring, args, where=wiring.where(), links=wiring.console_links())


#: The port the test client's app believes it serves on.
PORT = 5000
BASE_URL = f"http://127.0.0.1:{PORT}"
TOKEN = "the-test-token-0123456789abcdef"


def app_on(pages: Pages) -> Any:
    """The Flask app, as ``jobtrail ui`` makes it for ``pages`` on ``PORT`` with ``TOKEN``."""
    return create_app(pages, token=TOKEN, port=PORT)

"""An organization's jobs for the CLI's and the UI's tests: three accounts, two regions, the same training
job name failed in two member accounts. Each job is a lifecycle's last Describe answer (events/), moved
to its account and region and renamed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import kind_samples as samples
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.core.model import JobRecord
from jobtrail_local.lifecycles import load_lifecycle

HOME = samples.ACCOUNT
MEMBER_A, MEMBER_B = "222233334444", "333344445555"
#: (account, region, job name, lifecycle): the same name failed in two members.
JOBS = (
    (HOME, "us-east-1", "home-completed", "completed"),
    (MEMBER_A, "us-east-1", "same-name", "failed"),
    (MEMBER_B, "eu-west-1", "same-name", "failed"),
    (MEMBER_B, "eu-west-1", "member-b-only", "completed"),
)


def replaced(value: Any, changes: Sequence[tuple[str, str]]) -> Any:
    """``value`` (a Describe answer) with each string in it changed by ``changes`` (old, new), in order."""
    if isinstance(value, str):
        for old, new in changes:
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {key: replaced(item, changes) for key, item in value.items()}
    if isinstance(value, list):
        return [replaced(item, changes) for item in value]
    return value


def placed(account: str, region: str, name: str, lifecycle: str) -> JobRecord:
    """The lifecycle's last Describe answer, as SageMaker in ``account`` and ``region`` gives it for a
    job called ``name``."""
    story = load_lifecycle(lifecycle)
    original = story.job_names[0]
    changes = [(f":{samples.REGION}:{samples.ACCOUNT}:", f":{region}:{account}:"), (original, name)]
    return record_from_describe(replaced(story.final_describe(original), changes))


def records() -> list[JobRecord]:
    """Every job of ``JOBS``."""
    return [placed(*job) for job in JOBS]

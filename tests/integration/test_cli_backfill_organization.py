"""``jobtrail backfill --account ID [--job-region R]`` in organization mode (moto's accounts): a member's
jobs read through its reader role, recorded in their own histories, progress kept per place; what cannot
be done is one line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.adapters.member_access import MemberAccessFailed, MemberCredentials
from jobtrail.core.organization import Place
from jobtrail_cli import main
from moto_accounts import HOME, create_training_job
from moto_stacks import create_stack_with_parameters

STACK = "jobtrail-org-backfill"
MEMBER, STRANGER = "222233334444", "999988887777"


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def organization_stack(moto_table: Any) -> Any:
    create_stack_with_parameters(moto_table.name, STACK, MemberAccountIds=MEMBER, MemberRegions="eu-west-1")
    return moto_table


def test_a_members_jobs_are_backfilled_through_its_role(
    organization_stack: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    job = create_training_job(Place(MEMBER, "eu-west-1"), "member-old-job")
    create_training_job(Place(MEMBER, "us-east-1"), "other-region-job")

    code, out, err = run(
        "--stack", STACK, "backfill", "--since", "1d", "--account", MEMBER, "--job-region", "eu-west-1",
        "--json", capsys=capsys,
    )  # fmt: skip

    assert (code, err) == (0, "")
    assert json.loads(out)["synced"] == 1
    store = HistoryStore(organization_stack.name, region="us-east-1")
    stored = store.load(job)
    assert stored is not None
    assert stored.summary.job_arn == f"arn:aws:sagemaker:eu-west-1:{MEMBER}:training-job/member-old-job"
    assert store.get_watermark(f"backfill/training/{MEMBER}/eu-west-1") is not None
    assert store.get_watermark("backfill/training") is None  # the home place's progress is its own


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["--account", MEMBER], 2, "--account and --job-region need --stack STACK"),
        (
            ["--stack", STACK, "--account", STRANGER],
            2,
            f"does not keep that place: account {STRANGER} is not a member account "
            f"(MemberAccountIds: {MEMBER})",
        ),
    ],
)
def test_a_place_the_stack_does_not_keep_is_one_line(
    organization_stack: Any, capsys: pytest.CaptureFixture[str], arguments: list[str], code: int, message: str
) -> None:
    command = ["--table", organization_stack.name] if "--stack" not in arguments else []
    exit_code, out, err = run(*command, "backfill", "--since", "1d", *arguments, capsys=capsys)

    assert (exit_code, out) == (code, "")
    assert message in err
    assert err.count("\n") == 1


def test_without_account_every_place_is_backfilled_and_a_refused_one_does_not_stop_the_others(
    organization_stack: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home_job = create_training_job(Place(HOME, "eu-west-1"), "home-ireland-job")
    member_job = create_training_job(Place(MEMBER, "us-east-1"), "member-job")
    store = HistoryStore(organization_stack.name, region="us-east-1")

    code, out, err = run("--stack", STACK, "backfill", "--since", "1d", "--json", capsys=capsys)

    assert (code, err) == (0, "")
    assert json.loads(out)["synced"] == 2
    assert store.load(home_job) is not None
    assert store.load(member_job) is not None

    # The member's role refused: its place fails in one line, the home places are still backfilled
    another = create_training_job(Place(HOME, "us-east-1"), "home-later-job")

    def refused(self: MemberCredentials, account: str) -> Any:
        raise MemberAccessFailed(account, f"arn:aws:iam::{account}:role/jobtrail-reader", "AccessDenied")

    monkeypatch.setattr(MemberCredentials, "for_account", refused)
    code, out, err = run("--stack", STACK, "backfill", "--since", "1d", "--json", capsys=capsys)

    assert code == 3
    assert store.load(another) is not None
    assert err.splitlines() == [
        f"jobtrail: cannot read {MEMBER} eu-west-1: account {MEMBER}: AccessDenied assuming "
        f"arn:aws:iam::{MEMBER}:role/jobtrail-reader (is your role in the member stacks' OperatorRoleArns?)",
        f"jobtrail: cannot read {MEMBER} us-east-1: account {MEMBER}: AccessDenied assuming "
        f"arn:aws:iam::{MEMBER}:role/jobtrail-reader (is your role in the member stacks' OperatorRoleArns?)",
        "jobtrail: run the same command again to resume where it stopped",
    ]

"""The samples in the README are what the code produces."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from jobtrail.core.alerts import build_alert
from jobtrail.core.kinds import KINDS
from jobtrail.core.slack_message import slack_payload
from jobtrail_local.demo import query_suggestions
from jobtrail_local.lifecycles import lifecycle_names, load_lifecycle

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_slack_sample_is_the_payload_of_the_failed_fixture() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- slack-sample:begin -->\s*```json\n(.*?)```\s*<!-- slack-sample:end -->", text, re.S
    )
    assert match, "README lost its Slack sample"
    lifecycle = load_lifecycle("failed")
    record = lifecycle.final_record(lifecycle.jobs[0])
    expected = slack_payload(json.loads(build_alert(record, record.transitions[-1]).message))
    assert json.loads(match.group(1)) == expected


def quick_start() -> str:
    """The Quick start section, its whitespace folded to single spaces."""
    text = README.read_text(encoding="utf-8")
    return " ".join(text[text.index("## Quick start") : text.index("## How it works")].split())


def test_the_quick_start_counts_what_the_demo_replays() -> None:
    lifecycles = [load_lifecycle(name) for name in lifecycle_names()]
    jobs = Counter(job.kind for lifecycle in lifecycles for job in lifecycle.jobs)
    outcomes = [outcome for lifecycle in lifecycles for outcome in lifecycle.expected.values()]
    said = re.search(
        r"(\d+) jobs of the five kinds — (\d+) training jobs \(.*?\), (\d+) processing jobs, (\d+) transform "
        r"jobs, (\d+) tuning jobs and (\d+) pipeline executions.*? Their (\d+) state changes .*? the (\d+) "
        r"alerts",
        quick_start(),
    )

    assert said, "README's Quick start no longer counts the demo's jobs"
    assert [int(number) for number in said.groups()] == [
        jobs.total(),
        *(jobs[kind] for kind in KINDS),
        sum(len(lifecycle.steps) for lifecycle in lifecycles),
        sum(len(outcome.alerts) for outcome in outcomes),
    ]


def test_the_quick_start_lists_the_commands_the_demo_suggests() -> None:
    block = re.search(r"the same CLI: ```bash (.*?) ```", quick_start())
    assert block, "README's Quick start lost the demo's commands"
    listed = [
        (command.strip(), comment.strip())
        for command, comment in (line.split("#", 1) for line in re.split(r" (?=\.venv/bin/)", block.group(1)))
    ]

    suggested = query_suggestions(".venv/bin/jobtrail")

    assert listed[: len(suggested)] == suggested
    assert [command for command, _ in listed[len(suggested) :]] == [
        ".venv/bin/jobtrail demo --stop",
        ".venv/bin/jobtrail demo --reset",
    ]

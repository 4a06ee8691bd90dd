"""The demo prints each Slack message as the README shows it: code blocks as boxes, not fences; the
footer broken between the parts of the alert id, never inside its timestamp."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from jobtrail.core.alerts import build_alert
from jobtrail.core.slack_message import slack_payload
from jobtrail_cli.render import slack_message
from jobtrail_local.lifecycles import load_lifecycle
from rich.console import Console

README = Path(__file__).resolve().parents[2] / "README.md"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")


def failed_fixture_payload() -> dict[str, Any]:
    lifecycle = load_lifecycle("failed")
    record = lifecycle.final_record(lifecycle.jobs[0])
    return slack_payload(json.loads(build_alert(record, record.transitions[-1]).message))


def rendered(payload: dict[str, Any], width: int) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None, emoji=False)
    console.print(slack_message(payload))
    return [line.rstrip() for line in console.file.getvalue().splitlines()]  # type: ignore[attr-defined]


def readme_sample() -> list[str]:
    match = re.search(r"What the channel sees.*?```text\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert match, "README lost its rendered Slack sample"
    return match.group(1).splitlines()


def test_the_demo_renders_the_failed_alert_exactly_as_the_readme_shows_it() -> None:
    assert rendered(failed_fixture_payload(), width=120) == readme_sample()


def test_code_blocks_are_boxes_not_fences() -> None:
    lines = rendered(failed_fixture_payload(), width=80)

    assert not any("```" in line for line in lines)
    assert any(line.startswith("┌") for line in lines)
    assert "│ ExitCode 1" in "\n".join(lines)


def test_a_narrow_terminal_breaks_the_footer_between_the_alert_id_parts() -> None:
    payload = failed_fixture_payload()
    footer = payload["blocks"][-1]["elements"][0]["text"]

    lines = rendered(payload, width=80)

    # The footer is broken only after a "/" of the alert id; the timestamp is whole on the last line
    start = next(i for i, line in enumerate(lines) if line.startswith("jobtrail · "))
    end = next(i for i in range(start, len(lines)) if TIMESTAMP.fullmatch(lines[i]))
    footer_lines = lines[start : end + 1]
    assert len(footer_lines) >= 2
    assert all(line.endswith("/") for line in footer_lines[:-1])
    assert "".join(footer_lines) == footer
    assert all(len(line) <= 80 for line in lines)

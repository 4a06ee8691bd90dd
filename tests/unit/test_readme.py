"""The samples in the README are what the code produces."""

from __future__ import annotations

import json
import re
from pathlib import Path

from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.core.alerts import build_alert
from jobtrail.core.slack_message import slack_payload
from jobtrail_local.lifecycles import load_lifecycle

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_slack_sample_is_the_payload_of_the_failed_fixture() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- slack-sample:begin -->\s*```json\n(.*?)```\s*<!-- slack-sample:end -->", text, re.S
    )
    assert match, "README lost its Slack sample"
    lifecycle = load_lifecycle("failed")
    record = record_from_describe(lifecycle.final_describe(lifecycle.job_names[0]))
    expected = slack_payload(json.loads(build_alert(record, record.transitions[-1]).message))
    assert json.loads(match.group(1)) == expected

"""The Slack message for an alert: Block Kit, built from the alert document alone (pure).

Whatever the input — 63-character job names, 1,024-character failure reasons, quotes, backticks, emoji —
the payload stays inside Slack's limits: header text ≤ 150 characters, section and field text ≤ 3,000 and
2,000, button text ≤ 75, URLs ≤ 3,000, at most 50 blocks and 10 fields a section. Lengths are counted in
UTF-16 code units, the stricter of the ways Slack may count, so an emoji never tips a block over.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jobtrail.core.kinds import SPECS
from jobtrail.core.times import human_duration, parse_moment

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
BUTTON_TEXT_LIMIT = 75
URL_LIMIT = 3000
MAX_BLOCKS = 50
#: Fields in one section.
MAX_FIELDS = 10
FALLBACK_LIMIT = 3000
ELLIPSIS = "…"

ICONS = {"critical": ":rotating_light:", "warning": ":warning:"}
CODE_FENCE = "```"


def slack_payload(alert: Mapping[str, Any]) -> dict[str, Any]:
    """The incoming-webhook payload (``text`` fallback plus ``blocks``) for one alert document."""
    if alert.get("test") is True:
        return _test_payload(alert)
    alert_type = str(alert.get("alert_type") or "Alert")
    job_name = str(alert.get("job_name") or "unknown job")
    icon = ICONS.get(str(alert.get("severity")), ":information_source:")
    headline = f"{alert_type}: {job_name}"
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": fit(headline, HEADER_LIMIT), "emoji": True},
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": fit(f"{icon} {_summary_line(alert)}", SECTION_LIMIT)},
            "fields": [_field(label, value) for label, value in _facts(alert)],
        },
    ]
    reason = alert.get("failure_reason")
    if reason:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": code_block(str(reason), SECTION_LIMIT)}}
        )
    exit_message = alert.get("exit_message")
    if exit_message and exit_message != reason:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": code_block(str(exit_message), SECTION_LIMIT)},
            }
        )
    message = alert.get("status_message")
    if message and message not in (reason, exit_message):
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": fit(escape(str(message)), FIELD_LIMIT)}],
            }
        )
    blocks.extend(_log_tail_blocks(alert))
    kind = alert.get("kind") or "training"
    buttons = [
        _button("Open in SageMaker", alert.get("console_url"), "console"),
        _button("Failed step's job", alert.get("failed_step_console_url"), "step"),
        _button("Training logs" if kind == "training" else "Logs", alert.get("logs_url"), "logs"),
    ]
    if any(buttons):
        blocks.append({"type": "actions", "elements": [b for b in buttons if b]})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": fit(
                        escape(f"jobtrail · {alert.get('severity', '')} · {alert.get('alert_id', '')}"),
                        FIELD_LIMIT,
                    ),
                }
            ],
        }
    )
    return {
        "text": fit(f"{headline} ({alert.get('severity', '')})", FALLBACK_LIMIT),
        "blocks": blocks[:MAX_BLOCKS],
    }


TEST_HEADLINE = ":test_tube: TEST — jobtrail alert wiring"


def _test_payload(alert: Mapping[str, Any]) -> dict[str, Any]:
    """A test alert (``jobtrail alerts test``), marked as one in its header and its fallback text: it
    says that nothing failed, who sent it, when, and the team it was routed to."""
    said = alert.get("status_message") or "A test alert sent with `jobtrail alerts test`."
    facts = [("Sent", str(alert.get("transition_start_time") or "-"))]
    if alert.get("team"):
        facts.append(("Team", str(alert.get("team"))))
    facts.extend(_place_fact(alert))
    footer = f"jobtrail · test · {alert.get('alert_id', '')}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": TEST_HEADLINE, "emoji": True}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": fit(f"*Nothing failed.* {escape(str(said))}", SECTION_LIMIT),
            },
            "fields": [_field(label, value) for label, value in facts],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": fit(escape(footer), FIELD_LIMIT)}]},
    ]
    return {"text": "TEST — jobtrail alert wiring: nothing failed", "blocks": blocks}


#: Log streams linked under the excerpt (the alert carries at most 3).
MAX_LOG_LINKS = 3


def _log_tail_blocks(alert: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The first stream's last lines (the one that failed) as a code block, its newest lines kept when
    cut, and a link to each stream; or the one line saying why the alert has no excerpt."""
    streams = [s for s in alert.get("log_tail") or () if isinstance(s, Mapping) and s.get("lines")]
    if not streams:
        error = alert.get("log_tail_error")
        if not error:
            return []
        text = fit(escape(f"No log lines: {error}"), FIELD_LIMIT)
        return [{"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}]
    first = streams[0]
    excerpt = code_block_tail("\n".join(str(line) for line in first["lines"]), SECTION_LIMIT)
    links = [_stream_link(stream) for stream in streams[:MAX_LOG_LINKS]]
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": excerpt}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": link} for link in links]},
    ]


def _stream_link(stream: Mapping[str, Any]) -> str:
    name = escape(str(stream.get("log_stream") or "log stream"))
    url = stream.get("logs_url")
    label = fit(name, 200)
    if isinstance(url, str) and url.startswith("https://") and utf16_length(url) <= URL_LIMIT:
        return fit(f":page_facing_up: <{url}|{label}>", FIELD_LIMIT)
    return fit(f":page_facing_up: {label}", FIELD_LIMIT)


def _summary_line(alert: Mapping[str, Any]) -> str:
    started = alert.get("transition_start_time") or "an unknown time"
    spec = SPECS.get(alert.get("kind") or "training")
    noun = f" · {spec.noun}" if spec else ""
    return escape(f"{alert.get('alert_type')} at {started}{noun}")


def _facts(alert: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The fields of the main section (at most ``MAX_FIELDS``), the job's account and region last."""
    kind = alert.get("kind") or "training"
    facts = _facts_of_training(alert) if kind == "training" else _facts_of_other_kinds(alert)
    return [*facts[: MAX_FIELDS - 1], *_place_fact(alert)]


def _place_fact(alert: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``Account``: the account and region the job runs in (``222233334444 · eu-west-1``), so a reader
    knows where a console link leads and which account to sign in to; nothing when the alert says
    neither."""
    place = " · ".join(str(alert[key]) for key in ("account", "region") if alert.get(key))
    return [("Account", place)] if place else []


def _facts_of_training(alert: Mapping[str, Any]) -> list[tuple[str, str]]:
    instances = alert.get("instance_type")
    if instances:
        instances = f"{alert.get('instance_count') or 1} x {instances}"
    savings = alert.get("spot_savings_percent")
    # The job's status when the alert was raised, which need not be the alert's own: a spot job that
    # was Interrupted is often back to InProgress · Starting by then.
    seen = [str(alert.get(key)) for key in ("status", "secondary_status") if alert.get(key)]
    return [
        ("Job when alerted", " · ".join(dict.fromkeys(seen)) or "-"),
        ("Duration", human_duration(alert.get("training_time_seconds"))),
        ("Instance", str(instances or "-")),
        ("Billable time", human_duration(alert.get("billable_time_seconds"))),
        ("Spot savings", "-" if savings is None else f"{float(savings):.1f} %"),
        *_cost_fact(alert),
    ]


def _cost_fact(alert: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``Cost so far``: what the job had cost when the alert was raised (with what spot saved), or why
    that is not known; nothing for an alert without a ``cost`` (not priced)."""
    cost = alert.get("cost")
    if not isinstance(cost, Mapping):
        return []
    usd, saved = cost.get("usd"), cost.get("spot_savings_usd")
    if not isinstance(usd, int | float):
        return [("Cost so far", escape(f"unknown: {cost.get('unknown_reason') or 'not priced'}"))]
    spot = f" (spot saved ${saved:,.2f})" if isinstance(saved, int | float) and saved else ""
    return [("Cost so far", f"${usd:,.2f}{spot}")]


def _facts_of_other_kinds(alert: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Processing, transform, tuning jobs and pipeline executions: status, duration and their own facts."""
    instances = alert.get("instance_type")
    facts = [
        ("Job when alerted", str(alert.get("status") or "-")),
        ("Duration", human_duration(_seconds_between(alert.get("start_time"), alert.get("end_time")))),
    ]
    if instances:
        facts.append(("Instance", f"{alert.get('instance_count') or 1} x {instances}"))
    facts.extend(_cost_fact(alert))
    for label, key in (
        ("Model", "model_name"),
        ("Failed step", "failed_step"),
        ("Best training job", "best_training_job"),
        ("Objective", "objective_metric"),
        ("Best objective value", "best_objective_value"),
    ):
        if alert.get(key) is not None:
            facts.append((label, str(alert.get(key))))
    counts = alert.get("training_job_counts")
    if isinstance(counts, Mapping) and counts:
        facts.append(("Training jobs", ", ".join(f"{count} {status}" for status, count in counts.items())))
    return facts


def _seconds_between(start: Any, end: Any) -> float | None:
    if not isinstance(start, str) or not isinstance(end, str):
        return None
    try:
        return (parse_moment(end) - parse_moment(start)).total_seconds()
    except ValueError:
        return None


def _field(label: str, value: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": fit(f"*{label}*\n{escape(value)}", FIELD_LIMIT)}


def _button(text: str, url: Any, action_id: str) -> dict[str, Any] | None:
    if not isinstance(url, str) or not url.startswith("https://") or utf16_length(url) > URL_LIMIT:
        return None
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": fit(text, BUTTON_TEXT_LIMIT)},
        "url": url,
        "action_id": action_id,
    }


def escape(text: str) -> str:
    """Slack's mrkdwn control characters: ``&``, ``<`` and ``>`` (nothing else needs escaping)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code_block(text: str, limit: int) -> str:
    """``text`` escaped in a code block of at most ``limit`` code units, cut with an ellipsis if needed.

    Backtick runs inside are broken up so that they cannot close the block early.
    """
    body = escape(text.replace(CODE_FENCE, "`\u200b`\u200b`"))
    room = limit - 2 * utf16_length(CODE_FENCE) - 1  # the newline after the opening fence
    return f"{CODE_FENCE}\n{fit(body, room)}{CODE_FENCE}"


def code_block_tail(text: str, limit: int) -> str:
    """Like ``code_block``, but a text too long keeps its *end* (a log's last lines hold the error),
    starting with an ellipsis."""
    body = escape(text.replace(CODE_FENCE, "`\u200b`\u200b`"))
    room = limit - 2 * utf16_length(CODE_FENCE) - 1
    if utf16_length(body) > room:
        kept: list[str] = []
        used = utf16_length(ELLIPSIS)
        for char in reversed(body):
            size = utf16_length(char)
            if used + size > room:
                break
            kept.append(char)
            used += size
        cut = "".join(reversed(kept))
        entity_end = cut.find(";")
        if entity_end != -1 and "&" not in cut[:entity_end] and re.match(r"^[a-z]+;", cut):
            cut = cut[entity_end + 1 :]
        body = ELLIPSIS + cut
    return f"{CODE_FENCE}\n{body}{CODE_FENCE}"


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-16 code units, ending in an ellipsis when cut; never splits an
    escape such as ``&amp;`` or a surrogate pair."""
    if utf16_length(text) <= limit:
        return text
    budget = limit - utf16_length(ELLIPSIS)
    kept: list[str] = []
    used = 0
    for char in text:
        size = utf16_length(char)
        if used + size > budget:
            break
        kept.append(char)
        used += size
    cut = "".join(kept)
    entity = cut.rfind("&")
    if entity != -1 and ";" not in cut[entity:]:
        cut = cut[:entity]
    return cut + ELLIPSIS


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def payload_as_text(payload: Mapping[str, Any]) -> str:
    """A plain-text rendering of a payload, roughly as Slack lays it out (for terminals and logs)."""
    lines: list[str] = []
    for block in payload.get("blocks", ()):
        kind = block.get("type")
        if kind == "header":
            lines.append(block["text"]["text"])
        elif kind == "section":
            lines.append(_unescape(block["text"]["text"]))
            for field in block.get("fields", ()):
                label, _, value = field["text"].partition("\n")
                lines.append(f"  {label.strip('*')}: {_unescape(value)}")
        elif kind == "context":
            lines.extend(_unescape(element["text"]) for element in block["elements"])
        elif kind == "actions":
            lines.append("  ".join(f"[ {element['text']['text']} ]" for element in block["elements"]))
    return "\n".join(lines)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

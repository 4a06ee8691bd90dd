"""``jobtrail ui``'s charts (``jobtrail_cli.ui.charts``): SVG that parses as XML whatever the data, marks
where the data says, and colours by the classes the stylesheet defines. Pure: no table, no server."""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jobtrail_cli.render import STATUS_STYLES
from jobtrail_cli.ui import charts
from jobtrail_cli.ui.charts import Bar, Point, Series, Span

STYLESHEET = Path(charts.__file__).parent / "static" / "style.css"
T0 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "svg"
    return root


def with_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def texts(root: ET.Element, name: str) -> list[str]:
    return [e.text or "" for e in with_class(root, name)]


def number(element: ET.Element, attribute: str) -> float:
    return float(element.get(attribute) or "nan")


# -- a timeline ----------------------------------------------------------------------------------------------

SPOT = [
    Span("Starting", "Starting", at(0), at(3)),
    Span("Training", "Training", at(3), at(30)),
    Span("Interrupted", "Interrupted", at(30), at(42), note="Waiting for capacity", mark="interruption"),
    Span("Training", "Training", at(42), at(60)),
    Span("Completed", "Completed", at(60), at(60)),
]


def test_a_timeline_puts_each_span_where_its_times_say() -> None:
    root = parsed(charts.timeline(SPOT, now=at(120), label="spot"))

    bars = [e for e in with_class(root, "bar") if e.tag == "rect"]
    starts = [number(b, "x") for b in bars]
    ends = [number(b, "x") + number(b, "width") for b in bars]
    # One scale: each bar starts where the one before ended, the first at the axis's start
    assert starts == sorted(starts)
    assert ends[:-1] == pytest.approx(starts[1:], abs=0.2)
    scale = (ends[-1] - starts[0]) / 60
    assert [e - s for s, e in zip(starts, ends, strict=True)] == pytest.approx(
        [3 * scale, 27 * scale, 12 * scale, 18 * scale], abs=0.2
    )
    assert texts(root, "duration") == ["3m 00s", "27m 00s", "12m 00s", "18m 00s", ""]


def test_a_timeline_marks_interruptions_across_the_chart() -> None:
    root = parsed(charts.timeline(SPOT, now=at(120), label="spot"))

    (line,) = with_class(root, "mark-interruption")
    (bar,) = with_class(root, "interruption")
    assert number(line, "x1") == number(line, "x2") == pytest.approx(number(bar, "x"), abs=0.1)
    assert number(line, "y2") - number(line, "y1") > 4 * 26  # across every row
    assert "st-yellow" in (bar.get("class") or "")  # the CLI's colour for Interrupted
    (title,) = line.iter("title")
    assert title.text == "Interrupted at 2026-11-21 02:30:00: Waiting for capacity"


def test_a_wait_for_capacity_is_striped_over_its_bar() -> None:
    spans = [
        Span("Starting", "Starting", at(0), at(59), mark="capacity"),
        Span("Failed", "Failed", at(59), at(59)),
    ]
    root = parsed(charts.timeline(spans, now=at(60), label="capacity"))

    (pattern,) = root.iter("pattern")
    (stripes,) = with_class(root, "hatch")
    (bar,) = with_class(root, "capacity")
    assert stripes.get("fill") == f"url(#{pattern.get('id')})"
    assert [stripes.get(a) for a in ("x", "y", "width")] == [bar.get(a) for a in ("x", "y", "width")]


def test_two_timelines_of_one_page_have_their_own_patterns() -> None:
    ids = {
        next(parsed(charts.timeline(SPOT, now=at(90), label=label)).iter("pattern")).get("id")
        for label in ("Status transitions of x", "Steps of x")
    }

    assert len(ids) == 2


def test_an_open_span_runs_to_now_dashed_and_says_so_far() -> None:
    spans = [Span("Executing", "Executing", at(0), None), Span("Featurize", "Executing", at(1), None)]
    root = parsed(charts.timeline(spans, now=at(10), label="running"))

    bars = with_class(root, "open")
    assert len(bars) == 2
    ends = {round(number(b, "x") + number(b, "width"), 1) for b in bars}
    assert len(ends) == 1  # both end at now
    assert texts(root, "duration") == ["10m 00s so far", "9m 00s so far"]


def test_a_long_duration_stands_clear_of_the_bars() -> None:
    spans = [Span("Executing", "Executing", at(0), None)]
    root = parsed(charts.timeline(spans, now=at(60 * 157 + 58), label="a week"))

    (bar,) = with_class(root, "bar")
    (duration,) = with_class(root, "duration")
    assert duration.text == "157h 58m 00s so far"
    room = len(duration.text or "") * 7  # a character of the font at most
    assert number(bar, "x") + number(bar, "width") < number(duration, "x") - room


def test_a_span_not_started_is_listed_without_a_bar() -> None:
    spans = [Span("Train", "Executing", at(0), at(5)), Span("Evaluate", "NotStarted", None, None)]
    root = parsed(charts.timeline(spans, now=at(10), label="steps"))

    assert len(with_class(root, "bar")) == 1
    assert "not started" in texts(root, "note")


def test_a_timeline_of_nothing_started_says_so() -> None:
    root = parsed(charts.timeline([Span("Train", "Starting", None, None)], now=at(1), label="none"))

    assert texts(root, "note") == ["nothing started yet"]


def test_a_timeline_links_the_rows_that_have_a_page() -> None:
    spans = [Span("Train", "Failed", at(0), at(5), href="/jobs/training/x?account=1&region=r")]
    root = parsed(charts.timeline(spans, now=at(10), label="steps"))

    (link,) = root.iter("a")
    assert link.get("href") == "/jobs/training/x?account=1&region=r"
    assert [e.get("class") for e in link] == ["row-label", "bar st-bold-red"]


def test_the_time_axis_reads_round_times_of_the_zone_shown() -> None:
    paris = ZoneInfo("Europe/Paris")
    root = parsed(charts.timeline(SPOT, now=at(120), zone=paris, label="spot"))

    # 02:00 to 03:00 UTC is 03:00 to 04:00 in Paris (winter): every 10 minutes
    assert texts(root, "tick") == ["03:00", "03:10", "03:20", "03:30", "03:40", "03:50", "04:00"]


@pytest.mark.parametrize(
    ("minutes", "shape"), [(0.5, r"\d\d:\d\d:\d\d"), (600, r"\d\d:\d\d"), (4000, r"\d\d-\d\d \d\d:\d\d")]
)
def test_the_time_axis_says_seconds_or_days_when_the_span_needs_them(minutes: float, shape: str) -> None:
    root = parsed(charts.timeline([Span("a", "Training", at(0), at(minutes))], now=at(minutes), label="x"))

    ticks = texts(root, "tick")
    assert ticks
    assert len(ticks) <= 10
    assert all(re.fullmatch(shape, t) for t in ticks), ticks


# -- columns, bars and dots ----------------------------------------------------------------------------------


def test_stacked_columns_stack_each_day_to_its_total() -> None:
    days = ["2026-11-20", "2026-11-21", "2026-11-22"]
    series = [Series("Completed", [2, 0, 1], "st-green"), Series("Failed", [1, 0, 3], "st-bold-red")]
    root = parsed(charts.stacked_columns(days, series, label="jobs"))

    columns = with_class(root, "column")
    heights = [sum(number(r, "height") for r in c.iter("rect")) for c in columns]
    assert len(columns) == 2  # the empty day draws nothing
    assert heights[1] == pytest.approx(heights[0] * 4 / 3, abs=0.5)
    assert texts(root, "legend") == ["Completed", "Failed"]
    assert texts(root, "value") == ["3", "4"]
    assert texts(root, "tick")[-3:] == ["11-20", "11-21", "11-22"]
    titles = [t.text for t in root.iter("title")][1:]
    assert titles == [
        "2026-11-20: 2 Completed",
        "2026-11-20: 1 Failed",
        "2026-11-22: 1 Completed",
        "2026-11-22: 3 Failed",
    ]


def test_stacked_columns_of_nothing_say_so() -> None:
    root = parsed(
        charts.stacked_columns(["2026-11-20"], [Series("Completed", [0], "st-green")], label="jobs")
    )

    assert texts(root, "note") == ["nothing in this window"]


def test_the_axis_of_columns_ends_at_a_round_value() -> None:
    root = parsed(
        charts.stacked_columns(
            ["a", "b"], [Series("spend", [3.2, 7.27], "st-green")], label="s", amount=lambda v: f"${v:.2f}"
        )
    )

    assert texts(root, "tick")[:5] == ["$0.00", "$2.50", "$5.00", "$7.50", "$10.00"]


def test_horizontal_bars_are_as_long_as_their_values() -> None:
    bars = [Bar("vision", 9.86, "$9.86", href="/x"), Bar("growth", 1.54, "$1.54"), Bar("llm", 0, "$0.00")]
    root = parsed(charts.horizontal_bars(bars, label="teams"))

    widths = [number(r, "width") for r in with_class(root, "bar")]
    assert widths[1] == pytest.approx(widths[0] * 1.54 / 9.86, abs=0.2)
    assert widths[2] == 0
    assert texts(root, "value") == ["$9.86", "$1.54", "$0.00"]
    assert [a.get("href") for a in root.iter("a")] == ["/x"]


def test_horizontal_bars_of_nothing_say_so() -> None:
    root = parsed(charts.horizontal_bars([], label="failures", empty="no job failed"))

    assert texts(root, "note") == ["no job failed"]


def test_objective_dots_keep_the_order_given_and_mark_the_best() -> None:
    points = [
        Point("job-002", 0.91873, "Completed"),
        Point("job-001", 0.90214, "Completed"),
        Point("job-004", None, "Stopped"),
        Point("job-003", 0.88738, "Completed"),
    ]
    root = parsed(charts.objective_dots(points, metric="validation:auc", best="job-002", label="auc"))

    dots = list(root.iter("circle"))
    assert [number(d, "cx") for d in dots] == sorted((number(d, "cx") for d in dots), reverse=True)
    assert "best" in (dots[0].get("class") or "")
    assert texts(root, "value") == ["0.91873 best", "0.90214", "0.88738"]
    assert "no value (Stopped)" in " ".join(texts(root, "note"))
    ticks = [float(t) for t in texts(root, "tick")]
    assert ticks[0] <= 0.88738
    assert ticks[-1] >= 0.91873
    assert len({round(b - a, 9) for a, b in itertools.pairwise(ticks)}) == 1  # a round step


@pytest.mark.parametrize("values", [[0.5], [0.5, 0.5], [-3.0, -3.0], [0.0], [1e-9, 2e-9]])
def test_objective_dots_draw_equal_or_single_values(values: list[float]) -> None:
    points = [Point(f"job-{i}", v, "Completed") for i, v in enumerate(values)]
    root = parsed(charts.objective_dots(points, metric="m", best="job-0", label="m"))

    xs = [number(d, "cx") for d in root.iter("circle")]
    assert all(math.isfinite(x) and 0 < x < charts.WIDTH for x in xs)


def test_objective_dots_without_values_say_so() -> None:
    points = [Point("job-1", None, "Stopped"), Point("job-2", math.nan, "Failed")]
    root = parsed(charts.objective_dots(points, metric="validation:auc", best=None, label="auc"))

    assert texts(root, "note") == ["no training job reported validation:auc"]


# -- user data, colours, no network --------------------------------------------------------------------------

HOSTILE = "<script>alert('x')</script> & \"quoted\" \x00\x1b\ud800 ]]> <!-- -->"


def every_chart(label: str) -> list[str]:
    return [
        charts.timeline(
            [Span(label, label, at(0), at(1), note=label, href=f"/jobs?x={label}")], now=at(2), label=label
        ),
        charts.stacked_columns([label], [Series(label, [1], "st-green")], label=label),
        charts.horizontal_bars([Bar(label, 1, label, note=label, href="/")], label=label),
        charts.objective_dots([Point(label, 1.0, label)], metric=label, best=label, label=label),
    ]


def test_user_data_is_escaped_and_characters_xml_cannot_hold_are_replaced() -> None:
    for svg in every_chart(HOSTILE):
        root = parsed(svg)
        assert not list(root.iter("script"))
        assert root.get("aria-label") == HOSTILE.replace("\x00", "\ufffd").replace("\x1b", "\ufffd").replace(
            "\ud800", "\ufffd"
        )


def as_xml_reads_it(label: str) -> str:
    """``label`` with what XML cannot hold replaced, its line ends as an XML parser gives them."""
    kept = re.sub("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", "\ufffd", label)
    return kept.replace("\r\n", "\n").replace("\r", "\n")


@given(st.text())
def test_any_text_makes_well_formed_charts_that_say_it(label: str) -> None:
    for svg in every_chart(label):
        root = parsed(svg)
        (title,) = [t for t in root if t.tag == "title"]
        assert (title.text or "") == as_xml_reads_it(label)


def test_the_charts_name_no_url_and_use_no_inline_style() -> None:
    for svg in every_chart("a"):
        assert "http" not in svg
        assert "style=" not in svg
        assert "<style" not in svg


def test_every_status_colour_the_cli_uses_has_a_rule_in_the_stylesheet() -> None:
    stylesheet = STYLESHEET.read_text(encoding="utf-8")

    classes = {charts.status_class(status) for status in STATUS_STYLES} | {charts.status_class("Whatever")}
    assert charts.status_class("Failed") == "st-bold-red"
    assert charts.status_class("Whatever") == "st-plain"
    for name in classes - {"st-plain"}:
        assert re.search(rf"\.{name} \{{", stylesheet), name  # its text colour
        assert re.search(rf"svg\.chart \.bar\.{name} \{{", stylesheet), name  # its bars' fill

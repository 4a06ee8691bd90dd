"""The pictures of ``jobtrail ui``, drawn on the server as SVG: pure functions from data to markup.

No JavaScript, no network: each chart is an ``<svg>`` element to put inline in a page, whose labels are
its own text (readable, selectable, and printed as they are), with a ``<title>`` on each mark for the
details a tooltip shows. Colours come from classes of the page's stylesheet (``st-green``…, as
``render.STATUS_STYLES`` colours statuses in the terminal), never from inline styles, which the pages'
Content-Security-Policy refuses. Everything drawn from data (job names, failure reasons, metric names) is
escaped for XML, and characters XML cannot hold are replaced, so a chart is always well-formed XML.

The ``<svg>`` carries no ``xmlns``: inline in HTML it needs none (the HTML parser puts it in the SVG
namespace), and the pages then hold no URL but their own.
"""

from __future__ import annotations

import html
import math
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Final, Literal

from jobtrail.core.times import human_duration

from jobtrail_cli.render import STATUS_STYLES

#: The width a chart is drawn at (its viewBox) unless told otherwise: about the page's, so that its text
#: shows at about the page's size; the stylesheet scales it to the page.
WIDTH: Final = 1200
#: Characters XML 1.0 cannot hold (controls but tab, line feed and carriage return; lone surrogates…).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: An average character's width at the charts' font size (12 px of a sans-serif font), for fitting labels.
_CHAR_WIDTH: Final = 6.8
_ROW: Final = 26.0
_AXIS: Final = 30.0


def text(value: object) -> str:
    """``value`` as XML character data or an attribute's value: escaped, characters XML cannot hold
    replaced by U+FFFD."""
    return html.escape(_NOT_XML.sub("\ufffd", str(value)), quote=True)


def status_class(status: str | None) -> str:
    """The stylesheet's class for a status's colour (the CLI's colour for it): ``st-bold-red`` for Failed,
    ``st-plain`` for a status the CLI shows uncoloured."""
    style = STATUS_STYLES.get(status or "", "")
    return "st-" + (style.replace(" ", "-") if style else "plain")


def fitted(label: str, width: float) -> str:
    """``label`` cut to what ``width`` pixels hold, an ellipsis marking the cut."""
    room = max(int(width / _CHAR_WIDTH), 2)
    return label if len(label) <= room else label[: room - 1] + "…"


def _label_room(labels: Sequence[str], width: float) -> float:
    """The width of a chart's label column: its longest label's, within a sixth and a third of ``width``."""
    longest = max((len(label) for label in labels), default=0) * _CHAR_WIDTH + 24
    return min(max(longest, width / 6), width / 3)


def _svg(width: float, height: float, label: str, body: Sequence[str], css: str) -> str:
    return (
        f'<svg class="chart {css}" viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
        f'aria-label="{text(label)}"><title>{text(label)}</title>{"".join(body)}</svg>'
    )


def _n(number: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros."""
    rounded = round(number, 1)
    return str(int(rounded)) if rounded == int(rounded) else str(rounded)


def _link(href: str | None, inner: str) -> str:
    return f'<a href="{text(href)}">{inner}</a>' if href else inner


def _note_text(y: float, words: str) -> str:
    return f'<text class="note" x="8" y="{_n(y)}">{text(words)}</text>'


def _row_label(label: str, room: float, middle: float) -> str:
    return f'<text class="row-label" x="8" y="{_n(middle + 4)}">{text(fitted(label, room - 16))}</text>'


def _right_text(value: str, width: float, y: float, css: str = "value") -> str:
    return f'<text class="{css}" x="{_n(width - 8)}" y="{_n(y)}" text-anchor="end">{text(value)}</text>'


# -- a timeline (Gantt) ------------------------------------------------------------------------------------

Mark = Literal["", "interruption", "capacity"]


@dataclass(frozen=True, slots=True)
class Span:
    """One row of a timeline: ``label`` from ``start`` to ``end`` (``None``: still open, it runs until
    the chart's ``now``; a span never started is listed without a bar). ``mark``: an ``interruption``
    (a spot interruption) or a ``capacity`` wait, drawn apart; ``note``: the tooltip's details."""

    label: str
    status: str
    start: datetime | None
    end: datetime | None
    note: str = ""
    href: str | None = None
    mark: Mark = ""


#: The right-hand column of durations (and of values, on the objective's chart).
_DURATIONS: Final = 110.0
#: Tick steps a time axis may take, in seconds: the first that gives at most ``_MAX_TICKS`` ticks.
_STEPS: Final = (1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
                 172800, 604800, 2592000)  # fmt: skip
_MAX_TICKS: Final = 10


@dataclass(frozen=True, slots=True)
class _Axis:
    """A horizontal axis from ``left`` to ``right`` pixels."""

    left: float
    right: float


def timeline(
    spans: Sequence[Span], *, now: datetime, zone: tzinfo = UTC, label: str = "Timeline", width: float = WIDTH
) -> str:
    """A Gantt chart: a row per span on one time axis (times in ``zone``), its duration on the right;
    interruptions marked by a line across the chart and their own colour, capacity waits hatched, spans
    still open dashed up to ``now``, moments (a span that ends when it starts) as a diamond."""
    started = [s for s in spans if s.start is not None]
    if not started:
        return _svg(width, 36, label, [_note_text(22, "nothing started yet")], "timeline")
    height = _AXIS + _ROW * len(spans) + 8
    first = min(s.start for s in started if s.start is not None)
    last = max(*(_end_of(s, now) for s in started), first + timedelta(seconds=1))
    room = _label_room([s.label for s in spans], width)
    durations = [_duration(span, now) for span in spans]
    right = max(_DURATIONS, max(len(d) for d in durations) * _CHAR_WIDTH + 16)
    axis = _Axis(room, width - right - 16)

    def x(moment: datetime) -> float:
        share = (moment - first).total_seconds() / (last - first).total_seconds()
        return axis.left + (axis.right - axis.left) * share

    # One pattern per chart of a page (their labels differ); a label may hold what UTF-8 cannot.
    hatch = f"hatch-{zlib.crc32(label.encode(errors='replace')):08x}"
    body = [
        f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line class="hatch-line" x1="0" y1="0" x2="0" y2="6"/>'
        "</pattern></defs>",
        *_time_axis(first, last, x, zone, top=_AXIS, bottom=height - 6),
        _right_text("duration", width, _AXIS - 12, "axis-title"),
    ]
    for row, (span, duration) in enumerate(zip(spans, durations, strict=True)):
        middle = _AXIS + _ROW * row + _ROW / 2
        shapes = _timeline_row(span, middle, room=room, x=x, now=now, zone=zone, hatch=hatch)
        body.append(f"{shapes}{_right_text(duration, width, middle + 4, 'duration')}</g>")
    for span in started:
        if span.mark == "interruption" and span.start is not None:
            at = _n(x(span.start))
            body.append(
                f'<line class="mark-interruption" x1="{at}" y1="{_n(_AXIS - 4)}" x2="{at}" '
                f'y2="{_n(height - 6)}"><title>{text(_interruption_title(span, zone))}</title></line>'
            )
    return _svg(width, height, label, body, "timeline")


def _end_of(span: Span, now: datetime) -> datetime:
    assert span.start is not None
    return max(span.end or now, span.start)


def _duration(span: Span, now: datetime) -> str:
    """How long a span lasted (so far, when open): nothing for a moment or a span not started."""
    if span.start is None:
        return ""
    seconds = (_end_of(span, now) - span.start).total_seconds()
    if span.end is not None and seconds == 0:
        return ""
    return human_duration(seconds) + ("" if span.end else " so far")


def _timeline_row(
    span: Span,
    middle: float,
    *,
    room: float,
    x: Callable[[datetime], float],
    now: datetime,
    zone: tzinfo,
    hatch: str,
) -> str:
    """A row's label and mark, in a group left open for its duration."""
    label = _row_label(span.label, room, middle)
    if span.start is None:
        return (
            f'<g class="row">{_link(span.href, label)}<text class="note" x="{_n(room)}" '
            f'y="{_n(middle + 4)}">not started</text>'
        )
    end = _end_of(span, now)
    seconds = (end - span.start).total_seconds()
    classes = " ".join(
        c for c in ("bar", status_class(span.status), span.mark, "" if span.end else "open") if c
    )
    if span.end is not None and seconds == 0:
        at, half = x(span.start), 6.0
        mark = (
            f'<path class="{classes} moment" d="M{_n(at)} {_n(middle - half)} L{_n(at + half)} {_n(middle)} '
            f'L{_n(at)} {_n(middle + half)} L{_n(at - half)} {_n(middle)} Z"/>'
        )
    else:
        left, length = x(span.start), max(x(end) - x(span.start), 2.0)
        mark = (
            f'<rect class="{classes}" x="{_n(left)}" y="{_n(middle - 7)}" width="{_n(length)}" height="14" '
            'rx="2"/>'
        )
        if span.mark == "capacity":  # stripes over the bar (a fill no stylesheet rule overrides)
            mark += (
                f'<rect class="hatch" x="{_n(left)}" y="{_n(middle - 7)}" width="{_n(length)}" height="14" '
                f'rx="2" fill="url(#{hatch})"/>'
            )
    title = f"<title>{text(_span_title(span, end, zone))}</title>"
    return f'<g class="row">{title}{_link(span.href, label + mark)}'


def _span_title(span: Span, end: datetime, zone: tzinfo) -> str:
    assert span.start is not None
    when = f"{_clock(span.start, zone)} → {_clock(end, zone) if span.end else 'now'}"
    parts = [f"{span.label}: {span.status}" if span.status != span.label else span.label, when]
    if end > span.start:
        parts.append(human_duration((end - span.start).total_seconds()) + ("" if span.end else " so far"))
    if span.mark == "interruption":
        parts.append("spot interruption")
    elif span.mark == "capacity":
        parts.append("waiting for capacity")
    if span.note:
        parts.append(span.note)
    return " · ".join(parts)


def _interruption_title(span: Span, zone: tzinfo) -> str:
    assert span.start is not None
    return f"Interrupted at {_clock(span.start, zone)}" + (f": {span.note}" if span.note else "")


def _clock(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _time_axis(
    first: datetime,
    last: datetime,
    x: Callable[[datetime], float],
    zone: tzinfo,
    *,
    top: float,
    bottom: float,
) -> list[str]:
    """Ticks and grid lines at round moments of ``zone`` between ``first`` and ``last``."""
    seconds = (last - first).total_seconds()
    step = next((s for s in _STEPS if seconds / s < _MAX_TICKS), _STEPS[-1])  # both ends may get one
    local = first.astimezone(zone)
    offset = local.utcoffset() or timedelta(0)
    # Round moments in the zone: a multiple of the step since the epoch, as the zone's clock reads it.
    epoch = (first + offset).timestamp()
    tick = datetime.fromtimestamp(math.ceil(epoch / step) * step, UTC) - offset
    same_day = local.date() == last.astimezone(zone).date()
    shape = "%H:%M:%S" if step < 60 else ("%H:%M" if same_day else "%m-%d %H:%M")
    if step >= 86400:
        shape = "%m-%d"
    marks = []
    while tick <= last:
        at = _n(x(tick))
        marks.append(
            f'<line class="grid" x1="{at}" y1="{_n(top - 4)}" x2="{at}" y2="{_n(bottom)}"/>'
            f'<text class="tick" x="{at}" y="{_n(top - 12)}" text-anchor="middle">'
            f"{text(tick.astimezone(zone).strftime(shape))}</text>"
        )
        tick += timedelta(seconds=step)
    return marks


# -- columns per day, stacked -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Series:
    """One layer of stacked columns: its name (a status), a value per column, and its colour class."""

    name: str
    values: Sequence[float]
    css: str


_PLOT_TOP: Final = 34.0
_PLOT_LEFT: Final = 60.0
_PLOT_HEIGHT: Final = 170.0


def stacked_columns(
    columns: Sequence[str],
    series: Sequence[Series],
    *,
    label: str,
    amount: Callable[[float], str] = lambda value: f"{value:g}",
    hrefs: Sequence[str | None] = (),
    width: float = WIDTH,
) -> str:
    """A column per entry of ``columns`` (days), its ``series`` stacked, a legend above; ``amount`` says
    a value (a count, dollars), on the axis, above each column when there is room, and in the tooltips;
    ``hrefs`` links each column."""
    height = _PLOT_TOP + _PLOT_HEIGHT + 30
    totals = [sum(s.values[i] for s in series) for i in range(len(columns))]
    top_value = _nice_ceiling(max(totals, default=0.0))
    if not columns or top_value <= 0:
        return _svg(width, height, label, [_note_text(_PLOT_TOP + 20, "nothing in this window")], "columns")
    body = _legend(series)
    base = _PLOT_TOP + _PLOT_HEIGHT
    for index in range(5):
        value = top_value * index / 4
        y = base - _PLOT_HEIGHT * index / 4
        body.append(
            f'<line class="grid" x1="{_n(_PLOT_LEFT)}" y1="{_n(y)}" x2="{_n(width - 8)}" y2="{_n(y)}"/>'
            f'<text class="tick" x="{_n(_PLOT_LEFT - 6)}" y="{_n(y + 4)}" text-anchor="end">'
            f"{text(amount(value))}</text>"
        )
    slot = (width - 8 - _PLOT_LEFT) / len(columns)
    bar = max(min(slot * 0.7, 40.0), 1.0)
    every = max(1, math.ceil(len(columns) / ((width - _PLOT_LEFT) / 50)))
    for index, column in enumerate(columns):
        left = _PLOT_LEFT + slot * index + (slot - bar) / 2
        y = base
        parts = []
        for layer in series:
            value = layer.values[index]
            if value <= 0:
                continue
            tall = _PLOT_HEIGHT * value / top_value
            y -= tall
            parts.append(
                f'<rect class="bar {layer.css}" x="{_n(left)}" y="{_n(y)}" width="{_n(bar)}" '
                f'height="{_n(max(tall, 0.5))}"><title>{text(f"{column}: {amount(value)} {layer.name}")}'
                "</title></rect>"
            )
        total = amount(totals[index])
        if parts and len(total) * _CHAR_WIDTH * 0.85 <= slot - 2:  # room for the total above it
            parts.append(
                f'<text class="value" x="{_n(left + bar / 2)}" y="{_n(y - 4)}" text-anchor="middle">'
                f"{text(total)}</text>"
            )
        href = hrefs[index] if index < len(hrefs) else None
        if parts:
            body.append(_link(href, f'<g class="column">{"".join(parts)}</g>'))
        if index % every == 0:
            body.append(
                f'<text class="tick" x="{_n(left + bar / 2)}" y="{_n(base + 16)}" text-anchor="middle">'
                f"{text(_short_day(column))}</text>"
            )
    return _svg(width, height, label, body, "columns")


def _short_day(day: str) -> str:
    """``2026-11-25`` as ``11-25``; anything else as it is."""
    return day[5:] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) else day


def _legend(series: Sequence[Series]) -> list[str]:
    marks, x = [], _PLOT_LEFT
    for layer in series:
        marks.append(
            f'<rect class="bar {layer.css}" x="{_n(x)}" y="6" width="12" height="12" rx="2"/>'
            f'<text class="legend" x="{_n(x + 17)}" y="16">{text(layer.name)}</text>'
        )
        x += 17 + len(layer.name) * _CHAR_WIDTH + 18
    return marks


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value`` (0 for 0)."""
    if value <= 0:
        return 0.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= value)


def _nice_step(span: float, most: int) -> float:
    """A round step (1, 2 or 5 times a power of ten) that cuts ``span`` into at most ``most`` parts."""
    rough = span / most
    power = 10.0 ** math.floor(math.log10(rough))
    return next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= rough)


# -- horizontal bars ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, value and how the value reads (``3 jobs``, ``$1.20``), a colour class, the
    tooltip's details and a link."""

    label: str
    value: float
    shown: str
    css: str = "st-plain"
    note: str = ""
    href: str | None = None


def horizontal_bars(
    bars: Sequence[Bar], *, label: str, empty: str = "nothing in this window", width: float = WIDTH
) -> str:
    """A row per bar, longest value the widest bar, its value on the right."""
    height = 10 + _ROW * max(len(bars), 1)
    if not bars:
        return _svg(width, height, label, [_note_text(22, empty)], "bars")
    longest = max(b.value for b in bars) or 1.0
    room = _label_room([b.label for b in bars], width)
    values = max(len(b.shown) for b in bars) * _CHAR_WIDTH + 24
    reach = width - room - values
    body = []
    for row, bar in enumerate(bars):
        middle = 5 + _ROW * row + _ROW / 2
        length = max(reach * max(bar.value, 0.0) / longest, 1.0 if bar.value > 0 else 0.0)
        title = bar.label + (f": {bar.note}" if bar.note else "")
        shape = (
            f'{_row_label(bar.label, room, middle)}<rect class="bar {bar.css}" x="{_n(room)}" '
            f'y="{_n(middle - 8)}" width="{_n(length)}" height="16" rx="2"/>'
        )
        body.append(
            f'<g class="row"><title>{text(title)} ({text(bar.shown)})</title>{_link(bar.href, shape)}'
            f"{_right_text(bar.shown, width, middle + 4)}</g>"
        )
    return _svg(width, height, label, body, "bars")


# -- a tuning job's objective, per training job -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    """A training job's objective value (``None``: it reported none), its status and link."""

    label: str
    value: float | None
    status: str
    href: str | None = None


def objective_dots(
    points: Sequence[Point], *, metric: str, best: str | None, label: str, width: float = WIDTH
) -> str:
    """A row per training job, in the order given (best first), a dot at its objective value on an axis
    from the lowest value to the highest (a lollipop from the axis's start), the ``best`` one
    highlighted, its value on the right; a job without a value says so."""
    values = [p.value for p in points if p.value is not None and math.isfinite(p.value)]
    if not values:
        return _svg(width, 36, label, [_note_text(22, f"no training job reported {metric}")], "dots")
    height = _AXIS + _ROW * len(points) + 8
    low, high = min(values), max(values)
    step = _nice_step((high - low) or abs(high) * 0.02 or 1.0, 6)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    if high == low:
        low, high = low - step, high + step
    room = _label_room([p.label for p in points], width)
    axis = _Axis(room, width - _DURATIONS - 24)

    def x(value: float) -> float:
        return axis.left + (axis.right - axis.left) * (value - low) / (high - low)

    body = []
    for index in range(round((high - low) / step) + 1):
        value = low + step * index
        across = _n(x(value))
        body.append(
            f'<line class="grid" x1="{across}" y1="{_n(_AXIS - 4)}" x2="{across}" y2="{_n(height - 6)}"/>'
            f'<text class="tick" x="{across}" y="{_n(_AXIS - 12)}" text-anchor="middle">'
            f"{text(f'{value:.6g}')}</text>"
        )
    body.append(_right_text(fitted(metric, _DURATIONS), width, _AXIS - 12, "axis-title"))
    for row, point in enumerate(points):
        middle = _AXIS + _ROW * row + _ROW / 2
        name = _row_label(point.label, room, middle)
        if point.value is None or not math.isfinite(point.value):
            shown = "no value" if point.value is None else str(point.value)
            body.append(
                f'<g class="row"><title>{text(f"{point.label} ({point.status}): {shown}")}</title>'
                f'{_link(point.href, name)}<text class="note" x="{_n(axis.left)}" y="{_n(middle + 4)}">'
                f"{text(shown)} ({text(point.status)})</text></g>"
            )
            continue
        at = x(point.value)
        winner = point.label == best
        dot = (
            f'<line class="stem" x1="{_n(axis.left)}" y1="{_n(middle)}" x2="{_n(at)}" y2="{_n(middle)}"/>'
            f'<circle class="dot {"best" if winner else status_class(point.status)}" cx="{_n(at)}" '
            f'cy="{_n(middle)}" r="{6 if winner else 4.5}"/>'
        )
        shown = f"{point.value:.6g}" + (" best" if winner else "")
        body.append(
            f'<g class="row"><title>{text(f"{point.label} ({point.status}): {metric} = {point.value!r}")}'
            f"</title>{_link(point.href, name + dot)}"
            f"{_right_text(shown, width, middle + 4, 'value best' if winner else 'value')}</g>"
        )
    return _svg(width, height, label, body, "dots")

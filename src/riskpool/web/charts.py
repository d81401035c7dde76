"""Charts as inline SVG (no JavaScript, nothing from the internet): pure functions from labels and Decimal
values to an ``<svg>`` string the templates put into the page as it is.

* :func:`line_chart` — one or more series over the same labels (months): axes, "nice" y ticks with thousands
  separators, x labels, one ``<polyline>`` per series (its ``points`` one per label) and a dot with a tooltip
  (``<title>``) per point, and a legend.
* :func:`bar_chart` — one bar (``<rect>``) per label, from a zero baseline, with a tooltip each.

Every text put into the SVG (title, labels, series names) is escaped. Values stay Decimal until they become
pixel coordinates; labels show them exact (ticks) or to the fen (tooltips).
"""

from __future__ import annotations

import math
from decimal import Decimal
from html import escape
from typing import Sequence

SVG_NS = "http://www.w3.org/2000/svg"
PALETTE = ("#9b1c1c", "#2b6cb0", "#2f855a", "#b7791f", "#6b46c1", "#4a5568")
FONT = 'font-family="system-ui, sans-serif" font-size="11"'

# the plot area's margins: room for the y labels (long amounts) on the left, the x labels below
LEFT, RIGHT, TOP, BOTTOM = 112, 16, 34, 46


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def amount(value: Decimal) -> str:
    """An amount with thousands separators and two decimals: 1,234,567.80."""
    return f"{Decimal(value):,.2f}"


def tick_label(value: Decimal) -> str:
    """A tick's value with thousands separators: whole numbers without decimals (10,000,000), else two."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def nice_ticks(lo: Decimal, hi: Decimal, count: int = 5) -> list[Decimal]:
    """Round tick values (1, 2, 2.5 or 5 × 10^k apart) covering [lo, hi], zero included when in range.
    A flat range (lo == hi) gets ticks around its value; an all-zero one 0 … 1."""
    lo, hi = Decimal(lo), Decimal(hi)
    if lo > hi:
        lo, hi = hi, lo
    if lo == hi:
        if hi == 0:
            hi = Decimal(1)
        elif hi > 0:
            lo = Decimal(0)
        else:
            hi = Decimal(0)
    span = hi - lo
    raw = span / max(1, count)
    exponent = math.floor(math.log10(float(raw)))
    magnitude = Decimal(10) ** exponent
    step = next(m * magnitude for m in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
                if m * magnitude >= raw)
    first = (lo / step).to_integral_value(rounding="ROUND_FLOOR") * step
    last = (hi / step).to_integral_value(rounding="ROUND_CEILING") * step
    ticks = []
    value = first
    while value <= last:
        ticks.append(value)
        value += step
    return ticks


def _scale(ticks: list[Decimal], top: float, bottom: float):
    lo, hi = float(ticks[0]), float(ticks[-1])
    span = (hi - lo) or 1.0

    def y(value: Decimal) -> float:
        return round(bottom - (float(value) - lo) / span * (bottom - top), 2)
    return y


def _label_every(n: int, width: float) -> int:
    """Show every k-th x label so that they do not overlap (about 56 px each)."""
    fits = max(1, int(width // 56))
    return max(1, math.ceil(n / fits))


def _frame(width: int, height: int, title: str) -> list[str]:
    out = [f'<svg xmlns="{SVG_NS}" class="chart" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" aria-label="{_e(title)}">',
           f"<title>{_e(title)}</title>"]
    if title:
        out.append(f'<text x="{LEFT}" y="18" font-family="system-ui, sans-serif" font-size="13" font-weight="600" '
                   f'fill="#1f2933">'
                   f"{_e(title)}</text>")
    return out


def _y_axis(ticks: list[Decimal], y, left: float, right: float) -> list[str]:
    out = []
    for t in ticks:
        py = y(t)
        out.append(f'<line class="grid" x1="{left}" y1="{py}" x2="{right}" y2="{py}" stroke="#e4e7eb"/>')
        out.append(f'<text class="tick" x="{left - 6}" y="{py + 4}" text-anchor="end" {FONT} fill="#616e7c">'
                   f"{_e(tick_label(t))}</text>")
    return out


def _x_labels(labels: Sequence[str], xs: Sequence[float], bottom: float, width: float) -> list[str]:
    every = _label_every(len(labels), width)
    out = []
    for i, (label, x) in enumerate(zip(labels, xs)):
        if i % every and i != len(labels) - 1:
            continue
        out.append(f'<text class="xlabel" x="{x}" y="{bottom + 16}" text-anchor="middle" {FONT} fill="#616e7c">'
                   f"{_e(label)}</text>")
    return out


def _empty(width: int, height: int, title: str, empty_text: str) -> str:
    out = _frame(width, height, title)
    out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" {FONT} fill="#616e7c">'
               f"{_e(empty_text)}</text>")
    out.append("</svg>")
    return "\n".join(out)


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal]]], *, title: str = "",
               width: int = 720, height: int = 300, empty_text: str = "no data") -> str:
    """One line per ``(name, values)`` over ``labels`` (each series as long as the labels)."""
    for name, values in series:
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")
    if not labels or not series:
        return _empty(width, height, title, empty_text)
    values_all = [Decimal(v) for _, values in series for v in values]
    ticks = nice_ticks(min(min(values_all), Decimal(0)), max(values_all))
    left, right, top, bottom = LEFT, width - RIGHT, TOP, height - BOTTOM
    y = _scale(ticks, top, bottom)
    n = len(labels)
    step = (right - left) / (n - 1) if n > 1 else 0
    xs = [round(left + i * step, 2) if n > 1 else round((left + right) / 2, 2) for i in range(n)]
    out = _frame(width, height, title)
    out += _y_axis(ticks, y, left, right)
    out.append(f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#9aa5b1"/>')
    out.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#9aa5b1"/>')
    out += _x_labels(labels, xs, bottom, right - left)
    for k, (name, values) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x},{y(Decimal(v))}" for x, v in zip(xs, values))
        out.append(f'<polyline class="series" data-series="{_e(name)}" fill="none" stroke="{colour}" '
                   f'stroke-width="2" points="{points}"/>')
        for x, label, v in zip(xs, labels, values):
            out.append(f'<circle class="point" cx="{x}" cy="{y(Decimal(v))}" r="3" fill="{colour}">'
                       f"<title>{_e(name)} {_e(label)}: {_e(amount(v))}</title></circle>")
        # legend, above the plot on the right
        lx = right - 180 * (len(series) - k)
        out.append(f'<rect class="legend" x="{lx}" y="8" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{lx + 16}" y="18" {FONT} fill="#1f2933">{_e(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def bar_chart(labels: Sequence[str], values: Sequence[Decimal], *, title: str = "", width: int = 720,
              height: int = 260, empty_text: str = "no data", colour: str = PALETTE[1]) -> str:
    """One bar per label, from zero (a negative value hangs below the baseline)."""
    if len(values) != len(labels):
        raise ValueError(f"{len(values)} values for {len(labels)} labels")
    if not labels:
        return _empty(width, height, title, empty_text)
    vals = [Decimal(v) for v in values]
    ticks = nice_ticks(min(min(vals), Decimal(0)), max(max(vals), Decimal(0)))
    left, right, top, bottom = LEFT, width - RIGHT, TOP, height - BOTTOM
    y = _scale(ticks, top, bottom)
    n = len(labels)
    slot = (right - left) / n
    bar = max(2.0, round(slot * 0.7, 2))
    xs = [round(left + slot * (i + 0.5), 2) for i in range(n)]
    zero = y(Decimal(0))
    out = _frame(width, height, title)
    out += _y_axis(ticks, y, left, right)
    out.append(f'<line class="axis" x1="{left}" y1="{zero}" x2="{right}" y2="{zero}" stroke="#9aa5b1"/>')
    out.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#9aa5b1"/>')
    out += _x_labels(labels, xs, bottom, right - left)
    for x, label, v in zip(xs, labels, vals):
        py = y(v)
        top_y, h = (py, round(zero - py, 2)) if v >= 0 else (zero, round(py - zero, 2))
        out.append(f'<rect class="bar" x="{round(x - bar / 2, 2)}" y="{top_y}" width="{bar}" height="{h}" '
                   f'fill="{colour}" data-value="{_e(format(v, "f"))}"><title>{_e(label)}: {_e(amount(v))}</title>'
                   f"</rect>")
    out.append("</svg>")
    return "\n".join(out)


__all__ = ["line_chart", "bar_chart", "nice_ticks", "amount", "tick_label"]

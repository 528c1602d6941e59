"""Small inline SVG plots for the HTML report, written by hand (no plotting library, no network).

Every function returns an ``<svg>`` element as a string; all text placed in it
is escaped.  The ``xmlns`` attribute is left out on purpose: inline SVG in HTML5
does not need it, and the report then holds no URL at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "font-family:system-ui,sans-serif;font-size:12px"
BAR = "#4a78b5"
INK = "#222"
GRID = "#ddd"


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if math.isfinite(value) else "nan"


def format_score(value: float | None, scale: float) -> str:
    """A score with precision suited to its scale (0–1 metrics get more digits)."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.4f}" if scale <= 1 else f"{value:.2f}"


@dataclass(frozen=True)
class CIRow:
    """One metric in the CI plot: its value, interval and axis maximum."""

    name: str
    value: float
    low: float | None
    high: float | None
    scale: float
    higher_is_better: bool


def metrics_ci_svg(rows: Sequence[CIRow], width: int = 720) -> str:
    """One row per metric: a dot at the value and a whisker over the CI, each on its own 0–scale axis."""
    left, right, row_h, top = 130, 160, 34, 10
    height = top + row_h * len(rows) + 10
    plot_w = width - left - right
    parts = [f'<svg class="plot" role="img" aria-label="metrics with confidence intervals" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" style="{FONT}">']
    for i, row in enumerate(rows):
        y = top + i * row_h + row_h / 2
        axis_max = max(row.scale, row.value, row.high or 0.0) or 1.0

        def x(v: float, _max: float = axis_max) -> float:
            return left + plot_w * min(max(v / _max, 0.0), 1.0)

        arrow = "↑" if row.higher_is_better else "↓"
        parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">{escape(row.name)} {arrow}</text>')
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>')
        for frac in (0.0, 0.5, 1.0):
            tx = left + plot_w * frac
            parts.append(f'<line x1="{tx:.1f}" y1="{y - 4:.1f}" x2="{tx:.1f}" y2="{y + 4:.1f}" stroke="{GRID}"/>')
            parts.append(f'<text x="{tx:.1f}" y="{y + 15:.1f}" text-anchor="middle" fill="#888" '
                         f'font-size="9">{_num(axis_max * frac)}</text>')
        if row.low is not None and row.high is not None:
            x1, x2 = x(row.low), x(row.high)
            parts.append(f'<line class="ci" x1="{x1:.1f}" y1="{y:.1f}" x2="{x2:.1f}" y2="{y:.1f}" stroke="{BAR}" stroke-width="2"/>')
            for cx in (x1, x2):
                parts.append(f'<line x1="{cx:.1f}" y1="{y - 6:.1f}" x2="{cx:.1f}" y2="{y + 6:.1f}" stroke="{BAR}" stroke-width="2"/>')
        parts.append(f'<circle cx="{x(row.value):.1f}" cy="{y:.1f}" r="4" fill="{INK}"/>')
        label = format_score(row.value, row.scale)
        if row.low is not None and row.high is not None:
            label += f" [{format_score(row.low, row.scale)}, {format_score(row.high, row.scale)}]"
        parts.append(f'<text x="{left + plot_w + 6}" y="{y + 4:.1f}" fill="{INK}" font-size="10">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram_svg(values: Sequence[float], title: str, lo: float, hi: float, bins: int = 20, width: int = 640) -> str:
    """Histogram of per-sample scores over [lo, hi] with ``bins`` equal bins."""
    left, bottom, top, height = 40, 30, 24, 220
    plot_w, plot_h = width - left - 10, height - top - bottom
    span = (hi - lo) or 1.0
    counts = [0] * bins
    for v in values:
        if math.isfinite(v):
            counts[min(bins - 1, max(0, int((v - lo) / span * bins)))] += 1
    peak = max(counts) or 1
    parts = [f'<svg class="plot" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="{FONT}">',
             f'<text x="{left}" y="14" fill="{INK}">{escape(title)}</text>']
    bar_w = plot_w / bins
    for i, count in enumerate(counts):
        h = plot_h * count / peak
        bx, by = left + i * bar_w, top + plot_h - h
        parts.append(f'<rect class="bar" x="{bx + 1:.1f}" y="{by:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{BAR}">'
                     f'<title>{escape(f"{_num(lo + span * i / bins)}–{_num(lo + span * (i + 1) / bins)}: {count}")}</title></rect>')
    base = top + plot_h
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="{INK}"/>')
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        tx = left + plot_w * frac
        parts.append(f'<text x="{tx:.1f}" y="{base + 14}" text-anchor="middle" fill="#555" font-size="10">{_num(lo + span * frac)}</text>')
    parts.append(f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" fill="#555" font-size="10">{peak}</text>')
    parts.append(f'<text x="{left - 6}" y="{base}" text-anchor="end" fill="#555" font-size="10">0</text>')
    parts.append("</svg>")
    return "".join(parts)


def confusion_matrix_svg(row_labels: Sequence[str], column_labels: Sequence[str], matrix: Sequence[Sequence[int]]) -> str:
    """Heat map of counts (rows: reference, columns: prediction), shaded by each row's share."""
    cell = 44
    label_w = max(80, 7 * max((len(str(label)) for label in [*row_labels, *column_labels]), default=4))
    left, top = label_w + 10, label_w + 10
    # room on the right for the last column label, which is drawn rotated up and to the right
    caption = "rows: reference · columns: prediction"
    # the caption (about 5.5 px a character at 10 px) must fit as well as the rotated last label
    width = max(left + cell * len(column_labels) + label_w, left + int(5.5 * len(caption)) + 10)
    height = top + cell * len(row_labels) + 30
    parts = [f'<svg class="plot" role="img" aria-label="confusion matrix" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="{FONT}">']
    for j, label in enumerate(column_labels):
        cx = left + j * cell + cell / 2
        parts.append(f'<text x="{cx:.1f}" y="{top - 6}" transform="rotate(-45 {cx:.1f} {top - 6})" fill="{INK}">{escape(str(label))}</text>')
    for i, label in enumerate(row_labels):
        cy = top + i * cell + cell / 2
        parts.append(f'<text x="{left - 6}" y="{cy + 4:.1f}" text-anchor="end" fill="{INK}">{escape(str(label))}</text>')
        total = sum(matrix[i]) or 1
        for j, count in enumerate(matrix[i]):
            share = count / total
            shade = int(255 - 180 * share)
            fill = f"rgb({shade},{shade + (255 - shade) // 3},255)"
            text_fill = "#fff" if share > 0.6 else INK
            x0, y0 = left + j * cell, top + i * cell
            parts.append(f'<rect class="cell" x="{x0}" y="{y0}" width="{cell - 2}" height="{cell - 2}" fill="{fill}">'
                         f'<title>{escape(f"reference {label} → predicted {column_labels[j]}: {count}")}</title></rect>')
            parts.append(f'<text x="{x0 + cell / 2 - 1:.1f}" y="{y0 + cell / 2 + 3:.1f}" text-anchor="middle" fill="{text_fill}">{count}</text>')
    parts.append(f'<text x="{left}" y="{height - 8}" fill="#555" font-size="10">{caption}</text>')
    parts.append("</svg>")
    return "".join(parts)

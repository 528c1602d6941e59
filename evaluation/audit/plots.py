"""Inline SVG plots for the audit report (hand-written, no plotting library, no URL), styled as
:mod:`nlpsuite.evaluation.svg_plots`, whose dot-and-whisker plot the report also uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from nlpsuite.evaluation.svg_plots import BAR, FONT, GRID, INK

FLAGGED = "#c0392b"


@dataclass(frozen=True)
class RateBar:
    """One bar: a rate in [0, 1] with its CI; ``flagged`` bars are drawn in red."""

    name: str
    value: float | None
    low: float | None
    high: float | None
    flagged: bool = False
    note: str = ""


def rate_bars_svg(bars: Sequence[RateBar], title: str, width: int = 720) -> str:
    """Horizontal bars on a 0–1 axis with CI whiskers; a bar without a value shows its note instead."""
    left, right, row_h, top = 230, 150, 26, 26
    height = top + row_h * len(bars) + 24
    plot_w = width - left - right
    parts = [f'<svg class="plot" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="{FONT}">',
             f'<text x="{left}" y="14" fill="{INK}">{escape(title)}</text>']
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = left + plot_w * frac
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{top + row_h * len(bars)}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="#888" font-size="9">{frac:g}</text>')
    for i, bar in enumerate(bars):
        y = top + i * row_h
        mid = y + row_h / 2
        parts.append(f'<text x="{left - 8}" y="{mid + 4:.1f}" text-anchor="end" fill="{INK}">{escape(bar.name)}</text>')
        if bar.value is None:
            parts.append(f'<text x="{left + 4}" y="{mid + 4:.1f}" fill="#888" font-style="italic">{escape(bar.note)}</text>')
            continue
        colour = FLAGGED if bar.flagged else BAR
        parts.append(f'<rect class="bar" x="{left}" y="{y + 5}" width="{plot_w * max(0.0, min(bar.value, 1.0)):.1f}" '
                     f'height="{row_h - 10}" fill="{colour}"/>')
        label = f"{bar.value:.3f}"
        if bar.low is not None and bar.high is not None:
            x1, x2 = left + plot_w * bar.low, left + plot_w * bar.high
            parts.append(f'<line class="ci" x1="{x1:.1f}" y1="{mid:.1f}" x2="{x2:.1f}" y2="{mid:.1f}" stroke="{INK}" stroke-width="1.5"/>')
            for cx in (x1, x2):
                parts.append(f'<line x1="{cx:.1f}" y1="{mid - 5:.1f}" x2="{cx:.1f}" y2="{mid + 5:.1f}" stroke="{INK}" stroke-width="1.5"/>')
            label += f" [{bar.low:.3f}, {bar.high:.3f}]"
        if bar.note:
            label += f" {bar.note}"
        parts.append(f'<text x="{left + plot_w + 6}" y="{mid + 4:.1f}" fill="{INK}" font-size="10">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)

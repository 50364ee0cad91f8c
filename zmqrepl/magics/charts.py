"""Small charts as inline SVG: no JavaScript, no dependency, and they stay in a saved
notebook as they were drawn. A line chart of rates over time (two series, each on its own
scale) and horizontal bars (a size histogram, counts per topic)."""

from __future__ import annotations

import html
from typing import Sequence

from ..session import format_size

__all__ = ["bars_svg", "rate_svg"]

_IN = "#1f77b4"
_BYTES = "#ff7f0e"
_FONT = "font-family='monospace' font-size='10'"
# A chart holds this many samples at least (a new socket's few fill its right end, so the
# line grows leftwards as time passes) and at most (two minutes; stats NAME keeps five).
_SPAN_LEAST = 30
_SPAN_MOST = 120


def _points(values: Sequence[float], width: float, height: float, top: float, span: int) -> str:
    """``values`` as polyline points, the newest at the right edge; ``span``: how many
    samples the width holds (fewer values fill its right part)."""
    step = width / max(1, span - 1)
    start = width - step * (len(values) - 1)
    return " ".join(
        f"{start + i * step:.1f},{height - (v / top) * (height - 2) - 1:.1f}" for i, v in enumerate(values)
    )


def rate_svg(
    msgs: Sequence[float],
    nbytes: Sequence[float],
    *,
    width: int = 320,
    height: int = 40,
    span: int | None = None,
    title: str = "",
) -> str:
    """Messages/s (solid) and bytes/s (dashed) over the last ``span`` samples (one a second;
    by default as many as there are, from 30 to 120), each scaled to its own highest value,
    with those highest values written above."""
    if span is None:
        span = max(_SPAN_LEAST, min(_SPAN_MOST, len(msgs)))
    msgs, nbytes = list(msgs)[-span:], list(nbytes)[-span:]
    label = html.escape(title or f"last {len(msgs)} s")
    if not msgs:
        return (
            f"<svg class='zmqrepl-chart' width='{width}' height='{height}' role='img'>"
            f"<text x='2' y='{height // 2}' {_FONT} fill='#888'>no rate yet (one sample a second)"
            "</text></svg>"
        )
    top_m, top_b = max(msgs) or 1.0, max(nbytes) or 1.0
    lines = (
        f"<polyline fill='none' stroke='{_IN}' stroke-width='1.5' "
        f"points='{_points(msgs, width, height, top_m, span)}'/>"
        f"<polyline fill='none' stroke='{_BYTES}' stroke-width='1' stroke-dasharray='3,2' "
        f"points='{_points(nbytes, width, height, top_b, span)}'/>"
    )
    most_bytes = format_size(int(max(nbytes)))
    legend = (
        f"<text x='0' y='9' {_FONT} fill='{_IN}'>max {max(msgs):,.0f} msg/s</text>"
        f"<text x='{width}' y='9' {_FONT} fill='{_BYTES}' text-anchor='end'>max {most_bytes}/s</text>"
        f"<text x='{width // 2}' y='9' {_FONT} fill='#888' text-anchor='middle'>last {span} s</text>"
    )
    return (
        f"<svg class='zmqrepl-chart' width='{width}' height='{height + 12}' role='img' "
        f"viewBox='0 -12 {width} {height + 12}'><title>{label}: messages/s (solid), bytes/s (dashed)</title>"
        f"<g transform='translate(0,-12)'>{legend}</g>"
        f"<rect x='0' y='0' width='{width}' height='{height}' fill='none' stroke='#ddd'/>{lines}</svg>"
    )


def bars_svg(rows: Sequence[tuple[str, int, str]], *, width: int = 360, bar: int = 12) -> str:
    """One bar per row (label, count, share), the longest the most counted."""
    if not rows:
        return ""
    label_w = 8 + 7 * max(len(r[0]) for r in rows)
    room = max(40, width - label_w - 90)
    top = max(r[1] for r in rows) or 1
    parts = []
    for i, (label, count, share) in enumerate(rows):
        y = i * (bar + 3)
        length = max(1.0, count / top * room)
        parts.append(
            f"<text x='{label_w - 4}' y='{y + bar - 2}' {_FONT} text-anchor='end'>{html.escape(label)}</text>"
            f"<rect x='{label_w}' y='{y}' width='{length:.1f}' height='{bar}' fill='{_IN}'/>"
            f"<text x='{label_w + length + 4:.1f}' y='{y + bar - 2}' {_FONT} fill='#555'>"
            f"{count:,} ({html.escape(share)})</text>"
        )
    height = len(rows) * (bar + 3)
    return f"<svg class='zmqrepl-chart' width='{width}' height='{height}' role='img'>{''.join(parts)}</svg>"

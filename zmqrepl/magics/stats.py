"""``%zmq stats NAME`` in a notebook: the report's numbers drawn as inline SVG charts."""

from __future__ import annotations

import html

from ..session import StatsReport
from .charts import bars_svg, rate_svg
from .html import _CSS

__all__ = ["Stats", "stats_html"]


def stats_html(report: StatsReport) -> str:
    """The head line, the rate over the last five minutes (in, and out when it sent), the
    size histogram and the counts per first frame, with the note on sampling."""
    rates = report.rates
    parts = [f"{_CSS}<div class='zmqrepl'><b>{html.escape(report.head)}</b>"]
    parts.append(
        "<div>in</div>"
        + rate_svg([r.msgs_in for r in rates], [r.bytes_in for r in rates], width=480, span=len(rates) or 1)
    )
    if any(r.msgs_out for r in rates):
        parts.append(
            "<div>out</div>"
            + rate_svg([r.msgs_out for r in rates], [r.bytes_out for r in rates], width=480, span=len(rates))
        )
    parts.append(f"<div class='dim'>{html.escape(report.sample_note)}</div>")
    if report.sizes:
        parts.append("<div>sizes</div>" + bars_svg(report.size_rows()))
    if report.topics or report.others:
        parts.append(f"<div>{html.escape(report.key)}s</div>" + bars_svg(report.topic_rows()))
    return "".join(parts) + "</div>"


class Stats:
    """What ``%zmq stats NAME`` returns: the report (``.report``, ``.value``), drawn."""

    def __init__(self, report: StatsReport) -> None:
        self.report = report

    @property
    def value(self) -> dict[str, object]:
        return self.report.value

    def _repr_html_(self) -> str:
        return stats_html(self.report)

    def __repr__(self) -> str:
        return "\n".join(self.report.lines)

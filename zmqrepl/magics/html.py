"""HTML for notebooks: messages, the sockets table, the live watch pane, one message
whole (show: JSON and msgpack as a tree that folds) and the history table."""

from __future__ import annotations

import html
import json
from typing import Sequence

from ..session import (
    HistoryTable,
    Message,
    PeerTable,
    ShownMessage,
    SocketInfo,
    format_size,
    format_time,
    message_line,
    message_time,
    render_frame,
    safe_text,
    subscription_text,
)
from .charts import rate_svg

__all__ = [
    "history_html",
    "messages_html",
    "notes_html",
    "peers_html",
    "shown_html",
    "sockets_html",
    "watch_html",
]

# `table.zmqrepl.zmqrepl td` (specificity 0,2,2: the repeated class still matches the one table)
# outranks JupyterLab's `:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td` (0,2,1), which
# right-aligns every cell and lets each wrap, wherever the page puts the two style sheets.
# Short cells (names, counts, times) stay on one line; the long ones (class wrap: frames,
# endpoints, options, states) wrap, at spaces first, so that a table fits the output's width.
_CSS = (
    "<style>table.zmqrepl.zmqrepl td,table.zmqrepl.zmqrepl th{text-align:left;padding:1px 8px;"
    "font-family:monospace;vertical-align:top;white-space:nowrap}"
    "table.zmqrepl.zmqrepl td.wrap{white-space:normal;overflow-wrap:anywhere}"
    ".zmqrepl .dim{color:#888}.zmqrepl .k-hex{color:#a60}"
    ".zmqrepl .k-json{color:#070}.zmqrepl details{margin-left:1.2em}.zmqrepl summary{cursor:pointer}"
    ".zmqrepl .key{color:#05a}.zmqrepl pre{margin:2px 0 6px 1.2em}</style>"
)


def _frames_cell(msg: Message, width: int) -> str:
    rows = []
    for data, size in zip(msg.frames, msg.sizes):
        shown = render_frame(data, size, msg.fmt, width)
        text = html.escape(shown.text) if shown.kind != "empty" else "<i class='dim'>(empty)</i>"
        rows.append(
            f"<span class='dim'>{format_size(size)}</span> <span class='k-{shown.kind}'>{text}</span>"
        )
    return "<br>".join(rows)


def messages_html(messages: Sequence[Message], width: int = 100) -> str:
    """A table of messages; a tap's (any with a direction) get direction and peer columns.
    Messages in the line view (watch or recv --view line, ZmqMagics.view) are one line each,
    as the shell shows them."""
    if messages and all(m.view == "line" for m in messages):
        lines = "\n".join(html.escape(message_line(m, width)) for m in messages)
        return f"{_CSS}<pre class='zmqrepl'>{lines}</pre>"
    tapped = any(m.direction for m in messages)
    body = "".join(
        f"<tr><td class='dim'>{m.number or ''}</td><td class='dim'>{_time_cell(m)}</td>"
        f"<td>{html.escape(m.socket)}</td>"
        + (f"<td>{html.escape(m.direction)}</td><td>{html.escape(m.peer)}</td>" if tapped else "")
        + f"<td>{len(m.frames)}</td><td class='wrap'>{_message_cell(m, width)}</td></tr>"
        for m in messages
    )
    more = "<th>direction</th><th>peer</th>" if tapped else ""
    return (
        f"{_CSS}<table class='zmqrepl'><tr><th>#</th><th>time</th><th>socket</th>{more}<th>parts</th>"
        f"<th>frames</th></tr>{body}</table>"
    )


def _time_cell(msg: Message) -> str:
    """A queued message's time is when the watch's first read took it, not when it came."""
    if not msg.queued:
        return format_time(msg.time)
    note = "waited in the queue before the watch started; read at " + format_time(msg.time)
    return f"<span title='{html.escape(note)}'>{html.escape(message_time(msg))}</span>"


def _message_cell(msg: Message, width: int) -> str:
    sub = subscription_text(msg)
    return html.escape(sub) if sub is not None else _frames_cell(msg, width)


# The columns of the sockets and peers tables that may wrap (see _CSS).
_WRAPPED = {"endpoints", "options", "state"}


def _cells(columns: Sequence[str], row: Sequence[object]) -> str:
    return "".join(
        f"<td{' class=wrap' if c in _WRAPPED else ''}>{html.escape(str(v))}</td>"
        for c, v in zip(columns, row)
    )


def sockets_html(infos: Sequence[SocketInfo]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in SocketInfo.COLUMNS)
    rows = "".join(f"<tr>{_cells(SocketInfo.COLUMNS, info.row())}</tr>" for info in infos)
    return f"{_CSS}<table class='zmqrepl'><tr>{head}</tr>{rows}</table>"


def peers_html(table: PeerTable) -> str:
    """``peers NAME`` as a table: a failed handshake's reason in red, notes below."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    rows = "".join(
        f"<tr{' style=color:#b00' if peer.state == 'handshake failed' else ''}>"
        + _cells(table.columns, row)
        + "</tr>"
        for peer, row in zip(table.peers, table.rows)
    )
    notes = "".join(f"<div class='zmqrepl dim'>{html.escape(t)}</div>" for t in table.notes)
    title = f"<div class='zmqrepl'><b>peers {html.escape(table.socket)}</b></div>"
    return f"{_CSS}{title}<table class='zmqrepl'><tr>{head}</tr>{rows}</table>{notes}"


def notes_html(lines: Sequence[str]) -> str:
    """Warnings above a pane (a dropped peer), one line each."""
    return "".join(f"<div class='zmqrepl' style='color:#b00'>{html.escape(t)}</div>" for t in lines)


def watch_html(
    names: Sequence[str],
    messages: Sequence[Message],
    counts: dict[str, int],
    rates: Sequence[float],
    state: str,
    notes: Sequence[str] = (),
    labels: dict[str, str] | None = None,
    charts: dict[str, tuple[Sequence[float], Sequence[float]]] | None = None,
) -> str:
    """``labels``: a name's totals as text, in place of "N received" (a tap's "c→s 4, s→c 4");
    ``charts``: a socket's messages/s and bytes/s, drawn under the head line (charts.py);
    ``state``: HTML (LivePane's, which says live only while the pane is fed)."""
    labels = labels or {}
    total = " ".join(
        f"{html.escape(n)}: {html.escape(labels.get(n, f'{counts.get(n, 0)} received'))}" for n in names
    )
    rate = rates[-1] if rates else 0.0
    head = (
        f"<div class='zmqrepl'><b>watch {html.escape(' '.join(names))}</b> "
        f"<span class='dim'>{state}</span> · {total} · {rate:.0f} msg/s</div>"
    )
    drawn = "".join(
        f"<div class='zmqrepl' style='display:inline-block;margin-right:12px'>"
        f"<span class='dim'>{html.escape(name)}</span><br>{rate_svg(msgs, nbytes, title=name)}</div>"
        for name, (msgs, nbytes) in (charts or {}).items()
    )
    return head + drawn + notes_html(notes) + messages_html(messages)


def history_html(table: HistoryTable, width: int = 100) -> str:
    """``history``: the messages as a table (with their numbers, for show N), notes below."""
    notes = "".join(f"<div class='zmqrepl dim'>{html.escape(t)}</div>" for t in table.notes)
    return (messages_html(table.messages, width) if table.messages else _CSS) + notes


# What a message's decoded values may show as HTML at most: nodes in all (its frames
# together), levels of folds (deeper levels show as one line of JSON) and characters of
# such a line.
_NODES = 5000
_DEPTH = 30
_LEAF = 1000


def shown_html(result: ShownMessage) -> str:
    """``show N``: a header, then each frame: JSON and msgpack as a tree of <details> that
    fold (the first two levels open), text and hex dumps as <pre>."""
    parts = [f"{_CSS}<div class='zmqrepl'><b>{html.escape(result.header)}</b>"]
    budget = [_NODES]  # one for the whole message, as show's lines (dump.Budget)
    for frame in result.frames:
        title = html.escape(result.frame_title(frame))
        parts.append(f"<div class='k-{frame.kind}'>{title}</div>")
        if frame.kind in ("json", "msgpack"):
            parts.append(_tree(frame.value, 0, budget))
        elif frame.lines:
            parts.append(f"<pre>{html.escape(chr(10).join(frame.lines))}</pre>")
        parts.extend(f"<div class='dim'>({html.escape(n)})</div>" for n in frame.notes)
    return "".join(parts) + "</div>"


def _tree(value: object, depth: int, budget: list[int]) -> str:
    """A JSON-like value as HTML; ``budget``: nodes left (shared by the whole tree)."""
    budget[0] -= 1
    leaf = not isinstance(value, (dict, list)) or not value
    if leaf or depth >= _DEPTH or budget[0] <= 0:
        text = safe_text(json.dumps(value, ensure_ascii=False))
        if not leaf and (budget[0] <= 0 or len(text) > _LEAF):
            text = text[:_LEAF] + (" …" if len(text) > _LEAF else "")
        return f"<span>{html.escape(text)}</span>"
    if isinstance(value, dict):
        items = [(html.escape(safe_text(json.dumps(k, ensure_ascii=False))), v) for k, v in value.items()]
        opening, closing, what = "{", "}", f"{len(items)} key{'s' if len(items) != 1 else ''}"
    else:
        assert isinstance(value, list)
        items = [(str(i), v) for i, v in enumerate(value)]
        opening, closing, what = "[", "]", f"{len(items)} item{'s' if len(items) != 1 else ''}"
    rows = []
    for key, item in items:
        if budget[0] <= 0:
            rows.append("<div class='dim'>… (more not shown)</div>")
            break
        rows.append(f"<div><span class='key'>{key}</span>: {_tree(item, depth + 1, budget)}</div>")
    opened = " open" if depth < 2 else ""
    return (
        f"<details{opened}><summary>{opening} <span class='dim'>{what}</span></summary>"
        f"{''.join(rows)}{closing}</details>"
    )

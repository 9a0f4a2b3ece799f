"""The console's chart drawn on the server: messages per hour, stacked by status, as SVG.

Pure: figures in, markup out (escaped here, since it is handed to the template as markup).
Hand-written because a plotting library would be a large dependency for a bar chart, and the
page must carry no chart script (the CSP allows none). Colours are classes (``s-delivered``)
styled by console.css: the CSP also allows no inline style.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from html import escape

__all__ = ["STATUS_ORDER", "hour_range", "render_chart"]

#: The stacking order, bottom up; other statuses go on top in name order.
STATUS_ORDER = (
    "delivered",
    "read",
    "received",
    "sent",
    "sending",
    "queued",
    "accepted",
    "scheduled",
    "undelivered",
    "failed",
    "canceled",
    "partially_delivered",
    "receiving",
)

_WIDTH = 720
_HEIGHT = 240
_LEFT = 40
_BOTTOM = 28
_TOP = 10
_LABEL_HALF = 32  # half an hour label's width ("03-10 12h"), in the viewBox's units


def hour_range(since: datetime, until: datetime) -> list[str]:
    """Every hour (``YYYY-MM-DD HH``, the zone of the datetimes given) that ``[since, until)``
    touches, in order: the chart's x axis, hours without messages included."""
    hour = since.replace(minute=0, second=0, microsecond=0)
    hours = []
    while hour < until:
        hours.append(hour.strftime("%Y-%m-%d %H"))
        hour += timedelta(hours=1)
    return hours


def _order(statuses: set[str]) -> list[str]:
    known = [s for s in STATUS_ORDER if s in statuses]
    return known + sorted(statuses - set(known))


def render_chart(hours: Mapping[str, Mapping[str, int]], *, title: str) -> str:
    """``<svg id="chart-statuses">`` with one stacked bar per hour (``YYYY-MM-DD HH`` keys, in
    order) and a legend; a text line instead of bars when there is nothing to show."""
    statuses = _order({status for counts in hours.values() for status in counts})
    tallest = max((sum(counts.values()) for counts in hours.values()), default=0)
    parts = [
        f'<svg id="chart-statuses" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT + 24 * ((len(statuses) + 3) // 4)}" '
        f'aria-labelledby="chart-title"><title id="chart-title">{escape(title)}</title>'
    ]
    plot_height = _HEIGHT - _BOTTOM - _TOP
    if tallest == 0:
        parts.append(
            f'<text x="{_WIDTH // 2}" y="{_HEIGHT // 2}" text-anchor="middle" class="empty">'
            "No messages in this period</text></svg>"
        )
        return "".join(parts)
    step = (_WIDTH - _LEFT) / len(hours)
    bar = max(step * 0.8, 1.0)
    parts.append(
        f'<text x="4" y="{_TOP + 10}" class="axis">{tallest}</text>'
        f'<line x1="{_LEFT}" y1="{_HEIGHT - _BOTTOM}" x2="{_WIDTH}" '
        f'y2="{_HEIGHT - _BOTTOM}" class="axis"/>'
    )
    label_every = max(1, len(hours) // 6)
    for index, (hour, counts) in enumerate(hours.items()):
        x = _LEFT + index * step + (step - bar) / 2
        y = float(_HEIGHT - _BOTTOM)
        for status in statuses:
            count = counts.get(status, 0)
            if not count:
                continue
            height = count / tallest * plot_height
            y -= height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'class="s-{escape(status)}" data-status="{escape(status)}" '
                f'data-hour="{escape(hour)}" data-count="{count}">'
                f"<title>{escape(hour)}:00 UTC, {escape(status)}: {count}</title></rect>"
            )
        middle = x + bar / 2
        if index % label_every == 0 and middle < _WIDTH - _LABEL_HALF:  # never cut at the edge
            parts.append(
                f'<text x="{middle:.1f}" y="{_HEIGHT - 10}" text-anchor="middle" class="axis">'
                f"{escape(hour[5:])}h</text>"
            )
    for index, status in enumerate(statuses):
        lx = _LEFT + (index % 4) * 170
        ly = _HEIGHT + 6 + (index // 4) * 24
        parts.append(
            f'<rect x="{lx}" y="{ly}" width="12" height="12" class="s-{escape(status)}"/>'
            f'<text x="{lx + 18}" y="{ly + 11}" class="legend">{escape(status)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)

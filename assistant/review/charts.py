"""Charts as server-rendered SVG: no script, no external files, readable without colour.

Every chart has a title and a text description for screen readers (`role="img"`,
`aria-labelledby`), and prints its numbers beside the bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Colours with at least 4.5:1 contrast on white (the bars carry their numbers as text too).
BAR = "#1f5f8b"
BAR_ALT = "#8b3a1f"
TEXT = "#1a1a1a"


@dataclass(frozen=True)
class Chart:
    """A chart ready for the template: its SVG markup and an identifier."""

    id: str
    svg: str


def _frame(
    chart_id: str, title: str, description: str, width: int, height: int, body: str
) -> Chart:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'class="chart">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>{body}</svg>'
    )
    return Chart(chart_id, svg)


def horizontal_bars(
    chart_id: str, title: str, items: Sequence[tuple[str, int | float]], unit: str = ""
) -> Chart:
    """One bar per item, longest first as given, the value written after each bar."""
    label_width, bar_width, row = 210, 300, 26
    height = max(1, len(items)) * row + 8
    top = max((float(v) for _, v in items), default=0.0) or 1.0
    parts: list[str] = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        length = max(1.0, bar_width * float(value) / top) if value else 0.0
        shown = f"{value:.0%}" if unit == "%" else f"{value}"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end" fill="{TEXT}" '
            f'font-size="14">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="18" fill="{BAR}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 17}" fill="{TEXT}" '
            f'font-size="14">{escape(shown)}</text>'
        )
    description = "; ".join(
        f"{label}: {f'{value:.0%}' if unit == '%' else value}" for label, value in items
    )
    return _frame(
        chart_id, title, description, label_width + bar_width + 70, height, "".join(parts)
    )


def columns(chart_id: str, title: str, items: Sequence[tuple[str, int]], every: int = 1) -> Chart:
    """Vertical columns over time (e.g. per day); every `every`-th label is written."""
    width, height, base = 720, 220, 180
    count = max(1, len(items))
    step = (width - 40) / count
    top = max((v for _, v in items), default=0) or 1
    parts = [f'<line x1="30" y1="{base}" x2="{width - 10}" y2="{base}" stroke="{TEXT}"/>']
    for i, (label, value) in enumerate(items):
        x = 34 + i * step
        h = (base - 20) * value / top
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{max(1.0, step - 2):.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{escape(label)}: {value}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{base + 16}" fill="{TEXT}" font-size="11">'
                f"{escape(label)}</text>"
            )
    parts.append(f'<text x="30" y="14" fill="{TEXT}" font-size="12">max {top}</text>')
    description = "; ".join(f"{label}: {value}" for label, value in items)
    return _frame(chart_id, title, description, width, height, "".join(parts))


def split_bar(chart_id: str, title: str, parts: Sequence[tuple[str, int]]) -> Chart:
    """One bar split into shares (e.g. thumbs up against down), each labelled with its %."""
    width, total = 640, sum(v for _, v in parts) or 1
    x, body = 0.0, []
    for i, (label, value) in enumerate(parts):
        w = width * value / total
        colour = BAR if i % 2 == 0 else BAR_ALT
        body.append(f'<rect x="{x:.1f}" y="4" width="{w:.1f}" height="28" fill="{colour}"/>')
        body.append(
            f'<text x="0" y="{54 + 20 * i}" fill="{TEXT}" font-size="14">'
            f"{escape(label)}: {value} ({value / total:.0%})</text>"
        )
        x += w
    description = "; ".join(f"{label}: {value}" for label, value in parts)
    return _frame(chart_id, title, description, width, 44 + 20 * len(parts), "".join(body))

"""Inline SVG charts rendered on the server: no JavaScript, no external assets."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

_W, _H, _PAD = 720, 200, 28


def per_minute(counts: Sequence[int], title: str) -> Markup:
    """Return an SVG line chart of one value per minute, oldest first."""
    top = max(max(counts, default=0), 1)
    n = max(len(counts) - 1, 1)
    inner_w, inner_h = _W - 2 * _PAD, _H - 2 * _PAD
    points = " ".join(
        f"{_PAD + inner_w * i / n:.1f},{_PAD + inner_h * (1 - c / top):.1f}"
        for i, c in enumerate(counts)
    )
    axis = (
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - _PAD}" y2="{_H - _PAD}" class="axis"/>'
        f'<text x="{_PAD}" y="{_PAD - 8}" class="tick">{top} / min</text>'
        f'<text x="{_PAD}" y="{_H - 8}" class="tick">24 h ago</text>'
        f'<text x="{_W - _PAD}" y="{_H - 8}" class="tick" text-anchor="end">now</text>'
    )
    return Markup(
        f'<svg viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>{axis}"
        f'<polyline points="{points}" class="line" fill="none"/></svg>'
    )


def shares(items: Sequence[tuple[str, float]], title: str) -> Markup:
    """Return an SVG horizontal bar chart of fractions (0..1) with their labels."""
    row, label_w, bar_w = 34, 110, _W - 110 - 80
    height = row * len(items) + 10
    bars = []
    for i, (label, share) in enumerate(items):
        y = 8 + i * row
        width = max(bar_w * min(max(share, 0.0), 1.0), 0.0)
        bars.append(
            f'<text x="0" y="{y + 17}" class="label">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="22" class="track"/>'
            f'<rect x="{label_w}" y="{y}" width="{width:.1f}" height="22" class="bar"/>'
            f'<text x="{label_w + bar_w + 8}" y="{y + 17}" class="value">{share:.1%}</text>'
        )
    return Markup(
        f'<svg viewBox="0 0 {_W} {height}" role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>{''.join(bars)}</svg>"
    )

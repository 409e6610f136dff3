"""Inline SVG charts for the pages: pure functions from data to markup.

The Content-Security-Policy allows inline SVG but no ``style=`` attributes, so the charts use
classes from ``app.css`` (``.chart``, ``.bar``, ``.bar.alt``, ``.axis``) and presentation
attributes (``fill``, ``stroke``). Each chart is an image with a title (``role="img"``,
``<title>``, ``aria-labelledby``); the page shows the same figures in a table beside it, so
nothing is known only from the picture. Labels are escaped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

# Series colours (presentation attributes; contrast ≥ 3:1 against white for graphics).
# The first two match app.css (``.chart .bar`` is --link, ``.bar.alt`` is --brand).
PALETTE = ("#0b57a4", "#a4161a", "#1b6e3a", "#8a5300", "#5b3fa8", "#006d77")


def _fmt(value: float, *, percent: bool) -> str:
    if percent:
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _clip(text: str, size: int = 14) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _frame(width: int, height: int, title: str, body: list[str], desc: str) -> Markup:
    # A stable id from the content: pure, and unique enough between charts of one page.
    n = hashlib.sha256((title + "".join(body)).encode()).hexdigest()[:10]
    head = (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="chart-{n}-t chart-{n}-d">'
        f'<title id="chart-{n}-t">{escape(title)}</title>'
        f'<desc id="chart-{n}-d">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704  # every value escaped above


def _legend(names: list[str], left: int) -> list[str]:
    """Colour keys, four to a line."""
    keys = []
    for i, name in enumerate(names):
        kx, ky = left + (i % 4) * 120, 4 + 18 * (i // 4)
        keys.append(
            f'<rect x="{kx}" y="{ky}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{kx + 14}" y="{ky + 9}"><title>{escape(name)}</title>'
            f"{escape(_clip(name, 12))}</text>"
        )
    return keys


def bar_chart(
    rows: Sequence[tuple[str, float | Sequence[float]]],
    *,
    title: str,
    series: Sequence[str] = (),
    percent: bool = False,
    empty: str = "—",
    width: int = 560,
) -> Markup:
    """Horizontal bars, one group per row (``(label, value)`` or ``(label, [v1, v2, …])`` for
    several series, named in ``series`` and shown in a legend). ``percent``: values are shares
    of 1, drawn against 100 %."""
    values = [[float(v)] if isinstance(v, int | float) else [float(x) for x in v] for _, v in rows]
    per_row = max((len(v) for v in values), default=1)
    bar_h, gap, left, top = 14, 10, 130, 8 + (18 if series else 0)
    group_h = per_row * bar_h + gap
    height = top + max(len(rows), 1) * group_h + 24
    right = width - 60
    scale_max = 1.0 if percent else max((x for v in values for x in v), default=0.0)
    body = _legend(list(series), left)
    if not rows:
        body.append(f'<text x="{left}" y="{top + 14}">{escape(empty)}</text>')
    for r, ((label, _), row_values) in enumerate(zip(rows, values, strict=True)):
        y0 = top + r * group_h
        body.append(
            f'<text x="{left - 6}" y="{y0 + per_row * bar_h / 2 + 4:.0f}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(_clip(str(label)))}</text>"
        )
        for i, value in enumerate(row_values):
            length = 0.0 if scale_max <= 0 else (right - left) * max(value, 0.0) / scale_max
            y = y0 + i * bar_h
            kind = ("bar", "bar alt")[i] if i < 2 else "series"  # noqa: PLR2004
            body.append(
                f'<rect class="{kind}" x="{left}" y="{y}" width="{length:.1f}" '
                f'height="{bar_h - 2}" fill="{PALETTE[i % len(PALETTE)]}"/>'
                f'<text x="{left + length + 4:.1f}" y="{y + bar_h - 4}">'
                f"{_fmt(value, percent=percent)}</text>"
            )
    axis_y = top + max(len(rows), 1) * group_h
    body.append(
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{axis_y}" stroke="#4f5a6b"/>'
        f'<line class="axis" x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" '
        f'stroke="#4f5a6b"/>'
        f'<text x="{left}" y="{axis_y + 16}">0</text>'
        f'<text x="{right}" y="{axis_y + 16}" text-anchor="end">'
        f"{_fmt(scale_max, percent=percent)}</text>"
    )
    return _frame(width, height, title, body, f"{len(rows)} × {per_row}")


def line_chart(
    series: Mapping[str, Sequence[tuple[str, float]]],
    *,
    title: str,
    y_label: str = "",
    empty: str = "—",
    width: int = 560,
    height: int = 240,
) -> Markup:
    """Lines over shared x labels (e.g. days), one per series (``{name: [(x, value), …]}``),
    with a legend; x labels are sorted as given by their first appearance."""
    xs: list[str] = []
    for points in series.values():
        for x, _ in points:
            if x not in xs:
                xs.append(x)
    left, right, top, bottom = 48, width - 12, 10 + 18 * ((len(series) + 3) // 4), height - 28
    peak = max((v for points in series.values() for _, v in points), default=0.0)
    body = _legend(list(series), left)
    body.append(
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#4f5a6b"/>'
        f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" '
        f'stroke="#4f5a6b"/>'
        f'<text x="{left - 4}" y="{bottom}" text-anchor="end">0</text>'
        f'<text x="{left - 4}" y="{top + 8}" text-anchor="end">{_fmt(peak, percent=False)}</text>'
    )
    if y_label:
        body.append(
            f'<text x="12" y="{(top + bottom) / 2:.0f}" text-anchor="middle" '
            f'transform="rotate(-90 12 {(top + bottom) / 2:.0f})">{escape(y_label)}</text>'
        )
    if not xs:
        body.append(f'<text x="{left + 8}" y="{(top + bottom) / 2:.0f}">{escape(empty)}</text>')
        return _frame(width, height, title, body, "0")

    def place(x: str, value: float) -> tuple[float, float]:
        step = (right - left) / max(len(xs) - 1, 1)
        px = left + (xs.index(x) * step if len(xs) > 1 else (right - left) / 2)
        py = bottom - (0.0 if peak <= 0 else (bottom - top) * value / peak)
        return px, py

    for i, (name, points) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        coords = [place(x, float(v)) for x, v in points]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in coords)
        body.append(
            f'<polyline class="line" points="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="2"/>'
        )
        for (x, v), (px, py) in zip(points, coords, strict=True):
            body.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(name)} {escape(x)}: {_fmt(float(v), percent=False)}</title>"
                f"</circle>"
            )
    for x in (xs[0], xs[-1]) if len(xs) > 1 else (xs[0],):
        px, _ = place(x, 0)
        anchor = "start" if x == xs[0] and len(xs) > 1 else "end" if len(xs) > 1 else "middle"
        body.append(
            f'<text x="{px:.1f}" y="{bottom + 16}" text-anchor="{anchor}">{escape(x)}</text>'
        )
    return _frame(width, height, title, body, f"{len(series)} × {len(xs)}")

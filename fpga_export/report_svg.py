"""Inline SVG for the HTML report: the graph diagram, and ``esc``, the one place where text
reaches the report's HTML and SVG (``html.escape``: every user string, number and path).

The diagram's geometry (layers, folding into columns, edge routes) is ``report_layout``'s.
Boxes keep a fixed size; long texts are shortened with "…" and shown whole in the box's
tooltip. The page shows the diagram at its size, shrunk to the page's width down to
``MIN_SCALE`` of it; a larger graph scrolls.
"""

from __future__ import annotations

import html
import zlib

from .report_layout import BOX_H, BOX_W, layout

__all__ = ["esc", "graph_svg"]

MIN_SCALE = 0.75  # the smallest scale the page may show the diagram at
_CHARS = 30  # characters that fit a box line (11 px monospace)
_FILLS = ("#e8f1fb", "#eaf6ea", "#fdf1e2", "#f3eafa", "#e6f6f5", "#fbe9ee", "#f0f0e0")
_EXACT = {True: ("#2e7d32", "exact"), False: ("#c62828", "NOT EXACT"), None: ("#9e9e9e", "")}


def esc(value) -> str:
    """``value`` as HTML/SVG text or attribute content (quotes escaped too)."""
    return html.escape(str(value), quote=True)


def _short(text: str, n: int = _CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _shape(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ")"


def graph_svg(graph) -> str:
    """The graph as one ``<svg>`` element: a box per node, an arrow per input edge."""
    nodes = list(graph)
    geo = layout(graph)
    edges = [_edge(geo, n, k, src) for n in nodes for k, src in enumerate(n.inputs)]
    boxes = [_box(n, geo.left[n.name], geo.top[n.name], graph) for n in nodes]
    w, h = geo.width, geo.height
    return (
        f'<svg class="graph" width="{w:.0f}" height="{h:.0f}" viewBox="0 0 {w:.0f} {h:.0f}" '
        f'style="min-width:{MIN_SCALE * w:.0f}px" role="img" '
        f'aria-label="{esc(f"graph {graph.name}: {len(nodes)} nodes")}">'
        '<defs><marker id="fe-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#555"/></marker></defs>' + "".join(edges) + "".join(boxes) + "</svg>"
    )


def _edge(geo, node, k: int, src: str) -> str:
    """Input ``k`` of ``node`` along its route (``Layout.route``)."""
    d = " ".join(
        cmd + " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        for cmd, *points in geo.route(node.name, k)
    )
    return (
        f'<path class="edge" d="{d}" fill="none" stroke="#555" stroke-width="1.3" '
        f'marker-end="url(#fe-arrow)"><title>{esc(f"{src} -> {node.name}")}</title></path>'
    )


def _box(node, x: float, y: float, graph) -> str:
    color, label = _EXACT[node.exact]
    fill = _FILLS[zlib.crc32(node.op.kind.encode()) % len(_FILLS)]
    result = str(node.types["result"]) if "result" in node.types else "-"
    kind = node.op.kind + (f" · {label}" if label else "")
    stroke = "#1a237e" if node.name in graph.outputs else "#607d8b"
    width = 2.4 if node.name in graph.outputs or node.name in graph.inputs else 1.2
    tip = [node.name, f"op: {node.op.kind}", f"shape: {_shape(node.shape)}"]
    if node.layer:
        tip.append(f"layer: {node.layer}")
    tip += [f"{role}: {t}" for role, t in node.types.items()]
    if label:
        tip.append(label + "".join(f"; {n}" for n in node.notes))
    lines = [
        ("name", node.name),
        ("kind", kind),
        ("detail", _shape(node.shape)),
        ("detail", result),
    ]
    text = "".join(
        f'<text class="{cls}" x="{x + 12:.1f}" y="{y + 17 + 16 * i:.1f}">{esc(_short(t))}</text>'
        for i, (cls, t) in enumerate(lines)
    )
    return (
        f'<g class="node" data-node="{esc(node.name)}"><title>{esc(chr(10).join(tip))}</title>'
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{width}"/>'
        f'<rect x="{x:.1f}" y="{y:.1f}" width="5" height="{BOX_H}" rx="2" fill="{color}"/>'
        f"{text}</g>"
    )

"""Inline SVG for the HTML report: the graph diagram, and ``esc``, the one place where text
reaches the report's HTML and SVG (``html.escape``: every user string, number and path).

The diagram is a layered drawing: each node sits in the row of its longest path from an input
(so every edge points down), an edge that skips rows runs through narrow placeholder slots of
the rows between (it never crosses a box), and each row is ordered by the mean position of its
neighbours (a few sweeps down and up) to keep branches apart. Boxes keep a fixed size; long
texts are shortened with "…" and shown whole in the box's tooltip. Nothing is scaled down: a
large graph scrolls.
"""

from __future__ import annotations

import html
import zlib

__all__ = ["esc", "graph_svg"]

BOX_W, BOX_H = 216, 74  # px
GAP_X, GAP_Y, PAD = 28, 46, 16
SLOT_W = 14  # width of a placeholder slot of an edge that skips a row
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
    depth: dict[str, int] = {}
    for n in nodes:
        depth[n.name] = 1 + max((depth[i] for i in n.inputs), default=-1)
    rows: list[list] = [[] for _ in range(max(depth.values(), default=0) + 1)]
    up: dict = {}  # slot -> the slots above it it connects to
    for n in nodes:
        rows[depth[n.name]].append(n.name)
        up[n.name] = []
        for k, src in enumerate(n.inputs):
            above = src
            for d in range(depth[src] + 1, depth[n.name]):  # placeholders of a long edge
                slot = ("~", src, n.name, k, d)
                rows[d].append(slot)
                up[slot] = [above]
                above = slot
            up[n.name].append(above)
    down: dict = {s: [] for s in up}
    for s, above in up.items():
        for a in above:
            down[a].append(s)
    _order(rows, up, down)

    width = {s: SLOT_W if isinstance(s, tuple) else BOX_W for s in up}
    row_w = [sum(width[s] for s in r) + GAP_X * (len(r) - 1) for r in rows]
    total_w = max(row_w, default=BOX_W) + 2 * PAD
    total_h = len(rows) * (BOX_H + GAP_Y) - GAP_Y + 2 * PAD
    left: dict = {}
    for r, w in zip(rows, row_w, strict=True):
        x = PAD + (total_w - 2 * PAD - w) / 2
        for s in r:
            left[s] = x
            x += width[s] + GAP_X
    top = {s: PAD + d * (BOX_H + GAP_Y) for d, r in enumerate(rows) for s in r}

    edges = [_edge(n, k, src, up, left, top) for n in nodes for k, src in enumerate(n.inputs)]
    boxes = [_box(n, left[n.name], top[n.name], graph) for n in nodes]
    return (
        f'<svg class="graph" width="{total_w:.0f}" '
        f'height="{total_h:.0f}" viewBox="0 0 {total_w:.0f} {total_h:.0f}" role="img" '
        f'aria-label="{esc(f"graph {graph.name}: {len(nodes)} nodes")}">'
        '<defs><marker id="fe-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#555"/></marker></defs>' + "".join(edges) + "".join(boxes) + "</svg>"
    )


def _order(rows: list[list], up: dict, down: dict, sweeps: int = 3) -> None:
    """Reorder each row by the mean position of its neighbours (down, up, down ...)."""
    for i in range(sweeps):
        span = range(1, len(rows)) if i % 2 == 0 else range(len(rows) - 2, -1, -1)
        links = up if i % 2 == 0 else down
        for d in span:
            ref = rows[d - 1] if i % 2 == 0 else rows[d + 1]
            pos = {s: j for j, s in enumerate(ref)}
            here = {s: j for j, s in enumerate(rows[d])}

            def key(s, pos=pos, here=here, links=links):
                near = [pos[a] for a in links[s] if a in pos]
                return sum(near) / len(near) if near else here[s]

            rows[d].sort(key=key)


def _edge(node, k: int, src: str, up: dict, left: dict, top: dict) -> str:
    """Input ``k`` of ``node``: from the bottom of ``src`` through its placeholders."""
    chain, s = [], up[node.name][k]
    while isinstance(s, tuple):
        chain.append(s)
        s = up[s][0]
    points = [(left[src] + BOX_W / 2, top[src] + BOX_H)]
    for slot in reversed(chain):
        x = left[slot] + SLOT_W / 2
        points += [(x, top[slot]), (x, top[slot] + BOX_H)]
    n_in = len(node.inputs)
    points.append((left[node.name] + BOX_W * (k + 1) / (n_in + 1), top[node.name]))
    d = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x0 == x1:
            d += f" L{x1:.1f},{y1:.1f}"
        else:
            ym = (y0 + y1) / 2
            d += f" C{x0:.1f},{ym:.1f} {x1:.1f},{ym:.1f} {x1:.1f},{y1:.1f}"
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

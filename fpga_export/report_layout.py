"""Geometry of the report's graph diagram (``report_svg`` draws it): where each box sits and
the path of each edge, in px.

Layers: each node sits in the row of its longest path from an input (so within a column every
edge points down); an edge that skips rows runs through narrow placeholder slots of the rows
between (it never crosses a box); each row is ordered by the mean position of its neighbours (a
few sweeps down and up) to keep branches apart.

Folding: a deep, narrow graph (a sequential model is one box wide) would be one long column, so
the rows are cut into bands of consecutive rows placed side by side as columns: as many columns
as fit ``MAX_W`` (the fewest rows per column), each of at least ``MIN_ROWS`` rows. An edge from
the last row of a column to the first row of the next leaves downwards into a gutter below its
column, runs up a lane between the two columns and enters its target from the gutter above the
next column. Each such edge has its own lane and gutter lines, nested so that they do not cross
each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["BOX_H", "BOX_W", "Layout", "layout"]

BOX_W, BOX_H = 216, 74  # px
GAP_X, GAP_Y, PAD = 28, 46, 16
SLOT_W = 14  # width of a placeholder slot of an edge that skips a row
MAX_W = 1100  # px: the page's content width at 1366 px, where folding stops adding columns
MIN_ROWS = 3  # rows of a column of a folded diagram, at least
GUTTER, LANE = 20, 8  # px: first lane/gutter line from a column, distance between lines


@dataclass
class Layout:
    """Boxes and slots (``left``, ``top``, ``size``), the rows, the columns (``bands``: rows
    [start, stop)) and the lanes of edges between columns; ``route`` gives an edge's path."""

    rows: list[list]  # per row: node names and placeholder slots (tuples)
    up: dict  # slot -> the slots above it that it connects to (a node: one per input)
    bands: list[tuple[int, int]]
    left: dict = field(default_factory=dict)
    top: dict = field(default_factory=dict)
    band: dict = field(default_factory=dict)  # slot -> its column
    width: float = 0.0
    height: float = 0.0
    _lane: dict = field(default_factory=dict)  # (slot above, slot, input) -> (lane, lanes)
    _lane_x: list = field(default_factory=list)  # per fold: x of its first lane
    _bottom: list = field(default_factory=list)  # per column: y of the bottom of its last row
    _col_top: float = 0.0

    def size(self, slot) -> float:
        return SLOT_W if isinstance(slot, tuple) else BOX_W

    def route(self, node: str, k: int) -> list[tuple]:
        """The path of input ``k`` of ``node`` as SVG commands: ("M", p), ("L", p) or
        ("C", p1, p2, p): from the bottom of its source through its placeholders to the top
        of ``node``."""
        hops, s, j = [], node, k
        while True:
            above = self.up[s][j]
            hops.append((above, s, j))
            if not isinstance(above, tuple):
                break
            s, j = above, 0
        hops.reverse()
        src = hops[0][0]
        out = [("M", (self._exit_x(src), self.top[src] + BOX_H))]
        for a, b, j in hops:
            x0, y0 = self._exit_x(a), self.top[a] + BOX_H
            x1, y1 = self._entry_x(b, j), self.top[b]
            if self.band[a] == self.band[b]:
                ym = (y0 + y1) / 2
                out.append(("L", (x1, y1)) if x0 == x1 else ("C", (x0, ym), (x1, ym), (x1, y1)))
            else:
                out += [("L", p) for p in self._fold_points(a, b, j, x0, x1)]
            if isinstance(b, tuple):  # through the placeholder
                out.append(("L", (x1, self.top[b] + BOX_H)))
        return out

    def _exit_x(self, slot) -> float:
        return self.left[slot] + self.size(slot) / 2

    def _entry_x(self, slot, j: int) -> float:
        return self.left[slot] + self.size(slot) * (j + 1) / (len(self.up[slot]) + 1)

    def _fold_points(self, a, b, j, x0, x1) -> list[tuple[float, float]]:
        lane, n = self._lane[(a, b, j)]
        fold = self.band[a]
        y_below = self._bottom[fold] + GUTTER + (n - 1 - lane) * LANE
        x_lane = self._lane_x[fold] + (n - 1 - lane) * LANE
        y_above = self._col_top - GUTTER - lane * LANE
        return [
            (x0, y_below),
            (x_lane, y_below),
            (x_lane, y_above),
            (x1, y_above),
            (x1, self.top[b]),
        ]


def layout(graph, max_width: float = MAX_W) -> Layout:
    """The diagram of ``graph`` (module docstring)."""
    rows, up = _layers(list(graph))
    down: dict = {s: [] for s in up}
    for s, above in up.items():
        for a in above:
            down[a].append(s)
    _order(rows, up, down)
    size = {s: SLOT_W if isinstance(s, tuple) else BOX_W for s in up}
    row_w = [max(0, sum(size[s] for s in r) + GAP_X * (len(r) - 1)) for r in rows]
    cross = [max(1, sum(len(up[s]) for s in r)) for r in rows[1:]]  # edges into row d + 1
    bands = _fold(row_w, cross, max_width)
    out = Layout(rows, up, bands)
    _place(out, row_w, cross, size)
    return out


def _layers(nodes) -> tuple[list[list], dict]:
    depth: dict[str, int] = {}
    for n in nodes:
        depth[n.name] = 1 + max((depth[i] for i in n.inputs), default=-1)
    rows: list[list] = [[] for _ in range(max(depth.values(), default=0) + 1)]
    up: dict = {}
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
    return rows, up


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


def _split(n: int, k: int) -> list[tuple[int, int]]:
    """``n`` rows as ``k`` bands of consecutive rows, sizes differing by one at most."""
    bands, start = [], 0
    for i in range(k):
        stop = start + n // k + (1 if i < n % k else 0)
        bands.append((start, stop))
        start = stop
    return bands


def _margin(cross: list[int], bands) -> float:
    """Room above and below the columns for the gutters of the edges between them."""
    if len(bands) == 1:
        return 0.0
    return GUTTER + (max(cross[stop - 1] for _, stop in bands[:-1]) - 1) * LANE + 4


def _fold(row_w: list[float], cross: list[int], max_width: float) -> list[tuple[int, int]]:
    """The bands of the fewest rows per column whose width fits ``max_width`` (fewer
    columns on a tie); one column when none does."""
    n = len(row_w)
    best, best_key = [(0, n)], (n, 1)
    for k in range(2, n // MIN_ROWS + 1):
        bands = _split(n, k)
        width = 2 * PAD + sum(max(row_w[a:b]) for a, b in bands)
        width += sum(2 * GUTTER + (cross[b - 1] - 1) * LANE for _, b in bands[:-1])
        key = (max(b - a for a, b in bands), k)
        if width <= max_width and key < best_key:
            best, best_key = bands, key
    return best


def _place(out: Layout, row_w: list[float], cross: list[int], size: dict) -> None:
    margin = _margin(cross, out.bands)
    out._col_top = PAD + margin
    x = PAD
    for i, (a, b) in enumerate(out.bands):
        band_w = max(row_w[a:b])
        for d in range(a, b):
            xr = x + (band_w - row_w[d]) / 2
            y = out._col_top + (d - a) * (BOX_H + GAP_Y)
            for s in out.rows[d]:
                out.left[s], out.top[s], out.band[s] = xr, y, i
                xr += size[s] + GAP_X
        out._bottom.append(out._col_top + (b - a) * (BOX_H + GAP_Y) - GAP_Y)
        x += band_w
        if i < len(out.bands) - 1:
            out._lane_x.append(x + GUTTER)
            x += 2 * GUTTER + (cross[b - 1] - 1) * LANE
    for a, _ in out.bands[1:]:
        _assign_lanes(out, a)
    out.width = x + PAD
    out.height = max(out._bottom, default=PAD) + margin + PAD


def _assign_lanes(out: Layout, first: int) -> None:
    """Lanes of the edges into row ``first`` (the first of a column), numbered from the
    leftmost source (outermost lane below, rightmost lane, innermost line above)."""
    hops = [(a, s, j) for s in out.rows[first] for j, a in enumerate(out.up[s])]
    hops.sort(key=lambda h: (out._exit_x(h[0]), out._entry_x(h[1], h[2])))
    for lane, hop in enumerate(hops):
        out._lane[hop] = (lane, len(hops))

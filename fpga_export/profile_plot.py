"""The figure of ``Profile.plot()``: per-node horizontal box plots of |values| on a log2 scale
over each type's range, as hls4ml users know them. matplotlib (the ``plot`` extra) is
imported here only; no pyplot (no global figures, no GUI backend)."""

from __future__ import annotations

import io

ROW_INCHES = 0.28  # figure height per row: 35 layers stay readable
CHAR_INCHES = 0.07  # width of a tick label character (8 pt)
WIDTH_INCHES = 10.5  # the figure's width (756 pt, about 1,000 px: a laptop page's width)
MIN_PLOT_INCHES = 5.0  # the plot area's width, at least (long labels widen the figure)
PANEL_INCHES = 1.3  # height of a panel's title, axis and gap below it
RANGE_COLOR = "tab:green"
BOX_COLOR = "tab:blue"
PEAK_COLOR = "tab:red"


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            "Profile.plot() needs matplotlib: pip install 'fpga-export[plot]'"
        ) from exc
    return Figure


VIEW_BELOW_LSB = 8


def _rows(profile):
    """(activation rows, weight rows): (label, Stats, FixedType) each; values are the float
    values where the profile has them, else the fixed-point values."""
    acts = [
        (n.name, n.float if n.float is not None and n.float.count else n.fixed, n.type)
        for n in profile.nodes
    ]
    weights = [(f"{n.name}.{w.name}", w.stats, w.type) for n in profile.nodes for w in n.weights]
    return acts, weights


def _draw(ax, rows, title: str) -> None:
    """One panel: a shaded type range and a box per row (one call each: fast for many rows)."""
    lsbs = [t.lsb for _, _, t in rows]
    tops = [max(abs(t.min), abs(t.max)) for _, _, t in rows]
    bands = ax.barh(
        range(len(rows)),
        [top - lsb for top, lsb in zip(tops, lsbs, strict=True)],
        left=lsbs,
        height=0.8,
        color=RANGE_COLOR,
        alpha=0.2,
    )
    for patch, (label, _, _) in zip(bands, rows, strict=True):
        patch.set_gid(f"range:{label}")
    shown = [(i, label, s) for i, (label, s, _) in enumerate(rows) if s.abs_percentiles]
    if shown:  # rows of zeros only have no box on a log scale
        boxes = [
            {"med": p[50], "q1": p[25], "q3": p[75], "whislo": p[1], "whishi": p[99], "fliers": []}
            for p in (s.abs_percentiles for _, _, s in shown)
        ]
        drawn = ax.bxp(
            boxes,
            positions=[i for i, _, _ in shown],
            orientation="horizontal",
            widths=0.5,
            patch_artist=True,
            showfliers=False,
            manage_ticks=False,
            boxprops={"facecolor": BOX_COLOR, "alpha": 0.7},
        )
        for box, (_, label, _) in zip(drawn["boxes"], shown, strict=True):
            box.set_gid(f"box:{label}")
        peaks = [s.peak for _, _, s in shown]
        ax.plot(peaks, [i for i, _, _ in shown], "|", color=PEAK_COLOR, markersize=8)
    ax.set_xscale("log", base=2)
    # values far below every type's LSB (a softmax's tiny float outputs) would squeeze the
    # rest: the axis starts at most VIEW_BELOW_LSB octaves below the smallest LSB
    floor = min(lsbs) * 2.0**-VIEW_BELOW_LSB
    if shown and min(s.abs_percentiles[1] for _, _, s in shown) < floor:
        ax.set_xlim(left=floor)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first node on top
    ax.set_xlabel("|x| (box: 1st-25th-50th-75th-99th percentile, |: max)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)


def plot(profile):
    """A matplotlib Figure: activations on top, weights below (when there are any), on one
    page-wide column so that the figure fits a page; the shaded band of each row is its type's
    range from one LSB to the largest |value|."""
    figure = _figure_class()
    acts, weights = _rows(profile)
    panels = [(acts, "activations" + ("" if profile.float_source else " (fixed point)"))]
    if weights:
        panels.append((weights, "weights"))
    # axes placed by hand (in inches): one label column for both panels, no layout engine
    label = 0.3 + CHAR_INCHES * max(len(r[0]) for rows, _ in panels for r in rows)
    width = max(WIDTH_INCHES, label + MIN_PLOT_INCHES + 0.3)
    heights = [max(1.5, ROW_INCHES * len(rows)) + PANEL_INCHES for rows, _ in panels]
    height = sum(heights)
    fig = figure(figsize=(width, height))
    top = height
    for (rows, title), h in zip(panels, heights, strict=True):
        box = [label / width, (top - h + 0.8) / height, (width - label - 0.3) / width]
        _draw(fig.add_axes([*box, (h - PANEL_INCHES) / height]), rows, title)
        top -= h
    return fig


def to_svg(fig) -> str:
    """The figure as an ``<svg>`` element (no XML prolog) for inline HTML."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    text = buf.getvalue()
    return text[text.index("<svg") :]

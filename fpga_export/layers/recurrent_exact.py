"""Exact spans of one recurrent step (``_Recurrent.exact_spans``, recurrent.py).

Only with ``round_state_on_read`` (QKeras: the state quantizer converts h and c when a step
reads them) and table-free activations: then every step reads h and c from the
``state_read`` type's range whatever happened before (the read conversion saturates or wraps
into that type), so one step of interval arithmetic bounds every step. x takes any value of
its input type. The conversions into ``gate`` / ``candidate`` (``state`` for SimpleRNN) are
the framework's own quantizers when the frontend gave those types (``node.given``): the same
exact value rounded alike; otherwise the activation's exact output must fit the role.
``state_read`` is the framework's state quantizer by construction of the option.
"""

from __future__ import annotations

import numpy as np

from ..ir.span import Span, const_span, input_span

ZERO = Span.point(0, 0)
ONE = Span.point(1, 0)


class _Sums:
    """Collects the spans of one step: per role, and every float32 intermediate."""

    def __init__(self):
        self.roles: dict[str, Span] = {}
        self.bits = 1  # the most significant bits of any float32 intermediate

    def add(self, role: str, span: Span) -> None:
        self.roles[role] = self.roles[role] | span if role in self.roles else span

    def f32(self, *spans: Span) -> None:
        for s in spans:
            self.bits = max(self.bits, s.type().width)


def _terms(raw: np.ndarray, frac: int, v: Span) -> tuple[np.ndarray, np.ndarray, int]:
    """(lowest, highest) raw products v_i * W_ij (n, m) on the grid ``v.frac + frac``."""
    k = np.asarray(raw).astype(object)
    a, c = k * v.lo, k * v.hi
    return np.minimum(a, c), np.maximum(a, c), v.frac + frac


def _at(raw, frac: int, to: int):
    return np.asarray(raw).astype(object) * (1 << (to - frac))


def matvec_spans(parts, biases, sums: _Sums, accum_groups) -> Span:
    """Spans of ``sum_i v_i W_ij + sum biases_j`` per column: returns the span of the final
    sums (union over the columns); records every product and every partial sum in any
    order (float32) and, per accumulator (``accum_groups``: lists of part / bias indices
    summed in one ``accum`` variable), its products and prefix sums (role ``accum``)."""
    f = max([fr for _, _, fr in parts] + [fr for _, fr in biases] + [0])
    lows, highs = [], []
    for lo, hi, fr in parts:
        lows.append(_at(lo, fr, f))
        highs.append(_at(hi, fr, f))
    bias = [_at(b, fr, f) for b, fr in biases]
    m = (lows[0] if lows else bias[0]).shape[-1]
    neg = np.zeros(m, dtype=object)
    pos = np.zeros(m, dtype=object)
    lo_sum = np.zeros(m, dtype=object)
    hi_sum = np.zeros(m, dtype=object)
    for lo, hi in zip(lows, highs, strict=True):
        neg += np.minimum(lo, 0).sum(axis=0)
        pos += np.maximum(hi, 0).sum(axis=0)
        lo_sum += lo.sum(axis=0)
        hi_sum += hi.sum(axis=0)
        sums.f32(Span(int(lo.min()), int(hi.max()), f))
    for b in bias:
        neg += np.minimum(b, 0)
        pos += np.maximum(b, 0)
        lo_sum += b
        hi_sum += b
    sums.f32(Span(int(neg.min()), int(pos.max()), f))
    for parts_i, bias_i in accum_groups:
        n_lo = sum((np.minimum(lows[i], 0).sum(axis=0) for i in parts_i), np.zeros(m, object))
        n_hi = sum((np.maximum(highs[i], 0).sum(axis=0) for i in parts_i), np.zeros(m, object))
        for i in bias_i:
            n_lo, n_hi = n_lo + np.minimum(bias[i], 0), n_hi + np.maximum(bias[i], 0)
        span = Span(int(min(n_lo.min(), 0)), int(max(n_hi.max(), 0)), f)
        for i in parts_i:
            span = span | Span(int(lows[i].min()), int(highs[i].max()), f)
        sums.add("accum", span)
    return Span(int(lo_sum.min()), int(hi_sum.max()), f)


def activation_span(op, node, which: str, role: str, v: Span, sums: _Sums) -> Span:
    """The span of ``role(act(v))`` (``which``: "table" = activation, else recurrent)."""
    name = op.activation if which == "table" else op.recurrent_activation
    if name == "linear":
        y = v
    elif name == "relu":
        y = v.clip(lo=ZERO)
    else:  # the hard sigmoids: v * slope + offset in the table type, clipped to [0, 1]
        p, t = node.weights[which], node.types[which]
        raw = v * const_span(p[0], t)
        sums.f32(raw)
        y = (raw + const_span(p[1], t)).clip(lo=ZERO, hi=ONE)
        sums.f32(y)
    given = node.given.get(role)
    if given is not None and given != "auto" and str(given) == str(node.types[role]):
        return Span.of_type(node.types[role])  # the framework's quantizer
    sums.add(role, y)
    return y


def recurrent_spans(op, node, graph) -> dict | None:
    names = [op.activation] + ([op.recurrent_activation] if op.uses_gates else [])
    if not op.round_state_on_read or any(n in ("tanh", "sigmoid") for n in names):
        return None
    ty, w = node.types, node.weights
    u = op.units
    x = input_span(graph, node)
    hq = Span.of_type(ty["state_read"])
    sums = _Sums()

    def raw(role, value=None):
        t = ty[role]
        return t.quantize_raw(np.asarray(w[role] if value is None else value)), t.frac

    kr, kf = raw("kernel")
    rr, rf = raw("recurrent_kernel")
    br, bf = raw("bias")

    def cols(a, k):
        return a[..., k * u : (k + 1) * u]

    def gate_sum(k, h_part=True, rbias=None):
        parts = [_terms(cols(kr, k), kf, x)]
        if h_part:
            parts.append(_terms(cols(rr, k), rf, hq))
        biases = [(cols(br, k), bf)] + ([(cols(rbias[0], k), rbias[1])] if rbias else [])
        groups = [([0], [0])]
        if h_part:
            groups.append(([1], [1] if rbias else []))
        return matvec_spans(parts, biases, sums, groups)

    if op.kind == "simple_rnn":
        h = activation_span(op, node, "table", "state", gate_sum(0), sums)
        return _finish(op, sums, h, None)
    if op.kind == "lstm":
        i, f, o = (
            activation_span(op, node, "recurrent_table", "gate", gate_sum(k), sums)
            for k in (0, 1, 3)
        )
        g = activation_span(op, node, "table", "candidate", gate_sum(2), sums)
        fc, ig = f * Span.of_type(ty["state_read"]), i * g
        c = fc + ig
        sums.f32(fc, ig, c)
        sums.add("cell", c)
        a = activation_span(op, node, "table", "candidate", c, sums)
        h = o * a
        sums.f32(h)
        sums.add("state", h)
        return _finish(op, sums, h, c)
    rb = raw("recurrent_bias") if op.reset_after else None
    z = activation_span(op, node, "recurrent_table", "gate", gate_sum(0, rbias=rb), sums)
    r = activation_span(op, node, "recurrent_table", "gate", gate_sum(1, rbias=rb), sums)
    if op.reset_after:
        xh = gate_sum(2, h_part=False)
        rh = matvec_spans(
            [_terms(cols(rr, 2), rf, hq)], [(cols(rb[0], 2), rb[1])], sums, [([0], [0])]
        )
        prod = r * rh
        pre = xh + prod
        sums.f32(prod, pre)
    else:
        q = r * hq  # exact (no conversion) with round_state_on_read
        sums.f32(q)
        pre = matvec_spans(
            [_terms(cols(kr, 2), kf, x), _terms(cols(rr, 2), rf, q)],
            [(cols(br, 2), bf)],
            sums,
            [([0], [0]), ([1], [])],
        )
    n = activation_span(op, node, "table", "candidate", pre, sums)
    zh, zn = z * hq, (ONE - z) * n
    h = zh + zn
    sums.f32(zh, zn, h)
    sums.add("state", h)
    return _finish(op, sums, h, None)


def _finish(op, sums: _Sums, h: Span, c: Span | None) -> dict:
    out = dict(sums.roles)
    out["result"] = c if getattr(op, "output_cell", False) else h
    # a span whose type has that width (mark_exact compares the width with float32's 24)
    out["float32"] = Span(0, (1 << sums.bits) - 1, 0)
    return out

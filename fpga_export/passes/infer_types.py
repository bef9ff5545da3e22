"""Assign a FixedType to every type role of every node.

Per role, in order: the user's type for this node (``node.precision``, filled from
``layers=``/``hls_config=``), the type the framework itself uses (``node.given``, from the
live quantizers), ``"auto"`` (the op computes a type wide enough never to lose bits, capped
at ``max_width``; from the user or from ``node.given``), else the model default precision.

Type family: ops build their internal and default types in ``TypeContext.family`` (``own``);
a backend with one type family (Catapult: ac) sets ``convert``, and every type, also one
given in the other family's spelling (``ap_fixed<16,6>``, hls4ml's vocabulary), becomes a
type of that family with the same widths and modes (``FixedType.with_(family=...)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ir.graph import Graph, Node
from ..types import FixedType

AUTO = "auto"


@dataclass
class TypeContext:
    default: FixedType = field(default_factory=lambda: FixedType.parse("ap_fixed<16,6>"))
    role_defaults: dict[str, FixedType | str] = field(default_factory=dict)  # model-wide per role
    input_precision: FixedType | None = None
    max_width: int = 64
    family: str = "ap"  # internal and default types of ops are built in this family
    convert: bool = False  # every type becomes a type of ``family`` (the backend's only one)

    def own(self, t: FixedType) -> FixedType:
        """``t`` (an op's internal or default type) in the context's family."""
        return t if t.family == self.family else _into(t, self.family)

    def chosen(self, t: FixedType) -> FixedType:
        """A type given by the user, a quantizer or an op: in ``family`` when converting."""
        return self.own(t) if self.convert else t

    def default_for(self, node: Node, role: str) -> FixedType:
        t = self.role_defaults.get(role, self.default)
        return self.chosen(self.default if t == AUTO else t)

    def wants_auto(self, node: Node, role: str) -> bool:
        if role in node.precision:
            return node.precision[role] == AUTO
        if role in node.given:
            return node.given[role] == AUTO
        return self.role_defaults.get(role) == AUTO

    def cap(self, t: FixedType) -> FixedType:
        """Keep integer bits, drop fraction bits beyond ``max_width``."""
        if t.width <= self.max_width:
            return t
        return t.with_(width=self.max_width)


def _into(t: FixedType, family: str) -> FixedType:
    try:
        return t.with_(family=family)
    except ValueError as exc:
        raise ValueError(f"the type {t} has no {family} counterpart ({exc})") from None


def span_types(node: Node, graph: Graph, ctx: TypeContext, types: dict) -> dict:
    """'auto' from the op's exact spans: the smallest types holding every exact value (capped);
    empty when the op approximates. ``types`` are the node's other types meanwhile."""
    saved, node.types = node.types, dict(types)
    try:
        spans = node.op.exact_spans(node, graph)
    finally:
        node.types = saved
    if not spans:
        return {}
    return {r: ctx.cap(s.type()) for r, s in spans.items() if r in node.op.roles}


def _widen(t: FixedType, floor: FixedType | None) -> FixedType:
    """``t`` grown to hold every value of ``floor`` too (t's modes). Types derived from
    weights keep their earlier width when retraining would narrow them (``Node.floor``), so a
    training loop does not recompile back and forth."""
    if floor is None:
        return t
    signed = t.signed or floor.signed
    integer = max(u.integer + (signed and not u.signed) for u in (t, floor))
    frac = max(t.frac, floor.frac)
    return t.with_(width=integer + frac, integer=integer, signed=signed)


def infer_types(graph: Graph, config=None) -> Graph:
    ctx = config.type_context() if config is not None else TypeContext()
    for node in graph:
        op = node.op
        types: dict[str, FixedType] = {}
        for r in op.roles:
            chosen = node.precision.get(r, node.given.get(r))
            if chosen is not None and chosen != AUTO:
                types[r] = ctx.chosen(FixedType.parse(chosen))
                if r not in node.precision and r in op.weight_roles.values():
                    # a wider type holds the weight values as exactly
                    types[r] = _widen(types[r], node.floor.get(r))
        auto = [r for r in op.roles if r not in types and ctx.wants_auto(node, r)]
        defaults = op.default_types(node, graph, ctx)
        for r in op.roles:
            if r not in auto:
                types.setdefault(r, defaults[r])
        if auto:
            # ops without auto rules use their exact spans; roles left out get the default
            try:
                if hasattr(op, "auto_types"):
                    found = op.auto_types(node, graph, ctx, types)
                else:
                    found = span_types(node, graph, ctx, {**defaults, **types})
            except ValueError as exc:  # e.g. an exact type beyond FixedType's bounds
                raise ValueError(f"{node.name}: 'auto' types: {exc}") from None
            types.update({r: _widen(found.get(r, defaults[r]), node.floor.get(r)) for r in auto})
            for r in set(auto) & set(op.weight_roles.values()):
                types[r] = ctx.cap(types[r])  # weights fitted to their values: a W-bit guess
        _check_given_widths(node, types, ctx)
        node.types = {r: ctx.chosen(types[r]) for r in op.roles}
        op.types_ready(node, graph)
    return graph


def _check_given_widths(node: Node, types: dict, ctx: TypeContext) -> None:
    """A type the framework's own quantizer gives (exact) wider than ``max_width`` is refused:
    capping it would drop bits the framework keeps and quietly break csim == framework."""
    for r, t in types.items():
        if r in node.precision or node.given.get(r) in (None, AUTO) or t.width <= ctx.max_width:
            continue
        raise ValueError(
            f"{node.name}: the {r} type {t} of its quantizer ({node.source or node.op.kind}) is "
            f"{t.width} bits wide, more than max_width={ctx.max_width}; raise max_width, or set "
            f"the layer's {r!r} precision to accept a narrower (inexact) type"
        )

"""ExportConfig: everything ``export_fpga`` takes, validated, and its application to a graph.

Settings come from four places; for one node, a more specific place wins:

1. ``layers={"dense_1": {...}}``                       (our own per-layer settings)
2. ``hls_config["LayerName"]["dense_1"]``               (hls4ml, per layer name)
3. ``hls_config["LayerType"]["Dense"]``                 (hls4ml, per framework class name)
4. ``hls_config["Model"]``, then the keyword arguments  (model-wide)

``hls_config["Model"]`` entries replace the corresponding keyword arguments (``precision``,
``reuse_factor``, ``strategy``).  Precision merges per type role: ``layers`` setting only
``accum`` leaves the layer's other roles to the less specific places.

A precision is a type string (``"ap_fixed<16,6>"``, hls4ml's ``"fixed<16,6>"`` ...), ``"auto"``
(the op computes a type that never loses bits, capped at ``max_width``), or a dict
role -> type/``"auto"``.  hls4ml role names are accepted: ``"weight"`` means ``"kernel"``.
A type string given for a whole layer applies to every type role of that layer; at model
level it is the default type (a model-level dict may name it ``"default"``).

``hls_config`` takes every key hls4ml's config generators emit (``fpga_export.hls4ml_keys``,
docs/hls_config.md): keys with a counterpart here map to it (``TableSize`` -> ``table_size``,
``Static`` -> ``implementation``, ``ParallelizationFactor``, ``Precision["maximum"]`` ->
``max_width``, ``<role>_t`` -> a type role); keys that change nothing in this firmware
(``BramFactor``, ``Trace`` ...) are validated and listed in ``notes`` (one line each, shown by
``Firmware.summary``).  A ``LayerType`` name that is no framework class of the model may be an
hls4ml layer class (``Dense`` for a torch ``Linear``, ``Softmax``).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import hls4ml_keys as hk
from .codegen.names import identifier
from .config_values import (  # noqa: F401  (re-exported: __all__)
    _ALL,
    IO_TYPES,
    LAYER_KEYS,
    MAX_REUSE,
    ROLE_ALIASES,
    STRATEGIES,
    TUNABLE,
    Precision,
    _check_dict,
    _choice,
    _fmt,
    _known_roles,
    _no_effect,
    _parse_hls_layer,
    _parse_layer,
    _parse_precision,
    _parse_reuse,
    _parse_role,
    _parse_strategy,
    _parse_type,
    _role_list,
    _Settings,
    _with_attributes,
)
from .ir.graph import Graph
from .passes.infer_types import AUTO, TypeContext
from .types import FixedType

__all__ = [
    "ExportConfig",
    "IO_TYPES",
    "LAYER_KEYS",
    "ROLE_ALIASES",
    "STRATEGIES",
]

_HLS_TOP_KEYS = hk.TOP_KEYS
ACTIVATION_TABLES = ("hls4ml", "fpga-export")
_HLS_MODEL_KEYS = hk.MODEL_KEYS
_HLS_LAYER_KEYS = hk.LAYER_KEYS
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # AMD part names: xcvu13p-flga2577-2-e


@dataclass(frozen=True)
class ExportConfig:
    """Everything ``model.export_fpga(...)`` takes (see the module docstring for precedence).

    Validated on creation: bad values raise ValueError naming where they came from.
    ``type_context()`` gives the model-wide types for ``infer_types``; ``apply(graph,
    layer_types)`` writes the per-node settings into the graph.
    """

    output_dir: Any = None
    backend: str = "vitis"
    precision: str | FixedType | dict = "ap_fixed<16,6>"
    reuse_factor: int = 1
    strategy: str = "latency"
    io_type: str = "io_parallel"
    part: str = "xcvu13p-flga2577-2-e"
    clock_period: float = 5.0
    layers: dict | None = None
    hls_config: dict | None = None
    input_precision: str | FixedType | None = None
    overwrite: bool = False
    max_width: int = 64
    name: str | None = None
    activation_tables: str | None = None

    def __post_init__(self):
        from .backends import BACKENDS

        known = _known_roles()
        backend = _choice(self.backend, BACKENDS, "backend", "available backends:")
        object.__setattr__(self, "backend", backend)
        object.__setattr__(self, "io_type", _choice(self.io_type, IO_TYPES, "io_type"))
        if self.output_dir is not None and not isinstance(self.output_dir, str | os.PathLike):
            raise ValueError(
                f"output_dir must be a folder path (str or os.PathLike) or None, got "
                f"{type(self.output_dir).__name__}"
            )
        if not isinstance(self.part, str) or not _PART.fullmatch(self.part):
            raise ValueError(
                f"part must be an FPGA part name such as 'xcvu13p-flga2577-2-e': letters, "
                f"digits, '-', '_' and '.', starting with a letter or digit; got {self.part!r}"
            )
        if (
            not isinstance(self.clock_period, numbers.Real)
            or isinstance(self.clock_period, bool | np.bool_)
            or not 0 < self.clock_period < math.inf
        ):
            raise ValueError(
                f"clock_period must be a positive, finite number of ns, got {self.clock_period!r}"
            )
        object.__setattr__(self, "clock_period", float(self.clock_period))
        if not isinstance(self.max_width, int) or isinstance(self.max_width, bool):
            raise ValueError(f"max_width must be an int, got {self.max_width!r}")
        if not 1 <= self.max_width <= 128:
            raise ValueError(f"max_width must be between 1 and 128 bits, got {self.max_width}")
        if not isinstance(self.overwrite, bool):
            raise ValueError(f"overwrite must be True or False, got {self.overwrite!r}")
        if self.name is not None and (not isinstance(self.name, str) or not self.name):
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        if self.activation_tables not in (None, *ACTIVATION_TABLES):
            raise ValueError(
                f"activation_tables must be 'hls4ml', 'fpga-export' or None (hls4ml's when "
                f"hls_config is given), got {self.activation_tables!r}"
            )

        # model-wide settings: keyword arguments, replaced by hls_config["Model"]
        notes: list[str] = []
        hls = _check_dict(self.hls_config or {}, "hls_config")
        for key in hls:
            if key not in _HLS_TOP_KEYS:
                raise ValueError(
                    f"hls_config: unknown key {key!r}; accepted keys: {_fmt(_HLS_TOP_KEYS)}"
                )
        if hls.get("PytorchModel") is not None:  # the module itself: not data (saved state)
            hls = {**hls, "PytorchModel": None}
            object.__setattr__(self, "hls_config", hls)
        model = _check_dict(hls.get("Model", {}), "hls_config['Model']")
        for key in model:
            if key not in _HLS_MODEL_KEYS:
                raise ValueError(
                    f"hls_config['Model']: unknown key {key!r}; accepted keys: "
                    f"{_fmt(_HLS_MODEL_KEYS)}"
                )
        # the keywords are always validated; hls_config["Model"] entries replace them
        default, roles, maximum = self._model_precision(self.precision, "precision", known)
        reuse = _parse_reuse(self.reuse_factor, "reuse_factor")
        strategy = _parse_strategy(self.strategy, "strategy")
        object.__setattr__(self, "strategy", strategy)
        if "Precision" in model:
            default, roles, maximum = self._model_precision(
                model["Precision"], "hls_config['Model']['Precision']", known, hls=True
            )
        if "ReuseFactor" in model:
            reuse = _parse_reuse(model["ReuseFactor"], "hls_config['Model']['ReuseFactor']")
        if "Strategy" in model:
            strategy = _parse_strategy(model["Strategy"], "hls_config['Model']['Strategy']")
        model_attributes = {
            hk.TUNABLE[k]: model[k] for k in model if k in hk.TUNABLE
        }  # applied to the nodes that have the field
        for key in hls:
            if key in hk.NO_EFFECT:
                _no_effect(key, hls[key], f"hls_config[{key!r}]", notes)
        for key in model:
            if key in hk.NO_EFFECT:
                _no_effect(key, model[key], f"hls_config['Model'][{key!r}]", notes)
        max_width = self.max_width
        if maximum is not None:
            max_width = min(max_width, maximum.width)
            notes.append(
                f"hls_config: Precision maximum {maximum}: 'auto' types are at most "
                f"{max_width} bits wide (max_width), keeping their integer bits"
            )
        input_precision = None
        if self.input_precision is not None:
            input_precision = _parse_type(self.input_precision, "input_precision")
            if input_precision == AUTO:
                raise ValueError("input_precision: 'auto' is not possible for inputs; give a type")

        # per-layer settings
        for where, names in (
            ("layers", self.layers or {}),
            ("hls_config['LayerName']", hls.get("LayerName") or {}),
            ("hls_config['LayerType']", hls.get("LayerType") or {}),
        ):
            for key in _check_dict(names, where):
                if not isinstance(key, str):
                    raise ValueError(f"{where}: layer names are strings, got {key!r}")
        by_name = {
            name: _parse_hls_layer(entry, f"hls_config['LayerName'][{name!r}]", known, notes)
            for name, entry in _check_dict(
                hls.get("LayerName", {}), "hls_config['LayerName']"
            ).items()
        }
        by_type = {
            name: _parse_hls_layer(entry, f"hls_config['LayerType'][{name!r}]", known, notes)
            for name, entry in _check_dict(
                hls.get("LayerType", {}), "hls_config['LayerType']"
            ).items()
        }
        layers = {
            name: _parse_layer(entry, f"layers[{name!r}]", known)
            for name, entry in _check_dict(self.layers or {}, "layers").items()
        }
        parsed = {
            "default": default,
            "role_defaults": roles,
            "reuse_factor": reuse,
            "strategy": strategy,
            "input_precision": input_precision,
            "by_name": by_name,
            "by_type": by_type,
            "layers": layers,
            "model_attributes": model_attributes,
            "max_width": max_width,
        }
        tables = self.activation_tables or ("hls4ml" if self.hls_config else "fpga-export")
        parsed["activation_tables"] = tables
        object.__setattr__(self, "_parsed", parsed)
        object.__setattr__(self, "_notes", tuple(notes))
        object.__setattr__(self, "_apply_notes", ())

    @staticmethod
    def _model_precision(value, where: str, known: list[str], hls: bool = False):
        """Model-wide precision -> (default FixedType, {role: type or AUTO}, maximum or None).
        A dict may name ``"default"`` (every role) and hls4ml's ``"maximum"`` (the widest type
        ``"auto"`` may choose)."""
        fallback = FixedType.parse("ap_fixed<16,6>")
        if isinstance(value, dict):
            default, roles, maximum = fallback, {}, None
            for role, t in value.items():
                if role == "default":
                    default = _parse_type(t, f"{where}['default']")
                    if default == AUTO:
                        roles.update(dict.fromkeys(known, AUTO) | roles)
                        default = fallback
                    continue
                if role == "maximum":
                    maximum = _parse_type(t, f"{where}['maximum']")
                    if maximum == AUTO:
                        raise ValueError(f"{where}['maximum']: give a type, not 'auto'")
                    continue
                roles[_parse_role(role, where, known, hls)] = _parse_type(t, f"{where}[{role!r}]")
            return default, roles, maximum
        t = _parse_type(value, where)
        if t == AUTO:
            return fallback, dict.fromkeys(known, AUTO), None
        return t, {}, None

    @property
    def notes(self) -> tuple[str, ...]:
        """One line per ``hls_config`` key accepted without effect on this firmware (and per
        hls4ml type role a layer does not have), for ``Firmware.summary``."""
        return tuple(dict.fromkeys(self._notes + self._apply_notes))

    # -- use -------------------------------------------------------------------------------
    def replace(self, **changes) -> ExportConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def type_context(self) -> TypeContext:
        """Types as the backend takes them: a backend of one type family (``family``, e.g.
        Catapult's ac types) converts every type into it; otherwise ops build their own types
        in the family of the default precision."""
        from .backends import BACKENDS

        p = self._parsed
        family = BACKENDS[self.backend].family
        return TypeContext(
            default=p["default"],
            role_defaults=dict(p["role_defaults"]),
            input_precision=p["input_precision"],
            max_width=p["max_width"],
            family=family or p["default"].family,
            convert=family is not None,
        )

    def apply(
        self,
        graph: Graph,
        layer_types: dict[str, str],
        *,
        parts: dict[str, str] | None = None,
        role_aliases: dict[str, dict[str, tuple[str, str]]] | None = None,
    ) -> Graph:
        """Fill ``node.precision``, ``reuse_factor`` and ``strategy`` of every node.

        ``layer_types`` maps node names to the framework class name they came from (for
        ``hls_config["LayerType"]``; a Dense layer's fused activation node is "Activation").
        Names in ``layers=`` / ``LayerName`` are node names or the framework layer names
        (``Node.layer``) they were made from, matched exactly; a name that is the node name of
        one layer and the framework name of another is an error.

        Frontends that make several nodes of one framework layer describe them:
        ``parts[node] = owner`` makes ``node`` take the settings given for ``owner`` (e.g.
        the intermediate nodes of a 3-input Concatenate); ``role_aliases[owner][alias] =
        (node, role)`` lets the owner's settings name a role of another node (a
        SeparableConv's ``"depthwise"`` kernel is the ``kernel`` of its depthwise node).
        """
        p = self._parsed
        hls4ml_tables = _hls4ml_tables(graph) if p["activation_tables"] == "hls4ml" else ()
        nodes = [n.name for n in graph]
        by_name, linear = _without_linear(p["by_name"], graph)
        by_name = self._resolve_names(by_name, graph, "hls_config['LayerName']")
        layers = self._resolve_names(p["layers"], graph, "layers")
        parts = parts or {}
        by_name.update({n: by_name[o] for n, o in parts.items() if o in by_name})
        layers.update({n: layers[o] for n, o in parts.items() if o in layers})
        aliased = _aliased(graph, role_aliases or {}, [by_name, layers])
        present = sorted({layer_types[n] for n in nodes if n in layer_types})
        by_class = {  # LayerType names that are hls4ml layer classes, not framework classes
            t: {n.name for n in graph if hk.class_matches(t, n.op)}
            for t in p["by_type"]
            if t not in present
        }
        unknown_types = [t for t in p["by_type"] if t not in present and not by_class[t]]
        if unknown_types:
            raise ValueError(
                f"hls_config['LayerType']: no layer of type {_fmt(map(repr, unknown_types))} "
                f"in the model; its layer types are: {_fmt(present)}"
            )
        lacking: dict[tuple, list[str]] = {}  # (hls4ml key, why) -> nodes without it: noted
        for node in graph:
            typed = [t for t, names in by_class.items() if node.name in names]
            by_type = p["by_type"][typed[0]] if typed else None
            places = [by_type or p["by_type"].get(layer_types.get(node.name))]
            places += [by_name.get(node.name), layers.get(node.name)]
            precision: dict[str, Precision] = {}
            reuse, strategy = p["reuse_factor"], p["strategy"]
            fields = {f.name for f in dataclasses.fields(node.op)}
            attributes = {k: v for k, v in p["model_attributes"].items() if k in fields}
            for s, via in zip(places, [None, *aliased.get(node.name, [None, None])], strict=True):
                if via:  # roles of this node named through the layer that owns it
                    precision.update(via)
                if s is None:
                    continue
                precision.update(self._node_precision(node, s, role_aliases, node.name, lacking))
                reuse = s.reuse_factor if s.reuse_factor is not None else reuse
                strategy = s.strategy if s.strategy is not None else strategy
                for key, value in s.attributes.items():
                    if s.hls and key in hk.OPTIONAL_FIELDS and key not in fields:
                        _lacks(lacking, hk.OPTIONAL_FIELDS[key], node.name)  # noted, not refused
                        continue
                    attributes[key] = value
            if attributes:
                node.op = _with_attributes(node, attributes)
            if node.name in graph.inputs and p["input_precision"] is not None:
                precision.setdefault("result", p["input_precision"])  # beats quantizer types
            node.precision = precision
            node.reuse_factor = reuse
            node.strategy = strategy
        linear_notes = tuple(
            f"hls_config: LayerName {_fmt(map(repr, linear))} accepted, no effect: a linear "
            "activation (hls4ml's '<layer>_linear') is no node here"
            for _ in linear[:1]
        )
        object.__setattr__(
            self,
            "_apply_notes",
            linear_notes
            + tuple(
                f"hls_config: {key} accepted, no effect on {_fmt(names)}: {why}"
                for (key, why), names in lacking.items()
            )
            + hls4ml_tables,
        )
        return graph

    @staticmethod
    def _resolve_names(entries: dict[str, _Settings], graph: Graph, where: str):
        """{node name: settings}. A key naming a node applies to it; else a key naming a
        framework layer applies to its node(s); any other key is an error (also one that
        only matches after turning it into a C++ identifier: "a b" is not "a_b")."""
        nodes = [n.name for n in graph]
        layers: dict[str, list[str]] = {}
        for n in graph:
            if n.layer:
                layers.setdefault(n.layer, []).append(n.name)
        out, keys, unknown = {}, {}, []
        for key, settings in entries.items():
            targets = _targets(key, graph, layers, where)
            if not targets:
                unknown.append(key)
            for node in targets:
                if node in out:
                    raise ValueError(
                        f"{where}: {keys[node]!r} and {key!r} both name layer {node!r}; "
                        "give its settings once"
                    )
                out[node], keys[node] = settings, key
        if unknown:
            s = "s" if len(unknown) > 1 else ""
            raise ValueError(
                f"{where}: unknown layer name{s} {_fmt(map(repr, unknown))}; "
                f"the model's layers are: {_fmt(nodes)}"
            )
        return out

    @staticmethod
    def _node_precision(node, s: _Settings, role_aliases=None, owner=None, lacking=None):
        roles = node.op.roles  # per instance: only the roles this op uses
        aliases = (role_aliases or {}).get(owner, {})
        out = {}
        if _ALL in s.precision:  # a whole-layer type first, specific roles override it
            out.update(dict.fromkeys(roles, s.precision[_ALL]))
        for role, t in s.precision.items():
            if role in aliases:  # a role of one of the layer's nodes, by its layer-level name
                target, target_role = aliases[role]
                if target == node.name:
                    out[target_role] = t
                continue
            if role == _ALL:
                continue
            if role in roles:
                out[role] = t
            elif s.hls and role in hk.OPTIONAL_ROLES:  # hls4ml gives every layer of a class
                if lacking is not None:
                    _lacks(lacking, (f"Precision {role!r}", hk.OPTIONAL_ROLES[role]), node.name)
            else:
                have = _role_list([*roles, *aliases])
                raise ValueError(
                    f"{s.where}: layer {node.name!r} ({type(node.op).__name__}) has no type "
                    f"role {role!r}; its type roles: {have}"
                )
        return out


def _hls4ml_tables(graph: Graph) -> tuple[str, ...]:
    """Turn the graph's activations into hls4ml's (``Op.hls4ml_compatible``); summary lines
    naming them, and the nodes that still compute differently (``Op.hls4ml_difference``)."""
    tables = (
        "its tables and truncated index, layers/activation_hls4ml.py; "
        "activation_tables='fpga-export' for fpga-export's nearest-centre tables"
    )
    changed: dict[str, list[str]] = {}  # what the converted op computes -> its nodes
    differ: dict[str, list[str]] = {}
    for node in graph:
        op = node.op.hls4ml_compatible()
        if op is not node.op:
            node.op = op
            changed.setdefault(getattr(op, "hls4ml_note", tables), []).append(node.name)
        why = node.op.hls4ml_difference()
        if why:
            differ.setdefault(why, []).append(node.name)
    lines = [
        f"activation_tables: {_fmt(names)} computed as hls4ml computes them ({note})"
        for note, names in changed.items()
    ]
    lines += [
        f"activation_tables: {_fmt(names)} can differ from hls4ml's csim: {why}"
        for why, names in differ.items()
    ]
    return tuple(lines)


def _targets(key, graph: Graph, layers: dict[str, list[str]], where: str) -> list[str]:
    """The nodes a user key names (see ``ExportConfig._resolve_names``); [] if none."""
    by_layer = layers.get(key, [])
    if key in graph:
        node = graph[key]
        if not by_layer or node.layer == key:
            return [key]
        named = [f"node {key!r} (from layer {node.layer or node.source!r}) by its node name"]
        named += [f"node {n!r} (from layer {key!r}) by its layer name" for n in by_layer]
        raise ValueError(
            f"{where}: {key!r} is ambiguous: it names {' and '.join(named)}; name each by a "
            "name that matches it only (its layer name or its node name)"
        )
    if by_layer:
        return by_layer
    if isinstance(key, str):
        near = identifier(key)
        cands = [n for n in graph if n.name == near or (n.layer and identifier(n.layer) == near)]
        if cands:
            said = _fmt(
                f"{n.name!r} (layer {n.layer!r})" if n.layer else repr(n.name) for n in cands
            )
            raise ValueError(
                f"{where}: no layer is named {key!r} (names are matched exactly); "
                f"did you mean {said}?"
            )
    return []


def _lacks(lacking: dict, what: tuple[str, str], node: str) -> None:
    """Record that ``node`` lacks what an hls4ml key sets for its whole layer class."""
    names = lacking.setdefault(what, [])
    if node not in names:
        names.append(node)


def _without_linear(entries: dict, graph: Graph) -> tuple[dict, list[str]]:
    """hls4ml's layer list has an Activation '<layer>_linear' after every layer with a linear
    activation (removed by its optimizers later); we make no node for it: such names that
    name no node are dropped (and noted) when '<layer>' names one."""
    layers = {n.layer for n in graph if n.layer}
    dropped = [
        k
        for k in entries
        if k.endswith("_linear") and k not in graph and k not in layers
        and (k[: -len("_linear")] in graph or k[: -len("_linear")] in layers)
    ]  # fmt: skip
    return {k: v for k, v in entries.items() if k not in dropped}, dropped


def _aliased(graph: Graph, role_aliases: dict, places: list[dict[str, _Settings]]) -> dict:
    """{node: [precision from places[0], from places[1]]} set through another node's aliases
    (a whole-layer type given for the owner applies to every role of its other nodes too)."""
    out: dict[str, list[dict]] = {}
    for owner, aliases in role_aliases.items():
        for i, place in enumerate(places):
            s = place.get(owner)
            if s is None:
                continue
            for node_name in sorted({n for n, _ in aliases.values()} - {owner}):
                node = graph[node_name]
                got = out.setdefault(node_name, [{}, {}])[i]
                if _ALL in s.precision:
                    got.update(dict.fromkeys(node.op.roles, s.precision[_ALL]))
            for alias, (node_name, role) in aliases.items():
                if alias in s.precision and node_name != owner:
                    out.setdefault(node_name, [{}, {}])[i][role] = s.precision[alias]
    return out

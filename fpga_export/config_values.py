"""Parsing the values of ``export_fpga``'s settings (``layers=`` entries, ``hls_config``
entries, types, roles, strategies, reuse factors) into per-place settings; used by
``fpga_export.config.ExportConfig``, which applies them to a graph."""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass

from . import hls4ml_keys as hk
from .passes.infer_types import AUTO
from .types import FixedType

STRATEGIES = ("latency", "resource")
IO_TYPES = ("io_parallel", "io_stream")
ROLE_ALIASES = {"weight": "kernel"}  # hls4ml role name -> ours
LAYER_KEYS = (
    "precision",
    "reuse_factor",
    "strategy",
    "table_size",
    "table_range",
    "parallelization_factor",
    "implementation",
    "softmax_implementation",
)
_TABLES = "table_size / table_range apply to activations computed with lookup tables"
# op attributes a user may set per layer -> which layers have them (for the error message)
TUNABLE = {
    "table_size": _TABLES,
    "table_range": _TABLES,
    "parallelization_factor": "parallelization_factor applies to convolutions (io_parallel "
    "output pixels per step)",
    "implementation": "implementation applies to recurrent layers ('static': one cell shared "
    "by the timesteps, 'unrolled': a cell per timestep)",
    "softmax_implementation": "softmax_implementation applies to softmax computed as hls4ml's "
    "(activation_tables='hls4ml'): 'stable', 'latency' or 'argmax'",
    "hls4ml_softmax": "hls4ml_softmax applies to softmax computed as hls4ml's "
    "(activation_tables='hls4ml'): 'main' (hls4ml's newer softmax) or '1.0' (hls4ml 0.8 - 1.0)",
    "table_range_power2": "table_range_power2 applies to layer normalization computed as "
    "hls4ml's (activation_tables='hls4ml')",
}
_ALL = "*"  # precision key: every type role of the layer

Precision = FixedType | str  # a FixedType or AUTO


def _known_roles() -> list[str]:
    """Every type role of every registered op (the layer families register on import)."""
    from . import layers  # noqa: F401  (fills OP_REGISTRY)
    from .ir.op import OP_REGISTRY
    from .layers.depthwise import SEPARABLE_ROLES

    roles = {r for op in OP_REGISTRY.values() for r in op.roles}
    roles |= {r for op in OP_REGISTRY.values() for r in op.weight_roles.values()}
    return sorted(roles | set(SEPARABLE_ROLES))


def _role_list(roles) -> str:
    names = list(roles)
    aliases = [f"{a} (= {r})" for a, r in ROLE_ALIASES.items() if r in names]
    return ", ".join(names + aliases)


def _fmt(keys) -> str:
    return ", ".join(keys)


# ---------------------------------------------------------------------- value parsing


def _parse_type(value, where: str) -> Precision:
    if isinstance(value, FixedType):
        return value
    if isinstance(value, str):
        if value.strip().lower() == AUTO:
            return AUTO
        try:
            return FixedType.parse(value)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    raise ValueError(
        f"{where}: expected a type string such as 'ap_fixed<16,6>' or 'auto', got {value!r}"
    )


def _parse_role(role, where: str, known: list[str], hls: bool = False) -> str:
    """A user's role name -> ours. ``hls``: hls4ml's names too (``recurrent_weight``,
    ``default`` = the whole layer) and its class-wide roles our ops may lack (``table``)."""
    if not isinstance(role, str):
        raise ValueError(f"{where}: type role names are strings, got {role!r}")
    if hls and role == hk.DEFAULT_ROLE:
        return _ALL
    ours = ROLE_ALIASES.get(role, role)
    if hls:
        ours = hk.ROLES.get(role, ours)
    if ours not in known and not (hls and role in hk.OPTIONAL_ROLES):
        raise ValueError(f"{where}: unknown type role {role!r}; type roles: {_role_list(known)}")
    return ours


def _parse_precision(
    value, where: str, known: list[str], hls: bool = False
) -> dict[str, Precision]:
    """A layer precision -> {role: type}; a single type is stored under ``_ALL``."""
    if isinstance(value, dict):
        out = {}
        for role, t in value.items():
            ours = _parse_role(role, where, known, hls)
            if ours in out:
                raise ValueError(f"{where}: type role {ours!r} is given twice")
            out[ours] = _parse_type(t, f"{where}[{role!r}]")
        return out
    return {_ALL: _parse_type(value, where)}


def _choice(value, choices, where: str, listed: str = "expected one of") -> str:
    """``value`` as one of ``choices`` (any case, surrounding spaces ignored)."""
    if isinstance(value, str) and value.strip().lower() in choices:
        return value.strip().lower()
    raise ValueError(f"unknown {where} {value!r}; {listed} {_fmt(choices)} (any case)")


def _parse_strategy(value, where: str) -> str:
    if isinstance(value, str) and value.strip().lower() in STRATEGIES:
        return value.strip().lower()
    raise ValueError(
        f"{where}: unknown strategy {value!r}; expected one of {_fmt(STRATEGIES)} (any case)"
    )


MAX_REUSE = 2**31 - 1  # the C++ config field and the PIPELINE II pragma are 32-bit


def _parse_reuse(value, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_REUSE:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_REUSE:
        raise ValueError(f"{where}: reuse factor must be at most 2**31 - 1, got {value!r}")
    raise ValueError(f"{where}: reuse factor must be an int >= 1, got {value!r}")


def _check_dict(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a dict, got {type(value).__name__}")
    return value


@dataclass(frozen=True)
class _Settings:
    """One place's settings for one layer (or a layer type): None = not set there."""

    where: str
    precision: dict[str, Precision]
    reuse_factor: int | None = None
    strategy: str | None = None
    attributes: dict = dataclasses.field(default_factory=dict)  # op fields, e.g. table_size
    hls: bool = False  # from hls_config: hls4ml's class-wide roles a node lacks are noted


def _parse_layer(entry, where: str, known: list[str]) -> _Settings:
    """``layers[name]``: precision / reuse_factor / strategy, or role keys directly."""
    entry = _check_dict(entry, where)
    precision: dict[str, Precision] = {}
    reuse = strategy = None
    attributes = {}
    for key, value in entry.items():
        if key == "precision":
            for role, t in _parse_precision(value, f"{where}.precision", known).items():
                _set_role(precision, role, t, where)
        elif key == "reuse_factor":
            reuse = _parse_reuse(value, f"{where}.reuse_factor")
        elif key == "strategy":
            strategy = _parse_strategy(value, f"{where}.strategy")
        elif key in TUNABLE:
            attributes[key] = value
        elif isinstance(key, str) and ROLE_ALIASES.get(key, key) in known:
            _set_role(
                precision, ROLE_ALIASES.get(key, key), _parse_type(value, f"{where}.{key}"), where
            )
        else:
            raise ValueError(
                f"{where}: unknown key {key!r}; accepted keys: {_fmt(LAYER_KEYS)}, "
                f"or a type role: {_role_list(known)}"
            )
    return _Settings(where, precision, reuse, strategy, attributes)


def _set_role(precision: dict, role: str, t: Precision, where: str) -> None:
    if role in precision:
        raise ValueError(f"{where}: type role {role!r} is given twice")
    precision[role] = t


def _parse_hls_layer(entry, where: str, known: list[str], notes: list[str]) -> _Settings:
    """``hls_config["LayerName"][name]`` / ``["LayerType"][cls]`` (``hk.LAYER_KEYS``)."""
    entry = _check_dict(entry, where)
    precision: dict[str, Precision] = {}
    reuse = strategy = None
    attributes, set_by = {}, {}
    for key, value in entry.items():
        at = f"{where}[{key!r}]"
        if key == "Precision":
            for role, t in _parse_precision(value, at, known, hls=True).items():
                _set_role(precision, role, t, where)
        elif key == "ReuseFactor":
            reuse = _parse_reuse(value, at)
        elif key == "Strategy":
            strategy = _parse_strategy(value, at)
        elif key in hk.TUNABLE:
            field = hk.TUNABLE[key]
            if field in set_by:
                raise ValueError(f"{where}: {set_by[field]!r} and {key!r} both set {field}")
            set_by[field] = key
            attributes[field] = _tunable(key, value, at)
        elif key in hk.NO_EFFECT:
            _no_effect(key, value, at, notes)
        elif _is_role_key(key, known):  # hls4ml reads "accum_t" as the accum type
            role = _parse_role(key[:-2], where, known, hls=True)
            _set_role(precision, role, _parse_type(value, at), where)
        else:
            raise ValueError(
                f"{where}: unknown key {key!r}; accepted keys: {_fmt(hk.LAYER_KEYS)}, "
                "or a type role with '_t' (accum_t)"
            )
    return _Settings(where, precision, reuse, strategy, attributes, hls=True)


def _is_role_key(key, known: list[str]) -> bool:
    if not isinstance(key, str) or not key.endswith("_t"):
        return False
    role = key[:-2]
    return hk.ROLES.get(role, ROLE_ALIASES.get(role, role)) in known or role in hk.OPTIONAL_ROLES


def _tunable(key: str, value, where: str):
    """An hls4ml tunable's value as our op field takes it (the op validates it)."""
    if key in hk.CHOICES:
        choices = hk.CHOICES[key]
        if not isinstance(value, str) or value.strip().lower() not in map(str.lower, choices):
            raise ValueError(
                f"{where}: unknown value {value!r}; expected one of {_fmt(choices)} (any case)"
            )
        return value.strip().lower()
    if hk.TUNABLE[key] == "implementation":  # Static: True = one shared cell
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected True or False, got {value!r}")
        return "static" if value else "unrolled"
    return value


_INTS = ("BramFactor", "RecurrentReuseFactor", "TargetCycles", "PipelineInterval")


def _no_effect(key: str, value, where: str, notes: list[str]) -> None:
    """Validate a key that changes nothing here (hls4ml's values) and note it once."""
    if key in hk.BOOLEANS and not isinstance(value, bool):
        raise ValueError(f"{where}: expected True or False, got {value!r}")
    if key in hk.CHOICES:
        choices = hk.CHOICES[key]
        if not isinstance(value, str) or value.strip().lower() not in map(str.lower, choices):
            raise ValueError(
                f"{where}: unknown value {value!r}; expected one of {_fmt(choices)} (any case)"
            )
    if key in _INTS and value is not None:
        if not isinstance(value, numbers.Real) or isinstance(value, bool) or not value >= 0:
            raise ValueError(f"{where}: expected a number >= 0, got {value!r}")
    if key == "Skip" and value:
        raise ValueError(
            f"{where}: True (drop the softmax) is not supported; remove the softmax from the "
            "model, or set Skip to False"
        )
    if key in ("Flows", "Optimizers", "SkipOptimizers") and not (
        value is None
        or (isinstance(value, list | tuple) and all(isinstance(v, str) for v in value))
    ):
        raise ValueError(f"{where}: expected a list of names, got {value!r}")
    if key == "WriterConfig":
        _check_dict(value, where)
    line = hk.note(key)
    if line not in notes:
        notes.append(line)


def _with_attributes(node, attributes: dict):
    """A copy of the node's op with user-set attributes (table_size ...), validated by the op."""
    fields = {f.name for f in dataclasses.fields(node.op)}
    for key in attributes:
        if key not in fields:
            raise ValueError(
                f"layer {node.name!r} ({node.op.kind}) has no setting {key!r}; {TUNABLE[key]}"
            )
    try:
        return dataclasses.replace(node.op, **attributes)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"layer {node.name!r}: {exc}") from None


# ---------------------------------------------------------------------- the config

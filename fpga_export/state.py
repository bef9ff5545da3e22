"""A Firmware's state as data: JSON plus an ``.npz`` of the weights (no pickle anywhere).

Every export writes ``csim/firmware_state.json`` and ``csim/firmware_weights.npz`` into its
project (recorded in the manifest like every other file).  They hold the export settings
(``ExportConfig``), the typed graph (every ``Node`` field, the op's kind and dataclass
fields, inputs, outputs, layouts, FIFO depths, batch axes) and the float weights.  Fields are stored
generically: a field added to ``Node``, an op or ``ExportConfig`` is saved and loaded
without changes here, or, if its values are of a kind this module does not know, saving
fails loudly.

Loading trusts nothing in the files: op kinds must be registered, every field must be present
and of its annotated type, ops and the config are rebuilt through their own validation,
names must be the C++ identifiers the exporter makes, strings hold no NUL (and op
strings plain words), the weights are read with ``allow_pickle=False`` and must have the
shapes the ops give them, and the graph must pass ``Graph.check``.  A failure raises
:class:`StateError` naming what is wrong.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import types
import typing
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .codegen.names import identifier
from .config import ExportConfig
from .ir.graph import Graph, Node
from .ir.layout import Layout
from .ir.op import OP_REGISTRY, Op
from .types import FixedType

__all__ = ["STATE_FILE", "WEIGHTS_FILE", "StateError", "dump", "load"]

STATE_FILE = "csim/firmware_state.json"
WEIGHTS_FILE = "csim/firmware_weights.npz"
FORMAT = "fpga-export-firmware-state"
VERSION = 1
_GRAPH_ATTRIBUTES = {"name", "_nodes", "inputs", "outputs", "layouts", "fifo_depths", "batch_axes"}
_WORD = re.compile(r"^[A-Za-z0-9_]*$")


class StateError(ValueError):
    """A saved firmware state that cannot be loaded (or a firmware that cannot be saved)."""


# ---------------------------------------------------------------------------- values
def _encode(value, where: str):
    """JSON value with tags for what JSON lacks (tuples, types, layouts, paths)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, np.integer, np.floating, np.bool_)):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, FixedType):
        if FixedType.parse(str(value)) != value:  # pragma: no cover - str is exact by design
            raise StateError(f"{where}: type {value!r} does not survive its own spelling")
        return {"fixed": str(value)}
    if isinstance(value, Layout):
        return {"layout": [list(value.shape), list(value.base), list(value.perm)]}
    if isinstance(value, Path):
        return {"path": str(value)}
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise StateError(f"{where}: dict keys must be strings to be saved, got {k!r}")
        return {"dict": {k: _encode(v, f"{where}[{k!r}]") for k, v in value.items()}}
    raise StateError(
        f"{where}: a value of type {type(value).__name__} cannot be saved as data "
        "(fpga_export.state knows None, bool, int, float, str, tuple, list, dict, FixedType, "
        "Layout, Path)"
    )


def _decode(value, where: str):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_decode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict) and len(value) == 1:
        ((tag, body),) = value.items()
        if tag == "fixed" and isinstance(body, str):
            try:
                return FixedType.parse(body)
            except ValueError as exc:
                raise StateError(f"{where}: {exc}") from None
        if tag == "layout" and isinstance(body, list) and len(body) == 3:
            shape, base, perm = (_int_tuple(b, where) for b in body)
            return Layout(shape, base, perm)
        if tag == "path" and isinstance(body, str):
            return Path(body)
        if tag == "tuple" and isinstance(body, list):
            return tuple(_decode(v, f"{where}[{i}]") for i, v in enumerate(body))
        if tag == "dict" and isinstance(body, dict):
            return {k: _decode(v, f"{where}[{k!r}]") for k, v in body.items()}
    raise StateError(f"{where}: unreadable value {str(value)[:80]!r}")


def _int_tuple(value, where: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(_is_int(v) for v in value):
        raise StateError(f"{where}: expected a list of integers, got {str(value)[:80]!r}")
    return tuple(value)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _conforms(value, hint) -> bool:
    """Does ``value`` fit the (resolved) annotation ``hint``?  Unknown forms do not."""
    if hint is Any:
        return True
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_conforms(value, a) for a in args)
    if hint is type(None):
        return value is None
    if origin is None:
        if hint is float:
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if hint is int:
            return _is_int(value)
        return isinstance(hint, type) and isinstance(value, hint)
    if origin in (list, tuple, dict) and not isinstance(value, origin):
        return False
    if origin is dict:
        return not args or all(
            _conforms(k, args[0]) and _conforms(v, args[1]) for k, v in value.items()
        )
    if origin is list:
        return not args or all(_conforms(v, args[0]) for v in value)
    if origin is tuple:
        if not args:
            return True
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_conforms(v, args[0]) for v in value)
        return len(args) == len(value) and all(map(_conforms, value, args))
    return False


def _check_strings(value, where: str, word: bool = False) -> None:
    """``word``: [A-Za-z0-9_] only (op fields, type roles). Other strings (framework layer
    names, notes) may hold any character but NUL and lone surrogates: they reach generated
    files only through ``codegen.names``, which escapes everything else."""
    if isinstance(value, str):
        bad = "\0" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value)
        if bad or (word and not _WORD.match(value)):
            raise StateError(f"{where}: string {value[:80]!r} is not allowed in a saved state")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_strings(v, f"{where}[{i}]", word)
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_strings(k, f"{where} key", word)
            _check_strings(v, f"{where}[{k!r}]", word)


def _fields(cls, data, where: str, skip=()) -> dict:
    """Decode and type-check the dataclass fields of ``cls`` from ``data`` (all present)."""
    if not isinstance(data, dict):
        raise StateError(f"{where}: expected an object of fields")
    names = [f.name for f in dataclasses.fields(cls) if f.name not in skip]
    missing = [n for n in names if n not in data]
    extra = [n for n in data if n not in names and n not in skip]
    if missing or extra:
        raise StateError(
            f"{where}: fields do not match {cls.__name__} of this fpga-export "
            f"(missing: {', '.join(missing) or '-'}; unknown: {', '.join(extra) or '-'}); "
            "export the model again with this version"
        )
    hints = typing.get_type_hints(cls)
    out = {}
    for name in names:
        value = _decode(data[name], f"{where}.{name}")
        if not _conforms(value, hints[name]):
            raise StateError(f"{where}.{name}: {repr(value)[:80]} is not of the type {hints[name]}")
        out[name] = value
    return out


# ---------------------------------------------------------------------------- save
def dump(config: ExportConfig, graph: Graph, name: str) -> tuple[bytes, bytes]:
    """(JSON bytes, .npz bytes) of a firmware's state."""
    extra = set(vars(graph)) - _GRAPH_ATTRIBUTES
    if extra:
        raise StateError(
            f"Graph has attributes fpga_export.state does not save: {', '.join(sorted(extra))}"
        )
    weights, nodes = {}, []
    for i, node in enumerate(graph):
        entry = {}
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if f.name == "op":
                entry["op"] = _dump_op(value, f"node {node.name!r}")
            elif f.name == "weights":
                entry["weights"] = {}
                for j, (w, array) in enumerate(value.items()):
                    key = f"n{i}_w{j}"
                    weights[key] = np.asarray(array, dtype=np.float64)
                    entry["weights"][w] = key
            else:
                entry[f.name] = _encode(value, f"node {node.name!r}.{f.name}")
        nodes.append(entry)
    state = {
        "format": FORMAT,
        "version": VERSION,
        "name": name,
        "config": {  # output_dir is not kept: the state is the same wherever it is saved
            f.name: _encode(
                None if f.name == "output_dir" else getattr(config, f.name), f"config.{f.name}"
            )
            for f in dataclasses.fields(config)
        },
        "graph": {
            "name": graph.name,
            "inputs": list(graph.inputs),
            "outputs": list(graph.outputs),
            "layouts": {k: _encode(v, f"layout {k!r}") for k, v in graph.layouts.items()},
            "fifo_depths": {k: int(v) for k, v in graph.fifo_depths.items()},
            "batch_axes": [graph.batch_axis(i) for i in range(len(graph.inputs))],
            "nodes": nodes,
        },
    }
    buffer = io.BytesIO()
    np.savez(buffer, **weights)
    return (json.dumps(state, indent=1) + "\n").encode(), buffer.getvalue()


def _dump_op(op: Op, where: str) -> dict:
    fields = {f.name: getattr(op, f.name) for f in dataclasses.fields(op)}
    if vars(type(op)(**fields)) != vars(op):
        raise StateError(
            f"{where}: op {op.kind!r} holds state beyond its dataclass fields, which "
            "fpga_export.state cannot rebuild"
        )
    out = {
        "kind": op.kind,
        "fields": {k: _encode(v, f"{where} op.{k}") for k, v in fields.items()},
    }
    from .extend import CustomOp, class_path

    if isinstance(op, CustomOp):  # a user's op: imported again by its name when loading
        out["class"] = class_path(type(op))
    return out


# ---------------------------------------------------------------------------- load
def load(project) -> tuple[ExportConfig, Graph, str]:
    """(config, typed graph, firmware name) saved in a project folder (module docstring)."""
    project = Path(project)
    path, npz = project / STATE_FILE, project / WEIGHTS_FILE
    try:
        state = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise StateError(f"{path}: cannot read the firmware state ({exc})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise StateError(f"{path} is not an fpga-export firmware state")
    if state.get("version") != VERSION:
        raise StateError(
            f"{path}: state format version {state.get('version')!r} is not {VERSION}; "
            "export the model again with this fpga-export"
        )
    name = state.get("name")
    _check_name(name, f"{path}: firmware name")
    config = _load_config(state.get("config"), path)
    try:
        with np.load(npz, allow_pickle=False) as arrays:
            weights = {k: arrays[k] for k in arrays.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise StateError(f"{npz}: cannot read the weights ({exc})") from None
    graph = _load_graph(state.get("graph"), weights, path, project)
    return config, graph, name


def _check_name(name, where: str) -> None:
    if not isinstance(name, str) or identifier(name) != name:
        raise StateError(f"{where} {name!r} is not a C++ identifier made by fpga-export")


def _load_config(data, path: Path) -> ExportConfig:
    fields = _fields(ExportConfig, data, f"{path}: config")
    _check_strings(fields, f"{path}: config")
    try:
        return ExportConfig(**fields)
    except (ValueError, TypeError) as exc:
        raise StateError(f"{path}: config: {exc}") from None


def _load_graph(data, weights: dict, path: Path, project: Path | None = None) -> Graph:
    where = f"{path}: graph"
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        raise StateError(f"{where}: no node list")
    graph = Graph(data.get("name") if isinstance(data.get("name"), str) else "")
    _check_strings(graph.name, f"{where} name")
    for entry in data["nodes"]:
        node = _load_node(entry, weights, where, project)
        try:
            graph.add(node)
        except ValueError as exc:
            raise StateError(f"{where}: {exc}") from None
    for key in ("inputs", "outputs"):
        names = data.get(key)
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise StateError(f"{where}: {key} must be a list of node names")
        setattr(graph, key, names)
    layouts = data.get("layouts")
    if not isinstance(layouts, dict):
        raise StateError(f"{where}: layouts must be an object")
    for k, v in layouts.items():
        layout = _decode(v, f"{where} layout {k!r}")
        if not isinstance(layout, Layout):
            raise StateError(f"{where}: layout {k!r} is not a layout")
        graph.layouts[k] = layout
    depths = data.get("fifo_depths", {})
    if not isinstance(depths, dict) or not all(
        isinstance(k, str) and identifier(k) == k and _is_int(v) and v >= 1
        for k, v in depths.items()
    ):
        raise StateError(f"{where}: fifo_depths must map stream names to depths >= 1")
    graph.fifo_depths = dict(depths)
    axes = data.get("batch_axes", [])  # states saved before batch_axes: all batch first
    if (
        not isinstance(axes, list)
        or not all(_is_int(a) and a in (0, 1) for a in axes)
        or (axes and len(axes) != len(graph.inputs))
    ):
        raise StateError(f"{where}: batch_axes must be a list of 0 or 1, one per input")
    graph.batch_axes = list(axes)
    problems = graph.lint()
    if problems:
        raise StateError(f"{where} is invalid: {'; '.join(problems)}")
    _check_consistent(graph, where)
    return graph


def _check_consistent(graph: Graph, where: str) -> None:
    """Shapes as the ops infer them, and weights the numpy reference can run with."""
    from .ir.interpreter import Interpreter

    saved = {n.name: n.shape for n in graph}
    try:
        for node in graph:
            shape = tuple(
                int(d) for d in node.op.output_shape(node, [graph[i].shape for i in node.inputs])
            )
            if shape != saved[node.name]:
                raise ValueError(f"{node.name}: shape {saved[node.name]} is not the op's {shape}")
            node.op.check(node, graph)
            if "result" not in node.types:
                raise ValueError(f"{node.name}: no result type")
        zeros = [np.zeros((1, *graph[i].shape)) for i in graph.inputs]
        Interpreter(graph).run(zeros)
    except Exception as exc:  # any inconsistency the ops or numpy find
        raise StateError(f"{where} is inconsistent: {type(exc).__name__}: {exc}") from None


def _is_custom(cls) -> bool:
    from .extend import CustomOp

    return issubclass(cls, CustomOp)


def _custom_op(kind: str, path, registered, label: str, project: Path | None):
    """The class of a custom op saved as ``path`` (``fpga_export.extend``): the registered
    one if it is that class, else imported by its name (never from the project folder)."""
    from .extend import class_path, import_op

    if not isinstance(path, str):
        raise StateError(f"{label}: custom op {kind!r}: class {str(path)[:80]!r} is not a name")
    if registered is not None and class_path(registered) == path:
        return registered
    if registered is not None and not _is_custom(registered):
        raise StateError(f"{label}: op {kind!r} is built in, not a custom op of {path[:80]!r}")
    try:
        return import_op(path, kind, project)
    except (ValueError, TypeError) as exc:
        raise StateError(f"{label}: {exc}") from None


def _load_node(entry, weights: dict, where: str, project: Path | None = None) -> Node:
    if not isinstance(entry, dict):
        raise StateError(f"{where}: a node is not an object")
    label = f"{where} node {str(entry.get('name'))[:40]!r}"
    fields = _fields(Node, entry, label, skip=("op", "weights"))
    _check_name(fields["name"], f"{label}: name")
    _check_strings(fields, label)
    for role in (*fields["types"], *fields["precision"], *fields["given"], *fields["floor"]):
        _check_strings(role, f"{label}: type role", word=True)
    op = _load_op(entry.get("op"), label, project)
    refs = entry.get("weights")
    if not isinstance(refs, dict) or set(refs) != set(op.weight_roles):
        raise StateError(
            f"{label}: weights {sorted(refs) if isinstance(refs, dict) else refs!r} are not the "
            f"weights of a {op.kind} op ({', '.join(op.weight_roles) or 'none'})"
        )
    node_weights = {}
    for w, key in refs.items():
        array = weights.get(key) if isinstance(key, str) else None
        if array is None or array.dtype != np.float64:
            raise StateError(
                f"{label}: weight {w!r} is missing from the weights file or not float64"
            )
        node_weights[w] = array
    return Node(op=op, weights=node_weights, **fields)


def _load_op(data, label: str, project: Path | None = None) -> Op:
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        raise StateError(f"{label}: no op kind")
    cls = OP_REGISTRY.get(data["kind"])
    if "class" in data:
        cls = _custom_op(data["kind"], data["class"], cls, label, project)
    elif cls is None or _is_custom(cls):
        raise StateError(f"{label}: unknown op kind {data['kind']!r}")
    fields = _fields(cls, data.get("fields"), f"{label} op {cls.kind}")
    _check_strings(fields, f"{label} op {cls.kind}", word=True)
    try:
        return cls(**fields)
    except (ValueError, TypeError) as exc:
        raise StateError(f"{label}: op {cls.kind}: {exc}") from None

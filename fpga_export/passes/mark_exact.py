"""Decide per node whether csim reproduces the framework's output bit for bit (DESIGN §4).

Meaningful for models whose frontend read the framework's quantizers (nodes with
``node.given`` types: QKeras, Brevitas); a float model is approximated by design and is
left unmarked (``node.exact is None``). A node is exact when its inputs are exact and

* its op computes exactly (``Op.exact_spans`` is not None: no lookup table; otherwise the
  op's ``approximation(node, graph)``, where it has one, says why and bounds the error),
* each weight is a value of its role's type,
* each internal role (``accum`` ...) holds every intermediate value exactly, and
* its ``result`` holds the exact output, or is the framework's own quantizer
  (``node.given["result"]``): then both round and saturate the same exact value alike.

An Input is exact when its type is the framework's own input quantizer. ``node.notes`` says
why a node is not exact. A node the frontend quantized that is not exact for a reason of its
own (e.g. a non-power-of-two scale) gets a warning with the worst-case error where the op can
bound it (``Op.weight_error``), unless the user set types for that node.

The framework computes in float32, which holds values of up to 24 significant bits exactly:
a node whose intermediate values (the ``"float32"`` span of ``Op.exact_spans``: products and
partial sums) need more is not exact either (the framework itself rounds them).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..ir.graph import Graph, Node

FLOAT32_BITS = 24


class ExactnessWarning(UserWarning):
    """A quantized layer cannot be reproduced exactly; the message bounds the error."""


def mark_exact(graph: Graph, config=None) -> Graph:
    if not any(n.given for n in graph):
        for node in graph:
            node.exact, node.notes = None, []
        return graph
    for node in graph:
        node.notes = []
        own = _own_problems(node, graph)
        node.notes.extend(text for text, _ in own)
        upstream = [i for i in node.inputs if not graph[i].exact]
        if upstream:
            node.notes.append(f"input {', '.join(upstream)} is not exact")
        node.exact = not own and not upstream
        # warn about the framework's quantizers we cannot follow, not about float layers
        # (no given type) or types the user chose
        lossy = [text for text, role in own if role in node.given and role not in node.precision]
        if lossy:
            warnings.warn(
                f"node {node.name!r} ({node.source or node.op.kind}) is not exact: "
                + "; ".join(lossy),
                ExactnessWarning,
                stacklevel=2,
            )
    return graph


def _own_problems(node: Node, graph: Graph) -> list[tuple[str, str]]:
    """(why not exact, the type role concerned) for this node alone."""
    spans = node.op.exact_spans(node, graph)
    if spans is None:
        text = node.op.approximation(node, graph)
        if text is None:
            what = f"{node.op.kind} {getattr(node.op, 'function', '')}".strip()
            text = f"{what} is approximated (lookup tables or a rounded constant)"
        if "result" in node.hints:
            text += f"; {node.hints['result']}"
        return [(text, "result")]
    problems = []
    error = getattr(node.op, "weight_error", None)
    for w, role in node.op.weight_roles.items():
        t = node.types[role]
        value = np.asarray(node.weights[w], dtype=np.float64)
        if not np.array_equal(t.quantize(value), value):
            hint = f" ({node.hints[role]})" if role in node.hints else ""
            problems.append((f"{w} values are not all values of {t}{hint}", role))
    if problems and error is not None:
        text, role = problems[-1]
        problems[-1] = (f"{text} (worst-case output error {error(node, graph):.3g})", role)
    for role, span in spans.items():
        if role == "float32":
            bits = span.type().width
            if bits > FLOAT32_BITS:
                problems.append(
                    (
                        f"the framework computes it in float32, which rounds values of more than "
                        f"{FLOAT32_BITS} significant bits; its exact values need {bits}",
                        "float32",
                    )
                )
        elif role != "result" and not span.fits(node.types[role]):
            problems.append((f"{role} {node.types[role]} cannot hold {span}", role))
    result = node.types["result"]
    given = node.given.get("result")
    if given is not None and given != "auto" and str(given) == str(result):
        return problems  # the framework's own quantization of the same exact value
    if "result" not in spans:
        problems.append(
            (
                f"the framework's input is float; csim converts it to {result} (exact only for "
                "data already on that grid)",
                "result",
            )
        )
    elif not spans["result"].fits(result):
        problems.append((f"result {result} cannot hold {spans['result']}", "result"))
    return problems

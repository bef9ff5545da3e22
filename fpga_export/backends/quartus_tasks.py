"""The quartus io_stream component as a system of tasks (Intel HLS Compiler Pro Edition Reference
Manual, "RM": "Systems of Tasks", "Task Functions", "Systems of Tasks API").

Within a component, directly-called functions are in-lined and run one after the other; a
function started with ``ihc::launch<f>()`` is a task: hardware of its own, running
asynchronously, until ``ihc::collect<f>()`` waits for it. Tasks exchange data through
``ihc::stream`` objects, and take no pointer or reference arguments, so:

- every stream of the design is an ``ihc::stream<T, ihc::buffer<N>>`` at namespace scope,
- every layer (and every fan-out copy, ``nnet::clone_stream``) is a task ``void <layer>_task()``
  calling the unchanged layer function on those streams and the weights,
- the component ``<name>`` launches every task, copies its ``ihc::stream_in`` ports' packets
  into the inputs' streams, copies the outputs' streams to its ``ihc::stream_out`` ports
  (blocking reads, before the collects) and collects every task.

The layers overlap, so a stream holds a FIFO's worth, not a tensor: N is the depth the Vitis
io_stream top gives its ``hls::stream`` (``codegen.fifo``, ``VitisBackend.fifo_depths``). The
component copies its ports one after the other, so the streams it fills or drains before the
last one hold a whole tensor: every input's but the last (a layer reading two inputs waits
for the second while the first is copied), and every output's (the component reads them only
once every input is written). The layer functions take ``nnet::stream<T>``, whose depth is
part of its type (``nnet::stream_buffer<T>``, defines.h), so the streams of one packet type
share the largest of their depths.

The csim (g++, compat ``HLS/hls.h``) runs the tasks on the calling thread: ``ihc::launch``
records the task, a read from an empty stream runs the launched tasks in launch order
(topological) until data arrives, ``ihc::collect`` runs the task if it has not run. The csim
library runs samples on several threads: ``FE_CSIM_THREAD_LOCAL`` (nnet/common.h) gives each
its own streams there, and is empty elsewhere.
"""

from __future__ import annotations

from ..codegen.context import EmitContext
from ..codegen.fifo import DEFAULT_DEPTH
from ..ir.graph import Graph, Node
from .vitis import _origin


def streams(graph: Graph, ctx: EmitContext) -> list[tuple[str, Node]]:
    """Every stream of the component (variable, the node whose packets it carries), in the
    order the layers write them."""
    out = []
    for node in graph:
        out.append((ctx.out_var(node), node))
        if ctx.fans_out(node):
            out += [(c, node) for c in ctx.fan_out_vars(node)]
    return out


def depths(backend, graph: Graph, ctx: EmitContext) -> dict[str, int]:
    """FIFO depth of every stream by variable (module docstring): the Vitis top's depths
    between layers; whole tensors for the inputs copied before the last and the outputs."""
    out = backend.fifo_depths(graph, ctx)
    for k, name in enumerate(graph.inputs):
        last = k == len(graph.inputs) - 1
        out[ctx.var(name)] = max(DEFAULT_DEPTH, 0 if last else ctx.packets(graph[name]))
    for name in graph.outputs:
        out[ctx.var(name)] = max(DEFAULT_DEPTH, ctx.packets(graph[name]))
    return out


def capacities(backend, graph: Graph, ctx: EmitContext):
    """(stream variable -> (its packet typedef, its ihc::buffer capacity), [(a typedef, its
    capacity) per C++ packet type]): a stream's capacity is the largest depth among the
    streams of its C++ packet type (module docstring)."""
    depth = depths(backend, graph, ctx)
    pairs = streams(graph, ctx)
    groups: dict[tuple[str, int], tuple[str, int]] = {}  # C++ type -> (first typedef, words)
    for var, node in pairs:
        key = (backend.spell(node.result), ctx.packet(node))
        typedef, words = groups.get(key, (ctx.packet_name(node), 0))
        groups[key] = (typedef, max(words, depth.get(var, DEFAULT_DEPTH)))
    per_var = {
        var: (ctx.packet_name(node), groups[(backend.spell(node.result), ctx.packet(node))][1])
        for var, node in pairs
    }
    return per_var, list(groups.values())


def task_names(graph: Graph, ctx: EmitContext, taken: set[str]) -> dict[str, str]:
    """Task function name by task key (a node's name; ``<node>/clone`` for its fan-out copy):
    ``<node>_task``, ``<node>_clone_task``, made unique among themselves and ``taken``."""
    keys = []
    for node in graph:
        if node.name not in graph.inputs:
            keys.append((node.name, f"{node.name}_task"))
        if ctx.fans_out(node):
            keys.append((f"{node.name}/clone", f"{node.name}_clone_task"))
    used = set(taken)
    out = {}
    for key, name in keys:
        base, k = name, 1
        while name in used:
            k += 1
            name = f"{base}_{k}"
        used.add(name)
        out[key] = name
    return out


def component(backend, graph: Graph, name: str, ctx: EmitContext, ins, outs, emissions) -> str:
    """The io_stream top: the streams, the tasks and the component (module docstring)."""
    capacity, _ = capacities(backend, graph, ctx)
    taken = ctx.global_names(graph) | set(capacity) | {name} | {f"{p.var}_port" for p in ins + outs}
    tasks = task_names(graph, ctx, taken)
    lines = [
        "// The streams between the tasks, at namespace scope: task functions take no pointer or",
        '// reference arguments (RM "Task Functions"). ihc::buffer: the FIFO depth of the stream',
        "// (codegen.fifo), the largest of its packet type (nnet::stream_buffer, defines.h); a",
        "// whole tensor for the inputs copied before the last one and for the outputs",
    ]
    for var, (packet, n) in capacity.items():
        lines.append(f"FE_CSIM_THREAD_LOCAL ihc::stream<{packet}, ihc::buffer<{n}> > {var};")
    lines += [
        "",
        '// The tasks (RM "Systems of Tasks"): one per layer and per fan-out copy, each running',
        "// concurrently with the others from its launch by the component to its collect",
    ]
    inputs_traced = []
    for index, node in enumerate(graph):
        trace = backend.trace(index, node, ctx)
        call = emissions[node.name].call.strip()
        if node.name in graph.inputs:
            inputs_traced.append(trace)
        else:
            lines += ["", f"// {node.name}: {_origin(node)}", f"void {tasks[node.name]}() {{"]
            lines += ["    " + c for c in call.splitlines()]
            lines += [f"    {trace}", "}"]
        if ctx.fans_out(node):
            params = f"{ctx.packet_name(node)}, {ctx.packets(node)}"
            copies = ", ".join(ctx.fan_out_vars(node))
            lines += [
                "",
                f"// {node.name}: a copy of its packets for every reader",
                f"void {tasks[node.name + '/clone']}() {{",
                f"    nnet::clone_stream<{params}>({ctx.out_var(node)}, {copies});",
                "}",
            ]
    body = [
        '// RM "Systems of Tasks API": ihc::launch starts each task asynchronously',
        *[f"ihc::launch<{t}>();" for t in tasks.values()],
        "// the input ports' packets into the inputs' streams, one input after the other",
        *[
            f"nnet::port_to_stream<{p.dtype}, {ctx.packets(p.node)}>({p.var}_port, {p.var});"
            for p in ins
        ],
        *inputs_traced,
        "// the outputs' packets to the output ports, before the collects: a task never waits",
        "// on a full stream the component does not read",
        *[
            f"nnet::stream_to_port<{p.dtype}, {ctx.packets(p.node)}>({p.var}, {p.var}_port);"
            for p in outs
        ],
        "// ihc::collect waits for each task to finish",
        *[f"ihc::collect<{t}>();" for t in tasks.values()],
    ]
    lines += ["", backend.signature(name, ctx, ins, outs) + " {", *["    " + b for b in body], "}"]
    return "\n".join(lines) + "\n"

"""The IR ops of examples/custom_layer.py: importable without Keras or PyTorch, so a saved
firmware using them loads in any process (``Firmware.load`` imports this module by name).

- ``Passthrough``: the identity, ``y = R(x)`` (the smallest custom op there is);
- ``ClipScale``: ``y = R(clip(a * x, lo, hi))`` with ``a, lo, hi`` the weight ``param``
  (role ``param``): the product is exact (full precision), the clip compares exactly, and
  one conversion into the result type R rounds and saturates with R's own modes.

Their C++ is in ``custom_cpp/passthrough.h`` and ``custom_cpp/clip_scale.h``.
"""

from __future__ import annotations

from fpga_export import extend


class Passthrough(extend.CustomOp):
    """y = x, converted into the result type."""

    kind = "passthrough"
    header = "custom_cpp/passthrough.h"
    elementwise = True

    def run(self, node, inputs):
        (x,) = inputs
        return extend.convert(x, node.result)

    def exact_spans(self, node, graph):
        return {"result": extend.input_span(graph, node)}


class ClipScale(extend.CustomOp):
    """y = clip(a * x, lo, hi), param = [a, lo, hi] (lo < hi)."""

    kind = "clip_scale"
    header = "custom_cpp/clip_scale.h"
    elementwise = True
    roles = ("result", "param")
    weight_roles = {"param": "param"}

    def run(self, node, inputs):
        (x,) = inputs
        p = self.weight(node, "param")  # [a, lo, hi] in the param type
        a, lo, hi = (extend.Tensor(p.raw[i : i + 1], p.type) for i in range(3))
        return extend.convert(extend.clip(extend.mul(x, a), lo, hi), node.result)

    def exact_spans(self, node, graph):
        t = node.types["param"]
        a, lo, hi = (extend.const_span(v, t) for v in node.weights["param"])
        product = extend.input_span(graph, node) * a
        return {"result": product.clip(lo, hi), "float32": product}

"""A small exact (Fraction-based) model of the ap types, used to generate extra records in
the conformance-vector format for cases the vectors do not sample: integer bits far outside
[-4, W+4], operand pairs whose aligned comparison needs more than 128 bits, ap_int operands,
and division (our documented rule).  The rules are those of shared/conformance/README.md.
"""

from __future__ import annotations

import math
import random
import struct
from dataclasses import dataclass
from fractions import Fraction

Q_MODES = ("AP_RND", "AP_RND_ZERO", "AP_RND_MIN_INF", "AP_RND_INF", "AP_RND_CONV", "AP_TRN")
Q_MODES += ("AP_TRN_ZERO",)
O_MODES = ("AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM", "AP_WRAP")


@dataclass(frozen=True)
class Ty:
    W: int
    I: int  # noqa: E741
    S: bool
    Q: str = "AP_TRN"
    O: str = "AP_WRAP"  # noqa: E741
    kind: str = "fixed"  # "fixed" (ap_fixed/ap_ufixed), "base" (ap_fixed_base), "int"

    @property
    def F(self) -> int:  # noqa: N802
        return self.W - self.I

    def spell(self) -> str:
        if self.kind == "int":
            return f"{'ap_int' if self.S else 'ap_uint'}<{self.W}>"
        if self.kind == "base":
            s = "true" if self.S else "false"
            return f"ap_fixed_base<{self.W},{self.I},{s},{self.Q},{self.O}>"
        return f"{'ap_fixed' if self.S else 'ap_ufixed'}<{self.W},{self.I},{self.Q},{self.O}>"

    def lo(self) -> int:
        return -(1 << (self.W - 1)) if self.S else 0

    def hi(self) -> int:
        return (1 << (self.W - 1)) - 1 if self.S else (1 << self.W) - 1

    def value(self, raw: int) -> Fraction:
        return Fraction(raw) * Fraction(2) ** (-self.F)

    def bits(self, raw: int) -> str:
        return f"0x{raw & ((1 << self.W) - 1):0{(self.W + 3) // 4}x}"

    def wrap(self, n: int) -> int:
        n &= (1 << self.W) - 1
        return n - (1 << self.W) if self.S and n >> (self.W - 1) else n


def _round(s: Fraction, q: str) -> int:
    fl = math.floor(s)
    fr = s - fl
    if q == "AP_TRN":
        return fl
    if q == "AP_TRN_ZERO":
        return fl if s >= 0 else math.ceil(s)
    if fr != Fraction(1, 2):
        return fl + (fr > Fraction(1, 2))
    return {
        "AP_RND": fl + 1,
        "AP_RND_ZERO": fl if s > 0 else fl + 1,
        "AP_RND_MIN_INF": fl,
        "AP_RND_INF": fl + 1 if s > 0 else fl,
        "AP_RND_CONV": fl + (fl & 1),
    }[q]


def quantize(t: Ty, x: Fraction) -> int:
    """Raw value of ``x`` converted to fixed type ``t`` (its Q, then its O)."""
    q = _round(x * Fraction(2) ** t.F, t.Q)
    lo, hi = t.lo(), t.hi()
    sym = t.O == "AP_SAT_SYM" and t.S and t.W > 1  # README quirk 7: W == 1 is plain SAT
    if lo <= q <= hi:
        return -hi if sym and q == lo else q
    if t.O == "AP_WRAP":
        return t.wrap(q)
    if t.O == "AP_SAT_ZERO":
        return 0
    if q > hi:
        return hi
    return -hi if sym else lo


def to_integer(src: Ty, x: Fraction, dst: Ty) -> int:
    """ap_fixed -> ap_int / to_int(): truncate toward 0 (floor for I == 0: quirk 6), wrap."""
    n = math.floor(x) if (src.kind != "int" and src.I == 0) else math.trunc(x)
    return dst.wrap(n)


def double_to_int(x: float, dst: Ty) -> int:
    if -0.5 < x < 0:
        return dst.wrap(1)  # README quirk 5
    return dst.wrap(math.trunc(Fraction(x)))


def convert(src: Ty | None, x: Fraction, dst: Ty, from_double: float | None = None) -> int:
    if dst.kind == "int":
        if src is None:
            return double_to_int(from_double, dst)
        return to_integer(src, x, dst)
    return quantize(dst, x)


def _plain(W: int, I: int, S: bool, as_int: bool) -> Ty:  # noqa: N803, E741
    return Ty(W, W, S, kind="int") if as_int else Ty(W, I, S)


def result_type(op: str, a: Ty, b: Ty) -> Ty:
    as_int = a.kind == "int" and b.kind == "int"
    s = a.S or b.S
    if op in ("add", "sub"):
        i = max(a.I + (b.S and not a.S), b.I + (a.S and not b.S)) + 1
        f = max(a.F, b.F)
        return _plain(i + f, i, s or op == "sub", as_int)
    if op == "mul":
        return _plain(a.W + b.W, a.I + b.I, s, as_int)
    if op == "div":
        return _plain(a.W + max(b.F, 0) + b.S, a.I + b.F + b.S, s, as_int)
    raise ValueError(op)


def binop_raw(op: str, a: Ty, ra: int, b: Ty, rb: int, r: Ty) -> int:
    x, y = a.value(ra), b.value(rb)
    if op == "div":
        n = ra << max(b.F, 0)
        q = abs(n) // abs(rb)
        return q if (n < 0) == (rb < 0) else -q
    v = {"add": x + y, "sub": x - y, "mul": x * y}[op]
    raw = v * Fraction(2) ** r.F
    assert raw.denominator == 1
    return int(raw)


def cmp_quirk(a: Ty, b: Ty) -> bool:
    """README quirk 4: does a negative signed operand compare greater than the unsigned one?"""
    if a.S == b.S:
        return False
    wa = a.W + (b.F - a.F + 1 if a.F < b.F else 0)
    wb = b.W + (a.F - b.F if b.F < a.F else 0)
    return not (max(wa, wb) < 32 or (wa > wb if a.S else wb > wa))


def compare(a: Ty, ra: int, b: Ty, rb: int) -> dict:
    x, y = a.value(ra), b.value(rb)
    c = (x > y) - (x < y)
    res = {"eq": c == 0, "ne": c != 0}
    if cmp_quirk(a, b):
        if a.S and ra < 0:
            c = 1
        elif b.S and rb < 0:
            c = -1
    res.update(lt=c < 0, le=c <= 0, gt=c > 0, ge=c >= 0)
    return res


def shift(op: str, a: Ty, ra: int, k: int) -> int:
    return a.wrap(ra << k) if op == "shl" else a.wrap(ra >> k)


def dbits(x: float) -> str:
    return f"0x{struct.unpack('<Q', struct.pack('<d', x))[0]:016x}"


# ---------------------------------------------------------------------------- generation
class Gen:
    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def ty(self, max_w: int = 64, int_p: float = 0.15, i_spread: int = 70) -> Ty:
        r = self.r
        w = r.choice([r.randint(1, 8), r.randint(1, 32), r.randint(1, min(max_w, 64))])
        if max_w > 64 and r.random() < 0.2:
            w = r.randint(65, max_w)
        s = r.random() < 0.6
        if r.random() < int_p:
            return Ty(w, w, s, kind="int")
        i = r.choice([r.randint(-4, w + 4), r.randint(-i_spread, w + i_spread), 0, w])
        return Ty(w, i, s, r.choice(Q_MODES), r.choice(O_MODES))

    def raw(self, t: Ty) -> int:
        r = self.r
        return r.choice([t.lo(), t.hi(), 0, r.randint(t.lo(), t.hi()), r.randint(-3, 3)])

    def raw_in(self, t: Ty) -> int:
        return max(t.lo(), min(t.hi(), self.raw(t)))

    def double(self, t: Ty) -> float:
        r = self.r
        lsb = 2.0**-t.F
        choices = [
            r.uniform(-1, 1) * 2.0 ** r.randint(-80, 80),
            (r.randint(-(1 << 20), 1 << 20) + 0.5) * lsb,
            float(t.hi()) * lsb * r.choice([1, 1.0000001, 2, -1, -2]),
            r.choice([0.0, -0.0, 5e-324, -5e-324, 1.7976931348623157e308, -1e-30, -0.3]),
        ]
        x = r.choice(choices)
        return x if math.isfinite(x) else 0.0

    # records in the vectors' format ----------------------------------------------------
    def cast_record(self) -> dict:
        dst = self.ty()
        if self.r.random() < 0.4:
            x = self.double(dst)
            y = convert(None, Fraction(x), dst, from_double=x)
            return {
                "op": "cast", "from": "double", "to": dst.spell(), "x": repr(x),
                "x_bits": dbits(x), "y": "", "y_bits": dst.bits(y),
            }  # fmt: skip
        src = self.ty(max_w=128)
        if dst.kind == "int" and src.kind != "int" and src.I < 0:
            src = Ty(src.W, 0, src.S, src.Q, src.O)  # no ground truth for I < 0 (README)
        rs = self.raw_in(src)
        y = convert(src, src.value(rs), dst)
        return {
            "op": "cast", "from": src.spell(), "to": dst.spell(), "x": "",
            "x_bits": src.bits(rs), "y": "", "y_bits": dst.bits(y),
        }  # fmt: skip

    def binop_record(self, op: str) -> dict | None:
        a, b = self.ty(), self.ty()
        rt = result_type(op, a, b)
        if rt.W > 128 or rt.W < 1:
            return None
        ra, rb = self.raw_in(a), self.raw_in(b)
        if op == "div" and rb == 0:
            rb = 1 if b.hi() >= 1 else -1
        res = binop_raw(op, a, ra, b, rb, rt)
        to = self.ty()
        if to.kind == "int" and rt.kind != "int" and rt.I < 0:
            to = Ty(to.W, 0, to.S)  # fixed -> ap_int of an I < 0 value: no ground truth
        y = convert(rt, rt.value(res), to)
        return {
            "op": op, "a_type": a.spell(), "a_bits": a.bits(ra), "b_type": b.spell(),
            "b_bits": b.bits(rb), "result_type": rt.spell(), "result_bits": rt.bits(res),
            "to": to.spell(), "y_bits": to.bits(y),
        }  # fmt: skip

    def assign_record(self, op: str) -> dict | None:
        a, b = self.ty(), self.ty()
        base = op.removesuffix("_assign")
        rt = result_type(base, a, b)
        if rt.W > 128:
            return None
        ra, rb = self.raw_in(a), self.raw_in(b)
        res = binop_raw(base, a, ra, b, rb, rt)
        if a.kind == "int" and rt.kind != "int" and rt.I < 0:
            return None
        y = convert(rt, rt.value(res), a)
        return {
            "op": op, "a_type": a.spell(), "a_bits": a.bits(ra), "b_type": b.spell(),
            "b_bits": b.bits(rb), "result_type": a.spell(), "result_bits": a.bits(y),
        }  # fmt: skip

    def cmp_record(self) -> dict:
        a, b = self.ty(), self.ty()
        ra, rb = self.raw_in(a), self.raw_in(b)
        return {
            "op": "cmp", "a_type": a.spell(), "a_bits": a.bits(ra), "b_type": b.spell(),
            "b_bits": b.bits(rb), **compare(a, ra, b, rb),
        }  # fmt: skip

    def unary_record(self, op: str) -> dict | None:
        a = self.ty(max_w=127)
        if op in ("to_int", "to_int64") and a.kind != "int" and a.I < 0:
            return None
        ra = self.raw_in(a)
        rec = {"op": op, "a_type": a.spell(), "a_bits": a.bits(ra)}
        if op == "neg":
            rt = Ty(a.W + 1, a.I + 1, True, kind="int" if a.kind == "int" else "base")
            rec.update(result_type=rt.spell(), result_bits=rt.bits(-ra))
        elif op in ("shl", "shr"):
            k = self.r.randint(0, a.W + 2)
            rt = a if a.kind == "int" else Ty(a.W, a.I, a.S, a.Q, a.O, kind="base")
            rec.update(k=k, result_type=rt.spell(), result_bits=a.bits(shift(op, a, ra, k)))
        elif op in ("to_int", "to_int64"):
            n = 32 if op == "to_int" else 64
            rec["result"] = str(to_integer(a, a.value(ra), Ty(n, n, True, kind="int")))
        elif op == "to_double":
            rec["result_bits"] = dbits(float(a.value(ra)))
        return rec

    def records(self, n: int) -> list[dict]:
        ops = ["cast", "add", "sub", "mul", "div", "cmp", "neg", "shl", "shr", "to_int"]
        ops += ["to_int64", "to_double", "add_assign", "sub_assign", "mul_assign"]
        out: list[dict] = []
        while len(out) < n:
            op = self.r.choice(ops)
            if op == "cast":
                rec = self.cast_record()
            elif op in ("add", "sub", "mul", "div"):
                rec = self.binop_record(op)
            elif op.endswith("_assign"):
                rec = self.assign_record(op)
            elif op == "cmp":
                rec = self.cmp_record()
            else:
                rec = self.unary_record(op)
            if rec is not None:
                out.append(rec)
        return out

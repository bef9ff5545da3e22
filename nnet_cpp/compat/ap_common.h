// fpga-export compat headers: shared core of ap_int.h / ap_fixed.h (and of ac_int.h /
// ac_fixed.h, which map their modes onto the ap ones; see ac_int.h).
//
// Our own implementation of the AMD/Xilinx HLS arbitrary-precision types for C simulation
// (csim) with g++, written from the semantics in shared/conformance/README.md.  Values are
// held in native integers: the smallest of int8/16/32/64/__int128 (or the unsigned
// counterpart) that holds W bits, always normalised (sign- or zero-extended from bit W-1),
// so a conversion between two known types compiles to a few shift/compare instructions.
//
// Limits (checked with static_assert): 1 <= W <= 128, saturation bits N == 0, no AP_WRAP_SM.
//
// This file holds the mode enums, the integer helpers (rounding shifts, overflow handling,
// double decomposition) and the bit/range proxies.  Users include "ap_int.h"/"ap_fixed.h".
#ifndef FPGA_EXPORT_COMPAT_AP_COMMON_H
#define FPGA_EXPORT_COMPAT_AP_COMMON_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

#if __cplusplus < 201703L
#error "fpga-export compat ap_int.h/ap_fixed.h need C++17 (-std=c++17 or later)"
#endif

// Enumerator names and order as in the vendor headers.
enum ap_q_mode {
  AP_RND,
  AP_RND_ZERO,
  AP_RND_MIN_INF,
  AP_RND_INF,
  AP_RND_CONV,
  AP_TRN,
  AP_TRN_ZERO
};
enum ap_o_mode { AP_SAT, AP_SAT_ZERO, AP_SAT_SYM, AP_WRAP, AP_WRAP_SM };

typedef long long ap_slong;
typedef unsigned long long ap_ulong;

template <int W, bool S>
struct ap_int_base;
template <int W, int I, bool S = true, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
struct ap_fixed_base;

// AP_COMPAT_INLINE: core helpers, forced inline when optimising.  AP_COMPAT_TINY: one-line
// accessors, always inlined (also at -O0, where it saves emitting many trivial functions).
#ifndef AP_COMPAT_INLINE
#if defined(__OPTIMIZE__)
#define AP_COMPAT_INLINE inline __attribute__((always_inline))
#else
#define AP_COMPAT_INLINE inline
#endif
#endif
#ifndef AP_COMPAT_TINY
#define AP_COMPAT_TINY __attribute__((always_inline))
#endif

namespace ap_detail {

// Rounding "ties to odd" (ac's AC_RND_CONV_ODD) for the helpers below: a value of ap_q_mode's
// range (0..7) that names no ap enumerator, so ap code can never select it.
constexpr ap_q_mode q_rnd_conv_odd = static_cast<ap_q_mode>(7);

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

// ------------------------------------------------------------------ native integer types
constexpr int size_class(int bits) {
  return bits <= 8 ? 0 : bits <= 16 ? 1 : bits <= 32 ? 2 : bits <= 64 ? 3 : 4;
}
template <int C>
struct int_class;
template <>
struct int_class<0> {
  typedef int8_t s;
  typedef uint8_t u;
};
template <>
struct int_class<1> {
  typedef int16_t s;
  typedef uint16_t u;
};
template <>
struct int_class<2> {
  typedef int32_t s;
  typedef uint32_t u;
};
template <>
struct int_class<3> {
  typedef int64_t s;
  typedef uint64_t u;
};
template <>
struct int_class<4> {
  typedef i128 s;
  typedef u128 u;
};

// Out-of-range widths map to a valid type so that only the readable static_assert fires.
constexpr int clampw(int w) { return w < 1 ? 1 : (w > 128 ? 128 : w); }
template <int B>
using sint_t = typename int_class<size_class(clampw(B))>::s;
template <int B>
using uint_t = typename int_class<size_class(clampw(B))>::u;
// Storage of a W-bit type.
template <int W, bool S>
using raw_t = typename std::conditional<S, sint_t<W>, uint_t<W>>::type;
// Work types: at least 32 bits (no surprises from integer promotion).
template <int B>
using wsint_t = sint_t<(B < 32 ? 32 : B)>;
template <int B>
using wuint_t = uint_t<(B < 32 ? 32 : B)>;
template <int B, bool S>
using wraw_t = typename std::conditional<S, wsint_t<B>, wuint_t<B>>::type;

template <class T>
struct num;
#define AP_DETAIL_NUM(T, BITS, SGN, UT, ST) \
  template <>                               \
  struct num<T> {                           \
    static constexpr int bits = BITS;       \
    static constexpr bool sgn = SGN;        \
    typedef UT U;                           \
    typedef ST S;                           \
  };
AP_DETAIL_NUM(int8_t, 8, true, uint8_t, int8_t)
AP_DETAIL_NUM(uint8_t, 8, false, uint8_t, int8_t)
AP_DETAIL_NUM(int16_t, 16, true, uint16_t, int16_t)
AP_DETAIL_NUM(uint16_t, 16, false, uint16_t, int16_t)
AP_DETAIL_NUM(int32_t, 32, true, uint32_t, int32_t)
AP_DETAIL_NUM(uint32_t, 32, false, uint32_t, int32_t)
AP_DETAIL_NUM(int64_t, 64, true, uint64_t, int64_t)
AP_DETAIL_NUM(uint64_t, 64, false, uint64_t, int64_t)
AP_DETAIL_NUM(i128, 128, true, u128, i128)
AP_DETAIL_NUM(u128, 128, false, u128, i128)
#undef AP_DETAIL_NUM

constexpr int imax(int a, int b) { return a > b ? a : b; }
constexpr int imin(int a, int b) { return a < b ? a : b; }

// C integer types used with ap types behave as ap_int<bits>/ap_uint<bits> (bool: ap_uint<1>;
// unscoped enums: their underlying type).
template <class T, class = void>
struct cint {
  static constexpr bool value = false;
};
template <class T>
struct cint<T, typename std::enable_if<std::is_integral<T>::value>::type> {
  static constexpr bool value = true;
  static constexpr int W = std::is_same<T, bool>::value ? 1 : int(sizeof(T) * 8);
  static constexpr bool S = std::is_signed<T>::value;
};
template <class T>
struct cint<T, typename std::enable_if<std::is_enum<T>::value>::type>
    : cint<typename std::underlying_type<T>::type> {};

template <class T>
AP_COMPAT_TINY constexpr bool isneg(T v) {
  if constexpr (num<T>::sgn) return v < 0;
  else return false;
}

// Operand traits of the binary operators (fx_ops.h): library types (specialised in
// ap_fixed.h and ac_fixed.h; lib = true, fam = FAM_AP or FAM_AC) and C integers, which behave
// as ap_int<bits> / ap_uint<bits> (ac_int<bits, signed> with ac types).
enum family { FAM_C = 0, FAM_AP = 1, FAM_AC = 2 };
template <class T, class = void>
struct tr {
  static constexpr bool lib = false, any = false, isint = false, S = false;
  static constexpr int W = 0, I = 0, fam = FAM_C;
};
template <class T>
struct tr<T, typename std::enable_if<cint<T>::value>::type> {
  static constexpr bool lib = false, any = true, isint = true, S = cint<T>::S;
  static constexpr int W = cint<T>::W, I = cint<T>::W, fam = FAM_C;
  AP_COMPAT_TINY static constexpr raw_t<W, S> get(T x) { return static_cast<raw_t<W, S>>(x); }
};

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fpga-export compat ap types: %s\n", what);
  std::fflush(stderr);
  std::abort();
}

// ------------------------------------------------------------------ integer helpers
// Largest / smallest raw value of a W-bit type.
template <int W, bool S>
AP_COMPAT_TINY constexpr raw_t<W, S> max_raw() {
  typedef wuint_t<W> U;
  if constexpr (S) return raw_t<W, S>((U(1) << (W - 1)) - 1);
  else if constexpr (W == num<U>::bits) return raw_t<W, S>(~U(0));
  else return raw_t<W, S>((U(1) << W) - 1);
}
template <int W, bool S>
AP_COMPAT_TINY constexpr raw_t<W, S> min_raw() {
  if constexpr (S) return raw_t<W, S>(-max_raw<W, S>() - 1);
  else return raw_t<W, S>(0);
}

// The low W bits of x (any native integer), sign- or zero-extended: modular wrap-around.
template <int W, bool S, class T>
AP_COMPAT_TINY constexpr raw_t<W, S> wrap_to(T x) {
  typedef raw_t<W, S> R;
  typedef wuint_t<W> U;
  constexpr int B = num<U>::bits;
  U u = static_cast<U>(x);
  if constexpr (W == B) {
    return static_cast<R>(u);
  } else if constexpr (S) {
    typedef typename num<U>::S SU;
    return static_cast<R>(static_cast<SU>(static_cast<U>(u << (B - W))) >> (B - W));
  } else {
    return static_cast<R>(u & ((U(1) << W) - 1));
  }
}

// floor(x / 2^d) corrected by the quantisation mode Q (d >= 1; any d, also >= bits of T).
template <ap_q_mode Q, class T>
AP_COMPAT_INLINE constexpr T round_shr(T x, int d) {
  typedef typename num<T>::U UT;
  constexpr int BT = num<T>::bits;
  bool neg = false;
  if constexpr (num<T>::sgn) neg = x < 0;
  T fl = d >= BT ? T(neg ? -1 : 0) : T(x >> d);
  if constexpr (Q == AP_TRN) {
    return fl;
  } else {
    bool half = false, rest = false;  // bit d-1 of x; any bit below d-1
    if (d > BT) {
      half = neg;
      rest = x != 0;
    } else {
      const UT ux = static_cast<UT>(x);
      half = ((ux >> (d - 1)) & 1) != 0;
      rest = d > 1 && (ux & static_cast<UT>(static_cast<UT>(~UT(0)) >> (BT - d + 1))) != 0;
    }
    bool inc = false;
    if constexpr (Q == AP_TRN_ZERO) inc = neg && (half || rest);
    else if constexpr (Q == AP_RND) inc = half;
    else if constexpr (Q == AP_RND_ZERO) inc = half && (rest || neg);
    else if constexpr (Q == AP_RND_MIN_INF) inc = half && rest;
    else if constexpr (Q == AP_RND_INF) inc = half && (rest || !neg);
    else if constexpr (Q == q_rnd_conv_odd) inc = half && (rest || (fl & 1) == 0);
    else inc = half && (rest || (fl & 1) != 0);  // AP_RND_CONV
    return static_cast<T>(fl + T(inc));
  }
}

// The W-bit (signedness S) raw value for the exact value x * 2^s (s >= 0; x integer, already
// quantised), applying overflow mode O.
template <int W, bool S, ap_o_mode O, class T>
AP_COMPAT_INLINE constexpr raw_t<W, S> finish(T x, int s) {
  typedef raw_t<W, S> R;
  typedef wuint_t<W> U;
  typedef typename num<T>::U UT;
  constexpr int BT = num<T>::bits;
  if constexpr (O == AP_WRAP) {
    if (s >= W) return R(0);
    return wrap_to<W, S>(static_cast<U>(static_cast<U>(x) << s));
  } else {
    bool hi = false, lo = false;
    const bool neg = isneg(x);
    if constexpr (num<T>::sgn) {
      if (neg) {
        if constexpr (!S) {
          lo = true;
        } else {
          const int k = W - 1 - s;  // x must be >= -2^k
          lo = k < 0 ? true : (k >= BT ? false : (x >> k) < -1);
        }
      }
    }
    if (!neg) {
      const int k = W - (S ? 1 : 0) - s;  // x must be < 2^k
      hi = k >= BT ? false : (k <= 0 ? x != 0 : (static_cast<UT>(x) >> k) != 0);
    }
    if (!hi && !lo) {
      if (x == 0) return R(0);
      R r = wrap_to<W, S>(static_cast<U>(static_cast<U>(x) << s));
      if constexpr (O == AP_SAT_SYM && S && W > 1) {
        if (r == min_raw<W, S>()) r = R(-max_raw<W, S>());
      }
      return r;
    }
    if constexpr (O == AP_SAT_ZERO) return R(0);
    if (hi) return max_raw<W, S>();
    // Quirk 7: a 1-bit signed SAT_SYM type cannot be symmetric and saturates like SAT.
    if constexpr (O == AP_SAT_SYM && S && W > 1) return R(-max_raw<W, S>());
    return min_raw<W, S>();
  }
}

// Fixed -> fixed conversion of a raw value: quantise with Q, then overflow with O.
template <int W2, int I2, bool S2, ap_q_mode Q, ap_o_mode O, int W1, int I1, bool S1>
AP_COMPAT_TINY constexpr raw_t<W2, S2> fx_convert(raw_t<W1, S1> v) {
  typedef wraw_t<W1, S1> T;
  constexpr int d = (W1 - I1) - (W2 - I2);
  if constexpr (d > 0) return finish<W2, S2, O>(round_shr<Q>(T(v), d), 0);
  else return finish<W2, S2, O>(T(v), -d);
}

// Raw bit shift of a W-bit value (k > 0: left, bits shifted out are lost; k < 0: right,
// arithmetic for signed types; |k| >= W gives 0, or -1 for a negative value shifted right).
template <int W, bool S>
AP_COMPAT_INLINE constexpr raw_t<W, S> raw_shift(raw_t<W, S> v, int k) {
  if (k >= 0) {
    if (k >= W) return raw_t<W, S>(0);
    typedef wuint_t<W> U;
    return wrap_to<W, S>(static_cast<U>(static_cast<U>(v) << k));
  }
  k = -k;
  return k < W ? raw_t<W, S>(v >> k) : raw_t<W, S>(isneg(v) ? -1 : 0);
}

// -v as a (W+1)-bit signed raw value (exact).
template <int W, bool S>
AP_COMPAT_TINY constexpr raw_t<W + 1, true> raw_neg(raw_t<W, S> v) {
  typedef wuint_t<W + 1> U;
  return wrap_to<W + 1, true>(static_cast<U>(U(0) - static_cast<U>(v)));
}

// V = wrap(V + b) (SUB: V - b) for a type <W, I, S> with AP_TRN/AP_WRAP (ac: AC_TRN/AC_WRAP),
// stored in V (uint_t<W>): b (any operand with traits tr<B>) is floored onto this type's grid
// (exact when its LSB is not finer) and added modulo 2^W.  Same result as converting the
// full-precision sum, since floor(a + b) == a + floor(b) when a is on the grid.
template <int W, int I, bool S, bool SUB, class B>
AP_COMPAT_INLINE constexpr void add_trn_wrap(uint_t<W>& V, const B& b) {
  typedef tr<B> TB;
  constexpr int F = W - I, FB = TB::W - TB::I;
  typedef wuint_t<W> U;
  const auto y = TB::get(b);
  U uy;
  if constexpr (FB <= F) {
    if constexpr (F - FB >= W) uy = U(0);
    else uy = static_cast<U>(static_cast<U>(y) << (F - FB));
  } else if constexpr (SUB) {  // floor(a - b) == a + floor(-b)
    typedef wsint_t<TB::W + 1> T;
    const T ny = static_cast<T>(-static_cast<T>(y));
    const T q = round_shr<AP_TRN>(ny, FB - F);
    uy = static_cast<U>(static_cast<U>(0) - static_cast<U>(q));
  } else {
    typedef wraw_t<TB::W, TB::S> T;
    uy = static_cast<U>(round_shr<AP_TRN>(T(y), FB - F));
  }
  const U ux = static_cast<U>(V);
  const U sum = static_cast<U>(SUB ? ux - uy : ux + uy);
  if constexpr (W == num<U>::bits) V = static_cast<uint_t<W>>(sum);  // no renormalisation
  else V = static_cast<uint_t<W>>(wrap_to<W, S>(sum));
}

constexpr double pow2d(int e) {
  double r = 1.0;
  if (e >= 0) {
    for (; e > 0; --e) r *= 2.0;
  } else {
    for (; e < 0; ++e) r *= 0.5;
  }
  return r;
}

// double -> fixed, exact (integer arithmetic on the double's mantissa and exponent).
// NaN gives 0; +-inf behave like a value above every range (saturate, or 0 under WRAP).
template <int W2, int I2, bool S2, ap_q_mode Q, ap_o_mode O>
constexpr raw_t<W2, S2> from_double(double x) {
  if constexpr ((Q == AP_TRN || Q == AP_TRN_ZERO) && W2 - I2 >= 0 && W2 - I2 <= 960) {
    // Fast path (same value): x * 2^F is exact (a power of two, no underflow for F >= 0);
    // inside +-2^62 (never NaN) its floor/trunc is the quantised raw value as an int64.
    constexpr double scale = pow2d(W2 - I2);
    if (!__builtin_is_constant_evaluated()) {
      const double v = x * scale;
      if (v > -4611686018427387904.0 && v < 4611686018427387904.0) {
        const double q = Q == AP_TRN ? __builtin_floor(v) : __builtin_trunc(v);
        return finish<W2, S2, O>(static_cast<int64_t>(q), 0);
      }
    }
  }
  const uint64_t b = __builtin_bit_cast(uint64_t, x);
  int ex = int((b >> 52) & 0x7ff);
  uint64_t m = b & 0xFFFFFFFFFFFFFull;
  if (ex == 0x7ff && m != 0) return raw_t<W2, S2>(0);
  if (ex == 0) {
    if (m == 0) return raw_t<W2, S2>(0);
    ex = 1;
  } else {
    m |= uint64_t(1) << 52;
  }
  const int64_t sm = (b >> 63) ? -int64_t(m) : int64_t(m);
  const int t = ex - 1075 + (W2 - I2);  // raw = sm * 2^t
  if (t >= 0) return finish<W2, S2, O>(sm, t);
  return finish<W2, S2, O>(round_shr<Q>(sm, -t), 0);
}

// raw * 2^-F as a double, correctly rounded (native int->double conversions round to
// nearest even; the power-of-two scaling is exact).
template <int F, class T>
AP_COMPAT_INLINE constexpr double raw_to_double(T v) {
  if constexpr (F >= -1000 && F <= 1000) {
    constexpr double sc = pow2d(-F);
    return static_cast<double>(v) * sc;
  } else {
    constexpr double sc1 = pow2d(-F / 2), sc2 = pow2d(-F + F / 2);
    return static_cast<double>(v) * sc1 * sc2;
  }
}
template <int W, int F, class T>
AP_COMPAT_INLINE constexpr float raw_to_float(T v) {
  if constexpr (W <= 53) {
    return static_cast<float>(raw_to_double<F>(v));  // exact double, one rounding
  } else if constexpr (F >= -120 && F <= 120) {
    constexpr float sc = static_cast<float>(pow2d(-F));
    return static_cast<float>(v) * sc;
  } else {
    return static_cast<float>(raw_to_double<F>(v));
  }
}

// ------------------------------------------------------------------ bit / range proxies
// Returned by x[i] and x.range(hi, lo) of ap_int / ap_fixed (parent P).  Reads see the raw
// bits; writes change the raw bits and renormalise.  A range reads as an unsigned integer.
template <class P>
struct bit_ref {
  P* p;
  int i;
  constexpr operator bool() const { return p->get_bit(i); }
  constexpr bool to_bool() const { return p->get_bit(i); }
  constexpr bit_ref& operator=(bool v) {
    p->set_bit(i, v);
    return *this;
  }
  constexpr bit_ref& operator=(const bit_ref& o) { return *this = bool(o); }
  template <class Q>
  constexpr bit_ref& operator=(const bit_ref<Q>& o) {
    return *this = bool(o);
  }
  template <class T, typename std::enable_if<cint<T>::value, int>::type = 0>
  constexpr bit_ref& operator=(T v) {
    return *this = bool(v & 1);
  }
  // ap_int / ac_int sources: their lowest bit.
  template <class T, typename std::enable_if<tr<T>::lib && tr<T>::isint, int>::type = 0>
  constexpr bit_ref& operator=(const T& v) {
    return *this = bool(tr<T>::get(v) & 1);
  }
  constexpr bool operator~() const { return !bool(*this); }
  constexpr int length() const { return 1; }
};

template <class P>
struct range_ref {
  typedef typename P::range_uint U;
  P* p;
  int hi, lo;
  constexpr int length() const { return hi - lo + 1; }
  constexpr U get() const { return p->get_range(hi, lo); }
  constexpr operator unsigned long long() const { return static_cast<unsigned long long>(get()); }
  constexpr unsigned long long to_uint64() const { return static_cast<unsigned long long>(get()); }
  constexpr long long to_int64() const { return static_cast<long long>(get()); }
  constexpr unsigned to_uint() const { return static_cast<unsigned>(get()); }
  constexpr int to_int() const { return static_cast<int>(get()); }
  constexpr range_ref& set(U v) {
    p->set_range(hi, lo, v);
    return *this;
  }
  constexpr range_ref& operator=(const range_ref& o) { return set(U(o.get())); }
  template <class Q>
  constexpr range_ref& operator=(const range_ref<Q>& o) {
    return set(U(o.get()));
  }
  template <class T, typename std::enable_if<cint<T>::value, int>::type = 0>
  constexpr range_ref& operator=(T v) {
    return set(U(v));
  }
  // ap_int / ap_fixed sources: their raw bit pattern (sign-extended if signed).
  template <int W2, bool S2>
  constexpr range_ref& operator=(const ap_int_base<W2, S2>& v) {
    return set(U(v.raw()));
  }
  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
  constexpr range_ref& operator=(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& v) {
    return set(U(v.raw()));
  }
};

template <class T>
struct is_proxy : std::false_type {};
template <class P>
struct is_proxy<bit_ref<P>> : std::true_type {};
template <class P>
struct is_proxy<range_ref<P>> : std::true_type {};

// Raw-bit access shared by ap_int_base and ap_fixed_base (CRTP-free: free functions).
template <int W, bool S>
constexpr bool raw_get_bit(raw_t<W, S> v, int i) {
  if (i < 0 || i >= W) fail("bit index out of range");
  return ((static_cast<wuint_t<W>>(v) >> i) & 1) != 0;
}
template <int W, bool S>
constexpr raw_t<W, S> raw_set_bit(raw_t<W, S> v, int i, bool b) {
  if (i < 0 || i >= W) fail("bit index out of range");
  typedef wuint_t<W> U;
  U u = static_cast<U>(v);
  u = b ? static_cast<U>(u | (U(1) << i)) : static_cast<U>(u & ~(U(1) << i));
  return wrap_to<W, S>(u);
}
template <int W>
using range_uint_t = typename std::conditional<(W <= 64), uint64_t, u128>::type;
template <int W, bool S>
constexpr range_uint_t<W> raw_get_range(raw_t<W, S> v, int hi, int lo) {
  typedef range_uint_t<W> U;
  if (lo < 0 || hi >= W || hi < lo) fail("range(hi, lo) needs 0 <= lo <= hi < W");
  const int n = hi - lo + 1;
  U u = static_cast<U>(v) >> lo;
  return n >= num<U>::bits ? u : static_cast<U>(u & ((U(1) << n) - 1));
}
template <int W, bool S>
constexpr raw_t<W, S> raw_set_range(raw_t<W, S> v, int hi, int lo, range_uint_t<W> x) {
  typedef range_uint_t<W> U;
  if (lo < 0 || hi >= W || hi < lo) fail("range(hi, lo) needs 0 <= lo <= hi < W");
  const int n = hi - lo + 1;
  const U m = n >= num<U>::bits ? static_cast<U>(~U(0)) : static_cast<U>((U(1) << n) - 1);
  U u = static_cast<U>(v);
  u = static_cast<U>((u & ~static_cast<U>(m << lo)) | static_cast<U>((x & m) << lo));
  return wrap_to<W, S>(u);
}

}  // namespace ap_detail

#endif  // FPGA_EXPORT_COMPAT_AP_COMMON_H

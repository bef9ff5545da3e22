// fpga-export compat headers: the binary operators shared by the ap types (ap_fixed.h,
// ap_int.h) and the ac types (ac_fixed.h, ac_int.h); our own implementation.
//
// The operators are templates over any two operands with traits ap_detail::tr (ap_common.h):
// two library types of the same family, or one library type and a C integer (which behaves as
// a W-bit integer type of that family).  Result types come from ap_detail::mk<W, I, S, INT,
// FAM>, specialised by each family (ap_fixed_base / ap_int_base, ac_fixed / ac_int).
// Family differences: only the ap family reproduces the reference's comparison quirk 4 (ac
// compares exact values), and only ap types mix with double in + - * / (ac has no such
// operators); both compare with a double (in double arithmetic).
#ifndef FPGA_EXPORT_COMPAT_FX_OPS_H
#define FPGA_EXPORT_COMPAT_FX_OPS_H

#include "ap_common.h"

namespace ap_detail {

template <class A, class B>
struct binop_ok
    : std::integral_constant<bool, ((tr<A>::lib && tr<B>::any) || (tr<A>::any && tr<B>::lib)) &&
                                       (tr<A>::fam == tr<B>::fam || tr<A>::fam == FAM_C ||
                                        tr<B>::fam == FAM_C)> {};
template <class A, class B>
struct fam_of : std::integral_constant<int, tr<A>::fam == FAM_C ? tr<B>::fam : tr<A>::fam> {};

template <class T>
struct is_ap : std::integral_constant<bool, tr<T>::fam == FAM_AP> {};

// The result type of a family (specialised in ap_fixed.h and ac_fixed.h).
template <int W, int I, bool S, bool INT, int FAM>
struct mk;

// Full-precision result types (README "Semantics worth knowing" 1, and the vendor's / rule).
template <class A, class B, bool = binop_ok<A, B>::value>
struct arith {};
template <class A, class B>
struct arith<A, B, true> {
  typedef tr<A> TA;
  typedef tr<B> TB;
  static constexpr bool INT = TA::isint && TB::isint, S = TA::S || TB::S;
  static constexpr int FA = TA::W - TA::I, FB = TB::W - TB::I, F = imax(FA, FB);
  static constexpr int IADD = imax(TA::I + (TB::S && !TA::S), TB::I + (TA::S && !TB::S)) + 1;
  static constexpr int FAM = fam_of<A, B>::value;
  typedef typename mk<IADD + F, IADD, S, INT, FAM>::type plus;
  typedef typename mk<IADD + F, IADD, true, INT, FAM>::type minus;
  typedef typename mk<TA::W + TB::W, TA::I + TB::I, S, INT, FAM>::type mult;
  typedef typename mk<TA::W + imax(FB, 0) + TB::S, TA::I + FB + TB::S, S, INT, FAM>::type div;
  static constexpr int WLOGIC = imax(TA::W + (TB::S && !TA::S), TB::W + (TA::S && !TB::S));
  static constexpr int WMOD = imin(TA::W, TB::W + (TA::S && !TB::S));
};
template <class A, class B, bool = binop_ok<A, B>::value && tr<A>::isint && tr<B>::isint>
struct intop {};
template <class A, class B>
struct intop<A, B, true> {
  typedef arith<A, B> X;
  typedef typename mk<X::WLOGIC, X::WLOGIC, X::S, true, X::FAM>::type logic;
  typedef typename mk<X::WMOD, X::WMOD, tr<A>::S, true, X::FAM>::type mod;
};

template <int W, bool S, int SA, int SB, bool SUB, class TA, class TB>
AP_COMPAT_INLINE constexpr raw_t<W, S> addsub_raw(TA x, TB y) {
  typedef wuint_t<W> U;
  const U ux = static_cast<U>(static_cast<U>(x) << SA);
  const U uy = static_cast<U>(static_cast<U>(y) << SB);
  return wrap_to<W, S>(static_cast<U>(SUB ? ux - uy : ux + uy));
}
template <int W, bool S, class TA, class TB>
AP_COMPAT_INLINE constexpr raw_t<W, S> mul_raw(TA x, TB y) {
  typedef wraw_t<W, S> T;  // the exact product fits in W bits
  return static_cast<raw_t<W, S>>(static_cast<T>(static_cast<T>(x) * static_cast<T>(y)));
}
template <int W, bool S, int SH, class TA, class TB>
constexpr raw_t<W, S> div_raw(TA x, TB y) {
  typedef wraw_t<imax(W, imax(num<TA>::bits, num<TB>::bits) + 1), S> T;
  typedef typename num<T>::U U;
  if (y == 0) fail("division by zero");
  const T n = static_cast<T>(static_cast<U>(static_cast<T>(x)) << SH);
  return static_cast<raw_t<W, S>>(n / static_cast<T>(y));
}

// Comparison: compare x * 2^s with y (s >= 0; x, y of one native type, same sign).
template <class T>
constexpr int cmp_sh(T x, int s, T y) {
  typedef typename num<T>::U U;
  constexpr int B = num<T>::bits;
  T q;
  bool rem;
  if (s >= B) {
    q = T(isneg(y) ? -1 : 0);
    rem = y != 0;
  } else {
    q = static_cast<T>(y >> s);
    rem = s > 0 && (static_cast<U>(y) & static_cast<U>(~U(0) >> (B - s))) != 0;
  }
  if (x < q) return -1;
  if (x > q) return 1;
  return rem ? -1 : 0;
}
template <class TA, class TB>
constexpr int cmp_general(TA x, int sa, TB y, int sb) {
  const bool nx = isneg(x), ny = isneg(y);
  if (nx != ny) return nx ? -1 : 1;
  if (nx) {  // both negative: both types signed
    return sa >= sb ? cmp_sh<i128>(i128(x), sa - sb, i128(y))
                    : -cmp_sh<i128>(i128(y), sb - sa, i128(x));
  }
  return sa >= sb ? cmp_sh<u128>(u128(x), sa - sb, u128(y))
                  : -cmp_sh<u128>(u128(y), sb - sa, u128(x));
}

template <class A, class B>
struct cmp_info {
  typedef tr<A> TA;
  typedef tr<B> TB;
  static constexpr int FA = TA::W - TA::I, FB = TB::W - TB::I;
  static constexpr int SA = imax(FB - FA, 0), SB = imax(FA - FB, 0);
  static constexpr int NEED = imax(TA::W + SA + !TA::S, TB::W + SB + !TB::S);
  // Quirk 4: the reference aligns the binary points (the left operand gets one extra bit
  // when it is the one widened) and compares the raw integers with C's promotion rules.
  static constexpr int WA = TA::W + (FA < FB ? FB - FA + 1 : 0);
  static constexpr int WB = TB::W + (FB < FA ? FA - FB : 0);
  static constexpr bool QUIRK = fam_of<A, B>::value == FAM_AP && TA::S != TB::S &&
                                !(imax(WA, WB) < 32 || (TA::S ? WA > WB : WB > WA));
};

template <class A, class B>
AP_COMPAT_INLINE constexpr int cmp3(const A& a, const B& b) {  // exact: -1, 0, 1
  typedef cmp_info<A, B> C;
  const auto x = tr<A>::get(a);
  const auto y = tr<B>::get(b);
  if constexpr (C::NEED <= 128) {
    typedef wsint_t<C::NEED> T;
    typedef typename num<T>::U U;
    const T xx = static_cast<T>(static_cast<U>(static_cast<T>(x)) << C::SA);
    const T yy = static_cast<T>(static_cast<U>(static_cast<T>(y)) << C::SB);
    return xx < yy ? -1 : (xx > yy ? 1 : 0);
  } else {
    return cmp_general(x, C::SA, y, C::SB);
  }
}
template <class A, class B>
AP_COMPAT_INLINE constexpr int cmp_ord(const A& a, const B& b) {  // with quirk 4
  if constexpr (cmp_info<A, B>::QUIRK) {
    if constexpr (tr<A>::S) {
      if (isneg(tr<A>::get(a))) return 1;
    } else {
      if (isneg(tr<B>::get(b))) return -1;
    }
  }
  return cmp3(a, b);
}

template <class T>
constexpr double to_dbl(const T& x) {
  return x.to_double();
}

}  // namespace ap_detail

// ---------------------------------------------------------------- arithmetic (full precision)
template <class A, class B>
constexpr typename ap_detail::arith<A, B>::plus operator+(const A& a, const B& b) {
  typedef ap_detail::arith<A, B> X;
  typename X::plus r;
  r.set_raw(ap_detail::addsub_raw<X::plus::width, X::plus::sign_flag, X::F - X::FA,
                                  X::F - X::FB, false>(ap_detail::tr<A>::get(a),
                                                       ap_detail::tr<B>::get(b)));
  return r;
}
template <class A, class B>
constexpr typename ap_detail::arith<A, B>::minus operator-(const A& a, const B& b) {
  typedef ap_detail::arith<A, B> X;
  typename X::minus r;
  r.set_raw(ap_detail::addsub_raw<X::minus::width, true, X::F - X::FA, X::F - X::FB, true>(
      ap_detail::tr<A>::get(a), ap_detail::tr<B>::get(b)));
  return r;
}
template <class A, class B>
constexpr typename ap_detail::arith<A, B>::mult operator*(const A& a, const B& b) {
  typedef ap_detail::arith<A, B> X;
  typename X::mult r;
  r.set_raw(ap_detail::mul_raw<X::mult::width, X::mult::sign_flag>(ap_detail::tr<A>::get(a),
                                                                     ap_detail::tr<B>::get(b)));
  return r;
}
template <class A, class B>
constexpr typename ap_detail::arith<A, B>::div operator/(const A& a, const B& b) {
  typedef ap_detail::arith<A, B> X;
  typename X::div r;
  r.set_raw(ap_detail::div_raw<X::div::width, X::div::sign_flag, ap_detail::imax(X::FB, 0)>(
      ap_detail::tr<A>::get(a), ap_detail::tr<B>::get(b)));
  return r;
}
template <class A, class B>
constexpr typename ap_detail::intop<A, B>::mod operator%(const A& a, const B& b) {
  typedef typename ap_detail::intop<A, B>::mod R;
  typedef ap_detail::wsint_t<ap_detail::imax(ap_detail::tr<A>::W, ap_detail::tr<B>::W) + 1> T;
  const auto x = ap_detail::tr<A>::get(a);
  const auto y = ap_detail::tr<B>::get(b);
  if (y == 0) ap_detail::fail("modulo by zero");
  R r;
  r.set_raw(static_cast<typename R::raw_type>(static_cast<T>(x) % static_cast<T>(y)));
  return r;
}

// ---------------------------------------------------------------- bitwise (integer types)
#define AP_COMPAT_BITOP(OP)                                                               \
  template <class A, class B>                                                             \
  constexpr typename ap_detail::intop<A, B>::logic operator OP(const A& a, const B& b) {  \
    typedef typename ap_detail::intop<A, B>::logic R;                                     \
    typedef ap_detail::wuint_t<R::width> U;                                               \
    R r;                                                                                  \
    r.set_raw(ap_detail::wrap_to<R::width, R::sign_flag>(                                 \
        static_cast<U>(static_cast<U>(ap_detail::tr<A>::get(a))                           \
                           OP static_cast<U>(ap_detail::tr<B>::get(b)))));                \
    return r;                                                                             \
  }
AP_COMPAT_BITOP(&)
AP_COMPAT_BITOP(|)
AP_COMPAT_BITOP(^)
#undef AP_COMPAT_BITOP

// ---------------------------------------------------------------- comparisons
#define AP_COMPAT_CMP(OP, EXPR)                                                         \
  template <class A, class B>                                                           \
  constexpr typename std::enable_if<ap_detail::binop_ok<A, B>::value, bool>::type       \
  operator OP(const A& a, const B& b) {                                                 \
    return EXPR OP 0;                                                                   \
  }                                                                                     \
  template <class A>                                                                    \
  constexpr typename std::enable_if<ap_detail::tr<A>::lib, bool>::type operator OP(     \
      const A& a, double b) {                                                           \
    return ap_detail::to_dbl(a) OP b;                                                   \
  }                                                                                     \
  template <class B>                                                                    \
  constexpr typename std::enable_if<ap_detail::tr<B>::lib, bool>::type operator OP(     \
      double a, const B& b) {                                                           \
    return a OP ap_detail::to_dbl(b);                                                   \
  }
AP_COMPAT_CMP(==, ap_detail::cmp3(a, b))
AP_COMPAT_CMP(!=, ap_detail::cmp3(a, b))
AP_COMPAT_CMP(<, ap_detail::cmp_ord(a, b))
AP_COMPAT_CMP(<=, ap_detail::cmp_ord(a, b))
AP_COMPAT_CMP(>, ap_detail::cmp_ord(a, b))
AP_COMPAT_CMP(>=, ap_detail::cmp_ord(a, b))
#undef AP_COMPAT_CMP

// ---------------------------------------------------------------- with double: in double
#define AP_COMPAT_DBLOP(OP)                                                          \
  template <class A>                                                                 \
  constexpr typename std::enable_if<ap_detail::is_ap<A>::value, double>::type        \
  operator OP(const A& a, double b) {                                                \
    return ap_detail::to_dbl(a) OP b;                                                \
  }                                                                                  \
  template <class B>                                                                 \
  constexpr typename std::enable_if<ap_detail::is_ap<B>::value, double>::type        \
  operator OP(double a, const B& b) {                                                \
    return a OP ap_detail::to_dbl(b);                                                \
  }
AP_COMPAT_DBLOP(+)
AP_COMPAT_DBLOP(-)
AP_COMPAT_DBLOP(*)
AP_COMPAT_DBLOP(/)
#undef AP_COMPAT_DBLOP

#endif  // FPGA_EXPORT_COMPAT_FX_OPS_H

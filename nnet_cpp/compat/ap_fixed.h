// fpga-export compat: ap_fixed<W,I,Q,O,N> / ap_ufixed<W,I,Q,O,N> (our own implementation, see
// ap_common.h), plus the operators shared by all ap types.
//
// ap_fixed<W,I,Q,O,N> is ap_fixed_base<W,I,true,Q,O,N>, ap_ufixed the same with false: the
// value is raw * 2^(I-W) with a W-bit raw integer; I may be negative or larger than W.
// Limits: 1 <= W <= 128 (also for full-precision results), N == 0, no AP_WRAP_SM.
//
// Semantics (shared/conformance/README.md; every record of the conformance vectors holds):
//  * Conversions (from double/float/integers/other ap types) quantise with this type's Q,
//    then apply its O.  Doubles are converted exactly (integer arithmetic).
//  * a + b, a - b, a * b are exact, in the reference's full-precision types:
//      +: I = max(I1 + (S2 && !S1), I2 + (S1 && !S2)) + 1, F = max(F1, F2), S = S1 || S2
//      -: same W and I, always signed;   *: W1 + W2, I1 + I2, S1 || S2
//    C integers behave as ap_int<32> (int), ap_uint<32> (unsigned), ap_int<64> (long), ...
//  * a / b (not covered by the vectors; the vendor's result type):
//      W = W1 + max(F2, 0) + S2, I = I1 + F2 + S2, S = S1 || S2; the value is the quotient
//      truncated toward zero at that type's resolution (raw = (raw1 << max(F2,0)) / raw2).
//      Division by zero prints a message and aborts.
//  * a += b etc.: a = a op b at full precision, converted back with a's own Q and O.
//    With a double operand: a = a.to_double() op b, converted back.
//  * -a is exact in ap_fixed_base<W+1, I+1, true>;  a << k, a >> k keep the type and are
//    raw bit shifts (no rounding, no saturation).
//  * Comparisons between ap types are exact, except the reference's quirk 4 (reproduced):
//    when the signs differ and the operands, aligned to a common binary point, are >= 32 bits
//    and the unsigned one is at least as wide, a negative signed operand compares greater
//    than the unsigned one (==/!= stay exact).  Comparisons and + - * / with a double use
//    to_double().
//  * to_int()/to_int64()/to_uint()/conversion to ap_int truncate toward zero, then wrap
//    (I == 0 types: a negative value gives -1, quirk 6).  I < 0 (no ground truth): truncate.
//  * to_double() is correctly rounded (round to nearest even); an ap_fixed also converts
//    implicitly to double.
#ifndef FPGA_EXPORT_COMPAT_AP_FIXED_H
#define FPGA_EXPORT_COMPAT_AP_FIXED_H

#include "ap_int.h"

template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
struct ap_fixed_base {
  static_assert(W >= 1 && W <= 128,
                "ap_fixed: width W must be in 1..128 in fpga-export's compat headers (this "
                "includes the full-precision result types of + - * /); use the vendor headers "
                "for wider types");
  static_assert(N == 0,
                "ap_fixed: saturation bits N != 0 are not supported by fpga-export's compat "
                "headers");
  static_assert(O != AP_WRAP_SM,
                "ap_fixed: overflow mode AP_WRAP_SM is not supported by fpga-export's compat "
                "headers");
  typedef ap_detail::raw_t<W, S> raw_type;
  typedef ap_detail::range_uint_t<W> range_uint;
  static constexpr int width = W;
  static constexpr int iwidth = I;
  static constexpr bool sign_flag = S;
  static constexpr ap_q_mode qmode = Q;
  static constexpr ap_o_mode omode = O;

  // Storage: the W-bit pattern, sign- or zero-extended to the native width, held in an
  // unsigned integer (keeps wrap-around arithmetic free of casts, so loops vectorise);
  // raw() is the signed/unsigned integer value: value = raw() * 2^(I-W).
  typedef ap_detail::uint_t<W> store_type;
  store_type V;
  AP_COMPAT_TINY constexpr raw_type raw() const { return static_cast<raw_type>(V); }
  AP_COMPAT_TINY constexpr void set_raw(raw_type r) { V = static_cast<store_type>(r); }

  // ------------------------------------------------------------------ construction
  AP_COMPAT_TINY constexpr ap_fixed_base() : V(0) {}
  constexpr ap_fixed_base(const ap_fixed_base&) = default;
  constexpr ap_fixed_base& operator=(const ap_fixed_base&) = default;
  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
  AP_COMPAT_TINY constexpr ap_fixed_base(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& x)
      : V(store_type(ap_detail::fx_convert<W, I, S, Q, O, W2, I2, S2>(x.raw()))) {}
  template <int W2, bool S2>
  AP_COMPAT_TINY constexpr ap_fixed_base(const ap_int_base<W2, S2>& x)
      : V(store_type(ap_detail::fx_convert<W, I, S, Q, O, W2, W2, S2>(x.raw()))) {}
  template <class T, typename std::enable_if<ap_detail::cint<T>::value, int>::type = 0>
  constexpr ap_fixed_base(T x)
      : V(store_type(
            ap_detail::fx_convert<W, I, S, Q, O, ap_detail::cint<T>::W, ap_detail::cint<T>::W,
                                  ap_detail::cint<T>::S>(
                static_cast<ap_detail::raw_t<ap_detail::cint<T>::W, ap_detail::cint<T>::S>>(
                    x)))) {}
  constexpr ap_fixed_base(double x) : V(store_type(ap_detail::from_double<W, I, S, Q, O>(x))) {}
  constexpr ap_fixed_base(float x)
      : V(store_type(ap_detail::from_double<W, I, S, Q, O>(double(x)))) {}
  constexpr ap_fixed_base(long double x)
      : V(store_type(ap_detail::from_double<W, I, S, Q, O>(double(x)))) {}
  template <class P>
  constexpr ap_fixed_base(const ap_detail::bit_ref<P>& b) : ap_fixed_base(bool(b)) {}
  template <class P>
  constexpr ap_fixed_base(const ap_detail::range_ref<P>& r)
      : V(store_type(
            ap_detail::fx_convert<W, I, S, Q, O, 128, 128, false>(ap_detail::u128(r.get())))) {}

  // ------------------------------------------------------------------ conversion
  constexpr double to_double() const { return ap_detail::raw_to_double<W - I>(raw()); }
  constexpr float to_float() const { return ap_detail::raw_to_float<W, W - I>(raw()); }
  constexpr operator double() const { return to_double(); }
  constexpr int to_int() const { return static_cast<int>(to_integer<32, true>()); }
  constexpr unsigned to_uint() const { return static_cast<unsigned>(to_integer<32, false>()); }
  constexpr long to_long() const { return static_cast<long>(to_integer<64, true>()); }
  constexpr unsigned long to_ulong() const {
    return static_cast<unsigned long>(to_integer<64, false>());
  }
  constexpr long long to_int64() const { return static_cast<long long>(to_integer<64, true>()); }
  constexpr unsigned long long to_uint64() const {
    return static_cast<unsigned long long>(to_integer<64, false>());
  }
  constexpr ap_int_base<(I > 1 ? I : 1), S> to_ap_int_base() const {
    return ap_int_base<(I > 1 ? I : 1), S>(*this);
  }
  constexpr int length() const { return W; }

  // ------------------------------------------------------------------ bits (raw pattern)
  constexpr bool get_bit(int i) const { return ap_detail::raw_get_bit<W, S>(raw(), i); }
  constexpr void set_bit(int i, bool b) { set_raw(ap_detail::raw_set_bit<W, S>(raw(), i, b)); }
  constexpr range_uint get_range(int hi, int lo) const {
    return ap_detail::raw_get_range<W, S>(raw(), hi, lo);
  }
  constexpr void set_range(int hi, int lo, range_uint x) {
    set_raw(ap_detail::raw_set_range<W, S>(raw(), hi, lo, x));
  }
  constexpr ap_detail::bit_ref<ap_fixed_base> operator[](int i) { return {this, i}; }
  constexpr bool operator[](int i) const { return get_bit(i); }
  constexpr ap_detail::bit_ref<ap_fixed_base> bit(int i) { return {this, i}; }
  constexpr bool bit(int i) const { return get_bit(i); }
  constexpr ap_detail::range_ref<ap_fixed_base> range(int hi, int lo) const {
    return {const_cast<ap_fixed_base*>(this), hi, lo};
  }
  constexpr ap_detail::range_ref<ap_fixed_base> range() const { return range(W - 1, 0); }
  constexpr ap_detail::range_ref<ap_fixed_base> operator()(int hi, int lo) const {
    return range(hi, lo);
  }
  constexpr bool iszero() const { return V == 0; }
  constexpr bool is_zero() const { return V == 0; }
  constexpr bool is_neg() const { return ap_detail::isneg(raw()); }
  constexpr int countLeadingZeros() const {
    int n = 0;
    for (int i = W - 1; i >= 0 && !get_bit(i); --i) ++n;
    return n;
  }

  // ------------------------------------------------------------------ unary
  constexpr ap_fixed_base<W + 1, I + 1, true> operator-() const {
    ap_fixed_base<W + 1, I + 1, true> r;
    typedef ap_detail::wuint_t<W + 1> U;
    r.set_raw(ap_detail::wrap_to<W + 1, true>(static_cast<U>(U(0) - static_cast<U>(raw()))));
    return r;
  }
  constexpr ap_fixed_base operator+() const { return *this; }
  constexpr ap_fixed_base operator~() const {
    ap_fixed_base r;
    r.set_raw(ap_detail::wrap_to<W, S>(~static_cast<ap_detail::wuint_t<W>>(raw())));
    return r;
  }
  constexpr bool operator!() const { return V == 0; }
  constexpr ap_fixed_base& operator++() { return *this += 1; }
  constexpr ap_fixed_base& operator--() { return *this -= 1; }
  constexpr ap_fixed_base operator++(int) {
    ap_fixed_base t = *this;
    *this += 1;
    return t;
  }
  constexpr ap_fixed_base operator--(int) {
    ap_fixed_base t = *this;
    *this -= 1;
    return t;
  }

  // ------------------------------------------------------------------ shifts (raw, type kept)
  template <class K, typename std::enable_if<ap_detail::cint<K>::value, int>::type = 0>
  constexpr ap_fixed_base operator<<(K k) const {
    return shifted(static_cast<int>(k));
  }
  template <class K, typename std::enable_if<ap_detail::cint<K>::value, int>::type = 0>
  constexpr ap_fixed_base operator>>(K k) const {
    return shifted(-static_cast<int>(k));
  }
  template <int W2, bool S2>
  constexpr ap_fixed_base operator<<(const ap_int_base<W2, S2>& k) const {
    return shifted(static_cast<int>(k.raw()));
  }
  template <int W2, bool S2>
  constexpr ap_fixed_base operator>>(const ap_int_base<W2, S2>& k) const {
    return shifted(-static_cast<int>(k.raw()));
  }
  template <class K>
  constexpr ap_fixed_base& operator<<=(const K& k) {
    return *this = *this << k;
  }
  template <class K>
  constexpr ap_fixed_base& operator>>=(const K& k) {
    return *this = *this >> k;
  }

  // ------------------------------------------------------------------ compound assignment
  template <class B>
  constexpr ap_fixed_base& operator+=(const B& b) {
    if constexpr (Q == AP_TRN && O == AP_WRAP && ap_detail::tr<B>::any) {
      // Fast path, identical result: floor(a + b) == a + floor(b) when a is on the grid.
      add_trn_wrap<false>(b);
      return *this;
    } else {
      return *this = ap_fixed_base(*this + b);
    }
  }
  template <class B>
  constexpr ap_fixed_base& operator-=(const B& b) {
    if constexpr (Q == AP_TRN && O == AP_WRAP && ap_detail::tr<B>::any &&
                  ap_detail::tr<B>::W < 128) {
      add_trn_wrap<true>(b);
      return *this;
    } else {
      return *this = ap_fixed_base(*this - b);
    }
  }
  template <class B>
  constexpr ap_fixed_base& operator*=(const B& b) {
    return *this = ap_fixed_base(*this * b);
  }
  template <class B>
  constexpr ap_fixed_base& operator/=(const B& b) {
    return *this = ap_fixed_base(*this / b);
  }

 private:
  template <int WT, bool ST>
  constexpr ap_detail::raw_t<WT, ST> to_integer() const {
    constexpr ap_q_mode TQ = I == 0 ? AP_TRN : AP_TRN_ZERO;  // quirk 6 of the reference
    return ap_detail::fx_convert<WT, WT, ST, TQ, AP_WRAP, W, I, S>(raw());
  }
  constexpr ap_fixed_base shifted(int k) const {  // k > 0: left, k < 0: right
    ap_fixed_base r;
    if (k >= 0) {
      if (k < W) {
        typedef ap_detail::wuint_t<W> U;
        r.set_raw(ap_detail::wrap_to<W, S>(static_cast<U>(static_cast<U>(raw()) << k)));
      }
    } else {
      k = -k;
      r.set_raw(k < W ? raw_type(raw() >> k) : raw_type(ap_detail::isneg(raw()) ? -1 : 0));
    }
    return r;
  }
  // this = wrap(this + b) (or -) for AP_TRN/AP_WRAP: b is floored onto this type's grid
  // (exact when its LSB is not finer), added modulo 2^W.
  template <bool SUB, class B>
  AP_COMPAT_INLINE constexpr void add_trn_wrap(const B& b) {
    typedef ap_detail::tr<B> TB;
    constexpr int F = W - I, FB = TB::W - TB::I;
    typedef ap_detail::wuint_t<W> U;
    const auto y = TB::get(b);
    U uy;
    if constexpr (FB <= F) {
      if constexpr (F - FB >= W) uy = U(0);
      else uy = static_cast<U>(static_cast<U>(y) << (F - FB));
    } else if constexpr (SUB) {  // floor(a - b) == a + floor(-b)
      typedef ap_detail::wsint_t<TB::W + 1> T;
      const T ny = static_cast<T>(-static_cast<T>(y));
      const T q = ap_detail::round_shr<AP_TRN>(ny, FB - F);
      uy = static_cast<U>(static_cast<U>(0) - static_cast<U>(q));
    } else {
      typedef ap_detail::wraw_t<TB::W, TB::S> T;
      uy = static_cast<U>(ap_detail::round_shr<AP_TRN>(T(y), FB - F));
    }
    const U ux = static_cast<U>(V);
    const U sum = static_cast<U>(SUB ? ux - uy : ux + uy);
    if constexpr (W == ap_detail::num<U>::bits) V = sum;  // no renormalisation needed
    else set_raw(ap_detail::wrap_to<W, S>(sum));
  }
};

template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
using ap_fixed = ap_fixed_base<W, I, true, Q, O, N>;
template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
using ap_ufixed = ap_fixed_base<W, I, false, Q, O, N>;

// ====================================================================== operators
namespace ap_detail {

// Operand traits (primary template and C integers: ap_common.h).
template <int W_, int I_, bool S_, ap_q_mode Q_, ap_o_mode O_, int N_>
struct tr<ap_fixed_base<W_, I_, S_, Q_, O_, N_>, void> {
  static constexpr bool ap = true, any = true, isint = false, S = S_;
  static constexpr int W = W_, I = I_;
  typedef ap_fixed_base<W_, I_, S_, Q_, O_, N_> T;
  AP_COMPAT_TINY static constexpr raw_t<W_, S_> get(const T& x) { return x.raw(); }
};
template <int W_, bool S_>
struct tr<ap_int_base<W_, S_>, void> {
  static constexpr bool ap = true, any = true, isint = true, S = S_;
  static constexpr int W = W_, I = W_;
  typedef ap_int_base<W_, S_> T;
  AP_COMPAT_TINY static constexpr raw_t<W_, S_> get(const T& x) { return x.raw(); }
};

template <class A, class B>
struct binop_ok
    : std::integral_constant<bool, (tr<A>::ap && tr<B>::any) || (tr<A>::any && tr<B>::ap)> {};

template <int W, int I, bool S, bool INT>
struct mk {
  typedef ap_fixed_base<W, I, S> type;
};
template <int W, int I, bool S>
struct mk<W, I, S, true> {
  typedef ap_int_base<W, S> type;
};

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
  typedef typename mk<IADD + F, IADD, S, INT>::type plus;
  typedef typename mk<IADD + F, IADD, true, INT>::type minus;
  typedef typename mk<TA::W + TB::W, TA::I + TB::I, S, INT>::type mult;
  typedef typename mk<TA::W + imax(FB, 0) + TB::S, TA::I + FB + TB::S, S, INT>::type div;
  static constexpr int WLOGIC = imax(TA::W + (TB::S && !TA::S), TB::W + (TA::S && !TB::S));
  static constexpr int WMOD = imin(TA::W, TB::W + (TA::S && !TB::S));
};
template <class A, class B, bool = binop_ok<A, B>::value && tr<A>::isint && tr<B>::isint>
struct intop {};
template <class A, class B>
struct intop<A, B, true> {
  typedef arith<A, B> X;
  typedef ap_int_base<X::WLOGIC, X::S> logic;
  typedef ap_int_base<X::WMOD, tr<A>::S> mod;
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
  static constexpr bool QUIRK =
      TA::S != TB::S && !(imax(WA, WB) < 32 || (TA::S ? WA > WB : WB > WA));
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
  constexpr typename std::enable_if<ap_detail::tr<A>::ap, bool>::type operator OP(      \
      const A& a, double b) {                                                           \
    return ap_detail::to_dbl(a) OP b;                                                   \
  }                                                                                     \
  template <class B>                                                                    \
  constexpr typename std::enable_if<ap_detail::tr<B>::ap, bool>::type operator OP(      \
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
#define AP_COMPAT_DBLOP(OP)                                                               \
  template <class A>                                                                      \
  constexpr typename std::enable_if<ap_detail::tr<A>::ap, double>::type operator OP(      \
      const A& a, double b) {                                                             \
    return ap_detail::to_dbl(a) OP b;                                                     \
  }                                                                                       \
  template <class B>                                                                      \
  constexpr typename std::enable_if<ap_detail::tr<B>::ap, double>::type operator OP(      \
      double a, const B& b) {                                                             \
    return a OP ap_detail::to_dbl(b);                                                     \
  }
AP_COMPAT_DBLOP(+)
AP_COMPAT_DBLOP(-)
AP_COMPAT_DBLOP(*)
AP_COMPAT_DBLOP(/)
#undef AP_COMPAT_DBLOP

#endif  // FPGA_EXPORT_COMPAT_AP_FIXED_H

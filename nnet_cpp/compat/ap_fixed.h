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
#include "fx_ops.h"

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
    r.set_raw(ap_detail::raw_neg<W, S>(raw()));
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
      ap_detail::add_trn_wrap<W, I, S, false>(V, b);
      return *this;
    } else {
      return *this = ap_fixed_base(*this + b);
    }
  }
  template <class B>
  constexpr ap_fixed_base& operator-=(const B& b) {
    if constexpr (Q == AP_TRN && O == AP_WRAP && ap_detail::tr<B>::any &&
                  ap_detail::tr<B>::W < 128) {
      ap_detail::add_trn_wrap<W, I, S, true>(V, b);
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
    r.set_raw(ap_detail::raw_shift<W, S>(raw(), k));
    return r;
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
  static constexpr bool lib = true, any = true, isint = false, S = S_;
  static constexpr int W = W_, I = I_, fam = FAM_AP;
  typedef ap_fixed_base<W_, I_, S_, Q_, O_, N_> T;
  AP_COMPAT_TINY static constexpr raw_t<W_, S_> get(const T& x) { return x.raw(); }
};
template <int W_, bool S_>
struct tr<ap_int_base<W_, S_>, void> {
  static constexpr bool lib = true, any = true, isint = true, S = S_;
  static constexpr int W = W_, I = W_, fam = FAM_AP;
  typedef ap_int_base<W_, S_> T;
  AP_COMPAT_TINY static constexpr raw_t<W_, S_> get(const T& x) { return x.raw(); }
};

// Result types of the ap family.
template <int W, int I, bool S, bool INT>
struct mk<W, I, S, INT, FAM_AP> {
  typedef ap_fixed_base<W, I, S> type;
};
template <int W, int I, bool S>
struct mk<W, I, S, true, FAM_AP> {
  typedef ap_int_base<W, S> type;
};

}  // namespace ap_detail

#endif  // FPGA_EXPORT_COMPAT_AP_FIXED_H

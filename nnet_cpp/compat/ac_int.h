// fpga-export compat: ac_int<W,S>, the Algorithmic C integer type (our own implementation
// for csim, written from the semantics in shared/conformance/README.md; the API follows the
// Algorithmic C reference where a layer library needs it).
//
// Shares its core with the ap types (ap_common.h: native-integer storage, rounding and
// overflow helpers; fx_ops.h: the binary operators).  The ac modes map onto the ap helpers
// (AC_RND_CONV_ODD onto ap_detail::q_rnd_conv_odd).  1 <= W <= 128, also for the
// full-precision results of + - *.
//
// Semantics:
//  * from a double: floor, then wrap to W bits; like the reference, a nonzero double whose
//    scaled value d * 2^-(32*N) underflows in double arithmetic gives 0 (README quirk 8);
//  * from integers / other ac_int: wrap;
//  * + - * / % & | ^ with ac_int (or C integers, which behave as ac_int<bits, signed>) return
//    full-precision ac_int types: + -> max(W1,W2)+1 bits (signedness-adjusted), * -> W1+W2,
//    / -> W1+S2, % -> min(W1, W2 + (S1 && !S2)); with an ac_fixed the result is an ac_fixed;
//  * comparisons are exact value comparisons (no ap quirk 4);
//  * -a is ac_int<W+1,true>; ~a is ac_int<W+!S,true>; << and >> keep the type (raw shifts; a
//    negative amount shifts the other way);
//  * converts implicitly to long long (unsigned: unsigned long long) when W + !S <= 64, as
//    the reference does; to_int() etc. keep the low bits.
//  * slc<WS>(lsb) reads WS bits from lsb (beyond the MSB: sign bits); set_slc(lsb, x) writes
//    x's bits at lsb (lsb + width(x) <= W).
#ifndef FPGA_EXPORT_COMPAT_AC_INT_H
#define FPGA_EXPORT_COMPAT_AC_INT_H

#include <string>

#include "ap_common.h"

// Enumerator names and order as in the reference headers.
enum ac_q_mode {
  AC_TRN,
  AC_RND,
  AC_TRN_ZERO,
  AC_RND_ZERO,
  AC_RND_INF,
  AC_RND_MIN_INF,
  AC_RND_CONV,
  AC_RND_CONV_ODD
};
enum ac_o_mode { AC_WRAP, AC_SAT, AC_SAT_ZERO, AC_SAT_SYM };
enum ac_special_val { AC_VAL_DC, AC_VAL_0, AC_VAL_MIN, AC_VAL_MAX, AC_VAL_QUANTUM };

template <int W, bool S = true>
class ac_int;
template <int W, int I, bool S = true, ac_q_mode Q = AC_TRN, ac_o_mode O = AC_WRAP>
class ac_fixed;

namespace ac_detail {

using ap_detail::raw_t;

constexpr ap_q_mode q_of(ac_q_mode q) {
  return q == AC_TRN           ? AP_TRN
         : q == AC_RND         ? AP_RND
         : q == AC_TRN_ZERO    ? AP_TRN_ZERO
         : q == AC_RND_ZERO    ? AP_RND_ZERO
         : q == AC_RND_INF     ? AP_RND_INF
         : q == AC_RND_MIN_INF ? AP_RND_MIN_INF
         : q == AC_RND_CONV    ? AP_RND_CONV
                               : ap_detail::q_rnd_conv_odd;
}
constexpr ap_o_mode o_of(ac_o_mode o) {
  return o == AC_WRAP       ? AP_WRAP
         : o == AC_SAT      ? AP_SAT
         : o == AC_SAT_ZERO ? AP_SAT_ZERO
                            : AP_SAT_SYM;
}

// double -> the raw value of a <W, I, S> type with modes Q, O, as the reference computes it:
// exact conversion, except README quirks 8 (the reference scales d by 2^-E in double
// arithmetic, E = I - W + 32*N with N its number of 32-bit words; a nonzero d whose scaled
// value underflows to 0 converts as 0) and 9 (signed, W a multiple of 32, AC_SAT_ZERO: a value
// below the minimum gives 0 even when it rounds up to the minimum).
template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O>
constexpr raw_t<W, S> from_double(double x) {
  constexpr int E = I - W + 32 * ((W + 31 + !S) / 32);
  if constexpr (E > 0) {
    constexpr double limit = ap_detail::pow2d(E - 1070 < 1000 ? E - 1070 : 1000);
    if (x != 0 && x < limit && x > -limit) {
      double y = x / double(1u << (E & 31));
      for (int k = 0; k < E / 32; ++k) y /= 4294967296.0;
      if (y == 0) return raw_t<W, S>(0);
    }
  }
  if constexpr (S && W % 32 == 0 && O == AP_SAT_ZERO) {
    if (x < -ap_detail::pow2d(I - 1)) return raw_t<W, S>(0);
  }
  return ap_detail::from_double<W, I, S, Q, O>(x);
}

// The implicit conversion of ac_int to a C integer (only when W + !S <= 64, as the reference).
template <class D, bool HAS, class R>
struct int_conv {};
template <class D, class R>
struct int_conv<D, true, R> {
  constexpr operator R() const { return static_cast<R>(static_cast<const D*>(this)->raw()); }
};

inline std::string bool_name(bool s) { return s ? "true" : "false"; }

}  // namespace ac_detail

template <int W, bool S>
class ac_int : public ac_detail::int_conv<ac_int<W, S>, (W + !S <= 64),
                                          typename std::conditional<S, long long, ap_ulong>::type> {
  static_assert(W >= 1 && W <= 128,
                "ac_int: width W must be in 1..128 in fpga-export's compat headers (this includes "
                "the full-precision result types of + - *); use the reference headers for wider "
                "types");

 public:
  typedef ap_detail::raw_t<W, S> raw_type;
  typedef ap_detail::range_uint_t<W> range_uint;
  static constexpr int width = W;
  static constexpr int i_width = W;
  static constexpr bool sign = S;
  static constexpr bool sign_flag = S;
  static constexpr ac_q_mode q_mode = AC_TRN;
  static constexpr ac_o_mode o_mode = AC_WRAP;

  // Storage as in ap_int_base: the W-bit pattern, sign- or zero-extended, in an unsigned
  // native integer; raw() is the integer value.
  typedef ap_detail::uint_t<W> store_type;
  store_type V;
  AP_COMPAT_TINY constexpr raw_type raw() const { return static_cast<raw_type>(V); }
  AP_COMPAT_TINY constexpr void set_raw(raw_type r) { V = static_cast<store_type>(r); }

  // ------------------------------------------------------------------ construction
  AP_COMPAT_TINY constexpr ac_int() : V(0) {}
  constexpr ac_int(const ac_int&) = default;
  constexpr ac_int& operator=(const ac_int&) = default;
  template <int W2, bool S2>
  constexpr ac_int(const ac_int<W2, S2>& x) : V(store_type(ap_detail::wrap_to<W, S>(x.raw()))) {}
  template <class T, typename std::enable_if<ap_detail::cint<T>::value, int>::type = 0>
  constexpr ac_int(T x)
      : V(store_type(ap_detail::wrap_to<W, S>(
            static_cast<ap_detail::raw_t<ap_detail::cint<T>::W, ap_detail::cint<T>::S>>(x)))) {}
  constexpr ac_int(double x)
      : V(store_type(ac_detail::from_double<W, W, S, AP_TRN, AP_WRAP>(x))) {}
  constexpr ac_int(float x) : ac_int(double(x)) {}
  template <class P>
  constexpr ac_int(const ap_detail::bit_ref<P>& b) : V(store_type(bool(b))) {}

  // ------------------------------------------------------------------ conversion
  constexpr int to_int() const { return static_cast<int>(ap_detail::wrap_to<32, true>(raw())); }
  constexpr unsigned to_uint() const { return static_cast<unsigned>(raw()); }
  constexpr long to_long() const { return static_cast<long>(raw()); }
  constexpr unsigned long to_ulong() const { return static_cast<unsigned long>(raw()); }
  constexpr long long to_int64() const { return static_cast<long long>(raw()); }
  constexpr unsigned long long to_uint64() const { return static_cast<unsigned long long>(raw()); }
  constexpr double to_double() const { return ap_detail::raw_to_double<0>(raw()); }
  constexpr int length() const { return W; }
  static std::string type_name() {
    return "ac_int<" + std::to_string(W) + "," + ac_detail::bool_name(S) + ">";
  }

  // ------------------------------------------------------------------ bits
  constexpr bool get_bit(int i) const { return ap_detail::raw_get_bit<W, S>(raw(), i); }
  constexpr void set_bit(int i, bool b) { set_raw(ap_detail::raw_set_bit<W, S>(raw(), i, b)); }
  constexpr ap_detail::bit_ref<ac_int> operator[](int i) { return {this, i}; }
  constexpr bool operator[](int i) const { return get_bit(i); }
  template <int WS>
  constexpr ac_int<WS, S> slc(int lsb) const {
    if (lsb < 0) ap_detail::fail("slc: negative index");
    ac_int<WS, S> r;
    r.set_raw(ap_detail::wrap_to<WS, S>(ap_detail::raw_shift<W, S>(raw(), -lsb)));
    return r;
  }
  template <int W2, bool S2>
  constexpr ac_int& set_slc(int lsb, const ac_int<W2, S2>& x) {
    if (lsb < 0 || lsb + W2 > W) ap_detail::fail("set_slc: slice out of range");
    set_raw(ap_detail::raw_set_range<W, S>(raw(), lsb + W2 - 1, lsb, range_uint(x.raw())));
    return *this;
  }
  constexpr bool and_reduce() const { return ap_detail::wrap_to<W, false>(raw()) == all_ones(); }
  constexpr bool or_reduce() const { return V != 0; }
  constexpr bool xor_reduce() const {
    bool r = false;
    for (int i = 0; i < W; ++i) r ^= get_bit(i);
    return r;
  }
  constexpr bool is_neg() const { return ap_detail::isneg(raw()); }
  // AC_VAL_0, AC_VAL_MIN, AC_VAL_MAX, AC_VAL_QUANTUM (1); AC_VAL_DC ("don't care"): 0 here.
  template <ac_special_val VAL>
  constexpr ac_int& set_val() {
    set_raw(VAL == AC_VAL_MIN   ? ap_detail::min_raw<W, S>()
            : VAL == AC_VAL_MAX ? ap_detail::max_raw<W, S>()
                                : raw_type(VAL == AC_VAL_QUANTUM));
    return *this;
  }

  // ------------------------------------------------------------------ unary
  constexpr ac_int<W + 1, true> operator-() const {
    ac_int<W + 1, true> r;
    r.set_raw(ap_detail::raw_neg<W, S>(raw()));
    return r;
  }
  constexpr ac_int operator+() const { return *this; }
  constexpr ac_int<W + !S, true> operator~() const {
    ac_int<W + !S, true> r;
    typedef ap_detail::raw_t<W + !S, true> R;
    r.set_raw(static_cast<R>(~static_cast<R>(raw())));
    return r;
  }
  constexpr bool operator!() const { return V == 0; }
  constexpr ac_int& operator++() { return *this += 1; }
  constexpr ac_int& operator--() { return *this -= 1; }
  constexpr ac_int operator++(int) {
    ac_int t = *this;
    *this += 1;
    return t;
  }
  constexpr ac_int operator--(int) {
    ac_int t = *this;
    *this -= 1;
    return t;
  }

  // ------------------------------------------------------------------ shifts (type kept)
  template <class K, typename std::enable_if<ap_detail::cint<K>::value, int>::type = 0>
  constexpr ac_int operator<<(K k) const {
    return shifted(static_cast<int>(k));
  }
  template <class K, typename std::enable_if<ap_detail::cint<K>::value, int>::type = 0>
  constexpr ac_int operator>>(K k) const {
    return shifted(-static_cast<int>(k));
  }
  template <int W2, bool S2>
  constexpr ac_int operator<<(const ac_int<W2, S2>& k) const {
    return shifted(static_cast<int>(k.raw()));
  }
  template <int W2, bool S2>
  constexpr ac_int operator>>(const ac_int<W2, S2>& k) const {
    return shifted(-static_cast<int>(k.raw()));
  }
  template <class K>
  constexpr ac_int& operator<<=(const K& k) {
    return *this = *this << k;
  }
  template <class K>
  constexpr ac_int& operator>>=(const K& k) {
    return *this = *this >> k;
  }

  // ------------------------------------------------------------------ compound assignment
  // Full precision, then wrapped back into this type (integer operands: directly modulo 2^W).
  template <class B>
  constexpr ac_int& operator+=(const B& b) {
    if constexpr (ap_detail::tr<B>::isint) {
      ap_detail::add_trn_wrap<W, W, S, false>(V, b);
      return *this;
    } else {
      return *this = ac_int(*this + b);
    }
  }
  template <class B>
  constexpr ac_int& operator-=(const B& b) {
    if constexpr (ap_detail::tr<B>::isint) {
      ap_detail::add_trn_wrap<W, W, S, true>(V, b);
      return *this;
    } else {
      return *this = ac_int(*this - b);
    }
  }
  template <class B>
  constexpr ac_int& operator*=(const B& b) {
    return *this = ac_int(*this * b);
  }
  template <class B>
  constexpr ac_int& operator/=(const B& b) {
    return *this = ac_int(*this / b);
  }
  template <class B>
  constexpr ac_int& operator%=(const B& b) {
    return *this = ac_int(*this % b);
  }
  template <class B>
  constexpr ac_int& operator&=(const B& b) {
    return *this = ac_int(*this & b);
  }
  template <class B>
  constexpr ac_int& operator|=(const B& b) {
    return *this = ac_int(*this | b);
  }
  template <class B>
  constexpr ac_int& operator^=(const B& b) {
    return *this = ac_int(*this ^ b);
  }

 private:
  static constexpr ap_detail::raw_t<W, false> all_ones() {
    return ap_detail::max_raw<W, false>();
  }
  constexpr ac_int shifted(int k) const {
    ac_int r;
    r.set_raw(ap_detail::raw_shift<W, S>(raw(), k));
    return r;
  }
};

// value<AC_VAL_MAX>(x): a value of x's type set to a special value (see set_val).
template <ac_special_val VAL, int W, bool S>
constexpr ac_int<W, S> value(ac_int<W, S>) {
  ac_int<W, S> r;
  return r.template set_val<VAL>();
}

#include "fx_ops.h"

namespace ap_detail {

template <int W_, bool S_>
struct tr<ac_int<W_, S_>, void> {
  static constexpr bool lib = true, any = true, isint = true, S = S_;
  static constexpr int W = W_, I = W_, fam = FAM_AC;
  typedef ac_int<W_, S_> T;
  AP_COMPAT_TINY static constexpr raw_t<W_, S_> get(const T& x) { return x.raw(); }
};

// Result types of the ac family: ac_int when both operands are integers, else ac_fixed with
// the default modes.
template <int W, int I, bool S, bool INT>
struct mk<W, I, S, INT, FAM_AC> {
  typedef ac_fixed<W, I, S> type;
};
template <int W, int I, bool S>
struct mk<W, I, S, true, FAM_AC> {
  typedef ac_int<W, S> type;
};

}  // namespace ap_detail

#endif  // FPGA_EXPORT_COMPAT_AC_INT_H

// fpga-export compat: ac_fixed<W,I,S,Q,O>, the Algorithmic C fixed-point type (our own
// implementation for csim, see ac_int.h; semantics from shared/conformance/README.md, every ac
// record of the conformance vectors holds).
//
// The value is raw * 2^(I-W) with a W-bit raw integer; I may be negative or larger than W.
// Limits: 1 <= W <= 128 (also for the full-precision results of + - *).
//
// Semantics:
//  * Conversions (from double/float, C integers, ac_int, other ac_fixed) quantise with this
//    type's Q (AC_TRN floor, AC_TRN_ZERO toward 0, AC_RND half up, AC_RND_ZERO half toward 0,
//    AC_RND_INF half away from 0, AC_RND_MIN_INF half down, AC_RND_CONV half to even,
//    AC_RND_CONV_ODD half to odd), then apply its O (AC_WRAP keeps the low W bits, AC_SAT
//    clamps, AC_SAT_ZERO gives 0, AC_SAT_SYM clamps to [-max, max] for signed types).  Doubles
//    convert exactly, except the reference's quirks 8 and 9 (reproduced, see ac_int.h).  As
//    the reference, an AC_SAT_SYM source at its minimum keeps it in an AC_SAT_SYM target with
//    the same I and at least its fraction bits (no overflow handling there).
//  * a + b, a - b, a * b are exact, in ac_fixed<W,I,S> (AC_TRN, AC_WRAP) of the same widths as
//    the ap types (README point 1); -a is ac_fixed<W+1,I+1,true>.  ac_int operands count as
//    ac_fixed<W,W,S>, C integers as ac_int<bits, signed>.  There is no arithmetic with double
//    (as in the reference); comparisons with a double are done in double.
//  * a += b etc.: a = a op b at full precision, converted back with a's own Q and O; ++a and
//    --a step by one LSB.
//  * a << k, a >> k keep the type and are raw bit shifts (no rounding, no saturation).
//  * Comparisons are exact value comparisons.
//  * to_int()/to_int64()/to_ac_int() floor (round toward -inf), then keep the low bits;
//    to_double() is correctly rounded.  No implicit conversion to double (as the reference).
#ifndef FPGA_EXPORT_COMPAT_AC_FIXED_H
#define FPGA_EXPORT_COMPAT_AC_FIXED_H

#include "ac_int.h"

template <int W, int I, bool S, ac_q_mode Q, ac_o_mode O>
class ac_fixed {
  static_assert(W >= 1 && W <= 128,
                "ac_fixed: width W must be in 1..128 in fpga-export's compat headers (this "
                "includes the full-precision result types of + - *); use the reference headers "
                "for wider types");
  static constexpr ap_q_mode QA = ac_detail::q_of(Q);
  static constexpr ap_o_mode OA = ac_detail::o_of(O);

 public:
  typedef ap_detail::raw_t<W, S> raw_type;
  typedef ap_detail::range_uint_t<W> range_uint;
  static constexpr int width = W;
  static constexpr int i_width = I;
  static constexpr bool sign = S;
  static constexpr bool sign_flag = S;
  static constexpr ac_q_mode q_mode = Q;
  static constexpr ac_o_mode o_mode = O;

  // Storage as in ap_fixed_base: the W-bit pattern, sign- or zero-extended, in an unsigned
  // native integer; value = raw() * 2^(I-W).
  typedef ap_detail::uint_t<W> store_type;
  store_type V;
  AP_COMPAT_TINY constexpr raw_type raw() const { return static_cast<raw_type>(V); }
  AP_COMPAT_TINY constexpr void set_raw(raw_type r) { V = static_cast<store_type>(r); }

  // ------------------------------------------------------------------ construction
  AP_COMPAT_TINY constexpr ac_fixed() : V(0) {}
  constexpr ac_fixed(const ac_fixed&) = default;
  constexpr ac_fixed& operator=(const ac_fixed&) = default;
  // As the reference: no overflow handling at all when this type holds every value of x's
  // type, counting an AC_SAT_SYM x as never holding its minimum (so that minimum stays).
  template <int W2, int I2, bool S2, ac_q_mode Q2, ac_o_mode O2>
  AP_COMPAT_TINY constexpr ac_fixed(const ac_fixed<W2, I2, S2, Q2, O2>& x)
      : V(store_type(ap_detail::fx_convert<W, I, S, QA,
                                           (O == AC_SAT_SYM && O2 == AC_SAT_SYM && S && S2 &&
                                                    I >= I2 && W - I >= W2 - I2
                                                ? AP_WRAP
                                                : OA),
                                           W2, I2, S2>(x.raw()))) {}
  template <int W2, bool S2>
  AP_COMPAT_TINY constexpr ac_fixed(const ac_int<W2, S2>& x)
      : V(store_type(ap_detail::fx_convert<W, I, S, QA, OA, W2, W2, S2>(x.raw()))) {}
  template <class T, typename std::enable_if<ap_detail::cint<T>::value, int>::type = 0>
  constexpr ac_fixed(T x) : ac_fixed(ac_int<ap_detail::cint<T>::W, ap_detail::cint<T>::S>(x)) {}
  constexpr ac_fixed(double x) : V(store_type(ac_detail::from_double<W, I, S, QA, OA>(x))) {}
  constexpr ac_fixed(float x) : ac_fixed(double(x)) {}
  template <class P>
  constexpr ac_fixed(const ap_detail::bit_ref<P>& b) : ac_fixed(bool(b)) {}

  // ------------------------------------------------------------------ conversion
  constexpr double to_double() const { return ap_detail::raw_to_double<W - I>(raw()); }
  constexpr float to_float() const { return ap_detail::raw_to_float<W, W - I>(raw()); }
  constexpr int to_int() const { return static_cast<int>(floor_to<32, true>()); }
  constexpr unsigned to_uint() const { return static_cast<unsigned>(floor_to<32, false>()); }
  constexpr long to_long() const { return static_cast<long>(floor_to<64, true>()); }
  constexpr unsigned long to_ulong() const {
    return static_cast<unsigned long>(floor_to<64, false>());
  }
  constexpr long long to_int64() const { return static_cast<long long>(floor_to<64, true>()); }
  constexpr unsigned long long to_uint64() const {
    return static_cast<unsigned long long>(floor_to<64, false>());
  }
  // All integer bits (floor); I < 1 gives a 1-bit ac_int.
  constexpr ac_int<(I > 1 ? I : 1), S> to_ac_int() const {
    constexpr int WI = I > 1 ? I : 1;
    ac_int<WI, S> r;
    r.set_raw(floor_to<WI, S>());
    return r;
  }
  constexpr int length() const { return W; }
  static std::string type_name() {
    static const char* const q[] = {"AC_TRN",     "AC_RND",         "AC_TRN_ZERO",
                                    "AC_RND_ZERO", "AC_RND_INF",    "AC_RND_MIN_INF",
                                    "AC_RND_CONV", "AC_RND_CONV_ODD"};
    static const char* const o[] = {"AC_WRAP", "AC_SAT", "AC_SAT_ZERO", "AC_SAT_SYM"};
    return "ac_fixed<" + std::to_string(W) + "," + std::to_string(I) + "," +
           ac_detail::bool_name(S) + "," + q[Q] + "," + o[O] + ">";
  }

  // ------------------------------------------------------------------ bits (raw pattern)
  constexpr bool get_bit(int i) const { return ap_detail::raw_get_bit<W, S>(raw(), i); }
  constexpr void set_bit(int i, bool b) { set_raw(ap_detail::raw_set_bit<W, S>(raw(), i, b)); }
  constexpr ap_detail::bit_ref<ac_fixed> operator[](int i) { return {this, i}; }
  constexpr bool operator[](int i) const { return get_bit(i); }
  template <int WS>
  constexpr ac_int<WS, S> slc(int lsb) const {
    ac_int<W, S> bits;
    bits.set_raw(raw());
    return bits.template slc<WS>(lsb);
  }
  template <int W2, bool S2>
  constexpr ac_fixed& set_slc(int lsb, const ac_int<W2, S2>& x) {
    ac_int<W, S> bits;
    bits.set_raw(raw());
    set_raw(bits.set_slc(lsb, x).raw());
    return *this;
  }
  constexpr bool is_neg() const { return ap_detail::isneg(raw()); }
  // AC_VAL_0, AC_VAL_MIN (AC_SAT_SYM: -max, and 0 for W == 1, as the reference), AC_VAL_MAX,
  // AC_VAL_QUANTUM (one LSB); AC_VAL_DC ("don't care"): 0 here.
  template <ac_special_val VAL>
  constexpr ac_fixed& set_val() {
    constexpr bool sym = O == AC_SAT_SYM && S;
    constexpr raw_type lo = sym ? (W == 1 ? raw_type(0) : raw_type(-ap_detail::max_raw<W, S>()))
                                : ap_detail::min_raw<W, S>();
    set_raw(VAL == AC_VAL_MIN   ? lo
            : VAL == AC_VAL_MAX ? ap_detail::max_raw<W, S>()
                                : raw_type(VAL == AC_VAL_QUANTUM));
    return *this;
  }

  // ------------------------------------------------------------------ unary
  constexpr ac_fixed<W + 1, I + 1, true> operator-() const {
    ac_fixed<W + 1, I + 1, true> r;
    r.set_raw(ap_detail::raw_neg<W, S>(raw()));
    return r;
  }
  constexpr ac_fixed operator+() const { return *this; }
  constexpr bool operator!() const { return V == 0; }
  // ++ and -- step by one quantum (LSB), as the reference, with this type's overflow mode.
  constexpr ac_fixed& operator++() { return *this += quantum(); }
  constexpr ac_fixed& operator--() { return *this -= quantum(); }
  constexpr ac_fixed operator++(int) {
    ac_fixed t = *this;
    *this += quantum();
    return t;
  }
  constexpr ac_fixed operator--(int) {
    ac_fixed t = *this;
    *this -= quantum();
    return t;
  }

  // ------------------------------------------------------------------ shifts (raw, type kept)
  template <class K, typename std::enable_if<ap_detail::cint<K>::value, int>::type = 0>
  constexpr ac_fixed operator<<(K k) const {
    return shifted(static_cast<int>(k));
  }
  template <class K, typename std::enable_if<ap_detail::cint<K>::value, int>::type = 0>
  constexpr ac_fixed operator>>(K k) const {
    return shifted(-static_cast<int>(k));
  }
  template <int W2, bool S2>
  constexpr ac_fixed operator<<(const ac_int<W2, S2>& k) const {
    return shifted(static_cast<int>(k.raw()));
  }
  template <int W2, bool S2>
  constexpr ac_fixed operator>>(const ac_int<W2, S2>& k) const {
    return shifted(-static_cast<int>(k.raw()));
  }
  template <class K>
  constexpr ac_fixed& operator<<=(const K& k) {
    return *this = *this << k;
  }
  template <class K>
  constexpr ac_fixed& operator>>=(const K& k) {
    return *this = *this >> k;
  }

  // ------------------------------------------------------------------ compound assignment
  template <class B>
  constexpr ac_fixed& operator+=(const B& b) {
    if constexpr (Q == AC_TRN && O == AC_WRAP && ap_detail::tr<B>::any) {
      ap_detail::add_trn_wrap<W, I, S, false>(V, b);  // same result, see ap_common.h
      return *this;
    } else {
      return *this = ac_fixed(*this + b);
    }
  }
  template <class B>
  constexpr ac_fixed& operator-=(const B& b) {
    if constexpr (Q == AC_TRN && O == AC_WRAP && ap_detail::tr<B>::any &&
                  ap_detail::tr<B>::W < 128) {
      ap_detail::add_trn_wrap<W, I, S, true>(V, b);
      return *this;
    } else {
      return *this = ac_fixed(*this - b);
    }
  }
  template <class B>
  constexpr ac_fixed& operator*=(const B& b) {
    return *this = ac_fixed(*this * b);
  }
  template <class B>
  constexpr ac_fixed& operator/=(const B& b) {
    return *this = ac_fixed(*this / b);
  }

 private:
  static constexpr ac_fixed<1, I - W + 1, false> quantum() {
    ac_fixed<1, I - W + 1, false> q;
    q.set_raw(1);
    return q;
  }
  template <int WT, bool ST>
  constexpr ap_detail::raw_t<WT, ST> floor_to() const {
    return ap_detail::fx_convert<WT, WT, ST, AP_TRN, AP_WRAP, W, I, S>(raw());
  }
  constexpr ac_fixed shifted(int k) const {
    ac_fixed r;
    r.set_raw(ap_detail::raw_shift<W, S>(raw(), k));
    return r;
  }
};

template <ac_special_val VAL, int W, int I, bool S, ac_q_mode Q, ac_o_mode O>
constexpr ac_fixed<W, I, S, Q, O> value(ac_fixed<W, I, S, Q, O>) {
  ac_fixed<W, I, S, Q, O> r;
  return r.template set_val<VAL>();
}

namespace ap_detail {

template <int W_, int I_, bool S_, ac_q_mode Q_, ac_o_mode O_>
struct tr<ac_fixed<W_, I_, S_, Q_, O_>, void> {
  static constexpr bool lib = true, any = true, isint = false, S = S_;
  static constexpr int W = W_, I = I_, fam = FAM_AC;
  typedef ac_fixed<W_, I_, S_, Q_, O_> T;
  AP_COMPAT_TINY static constexpr raw_t<W_, S_> get(const T& x) { return x.raw(); }
};

}  // namespace ap_detail

#endif  // FPGA_EXPORT_COMPAT_AC_FIXED_H

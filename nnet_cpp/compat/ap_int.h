// fpga-export compat: ap_int<W> / ap_uint<W> (our own implementation, see ap_common.h).
//
// ap_int<W> is ap_int_base<W, true>, ap_uint<W> is ap_int_base<W, false>; 1 <= W <= 128.
// Semantics (shared/conformance/README.md):
//  * from double: truncate toward zero, then wrap to W bits -- except a negative double in
//    (-0.5, 0) gives 1 (-1 for ap_int<1>): reference quirk 5, reproduced;
//  * from ap_fixed: truncate toward zero then wrap, except I == 0 sources, where a negative
//    value gives -1 (quirk 6); from integers / other ap_int: wrap;
//  * + - * / % & | ^ between ap_int types (and C integers, which behave as ap_int<32> etc.)
//    return full-precision ap_int types: + -> max(W1,W2)+1 bits, * -> W1+W2, / -> W1+S2,
//    % -> min(W1, W2 + (S1 && !S2)), bitwise -> max width (adjusted for signedness);
//  * << and >> keep the type (bits shifted out are lost);
//  * an ap_int converts implicitly to long long (ap_uint: unsigned long long), so it can
//    index arrays and mix with plain C++ code.
#ifndef FPGA_EXPORT_COMPAT_AP_INT_H
#define FPGA_EXPORT_COMPAT_AP_INT_H

#include "ap_common.h"

template <int W, bool S>
struct ap_int_base {
  static_assert(W >= 1 && W <= 128,
                "ap_int: width W must be in 1..128 in fpga-export's compat headers (this includes "
                "the full-precision result types of + - * /); use the vendor headers for wider "
                "types");
  typedef ap_detail::raw_t<W, S> raw_type;
  typedef ap_detail::range_uint_t<W> range_uint;
  typedef typename std::conditional<S, long long, unsigned long long>::type RetType;
  static constexpr int width = W;
  static constexpr bool sign_flag = S;

  // Storage: the W-bit pattern, sign- or zero-extended to the native width, held in an
  // unsigned integer (keeps wrap-around arithmetic free of casts, so loops vectorise);
  // raw() is the signed/unsigned integer value.
  typedef ap_detail::uint_t<W> store_type;
  store_type V;
  AP_COMPAT_TINY constexpr raw_type raw() const { return static_cast<raw_type>(V); }
  AP_COMPAT_TINY constexpr void set_raw(raw_type r) { V = static_cast<store_type>(r); }

  // ------------------------------------------------------------------ construction
  AP_COMPAT_TINY constexpr ap_int_base() : V(0) {}
  constexpr ap_int_base(const ap_int_base&) = default;
  constexpr ap_int_base& operator=(const ap_int_base&) = default;
  template <int W2, bool S2>
  constexpr ap_int_base(const ap_int_base<W2, S2>& x)
      : V(store_type(ap_detail::wrap_to<W, S>(x.raw()))) {}
  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
  constexpr ap_int_base(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& x)
      : V(store_type(
            ap_detail::fx_convert<W, W, S, (I2 == 0 ? AP_TRN : AP_TRN_ZERO), AP_WRAP, W2, I2, S2>(
                x.raw()))) {}
  template <class T, typename std::enable_if<ap_detail::cint<T>::value, int>::type = 0>
  constexpr ap_int_base(T x)
      : V(store_type(ap_detail::wrap_to<W, S>(
            static_cast<ap_detail::raw_t<ap_detail::cint<T>::W, ap_detail::cint<T>::S>>(x)))) {}
  constexpr ap_int_base(double x) : V(store_type(from_double(x))) {}
  constexpr ap_int_base(float x) : V(store_type(from_double(double(x)))) {}
  constexpr ap_int_base(long double x) : V(store_type(from_double(double(x)))) {}
  template <class P>
  constexpr ap_int_base(const ap_detail::bit_ref<P>& b) : V(store_type(bool(b))) {}
  template <class P>
  constexpr ap_int_base(const ap_detail::range_ref<P>& r)
      : V(store_type(ap_detail::wrap_to<W, S>(r.get()))) {}

  static constexpr raw_type from_double(double x) {
    if (x < 0 && x > -0.5) return ap_detail::wrap_to<W, S>(1);  // quirk 5 of the reference
    return ap_detail::from_double<W, W, S, AP_TRN_ZERO, AP_WRAP>(x);
  }

  // ------------------------------------------------------------------ conversion
  constexpr operator RetType() const { return static_cast<RetType>(raw()); }
  constexpr int to_int() const { return static_cast<int>(ap_detail::wrap_to<32, true>(raw())); }
  constexpr unsigned to_uint() const { return static_cast<unsigned>(raw()); }
  constexpr long to_long() const { return static_cast<long>(raw()); }
  constexpr unsigned long to_ulong() const { return static_cast<unsigned long>(raw()); }
  constexpr long long to_int64() const { return static_cast<long long>(raw()); }
  constexpr unsigned long long to_uint64() const { return static_cast<unsigned long long>(raw()); }
  constexpr double to_double() const { return ap_detail::raw_to_double<0>(raw()); }
  constexpr float to_float() const { return ap_detail::raw_to_float<W, 0>(raw()); }
  constexpr bool to_bool() const { return V != 0; }
  constexpr int length() const { return W; }

  // ------------------------------------------------------------------ bits
  constexpr bool get_bit(int i) const { return ap_detail::raw_get_bit<W, S>(raw(), i); }
  constexpr void set_bit(int i, bool b) { set_raw(ap_detail::raw_set_bit<W, S>(raw(), i, b)); }
  constexpr range_uint get_range(int hi, int lo) const {
    return ap_detail::raw_get_range<W, S>(raw(), hi, lo);
  }
  constexpr void set_range(int hi, int lo, range_uint x) {
    set_raw(ap_detail::raw_set_range<W, S>(raw(), hi, lo, x));
  }
  constexpr ap_detail::bit_ref<ap_int_base> operator[](int i) { return {this, i}; }
  constexpr bool operator[](int i) const { return get_bit(i); }
  constexpr ap_detail::bit_ref<ap_int_base> bit(int i) { return {this, i}; }
  constexpr bool bit(int i) const { return get_bit(i); }
  constexpr ap_detail::range_ref<ap_int_base> range(int hi, int lo) const {
    return {const_cast<ap_int_base*>(this), hi, lo};
  }
  constexpr ap_detail::range_ref<ap_int_base> range() const { return range(W - 1, 0); }
  constexpr ap_detail::range_ref<ap_int_base> operator()(int hi, int lo) const {
    return range(hi, lo);
  }
  constexpr bool and_reduce() const { return ap_detail::wrap_to<W, false>(raw()) == max_u(); }
  constexpr bool or_reduce() const { return V != 0; }
  constexpr bool xor_reduce() const {
    bool r = false;
    for (int i = 0; i < W; ++i) r ^= get_bit(i);
    return r;
  }
  constexpr bool nand_reduce() const { return !and_reduce(); }
  constexpr bool nor_reduce() const { return !or_reduce(); }
  constexpr bool xnor_reduce() const { return !xor_reduce(); }
  constexpr bool iszero() const { return V == 0; }
  constexpr bool is_zero() const { return V == 0; }
  constexpr bool sign() const { return ap_detail::isneg(raw()); }
  constexpr bool is_neg() const { return ap_detail::isneg(raw()); }

  // ------------------------------------------------------------------ unary
  constexpr ap_int_base<W + 1, true> operator-() const {
    ap_int_base<W + 1, true> r;
    typedef ap_detail::wuint_t<W + 1> U;
    r.set_raw(ap_detail::wrap_to<W + 1, true>(static_cast<U>(U(0) - static_cast<U>(raw()))));
    return r;
  }
  constexpr ap_int_base operator+() const { return *this; }
  constexpr ap_int_base operator~() const {
    ap_int_base r;
    r.set_raw(ap_detail::wrap_to<W, S>(~static_cast<ap_detail::wuint_t<W>>(raw())));
    return r;
  }
  constexpr bool operator!() const { return V == 0; }
  constexpr ap_int_base& operator++() {
    set_raw(ap_detail::wrap_to<W, S>(static_cast<ap_detail::wuint_t<W>>(raw()) + 1u));
    return *this;
  }
  constexpr ap_int_base& operator--() {
    set_raw(ap_detail::wrap_to<W, S>(static_cast<ap_detail::wuint_t<W>>(raw()) - 1u));
    return *this;
  }
  constexpr ap_int_base operator++(int) {
    ap_int_base t = *this;
    ++*this;
    return t;
  }
  constexpr ap_int_base operator--(int) {
    ap_int_base t = *this;
    --*this;
    return t;
  }

  // ------------------------------------------------------------------ shifts (type kept)
  template <class K, typename std::enable_if<ap_detail::cint<K>::value, int>::type = 0>
  constexpr ap_int_base operator<<(K k) const {
    return shifted(static_cast<int>(k));
  }
  template <class K, typename std::enable_if<ap_detail::cint<K>::value, int>::type = 0>
  constexpr ap_int_base operator>>(K k) const {
    return shifted(-static_cast<int>(k));
  }
  template <int W2, bool S2>
  constexpr ap_int_base operator<<(const ap_int_base<W2, S2>& k) const {
    return shifted(static_cast<int>(k.raw()));
  }
  template <int W2, bool S2>
  constexpr ap_int_base operator>>(const ap_int_base<W2, S2>& k) const {
    return shifted(-static_cast<int>(k.raw()));
  }
  template <class K>
  constexpr ap_int_base& operator<<=(const K& k) {
    return *this = *this << k;
  }
  template <class K>
  constexpr ap_int_base& operator>>=(const K& k) {
    return *this = *this >> k;
  }

  // ------------------------------------------------------------------ compound assignment
  // The right side is combined at full precision, then wrapped back into this type.
  template <class B>
  constexpr ap_int_base& operator+=(const B& b) {
    if constexpr (ap_detail::tr<B>::any && ap_detail::tr<B>::isint) {
      add_wrap<false>(ap_detail::tr<B>::get(b));  // same result, modulo 2^W
      return *this;
    } else {
      return *this = ap_int_base(*this + b);
    }
  }
  template <class B>
  constexpr ap_int_base& operator-=(const B& b) {
    if constexpr (ap_detail::tr<B>::any && ap_detail::tr<B>::isint) {
      add_wrap<true>(ap_detail::tr<B>::get(b));
      return *this;
    } else {
      return *this = ap_int_base(*this - b);
    }
  }
  template <class B>
  constexpr ap_int_base& operator*=(const B& b) {
    return *this = ap_int_base(*this * b);
  }
  template <class B>
  constexpr ap_int_base& operator/=(const B& b) {
    return *this = ap_int_base(*this / b);
  }
  template <class B>
  constexpr ap_int_base& operator%=(const B& b) {
    return *this = ap_int_base(*this % b);
  }
  template <class B>
  constexpr ap_int_base& operator&=(const B& b) {
    return *this = ap_int_base(*this & b);
  }
  template <class B>
  constexpr ap_int_base& operator|=(const B& b) {
    return *this = ap_int_base(*this | b);
  }
  template <class B>
  constexpr ap_int_base& operator^=(const B& b) {
    return *this = ap_int_base(*this ^ b);
  }

  constexpr int countLeadingZeros() const {
    int n = 0;
    for (int i = W - 1; i >= 0 && !get_bit(i); --i) ++n;
    return n;
  }

 private:
  template <bool SUB, class T>
  AP_COMPAT_INLINE constexpr void add_wrap(T y) {
    typedef ap_detail::wuint_t<W> U;
    const U ux = static_cast<U>(V), uy = static_cast<U>(y);
    const U sum = static_cast<U>(SUB ? ux - uy : ux + uy);
    if constexpr (W == ap_detail::num<U>::bits) V = sum;
    else set_raw(ap_detail::wrap_to<W, S>(sum));
  }
  static constexpr ap_detail::raw_t<W, false> max_u() { return ap_detail::max_raw<W, false>(); }
  constexpr ap_int_base shifted(int k) const {  // k > 0: left, k < 0: right
    ap_int_base r;
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
};

template <int W>
using ap_int = ap_int_base<W, true>;
template <int W>
using ap_uint = ap_int_base<W, false>;

// The vendor's ap_int.h also makes the fixed-point types available.
#include "ap_fixed.h"

#endif  // FPGA_EXPORT_COMPAT_AP_INT_H

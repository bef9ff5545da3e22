// C++11 stand-in for the vendor's ap_int.h, for SYNTAX CHECKS ONLY (tests/test_cpp_standard.py).
//
// The generated firmware and nnet_cpp/nnet/*.h must be C++11, because Vivado HLS's front end
// takes C++11 (Vitis HLS compiles them with -std=c++14). Our csim headers (nnet_cpp/compat/)
// need C++17, so this test compiles the firmware with `g++ -std=c++11 -pedantic-errors
// -fsyntax-only` (and -std=c++14) against these headers instead.
// They declare the vendor API our code uses with plausible full-precision result types;
// values are plain doubles and no quantization or overflow mode is applied: do not use
// them to compute anything. This file itself compiles with -std=c++11 -pedantic.
//
// ap_num<W, I, S> is the one number model behind ap_int<W> (= ap_num<W, W, true>),
// ap_uint<W>, ap_fixed<W, I, ...> and ap_ufixed<W, I, ...> (ap_fixed.h): W bits, I of them
// integer bits, signed if S. Operators take any mix of them and built-in integers and return
// an ap_num; comparisons also take floating-point values; like the vendor types, a number
// converts implicitly to double.
#ifndef CPP14_STANDIN_AP_INT_H_
#define CPP14_STANDIN_AP_INT_H_

#include <cmath>
#include <type_traits>

enum ap_q_mode { AP_RND, AP_RND_ZERO, AP_RND_MIN_INF, AP_RND_INF, AP_RND_CONV, AP_TRN, AP_TRN_ZERO };
enum ap_o_mode { AP_SAT, AP_SAT_ZERO, AP_SAT_SYM, AP_WRAP };

// Bits hi..lo of a number's raw two's-complement value (raw = value * 2^frac); x[i] is the
// one-bit range (i, i). Reads as an unsigned integer, assigning replaces those bits.
class ap_range_ref {
  public:
    ap_range_ref(double *value, int frac, int hi, int lo)
        : value_(value), frac_(frac), hi_(hi), lo_(lo) {}
    unsigned long long to_uint64() const { return (raw() >> lo_) & mask(); }
    unsigned to_uint() const { return static_cast<unsigned>(to_uint64()); }
    int to_int() const { return static_cast<int>(to_uint64()); }
    operator unsigned long long() const { return to_uint64(); }
    ap_range_ref &operator=(unsigned long long bits) {
        const unsigned long long r = (raw() & ~(mask() << lo_)) | ((bits & mask()) << lo_);
        *value_ = std::ldexp(static_cast<double>(static_cast<long long>(r)), -frac_);
        return *this;
    }
    ap_range_ref &operator=(const ap_range_ref &bits) { return *this = bits.to_uint64(); }

  private:
    unsigned long long raw() const {
        return static_cast<unsigned long long>(
            static_cast<long long>(std::floor(std::ldexp(*value_, frac_))));
    }
    unsigned long long mask() const {
        return hi_ - lo_ >= 63 ? ~0ULL : (1ULL << (hi_ - lo_ + 1)) - 1;
    }
    double *value_;
    int frac_, hi_, lo_;
};

template <int W, int I, bool S>
class ap_num {
    static_assert(W >= 1, "ap types have a width >= 1");

  public:
    static const int width = W;
    static const int iwidth = I;
    static const bool sign_flag = S;

    ap_num() : v_(0) {}
    ap_num(double x) : v_(x) {}
    template <int W2, int I2, bool S2>
    ap_num(const ap_num<W2, I2, S2> &x) : v_(x.to_double()) {}
    ap_num(const ap_range_ref &bits) : v_(static_cast<double>(bits.to_uint64())) {}

    double to_double() const { return v_; }
    operator double() const { return v_; }
    float to_float() const { return static_cast<float>(v_); }
    int to_int() const { return static_cast<int>(v_); }
    unsigned to_uint() const { return static_cast<unsigned>(v_); }
    long long to_int64() const { return static_cast<long long>(v_); }
    unsigned long long to_uint64() const { return static_cast<unsigned long long>(v_); }
    int length() const { return W; }

    // As in the vendor headers, a range of a const number is the same (writable) reference.
    ap_range_ref range(int hi, int lo) const {
        return ap_range_ref(const_cast<double *>(&v_), W - I, hi, lo);
    }
    ap_range_ref range() const { return range(W - 1, 0); }
    ap_range_ref operator[](int i) const { return range(i, i); }

    template <int W2, int I2, bool S2>
    ap_num &operator+=(const ap_num<W2, I2, S2> &x) { return *this = v_ + x.to_double(); }
    template <int W2, int I2, bool S2>
    ap_num &operator-=(const ap_num<W2, I2, S2> &x) { return *this = v_ - x.to_double(); }
    template <int W2, int I2, bool S2>
    ap_num &operator*=(const ap_num<W2, I2, S2> &x) { return *this = v_ * x.to_double(); }
    ap_num &operator+=(double x) { return *this = v_ + x; }
    ap_num &operator-=(double x) { return *this = v_ - x; }
    ap_num &operator*=(double x) { return *this = v_ * x; }
    ap_num &operator<<=(int n) { return *this = std::ldexp(v_, n); }
    ap_num &operator>>=(int n) { return *this = std::ldexp(v_, -n); }

  private:
    double v_;
};

constexpr int ap_max(int a, int b) { return a > b ? a : b; }

// Full-precision result types of a op b for ap_nums A and B (nothing is lost, as with the
// vendor types).
template <class A, class B>
struct ap_result {
    static const bool s = A::sign_flag || B::sign_flag;
    static const int f = ap_max(A::width - A::iwidth, B::width - B::iwidth);
    static const int i =
        ap_max(A::iwidth + (s && !A::sign_flag), B::iwidth + (s && !B::sign_flag)) + 1;
    typedef ap_num<i + f, i, s> plus;
    typedef ap_num<i + f, i, s> minus;
    typedef ap_num<A::width + B::width, A::iwidth + B::iwidth, s> mult;
    // the vendor's quotient keeps A's fraction bits (hls4ml's int(x * N / 16))
    typedef ap_num<A::width + ap_max(B::width - B::iwidth, 0) + B::sign_flag,
                   A::iwidth + B::width - B::iwidth + B::sign_flag, s>
        div;
};

// The ap_num a built-in integer operand stands for; no `type` for other types (so the
// overloads taking an integer drop out for them).
template <class T, bool = std::is_integral<T>::value>
struct ap_integer {};
template <class T>
struct ap_integer<T, true> {
    typedef ap_num<8 * sizeof(T), 8 * sizeof(T), std::is_signed<T>::value> type;
};

template <int W, int I, bool S>
ap_num<W + 1, I + 1, true> operator-(const ap_num<W, I, S> &a) {
    return -a.to_double();
}

// a OP b for two numbers, a number and an integer, or an integer and a number.
#define AP_STANDIN_ARITHMETIC(OP, RESULT)                                                    \
    template <int W1, int I1, bool S1, int W2, int I2, bool S2>                              \
    typename ap_result<ap_num<W1, I1, S1>, ap_num<W2, I2, S2> >::RESULT operator OP(         \
        const ap_num<W1, I1, S1> &a, const ap_num<W2, I2, S2> &b) {                          \
        return a.to_double() OP b.to_double();                                               \
    }                                                                                        \
    template <int W, int I, bool S, class T>                                                 \
    typename ap_result<ap_num<W, I, S>, typename ap_integer<T>::type>::RESULT operator OP(   \
        const ap_num<W, I, S> &a, T b) {                                                     \
        return a OP typename ap_integer<T>::type(b);                                         \
    }                                                                                        \
    template <int W, int I, bool S, class T>                                                 \
    typename ap_result<typename ap_integer<T>::type, ap_num<W, I, S> >::RESULT operator OP(  \
        T a, const ap_num<W, I, S> &b) {                                                     \
        return typename ap_integer<T>::type(a) OP b;                                         \
    }

AP_STANDIN_ARITHMETIC(+, plus)
AP_STANDIN_ARITHMETIC(-, minus)
AP_STANDIN_ARITHMETIC(*, mult)
AP_STANDIN_ARITHMETIC(/, div)
#undef AP_STANDIN_ARITHMETIC

// a OP b for two numbers, or a number and a built-in integer or floating-point value.
#define AP_STANDIN_COMPARISON(OP)                                                      \
    template <int W1, int I1, bool S1, int W2, int I2, bool S2>                        \
    bool operator OP(const ap_num<W1, I1, S1> &a, const ap_num<W2, I2, S2> &b) {       \
        return a.to_double() OP b.to_double();                                         \
    }                                                                                  \
    template <int W, int I, bool S, class T>                                           \
    typename std::enable_if<std::is_arithmetic<T>::value, bool>::type operator OP(     \
        const ap_num<W, I, S> &a, T b) {                                               \
        return a.to_double() OP b;                                                     \
    }                                                                                  \
    template <int W, int I, bool S, class T>                                           \
    typename std::enable_if<std::is_arithmetic<T>::value, bool>::type operator OP(     \
        T a, const ap_num<W, I, S> &b) {                                               \
        return a OP b.to_double();                                                     \
    }

AP_STANDIN_COMPARISON(==)
AP_STANDIN_COMPARISON(!=)
AP_STANDIN_COMPARISON(<)
AP_STANDIN_COMPARISON(<=)
AP_STANDIN_COMPARISON(>)
AP_STANDIN_COMPARISON(>=)
#undef AP_STANDIN_COMPARISON

// The user-facing types only add their name (and, for ap_fixed, the modes) to an ap_num.
template <int W>
class ap_int : public ap_num<W, W, true> {
  public:
    ap_int() {}
    ap_int(double x) : ap_num<W, W, true>(x) {}
    template <int W2, int I2, bool S2>
    ap_int(const ap_num<W2, I2, S2> &x) : ap_num<W, W, true>(x) {}
    ap_int(const ap_range_ref &bits) : ap_num<W, W, true>(bits) {}
};

template <int W>
class ap_uint : public ap_num<W, W, false> {
  public:
    ap_uint() {}
    ap_uint(double x) : ap_num<W, W, false>(x) {}
    template <int W2, int I2, bool S2>
    ap_uint(const ap_num<W2, I2, S2> &x) : ap_num<W, W, false>(x) {}
    ap_uint(const ap_range_ref &bits) : ap_num<W, W, false>(bits) {}
};

#endif

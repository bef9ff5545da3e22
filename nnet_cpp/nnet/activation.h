// Activation functions (element-wise) and softmax (last axis).
//
// Arithmetic (identical to fpga_export/layers/activation.py, whose docstring is the full
// specification): R(v) is the conversion `res_T y = v;` with res_T's own modes; products and
// sums are exact (full precision).
//   linear        R(x)
//   relu          x > 0 ? R(x) : 0
//   clipped_relu  x <= 0 ? 0 : x >= m ? R(m) : R(x)         m = param[0] (relu6: 6)
//   hardtanh      x <= lo ? R(lo) : x >= hi ? R(hi) : R(x)  lo = param[0], hi = param[1]
//   leaky_relu    x >= 0 ? R(x) : R(x * param[0])
//   elu           x >= 0 ? R(x) : R(table[one_sided(-x)])    table = alpha * (exp(x) - 1)
//   selu          x >= 0 ? R(x * param[0]) : R(table[one_sided(-x)])
//   sigmoid, tanh R(table[two_sided(x)])
//   softplus      x >= 2^table_range_log2 ? R(x) : R(table[two_sided(x)])
//   silu          x >= 2^table_range_log2 ? R(x) : R(table[two_sided(x)])  table = x*sigmoid(x)
//   softsign      x >= 0 ? R(1 - inv) : R(inv - 1)           inv = reciprocal(1 + |x|)
//   hard_sigmoid  t = x * param[0] + param[1]; t <= 0 ? 0 : t >= 1 ? R(1) : R(t)
//   softmax       m = max x; e_c = exp_table[one_sided(m - x_c)]; s = accum_t(0);
//                 s += accum_t(e_c) for c in order; s <= 0 ? 0 : R(e_c * reciprocal(s))
//
// Tables have table_size = N = 2^n entries; r = 2^table_range_log2. Entry i holds f at the bin
// center lo + i * bw; an input goes to the nearest center, ties upward (AP_RND), clamped:
//   two_sided(x): lo = -r, bw = 2r/N: index = clamp(floor(x / bw + 1/2) + N/2, 0, N-1), the
//                 raw bits of ap_fixed<n, log2(r)+1, AP_RND, AP_SAT>(x) with the top bit
//                 flipped.
//   one_sided(u): u >= 0, lo = 0, bw = r/N: index = min(floor(u / bw + 1/2), N-1), the raw bits
//                 of ap_ufixed<n, log2(r), AP_RND, AP_SAT>(u).
// The table contents are computed in Python (the backend passes them in as weights).
//
// reciprocal(d), d > 0 of type d_T with F fraction bits: p = position of the leading one of
// d's raw bits, j = the n bits after it (floor(raw * 2^(n-p)) - 2^n), result =
// inv_table[j] * 2^(F - p), exactly (a shift in a type wide enough for every p).
#ifndef NNET_ACTIVATION_H_
#define NNET_ACTIVATION_H_

#include "nnet/common.h"

namespace nnet {

struct activation_config {
    // sizes
    static const unsigned n_in = 10;    // values per sample (flat)
    static const unsigned n_chan = 10;  // last-axis length: softmax axis, stream packet size
    // lookup tables: table_size = 2^n entries over an input range of width 2^table_range_log2
    // (one-sided) or 2 * 2^table_range_log2 (two-sided)
    static const unsigned table_size = 1024;
    static const int table_range_log2 = 3;
    // implementation
    static const unsigned reuse_factor = 1;
    // types
    typedef fixed<18, 8, RND> param_t;
    typedef fixed<18, 8, RND, SAT> table_t;
    typedef fixed<18, 8, RND, SAT> exp_table_t;
    typedef fixed<18, 8, RND, SAT> inv_table_t;
    typedef fixed<22, 12> accum_t;
};

// log2 of a power of two, at compile time.
constexpr int log2_exact(unsigned n) { return n <= 1 ? 0 : 1 + log2_exact(n / 2); }

template <typename CONFIG_T>
struct table_shape {
    static_assert(CONFIG_T::table_size >= 2 &&
                      (CONFIG_T::table_size & (CONFIG_T::table_size - 1)) == 0,
                  "activation: table_size must be a power of two >= 2");
    static const int bits = log2_exact(CONFIG_T::table_size);
    static const int range = CONFIG_T::table_range_log2;
};

// Index of x in a two-sided table (centers -r ... r - bw).
template <typename CONFIG_T, class T>
inline unsigned two_sided_index(const T &x) {
#pragma HLS INLINE
    typedef table_shape<CONFIG_T> S;
    fixed<S::bits, S::range + 1, RND, SAT> q = x;
    return bits<S::bits - 1, 0>(q).to_uint() ^ (CONFIG_T::table_size / 2);
}

// Index of u >= 0 in a one-sided table (centers 0 ... r - bw).
template <typename CONFIG_T, class T>
inline unsigned one_sided_index(const T &u) {
#pragma HLS INLINE
    typedef table_shape<CONFIG_T> S;
    ufixed<S::bits, S::range, RND, SAT> q = u;
    return bits<S::bits - 1, 0>(q).to_uint();
}

// Integer and fraction bits of a fixed-point or integer type (nnet::fixed_traits).
template <class T>
struct fixed_bits {
    static const int I = fixed_traits<T>::I;
    static const int F = fixed_traits<T>::W - fixed_traits<T>::I;
};

// 2^E exactly (a signed type: comparisons with signed and unsigned values stay exact).
template <int E>
inline fixed<2, E + 2> pow2_value() {
    fixed<2, E + 2> v = 0;
    set_bits<0, 0>(v, 1);
    return v;
}

// The type reciprocal() returns: inv_T scaled by any 2^s, s in [1 - I_d, F_d], exactly.
template <class d_T, class inv_T>
struct reciprocal_type {
    static const int F = fixed_bits<d_T>::F;
    static const int up = F > 0 ? F : 0;
    static const int down = fixed_bits<d_T>::I > 1 ? fixed_bits<d_T>::I - 1 : 0;
    typedef fixed<inv_T::width + up + down + 1, fixed_bits<inv_T>::I + up + 1> type;
};

// 1/d for d > 0, normalized like a float (see the top of this file).
template <typename CONFIG_T, class d_T, class inv_T>
typename reciprocal_type<d_T, inv_T>::type reciprocal(const d_T &d, const inv_T inv_table[]) {
#pragma HLS INLINE
    const int W = d_T::width;
    const int n = table_shape<CONFIG_T>::bits;
    int p = 0;
LeadingOne:
    for (int b = 0; b < W; b++) {
#pragma HLS UNROLL
        if (d[b]) p = b;
    }
    uint<W + n> t = bits<W - 1, 0>(d);
    t <<= n;
    t >>= p;
    typename reciprocal_type<d_T, inv_T>::type r = inv_table[bits<n - 1, 0>(t).to_uint()];
    const int s = reciprocal_type<d_T, inv_T>::F - p;
    if (s >= 0) {
        r <<= s;
    } else {
        r >>= -s;
    }
    return r;
}

// ------------------------------------------------------------------ per-value kernels
template <class res_T, typename CONFIG_T, class data_T>
inline res_T linear_value(const data_T &x) {
    return (res_T)x;
}

template <class res_T, typename CONFIG_T, class data_T>
inline res_T relu_value(const data_T &x) {
    if (x > 0) return (res_T)x;
    return (res_T)0;
}

template <class res_T, typename CONFIG_T, class data_T>
inline res_T clipped_relu_value(const data_T &x, const typename CONFIG_T::param_t param[1]) {
    if (x <= 0) return (res_T)0;
    if (x >= param[0]) return (res_T)param[0];
    return (res_T)x;
}

template <class res_T, typename CONFIG_T, class data_T>
inline res_T hardtanh_value(const data_T &x, const typename CONFIG_T::param_t param[2]) {
    // compared through exact (signed) differences: a direct comparison of an unsigned x with
    // a negative param would hit the vendor's mixed-sign comparison quirk
    if (x - param[0] <= 0) return (res_T)param[0];
    if (x - param[1] >= 0) return (res_T)param[1];
    return (res_T)x;
}

template <class res_T, typename CONFIG_T, class data_T>
inline res_T leaky_relu_value(const data_T &x, const typename CONFIG_T::param_t param[1]) {
    if (x >= 0) return (res_T)x;
    return (res_T)(x * param[0]);
}

template <class res_T, typename CONFIG_T, class data_T>
inline res_T elu_value(const data_T &x, const typename CONFIG_T::table_t table[]) {
    if (x >= 0) return (res_T)x;
    return (res_T)table[one_sided_index<CONFIG_T>(-x)];
}

template <class res_T, typename CONFIG_T, class data_T>
inline res_T selu_value(const data_T &x, const typename CONFIG_T::param_t param[1],
                        const typename CONFIG_T::table_t table[]) {
    if (x >= 0) return (res_T)(x * param[0]);
    return (res_T)table[one_sided_index<CONFIG_T>(-x)];
}

template <class res_T, typename CONFIG_T, class data_T>
inline res_T sigmoid_value(const data_T &x, const typename CONFIG_T::table_t table[]) {
    return (res_T)table[two_sided_index<CONFIG_T>(x)];
}

template <class res_T, typename CONFIG_T, class data_T>
inline res_T tanh_value(const data_T &x, const typename CONFIG_T::table_t table[]) {
    return (res_T)table[two_sided_index<CONFIG_T>(x)];
}

template <class res_T, typename CONFIG_T, class data_T>
inline res_T softplus_value(const data_T &x, const typename CONFIG_T::table_t table[]) {
    if (x >= pow2_value<CONFIG_T::table_range_log2>()) return (res_T)x;
    return (res_T)table[two_sided_index<CONFIG_T>(x)];
}

template <class res_T, typename CONFIG_T, class data_T>
inline res_T silu_value(const data_T &x, const typename CONFIG_T::table_t table[]) {
    if (x >= pow2_value<CONFIG_T::table_range_log2>()) return (res_T)x;
    return (res_T)table[two_sided_index<CONFIG_T>(x)];
}

template <class res_T, typename CONFIG_T, class data_T>
inline res_T softsign_value(const data_T &x, const typename CONFIG_T::inv_table_t inv_table[]) {
    // d = 1 + |x| in a type holding it exactly: F_d = max(F_x, 0)
    const int F = fixed_bits<data_T>::F, I = fixed_bits<data_T>::I;
    const int FD = F > 0 ? F : 0;
    const int ID = (I > 0 ? I : 0) + 2;
    ufixed<ID + FD, ID> d;
    if (x < 0) {
        d = -x;
    } else {
        d = x;
    }
    d += 1;
    const ufixed<1, 1> one = 1;
    if (x >= 0) return (res_T)(one - reciprocal<CONFIG_T>(d, inv_table));
    return (res_T)(reciprocal<CONFIG_T>(d, inv_table) - one);
}

template <class res_T, typename CONFIG_T, class data_T>
inline res_T hard_sigmoid_value(const data_T &x, const typename CONFIG_T::param_t param[2]) {
    const auto t = x * param[0] + param[1];
    if (t <= 0) return (res_T)0;
    if (t >= 1) return (res_T)1;
    return (res_T)t;
}

// ------------------------------------------------------------------ element-wise layers
// NAME(data, res, weights...) on arrays of n_in values; NAME_stream(data, res, weights...) on
// n_in / packet::size packets. Both apply NAME_value to every value.
#define NNET_ELEMENTWISE(NAME, DECLS, ARGS)                                                  \
    template <class data_T, class res_T, typename CONFIG_T>                                  \
    void NAME(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in] DECLS) {          \
        _Pragma("HLS PIPELINE")                                                              \
        for (unsigned i = 0; i < CONFIG_T::n_in; i++) {                                      \
            _Pragma("HLS UNROLL")                                                            \
            res[i] = NAME##_value<res_T, CONFIG_T>(data[i] ARGS);                            \
        }                                                                                    \
    }                                                                                        \
    template <class data_T, class res_T, typename CONFIG_T>                                  \
    void NAME##_stream(stream<data_T> &data, stream<res_T> &res DECLS) {                     \
        static_assert(data_T::size == res_T::size, #NAME ": input and output packets differ"); \
        for (unsigned p = 0; p < CONFIG_T::n_in / data_T::size; p++) {                       \
            _Pragma("HLS PIPELINE")                                                          \
            const data_T in = data.read();                                                   \
            res_T out;                                                                       \
            for (unsigned c = 0; c < data_T::size; c++) {                                    \
                _Pragma("HLS UNROLL")                                                        \
                out[c] = NAME##_value<typename res_T::value_type, CONFIG_T>(in[c] ARGS);     \
            }                                                                                \
            res.write(out);                                                                  \
        }                                                                                    \
    }

// Declarations and arguments of the weight arrays (each starts with its comma).
#define NNET_PARAM , const typename CONFIG_T::param_t param[]
#define NNET_TABLE , const typename CONFIG_T::table_t table[CONFIG_T::table_size]
#define NNET_INV_TABLE , const typename CONFIG_T::inv_table_t inv_table[CONFIG_T::table_size]
#define NNET_PARAM_ARG , param
#define NNET_TABLE_ARG , table
#define NNET_INV_TABLE_ARG , inv_table

NNET_ELEMENTWISE(linear, , )
NNET_ELEMENTWISE(relu, , )
NNET_ELEMENTWISE(clipped_relu, NNET_PARAM, NNET_PARAM_ARG)
NNET_ELEMENTWISE(hardtanh, NNET_PARAM, NNET_PARAM_ARG)
NNET_ELEMENTWISE(leaky_relu, NNET_PARAM, NNET_PARAM_ARG)
NNET_ELEMENTWISE(elu, NNET_TABLE, NNET_TABLE_ARG)
NNET_ELEMENTWISE(selu, NNET_PARAM NNET_TABLE, NNET_PARAM_ARG NNET_TABLE_ARG)
NNET_ELEMENTWISE(sigmoid, NNET_TABLE, NNET_TABLE_ARG)
NNET_ELEMENTWISE(tanh, NNET_TABLE, NNET_TABLE_ARG)
NNET_ELEMENTWISE(softplus, NNET_TABLE, NNET_TABLE_ARG)
NNET_ELEMENTWISE(silu, NNET_TABLE, NNET_TABLE_ARG)
NNET_ELEMENTWISE(softsign, NNET_INV_TABLE, NNET_INV_TABLE_ARG)
NNET_ELEMENTWISE(hard_sigmoid, NNET_PARAM, NNET_PARAM_ARG)

#undef NNET_PARAM
#undef NNET_TABLE
#undef NNET_INV_TABLE
#undef NNET_PARAM_ARG
#undef NNET_TABLE_ARG
#undef NNET_INV_TABLE_ARG
#undef NNET_ELEMENTWISE

// ------------------------------------------------------------------ softmax (last axis)
template <class data_T, class res_T, typename CONFIG_T>
void softmax_vector(const data_T x[CONFIG_T::n_chan], res_T res[CONFIG_T::n_chan],
                    const typename CONFIG_T::exp_table_t exp_table[CONFIG_T::table_size],
                    const typename CONFIG_T::inv_table_t inv_table[CONFIG_T::table_size]) {
#pragma HLS INLINE
    const data_T m = vector_max<data_T, CONFIG_T::n_chan>(x);
    typename CONFIG_T::exp_table_t e[CONFIG_T::n_chan];
#pragma HLS ARRAY_PARTITION variable=e type=complete
    typename CONFIG_T::accum_t sum = 0;
Exp:
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        e[c] = exp_table[one_sided_index<CONFIG_T>(m - x[c])];
        sum += (typename CONFIG_T::accum_t)e[c];
    }
    if (sum <= 0) {
        for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
            res[c] = 0;
        }
        return;
    }
    const auto inv = reciprocal<CONFIG_T>(sum, inv_table);
Normalize:
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        res[c] = (res_T)(e[c] * inv);
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void softmax(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
             const typename CONFIG_T::exp_table_t exp_table[CONFIG_T::table_size],
             const typename CONFIG_T::inv_table_t inv_table[CONFIG_T::table_size]) {
#pragma HLS PIPELINE
    static_assert(CONFIG_T::n_in % CONFIG_T::n_chan == 0, "softmax: n_chan must divide n_in");
    for (unsigned v = 0; v < CONFIG_T::n_in / CONFIG_T::n_chan; v++) {
#pragma HLS UNROLL
        softmax_vector<data_T, res_T, CONFIG_T>(data + v * CONFIG_T::n_chan,
                                                res + v * CONFIG_T::n_chan, exp_table, inv_table);
    }
}

// io_stream: one packet is one softmax vector.
template <class data_T, class res_T, typename CONFIG_T>
void softmax_stream(stream<data_T> &data, stream<res_T> &res,
                    const typename CONFIG_T::exp_table_t exp_table[CONFIG_T::table_size],
                    const typename CONFIG_T::inv_table_t inv_table[CONFIG_T::table_size]) {
    static_assert(data_T::size == CONFIG_T::n_chan && res_T::size == CONFIG_T::n_chan,
                  "softmax_stream: packets must hold one softmax vector (n_chan values)");
    for (unsigned p = 0; p < CONFIG_T::n_in / CONFIG_T::n_chan; p++) {
#pragma HLS PIPELINE
        const data_T in = data.read();
        res_T out;
        softmax_vector<typename data_T::value_type, typename res_T::value_type, CONFIG_T>(
            in.data, out.data, exp_table, inv_table);
        res.write(out);
    }
}

}  // namespace nnet

#endif

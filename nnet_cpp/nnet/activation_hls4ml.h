// Lookup-table activations computed as hls4ml computes them (identical to
// fpga_export/layers/activation_hls4ml.py, whose docstring is the specification). N =
// table_size = 2^n, R(v) the conversion into res_T; divisions and to_int() truncate toward 0.
//   element-wise  R(table[clamp(int(x * N / 2r) + N/2, 0, N-1)])   r = table_range
//   elu, selu     x >= 0 ? R(x) (selu: R(res_T(scale) * x)) : R(table[min(int(x * N / -r), N-1)])
//                 (elu: R(alpha * table[...]), alpha a param_t)
//   softmax       stable: e_c = exp_table[top(data_T(diff_t(x_c - max x)))]; latency:
//                 e_c = exp_table[top(x_c)]; s = hls4ml's adder tree of the e_c in
//                 exp_table_t; R(e_c * inv_table[top(s)]). argmax: 1 at the first maximum.
// top(v): the top n bits of v's bit pattern. The tables are computed in Python (hls4ml's
// float32 formulas) and passed in as constant ROMs.
#ifndef NNET_ACTIVATION_HLS4ML_H_
#define NNET_ACTIVATION_HLS4ML_H_

#include "nnet/common.h"
#include "nnet/quantizer.h"

namespace nnet {

struct activation_hls4ml_config {
    static const unsigned n_in = 10;        // values per sample (flat)
    static const unsigned n_chan = 10;      // last-axis length: softmax axis, stream packet size
    static const unsigned table_size = 1024;
    static const unsigned exp_table_size = 1024;  // hls4ml main's softmax: its own exp size
    static const int table_range = 8;       // element-wise tables cover [-range, range)
    static const unsigned reuse_factor = 1;
    typedef fixed<18, 8> table_t;
    typedef fixed<18, 8, RND, SAT> exp_table_t;
    typedef fixed<18, 8, RND, SAT> inv_table_t;
    typedef fixed<16, 6> param_t;  // elu's alpha
    typedef fixed<16, 6> accum_t;                // hls4ml main's softmax: exps and their sum,
    typedef fixed<18, 8, RND, SAT> inv_inp_t;    // the sum as the 1/sum table's index,
    typedef ufixed<15, 5> inp_norm_t;            // max - x (stable)
};

// log2 of a power of two and the largest power of two <= n, at compile time (C++11).
constexpr int hls4ml_log2(unsigned n) { return n <= 1 ? 0 : 1 + hls4ml_log2(n / 2); }
constexpr int hls4ml_pow2_floor(int n) { return n <= 1 ? 1 : 2 * hls4ml_pow2_floor(n / 2); }

// hls4ml's element-wise index: int(x * N / 2r) + N/2, clamped to the table.
template <typename CONFIG_T, class data_T>
inline unsigned hls4ml_index(const data_T &x) {
#pragma HLS INLINE
    const unsigned n = CONFIG_T::table_size;  // locals: the operators take references
    const int span = 2 * CONFIG_T::table_range;
    const int index = int(unsigned(to_int_trunc(x * n / span)) + n / 2);
    return index < 0 ? 0u : index > int(n - 1) ? n - 1 : unsigned(index);
}

// elu/selu: int(x * N / -r) for x < 0, at most N - 1.
template <typename CONFIG_T, class data_T>
inline unsigned hls4ml_negative_index(const data_T &x) {
#pragma HLS INLINE
    const unsigned n = CONFIG_T::table_size;
    const int neg_range = -CONFIG_T::table_range;
    const int index = to_int_trunc(x * n / neg_range);
    return index < 0 ? 0u : index > int(n - 1) ? n - 1 : unsigned(index);
}

struct hls4ml_table_fn {
    template <class res_T, typename CONFIG_T, class data_T, class table_T>
    static res_T value(const data_T &x, const table_T table[]) {
#pragma HLS INLINE
        return (res_T)table[hls4ml_index<CONFIG_T>(x)];
    }
};

// elu: alpha (a param_t) times the alpha-1 table entry, at full precision.
template <class res_T, typename CONFIG_T, class data_T>
inline res_T hls4ml_elu_value(const data_T &x, const typename CONFIG_T::table_t table[],
                              const typename CONFIG_T::param_t &alpha) {
#pragma HLS INLINE
    if (x >= 0) return (res_T)x;
    return (res_T)(alpha * table[hls4ml_negative_index<CONFIG_T>(x)]);
}

struct hls4ml_selu_fn {
    template <class res_T, typename CONFIG_T, class data_T, class table_T>
    static res_T value(const data_T &x, const table_T table[]) {
#pragma HLS INLINE
        if (x >= 0) return (res_T)(res_T(1.0507009873554804934193349852946) * x);
        return (res_T)table[hls4ml_negative_index<CONFIG_T>(x)];
    }
};

// NAME(data, res, table) on arrays, NAME_stream on packets: FN::value on every value (the
// element-wise loops of nnet/quantizer.h).
#define NNET_HLS4ML_TABLE(NAME, FN)                                                          \
    template <class data_T, class res_T, typename CONFIG_T>                                  \
    void NAME(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],                  \
              const typename CONFIG_T::table_t table[CONFIG_T::table_size]) {                \
        quantize_array<FN, data_T, res_T, CONFIG_T>(data, res, table);                       \
    }                                                                                        \
    template <class data_T, class res_T, typename CONFIG_T>                                  \
    void NAME##_stream(stream<data_T> &data, stream<res_T> &res,                             \
                       const typename CONFIG_T::table_t table[CONFIG_T::table_size]) {       \
        quantize_stream<FN, data_T, res_T, CONFIG_T>(data, res, table);                      \
    }

NNET_HLS4ML_TABLE(hls4ml_sigmoid, hls4ml_table_fn)
NNET_HLS4ML_TABLE(hls4ml_tanh, hls4ml_table_fn)
NNET_HLS4ML_TABLE(hls4ml_softplus, hls4ml_table_fn)
NNET_HLS4ML_TABLE(hls4ml_softsign, hls4ml_table_fn)
NNET_HLS4ML_TABLE(hls4ml_selu, hls4ml_selu_fn)
#undef NNET_HLS4ML_TABLE

template <class data_T, class res_T, typename CONFIG_T>
void hls4ml_elu(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
                const typename CONFIG_T::table_t table[CONFIG_T::table_size],
                const typename CONFIG_T::param_t param[1]) {
#pragma HLS PIPELINE
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        res[i] = hls4ml_elu_value<res_T, CONFIG_T>(data[i], table, param[0]);
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void hls4ml_elu_stream(stream<data_T> &data, stream<res_T> &res,
                       const typename CONFIG_T::table_t table[CONFIG_T::table_size],
                       const typename CONFIG_T::param_t param[1]) {
    static_assert(data_T::size == res_T::size, "hls4ml_elu: input and output packets differ");
    typedef typename res_T::value_type out_t;
    for (unsigned p = 0; p < CONFIG_T::n_in / data_T::size; p++) {
#pragma HLS PIPELINE
        const data_T in = data.read();
        res_T out;
        for (unsigned c = 0; c < data_T::size; c++) {
#pragma HLS UNROLL
            out[c] = hls4ml_elu_value<out_t, CONFIG_T>(in[c], table, param[0]);
        }
        res.write(out);
    }
}

// ------------------------------------------------------------------ softmax (last axis)
// The top n bits of x's bit pattern: hls4ml's softmax table index.
template <int N_BITS, class T>
inline unsigned hls4ml_top_bits(const T &x) {
#pragma HLS INLINE
    static_assert(T::width >= N_BITS, "hls4ml softmax: the index type is narrower than log2(N)");
    return bits<T::width - 1, T::width - N_BITS>(x).to_uint();
}

// hls4ml's adder tree: the first part holds the largest power of two below N; every partial
// sum is a T.
template <class T, int N>
struct hls4ml_tree_sum {
    static T sum(const T *x) {
#pragma HLS INLINE
        const int left = hls4ml_pow2_floor(N - 1);
        return T(hls4ml_tree_sum<T, left>::sum(x) + hls4ml_tree_sum<T, N - left>::sum(x + left));
    }
};
template <class T>
struct hls4ml_tree_sum<T, 2> {
    static T sum(const T *x) { return T(x[0] + x[1]); }
};
template <class T>
struct hls4ml_tree_sum<T, 1> {
    static T sum(const T *x) { return x[0]; }
};

// The exp_table index: stable from data_T(diff_t(x - max)), latency from x itself.
template <bool STABLE>
struct hls4ml_exp_index {
    template <int N_BITS, typename CONFIG_T, class data_T>
    static unsigned get(const data_T &x, const data_T &m) {
#pragma HLS INLINE
        const typename CONFIG_T::diff_t d = x - m;
        return hls4ml_top_bits<N_BITS>(data_T(d));
    }
};
template <>
struct hls4ml_exp_index<false> {
    template <int N_BITS, typename CONFIG_T, class data_T>
    static unsigned get(const data_T &x, const data_T &) {
#pragma HLS INLINE
        return hls4ml_top_bits<N_BITS>(x);
    }
};

template <bool STABLE, class data_T, class res_T, typename CONFIG_T>
void hls4ml_softmax_vector(const data_T x[CONFIG_T::n_chan], res_T res[CONFIG_T::n_chan],
                           const typename CONFIG_T::exp_table_t exp_table[CONFIG_T::table_size],
                           const typename CONFIG_T::inv_table_t inv_table[CONFIG_T::table_size]) {
#pragma HLS INLINE
    const int n = hls4ml_log2(CONFIG_T::table_size);
    const data_T m = vector_max<data_T, CONFIG_T::n_chan>(x);
    typename CONFIG_T::exp_table_t e[CONFIG_T::n_chan];
#pragma HLS ARRAY_PARTITION variable=e type=complete
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        e[c] = exp_table[hls4ml_exp_index<STABLE>::template get<n, CONFIG_T>(x[c], m)];
    }
    const typename CONFIG_T::exp_table_t s =
        hls4ml_tree_sum<typename CONFIG_T::exp_table_t, CONFIG_T::n_chan>::sum(e);
    const typename CONFIG_T::inv_table_t inv = inv_table[hls4ml_top_bits<n>(s)];
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        res[c] = (res_T)(e[c] * inv);
    }
}

// hls4ml main's exp_table index: stable from inp_norm_t(max - x), latency from x itself.
template <bool STABLE>
struct hls4ml_main_exp_index {
    template <int N_BITS, typename CONFIG_T, class data_T>
    static unsigned get(const data_T &x, const data_T &m) {
#pragma HLS INLINE
        const typename CONFIG_T::inp_norm_t d = m - x;
        return hls4ml_top_bits<N_BITS>(d);
    }
};
template <>
struct hls4ml_main_exp_index<false> {
    template <int N_BITS, typename CONFIG_T, class data_T>
    static unsigned get(const data_T &x, const data_T &) {
#pragma HLS INLINE
        return hls4ml_top_bits<N_BITS>(x);
    }
};

// hls4ml main's softmax: exps held and summed in accum_t, the sum's inv_inp_t top bits index
// inv_table, res = R(exp * inv).
template <bool STABLE, class data_T, class res_T, typename CONFIG_T>
void hls4ml_softmax_main_vector(
    const data_T x[CONFIG_T::n_chan], res_T res[CONFIG_T::n_chan],
    const typename CONFIG_T::exp_table_t exp_table[CONFIG_T::exp_table_size],
    const typename CONFIG_T::inv_table_t inv_table[CONFIG_T::table_size]) {
#pragma HLS INLINE
    const int ne = hls4ml_log2(CONFIG_T::exp_table_size), n = hls4ml_log2(CONFIG_T::table_size);
    const data_T m = vector_max<data_T, CONFIG_T::n_chan>(x);
    typename CONFIG_T::accum_t e[CONFIG_T::n_chan];
#pragma HLS ARRAY_PARTITION variable=e type=complete
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        e[c] = exp_table[hls4ml_main_exp_index<STABLE>::template get<ne, CONFIG_T>(x[c], m)];
    }
    const typename CONFIG_T::inv_inp_t s =
        hls4ml_tree_sum<typename CONFIG_T::accum_t, CONFIG_T::n_chan>::sum(e);
    const typename CONFIG_T::inv_table_t inv = inv_table[hls4ml_top_bits<n>(s)];
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        res[c] = (res_T)(e[c] * inv);
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void hls4ml_argmax_vector(const data_T x[CONFIG_T::n_chan], res_T res[CONFIG_T::n_chan]) {
#pragma HLS INLINE
    data_T m = x[0];
    unsigned at = 0;
    for (unsigned c = 1; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        if (x[c] > m) {
            m = x[c];
            at = c;
        }
    }
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        res[c] = (res_T)(c == at ? 1 : 0);
    }
}

// io_parallel: every vector of the n_in values; io_stream: one packet is one vector.
#define NNET_HLS4ML_SOFTMAX(NAME, CALL, DECLS)                                               \
    template <class data_T, class res_T, typename CONFIG_T>                                  \
    void NAME(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in] DECLS) {          \
        _Pragma("HLS PIPELINE")                                                              \
        static_assert(CONFIG_T::n_in % CONFIG_T::n_chan == 0, "softmax: n_chan must divide n_in"); \
        for (unsigned v = 0; v < CONFIG_T::n_in / CONFIG_T::n_chan; v++) {                   \
            _Pragma("HLS UNROLL")                                                            \
            const data_T *x = data + v * CONFIG_T::n_chan;                                   \
            res_T *y = res + v * CONFIG_T::n_chan;                                           \
            CALL(data_T, res_T);                                                             \
        }                                                                                    \
    }                                                                                        \
    template <class data_T, class res_T, typename CONFIG_T>                                  \
    void NAME##_stream(stream<data_T> &data, stream<res_T> &res DECLS) {                     \
        static_assert(data_T::size == CONFIG_T::n_chan && res_T::size == CONFIG_T::n_chan,   \
                      "softmax_stream: packets must hold one softmax vector (n_chan values)"); \
        for (unsigned p = 0; p < CONFIG_T::n_in / CONFIG_T::n_chan; p++) {                   \
            _Pragma("HLS PIPELINE")                                                          \
            const data_T in = data.read();                                                   \
            res_T out;                                                                       \
            const typename data_T::value_type *x = in.data;                                  \
            typename res_T::value_type *y = out.data;                                        \
            CALL(typename data_T::value_type, typename res_T::value_type);                   \
            res.write(out);                                                                  \
        }                                                                                    \
    }

#define NNET_HLS4ML_TABLES                                                                   \
    , const typename CONFIG_T::exp_table_t exp_table[CONFIG_T::table_size],                  \
        const typename CONFIG_T::inv_table_t inv_table[CONFIG_T::table_size]
#define NNET_HLS4ML_STABLE(D, R) hls4ml_softmax_vector<true, D, R, CONFIG_T>(x, y, exp_table, inv_table)
#define NNET_HLS4ML_LATENCY(D, R) hls4ml_softmax_vector<false, D, R, CONFIG_T>(x, y, exp_table, inv_table)
#define NNET_HLS4ML_ARGMAX(D, R) hls4ml_argmax_vector<D, R, CONFIG_T>(x, y)
#define NNET_HLS4ML_MAIN_TABLES                                                              \
    , const typename CONFIG_T::exp_table_t exp_table[CONFIG_T::exp_table_size],              \
        const typename CONFIG_T::inv_table_t inv_table[CONFIG_T::table_size]
#define NNET_HLS4ML_MAIN_STABLE(D, R)                                                        \
    hls4ml_softmax_main_vector<true, D, R, CONFIG_T>(x, y, exp_table, inv_table)
#define NNET_HLS4ML_MAIN_LATENCY(D, R)                                                       \
    hls4ml_softmax_main_vector<false, D, R, CONFIG_T>(x, y, exp_table, inv_table)

NNET_HLS4ML_SOFTMAX(hls4ml_softmax_stable, NNET_HLS4ML_STABLE, NNET_HLS4ML_TABLES)
NNET_HLS4ML_SOFTMAX(hls4ml_softmax_latency, NNET_HLS4ML_LATENCY, NNET_HLS4ML_TABLES)
NNET_HLS4ML_SOFTMAX(hls4ml_softmax_argmax, NNET_HLS4ML_ARGMAX, )
NNET_HLS4ML_SOFTMAX(hls4ml_softmax_main_stable, NNET_HLS4ML_MAIN_STABLE, NNET_HLS4ML_MAIN_TABLES)
NNET_HLS4ML_SOFTMAX(hls4ml_softmax_main_latency, NNET_HLS4ML_MAIN_LATENCY, NNET_HLS4ML_MAIN_TABLES)

#undef NNET_HLS4ML_TABLES
#undef NNET_HLS4ML_STABLE
#undef NNET_HLS4ML_LATENCY
#undef NNET_HLS4ML_ARGMAX
#undef NNET_HLS4ML_MAIN_TABLES
#undef NNET_HLS4ML_MAIN_STABLE
#undef NNET_HLS4ML_MAIN_LATENCY
#undef NNET_HLS4ML_SOFTMAX

}  // namespace nnet

#endif

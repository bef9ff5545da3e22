// Batch normalization (inference): res = data * scale[c] + shift[c], c = the last-axis index.
//
// Arithmetic (identical to fpga_export/layers/norm.py): the product is formed at full
// precision and converted to accum_t; acc = accum_t(bias[c]); acc += accum_t(product);
// res = res_T(acc).
//
// Layer normalization over the last axis (n = n_chan values per row), identical to
// fpga_export/layers/norm.py (whose docstring is the full specification). A(v) is
// `accum_t a = v;`, products and sums are exact:
//   inv_n = 1/n as ap_ufixed<18, 1-k>, k = floor(log2 n), raw = (2^(F+1)/n + 1)/2, F = 17+k
//   s = A(0); s += A(x_c);  mean = A(s * inv_n);  d_c = A(x_c - mean)
//   q = A(0); q += A(d_c * d_c);  var = var_t(q * inv_n)
//   inv_std = table[index(var)], entry i = 1/sqrt(i*r/N + eps), N = table_size = 2^b,
//             r = 2^table_range_log2; index = clamp(floor(var * N/r + 1/2), 0, N-1): the raw
//             bits of ap_ufixed<b, table_range_log2, AP_RND, AP_SAT>(var), as activation.h's
//             one_sided_index (norm.h stays independent of activation.h)
//   res_c = res_T(A(A(beta_c) + A(A(d_c * inv_std) * gamma_c)))
#ifndef NNET_NORM_H_
#define NNET_NORM_H_

#include "nnet/common.h"

namespace nnet {

struct batchnorm_config {
    // sizes
    static const unsigned n_in = 10;    // values per sample (flat)
    static const unsigned n_chan = 10;  // channels: the last axis, stream packet size
    // implementation
    static const unsigned reuse_factor = 1;
    // types
    typedef fixed<16, 6> accum_t;
    typedef fixed<16, 6> scale_t;
    typedef fixed<16, 6> bias_t;
};

template <class res_T, typename CONFIG_T, class data_T>
inline res_T batchnorm_value(const data_T &x, const typename CONFIG_T::scale_t &scale,
                             const typename CONFIG_T::bias_t &bias) {
    typename CONFIG_T::accum_t acc = (typename CONFIG_T::accum_t)bias;
    acc += (typename CONFIG_T::accum_t)(x * scale);
    return (res_T)acc;
}

template <class data_T, class res_T, typename CONFIG_T>
void batchnorm(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
               const typename CONFIG_T::scale_t scale[CONFIG_T::n_chan],
               const typename CONFIG_T::bias_t bias[CONFIG_T::n_chan]) {
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
    static_assert(CONFIG_T::n_in % CONFIG_T::n_chan == 0, "batchnorm: n_chan must divide n_in");
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        const unsigned c = i % CONFIG_T::n_chan;
        res[i] = batchnorm_value<res_T, CONFIG_T>(data[i], scale[c], bias[c]);
    }
}

// io_stream: each packet holds the n_chan channels of one position.
template <class data_T, class res_T, typename CONFIG_T>
void batchnorm_stream(stream<data_T> &data, stream<res_T> &res,
                      const typename CONFIG_T::scale_t scale[CONFIG_T::n_chan],
                      const typename CONFIG_T::bias_t bias[CONFIG_T::n_chan]) {
    static_assert(data_T::size == CONFIG_T::n_chan && res_T::size == CONFIG_T::n_chan,
                  "batchnorm_stream: packets must hold the n_chan channels of one position");
    for (unsigned p = 0; p < CONFIG_T::n_in / CONFIG_T::n_chan; p++) {
#pragma HLS PIPELINE
        const data_T in = data.read();
        res_T out;
        for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
            out[c] = batchnorm_value<typename res_T::value_type, CONFIG_T>(in[c], scale[c], bias[c]);
        }
        res.write(out);
    }
}

struct layernorm_config {
    // sizes
    static const unsigned n_in = 10;    // values per sample (flat)
    static const unsigned n_chan = 10;  // row length: the last axis, stream packet size
    // 1/sqrt(var + eps) table: table_size = 2^b entries over [0, 2^table_range_log2)
    static const unsigned table_size = 1024;
    static const int table_range_log2 = 3;
    // implementation
    static const unsigned reuse_factor = 1;
    // types
    typedef fixed<16, 6> accum_t;
    typedef fixed<16, 6> var_t;
    typedef fixed<18, 8, RND, SAT> table_t;
    typedef fixed<16, 6> scale_t;
    typedef fixed<16, 6> bias_t;
};

// floor(log2 n), at compile time.
constexpr int layernorm_log2(unsigned n) { return n <= 1 ? 0 : 1 + layernorm_log2(n / 2); }

// Index of var in the 1/sqrt table (see the top of this file).
template <typename CONFIG_T, class T>
inline unsigned layernorm_table_index(const T &var) {
#pragma HLS INLINE
    static const int bits = layernorm_log2(CONFIG_T::table_size);
    static_assert(CONFIG_T::table_size >= 2 && (1u << bits) == CONFIG_T::table_size,
                  "layernorm: table_size must be a power of two >= 2");
    ufixed<bits, CONFIG_T::table_range_log2, RND, SAT> q = var;
    return nnet::bits<bits - 1, 0>(q).to_uint();
}

// 1/N as ap_ufixed<18, 1 - floor(log2 N)>, rounded half up, from integers.
template <unsigned N>
struct layernorm_inv_n {
    static const int k = layernorm_log2(N);
    static const int F = 17 + k;
    typedef ufixed<18, 1 - k> type;
    static type value() {
        static_assert(F + 1 < 64, "layernorm: row too long for the 1/n constant");
        const unsigned long long raw = ((1ULL << (F + 1)) / N + 1) / 2;
        type v = 0;
        set_bits<17, 0>(v, raw);
        return v;
    }
};

template <class data_T, class res_T, typename CONFIG_T>
void layernorm_row(const data_T *data, res_T *res,
                   const typename CONFIG_T::table_t table[CONFIG_T::table_size],
                   const typename CONFIG_T::scale_t gamma[CONFIG_T::n_chan],
                   const typename CONFIG_T::bias_t beta[CONFIG_T::n_chan]) {
#pragma HLS INLINE
    typedef typename CONFIG_T::accum_t accum_t;
    const typename layernorm_inv_n<CONFIG_T::n_chan>::type inv_n =
        layernorm_inv_n<CONFIG_T::n_chan>::value();
    accum_t s = 0;
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        s += (accum_t)data[c];
    }
    const accum_t mean = s * inv_n;
    accum_t d[CONFIG_T::n_chan];
    accum_t q = 0;
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        d[c] = data[c] - mean;
        q += (accum_t)(d[c] * d[c]);
    }
    const typename CONFIG_T::var_t var = q * inv_n;
    const typename CONFIG_T::table_t inv_std = table[layernorm_table_index<CONFIG_T>(var)];
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        const accum_t t = d[c] * inv_std;
        accum_t acc = (accum_t)beta[c];
        acc += (accum_t)(t * gamma[c]);
        res[c] = (res_T)acc;
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void layernorm(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
               const typename CONFIG_T::table_t table[CONFIG_T::table_size],
               const typename CONFIG_T::scale_t gamma[CONFIG_T::n_chan],
               const typename CONFIG_T::bias_t beta[CONFIG_T::n_chan]) {
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
    static_assert(CONFIG_T::n_in % CONFIG_T::n_chan == 0, "layernorm: n_chan must divide n_in");
    for (unsigned r = 0; r < CONFIG_T::n_in / CONFIG_T::n_chan; r++) {
#pragma HLS UNROLL
        layernorm_row<data_T, res_T, CONFIG_T>(data + r * CONFIG_T::n_chan,
                                               res + r * CONFIG_T::n_chan, table, gamma, beta);
    }
}

// io_stream: each packet is one row (the n_chan values of one position).
template <class data_T, class res_T, typename CONFIG_T>
void layernorm_stream(stream<data_T> &data, stream<res_T> &res,
                      const typename CONFIG_T::table_t table[CONFIG_T::table_size],
                      const typename CONFIG_T::scale_t gamma[CONFIG_T::n_chan],
                      const typename CONFIG_T::bias_t beta[CONFIG_T::n_chan]) {
    static_assert(data_T::size == CONFIG_T::n_chan && res_T::size == CONFIG_T::n_chan,
                  "layernorm_stream: packets must hold the n_chan values of one row");
    typedef typename data_T::value_type in_t;
    typedef typename res_T::value_type out_t;
    for (unsigned p = 0; p < CONFIG_T::n_in / CONFIG_T::n_chan; p++) {
#pragma HLS PIPELINE
        const data_T in = data.read();
        in_t row[CONFIG_T::n_chan];
        out_t y[CONFIG_T::n_chan];
        for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
            row[c] = in[c];
        }
        layernorm_row<in_t, out_t, CONFIG_T>(row, y, table, gamma, beta);
        res_T out;
        for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
            out[c] = y[c];
        }
        res.write(out);
    }
}

}  // namespace nnet

#endif

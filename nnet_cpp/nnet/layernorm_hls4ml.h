// Layer normalization computed as hls4ml computes it (identical to
// fpga_export/layers/layernorm_hls4ml.py, whose docstring is the specification). Per row of
// n = n_chan values, A = accum_t, products and sums at full precision:
//   k_inv = A(1.0 / n); s = sum of A(x_c) in A; mean = A(s * k_inv)
//   d_c = A(A(x_c) - mean); q = sum of A(d_c * d_c) in A; var = A(q * k_inv)
//   index = clamp(int(var * N * 2^p), 0, N-1)     (int(): truncated toward zero)
//   y_c = res_T(d_c * table[index] * gamma_c + beta_c)
// The 1/sqrt table (hls4ml's float formula) is computed in Python and passed in as a ROM.
#ifndef NNET_LAYERNORM_HLS4ML_H_
#define NNET_LAYERNORM_HLS4ML_H_

#include "nnet/common.h"

namespace nnet {

struct layernorm_hls4ml_config {
    static const unsigned n_in = 10;    // values per sample (flat)
    static const unsigned n_chan = 10;  // row length: the last axis, stream packet size
    static const unsigned table_size = 4096;
    static const unsigned table_range_power2 = 0;  // the table covers var in [0, 2^-p)
    static const unsigned reuse_factor = 1;
    typedef fixed<16, 6> accum_t;
    typedef ufixed<8, 5, RND_CONV, SAT> table_t;
    typedef fixed<16, 6> scale_t;
    typedef fixed<16, 6> bias_t;
};

template <class data_T, class res_T, typename CONFIG_T>
void layernorm_hls4ml_row(const data_T *data, res_T *res,
                          const typename CONFIG_T::table_t table[CONFIG_T::table_size],
                          const typename CONFIG_T::scale_t gamma[CONFIG_T::n_chan],
                          const typename CONFIG_T::bias_t beta[CONFIG_T::n_chan]) {
#pragma HLS INLINE
    typedef typename CONFIG_T::accum_t accum_t;
    const accum_t k_inv = 1.0 / CONFIG_T::n_chan;
    accum_t s = 0;
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        s += (accum_t)data[c];
    }
    const accum_t mean = s * k_inv;
    accum_t d[CONFIG_T::n_chan];
    accum_t q = 0;
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        d[c] = (accum_t)data[c] - mean;
        const accum_t square = d[c] * d[c];
        q += square;
    }
    const accum_t var = q * k_inv;
    const unsigned steps = CONFIG_T::table_size << CONFIG_T::table_range_power2;  // N * 2^p
    const int last = int(CONFIG_T::table_size) - 1;
    int index = to_int_trunc(var * steps);
    index = index < 0 ? 0 : index > last ? last : index;
    const typename CONFIG_T::table_t inv_std = table[index];
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        res[c] = (res_T)(d[c] * inv_std * gamma[c] + beta[c]);
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void layernorm_hls4ml(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
                      const typename CONFIG_T::table_t table[CONFIG_T::table_size],
                      const typename CONFIG_T::scale_t gamma[CONFIG_T::n_chan],
                      const typename CONFIG_T::bias_t beta[CONFIG_T::n_chan]) {
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
    static_assert(CONFIG_T::n_in % CONFIG_T::n_chan == 0,
                  "layernorm_hls4ml: n_chan must divide n_in");
    for (unsigned r = 0; r < CONFIG_T::n_in / CONFIG_T::n_chan; r++) {
#pragma HLS UNROLL
        layernorm_hls4ml_row<data_T, res_T, CONFIG_T>(
            data + r * CONFIG_T::n_chan, res + r * CONFIG_T::n_chan, table, gamma, beta);
    }
}

// io_stream: each packet is one row (the n_chan values of one position).
template <class data_T, class res_T, typename CONFIG_T>
void layernorm_hls4ml_stream(stream<data_T> &data, stream<res_T> &res,
                             const typename CONFIG_T::table_t table[CONFIG_T::table_size],
                             const typename CONFIG_T::scale_t gamma[CONFIG_T::n_chan],
                             const typename CONFIG_T::bias_t beta[CONFIG_T::n_chan]) {
    static_assert(data_T::size == CONFIG_T::n_chan && res_T::size == CONFIG_T::n_chan,
                  "layernorm_hls4ml_stream: packets must hold the n_chan values of one row");
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
        layernorm_hls4ml_row<in_t, out_t, CONFIG_T>(row, y, table, gamma, beta);
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

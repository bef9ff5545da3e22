// Batch normalization (inference): res = data * scale[c] + shift[c], c = the last-axis index.
//
// Arithmetic (identical to fpga_export/layers/norm.py): the product is formed at full
// precision and converted to accum_t; acc = accum_t(bias[c]); acc += accum_t(product);
// res = res_T(acc).
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
    typedef float accum_t;
    typedef float scale_t;
    typedef float bias_t;
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
void batchnorm_stream(hls::stream<data_T> &data, hls::stream<res_T> &res,
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

}  // namespace nnet

#endif

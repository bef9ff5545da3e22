// Dense (fully connected) layer: res = kernel^T . data + bias.
//
// Arithmetic (identical to fpga_export/layers/dense.py): each product is formed at full
// precision and converted to accum_t; acc = accum_t(bias[j]); then acc += product for
// i = 0 .. n_in-1 in that order; res = res_T(acc). Both strategies keep this order, so
// saturating accumulators give the same result in either.
#ifndef NNET_DENSE_H_
#define NNET_DENSE_H_

#include "nnet/common.h"

namespace nnet {

struct dense_config {
    // sizes
    static const unsigned n_in = 10;
    static const unsigned n_out = 10;
    // implementation
    static const unsigned strategy = latency;
    static const unsigned reuse_factor = 1;
    // types
    typedef float accum_t;
    typedef float kernel_t;
    typedef float bias_t;
};

// Latency: every multiplier exists once per weight; pipelined with II = reuse_factor.
template <class data_T, class res_T, typename CONFIG_T>
void dense_latency(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out],
                   const typename CONFIG_T::kernel_t kernel[CONFIG_T::n_in * CONFIG_T::n_out],
                   const typename CONFIG_T::bias_t bias[CONFIG_T::n_out]) {
    typename CONFIG_T::accum_t acc[CONFIG_T::n_out];
#pragma HLS ARRAY_PARTITION variable=acc complete
Init:
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
#pragma HLS UNROLL
        acc[j] = (typename CONFIG_T::accum_t)bias[j];
    }
Product:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
#pragma HLS UNROLL
            acc[j] += (typename CONFIG_T::accum_t)(data[i] * kernel[i * CONFIG_T::n_out + j]);
        }
    }
Result:
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
#pragma HLS UNROLL
        res[j] = (res_T)acc[j];
    }
}

// Resource: n_in*n_out/reuse_factor multipliers, each used reuse_factor times. Step r
// handles the flat kernel indices [r*block, (r+1)*block), so every output still adds
// its products in increasing i.
template <class data_T, class res_T, typename CONFIG_T>
void dense_resource(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out],
                    const typename CONFIG_T::kernel_t kernel[CONFIG_T::n_in * CONFIG_T::n_out],
                    const typename CONFIG_T::bias_t bias[CONFIG_T::n_out]) {
    const unsigned n_weights = CONFIG_T::n_in * CONFIG_T::n_out;
    const unsigned block = n_weights / CONFIG_T::reuse_factor;
    static_assert(n_weights % CONFIG_T::reuse_factor == 0,
                  "dense: reuse_factor must divide n_in * n_out");
    typename CONFIG_T::accum_t acc[CONFIG_T::n_out];
#pragma HLS ARRAY_PARTITION variable=acc complete
#pragma HLS ARRAY_RESHAPE variable=kernel block factor=block
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
#pragma HLS UNROLL
        acc[j] = (typename CONFIG_T::accum_t)bias[j];
    }
Reuse:
    for (unsigned r = 0; r < CONFIG_T::reuse_factor; r++) {
#pragma HLS PIPELINE II=1 rewind
        for (unsigned k = 0; k < block; k++) {
#pragma HLS UNROLL
            const unsigned w = r * block + k;
            const unsigned i = w / CONFIG_T::n_out, j = w % CONFIG_T::n_out;
            acc[j] += (typename CONFIG_T::accum_t)(data[i] * kernel[w]);
        }
    }
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
#pragma HLS UNROLL
        res[j] = (res_T)acc[j];
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void dense(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out],
           const typename CONFIG_T::kernel_t kernel[CONFIG_T::n_in * CONFIG_T::n_out],
           const typename CONFIG_T::bias_t bias[CONFIG_T::n_out]) {
#pragma HLS INLINE
    if (CONFIG_T::strategy == resource) {
        dense_resource<data_T, res_T, CONFIG_T>(data, res, kernel, bias);
    } else {
        dense_latency<data_T, res_T, CONFIG_T>(data, res, kernel, bias);
    }
}

// io_stream: one packet holds the whole input vector, one packet the whole output.
template <class data_T, class res_T, typename CONFIG_T>
void dense_stream(hls::stream<data_T> &data, hls::stream<res_T> &res,
                  const typename CONFIG_T::kernel_t kernel[CONFIG_T::n_in * CONFIG_T::n_out],
                  const typename CONFIG_T::bias_t bias[CONFIG_T::n_out]) {
    typename data_T::value_type in[CONFIG_T::n_in];
    typename res_T::value_type out[CONFIG_T::n_out];
#pragma HLS ARRAY_PARTITION variable=in complete
#pragma HLS ARRAY_PARTITION variable=out complete
    data_T in_packet = data.read();
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        in[i] = in_packet[i];
    }
    dense<typename data_T::value_type, typename res_T::value_type, CONFIG_T>(in, out, kernel, bias);
    res_T out_packet;
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
#pragma HLS UNROLL
        out_packet[j] = out[j];
    }
    res.write(out_packet);
}

}  // namespace nnet

#endif

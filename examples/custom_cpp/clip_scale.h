// y = clip(a * x, lo, hi) as a custom op of fpga-export (examples/custom_layer_ops.py:
// ClipScale). param = {a, lo, hi} in CONFIG_T::param_t. The product is exact (ap_fixed's
// full-precision result type), the comparisons are exact (through signed differences, as
// nnet/activation.h does), and one conversion into res_T rounds and saturates.
#ifndef CLIP_SCALE_H_
#define CLIP_SCALE_H_

#include "ap_fixed.h"
#include "hls_stream.h"
#include "nnet/common.h"

template <class res_T, typename CONFIG_T, class data_T>
inline res_T clip_scale_value(const data_T &x, const typename CONFIG_T::param_t param[3]) {
    const auto p = x * param[0];
    if (p - param[1] < 0) return (res_T)param[1];
    if (p - param[2] > 0) return (res_T)param[2];
    return (res_T)p;
}

template <class data_T, class res_T, typename CONFIG_T>
void clip_scale(const data_T in[CONFIG_T::n_in], res_T out[CONFIG_T::n_out],
                const typename CONFIG_T::param_t param[3]) {
#pragma HLS PIPELINE
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        out[i] = clip_scale_value<res_T, CONFIG_T>(in[i], param);
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void clip_scale_stream(hls::stream<data_T> &in, hls::stream<res_T> &out,
                       const typename CONFIG_T::param_t param[3]) {
    for (unsigned p = 0; p < CONFIG_T::n_in / data_T::size; p++) {
#pragma HLS PIPELINE
        const data_T x = in.read();
        res_T y;
        for (unsigned c = 0; c < data_T::size; c++) {
#pragma HLS UNROLL
            y[c] = clip_scale_value<typename res_T::value_type, CONFIG_T>(x[c], param);
        }
        out.write(y);
    }
}

#endif

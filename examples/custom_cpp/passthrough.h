// The identity as a custom op of fpga-export (examples/custom_layer_ops.py: Passthrough).
#ifndef PASSTHROUGH_H_
#define PASSTHROUGH_H_

#include "ap_fixed.h"
#include "hls_stream.h"
#include "nnet/common.h"

template <class data_T, class res_T, typename CONFIG_T>
void passthrough(const data_T in[CONFIG_T::n_in], res_T out[CONFIG_T::n_out]) {
#pragma HLS PIPELINE
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        out[i] = (res_T)in[i];
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void passthrough_stream(hls::stream<data_T> &in, hls::stream<res_T> &out) {
    for (unsigned p = 0; p < CONFIG_T::n_in / data_T::size; p++) {
#pragma HLS PIPELINE
        const data_T x = in.read();
        res_T y;
        for (unsigned c = 0; c < data_T::size; c++) {
#pragma HLS UNROLL
            y[c] = (typename res_T::value_type)x[c];
        }
        out.write(y);
    }
}

#endif

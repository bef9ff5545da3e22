// Test custom op (tests/test_custom_layer.py: ReverseLast): the last axis reversed.
#ifndef REVERSE_LAST_H_
#define REVERSE_LAST_H_

#include "ap_fixed.h"
#include "hls_stream.h"
#include "nnet/common.h"

template <class data_T, class res_T, typename CONFIG_T>
void reverse_last(const data_T in[CONFIG_T::n_in], res_T out[CONFIG_T::n_out]) {
#pragma HLS PIPELINE
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        const unsigned c = i % CONFIG_T::n_chan;
        out[i - c + CONFIG_T::n_chan - 1 - c] = (res_T)in[i];
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void reverse_last_stream(hls::stream<data_T> &in, hls::stream<res_T> &out) {
    for (unsigned p = 0; p < CONFIG_T::n_in / data_T::size; p++) {
#pragma HLS PIPELINE
        const data_T x = in.read();
        res_T y;
        for (unsigned c = 0; c < data_T::size; c++) {
#pragma HLS UNROLL
            y[c] = (typename res_T::value_type)x[data_T::size - 1 - c];
        }
        out.write(y);
    }
}

#endif

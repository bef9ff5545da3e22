// Test custom op with two inputs (tests/test_custom_layer.py: Larger): y = R(max(a, b)).
#ifndef LARGER_H_
#define LARGER_H_

#include "ap_fixed.h"
#include "hls_stream.h"
#include "nnet/common.h"

template <class a_T, class b_T, class res_T, typename CONFIG_T>
void larger(const a_T a[CONFIG_T::n_in], const b_T b[CONFIG_T::n_in], res_T out[CONFIG_T::n_out]) {
#pragma HLS PIPELINE
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        out[i] = a[i] - b[i] >= 0 ? (res_T)a[i] : (res_T)b[i];
    }
}

template <class a_T, class b_T, class res_T, typename CONFIG_T>
void larger_stream(hls::stream<a_T> &a, hls::stream<b_T> &b, hls::stream<res_T> &out) {
    for (unsigned p = 0; p < CONFIG_T::n_in / a_T::size; p++) {
#pragma HLS PIPELINE
        const a_T x = a.read();
        const b_T y = b.read();
        res_T z;
        for (unsigned c = 0; c < a_T::size; c++) {
#pragma HLS UNROLL
            z[c] = x[c] - y[c] >= 0 ? (typename res_T::value_type)x[c]
                                    : (typename res_T::value_type)y[c];
        }
        out.write(z);
    }
}

#endif

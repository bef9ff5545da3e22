// A function given by its value at every value of the input type (identical to
// fpga_export/layers/lookup.py, whose docstring is the specification):
//   y = res_T(table[x - min(data_T)])
// The index is the raw bits of x (W <= 16 bits), the sign bit flipped for a signed input type:
// the table is a ROM of 2^W words.
#ifndef NNET_LOOKUP_H_
#define NNET_LOOKUP_H_

#include "ap_fixed.h"
#include "ap_int.h"
#include "nnet/common.h"

namespace nnet {

struct lookup_config {
    static const unsigned n_in = 10;         // values per sample (flat)
    static const bool in_signed = true;      // the input type is signed
    typedef ap_fixed<18, 8> table_t;         // the table entries, held exactly
};

template <class res_T, typename CONFIG_T, class data_T>
inline res_T lookup_value(const data_T &x, const typename CONFIG_T::table_t table[]) {
#pragma HLS INLINE
    const unsigned W = data_T::width;
    static_assert(W <= 16, "lookup: inputs of at most 16 bits");
    const unsigned flip = CONFIG_T::in_signed ? 1u << (W - 1) : 0u;
    return (res_T)table[x.range(W - 1, 0).to_uint() ^ flip];
}

template <class data_T, class res_T, typename CONFIG_T>
void lookup(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
            const typename CONFIG_T::table_t table[]) {
#pragma HLS PIPELINE
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        res[i] = lookup_value<res_T, CONFIG_T>(data[i], table);
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void lookup_stream(hls::stream<data_T> &data, hls::stream<res_T> &res,
                   const typename CONFIG_T::table_t table[]) {
    static_assert(data_T::size == res_T::size, "lookup: input and output packets differ");
    for (unsigned p = 0; p < CONFIG_T::n_in / data_T::size; p++) {
#pragma HLS PIPELINE
        const data_T in = data.read();
        res_T out;
        for (unsigned c = 0; c < data_T::size; c++) {
#pragma HLS UNROLL
            out[c] = lookup_value<typename res_T::value_type, CONFIG_T>(in[c], table);
        }
        res.write(out);
    }
}

}  // namespace nnet

#endif

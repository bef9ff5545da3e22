// A function given by its value at every value of the input type (identical to
// fpga_export/layers/lookup.py, whose docstring is the specification):
//   y = res_T(table[x - min(data_T)])
// The index is the raw bits of x (W <= 16 bits), the sign bit flipped for a signed input type:
// the table is a ROM of 2^W words.
#ifndef NNET_LOOKUP_H_
#define NNET_LOOKUP_H_

#include "nnet/common.h"
#include "nnet/quantizer.h"

namespace nnet {

struct lookup_config {
    static const unsigned n_in = 10;         // values per sample (flat)
    static const bool in_signed = true;      // the input type is signed
    typedef fixed<18, 8> table_t;  // the table entries, held exactly
};

struct lookup_fn {
    template <class res_T, typename CONFIG_T, class data_T, class table_T>
    static res_T value(const data_T &x, const table_T table[]) {
#pragma HLS INLINE
        const unsigned W = data_T::width;
        static_assert(W <= 16, "lookup: inputs of at most 16 bits");
        const unsigned flip = CONFIG_T::in_signed ? 1u << (W - 1) : 0u;
        return (res_T)table[bits<W - 1, 0>(x).to_uint() ^ flip];
    }
};

// the loops are the quantizers' (nnet/quantizer.h): one value at a time, unrolled
template <class data_T, class res_T, typename CONFIG_T>
void lookup(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
            const typename CONFIG_T::table_t table[]) {
    quantize_array<lookup_fn, data_T, res_T, CONFIG_T>(data, res, table);
}

template <class data_T, class res_T, typename CONFIG_T>
void lookup_stream(stream<data_T> &data, stream<res_T> &res,
                   const typename CONFIG_T::table_t table[]) {
    quantize_stream<lookup_fn, data_T, res_T, CONFIG_T>(data, res, table);
}

}  // namespace nnet

#endif

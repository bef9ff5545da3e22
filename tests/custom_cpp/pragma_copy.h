// Test custom op (tests/backends/test_custom_op_pragmas.py: PragmaCopy): a copy through a
// completely partitioned local buffer, with the Vitis pragmas the other backends respell.
#ifndef PRAGMA_COPY_H_
#define PRAGMA_COPY_H_

#include "nnet/common.h"

template <class data_T, class res_T, typename CONFIG_T>
void pragma_copy(const data_T in[CONFIG_T::n_in], res_T out[CONFIG_T::n_out]) {
    data_T buf[CONFIG_T::n_in];
#pragma HLS ARRAY_PARTITION variable=buf type=complete
Fill:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS PIPELINE II=1
        buf[i] = in[i];
    }
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        out[i] = (res_T)buf[i];
    }
}

#endif

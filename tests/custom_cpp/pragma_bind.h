// Test custom op (tests/backends/test_custom_op_pragmas.py: PragmaBind): a product on a DSP,
// bound by a Vitis pragma no other backend has a form of.
#ifndef PRAGMA_BIND_H_
#define PRAGMA_BIND_H_

#include "nnet/common.h"

template <class data_T, class res_T, typename CONFIG_T>
void pragma_bind(const data_T in[CONFIG_T::n_in], res_T out[CONFIG_T::n_out]) {
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        res_T p = in[i] * in[i];
#pragma HLS BIND_OP variable=p op=mul impl=dsp
        out[i] = p;
    }
}

#endif

// SYCL kernel of 'small_cnn' for the Intel oneAPI FPGA flow (written by fpga-export 0.1.0).
// The model is the top function small_cnn() of small_cnn.cpp (the code the csim runs), called
// from a task kernel: q.single_task<Name>(...) (Intel oneAPI DPC++/C++ Compiler Handbook for
// FPGAs, "single_task kernels": one work-item, its loops pipelined). Kernel names are classes
// declared at namespace scope (Intel's samples: shorter names in the reports).
#include <sycl/ext/intel/fpga_extensions.hpp>
#include <sycl/sycl.hpp>

#include "small_cnn_kernel.h"
#include "small_cnn.cpp"  // one translation unit: the device compiler sees the whole model

class small_cnn_kernel_id;

sycl::event small_cnn_kernel(sycl::queue &q,
    const input_1_result_t *in0,
    softmax_result_t *out0,
    std::size_t n_samples) {
    // io_parallel: the inputs and outputs are kernel arguments (USM pointers; Handbook,
    // "kernel_args_restrict": they do not alias). One sample per iteration, its arrays in
    // registers.
    return q.single_task<small_cnn_kernel_id>([=]() [[intel::kernel_args_restrict]] {
        for (std::size_t s = 0; s < n_samples; s++) {
            [[intel::fpga_register]] input_1_result_t input_1_out[36];
            #pragma unroll
            for (unsigned k = 0; k < 36; k++) input_1_out[k] = in0[s * 36 + k];
            [[intel::fpga_register]] softmax_result_t softmax_out[3];
            small_cnn(input_1_out, softmax_out);
            #pragma unroll
            for (unsigned k = 0; k < 3; k++) out0[s * 3 + k] = softmax_out[k];
        }
    });
}

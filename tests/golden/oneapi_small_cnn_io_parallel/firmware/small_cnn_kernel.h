// SYCL kernel of 'small_cnn' for the Intel oneAPI FPGA flow (written by fpga-export 0.1.0).
#ifndef SMALL_CNN_KERNEL_H_
#define SMALL_CNN_KERNEL_H_

#include <cstddef>

#include <sycl/sycl.hpp>

#include "defines.h"

// Runs n_samples samples through the model: the inputs and outputs are USM allocations
// (sycl::malloc_shared / malloc_device), values of one sample after another. Returns the
// event of the kernel that writes the last output.
sycl::event small_cnn_kernel(sycl::queue &q,
    const input_1_result_t *in0,  // input_1_out: 36 per sample
    softmax_result_t *out0,  // softmax_out: 3 per sample
    std::size_t n_samples);

#endif

// Types of every node's result and internal roles (written by fpga-export).
#ifndef DEFINES_H_
#define DEFINES_H_

#define NNET_ONEAPI  // nnet/types.h: ac types, nnet::fifo streams
#define NNET_AC_TYPES
#ifdef SYCL_LANGUAGE_VERSION  // icpx -fsycl -qactypes: Intel's ac types
#include <sycl/ext/intel/ac_types/ac_fixed.hpp>
#include <sycl/ext/intel/ac_types/ac_int.hpp>
#else  // csim (g++): fpga-export's own ac headers (compat/)
#include "ac_fixed.h"
#include "ac_int.h"
#endif
// Weights and constant tables: device code may use a static variable only if it is
// constant-initialized (SYCL 2020, 5.4), so they are constexpr: a value that is not
// constant is a compile error, not a silent run-time initialization. The reference
// Algorithmic C headers (a csim option) construct at run time: static const there.
#if defined(SYCL_LANGUAGE_VERSION) || defined(FPGA_EXPORT_COMPAT_AC_FIXED_H)
#define NNET_CONST_TABLE static constexpr
#else
#define NNET_CONST_TABLE static const
#endif
#include "nnet/common.h"

// input_1: input
typedef ac_fixed<16,6,true> input_1_result_t;
typedef nnet::array<input_1_result_t, 1> input_1_packet_t;

// conv_1: conv_1 (Conv2D)
typedef ac_fixed<16,6,true> conv_1_result_t;
typedef ac_fixed<16,6,true> conv_1_accum_t;
typedef ac_fixed<16,6,true> conv_1_kernel_t;
typedef ac_fixed<16,6,true> conv_1_bias_t;
typedef nnet::array<conv_1_result_t, 2> conv_1_packet_t;

// relu_1: activation
typedef ac_fixed<16,6,true> relu_1_result_t;
typedef nnet::array<relu_1_result_t, 2> relu_1_packet_t;

// pool_1: pool2d
typedef ac_fixed<16,6,true> pool_1_result_t;
typedef nnet::array<pool_1_result_t, 2> pool_1_packet_t;

// flatten: flatten
typedef ac_fixed<16,6,true> flatten_result_t;
typedef nnet::array<flatten_result_t, 2> flatten_packet_t;

// dense: dense
typedef ac_fixed<16,6,true> dense_result_t;
typedef ac_fixed<16,6,true> dense_accum_t;
typedef ac_fixed<16,6,true> dense_kernel_t;
typedef ac_fixed<16,6,true> dense_bias_t;
typedef nnet::array<dense_result_t, 3> dense_packet_t;

// softmax: activation
typedef ac_fixed<16,6,true> softmax_result_t;
typedef ac_fixed<18,8,true,AC_RND,AC_SAT> softmax_exp_table_t;
typedef ac_fixed<18,8,true,AC_RND,AC_SAT> softmax_inv_table_t;
typedef ac_fixed<20,10,true> softmax_accum_t;
typedef nnet::array<softmax_result_t, 3> softmax_packet_t;

#endif

// Types of every node's result and internal roles (written by fpga-export).
#ifndef DEFINES_H_
#define DEFINES_H_

#include "ap_fixed.h"
#include "ap_int.h"
#include "hls_stream.h"
#include "nnet/common.h"

// input_1: input
typedef ap_fixed<16,6> input_1_result_t;

// conv_1: conv_1 (Conv2D)
typedef ap_fixed<16,6> conv_1_result_t;
typedef ap_fixed<16,6> conv_1_accum_t;
typedef ap_fixed<16,6> conv_1_kernel_t;
typedef ap_fixed<16,6> conv_1_bias_t;

// relu_1: activation
typedef ap_fixed<16,6> relu_1_result_t;

// pool_1: pool2d
typedef ap_fixed<16,6> pool_1_result_t;

// flatten: flatten
typedef ap_fixed<16,6> flatten_result_t;

// dense: dense
typedef ap_fixed<16,6> dense_result_t;
typedef ap_fixed<16,6> dense_accum_t;
typedef ap_fixed<16,6> dense_kernel_t;
typedef ap_fixed<16,6> dense_bias_t;

// softmax: activation
typedef ap_fixed<16,6> softmax_result_t;
typedef ap_fixed<18,8,AP_RND,AP_SAT> softmax_exp_table_t;
typedef ap_fixed<18,8,AP_RND,AP_SAT> softmax_inv_table_t;
typedef ap_fixed<20,10> softmax_accum_t;

#endif

// Types of every node's result and internal roles (written by fpga-export).
#ifndef DEFINES_H_
#define DEFINES_H_

#include "ap_fixed.h"
#include "ap_int.h"
#include "hls_stream.h"
#include "nnet/common.h"

// input_1: input
typedef ap_fixed<16,6> input_1_result_t;
typedef nnet::array<input_1_result_t, 1> input_1_packet_t;

// conv_1: conv_1 (Conv2D)
typedef ap_fixed<16,6> conv_1_result_t;
typedef ap_fixed<16,6> conv_1_accum_t;
typedef ap_fixed<16,6> conv_1_kernel_t;
typedef ap_fixed<16,6> conv_1_bias_t;
typedef nnet::array<conv_1_result_t, 2> conv_1_packet_t;

// relu_1: activation
typedef ap_fixed<16,6> relu_1_result_t;
typedef nnet::array<relu_1_result_t, 2> relu_1_packet_t;

// pool_1: pool2d
typedef ap_fixed<16,6> pool_1_result_t;
typedef nnet::array<pool_1_result_t, 2> pool_1_packet_t;

// flatten: flatten
typedef ap_fixed<16,6> flatten_result_t;
typedef nnet::array<flatten_result_t, 2> flatten_packet_t;

// dense: dense
typedef ap_fixed<16,6> dense_result_t;
typedef ap_fixed<16,6> dense_accum_t;
typedef ap_fixed<16,6> dense_kernel_t;
typedef ap_fixed<16,6> dense_bias_t;
typedef nnet::array<dense_result_t, 3> dense_packet_t;

// softmax: activation
typedef ap_fixed<16,6> softmax_result_t;
typedef ap_fixed<18,8,AP_RND,AP_SAT> softmax_exp_table_t;
typedef ap_fixed<18,8,AP_RND,AP_SAT> softmax_inv_table_t;
typedef ap_fixed<20,10> softmax_accum_t;
typedef nnet::array<softmax_result_t, 3> softmax_packet_t;

#endif

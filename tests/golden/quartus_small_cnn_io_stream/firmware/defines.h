// Types of every node's result and internal roles (written by fpga-export).
#ifndef DEFINES_H_
#define DEFINES_H_

#define NNET_AC_TYPES  // nnet/types.h: the Algorithmic C types
#define NNET_QUARTUS  // ... as the Intel HLS Compiler ships them, ihc streams
#include "HLS/hls.h"
#include "HLS/ac_int.h"
#include "HLS/ac_fixed.h"
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

// ihc::stream capacities in words (packets), one per packet type: the largest FIFO
// depth among its streams (RM "ihc::stream Class": ihc::buffer)
namespace nnet {
template <> struct stream_buffer<input_1_packet_t> { static const unsigned value = 2; };
template <> struct stream_buffer<conv_1_packet_t> { static const unsigned value = 2; };
template <> struct stream_buffer<dense_packet_t> { static const unsigned value = 2; };
}  // namespace nnet

#endif

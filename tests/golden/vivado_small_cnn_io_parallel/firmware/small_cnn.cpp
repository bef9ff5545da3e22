#include "small_cnn.h"
#include "parameters.h"

void small_cnn(const input_1_result_t input_1_out[36], softmax_result_t softmax_out[3]) {
    // UG902 "pragma HLS array_partition" complete: every value is a register
#pragma HLS ARRAY_PARTITION variable=input_1_out complete
#pragma HLS ARRAY_PARTITION variable=softmax_out complete
    // UG902 "pragma HLS interface": a valid signal per port
#pragma HLS INTERFACE ap_vld port=input_1_out
#pragma HLS INTERFACE ap_vld port=softmax_out
    // UG902 "pragma HLS dataflow": every layer is a process with its own II;
    // pipelining the top would unroll the layers' pixel and reuse loops
#pragma HLS DATAFLOW

    // input_1: input
    FE_TRACE(0, input_1_out, 36);

    // conv_1: conv_1 (Conv2D)
    conv_1_result_t conv_1_out[32];
#pragma HLS ARRAY_PARTITION variable=conv_1_out complete
    nnet::conv_2d<input_1_result_t, conv_1_result_t, conv_1_config>(input_1_out, conv_1_out, conv_1_kernel, conv_1_bias);
    FE_TRACE(1, conv_1_out, 32);

    // relu_1: activation
    relu_1_result_t relu_1_out[32];
#pragma HLS ARRAY_PARTITION variable=relu_1_out complete
    nnet::relu<conv_1_result_t, relu_1_result_t, relu_1_config>(conv_1_out, relu_1_out);
    FE_TRACE(2, relu_1_out, 32);

    // pool_1: pool2d
    pool_1_result_t pool_1_out[8];
#pragma HLS ARRAY_PARTITION variable=pool_1_out complete
    nnet::pool_2d<relu_1_result_t, pool_1_result_t, pool_1_config>(relu_1_out, pool_1_out);
    FE_TRACE(3, pool_1_out, 8);

    // flatten: flatten
    flatten_result_t flatten_out[8];
#pragma HLS ARRAY_PARTITION variable=flatten_out complete
    nnet::reshape<pool_1_result_t, flatten_result_t, flatten_config>(pool_1_out, flatten_out);
    FE_TRACE(4, flatten_out, 8);

    // dense: dense
    dense_result_t dense_out[3];
#pragma HLS ARRAY_PARTITION variable=dense_out complete
    nnet::dense<flatten_result_t, dense_result_t, dense_config>(flatten_out, dense_out, dense_kernel, dense_bias);
    FE_TRACE(5, dense_out, 3);

    // softmax: activation
    nnet::softmax<dense_result_t, softmax_result_t, softmax_config>(dense_out, softmax_out, softmax_exp_table, softmax_inv_table);
    FE_TRACE(6, softmax_out, 3);
}

#include "small_cnn.h"
#include "parameters.h"

void small_cnn(const input_1_result_t input_1_out[36], softmax_result_t softmax_out[3]) {
    // i++ runs the layers one after the other, each loop pipelined at its
    // ii (#pragma ii: the reuse factor); this datapath is inlined into
    // the component below

    // input_1: input
    FE_TRACE(0, input_1_out, 36);

    // conv_1: conv_1 (Conv2D)
    hls_register conv_1_result_t conv_1_out[32];
    nnet::conv_2d<input_1_result_t, conv_1_result_t, conv_1_config>(input_1_out, conv_1_out, conv_1_kernel, conv_1_bias);
    FE_TRACE(1, conv_1_out, 32);

    // relu_1: activation
    hls_register relu_1_result_t relu_1_out[32];
    nnet::relu<conv_1_result_t, relu_1_result_t, relu_1_config>(conv_1_out, relu_1_out);
    FE_TRACE(2, relu_1_out, 32);

    // pool_1: pool2d
    hls_register pool_1_result_t pool_1_out[8];
    nnet::pool_2d<relu_1_result_t, pool_1_result_t, pool_1_config>(relu_1_out, pool_1_out);
    FE_TRACE(3, pool_1_out, 8);

    // flatten: flatten
    hls_register flatten_result_t flatten_out[8];
    nnet::reshape<pool_1_result_t, flatten_result_t, flatten_config>(pool_1_out, flatten_out);
    FE_TRACE(4, flatten_out, 8);

    // dense: dense
    hls_register dense_result_t dense_out[3];
    nnet::dense<flatten_result_t, dense_result_t, dense_config>(flatten_out, dense_out, dense_kernel, dense_bias);
    FE_TRACE(5, dense_out, 3);

    // softmax: activation
    nnet::softmax<dense_result_t, softmax_result_t, softmax_config>(dense_out, softmax_out, softmax_exp_table, softmax_inv_table);
    FE_TRACE(6, softmax_out, 3);
}

// The component (RM "Structs in Component Interfaces"): the arrays travel by
// value, as conduits of the call (start/busy) and return (done/stall) handshakes
component hls_avalon_streaming_component small_cnn_output small_cnn_component(small_cnn_input in) {
    small_cnn_output out;
    small_cnn(in.input_1_out, out.softmax_out);
    return out;
}

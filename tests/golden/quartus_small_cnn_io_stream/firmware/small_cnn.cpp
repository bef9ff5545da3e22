#include "small_cnn.h"
#include "parameters.h"

namespace nnet {
template <class packet_T, unsigned N, class port_T>
void port_to_stream(port_T &port, stream<packet_T> &out) {
#pragma ii 1
    for (unsigned i = 0; i < N; i++) out.write(port.read());
}
template <class packet_T, unsigned N, class port_T>
void stream_to_port(stream<packet_T> &in, port_T &port) {
#pragma ii 1
    for (unsigned i = 0; i < N; i++) port.write(in.read());
}
}  // namespace nnet

component void small_cnn(ihc::stream_in<input_1_packet_t> &input_1_out_port, ihc::stream_out<softmax_packet_t> &softmax_out_port) {
    // the ports' packets go through ihc::stream objects between the layers, which
    // run one after the other (a stream holds a whole tensor: nnet::stream_buffer)
    nnet::stream<input_1_packet_t> input_1_out;
    nnet::stream<softmax_packet_t> softmax_out;
    nnet::port_to_stream<input_1_packet_t, 36>(input_1_out_port, input_1_out);

    // input_1: input
    FE_TRACE_STREAM(0, input_1_out, 36);

    // conv_1: conv_1 (Conv2D)
    nnet::stream<conv_1_packet_t> conv_1_out;
    FE_PROCESS(conv_1, nnet::conv_2d_stream<input_1_packet_t, conv_1_packet_t, conv_1_config>(input_1_out, conv_1_out, conv_1_kernel, conv_1_bias));
    FE_TRACE_STREAM(1, conv_1_out, 16);

    // relu_1: activation
    nnet::stream<relu_1_packet_t> relu_1_out;
    FE_PROCESS(relu_1, nnet::relu_stream<conv_1_packet_t, relu_1_packet_t, relu_1_config>(conv_1_out, relu_1_out));
    FE_TRACE_STREAM(2, relu_1_out, 16);

    // pool_1: pool2d
    nnet::stream<pool_1_packet_t> pool_1_out;
    FE_PROCESS(pool_1, nnet::pool_2d_stream<relu_1_packet_t, pool_1_packet_t, pool_1_config>(relu_1_out, pool_1_out));
    FE_TRACE_STREAM(3, pool_1_out, 4);

    // flatten: flatten
    nnet::stream<flatten_packet_t> flatten_out;
    FE_PROCESS(flatten, nnet::reshape_stream<pool_1_packet_t, flatten_packet_t, flatten_config>(pool_1_out, flatten_out));
    FE_TRACE_STREAM(4, flatten_out, 4);

    // dense: dense
    nnet::stream<dense_packet_t> dense_out;
    FE_PROCESS(dense, nnet::dense_stream<flatten_packet_t, dense_packet_t, dense_config>(flatten_out, dense_out, dense_kernel, dense_bias));
    FE_TRACE_STREAM(5, dense_out, 1);

    // softmax: activation
    FE_PROCESS(softmax, nnet::softmax_stream<dense_packet_t, softmax_packet_t, softmax_config>(dense_out, softmax_out, softmax_exp_table, softmax_inv_table));
    FE_TRACE_STREAM(6, softmax_out, 1);

    nnet::stream_to_port<softmax_packet_t, 1>(softmax_out, softmax_out_port);
}

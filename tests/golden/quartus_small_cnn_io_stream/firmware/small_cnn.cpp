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

// The streams between the tasks, at namespace scope: task functions take no pointer or
// reference arguments (RM "Task Functions"). ihc::buffer: the FIFO depth of the stream
// (codegen.fifo), the largest of its packet type (nnet::stream_buffer, defines.h); a
// whole tensor for the inputs copied before the last one and for the outputs
FE_CSIM_THREAD_LOCAL ihc::stream<input_1_packet_t, ihc::buffer<2> > input_1_out;
FE_CSIM_THREAD_LOCAL ihc::stream<conv_1_packet_t, ihc::buffer<2> > conv_1_out;
FE_CSIM_THREAD_LOCAL ihc::stream<relu_1_packet_t, ihc::buffer<2> > relu_1_out;
FE_CSIM_THREAD_LOCAL ihc::stream<pool_1_packet_t, ihc::buffer<2> > pool_1_out;
FE_CSIM_THREAD_LOCAL ihc::stream<flatten_packet_t, ihc::buffer<2> > flatten_out;
FE_CSIM_THREAD_LOCAL ihc::stream<dense_packet_t, ihc::buffer<2> > dense_out;
FE_CSIM_THREAD_LOCAL ihc::stream<softmax_packet_t, ihc::buffer<2> > softmax_out;

// The tasks (RM "Systems of Tasks"): one per layer and per fan-out copy, each running
// concurrently with the others from its launch by the component to its collect

// conv_1: conv_1 (Conv2D)
void conv_1_task() {
    nnet::conv_2d_stream<input_1_packet_t, conv_1_packet_t, conv_1_config>(input_1_out, conv_1_out, conv_1_kernel, conv_1_bias);
    FE_TRACE_STREAM(1, conv_1_out, 16);
}

// relu_1: activation
void relu_1_task() {
    nnet::relu_stream<conv_1_packet_t, relu_1_packet_t, relu_1_config>(conv_1_out, relu_1_out);
    FE_TRACE_STREAM(2, relu_1_out, 16);
}

// pool_1: pool2d
void pool_1_task() {
    nnet::pool_2d_stream<relu_1_packet_t, pool_1_packet_t, pool_1_config>(relu_1_out, pool_1_out);
    FE_TRACE_STREAM(3, pool_1_out, 4);
}

// flatten: flatten
void flatten_task() {
    nnet::reshape_stream<pool_1_packet_t, flatten_packet_t, flatten_config>(pool_1_out, flatten_out);
    FE_TRACE_STREAM(4, flatten_out, 4);
}

// dense: dense
void dense_task() {
    nnet::dense_stream<flatten_packet_t, dense_packet_t, dense_config>(flatten_out, dense_out, dense_kernel, dense_bias);
    FE_TRACE_STREAM(5, dense_out, 1);
}

// softmax: activation
void softmax_task() {
    nnet::softmax_stream<dense_packet_t, softmax_packet_t, softmax_config>(dense_out, softmax_out, softmax_exp_table, softmax_inv_table);
    FE_TRACE_STREAM(6, softmax_out, 1);
}

component void small_cnn(ihc::stream_in<input_1_packet_t> &input_1_out_port, ihc::stream_out<softmax_packet_t> &softmax_out_port) {
    // RM "Systems of Tasks API": ihc::launch starts each task asynchronously
    ihc::launch<conv_1_task>();
    ihc::launch<relu_1_task>();
    ihc::launch<pool_1_task>();
    ihc::launch<flatten_task>();
    ihc::launch<dense_task>();
    ihc::launch<softmax_task>();
    // the input ports' packets into the inputs' streams, one input after the other
    nnet::port_to_stream<input_1_packet_t, 36>(input_1_out_port, input_1_out);
    FE_TRACE_STREAM(0, input_1_out, 36);
    // the outputs' packets to the output ports, before the collects: a task never waits
    // on a full stream the component does not read
    nnet::stream_to_port<softmax_packet_t, 1>(softmax_out, softmax_out_port);
    // ihc::collect waits for each task to finish
    ihc::collect<conv_1_task>();
    ihc::collect<relu_1_task>();
    ihc::collect<pool_1_task>();
    ihc::collect<flatten_task>();
    ihc::collect<dense_task>();
    ihc::collect<softmax_task>();
}

#ifndef SMALL_CNN_H_
#define SMALL_CNN_H_

#include "defines.h"

// The datapath (the csim calls it; inlined into the component)
void small_cnn(const input_1_result_t input_1_out[36], softmax_result_t softmax_out[3]);

struct small_cnn_input {
    input_1_result_t input_1_out[36];
};
struct small_cnn_output {
    softmax_result_t softmax_out[3];
};

component hls_avalon_streaming_component small_cnn_output small_cnn_component(small_cnn_input in);

#endif

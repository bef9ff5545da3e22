#ifndef SMALL_CNN_H_
#define SMALL_CNN_H_

#include "defines.h"

// The component: Avalon-ST ports (RM "Streaming Input Interfaces", "Streaming
// Output Interfaces"), one packet per transfer
component void small_cnn(ihc::stream_in<input_1_packet_t> &input_1_out_port, ihc::stream_out<softmax_packet_t> &softmax_out_port);

#endif

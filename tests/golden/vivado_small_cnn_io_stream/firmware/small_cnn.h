#ifndef SMALL_CNN_H_
#define SMALL_CNN_H_

#include "defines.h"

void small_cnn(hls::stream<input_1_packet_t> &input_1_out, hls::stream<softmax_packet_t> &softmax_out);

#endif

#ifndef SMALL_CNN_H_
#define SMALL_CNN_H_

#include "defines.h"

void small_cnn(ac_channel<input_1_packet_t> &input_1_out, ac_channel<softmax_packet_t> &softmax_out);

#endif

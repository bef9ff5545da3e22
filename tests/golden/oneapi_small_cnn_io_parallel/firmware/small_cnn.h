#ifndef SMALL_CNN_H_
#define SMALL_CNN_H_

#include "defines.h"

void small_cnn(const input_1_result_t input_1_out[36], softmax_result_t softmax_out[3]);

#endif

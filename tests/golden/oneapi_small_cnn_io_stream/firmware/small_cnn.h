#ifndef SMALL_CNN_H_
#define SMALL_CNN_H_

#include "defines.h"

namespace nnet {
// the top's ports outside the kernel (csim, testbench): FIFOs of the largest port
template <class T>
using port = fifo<T, 36>;
}  // namespace nnet

void small_cnn(nnet::stream<input_1_packet_t> &input_1_out, nnet::stream<softmax_packet_t> &softmax_out);

#endif

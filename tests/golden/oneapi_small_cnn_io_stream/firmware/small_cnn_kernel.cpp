// SYCL kernel of 'small_cnn' for the Intel oneAPI FPGA flow (written by fpga-export 0.1.0).
// The model is the top function small_cnn() of small_cnn.cpp (the code the csim runs), called
// from a task kernel: q.single_task<Name>(...) (Intel oneAPI DPC++/C++ Compiler Handbook for
// FPGAs, "single_task kernels": one work-item, its loops pipelined). Kernel names are classes
// declared at namespace scope (Intel's samples: shorter names in the reports).
#include <sycl/ext/intel/fpga_extensions.hpp>
#include <sycl/sycl.hpp>

#include "small_cnn_kernel.h"
#include "small_cnn.cpp"  // one translation unit: the device compiler sees the whole model

class small_cnn_kernel_id;
class small_cnn_producer_id;
class small_cnn_consumer_id;

// Inter-kernel pipes. A pipe is a type, not an object (Handbook, "The pipe Class and its Use":
// pipe<Id, T, min_capacity> with static read() and write()); min_capacity: one sample's packets.
class small_cnn_in0_pipe_id;
using small_cnn_in0_pipe = sycl::ext::intel::pipe<small_cnn_in0_pipe_id, input_1_packet_t, 36>;
class small_cnn_out0_pipe_id;
using small_cnn_out0_pipe = sycl::ext::intel::pipe<small_cnn_out0_pipe_id, softmax_packet_t, 1>;

sycl::event small_cnn_kernel(sycl::queue &q,
    const input_1_packet_t *in0,
    softmax_packet_t *out0,
    std::size_t n_samples) {
    // The producer: memory -> input pipes, sample by sample. The three kernels run
    // concurrently (Handbook, "Pipes": kernels exchange data without waiting for each other).
    q.single_task<small_cnn_producer_id>([=]() [[intel::kernel_args_restrict]] {
        for (std::size_t s = 0; s < n_samples; s++) {
            for (unsigned p = 0; p < 36; p++) small_cnn_in0_pipe::write(in0[s * 36 + p]);
        }
    });
    // The model: a sample's input packets into local FIFOs, the layers in order, the output
    // FIFOs into the output pipes.
    q.single_task<small_cnn_kernel_id>([=]() {
        for (std::size_t s = 0; s < n_samples; s++) {
            nnet::fifo<input_1_packet_t, 36> input_1_out;
            for (unsigned p = 0; p < 36; p++) input_1_out.write(small_cnn_in0_pipe::read());
            nnet::fifo<softmax_packet_t, 1> softmax_out;
            small_cnn(input_1_out, softmax_out);
            for (unsigned p = 0; p < 1; p++) small_cnn_out0_pipe::write(softmax_out.read());
        }
    });
    // The consumer: output pipes -> memory.
    return q.single_task<small_cnn_consumer_id>([=]() [[intel::kernel_args_restrict]] {
        for (std::size_t s = 0; s < n_samples; s++) {
            for (unsigned p = 0; p < 1; p++) out0[s * 1 + p] = small_cnn_out0_pipe::read();
        }
    });
}

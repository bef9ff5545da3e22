// fpga-export nnet library: shared definitions used by every layer header.
#ifndef NNET_COMMON_H_
#define NNET_COMMON_H_

#include "ap_fixed.h"
#include "hls_stream.h"

namespace nnet {

// Implementation strategies, chosen by a layer config's `strategy` field.
enum strategy { latency = 0, resource = 1 };

// A packet of N values travelling through one hls::stream in io_stream designs
// (channels in parallel, pixels in sequence).
template <class T, unsigned N>
struct array {
    typedef T value_type;
    static const unsigned size = N;
    T data[N];
    T &operator[](unsigned i) { return data[i]; }
    const T &operator[](unsigned i) const { return data[i]; }
};

// Copy a stream of packets into an array (and back) at the edges of a design.
template <class T, class packet_T, unsigned N>
void array_to_stream(const T in[N], hls::stream<packet_T> &out) {
    const unsigned P = packet_T::size;
    for (unsigned p = 0; p < N / P; p++) {
#pragma HLS PIPELINE
        packet_T packet;
        for (unsigned c = 0; c < P; c++) {
#pragma HLS UNROLL
            packet[c] = in[p * P + c];
        }
        out.write(packet);
    }
}

template <class packet_T, class T, unsigned N>
void stream_to_array(hls::stream<packet_T> &in, T out[N]) {
    const unsigned P = packet_T::size;
    for (unsigned p = 0; p < N / P; p++) {
#pragma HLS PIPELINE
        packet_T packet = in.read();
        for (unsigned c = 0; c < P; c++) {
#pragma HLS UNROLL
            out[p * P + c] = packet[c];
        }
    }
}

// io_parallel fan-out in a DATAFLOW region, where every array has one reader (UG1399
// "Dataflow optimization limitations": single-producer-consumer): a value read by k consumers
// passes through a chain of k - 1 of these copies.
template <class T, unsigned N>
void fan_out_2(const T in[N], T out0[N], T out1[N]) {
    // UG1399 "pragma HLS inline": a process of the region, not inlined into it.
#pragma HLS INLINE off
#pragma HLS PIPELINE
    for (unsigned i = 0; i < N; i++) {
#pragma HLS UNROLL
        out0[i] = in[i];
        out1[i] = in[i];
    }
}

}  // namespace nnet

// Tracing hooks: empty for synthesis, filled in by the csim bridge (fpga_export/csim).
#ifdef FPGA_EXPORT_TRACE
#include "fe_trace.h"
#else
#define FE_TRACE(index, var, n)
#define FE_TRACE_STREAM(index, var, n)
#endif

#endif

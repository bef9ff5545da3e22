// fpga-export nnet library: shared definitions used by every layer header.
#ifndef NNET_COMMON_H_
#define NNET_COMMON_H_

#include "nnet/types.h"

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
void array_to_stream(const T in[N], stream<packet_T> &out) {
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

// Fan-out of a stream read by several processes (UG1399 "dataflow": each hls::stream must be
// written by one process and read by one, so a tensor read twice is copied by a process of
// its own, not by a loop in the dataflow region). One packet in, the same packet to every
// output, one packet per clock; any number of outputs (the pack expands in an array
// initializer: C++11).
template <class packet_T, unsigned N_PACKETS, class... S>
void clone_stream(stream<packet_T> &in, S &...out) {
    static_assert(sizeof...(S) >= 2, "clone_stream: a fan-out has 2 or more readers");
Clone:
    for (unsigned p = 0; p < N_PACKETS; p++) {
#pragma HLS PIPELINE II=1
        const packet_T packet = in.read();
        const int written[] = {(out.write(packet), 0)...};
        (void)written;
    }
}

template <class packet_T, class T, unsigned N>
void stream_to_array(stream<packet_T> &in, T out[N]) {
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

// The largest of x[0..N) (softmax subtracts it), a chain of N - 1 compares.
template <class T, unsigned N>
T vector_max(const T x[N]) {
#pragma HLS INLINE
    T m = x[0];
Max:
    for (unsigned c = 1; c < N; c++) {
#pragma HLS UNROLL
        if (x[c] > m) m = x[c];
    }
    return m;
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

// csim-only kernels: the csim library is built with FPGA_EXPORT_CSIM_KERNELS (fpga_export/csim
// build.py); with our compat ap types (they expose raw values) a few layers then take faster
// C++ that gives the same values as their firmware code (tests build both and compare).
// Synthesis and vendor type headers never see these paths. FE_CSIM_HOT: -O3 for such a kernel
// only (the library stays -O2: -O3 everywhere was measured slower on CNNs, issue 17; no -O3
// in -O0 builds).
#if defined(FPGA_EXPORT_CSIM_KERNELS) && defined(FPGA_EXPORT_COMPAT_AP_FIXED_H)
#define FE_CSIM_KERNELS 1
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#define FE_CSIM_HOT __attribute__((optimize("O3")))
#else
#define FE_CSIM_HOT
#endif
#endif

// Tracing hooks: empty for synthesis, filled in by the csim bridge (fpga_export/csim). The
// dataflow simulation runs the processes concurrently, so it traces nothing.
#if defined(FPGA_EXPORT_TRACE) && !defined(FPGA_EXPORT_DATAFLOW_SIM)
#include "fe_trace.h"
#else
#define FE_TRACE(index, var, n)
#define FE_TRACE_STREAM(index, var, n)
#endif

// A process of the io_stream top's DATAFLOW region: for synthesis (and plain csim) the call
// itself. The csim dataflow simulation (FPGA_EXPORT_DATAFLOW_SIM, compat/fe_dataflow.h, never
// synthesized) runs it on a thread of its own over FIFOs bounded by their declared depths.
#ifdef FPGA_EXPORT_DATAFLOW_SIM
#define FE_PROCESS(name, ...) \
    ::fe::dataflow::process fe_process_##name(#name, [&]() { __VA_ARGS__; })
#else
#define FE_PROCESS(name, ...) __VA_ARGS__
#endif

// Streams at namespace scope (the quartus io_stream component, a system of tasks whose task
// functions take no arguments): the csim library (FPGA_EXPORT_TRACE) runs samples on several
// threads, each with streams of its own; nothing for synthesis and the emulation build.
#ifdef FPGA_EXPORT_TRACE
#define FE_CSIM_THREAD_LOCAL thread_local
#else
#define FE_CSIM_THREAD_LOCAL
#endif

#endif

// fpga-export csim tracing: copies every node's output into a per-thread buffer.
// Only compiled into the csim library (FPGA_EXPORT_TRACE), never into firmware.
#ifndef FE_TRACE_H_
#define FE_TRACE_H_

#include <type_traits>
#include <utility>
#include <vector>

namespace fe {
extern thread_local double *trace_buffer;  // null: tracing off
extern const long trace_offsets[];         // start of each node in one sample's trace

template <class T>
void trace_array(int index, const T *values, long n) {
    if (!trace_buffer) return;
    double *out = trace_buffer + trace_offsets[index];
    for (long i = 0; i < n; i++) out[i] = values[i].to_double();
}

// Reads the stream's packets, records them and writes them back in order. The packet type
// is what read() returns: the vendor's hls::stream has no value_type typedef (ours has).
template <class S>
void trace_stream(int index, S &stream, long n_packets) {
    if (!trace_buffer) return;
    typedef typename std::decay<decltype(std::declval<S &>().read())>::type packet_T;
    std::vector<packet_T> packets;
    for (long p = 0; p < n_packets; p++) packets.push_back(stream.read());
    double *out = trace_buffer + trace_offsets[index];
    for (long p = 0; p < n_packets; p++) {
        for (unsigned c = 0; c < packet_T::size; c++) *out++ = packets[p][c].to_double();
        stream.write(packets[p]);
    }
}
}  // namespace fe

#define FE_TRACE(index, var, n) fe::trace_array(index, var, n)
#define FE_TRACE_STREAM(index, var, n) fe::trace_stream(index, var, n)

#endif

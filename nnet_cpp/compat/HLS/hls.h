// fpga-export compat: what the generated quartus projects use of the Intel HLS Compiler's
// HLS/hls.h, for the g++ csim when i++ is not installed (the i++ build uses Intel's header).
// Keywords and attributes are empty (they steer synthesis only; Intel's header does the same
// for g++, Reference Manual "Compiler Interoperability"); ihc::stream, stream_in and
// stream_out are one unbounded FIFO, with the read/write/tryRead/tryWrite calls of the
// Reference Manual ("Streaming Input Interfaces", "ihc::stream Class"). Template
// parameters (ihc::buffer<N> ...) are accepted and ignored: csim streams are unbounded.
#ifndef FE_COMPAT_HLS_HLS_H_
#define FE_COMPAT_HLS_HLS_H_

#include <deque>
#include <stdexcept>

#define component
#define hls_avalon_streaming_component
#define hls_register
#define hls_component_ii(n)
#define hls_memory

namespace ihc {
template <int N>
struct buffer {};

template <class T>
class fe_fifo {
  public:
    T read() {
        if (q_.empty()) throw std::runtime_error("ihc stream: read from an empty stream");
        T v = q_.front();
        q_.pop_front();
        return v;
    }
    void write(const T &v) { q_.push_back(v); }
    T tryRead(bool &success) {
        success = !q_.empty();
        return success ? read() : T();
    }
    bool tryWrite(const T &v) {
        write(v);
        return true;
    }
    bool empty() const { return q_.empty(); }
    unsigned long size() const { return q_.size(); }

  private:
    std::deque<T> q_;
};

template <class T, class... Params>
using stream = fe_fifo<T>;
template <class T, class... Params>
using stream_in = fe_fifo<T>;
template <class T, class... Params>
using stream_out = fe_fifo<T>;
}  // namespace ihc

#endif

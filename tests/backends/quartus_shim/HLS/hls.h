// Test shim: the Intel HLS Compiler's HLS/hls.h as the generated quartus projects use it, for
// g++ -fsyntax-only checks (tests/backends/test_quartus.py). Stricter than the csim's compat
// header: ihc::stream_in, ihc::stream_out and ihc::stream are distinct class templates
// taking Intel's template parameters, so a port passed where a layer stream is expected (or
// the reverse) does not compile, as with i++. Keywords and attributes expand to nothing.
#ifndef QUARTUS_SHIM_HLS_H_
#define QUARTUS_SHIM_HLS_H_

#define component
#define hls_avalon_streaming_component
#define hls_register
#define hls_component_ii(n)

namespace ihc {
template <int N>
struct buffer {};

template <class T, class... Params>
class stream_in {
  public:
    T read();
    T tryRead(bool &success);
    void write(const T &v);  // the testbench side
};

template <class T, class... Params>
class stream_out {
  public:
    void write(const T &v);
    bool tryWrite(const T &v);
    T read();  // the testbench side
};

template <class T, class... Params>
class stream {
  public:
    T read();
    T tryRead(bool &success);
    void write(const T &v);
    bool tryWrite(const T &v);
};
}  // namespace ihc

#endif

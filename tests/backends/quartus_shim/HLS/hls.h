// Test shim: the Intel HLS Compiler's HLS/hls.h as the generated quartus projects use it, for
// g++ -fsyntax-only checks (tests/backends/test_quartus.py). Stricter than the csim's compat
// header: ihc::stream_in, ihc::stream_out and ihc::stream are distinct class templates
// taking Intel's template parameters, so a port passed where a layer stream is expected (or
// the reverse) does not compile, as with i++. ihc::launch / ihc::collect take the task
// function as a template argument (RM "Systems of Tasks API") and refuse, as i++ does, a task
// with a pointer or reference parameter (RM "Task Functions") or called with other arguments
// than it takes. Keywords and attributes expand to nothing.
#ifndef QUARTUS_SHIM_HLS_H_
#define QUARTUS_SHIM_HLS_H_

#define component
#define hls_avalon_streaming_component
#define hls_register
#define hls_component_ii(n)

#include <type_traits>

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

template <class F>
struct task_traits;
template <class R, class... P>
struct task_traits<R(P...)> {
    typedef R result;
    static const unsigned arity = sizeof...(P);
    static const bool by_value = (true && ... && (!std::is_pointer<P>::value &&
                                                  !std::is_reference<P>::value));
};

template <auto &F, int capacity = 0, class... Args>
void launch(Args &&...) {
    typedef task_traits<std::remove_reference_t<decltype(F)>> traits;
    static_assert(traits::by_value, "a task function takes no pointer or reference argument");
    static_assert(traits::arity == sizeof...(Args), "a task is launched with its arguments");
}

template <auto &F, int capacity = 0>
typename task_traits<std::remove_reference_t<decltype(F)>>::result collect();
}  // namespace ihc

#endif

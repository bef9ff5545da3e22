// fpga-export compat: what the generated quartus projects use of the Intel HLS Compiler's
// HLS/hls.h, for the g++ csim when i++ is not installed (the i++ build uses Intel's header).
// Keywords and attributes are empty (they steer synthesis only; Intel's header does the same
// for g++, Reference Manual "Compiler Interoperability"); ihc::stream, stream_in and
// stream_out are one unbounded FIFO, with the read/write/tryRead/tryWrite calls of the
// Reference Manual ("Streaming Input Interfaces", "ihc::stream Class"). Template
// parameters (ihc::buffer<N> ...) are accepted and ignored: csim streams are unbounded.
//
// Systems of tasks (Reference Manual "Systems of Tasks API"), run on the calling thread:
// ihc::launch<f>() records the task f (a void function without arguments, as the generated
// component's tasks are); a read from an empty stream runs the recorded tasks in launch order
// until data arrives (the component launches its tasks in topological order, so each runs to
// its end at once, the streams being unbounded; tryRead too, before it fails);
// ihc::collect<f>() runs f if it has not run.
// The record is per thread (the csim library runs samples on several threads).
// After an error inside a sample (a C++ exception), the csim bridge calls FE_CSIM_RESET():
// it clears this thread's pending tasks and streams, so no packet of the failed sample is
// read by the next one (the calling thread, and its thread_local streams, live on).
#ifndef FE_COMPAT_HLS_HLS_H_
#define FE_COMPAT_HLS_HLS_H_

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <type_traits>
#include <vector>

#define component
#define hls_avalon_streaming_component
#define hls_register
#define hls_component_ii(n)
#define hls_memory

namespace ihc {
template <int N>
struct buffer {};

namespace fe_tasks {
typedef void (*task)();
// every stream of this thread, for reset()
struct fifo_base {
    virtual void clear() = 0;

  protected:
    ~fifo_base() = default;
};
// Set once this thread's list is destroyed: streams with static storage (no
// FE_CSIM_THREAD_LOCAL) outlive the main thread's thread_local list. A bool has no destructor,
// so it is still readable then.
inline bool &fifos_gone() {
    static thread_local bool gone = false;
    return gone;
}
struct fifo_list {
    std::vector<fifo_base *> all;
    ~fifo_list() { fifos_gone() = true; }
};
inline std::vector<fifo_base *> &fifos() {
    static thread_local fifo_list list;
    return list.all;
}
// launched tasks that have not run, in launch order
inline std::deque<task> &pending() {
    static thread_local std::deque<task> tasks;
    return tasks;
}
// runs the first pending task; false if there is none
inline bool run_next() {
    std::deque<task> &p = pending();
    if (p.empty()) return false;
    task f = p.front();
    p.pop_front();
    f();
    return true;
}
// the state of this thread after a failed sample: no pending task, every stream empty
inline void reset() {
    pending().clear();
    for (fifo_base *f : fifos()) f->clear();
}
}  // namespace fe_tasks

template <auto &F, int capacity = 0>
void launch() {
    static_assert(std::is_same<std::remove_reference_t<decltype(F)>, void()>::value,
                  "fpga-export compat ihc::launch: a task is a void function without arguments");
    fe_tasks::pending().push_back(&F);
}

template <auto &F, int capacity = 0>
void collect() {
    std::deque<fe_tasks::task> &p = fe_tasks::pending();
    while (std::find(p.begin(), p.end(), &F) != p.end()) fe_tasks::run_next();
}

template <class T>
class fe_fifo : public fe_tasks::fifo_base {
  public:
    fe_fifo() { fe_tasks::fifos().push_back(this); }
    fe_fifo(const fe_fifo &other) : q_(other.q_) { fe_tasks::fifos().push_back(this); }
    fe_fifo &operator=(const fe_fifo &) = default;
    ~fe_fifo() {
        if (fe_tasks::fifos_gone()) return;  // a static stream at exit: the list went first
        std::vector<fe_tasks::fifo_base *> &all = fe_tasks::fifos();
        all.erase(std::remove(all.begin(), all.end(), this), all.end());
    }
    void clear() override { q_.clear(); }
    T read() {
        while (q_.empty()) {
            if (!fe_tasks::run_next()) {
                throw std::runtime_error("ihc stream: read from an empty stream");
            }
        }
        T v = q_.front();
        q_.pop_front();
        return v;
    }
    void write(const T &v) { q_.push_back(v); }
    T tryRead(bool &success) {
        while (q_.empty() && fe_tasks::run_next()) {
        }
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

#define FE_CSIM_RESET() ::ihc::fe_tasks::reset()

#endif

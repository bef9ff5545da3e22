// C++11 stand-in for the vendor's hls_stream.h, for SYNTAX CHECKS ONLY (see ap_int.h).
#ifndef CPP14_STANDIN_HLS_STREAM_H_
#define CPP14_STANDIN_HLS_STREAM_H_

#include <deque>
#include <string>

namespace hls {

// A FIFO; like the vendor's, it cannot be copied (pass streams by reference), has no
// value_type typedef (use the type read() returns), and hls::stream<T, DEPTH> (depth in the
// type) derives from hls::stream<T> = hls::stream<T, 0>.
template <class T, int DEPTH = 0>
class stream;

template <class T>
class stream<T, 0> {
  public:
    stream() {}
    explicit stream(const char *name) : name_(name) {}
    stream(const stream &) = delete;
    stream &operator=(const stream &) = delete;

    T read() {
        T x = fifo_.front();
        fifo_.pop_front();
        return x;
    }
    void read(T &x) { x = read(); }
    void write(const T &x) { fifo_.push_back(x); }
    bool empty() const { return fifo_.empty(); }
    unsigned size() const { return static_cast<unsigned>(fifo_.size()); }

  private:
    std::deque<T> fifo_;
    std::string name_;
};

template <class T, int DEPTH>
class stream : public stream<T, 0> {
  public:
    stream() {}
    explicit stream(const char *name) : stream<T, 0>(name) {}
};

}  // namespace hls

#endif

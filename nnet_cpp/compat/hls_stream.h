// fpga-export compat: hls::stream<T> for C simulation (our own implementation).
//
// An unbounded FIFO (std::deque).  Reading an empty stream is a bug in the design under
// simulation (the hardware would block forever): it prints the stream's name and throws
// std::runtime_error (an uncaught exception aborts the program with the message; without
// exceptions it aborts).
// full() is true only for a stream declared with a DEPTH (second template argument > 0)
// that holds DEPTH elements; writes are never refused (csim semantics).
#ifndef FPGA_EXPORT_COMPAT_HLS_STREAM_H
#define FPGA_EXPORT_COMPAT_HLS_STREAM_H

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <stdexcept>
#include <string>

namespace hls {

template <typename T, int DEPTH = 0>
class stream {
 public:
  typedef T value_type;

  stream() : name_("hls::stream") {}
  explicit stream(const char* name) : name_(name ? name : "hls::stream") {}
  explicit stream(const std::string& name) : name_(name) {}
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  // ---- blocking interface
  T read() {
    if (q_.empty()) empty_read();
    T v = q_.front();
    q_.pop_front();
    return v;
  }
  void read(T& v) { v = read(); }
  void write(const T& v) { q_.push_back(v); }
  stream& operator>>(T& v) {
    read(v);
    return *this;
  }
  stream& operator<<(const T& v) {
    write(v);
    return *this;
  }

  // ---- non-blocking interface
  bool read_nb(T& v) {
    if (q_.empty()) return false;
    read(v);
    return true;
  }
  bool write_nb(const T& v) {
    if (full()) return false;
    write(v);
    return true;
  }

  // ---- status
  bool empty() const { return q_.empty(); }
  bool full() const { return DEPTH > 0 && q_.size() >= static_cast<std::size_t>(DEPTH); }
  std::size_t size() const { return q_.size(); }
  const char* name() const { return name_.c_str(); }
  const char* get_name() const { return name_.c_str(); }

 private:
  [[noreturn]] void empty_read() const {
    std::string msg = "hls::stream '" + name_ + "': read while empty";
    std::fprintf(stderr, "ERROR: %s\n", msg.c_str());
    std::fflush(stderr);
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
    throw std::runtime_error(msg);
#else
    std::abort();
#endif
  }

  std::deque<T> q_;
  std::string name_;
};

}  // namespace hls

#endif  // FPGA_EXPORT_COMPAT_HLS_STREAM_H

// fpga-export compat: hls::stream<T> for C simulation (our own implementation).
//
// As in the vendor's header, hls::stream<T, DEPTH> (the FIFO depth in the type, UG1399 "HLS
// Stream Library") derives from hls::stream<T> = hls::stream<T, 0>, so layer functions take
// hls::stream<T>& and are passed streams of any depth.
//
// csim semantics: an unbounded FIFO (std::deque). Reading an empty stream is a bug in the
// design under simulation (the hardware would block forever): it prints the stream's name and
// throws std::runtime_error (an uncaught exception aborts the program with the message;
// without exceptions it aborts). full() is true only for a stream declared with a DEPTH that
// holds DEPTH elements; writes are never refused.
//
// Dataflow simulation (FPGA_EXPORT_DATAFLOW_SIM, csim only; fe_dataflow.h): inside a process
// of a DATAFLOW region a read of an empty stream and a write to a full hls::stream<T, DEPTH>
// block until another process makes room or data, and a deadlock is reported.
#ifndef FPGA_EXPORT_COMPAT_HLS_STREAM_H
#define FPGA_EXPORT_COMPAT_HLS_STREAM_H

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <stdexcept>
#include <string>

#ifdef FPGA_EXPORT_DATAFLOW_SIM
#include "fe_dataflow.h"
#endif

namespace hls {

template <typename T, int DEPTH = 0>
class stream;

template <typename T>
class stream<T, 0> {
 public:
  typedef T value_type;

  stream() : name_("hls::stream") { init(); }
  explicit stream(const char* name) : name_(name ? name : "hls::stream") { init(); }
  explicit stream(const std::string& name) : name_(name) { init(); }
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  // ---- blocking interface
  T read() {
#ifdef FPGA_EXPORT_DATAFLOW_SIM
    fe::dataflow::wait_readable(channel_);
#endif
    if (q_.empty()) empty_read();
    T v = q_.front();
    q_.pop_front();
#ifdef FPGA_EXPORT_DATAFLOW_SIM
    channel_.count = q_.size();
#endif
    return v;
  }
  void read(T& v) { v = read(); }
  void write(const T& v) {
#ifdef FPGA_EXPORT_DATAFLOW_SIM
    fe::dataflow::wait_writable(channel_);
#endif
    q_.push_back(v);
#ifdef FPGA_EXPORT_DATAFLOW_SIM
    channel_.count = q_.size();
    fe::dataflow::after_write(channel_);
#endif
  }
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
  bool full() const { return capacity_ > 0 && q_.size() >= capacity_; }
  std::size_t size() const { return q_.size(); }
  const char* name() const { return name_.c_str(); }
  const char* get_name() const { return name_.c_str(); }

 protected:
  void set_depth(std::size_t depth) {
    capacity_ = depth;
#ifdef FPGA_EXPORT_DATAFLOW_SIM
    channel_.capacity = depth;
#endif
  }

 private:
  void init() {
#ifdef FPGA_EXPORT_DATAFLOW_SIM
    channel_.name = name_;
#endif
  }

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
  std::size_t capacity_ = 0;  // 0: unbounded
#ifdef FPGA_EXPORT_DATAFLOW_SIM
  fe::dataflow::channel channel_;
#endif
};

// A FIFO of DEPTH elements (the depth only matters to full() and to dataflow simulation).
template <typename T, int DEPTH>
class stream : public stream<T, 0> {
  static_assert(DEPTH > 0, "hls::stream: DEPTH must be positive");

 public:
  stream() { this->set_depth(DEPTH); }
  explicit stream(const char* name) : stream<T, 0>(name) { this->set_depth(DEPTH); }
  explicit stream(const std::string& name) : stream<T, 0>(name) { this->set_depth(DEPTH); }
};

}  // namespace hls

#endif  // FPGA_EXPORT_COMPAT_HLS_STREAM_H

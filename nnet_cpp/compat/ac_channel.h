// fpga-export compat: ac_channel<T>, the Algorithmic C channel (a FIFO between processes), for
// C simulation (our own implementation; API as in the Algorithmic C reference).
//
// csim semantics, as the reference's plain C++ build: an unbounded FIFO (std::deque); writes
// never block or fail.  Reading or peeking an empty channel is a bug in the design under
// simulation: it prints a message and throws std::runtime_error (aborts without exceptions).
//   read() / read(T&) / nb_read(T&)     take the oldest element (nb_: false when empty)
//   peek() / peek(T&) / nb_peek(T&)     look at it without removing it
//   write(x) / nb_write(x)              append (nb_write always succeeds: true)
//   size(), empty(), available(k)       element count; size() >= k
//   ac_channel(n) / ac_channel(n, v)    start with n default-constructed elements / copies of v;
//                                       reset() empties the channel and refills them
//   operator[](i), debug_size()         inspect without reading (testbench use)
// Channels cannot be copied (pass them by reference), as in the reference.
#ifndef FPGA_EXPORT_COMPAT_AC_CHANNEL_H
#define FPGA_EXPORT_COMPAT_AC_CHANNEL_H

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <stdexcept>
#include <string>

template <class T>
class ac_channel {
 public:
  typedef T element_type;

  ac_channel() : init_(0), init_val_() {}
  explicit ac_channel(int init) : init_(init > 0 ? init : 0), init_val_() { refill(); }
  ac_channel(int init, T val) : init_(init > 0 ? init : 0), init_val_(val) { refill(); }
  ac_channel(const ac_channel&) = delete;
  ac_channel& operator=(const ac_channel&) = delete;

  T read() {
    if (q_.empty()) empty_access("read");
    T v = q_.front();
    q_.pop_front();
    return v;
  }
  void read(T& v) { v = read(); }
  bool nb_read(T& v) {
    if (q_.empty()) return false;
    v = read();
    return true;
  }
  T peek() {
    if (q_.empty()) empty_access("peek");
    return q_.front();
  }
  void peek(T& v) { v = peek(); }
  bool nb_peek(T& v) {
    if (q_.empty()) return false;
    v = q_.front();
    return true;
  }

  void write(const T& v) { q_.push_back(v); }
  bool nb_write(const T& v) {
    write(v);
    return true;
  }

  unsigned int size() const { return static_cast<unsigned int>(q_.size()); }
  bool empty() const { return q_.empty(); }
  bool available(unsigned int k) const { return q_.size() >= k; }
  unsigned int debug_size() const { return size(); }
  const T& operator[](unsigned int pos) const { return q_.at(pos); }
  void reset() {
    q_.clear();
    refill();
  }

 private:
  void refill() {
    for (int i = 0; i < init_; ++i) q_.push_back(init_val_);
  }
  [[noreturn]] static void empty_access(const char* what) {
    std::string msg = std::string("ac_channel: ") + what + " from empty channel";
    std::fprintf(stderr, "ERROR: %s\n", msg.c_str());
    std::fflush(stderr);
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
    throw std::runtime_error(msg);
#else
    std::abort();
#endif
  }

  std::deque<T> q_;
  int init_;
  T init_val_;
};

#endif  // FPGA_EXPORT_COMPAT_AC_CHANNEL_H

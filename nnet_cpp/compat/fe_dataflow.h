// fpga-export compat: dataflow simulation of an io_stream top (csim only).
//
// Compiled only with FPGA_EXPORT_DATAFLOW_SIM (fpga_export/csim/dataflow.py builds a separate
// library with it); never part of the synthesized code path. The generated top marks each
// process of its DATAFLOW region with FE_PROCESS(name, call) (nnet/common.h): for synthesis
// that is the call itself; here it runs the call on its own thread, and every stream declared
// hls::stream<T, DEPTH> is a FIFO of DEPTH packets (ports, hls::stream<T>, stay unbounded).
//
// Scheduling is cooperative and deterministic: one process runs at a time and hands over only
// when it blocks (read of an empty FIFO, write to a full one) or, after a write, to a runnable
// process further downstream (a higher declaration index). This "lazy" order keeps every FIFO
// as empty as the data allow, so the peak occupancy it records is the buffering each FIFO
// really needs. Bounded blocking FIFOs between processes that only use blocking reads and
// writes form a Kahn process network: whether it deadlocks does not depend on the schedule,
// so one deterministic run decides it. When the running process blocks and no other process
// can run, the region is deadlocked: every blocked process is aborted and the top throws
// std::runtime_error naming each process, the FIFO it waits on and that FIFO's occupancy.
//
// Statistics (per FIFO name: depth and peak occupancy, maximum over every call) are read
// through the C functions fe_dataflow_stats / fe_dataflow_reset at the end of this file.
#ifndef FPGA_EXPORT_COMPAT_FE_DATAFLOW_H
#define FPGA_EXPORT_COMPAT_FE_DATAFLOW_H

#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace fe {
namespace dataflow {

// The bookkeeping of one stream object (held by hls::stream).
struct channel {
  std::string name;
  std::size_t capacity = 0;  // 0: unbounded (a top-level port)
  std::size_t count = 0;     // packets in the FIFO
  std::size_t peak = 0;      // highest count after a write
};

// Thrown inside a process blocked on a FIFO when the region is aborted (deadlock or another
// process failed); caught by the process thread. Not a std::exception on purpose: layer code
// must not swallow it.
struct aborted {};

class region;

struct process_state {
  enum status { ready, blocked_read, blocked_write, done };
  std::string name;
  std::function<void()> body;
  unsigned index = 0;
  status state = ready;
  channel *waits_on = nullptr;
  std::condition_variable wake;
  std::thread thread;
};

struct thread_context {
  region *owner = nullptr;
  process_state *process = nullptr;
};

inline thread_context &this_thread_context() {
  static thread_local thread_context ctx;
  return ctx;
}

inline std::mutex &stats_mutex() {
  static std::mutex m;
  return m;
}

// FIFO name -> (depth, peak occupancy), over every region run since the last reset.
inline std::map<std::string, std::pair<std::size_t, std::size_t>> &stats() {
  static std::map<std::string, std::pair<std::size_t, std::size_t>> s;
  return s;
}

// One invocation of a DATAFLOW region: its processes, in declaration (= topological) order.
class region {
 public:
  void add(const char *name, std::function<void()> body) {
    std::unique_ptr<process_state> p(new process_state);
    p->name = name;
    p->body = std::move(body);
    p->index = static_cast<unsigned>(processes_.size());
    processes_.push_back(std::move(p));
  }

  // Runs every process to completion (or deadlock) and joins them; idempotent.
  void run() {
    if (started_) return;
    started_ = true;
    for (auto &p : processes_) {
      process_state *raw = p.get();
      raw->thread = std::thread([this, raw] { thread_main(raw); });
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      schedule();
      finished_.wait(lock, [this] { return all_done() || aborted_; });
    }
    for (auto &p : processes_) p->thread.join();
    std::lock_guard<std::mutex> guard(stats_mutex());
    for (channel *c : channels_) {
      if (c->capacity == 0) continue;
      auto &entry = stats()[c->name];
      entry.first = c->capacity;
      if (c->peak > entry.second) entry.second = c->peak;
    }
  }

  const std::string &error() const { return error_; }

  // ---- called by hls::stream from a process thread (the running one)
  void wait_readable(process_state *p, channel &c) {
    std::unique_lock<std::mutex> lock(mutex_);
    note(c);
    if (c.count > 0) return;
    block(lock, p, process_state::blocked_read, c);
  }

  void wait_writable(process_state *p, channel &c) {
    std::unique_lock<std::mutex> lock(mutex_);
    note(c);
    if (c.capacity == 0 || c.count < c.capacity) return;
    block(lock, p, process_state::blocked_write, c);
  }

  // After a write: a runnable process downstream of p runs first (lazy schedule).
  void after_write(process_state *p) {
    std::unique_lock<std::mutex> lock(mutex_);
    process_state *next = pick(p->index + 1);
    if (!next) return;
    running_ = next;
    next->wake.notify_one();
    p->wake.wait(lock, [this, p] { return running_ == p || aborted_; });
    if (aborted_) throw aborted();
  }

 private:
  void note(channel &c) {
    for (channel *known : channels_)
      if (known == &c) return;
    channels_.push_back(&c);
  }

  void block(std::unique_lock<std::mutex> &lock, process_state *p, process_state::status s,
             channel &c) {
    p->state = s;
    p->waits_on = &c;
    schedule();
    p->wake.wait(lock, [this, p] { return running_ == p || aborted_; });
    if (aborted_) throw aborted();
    p->state = process_state::ready;
    p->waits_on = nullptr;
  }

  bool runnable(const process_state &p) const {
    switch (p.state) {
      case process_state::ready: return true;
      case process_state::blocked_read: return p.waits_on->count > 0;
      case process_state::blocked_write:
        return p.waits_on->capacity == 0 || p.waits_on->count < p.waits_on->capacity;
      default: return false;
    }
  }

  // The most downstream runnable process with index >= from (null if none).
  process_state *pick(unsigned from) {
    for (std::size_t i = processes_.size(); i-- > from;)
      if (runnable(*processes_[i])) return processes_[i].get();
    return nullptr;
  }

  bool all_done() const {
    for (auto &p : processes_)
      if (p->state != process_state::done) return false;
    return true;
  }

  // Hands the baton on (mutex held): to the most downstream runnable process, else the
  // region is finished or deadlocked.
  void schedule() {
    process_state *next = pick(0);
    if (next) {
      running_ = next;
      next->wake.notify_one();
      return;
    }
    running_ = nullptr;
    if (!all_done() && error_.empty()) error_ = deadlock_report();
    if (!all_done()) abort_all();
    finished_.notify_all();
  }

  void abort_all() {
    aborted_ = true;
    for (auto &p : processes_) p->wake.notify_all();
    finished_.notify_all();
  }

  std::string deadlock_report() const {
    std::ostringstream out;
    out << "dataflow deadlock: every unfinished process is blocked on a FIFO";
    for (auto &p : processes_) {
      if (p->state == process_state::done) continue;
      const channel &c = *p->waits_on;
      out << "\n  process " << p->name << " waits to "
          << (p->state == process_state::blocked_read ? "read empty FIFO " : "write full FIFO ")
          << c.name << " (" << c.count << "/";
      if (c.capacity) out << c.capacity;
      else out << "unbounded";
      out << " packets)";
    }
    out << "\nraise the depth of the full FIFO(s) (hls::stream<T, DEPTH> and its STREAM pragma)";
    return out.str();
  }

  void thread_main(process_state *p) {
    this_thread_context().owner = this;
    this_thread_context().process = p;
    std::unique_lock<std::mutex> lock(mutex_);
    p->wake.wait(lock, [this, p] { return running_ == p || aborted_; });
    if (!aborted_) {
      lock.unlock();
      std::string failure;
      try {
        p->body();
      } catch (const aborted &) {
      } catch (const std::exception &e) {
        failure = e.what();
      } catch (...) {
        failure = "unknown exception";
      }
      lock.lock();
      if (!failure.empty() && error_.empty()) {
        error_ = "dataflow process " + p->name + " failed: " + failure;
        abort_all();
      }
    }
    p->state = process_state::done;
    if (!aborted_) schedule();
    else finished_.notify_all();
  }

  std::vector<std::unique_ptr<process_state>> processes_;
  std::vector<channel *> channels_;
  std::mutex mutex_;
  std::condition_variable finished_;
  process_state *running_ = nullptr;
  bool started_ = false, aborted_ = false;
  std::string error_;
};

// ---- the hooks hls::stream calls (no-ops outside a process thread: test benches, bridges)
inline void wait_readable(channel &c) {
  thread_context &t = this_thread_context();
  if (t.process) t.owner->wait_readable(t.process, c);
}
inline void wait_writable(channel &c) {
  thread_context &t = this_thread_context();
  if (t.process) t.owner->wait_writable(t.process, c);
}
inline void after_write(channel &c) {
  if (c.count > c.peak) c.peak = c.count;
  thread_context &t = this_thread_context();
  if (t.process) t.owner->after_write(t.process);
}

// The region the calling (top-level) thread is building, shared by its process objects.
inline region *&building_region() {
  static thread_local region *r = nullptr;
  return r;
}
inline unsigned &building_refs() {
  static thread_local unsigned n = 0;
  return n;
}

// FE_PROCESS(name, call) in the csim build: a local object per process of the DATAFLOW
// region. Destructors run in reverse declaration order, so the last process's destructor
// runs the region (every stream it uses was declared before it) and the first process's
// destructor, the last to run, throws the region's error out of the top function.
class process {
 public:
  process(const char *name, std::function<void()> body) {
    if (!building_region()) building_region() = new region;
    region_ = building_region();
    ++building_refs();
    region_->add(name, std::move(body));
  }
  process(const process &) = delete;
  process &operator=(const process &) = delete;

  ~process() noexcept(false) {
    region_->run();
    if (--building_refs() > 0) return;
    std::string error = region_->error();
    delete region_;
    building_region() = nullptr;
    if (!error.empty() && std::uncaught_exceptions() == 0) throw std::runtime_error(error);
  }

 private:
  region *region_;
};

}  // namespace dataflow
}  // namespace fe

// C interface of the csim library (this header is compiled into exactly one translation unit,
// the bridge, so the definitions live here).
extern "C" {
// Writes "name depth peak\n" per bounded FIFO seen since the last reset into buf (at most
// size bytes, NUL-terminated); returns the length the full text needs.
__attribute__((visibility("default"), used)) long fe_dataflow_stats(char *buf, long size) {
  std::ostringstream out;
  {
    std::lock_guard<std::mutex> guard(fe::dataflow::stats_mutex());
    for (auto &kv : fe::dataflow::stats())
      out << kv.first << " " << kv.second.first << " " << kv.second.second << "\n";
  }
  const std::string text = out.str();
  if (buf && size > 0) {
    const std::size_t n = text.size() < std::size_t(size - 1) ? text.size() : std::size_t(size - 1);
    text.copy(buf, n);
    buf[n] = '\0';
  }
  return static_cast<long>(text.size());
}

__attribute__((visibility("default"), used)) void fe_dataflow_reset() {
  std::lock_guard<std::mutex> guard(fe::dataflow::stats_mutex());
  fe::dataflow::stats().clear();
}
}

#endif  // FPGA_EXPORT_COMPAT_FE_DATAFLOW_H

// csim bridge for 'small_cnn' (written by fpga-export): a C ABI over the firmware's top
// function for Python (ctypes). Weights live here and are replaced at run time; the batch
// loop runs in C++ split over threads (chunks taken as they go).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "small_cnn.cpp"  // one translation unit: faster to compile

// weight storage (declared extern in weights/*.h under FPGA_EXPORT_RUNTIME_WEIGHTS)
conv_1_kernel_t conv_1_kernel[18];
conv_1_bias_t conv_1_bias[2];
dense_kernel_t dense_kernel[24];
dense_bias_t dense_bias[3];
softmax_exp_table_t softmax_exp_table[64];
softmax_inv_table_t softmax_inv_table[64];

// After a sample failed (a C++ exception), the thread's state that outlives a sample is reset
// (the quartus csim's namespace-scope streams and launched tasks: compat HLS/hls.h)
#ifndef FE_CSIM_RESET
#define FE_CSIM_RESET()
#endif

namespace fe {
thread_local double *trace_buffer = nullptr;
const long trace_offsets[] = { 0, 36, 68, 100, 108, 116, 119 };
}  // namespace fe

// Every call reports errors into the caller's buffer (no shared state: calls may run
// concurrently) and returns 0 (ok), 1 (no such weight), 2 (wrong size), 3 (C++ exception)
// or 4 (stopped: *stop became nonzero; checked before every sample).
static int fail(char *error, long size, const std::string &text, int code) {
    if (size > 0) {
        std::strncpy(error, text.c_str(), size - 1);
        error[size - 1] = '\0';
    }
    return code;
}

struct weight_slot { const char *name; long size; void (*set)(const double *); };
static void set_conv_1_kernel(const double *v) { for (long i = 0; i < 18; i++) conv_1_kernel[i] = v[i]; }
static void set_conv_1_bias(const double *v) { for (long i = 0; i < 2; i++) conv_1_bias[i] = v[i]; }
static void set_dense_kernel(const double *v) { for (long i = 0; i < 24; i++) dense_kernel[i] = v[i]; }
static void set_dense_bias(const double *v) { for (long i = 0; i < 3; i++) dense_bias[i] = v[i]; }
static void set_softmax_exp_table(const double *v) { for (long i = 0; i < 64; i++) softmax_exp_table[i] = v[i]; }
static void set_softmax_inv_table(const double *v) { for (long i = 0; i < 64; i++) softmax_inv_table[i] = v[i]; }
static const weight_slot weight_slots[] = {
    {"conv_1_kernel", 18, set_conv_1_kernel},
    {"conv_1_bias", 2, set_conv_1_bias},
    {"dense_kernel", 24, set_dense_kernel},
    {"dense_bias", 3, set_dense_bias},
    {"softmax_exp_table", 64, set_softmax_exp_table},
    {"softmax_inv_table", 64, set_softmax_inv_table},
    {nullptr, 0, nullptr}};

static void run_one(const double *const *x, double *const *y, long s) {
    const double *x0 = x[0] + s * 36;
    hls::stream<input_1_packet_t> in0;
    for (unsigned p = 0; p < 36 / input_1_packet_t::size; p++) {
        input_1_packet_t packet;
        for (unsigned c = 0; c < input_1_packet_t::size; c++) packet[c] = x0[p * input_1_packet_t::size + c];
        in0.write(packet);
    }
    hls::stream<softmax_packet_t> out0;
    small_cnn(in0, out0);
    double *y0 = y[0] + s * 3;
    for (unsigned p = 0; p < 3 / softmax_packet_t::size; p++) {
        softmax_packet_t packet = out0.read();
        for (unsigned c = 0; c < softmax_packet_t::size; c++) y0[p * softmax_packet_t::size + c] = packet[c].to_double();
    }
}

extern "C" {

long fe_trace_size() { return 122; }

int fe_set_weight(const char *name, const double *values, long n, char *error, long error_size) {
    for (const weight_slot *w = weight_slots; w->name; w++) {
        if (std::strcmp(w->name, name) == 0) {
            if (w->size != n) return fail(error, error_size, std::string("wrong size for weight ") + name, 2);
            w->set(values);
            return 0;
        }
    }
    return fail(error, error_size, std::string("no weight named ") + name, 1);
}

int fe_predict(const double *const *x, double *const *y, long n, int threads,
               const volatile int *stop, char *error, long error_size) {
    if (threads < 1) threads = 1;
    if (n < 64 * threads) threads = n >= 64 ? int(n / 64) : 1;
    std::vector<std::string> errors(threads);
    std::vector<char> stopped(threads, 0);
    // threads take chunks of samples as they go: a thread on a busy core takes fewer
    std::atomic<long> next(0);
    std::atomic<bool> failed(false);
    const long chunk = std::max(16L, std::min(1024L, n / (8L * threads)));
    auto work = [&](int t) {
        try {
            for (long lo; !failed && (lo = next.fetch_add(chunk)) < n;) {
                for (long s = lo, hi = std::min(n, lo + chunk); s < hi; s++) {
                    if (*stop) { stopped[t] = 1; return; }
                    run_one(x, y, s);
                }
            }
        } catch (const std::exception &e) {
            FE_CSIM_RESET();
            errors[t] = e.what();
            failed = true;
        } catch (...) {
            FE_CSIM_RESET();
            errors[t] = "unknown C++ exception";
            failed = true;
        }
    };
    std::vector<std::thread> pool;
    int t = 1;
    try {
        for (; t < threads; t++) pool.emplace_back(work, t);
    } catch (...) {  // no more threads: this one runs the remaining parts
        for (; t < threads; t++) work(t);
    }
    work(0);
    for (auto &th : pool) th.join();
    for (auto &e : errors) if (!e.empty()) return fail(error, error_size, e, 3);
    for (char s : stopped) if (s) return fail(error, error_size, "stopped", 4);
    return 0;
}

int fe_trace(const double *const *x, double *trace, long n, const volatile int *stop,
             char *error, long error_size) {
    try {
        // outputs of a traced run are discarded: the trace holds them too
        std::vector<double> scratch0(n * 3);
        double *const ys[] = { scratch0.data() };
        for (long s = 0; s < n; s++) {
            if (*stop) { fe::trace_buffer = nullptr; return fail(error, error_size, "stopped", 4); }
            fe::trace_buffer = trace + s * 122;
            run_one(x, ys, s);
        }
    } catch (const std::exception &e) {
        FE_CSIM_RESET();
        fe::trace_buffer = nullptr;
        return fail(error, error_size, e.what(), 3);
    } catch (...) {
        FE_CSIM_RESET();
        fe::trace_buffer = nullptr;
        return fail(error, error_size, "unknown C++ exception", 3);
    }
    fe::trace_buffer = nullptr;
    return 0;
}

}  // extern "C"

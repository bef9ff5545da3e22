// Test oracle: hls4ml's layer normalization, written from the description of hls4ml's
// nnet_layernorm.h (the epsilon_power_of_10 / table_range_power2 version) in its own style: a
// static 1/sqrt table filled on first use with float math (sqrt of a float, 1.0 / it in double),
// sums and differences in accum_t, the index int(var * N * 2^p), and the result
// d * table[index] * scale + bias at full precision. Compiled against the vendor's ap types by
// tests/layers/test_layernorm_hls4ml.py, which defines N_CHAN and includes (-include) a header
// of type sets: structs with data_t, res_t, accum_t, table_t, scale_t, bias_t, table_size,
// range_power2, eps_power10, listed by ORACLE_SETS(X). Reads doubles on stdin, per set in
// that order: the N_CHAN scales, the N_CHAN biases, a row count, then the rows of N_CHAN
// inputs; prints per row the raw bits of the results.
#include <math.h>

#include <cstdio>

#include "ap_fixed.h"

namespace oracle {

template <class CONFIG_T>
void fill_table(typename CONFIG_T::table_t table[CONFIG_T::table_size]) {
    float lowest = pow(10.0f, -(int)CONFIG_T::eps_power10);
    float span = pow(2.0f, -(int)CONFIG_T::range_power2);
    float step = span / (float)CONFIG_T::table_size;
    for (int i = 0; i < CONFIG_T::table_size; i++) {
        float v = lowest + step * i;
        table[i] = (typename CONFIG_T::table_t)(1.0 / sqrt(v));
    }
}

template <class CONFIG_T>
void layernorm(const typename CONFIG_T::data_t x[N_CHAN], typename CONFIG_T::res_t y[N_CHAN],
               const typename CONFIG_T::scale_t g[N_CHAN],
               const typename CONFIG_T::bias_t b[N_CHAN]) {
    typedef typename CONFIG_T::accum_t accum_t;
    static typename CONFIG_T::table_t table[CONFIG_T::table_size];
    static bool filled = false;
    if (!filled) {
        fill_table<CONFIG_T>(table);
        filled = true;
    }
    const unsigned n = N_CHAN;
    const accum_t one_over_n = 1.0 / n;
    accum_t total = 0;
    for (int i = 0; i < N_CHAN; i++) total += static_cast<accum_t>(x[i]);
    accum_t mean = total * one_over_n;
    accum_t centred[N_CHAN];
    accum_t squares = 0;
    for (int i = 0; i < N_CHAN; i++) {
        centred[i] = static_cast<accum_t>(x[i]) - mean;
        accum_t sq = centred[i] * centred[i];
        squares += sq;
    }
    accum_t var = squares * one_over_n;
    const unsigned size = CONFIG_T::table_size;
    int scale_up = (int)1 << CONFIG_T::range_power2;
    int index = var * size * scale_up;
    if (index < 0) index = 0;
    if (index > CONFIG_T::table_size - 1) index = CONFIG_T::table_size - 1;
    typename CONFIG_T::table_t inv = table[index];
    for (int i = 0; i < N_CHAN; i++) y[i] = centred[i] * inv * g[i] + b[i];
}

}  // namespace oracle

template <class T>
unsigned long long bits(T v) {
    return v(T::width - 1, 0).to_uint64();
}

template <class CONFIG_T>
bool run_set() {
    double in[N_CHAN];
    typename CONFIG_T::scale_t g[N_CHAN];
    typename CONFIG_T::bias_t b[N_CHAN];
    for (int c = 0; c < N_CHAN; c++) {
        if (std::scanf("%lf", &in[c]) != 1) return false;
        g[c] = in[c];
    }
    for (int c = 0; c < N_CHAN; c++) {
        if (std::scanf("%lf", &in[c]) != 1) return false;
        b[c] = in[c];
    }
    int rows = 0;
    if (std::scanf("%d", &rows) != 1) return false;
    for (int r = 0; r < rows; r++) {
        typename CONFIG_T::data_t x[N_CHAN];
        typename CONFIG_T::res_t y[N_CHAN];
        for (int c = 0; c < N_CHAN; c++) {
            if (std::scanf("%lf", &in[c]) != 1) return false;
            x[c] = in[c];
        }
        oracle::layernorm<CONFIG_T>(x, y, g, b);
        for (int c = 0; c < N_CHAN; c++) std::printf("%llu ", bits(y[c]));
        std::printf("\n");
    }
    return true;
}

int main() {
#define ORACLE_RUN(S) \
    if (!run_set<S>()) return 1;
    ORACLE_SETS(ORACLE_RUN)
    return 0;
}

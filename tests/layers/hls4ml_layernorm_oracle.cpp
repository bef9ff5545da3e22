// Test oracle: hls4ml's layer normalization, written from the description of hls4ml's
// nnet_layernorm.h (the epsilon_power_of_10 / table_range_power2 version) in its own style: a
// static 1/sqrt table filled on first use with float math (sqrt of a float, 1.0 / it in double),
// sums and differences in accum_t, the index int(var * N * 2^p), and the result
// d * table[index] * scale + bias at full precision. Compiled against the vendor's ap types by
// tests/layers/test_layernorm_hls4ml.py, which defines DATA_T, RES_T, ACCUM_T, TABLE_T,
// SCALE_T, BIAS_T, TABLE_SIZE, RANGE_POWER2, EPS_POWER10, N_CHAN. Reads doubles on stdin: the
// N_CHAN scales, the N_CHAN biases, then rows of N_CHAN inputs; prints per row the raw bits
// of the results.
#include <math.h>

#include <cstdio>

#include "ap_fixed.h"

typedef DATA_T data_t;
typedef RES_T res_t;
typedef ACCUM_T accum_t;
typedef TABLE_T table_t;
typedef SCALE_T scale_t;
typedef BIAS_T bias_t;

namespace oracle {

void fill_table(table_t table[TABLE_SIZE]) {
    float lowest = pow(10.0f, -(int)EPS_POWER10);
    float span = pow(2.0f, -(int)RANGE_POWER2);
    float step = span / (float)TABLE_SIZE;
    for (int i = 0; i < TABLE_SIZE; i++) {
        float v = lowest + step * i;
        table[i] = (table_t)(1.0 / sqrt(v));
    }
}

void layernorm(const data_t x[N_CHAN], res_t y[N_CHAN], const scale_t g[N_CHAN],
               const bias_t b[N_CHAN]) {
    static table_t table[TABLE_SIZE];
    static bool filled = false;
    if (!filled) {
        fill_table(table);
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
    const unsigned size = TABLE_SIZE;
    int scale_up = (int)1 << RANGE_POWER2;
    int index = var * size * scale_up;
    if (index < 0) index = 0;
    if (index > TABLE_SIZE - 1) index = TABLE_SIZE - 1;
    table_t inv = table[index];
    for (int i = 0; i < N_CHAN; i++) y[i] = centred[i] * inv * g[i] + b[i];
}

}  // namespace oracle

template <class T>
unsigned long long bits(T v) {
    return v(T::width - 1, 0).to_uint64();
}

int main() {
    double in[N_CHAN];
    scale_t g[N_CHAN];
    bias_t b[N_CHAN];
    for (int c = 0; c < N_CHAN; c++) {
        if (std::scanf("%lf", &in[c]) != 1) return 1;
        g[c] = in[c];
    }
    for (int c = 0; c < N_CHAN; c++) {
        if (std::scanf("%lf", &in[c]) != 1) return 1;
        b[c] = in[c];
    }
    while (true) {
        for (int c = 0; c < N_CHAN; c++)
            if (std::scanf("%lf", &in[c]) != 1) return 0;
        data_t x[N_CHAN];
        res_t y[N_CHAN];
        for (int c = 0; c < N_CHAN; c++) x[c] = in[c];
        oracle::layernorm(x, y, g, b);
        for (int c = 0; c < N_CHAN; c++) std::printf("%llu ", bits(y[c]));
        std::printf("\n");
    }
}

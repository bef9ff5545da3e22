// Test oracle: hls4ml's lookup-table activations, written from the description of hls4ml's
// nnet_activation.h (0.8 - 1.x) in its own style: static tables filled on first use with
// float math, the element-wise index int(x * N / 2r) + N/2, softmax indexed by the top bits
// of its types and summed in a balanced tree. Compiled against the vendor's ap types by
// tests/layers/test_activation_hls4ml.py, which defines DATA_T, RES_T, TABLE_T, EXP_T, INV_T,
// TABLE_SIZE, LOG2N, N_CHAN, PARAM_T and ALPHA (elu's alpha, a param_t as in hls4ml's
// elu(data, alpha, res)). The newer softmax of hls4ml's main branch (softmax_main) also takes
// ACC_T (accum_t), INV_INP_T (inv_inp_t), NORM_T (inp_norm_t) and EXP_LOG2N (log2 of its exp
// table size). Reads doubles (N_CHAN per line) on stdin; prints per line the
// raw bits of every function's results.
#include <cmath>
#include <cstdio>

#include "ap_fixed.h"

typedef DATA_T data_t;
typedef RES_T res_t;
typedef TABLE_T table_t;
typedef EXP_T exp_t;
typedef INV_T inv_t;
typedef PARAM_T param_t;
typedef ACC_T acc_t;
typedef INV_INP_T inv_inp_t;
typedef NORM_T norm_t;
static const unsigned table_size = TABLE_SIZE;

namespace oracle {

float sigmoid_f(float v) { return 1.0 / (1 + std::exp(-v)); }
float softplus_f(float v) { return std::log(std::exp(v) + 1.); }
float softsign_f(float v) { return v / (std::abs(v) + 1.); }
float elu_f(float v) { return std::exp(v) - 1.; }
float selu_f(float v) {
    return 1.0507009873554804934193349852946 * (1.6732632423543772848170429916717 * (std::exp(v) - 1.));
}
float tanh_f(float v) { return tanh(v); }

template <float (*F)(float), int RANGE>
table_t lookup(data_t x) {
    static table_t table[table_size];
    static bool ready = false;
    if (!ready) {
        for (int i = 0; i < int(table_size); i++) {
            float v = 2 * float(RANGE) * (i - float(table_size) / 2.0) / float(table_size);
            table[i] = F(v);
        }
        ready = true;
    }
    int rounded = x * table_size / (2 * RANGE);
    int index = rounded + RANGE * table_size / (2 * RANGE);
    if (index < 0) index = 0;
    if (index > int(table_size) - 1) index = table_size - 1;
    return table[index];
}

template <float (*F)(float)>
table_t negative_lookup(data_t x) {
    static table_t table[table_size];
    static bool ready = false;
    if (!ready) {
        for (int i = 0; i < int(table_size); i++) table[i] = F(-8.0 * i / float(table_size));
        ready = true;
    }
    int index = x * table_size / -8;
    if (index > int(table_size) - 1) index = table_size - 1;
    return table[index];
}

template <class T>
unsigned top(T x) {
    ap_uint<LOG2N> bits = x(x.width - 1, x.width - LOG2N);
    return bits.to_uint();
}

template <class T>
float from_top(unsigned i) {
    T x(0);
    x(x.width - 1, x.width - LOG2N) = i;
    return (float)x;
}

template <class T, int N>
T tree(const T *x) {
    if (N == 1) return x[0];
    if (N == 2) return T(x[0] + x[1]);
    const int left = N <= 2 ? 1 : (1 << (31 - __builtin_clz(N - 1)));
    return T(tree<T, (N <= 2 ? 1 : left)>(x) + tree<T, (N <= 2 ? 1 : N - left)>(x + left));
}

template <bool STABLE>
void softmax(const data_t x[N_CHAN], res_t y[N_CHAN]) {
    static exp_t exp_table[table_size];
    static inv_t inv_table[table_size];
    static bool ready = false;
    if (!ready) {
        for (unsigned i = 0; i < table_size; i++) {
            exp_table[i] = std::exp(from_top<data_t>(i));
            inv_table[i] = 1 / from_top<exp_t>(i);
        }
        ready = true;
    }
    data_t m = x[0];
    for (int c = 1; c < N_CHAN; c++) m = x[c] >= m ? x[c] : m;
    exp_t e[N_CHAN];
    for (int c = 0; c < N_CHAN; c++) {
        if (STABLE) {
            ap_fixed<data_t::width, data_t::iwidth, AP_RND, AP_SAT> d = x[c] - m;
            e[c] = exp_table[top<data_t>(d)];
        } else {
            e[c] = exp_table[top<data_t>(x[c])];
        }
    }
    exp_t s = tree<exp_t, N_CHAN>(e);
    inv_t inv = inv_table[top<exp_t>(s)];
    for (int c = 0; c < N_CHAN; c++) y[c] = e[c] * inv;
}

// hls4ml main: the exp table is indexed by the top bits of norm_t(max - x) (stable) and holds
// exp(-value); exps are held and summed in acc_t; the sum, as inv_inp_t, indexes 1/x.
template <class T, int NB>
unsigned top_n(T x) {
    ap_uint<NB> bits = x(x.width - 1, x.width - NB);
    return bits.to_uint();
}

template <class T, int NB>
float from_top_n(unsigned i) {
    T x(0);
    x(x.width - 1, x.width - NB) = i;
    return (float)x;
}

template <bool STABLE, int NE>
void softmax_main(const data_t x[N_CHAN], res_t y[N_CHAN]) {
    static exp_t exp_table[1 << NE];
    static inv_t inv_table[table_size];
    static bool ready = false;
    if (!ready) {
        for (unsigned i = 0; i < (1u << NE); i++) {
            float v = STABLE ? -from_top_n<norm_t, NE>(i) : from_top_n<data_t, NE>(i);
            exp_table[i] = std::exp(v);
        }
        for (unsigned i = 0; i < table_size; i++) inv_table[i] = 1 / from_top_n<inv_inp_t, LOG2N>(i);
        ready = true;
    }
    data_t m = x[0];
    for (int c = 1; c < N_CHAN; c++) m = x[c] >= m ? x[c] : m;
    acc_t e[N_CHAN];
    for (int c = 0; c < N_CHAN; c++) {
        if (STABLE) {
            norm_t d = m - x[c];
            e[c] = exp_table[top_n<norm_t, NE>(d)];
        } else {
            e[c] = exp_table[top_n<data_t, NE>(x[c])];
        }
    }
    inv_inp_t s = tree<acc_t, N_CHAN>(e);
    inv_t inv = inv_table[top_n<inv_inp_t, LOG2N>(s)];
    for (int c = 0; c < N_CHAN; c++) y[c] = e[c] * inv;
}

}  // namespace oracle

template <class T>
unsigned long long bits(T v) {
    return v(T::width - 1, 0).to_uint64();
}

int main() {
    double in[N_CHAN];
    while (true) {
        for (int c = 0; c < N_CHAN; c++)
            if (std::scanf("%lf", &in[c]) != 1) return 0;
        data_t x[N_CHAN];
        for (int c = 0; c < N_CHAN; c++) x[c] = in[c];
        res_t out[12][N_CHAN];
        const param_t one = 1.0, alpha = ALPHA;
        for (int c = 0; c < N_CHAN; c++) {
            out[0][c] = oracle::lookup<oracle::sigmoid_f, 8>(x[c]);
            out[1][c] = oracle::lookup<oracle::tanh_f, 4>(x[c]);
            out[2][c] = oracle::lookup<oracle::softplus_f, 8>(x[c]);
            out[3][c] = oracle::lookup<oracle::softsign_f, 8>(x[c]);
            if (x[c] >= 0) {
                out[4][c] = x[c];
                out[5][c] = res_t(1.0507009873554804934193349852946) * x[c];
                out[9][c] = x[c];
            } else {
                out[4][c] = one * oracle::negative_lookup<oracle::elu_f>(x[c]);
                out[9][c] = alpha * oracle::negative_lookup<oracle::elu_f>(x[c]);
                out[5][c] = oracle::negative_lookup<oracle::selu_f>(x[c]);
            }
        }
        oracle::softmax_main<true, EXP_LOG2N>(x, out[6]);
        oracle::softmax_main<false, LOG2N>(x, out[7]);
        oracle::softmax<true>(x, out[10]);
        oracle::softmax<false>(x, out[11]);
        for (int c = 0; c < N_CHAN; c++) out[8][c] = 0;
        int at = 0;
        for (int c = 1; c < N_CHAN; c++)
            if (x[c] > x[at]) at = c;
        out[8][at] = 1;
        for (int f = 0; f < 12; f++)
            for (int c = 0; c < N_CHAN; c++) std::printf("%llu ", bits(out[f][c]));
        std::printf("\n");
    }
}

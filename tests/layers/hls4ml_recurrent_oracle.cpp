// Test oracle: hls4ml's LSTM / GRU (Vivado/Vitis nnet_recurrent.h, 1.x), written from the
// description of its code in its own style: array functions, a latency dense into accum_t
// arrays (products stored in accum_t, accumulated from the bias in input order), activation
// functions with static tables filled on first use with float math and the index
// int(x * N / 2r) + N/2, gates and candidates in accum_t arrays, h and c in the result type,
// a static cell with static state reset at the first step. Compiled against the vendor's ap
// types by tests/layers/test_recurrent_hls4ml.py with -D for the types (DATA_T, RES_T,
// ACCUM_T, WEIGHT_T, RWEIGHT_T, BIAS_T, RBIAS_T, TABLE_T) and sizes (N_SEQ, N_IN, N_STATE,
// TABLE_SIZE). Arguments: the cell (1 LSTM, 2 GRU), the activation and the recurrent
// activation (0 tanh, 1 sigmoid, 2 relu), return_sequences (0/1). Reads the weights (kernel,
// recurrent kernel, bias, recurrent bias: doubles in Keras layout, 4 gates' worth: a GRU reads
// the first 3), then N_SEQ * N_IN doubles per sample; prints the raw bits of the outputs, a
// line per sample.
#include "ap_fixed.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

typedef DATA_T data_t;
typedef RES_T res_t;
typedef ACCUM_T accum_t;
typedef WEIGHT_T weight_t;
typedef RWEIGHT_T rweight_t;
typedef BIAS_T bias_t;
typedef RBIAS_T rbias_t;
typedef TABLE_T table_t;

static const unsigned table_size = TABLE_SIZE;  // unsigned, as hls4ml's config
static const int n_gates4 = 4 * N_STATE;  // storage for the larger cell
static int CELL, ACT, REC, RET_SEQ;  // from the command line

namespace oracle {

float sigmoid_float(float v) { return 1.0 / (1 + std::exp(-v)); }

template <int N_TABLE>
void fill_sigmoid(table_t t[N_TABLE]) {
    for (int ii = 0; ii < N_TABLE; ii++) {
        float in_val = 2 * 8.0 * (ii - float(N_TABLE) / 2.0) / float(N_TABLE);
        table_t real_val = sigmoid_float(in_val);
        t[ii] = real_val;
    }
}

template <int N_TABLE>
void fill_tanh(table_t t[N_TABLE]) {
    for (int ii = 0; ii < N_TABLE; ii++) {
        float in_val = 2 * 4.0 * (ii - float(N_TABLE) / 2.0) / float(N_TABLE);
        table_t real_val = tanh(in_val);
        t[ii] = real_val;
    }
}

template <class in_T, int N>
void sigmoid(in_T data[N], accum_t res[N]) {
    static bool ready = false;
    static table_t table[TABLE_SIZE];
    if (!ready) {
        fill_sigmoid<TABLE_SIZE>(table);
        ready = true;
    }
    for (int ii = 0; ii < N; ii++) {
        int data_round = data[ii] * table_size / 16;
        int index = data_round + 8 * table_size / 16;
        if (index < 0) index = 0;
        if (index > TABLE_SIZE - 1) index = TABLE_SIZE - 1;
        res[ii] = (accum_t)table[index];
    }
}

template <class in_T, int N>
void tanh_act(in_T data[N], accum_t res[N]) {
    static bool ready = false;
    static table_t table[TABLE_SIZE];
    if (!ready) {
        fill_tanh<TABLE_SIZE>(table);
        ready = true;
    }
    for (int ii = 0; ii < N; ii++) {
        int data_round = data[ii] * table_size / 8;
        int index = data_round + 4 * table_size / 8;
        if (index < 0) index = 0;
        if (index > TABLE_SIZE - 1) index = TABLE_SIZE - 1;
        res[ii] = (accum_t)table[index];
    }
}

template <class in_T, int N>
void relu(in_T data[N], accum_t res[N]) {
    for (int ii = 0; ii < N; ii++) {
        in_T datareg = data[ii];
        if (datareg > 0)
            res[ii] = datareg;
        else
            res[ii] = 0;
    }
}

template <class in_T, int N>
void activate(int fn, in_T data[N], accum_t res[N]) {
    if (fn == 0) tanh_act<in_T, N>(data, res);
    if (fn == 1) sigmoid<in_T, N>(data, res);
    if (fn == 2) relu<in_T, N>(data, res);
}

template <class in_T, class w_T, class b_T, int N_IN_, int N_OUT>
void dense(in_T data[N_IN_], accum_t res[N_OUT], w_T weights[N_IN_ * N_OUT], b_T biases[N_OUT]) {
    accum_t mult[N_IN_ * N_OUT];
    accum_t acc[N_OUT];
    for (int ii = 0; ii < N_IN_; ii++) {
        in_T cache = data[ii];
        for (int jj = 0; jj < N_OUT; jj++) mult[ii * N_OUT + jj] = cache * weights[ii * N_OUT + jj];
    }
    for (int iacc = 0; iacc < N_OUT; iacc++) acc[iacc] = (accum_t)biases[iacc];
    for (int ii = 0; ii < N_IN_; ii++)
        for (int jj = 0; jj < N_OUT; jj++) acc[jj] += mult[ii * N_OUT + jj];
    for (int ires = 0; ires < N_OUT; ires++) res[ires] = acc[ires];
}

weight_t param[N_IN * n_gates4];
rweight_t param_r[N_STATE * n_gates4];
bias_t param_b[n_gates4];
rbias_t param_br[n_gates4];

void lstm_static(bool reset_state, data_t data[N_IN], res_t h_newstate[N_STATE]) {
    static res_t h_state[N_STATE];
    static res_t s_state[N_STATE];
    accum_t tmpres[N_STATE * 4], tmpres_state[N_STATE * 4];
    accum_t tmpres_ifo[N_STATE * 3], tmpres_c[N_STATE], inputacc_ifo[N_STATE * 3];
    accum_t inputacc_c[N_STATE], s_actstate[N_STATE];
    if (reset_state) {
        for (int i = 0; i < N_STATE; i++) {
            s_state[i] = 0;
            h_state[i] = 0;
        }
    }
    dense<data_t, weight_t, bias_t, N_IN, N_STATE * 4>(data, tmpres, param, param_b);
    dense<res_t, rweight_t, rbias_t, N_STATE, N_STATE * 4>(h_state, tmpres_state, param_r, param_br);
    for (int iacc = 0; iacc < 3 * N_STATE; iacc++) {
        int index = iacc;
        if (iacc > 2 * N_STATE - 1) index = iacc + N_STATE;
        inputacc_ifo[iacc] = tmpres[index] + tmpres_state[index];
    }
    for (int iacc = 0; iacc < N_STATE; iacc++) {
        int index = iacc + N_STATE * 2;
        inputacc_c[iacc] = tmpres[index] + tmpres_state[index];
    }
    activate<accum_t, N_STATE * 3>(REC, inputacc_ifo, tmpres_ifo);
    activate<accum_t, N_STATE>(ACT, inputacc_c, tmpres_c);
    for (int iacc = 0; iacc < N_STATE; iacc++)
        s_state[iacc] = tmpres_c[iacc] * tmpres_ifo[iacc] + s_state[iacc] * tmpres_ifo[iacc + N_STATE];
    activate<res_t, N_STATE>(ACT, s_state, s_actstate);
    for (int iacc = 0; iacc < N_STATE; iacc++) {
        h_state[iacc] = tmpres_ifo[iacc + 2 * N_STATE] * s_actstate[iacc];
        h_newstate[iacc] = h_state[iacc];
    }
}

void gru_static(bool reset_state, data_t data[N_IN], res_t h_newstate[N_STATE]) {
    static res_t h_state[N_STATE];
    accum_t tmpres[N_STATE * 3], tmpres_state_zr[N_STATE * 3], tmpres_state_h[N_STATE];
    accum_t tmpres_zr[N_STATE * 2], tmpres_h[N_STATE], inputacc_zr[N_STATE * 2];
    accum_t inputacc_h[N_STATE];
    if (reset_state)
        for (int i = 0; i < N_STATE; i++) h_state[i] = 0;
    dense<data_t, weight_t, bias_t, N_IN, N_STATE * 3>(data, tmpres, param, param_b);
    dense<res_t, rweight_t, rbias_t, N_STATE, N_STATE * 3>(h_state, tmpres_state_zr, param_r, param_br);
    for (int iacc = 0; iacc < 2 * N_STATE; iacc++) inputacc_zr[iacc] = tmpres[iacc] + tmpres_state_zr[iacc];
    activate<accum_t, N_STATE * 2>(REC, inputacc_zr, tmpres_zr);
    for (int iacc = 0; iacc < N_STATE; iacc++)
        tmpres_state_h[iacc] = tmpres_zr[iacc + N_STATE] * tmpres_state_zr[iacc + 2 * N_STATE];
    for (int iacc = 0; iacc < N_STATE; iacc++) inputacc_h[iacc] = tmpres[iacc + 2 * N_STATE] + tmpres_state_h[iacc];
    activate<accum_t, N_STATE>(ACT, inputacc_h, tmpres_h);
    for (int iacc = 0; iacc < N_STATE; iacc++) {
        h_state[iacc] = (res_t)(tmpres_h[iacc] * (1 - tmpres_zr[iacc]) + h_state[iacc] * tmpres_zr[iacc]);
        h_newstate[iacc] = h_state[iacc];
    }
}

void stack(data_t data[N_SEQ * N_IN], res_t res[N_SEQ * N_STATE]) {
    res_t h_newstate[N_STATE];
    data_t data_in[N_IN];
    bool reset_state = true;
    for (int iloop = 0; iloop < N_SEQ; iloop++) {
        for (int j = 0; j < N_IN; j++) data_in[j] = data[j + iloop * N_IN];
        if (CELL == 1)
            lstm_static(reset_state, data_in, h_newstate);
        else
            gru_static(reset_state, data_in, h_newstate);
        if (RET_SEQ)
            for (int j = 0; j < N_STATE; j++) res[N_STATE * iloop + j] = h_newstate[j];
        reset_state = false;
    }
    if (!RET_SEQ)
        for (int j = 0; j < N_STATE; j++) res[j] = h_newstate[j];
}

}  // namespace oracle

template <class T>
void read_into(T *dst, int n) {
    for (int i = 0; i < n; i++) {
        double v;
        if (std::scanf("%lf", &v) != 1) return;
        dst[i] = v;
    }
}

int main(int argc, char **argv) {
    if (argc != 5) return 2;
    CELL = std::atoi(argv[1]);
    ACT = std::atoi(argv[2]);
    REC = std::atoi(argv[3]);
    RET_SEQ = std::atoi(argv[4]);
    const int n_gates = (CELL == 1 ? 4 : 3) * N_STATE;
    read_into(oracle::param, N_IN * n_gates);
    read_into(oracle::param_r, N_STATE * n_gates);
    read_into(oracle::param_b, n_gates);
    read_into(oracle::param_br, n_gates);
    const int n_out = (RET_SEQ ? N_SEQ : 1) * N_STATE;
    while (true) {
        data_t x[N_SEQ * N_IN];
        for (int i = 0; i < N_SEQ * N_IN; i++) {
            double v;
            if (std::scanf("%lf", &v) != 1) return 0;
            x[i] = v;
        }
        res_t y[N_SEQ * N_STATE];
        oracle::stack(x, y);
        for (int i = 0; i < n_out; i++) std::printf("%llu ", (unsigned long long)y[i](res_t::width - 1, 0).to_uint64());
        std::printf("\n");
    }
}

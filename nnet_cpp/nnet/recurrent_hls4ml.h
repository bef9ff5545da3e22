// LSTM and GRU computed as hls4ml computes them (identical to
// fpga_export/layers/recurrent_hls4ml.py, whose docstring is the specification and names the
// hls4ml version). R = res_T (h and c), A = accum_t; X(v) converts v into X; products and sums
// without a conversion are exact.
//   mv(v, W, b)_j  acc = A(b_j) (LSTM recurrent: 0, or torch's b_hh); acc += A(v_i * W_ij), i in order
//   act, rec       sigmoid / tanh: table[clamp(int(v * N / 2r) + N/2)] (r = 8 / 4), relu:
//                  v > 0 ? v : 0; the value converted into A
//   LSTM           p = A(mv(x) + mv(h)); i, f, o = A(rec(p)); g = A(act(p_c));
//                  c = R(g * i + c * f); h = R(o * A(act(c)))
//   GRU            z, r = A(rec(A(mv(x) + mv(h)))); n = A(act(A(x_h + A(r * h_h))));
//                  h = R(n * (1 - z) + h * z)       (reset_after: h_h holds the recurrent bias)
// Hardware (Vitis HLS user guide UG1399): the kernels are constants of the cell, at most
// multiplier_limit multipliers (ALLOCATION). static: one cell, the timestep loop pipelined at
// II = reuse_factor (the recurrence makes the achieved II the cell's depth when longer);
// unrolled: a cell per step in one pipelined call. io_stream: one packet (a timestep) in per
// step; one packet out per step (return_sequences) or at the end.
#ifndef NNET_RECURRENT_HLS4ML_H_
#define NNET_RECURRENT_HLS4ML_H_

#include "nnet/activation_hls4ml.h"
#include "nnet/common.h"
#include "nnet/dense.h"

namespace nnet {

enum recurrent_hls4ml_function { hls4ml_rnn_tanh = 0, hls4ml_rnn_sigmoid = 1, hls4ml_rnn_relu = 2 };
enum recurrent_hls4ml_cell { hls4ml_rnn_lstm = 1, hls4ml_rnn_gru = 2 };

struct recurrent_hls4ml_config {
    static const unsigned n_timesteps = 8;
    static const unsigned n_in = 4;  // features per timestep
    static const unsigned n_units = 4;
    static const unsigned cell_kind = hls4ml_rnn_lstm;
    static const bool return_sequences = false;
    static const unsigned activation_fn = hls4ml_rnn_tanh;
    static const unsigned recurrent_fn = hls4ml_rnn_sigmoid;
    static const unsigned table_size = 1024;
    static const unsigned implementation = 0;  // 0 static, 1 unrolled
    static const unsigned reuse_factor = 1;
    // multipliers of one call (ALLOCATION limit); 0: one per product of a step
    static const unsigned multiplier_limit = 0;
    // LSTM: the recurrent product starts from recurrent_bias (torch's bias_hh) instead of 0
    static const bool recurrent_bias = false;
    typedef fixed<16, 6> accum_t;
    typedef fixed<16, 6> kernel_t;
    typedef fixed<16, 6> recurrent_kernel_t;
    typedef fixed<16, 6> bias_t;
    typedef fixed<16, 6> recurrent_bias_t;
    typedef fixed<18, 8> table_t;
};

template <typename CONFIG_T>
struct recurrent_hls4ml_sizes {
    static const unsigned gates = CONFIG_T::cell_kind == hls4ml_rnn_lstm ? 4 : 3;
    static const unsigned n_gates = gates * CONFIG_T::n_units;
    static const unsigned n_out =
        CONFIG_T::return_sequences ? CONFIG_T::n_timesteps * CONFIG_T::n_units : CONFIG_T::n_units;
    static const unsigned cells = CONFIG_T::implementation == 1 ? CONFIG_T::n_timesteps : 1;
    static const unsigned multipliers =
        CONFIG_T::multiplier_limit
            ? CONFIG_T::multiplier_limit
            : cells * (n_gates * (CONFIG_T::n_in + CONFIG_T::n_units) + 3 * CONFIG_T::n_units);
};

// The activation_hls4ml.h view of a table: its size and hls4ml's range for the function.
template <class CONFIG_T, unsigned FN>
struct recurrent_hls4ml_table_view {
    static const unsigned table_size = CONFIG_T::table_size;
    static const int table_range = FN == hls4ml_rnn_tanh ? 4 : 8;
};

// A(f(x)) for the recurrent_hls4ml_function FN.
template <class CONFIG_T, unsigned FN, class data_T>
inline typename CONFIG_T::accum_t recurrent_hls4ml_apply(const data_T &x,
                                                         const typename CONFIG_T::table_t table[]) {
#pragma HLS INLINE
    typedef typename CONFIG_T::accum_t acc_t;
    if (FN == hls4ml_rnn_relu) return x > 0 ? acc_t(x) : acc_t(0);
    return acc_t(table[hls4ml_index<recurrent_hls4ml_table_view<CONFIG_T, FN> >(x)]);
}

// acc[j] += A(v[i] * w[i * N_OUT + j]) for i in order (acc holds the bias).
template <class CONFIG_T, unsigned N_IN, unsigned N_OUT, class data_T, class kernel_T>
inline void recurrent_hls4ml_matvec(const data_T v[N_IN], const kernel_T w[],
                                    typename CONFIG_T::accum_t acc[N_OUT]) {
#pragma HLS INLINE
    for (unsigned i = 0; i < N_IN; i++) {
#pragma HLS UNROLL
        for (unsigned j = 0; j < N_OUT; j++) {
#pragma HLS UNROLL
            acc[j] += weighted<typename CONFIG_T::accum_t>(v[i], w[i * N_OUT + j]);
        }
    }
}

#define NNET_RNN_HLS4ML_WEIGHTS                                                               \
    const typename CONFIG_T::kernel_t kernel[CONFIG_T::n_in * recurrent_hls4ml_sizes<CONFIG_T>::n_gates], \
        const typename CONFIG_T::recurrent_kernel_t                                           \
            recurrent_kernel[CONFIG_T::n_units * recurrent_hls4ml_sizes<CONFIG_T>::n_gates],  \
        const typename CONFIG_T::bias_t bias[recurrent_hls4ml_sizes<CONFIG_T>::n_gates],      \
        const rbias_T recurrent_bias[], const typename CONFIG_T::table_t table[],             \
        const typename CONFIG_T::table_t recurrent_table[]
#define NNET_RNN_HLS4ML_ARGS kernel, recurrent_kernel, bias, recurrent_bias, table, recurrent_table

// One timestep: h and c (R values) updated in place from the input x.
template <class data_T, class state_T, typename CONFIG_T, class rbias_T>
inline void recurrent_hls4ml_cell(const data_T x[CONFIG_T::n_in], state_T h[], state_T c[],
                                  NNET_RNN_HLS4ML_WEIGHTS) {
#pragma HLS INLINE
    typedef typename CONFIG_T::accum_t acc_t;
    const unsigned U = CONFIG_T::n_units;
    const unsigned G = recurrent_hls4ml_sizes<CONFIG_T>::n_gates;
    const unsigned ACT = CONFIG_T::activation_fn, REC = CONFIG_T::recurrent_fn;
    const bool gru = CONFIG_T::cell_kind == hls4ml_rnn_gru;
    acc_t zx[G], zh[G];
#pragma HLS ARRAY_PARTITION variable=zx type=complete
#pragma HLS ARRAY_PARTITION variable=zh type=complete
    for (unsigned j = 0; j < G; j++) {
#pragma HLS UNROLL
        zx[j] = (acc_t)bias[j];
        zh[j] = (gru || CONFIG_T::recurrent_bias) ? (acc_t)recurrent_bias[j] : (acc_t)0;
    }
    recurrent_hls4ml_matvec<CONFIG_T, CONFIG_T::n_in, G>(x, kernel, zx);
    recurrent_hls4ml_matvec<CONFIG_T, CONFIG_T::n_units, G>(h, recurrent_kernel, zh);
    if (!gru) {
        for (unsigned j = 0; j < U; j++) {
#pragma HLS UNROLL
            const acc_t pi = zx[j] + zh[j], pf = zx[U + j] + zh[U + j];
            const acc_t pc = zx[2 * U + j] + zh[2 * U + j], po = zx[3 * U + j] + zh[3 * U + j];
            const acc_t i = recurrent_hls4ml_apply<CONFIG_T, REC>(pi, recurrent_table);
            const acc_t f = recurrent_hls4ml_apply<CONFIG_T, REC>(pf, recurrent_table);
            const acc_t o = recurrent_hls4ml_apply<CONFIG_T, REC>(po, recurrent_table);
            const acc_t g = recurrent_hls4ml_apply<CONFIG_T, ACT>(pc, table);
            c[j] = (state_T)(g * i + c[j] * f);
            const acc_t a = recurrent_hls4ml_apply<CONFIG_T, ACT>(c[j], table);
            h[j] = (state_T)(o * a);
        }
    } else {
        const ufixed<1, 1> one = 1;
        for (unsigned j = 0; j < U; j++) {
#pragma HLS UNROLL
            const acc_t pz = zx[j] + zh[j], pr = zx[U + j] + zh[U + j];
            const acc_t z = recurrent_hls4ml_apply<CONFIG_T, REC>(pz, recurrent_table);
            const acc_t r = recurrent_hls4ml_apply<CONFIG_T, REC>(pr, recurrent_table);
            const acc_t s = r * zh[2 * U + j];
            const acc_t ph = zx[2 * U + j] + s;
            const acc_t n = recurrent_hls4ml_apply<CONFIG_T, ACT>(ph, table);
            h[j] = (state_T)(n * (one - z) + h[j] * z);
        }
    }
}

template <class T, typename CONFIG_T>
inline void recurrent_hls4ml_zero(T h[], T c[]) {
#pragma HLS INLINE
    for (unsigned j = 0; j < CONFIG_T::n_units; j++) {
#pragma HLS UNROLL
        h[j] = 0;
        c[j] = 0;
    }
}

// h and c, zero at first (registers: completely partitioned).
#define NNET_RNN_HLS4ML_STATE(T)                            \
    T h[CONFIG_T::n_units], c[CONFIG_T::n_units];           \
    _Pragma("HLS ARRAY_PARTITION variable=h type=complete") \
    _Pragma("HLS ARRAY_PARTITION variable=c type=complete") \
    recurrent_hls4ml_zero<T, CONFIG_T>(h, c);
#define NNET_RNN_HLS4ML_PARTITION                                          \
    _Pragma("HLS ARRAY_PARTITION variable=kernel type=complete")           \
    _Pragma("HLS ARRAY_PARTITION variable=recurrent_kernel type=complete") \
    _Pragma("HLS ARRAY_PARTITION variable=bias type=complete")

template <class res_T, typename CONFIG_T>
inline void recurrent_hls4ml_out(unsigned s, const res_T h[], res_T res[]) {
#pragma HLS INLINE
    const unsigned at = CONFIG_T::return_sequences ? s : 0;
    for (unsigned j = 0; j < CONFIG_T::n_units; j++) {
#pragma HLS UNROLL
        res[at * CONFIG_T::n_units + j] = h[j];
    }
}

// static: one cell instance serves every timestep.
template <class data_T, class res_T, typename CONFIG_T, class rbias_T>
void recurrent_hls4ml_static(const data_T data[CONFIG_T::n_timesteps * CONFIG_T::n_in],
                             res_T res[recurrent_hls4ml_sizes<CONFIG_T>::n_out],
                             NNET_RNN_HLS4ML_WEIGHTS) {
    // UG1399 "pragma HLS inline": a process of its own (it keeps its timestep loop).
#pragma HLS INLINE off
    NNET_RNN_HLS4ML_PARTITION
    NNET_RNN_HLS4ML_STATE(res_T)
Timestep:
    for (unsigned s = 0; s < CONFIG_T::n_timesteps; s++) {
        // UG1399 "pragma HLS pipeline": one cell, a step every reuse_factor cycles.
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
        const unsigned multiplier_limit = recurrent_hls4ml_sizes<CONFIG_T>::multipliers;
#pragma HLS ALLOCATION operation instances=mul limit=multiplier_limit
        recurrent_hls4ml_cell<data_T, res_T, CONFIG_T>(data + s * CONFIG_T::n_in, h, c,
                                                       NNET_RNN_HLS4ML_ARGS);
        if (CONFIG_T::return_sequences) recurrent_hls4ml_out<res_T, CONFIG_T>(s, h, res);
    }
    if (!CONFIG_T::return_sequences) recurrent_hls4ml_out<res_T, CONFIG_T>(0, h, res);
}

// unrolled: every timestep its own cell, one pipelined call.
template <class data_T, class res_T, typename CONFIG_T, class rbias_T>
void recurrent_hls4ml_unrolled(const data_T data[CONFIG_T::n_timesteps * CONFIG_T::n_in],
                               res_T res[recurrent_hls4ml_sizes<CONFIG_T>::n_out],
                               NNET_RNN_HLS4ML_WEIGHTS) {
    // UG1399 "function pipelining": every loop below is unrolled.
#pragma HLS INLINE off
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
    NNET_RNN_HLS4ML_PARTITION
    const unsigned multiplier_limit = recurrent_hls4ml_sizes<CONFIG_T>::multipliers;
#pragma HLS ALLOCATION operation instances=mul limit=multiplier_limit
    NNET_RNN_HLS4ML_STATE(res_T)
Timestep:
    for (unsigned s = 0; s < CONFIG_T::n_timesteps; s++) {
#pragma HLS UNROLL
        recurrent_hls4ml_cell<data_T, res_T, CONFIG_T>(data + s * CONFIG_T::n_in, h, c,
                                                       NNET_RNN_HLS4ML_ARGS);
        if (CONFIG_T::return_sequences) recurrent_hls4ml_out<res_T, CONFIG_T>(s, h, res);
    }
    if (!CONFIG_T::return_sequences) recurrent_hls4ml_out<res_T, CONFIG_T>(0, h, res);
}

template <class data_T, class res_T, typename CONFIG_T, class rbias_T>
void recurrent_hls4ml(const data_T data[CONFIG_T::n_timesteps * CONFIG_T::n_in],
                      res_T res[recurrent_hls4ml_sizes<CONFIG_T>::n_out], NNET_RNN_HLS4ML_WEIGHTS) {
#pragma HLS INLINE
    if (CONFIG_T::implementation == 1) {
        recurrent_hls4ml_unrolled<data_T, res_T, CONFIG_T>(data, res, NNET_RNN_HLS4ML_ARGS);
    } else {
        recurrent_hls4ml_static<data_T, res_T, CONFIG_T>(data, res, NNET_RNN_HLS4ML_ARGS);
    }
}

// io_stream, static: a timestep per input packet through one cell.
template <class data_T, class res_T, typename CONFIG_T, class rbias_T>
void recurrent_hls4ml_stream_static(stream<data_T> &data, stream<res_T> &res,
                                    NNET_RNN_HLS4ML_WEIGHTS) {
    typedef typename data_T::value_type in_t;
    typedef typename res_T::value_type out_t;
    const unsigned F = CONFIG_T::n_in, U = CONFIG_T::n_units;
    NNET_RNN_HLS4ML_PARTITION
    NNET_RNN_HLS4ML_STATE(out_t)
Timestep:
    for (unsigned s = 0; s < CONFIG_T::n_timesteps; s++) {
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
        const unsigned multiplier_limit = recurrent_hls4ml_sizes<CONFIG_T>::multipliers;
#pragma HLS ALLOCATION operation instances=mul limit=multiplier_limit
        const data_T packet = data.read();
        in_t x[F];
#pragma HLS ARRAY_PARTITION variable=x type=complete
        for (unsigned f = 0; f < F; f++) {
#pragma HLS UNROLL
            x[f] = packet[f];
        }
        recurrent_hls4ml_cell<in_t, out_t, CONFIG_T>(x, h, c, NNET_RNN_HLS4ML_ARGS);
        if (CONFIG_T::return_sequences || s == CONFIG_T::n_timesteps - 1) {
            res_T out;
            for (unsigned j = 0; j < U; j++) {
#pragma HLS UNROLL
                out[j] = h[j];
            }
            res.write(out);
        }
    }
}

// io_stream, unrolled: the whole sequence in, the unrolled cells, the outputs out.
template <class data_T, class res_T, typename CONFIG_T, class rbias_T>
void recurrent_hls4ml_stream_unrolled(stream<data_T> &data, stream<res_T> &res,
                                      NNET_RNN_HLS4ML_WEIGHTS) {
    typedef typename data_T::value_type in_t;
    typedef typename res_T::value_type out_t;
    const unsigned T = CONFIG_T::n_timesteps, F = CONFIG_T::n_in, U = CONFIG_T::n_units;
    const unsigned N_OUT = recurrent_hls4ml_sizes<CONFIG_T>::n_out;
    in_t seq[T * F];
    out_t outs[N_OUT];
#pragma HLS ARRAY_PARTITION variable=seq type=complete
#pragma HLS ARRAY_PARTITION variable=outs type=complete
Read:
    for (unsigned t = 0; t < T; t++) {
#pragma HLS PIPELINE II=1
        const data_T packet = data.read();
        for (unsigned f = 0; f < F; f++) {
#pragma HLS UNROLL
            seq[t * F + f] = packet[f];
        }
    }
    recurrent_hls4ml_unrolled<in_t, out_t, CONFIG_T>(seq, outs, NNET_RNN_HLS4ML_ARGS);
Write:
    for (unsigned p = 0; p < N_OUT / U; p++) {
#pragma HLS PIPELINE II=1
        res_T packet;
        for (unsigned j = 0; j < U; j++) {
#pragma HLS UNROLL
            packet[j] = outs[p * U + j];
        }
        res.write(packet);
    }
}

template <class data_T, class res_T, typename CONFIG_T, class rbias_T>
void recurrent_hls4ml_stream(stream<data_T> &data, stream<res_T> &res, NNET_RNN_HLS4ML_WEIGHTS) {
    static_assert(data_T::size == CONFIG_T::n_in, "recurrent_hls4ml_stream: a timestep per packet");
    static_assert(res_T::size == CONFIG_T::n_units, "recurrent_hls4ml_stream: a state per packet");
    if (CONFIG_T::implementation == 1) {
        recurrent_hls4ml_stream_unrolled<data_T, res_T, CONFIG_T>(data, res, NNET_RNN_HLS4ML_ARGS);
    } else {
        recurrent_hls4ml_stream_static<data_T, res_T, CONFIG_T>(data, res, NNET_RNN_HLS4ML_ARGS);
    }
}

#undef NNET_RNN_HLS4ML_WEIGHTS
#undef NNET_RNN_HLS4ML_ARGS
#undef NNET_RNN_HLS4ML_STATE
#undef NNET_RNN_HLS4ML_PARTITION

}  // namespace nnet

#endif

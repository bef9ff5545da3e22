// Recurrent layers: SimpleRNN, LSTM, GRU over a (n_timesteps, n_in) sequence, initial state 0.
//
// Arithmetic (identical to fpga_export/layers/recurrent.py, whose docstring is the full
// specification): X(v) is the conversion `X y = v;` with X's own modes; products, sums and
// differences are exact (full precision).
//   mv(v, W, b)_j  acc = accum_t(b_j) (0 without b); acc += accum_t(v_i * W_ij), i in order
//   SimpleRNN      z = mv(x, kernel, bias) + mv(h, recurrent_kernel); h = state_t(act(z))
//   LSTM           z as SimpleRNN (gates i, f, c, o); i, f, o = gate_t(rec(z_.));
//                  g = candidate_t(act(z_c)); c = cell_t(f c + i g); h = state_t(o act(c))
//                  with act(c) converted to candidate_t
//   GRU            x = mv(x_t, kernel, bias); gates z, r, h
//     reset_after  r_h = mv(h, recurrent_kernel, recurrent_bias); z = gate_t(rec(x_z + r_z));
//                  r likewise; n = candidate_t(act(x_h + r r_h))
//     otherwise    z, r from mv(h, recurrent_kernel[:, :2U]); q = state_t(r h);
//                  n = candidate_t(act(x_h + mv(q, recurrent_kernel[:, 2U:])))
//                  h = state_t(z h + (1 - z) n)
// round_state_on_read (QKeras' state_quantizer): each step first reads h and c as
// state_read_t(h), state_read_t(c) and uses those everywhere (the products, z h, f c);
// q = r h is then exact (no state_t conversion). Otherwise a step reads h and c as they are.
// act / rec are the activation.h functions (same tables and index rules): tanh, sigmoid
// (table[], table_size entries over +-2^table_range_log2), hard_sigmoid (table[] = {slope,
// offset}), relu, linear (table[] unused). Output: res_T(h) per step (return_sequences, in
// processing order or, with align_outputs, at the input's position) or of the last step,
// res_T(c) with output_cell. go_backwards processes t = n_timesteps-1 .. 0.
//
// Hardware (pragmas follow the Vitis HLS user guide UG1399, quoted by section). The cell's
// matrix-vector products use constant kernels like the latency Dense (nnet/dense.h), at most
// multiplier_limit multipliers (ALLOCATION) per cell.
//   static:   one cell: the timestep loop is pipelined at II = reuse_factor, its body (the
//             cell) is one instance; the recurrence h -> h makes the achieved II the cell's
//             depth when that is longer. The function keeps the loop (a DATAFLOW process).
//   unrolled: the timestep loop is unrolled, one cell per step, in one call pipelined at
//             II = reuse_factor (latency).
// io_stream reads one packet (one timestep, n_in values) per step and writes one packet of
// n_units values per step (return_sequences) or one at the end; go_backwards first reads the
// whole sequence (and align_outputs keeps every output until the end).
#ifndef NNET_RECURRENT_H_
#define NNET_RECURRENT_H_

#include "nnet/activation.h"
#include "nnet/common.h"
#include "nnet/dense.h"

#include <type_traits>

namespace nnet {

enum recurrent_function { rnn_tanh = 0, rnn_sigmoid = 1, rnn_hard_sigmoid = 2, rnn_relu = 3,
                          rnn_linear = 4 };
enum recurrent_implementation { rnn_static = 0, rnn_unrolled = 1 };
enum recurrent_cell_kind { rnn_simple = 0, rnn_lstm = 1, rnn_gru = 2 };

struct recurrent_config {
    // sizes
    static const unsigned n_timesteps = 8;
    static const unsigned n_in = 4;  // features per timestep
    static const unsigned n_units = 4;
    // the layer
    static const unsigned cell_kind = rnn_lstm;
    static const bool return_sequences = false;
    static const bool go_backwards = false;
    static const bool align_outputs = false;
    static const bool output_cell = false;  // LSTM: output the final cell state
    static const bool reset_after = true;   // GRU
    static const unsigned activation_fn = rnn_tanh;
    static const unsigned recurrent_fn = rnn_sigmoid;
    // lookup tables (as nnet::activation_config)
    static const unsigned table_size = 1024;
    static const int table_range_log2 = 3;
    // QKeras: h and c converted to state_read_t when a step reads them
    static const bool round_state_on_read = false;
    // implementation
    static const unsigned implementation = rnn_static;
    static const unsigned reuse_factor = 1;
    // multipliers of one call (ALLOCATION limit); 0: not given, one per product of a step.
    // fpga-export writes ceil((nonzero weights + elementwise products) / reuse_factor) per
    // cell (times n_timesteps when unrolled).
    static const unsigned multiplier_limit = 0;
    // types
    typedef fixed<16, 6> accum_t;
    typedef fixed<16, 6> kernel_t;
    typedef fixed<16, 6> recurrent_kernel_t;
    typedef fixed<16, 6> bias_t;
    typedef fixed<16, 6> recurrent_bias_t;
    typedef fixed<16, 2> state_t;
    typedef fixed<16, 2> state_read_t;  // with round_state_on_read
    typedef fixed<20, 6> cell_t;
    typedef ufixed<16, 1> gate_t;
    typedef fixed<16, 2> candidate_t;
    typedef fixed<18, 2, RND, SAT> table_t;
    typedef fixed<18, 2, RND, SAT> recurrent_table_t;
};

// The activation.h view of one of the layer's tables.
template <class CONFIG_T, class table_T>
struct recurrent_table_config {
    static const unsigned table_size = CONFIG_T::table_size;
    static const int table_range_log2 = CONFIG_T::table_range_log2;
    typedef table_T table_t;
    typedef table_T param_t;
};

// res_T(f(x)) for the recurrent_function FN; `table` holds its table or constants.
template <class res_T, unsigned FN, class CONFIG_T, class table_T, class data_T>
inline res_T recurrent_apply(const data_T &x, const table_T table[]) {
#pragma HLS INLINE
    typedef recurrent_table_config<CONFIG_T, table_T> A;
    if (FN == rnn_tanh) return tanh_value<res_T, A>(x, table);
    if (FN == rnn_sigmoid) return sigmoid_value<res_T, A>(x, table);
    if (FN == rnn_hard_sigmoid) return hard_sigmoid_value<res_T, A>(x, table);
    if (FN == rnn_relu) return relu_value<res_T, A>(x);
    return linear_value<res_T, A>(x);
}

#ifdef FE_CSIM_KERNELS
// csim only (common.h), accumulators that wrap (AP_WRAP) and terms vector_term makes: the sums
// of recurrent_matvec on raw integers, as dense_wrapping (nnet/dense.h, which gives the
// argument: acc + sum of accum_t(v_i * w) modulo 2^W in any order, wrapped once at the end, is
// the step-by-step sum). acc[j] holds the bias (or 0) as accum_t on entry, the sum on return.
namespace csim {
// ok: the accumulator wraps and vector_term makes its terms (only then asked)
template <class data_T, class kernel_T, class accum_T, unsigned N_OUT,
          bool WRAPS = wrapping_accum<accum_T>::value>
struct wrapping_matvec {
    static const bool ok = false;
};
template <class data_T, class kernel_T, class accum_T, unsigned N_OUT>
struct wrapping_matvec<data_T, kernel_T, accum_T, N_OUT, true> {
    static const bool ok = vector_term<data_T, kernel_T, accum_T, N_OUT>::ok;
};

template <class accum_T, unsigned N_IN, unsigned N_OUT, unsigned STRIDE, unsigned OFFSET,
          class data_T, class kernel_T>
FE_CSIM_HOT void matvec_wrapping(const data_T v[N_IN], const kernel_T w[], accum_T acc[N_OUT]) {
    typedef wrapping_accum<accum_T> A;
    typedef vector_term<data_T, kernel_T, accum_T, N_OUT> VT;
    const unsigned L = VT::lanes, vectors = (N_OUT + L - 1) / L;
    typename VT::lane_t lanes[vectors * L];
    for (unsigned j = 0; j < vectors * L; j++) {
        lanes[j] = j < N_OUT ? typename VT::lane_t(acc[j].raw()) : typename VT::lane_t(0);
    }
    accumulate_rows<VT, N_IN, N_OUT, STRIDE, OFFSET>(v, w, lanes);
    for (unsigned j = 0; j < N_OUT; j++) {
        typename A::lane_fixed sum;
        sum.set_raw(typename A::lane_fixed::raw_type(lanes[j]));
        acc[j] = (accum_T)sum;  // the wrap to W bits
    }
}
}  // namespace csim
#endif

// acc[j] += accum_t(v[i] * w[i * STRIDE + OFFSET + j]) for i in order (acc holds the bias):
// columns OFFSET .. OFFSET + N_OUT - 1 of the N_IN x STRIDE kernel w.
template <class CONFIG_T, unsigned N_IN, unsigned N_OUT, unsigned STRIDE, unsigned OFFSET,
          class data_T, class kernel_T>
inline void recurrent_matvec(const data_T v[N_IN], const kernel_T w[],
                             typename CONFIG_T::accum_t acc[N_OUT]) {
#pragma HLS INLINE
#ifdef FE_CSIM_KERNELS
    typedef typename CONFIG_T::accum_t accum_t;
    if constexpr (csim::wrapping_matvec<data_T, kernel_T, accum_t, N_OUT>::ok) {
        csim::matvec_wrapping<accum_t, N_IN, N_OUT, STRIDE, OFFSET>(v, w, acc);
        return;
    }
#endif
    for (unsigned i = 0; i < N_IN; i++) {
#pragma HLS UNROLL
        for (unsigned j = 0; j < N_OUT; j++) {
#pragma HLS UNROLL
            acc[j] += weighted<typename CONFIG_T::accum_t>(v[i], w[i * STRIDE + OFFSET + j]);
        }
    }
}

template <typename CONFIG_T>
struct recurrent_sizes {
    static const unsigned gates = CONFIG_T::cell_kind == rnn_lstm  ? 4
                                  : CONFIG_T::cell_kind == rnn_gru ? 3
                                                                   : 1;
    static const unsigned n_gates = gates * CONFIG_T::n_units;
    static const unsigned n_out =
        CONFIG_T::return_sequences ? CONFIG_T::n_timesteps * CONFIG_T::n_units : CONFIG_T::n_units;
    static const unsigned cells = CONFIG_T::implementation == rnn_unrolled ? CONFIG_T::n_timesteps : 1;
    // the ALLOCATION limit: multiplier_limit, else every product of the cells
    static const unsigned multipliers =
        CONFIG_T::multiplier_limit
            ? CONFIG_T::multiplier_limit
            : cells * (n_gates * (CONFIG_T::n_in + CONFIG_T::n_units) + 3 * CONFIG_T::n_units);
};

// One timestep: h (and c) updated in place from the input x.
template <class data_T, typename CONFIG_T, class rbias_T, class rtable_T>
inline void recurrent_cell(const data_T x[CONFIG_T::n_in], typename CONFIG_T::state_t h[],
                           typename CONFIG_T::cell_t c[],
                           const typename CONFIG_T::kernel_t kernel[],
                           const typename CONFIG_T::recurrent_kernel_t recurrent_kernel[],
                           const typename CONFIG_T::bias_t bias[], const rbias_T recurrent_bias[],
                           const typename CONFIG_T::table_t table[],
                           const rtable_T recurrent_table[]) {
#pragma HLS INLINE
    typedef typename CONFIG_T::accum_t acc_t;
    typedef typename CONFIG_T::state_t state_t;
    typedef typename CONFIG_T::gate_t gate_t;
    typedef typename CONFIG_T::candidate_t cand_t;
    const unsigned U = CONFIG_T::n_units;
    const unsigned G = recurrent_sizes<CONFIG_T>::n_gates;
    const unsigned ACT = CONFIG_T::activation_fn, REC = CONFIG_T::recurrent_fn;
    const bool gru = CONFIG_T::cell_kind == rnn_gru;
    const bool RD = CONFIG_T::round_state_on_read;
    typedef typename CONFIG_T::cell_t cell_t;
    typedef typename std::conditional<RD, typename CONFIG_T::state_read_t, state_t>::type hread_t;
    typedef typename std::conditional<RD, typename CONFIG_T::state_read_t, cell_t>::type cread_t;
    // what the step reads of the carried state (identity without round_state_on_read)
    hread_t hr[U];
    cread_t cr[U];
#pragma HLS ARRAY_PARTITION variable=hr type=complete
#pragma HLS ARRAY_PARTITION variable=cr type=complete
    for (unsigned j = 0; j < U; j++) {
#pragma HLS UNROLL
        hr[j] = (hread_t)h[j];
        cr[j] = (cread_t)c[j];
    }
    acc_t zx[G], zh[G];
#pragma HLS ARRAY_PARTITION variable=zx type=complete
#pragma HLS ARRAY_PARTITION variable=zh type=complete
    // the recurrent sums: all gates, or (GRU, reset before) z and r only
    const unsigned GH = gru && !CONFIG_T::reset_after ? 2 * U : G;
    for (unsigned j = 0; j < G; j++) {
#pragma HLS UNROLL
        zx[j] = (acc_t)bias[j];
        zh[j] = gru && CONFIG_T::reset_after ? (acc_t)recurrent_bias[j] : (acc_t)0;
    }
    recurrent_matvec<CONFIG_T, CONFIG_T::n_in, G, G, 0>(x, kernel, zx);
    recurrent_matvec<CONFIG_T, CONFIG_T::n_units, GH, G, 0>(hr, recurrent_kernel, zh);
    if (CONFIG_T::cell_kind == rnn_simple) {
        for (unsigned j = 0; j < U; j++) {
#pragma HLS UNROLL
            h[j] = recurrent_apply<state_t, ACT, CONFIG_T>(zx[j] + zh[j], table);
        }
    } else if (CONFIG_T::cell_kind == rnn_lstm) {
        for (unsigned j = 0; j < U; j++) {
#pragma HLS UNROLL
            const gate_t i = recurrent_apply<gate_t, REC, CONFIG_T>(zx[j] + zh[j], recurrent_table);
            const gate_t f =
                recurrent_apply<gate_t, REC, CONFIG_T>(zx[U + j] + zh[U + j], recurrent_table);
            const cand_t g =
                recurrent_apply<cand_t, ACT, CONFIG_T>(zx[2 * U + j] + zh[2 * U + j], table);
            const gate_t o = recurrent_apply<gate_t, REC, CONFIG_T>(zx[3 * U + j] + zh[3 * U + j],
                                                                    recurrent_table);
            c[j] = (cell_t)(f * cr[j] + i * g);
            const cand_t a = recurrent_apply<cand_t, ACT, CONFIG_T>(c[j], table);
            h[j] = (state_t)(o * a);
        }
    } else {
        gate_t z[U], r[U];
        acc_t zq[U];
        // the reset state: exact with round_state_on_read, else state_t
        typedef typename std::conditional<RD, decltype(gate_t() * hread_t()), state_t>::type q_t;
        q_t q[U];
#pragma HLS ARRAY_PARTITION variable=z type=complete
#pragma HLS ARRAY_PARTITION variable=r type=complete
#pragma HLS ARRAY_PARTITION variable=zq type=complete
#pragma HLS ARRAY_PARTITION variable=q type=complete
        for (unsigned j = 0; j < U; j++) {
#pragma HLS UNROLL
            z[j] = recurrent_apply<gate_t, REC, CONFIG_T>(zx[j] + zh[j], recurrent_table);
            r[j] = recurrent_apply<gate_t, REC, CONFIG_T>(zx[U + j] + zh[U + j], recurrent_table);
            q[j] = (q_t)(r[j] * hr[j]);
            zq[j] = 0;
        }
        if (!CONFIG_T::reset_after) {
            recurrent_matvec<CONFIG_T, CONFIG_T::n_units, CONFIG_T::n_units, G, 2 * U>(
                q, recurrent_kernel, zq);
        }
        const ufixed<1, 1> one = 1;
        for (unsigned j = 0; j < U; j++) {
#pragma HLS UNROLL
            cand_t n;
            if (CONFIG_T::reset_after) {
                n = recurrent_apply<cand_t, ACT, CONFIG_T>(zx[2 * U + j] + r[j] * zh[2 * U + j],
                                                           table);
            } else {
                n = recurrent_apply<cand_t, ACT, CONFIG_T>(zx[2 * U + j] + zq[j], table);
            }
            h[j] = (state_t)(z[j] * hr[j] + (one - z[j]) * n);
        }
    }
}

// res[pos] = res_T(h) for the step that processed input t (s-th step).
template <class res_T, typename CONFIG_T>
inline void recurrent_output(unsigned s, unsigned t, const typename CONFIG_T::state_t h[],
                             res_T res[]) {
#pragma HLS INLINE
    const unsigned pos = CONFIG_T::align_outputs ? t : s;
    for (unsigned j = 0; j < CONFIG_T::n_units; j++) {
#pragma HLS UNROLL
        res[pos * CONFIG_T::n_units + j] = (res_T)h[j];
    }
}

template <class res_T, typename CONFIG_T>
inline void recurrent_final(const typename CONFIG_T::state_t h[],
                            const typename CONFIG_T::cell_t c[], res_T res[]) {
#pragma HLS INLINE
    for (unsigned j = 0; j < CONFIG_T::n_units; j++) {
#pragma HLS UNROLL
        res[j] = CONFIG_T::output_cell ? (res_T)c[j] : (res_T)h[j];
    }
}

#define NNET_RECURRENT_WEIGHTS                                                               \
    const typename CONFIG_T::kernel_t kernel[CONFIG_T::n_in * recurrent_sizes<CONFIG_T>::n_gates], \
        const typename CONFIG_T::recurrent_kernel_t                                          \
            recurrent_kernel[CONFIG_T::n_units * recurrent_sizes<CONFIG_T>::n_gates],        \
        const typename CONFIG_T::bias_t bias[recurrent_sizes<CONFIG_T>::n_gates],            \
        const rbias_T recurrent_bias[], const typename CONFIG_T::table_t table[],            \
        const rtable_T recurrent_table[]
#define NNET_RECURRENT_ARGS kernel, recurrent_kernel, bias, recurrent_bias, table, recurrent_table

// The weights every cell reads in each step (UG1399 "pragma HLS array_partition" complete);
// the tables stay ROMs.
#define NNET_RECURRENT_PARTITION                                           \
    _Pragma("HLS ARRAY_PARTITION variable=kernel type=complete")           \
    _Pragma("HLS ARRAY_PARTITION variable=recurrent_kernel type=complete") \
    _Pragma("HLS ARRAY_PARTITION variable=bias type=complete")

// The state h, c of a recurrent function (registers: completely partitioned), zero at first.
template <typename CONFIG_T>
void recurrent_zero_state(typename CONFIG_T::state_t h[CONFIG_T::n_units],
                          typename CONFIG_T::cell_t c[CONFIG_T::n_units]) {
#pragma HLS INLINE
    for (unsigned j = 0; j < CONFIG_T::n_units; j++) {
#pragma HLS UNROLL
        h[j] = 0;
        c[j] = 0;
    }
}
#define NNET_RECURRENT_STATE                                          \
    typename CONFIG_T::state_t h[CONFIG_T::n_units];                  \
    typename CONFIG_T::cell_t c[CONFIG_T::n_units];                   \
    _Pragma("HLS ARRAY_PARTITION variable=h type=complete")           \
    _Pragma("HLS ARRAY_PARTITION variable=c type=complete")           \
    recurrent_zero_state<CONFIG_T>(h, c);

// static: one cell instance serves every timestep.
template <class data_T, class res_T, typename CONFIG_T, class rbias_T, class rtable_T>
void recurrent_static(const data_T data[CONFIG_T::n_timesteps * CONFIG_T::n_in],
                      res_T res[recurrent_sizes<CONFIG_T>::n_out], NNET_RECURRENT_WEIGHTS) {
    // UG1399 "pragma HLS inline": a process of its own (it keeps its timestep loop).
#pragma HLS INLINE off
    NNET_RECURRENT_PARTITION
    NNET_RECURRENT_STATE
Timestep:
    for (unsigned s = 0; s < CONFIG_T::n_timesteps; s++) {
        // UG1399 "pragma HLS pipeline": the loop body (one cell) is one instance started
        // every reuse_factor cycles; the loops inside are unrolled.
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
        // UG1399 "pragma HLS allocation": at most multiplier_limit multipliers in the cell.
        const unsigned multiplier_limit = recurrent_sizes<CONFIG_T>::multipliers;
#pragma HLS ALLOCATION operation instances=mul limit=multiplier_limit
        const unsigned t = CONFIG_T::go_backwards ? CONFIG_T::n_timesteps - 1 - s : s;
        data_T x[CONFIG_T::n_in];
#pragma HLS ARRAY_PARTITION variable=x type=complete
        for (unsigned f = 0; f < CONFIG_T::n_in; f++) {
#pragma HLS UNROLL
            x[f] = data[t * CONFIG_T::n_in + f];
        }
        recurrent_cell<data_T, CONFIG_T>(x, h, c, NNET_RECURRENT_ARGS);
        if (CONFIG_T::return_sequences) recurrent_output<res_T, CONFIG_T>(s, t, h, res);
    }
    if (!CONFIG_T::return_sequences) recurrent_final<res_T, CONFIG_T>(h, c, res);
}

// unrolled: every timestep its own cell, one pipelined call.
template <class data_T, class res_T, typename CONFIG_T, class rbias_T, class rtable_T>
void recurrent_unrolled(const data_T data[CONFIG_T::n_timesteps * CONFIG_T::n_in],
                        res_T res[recurrent_sizes<CONFIG_T>::n_out], NNET_RECURRENT_WEIGHTS) {
    // UG1399 "pragma HLS inline": inlining dissolves a function's pragmas; keep these.
#pragma HLS INLINE off
    // UG1399 "function pipelining": every loop below is unrolled; a new sequence every
    // reuse_factor cycles.
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
    NNET_RECURRENT_PARTITION
    // UG1399 "pragma HLS allocation": at most multiplier_limit multipliers (all the cells).
    const unsigned multiplier_limit = recurrent_sizes<CONFIG_T>::multipliers;
#pragma HLS ALLOCATION operation instances=mul limit=multiplier_limit
    NNET_RECURRENT_STATE
Timestep:
    for (unsigned s = 0; s < CONFIG_T::n_timesteps; s++) {
#pragma HLS UNROLL
        const unsigned t = CONFIG_T::go_backwards ? CONFIG_T::n_timesteps - 1 - s : s;
        recurrent_cell<data_T, CONFIG_T>(data + t * CONFIG_T::n_in, h, c, NNET_RECURRENT_ARGS);
        if (CONFIG_T::return_sequences) recurrent_output<res_T, CONFIG_T>(s, t, h, res);
    }
    if (!CONFIG_T::return_sequences) recurrent_final<res_T, CONFIG_T>(h, c, res);
}

template <class data_T, class res_T, typename CONFIG_T, class rbias_T, class rtable_T>
void recurrent(const data_T data[CONFIG_T::n_timesteps * CONFIG_T::n_in],
               res_T res[recurrent_sizes<CONFIG_T>::n_out], NNET_RECURRENT_WEIGHTS) {
#pragma HLS INLINE
    if (CONFIG_T::implementation == rnn_unrolled) {
        recurrent_unrolled<data_T, res_T, CONFIG_T>(data, res, NNET_RECURRENT_ARGS);
    } else {
        recurrent_static<data_T, res_T, CONFIG_T>(data, res, NNET_RECURRENT_ARGS);
    }
}

// io_stream, static: one timestep per input packet through one cell.
template <class data_T, class res_T, typename CONFIG_T, class rbias_T, class rtable_T>
void recurrent_stream_static(stream<data_T> &data, stream<res_T> &res,
                             NNET_RECURRENT_WEIGHTS) {
    typedef typename data_T::value_type in_t;
    typedef typename res_T::value_type out_t;
    const unsigned T = CONFIG_T::n_timesteps, F = CONFIG_T::n_in, U = CONFIG_T::n_units;
    NNET_RECURRENT_PARTITION
    NNET_RECURRENT_STATE
    // go_backwards: the whole sequence first (one packet per cycle); aligned outputs wait for
    // the end. UG1399 "pragma HLS array_partition" cyclic by a row: a row per cycle.
    in_t seq[CONFIG_T::go_backwards ? T * F : 1];
    out_t outs[CONFIG_T::go_backwards && CONFIG_T::align_outputs ? T * U : 1];
#pragma HLS ARRAY_PARTITION variable=seq type=cyclic factor=F
#pragma HLS ARRAY_PARTITION variable=outs type=cyclic factor=U
    if (CONFIG_T::go_backwards) {
    Read:
        for (unsigned t = 0; t < T; t++) {
#pragma HLS PIPELINE II=1
            const data_T packet = data.read();
            for (unsigned f = 0; f < F; f++) {
#pragma HLS UNROLL
                seq[t * F + f] = packet[f];
            }
        }
    }
Timestep:
    for (unsigned s = 0; s < T; s++) {
        // UG1399 "pragma HLS pipeline": one cell instance, a step every reuse_factor cycles
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
        const unsigned multiplier_limit = recurrent_sizes<CONFIG_T>::multipliers;
#pragma HLS ALLOCATION operation instances=mul limit=multiplier_limit
        const unsigned t = CONFIG_T::go_backwards ? T - 1 - s : s;
        in_t x[F];
#pragma HLS ARRAY_PARTITION variable=x type=complete
        if (CONFIG_T::go_backwards) {
            for (unsigned f = 0; f < F; f++) {
#pragma HLS UNROLL
                x[f] = seq[t * F + f];
            }
        } else {
            const data_T packet = data.read();
            for (unsigned f = 0; f < F; f++) {
#pragma HLS UNROLL
                x[f] = packet[f];
            }
        }
        recurrent_cell<in_t, CONFIG_T>(x, h, c, NNET_RECURRENT_ARGS);
        if (CONFIG_T::return_sequences) {
            if (CONFIG_T::go_backwards && CONFIG_T::align_outputs) {
                for (unsigned j = 0; j < U; j++) {
#pragma HLS UNROLL
                    outs[t * U + j] = (out_t)h[j];
                }
            } else {
                res_T packet;
                for (unsigned j = 0; j < U; j++) {
#pragma HLS UNROLL
                    packet[j] = (out_t)h[j];
                }
                res.write(packet);
            }
        }
    }
    if (CONFIG_T::return_sequences && CONFIG_T::go_backwards && CONFIG_T::align_outputs) {
    Write:
        for (unsigned t = 0; t < T; t++) {
#pragma HLS PIPELINE II=1
            res_T packet;
            for (unsigned j = 0; j < U; j++) {
#pragma HLS UNROLL
                packet[j] = outs[t * U + j];
            }
            res.write(packet);
        }
    }
    if (!CONFIG_T::return_sequences) {
        res_T packet;
        recurrent_final<out_t, CONFIG_T>(h, c, packet.data);
        res.write(packet);
    }
}

// io_stream, unrolled: the whole sequence in, the unrolled cells, the outputs out.
template <class data_T, class res_T, typename CONFIG_T, class rbias_T, class rtable_T>
void recurrent_stream_unrolled(stream<data_T> &data, stream<res_T> &res,
                               NNET_RECURRENT_WEIGHTS) {
    typedef typename data_T::value_type in_t;
    typedef typename res_T::value_type out_t;
    const unsigned T = CONFIG_T::n_timesteps, F = CONFIG_T::n_in, U = CONFIG_T::n_units;
    const unsigned N_OUT = recurrent_sizes<CONFIG_T>::n_out;
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
    recurrent_unrolled<in_t, out_t, CONFIG_T>(seq, outs, NNET_RECURRENT_ARGS);
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

template <class data_T, class res_T, typename CONFIG_T, class rbias_T, class rtable_T>
void recurrent_stream(stream<data_T> &data, stream<res_T> &res, NNET_RECURRENT_WEIGHTS) {
    static_assert(data_T::size == CONFIG_T::n_in, "recurrent_stream: one timestep per packet");
    static_assert(res_T::size == CONFIG_T::n_units, "recurrent_stream: one state per packet");
    if (CONFIG_T::implementation == rnn_unrolled) {
        recurrent_stream_unrolled<data_T, res_T, CONFIG_T>(data, res, NNET_RECURRENT_ARGS);
    } else {
        recurrent_stream_static<data_T, res_T, CONFIG_T>(data, res, NNET_RECURRENT_ARGS);
    }
}

#undef NNET_RECURRENT_WEIGHTS
#undef NNET_RECURRENT_ARGS
#undef NNET_RECURRENT_PARTITION
#undef NNET_RECURRENT_STATE

}  // namespace nnet

#endif

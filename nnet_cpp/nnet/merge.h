// Merges: element-wise (add, subtract, multiply, average, maximum, minimum) of two or more
// inputs (subtract: two), concatenation of two inputs on any axis, dot product of two vectors.
//
// Arithmetic (identical to fpga_export/layers/merge.py), per element a = in0[i], b = in1[i] ...:
//   add/subtract/multiply:  res = res_T(a op b op ...)    (full precision, one conversion)
//   average of n:           res = res_T((a + b + ...) * recip_t(1.0 / n))   (one conversion)
//   maximum/minimum:        the extreme value, compared exactly, converted to res_T
//   concatenate:            res = res_T(x), input 0's block before input 1's
//   dot:                    acc = accum_t(0); acc += accum_t(a[i] * b[i]) in order i; res_T(acc)
#ifndef NNET_MERGE_H_
#define NNET_MERGE_H_

#include <tuple>
#include <utility>

#include "nnet/common.h"

namespace nnet {

enum merge_op {
    merge_add = 0,
    merge_subtract = 1,
    merge_multiply = 2,
    merge_average = 3,
    merge_maximum = 4,
    merge_minimum = 5
};

struct merge_config {
    static const unsigned n_elem = 10;  // values per input (and output)
    static const unsigned merge_op = merge_add;
    typedef fixed<16, 6> recip_t;  // type of 1/n (average only)
    // average: recip_t(1.0 / n) for n inputs (generated configs: a constant table)
    static recip_t recip(unsigned n) { return recip_t(1) / recip_t(n); }
};

struct concat_config {
    // the output is n_outer rows of [n_inner_0 values of input 0, n_inner_1 of input 1]
    static const unsigned n_outer = 1;
    static const unsigned n_inner_0 = 10;
    static const unsigned n_inner_1 = 10;
};

struct dot_config {
    static const unsigned n_in = 10;
    typedef fixed<16, 6> accum_t;
};

// One exact step of a merge (C++11: chosen by specialization on merge_op, no if constexpr;
// result types spelled by trailing decltype, no deduced return types).
// Maximum/minimum keep the winner in the exact sum type of the two compared values.
template <unsigned OP>
struct merge_step;
template <>
struct merge_step<merge_add> {
    template <class A, class B>
    static auto apply(const A &a, const B &b) -> decltype(a + b) { return a + b; }
};
template <>
struct merge_step<merge_average> : merge_step<merge_add> {};
template <>
struct merge_step<merge_subtract> {
    template <class A, class B>
    static auto apply(const A &a, const B &b) -> decltype(a - b) { return a - b; }
};
template <>
struct merge_step<merge_multiply> {
    template <class A, class B>
    static auto apply(const A &a, const B &b) -> decltype(a * b) { return a * b; }
};
template <>
struct merge_step<merge_maximum> {
    template <class A, class B>
    static auto apply(const A &a, const B &b) -> decltype(a + b) {
        typedef decltype(a + b) both_T;  // holds a and b exactly
        return (a >= b) ? (both_T)a : (both_T)b;
    }
};
template <>
struct merge_step<merge_minimum> {
    template <class A, class B>
    static auto apply(const A &a, const B &b) -> decltype(a + b) {
        typedef decltype(a + b) both_T;
        return (a <= b) ? (both_T)a : (both_T)b;
    }
};

// The exact (unconverted) value of the merge of a, b, ...: folded left to right at full
// precision (subtract takes exactly two inputs; the Python op checks it). ``type`` is the
// exact type of the fold, computed one step at a time.
template <unsigned OP, class A, class... R>
struct merge_fold;
template <unsigned OP, class A>
struct merge_fold<OP, A> {
    typedef A type;
    static type apply(const A &a) {
#pragma HLS INLINE
        return a;
    }
};
template <unsigned OP, class A, class B, class... R>
struct merge_fold<OP, A, B, R...> {
    typedef decltype(merge_step<OP>::apply(std::declval<A>(), std::declval<B>())) step_T;
    typedef typename merge_fold<OP, step_T, R...>::type type;
    static type apply(const A &a, const B &b, const R &...rest) {
#pragma HLS INLINE
        return merge_fold<OP, step_T, R...>::apply(merge_step<OP>::apply(a, b), rest...);
    }
};

// Conversion of the exact merge to the result type; average multiplies by recip_t(1/n) first.
template <unsigned OP>
struct merge_finish {
    template <class res_T, typename CONFIG_T, class E>
    static res_T apply(const E &exact, unsigned) { return (res_T)exact; }
};
template <>
struct merge_finish<merge_average> {
    template <class res_T, typename CONFIG_T, class E>
    static res_T apply(const E &exact, unsigned n) {
        const typename CONFIG_T::recip_t r = CONFIG_T::recip(n);
        return (res_T)(exact * r);
    }
};

template <class res_T, typename CONFIG_T, class... X>
res_T merge_one(const X &...x) {
#pragma HLS INLINE
    return merge_finish<CONFIG_T::merge_op>::template apply<res_T, CONFIG_T>(
        merge_fold<CONFIG_T::merge_op, X...>::apply(x...), unsigned(sizeof...(X)));
}

// res[i] = merge of in_0[i], in_1[i], ... (two or more inputs).
template <typename CONFIG_T, class res_T, class... data_T>
void merge(res_T res[CONFIG_T::n_elem], const data_T *...in) {
    // UG1399 "pragma HLS inline": not inlined, a process of its own in a DATAFLOW top
#pragma HLS INLINE off
    static_assert(sizeof...(data_T) >= 2, "merge: needs 2 or more inputs");
    for (unsigned i = 0; i < CONFIG_T::n_elem; i++) {
#pragma HLS UNROLL
        res[i] = merge_one<res_T, CONFIG_T>(in[i]...);
    }
}

// True if every argument is (C++11: no fold expressions).
constexpr bool all_true() { return true; }
template <class... B>
constexpr bool all_true(bool first, B... rest) {
    return first && all_true(rest...);
}

// 0, 1, ..., N-1 as a type (C++11: std::index_sequence is C++14).
template <unsigned... K>
struct merge_indices {};
template <unsigned N, unsigned... K>
struct merge_make_indices : merge_make_indices<N - 1, N - 1, K...> {};
template <unsigned... K>
struct merge_make_indices<0, K...> {
    typedef merge_indices<K...> type;
};

template <class res_T, typename CONFIG_T, class Packets, unsigned... K>
res_T merge_packets(const Packets &packets, unsigned c, merge_indices<K...>) {
#pragma HLS INLINE
    return merge_one<res_T, CONFIG_T>(std::get<K>(packets)[c]...);
}

// io_stream: one packet of each input per pixel (read in input order), one packet out.
template <typename CONFIG_T, class res_T, class... data_T>
void merge_stream(stream<res_T> &res, stream<data_T> &...in) {
    static_assert(all_true((data_T::size == res_T::size)...),
                  "merge_stream: inputs and output must have the same packet size");
    for (unsigned p = 0; p < CONFIG_T::n_elem / res_T::size; p++) {
#pragma HLS PIPELINE
        const std::tuple<data_T...> packets{in.read()...};  // braced: read left to right
        res_T out;
        for (unsigned c = 0; c < res_T::size; c++) {
#pragma HLS UNROLL
            out[c] = merge_packets<typename res_T::value_type, CONFIG_T>(
                packets, c, typename merge_make_indices<sizeof...(data_T)>::type());
        }
        res.write(out);
    }
}

template <class data0_T, class data1_T, class res_T, typename CONFIG_T>
void concatenate(const data0_T in0[CONFIG_T::n_outer * CONFIG_T::n_inner_0],
                 const data1_T in1[CONFIG_T::n_outer * CONFIG_T::n_inner_1],
                 res_T res[CONFIG_T::n_outer * (CONFIG_T::n_inner_0 + CONFIG_T::n_inner_1)]) {
    // UG1399 "pragma HLS inline": not inlined, a process of its own in a DATAFLOW top
#pragma HLS INLINE off
    const unsigned row = CONFIG_T::n_inner_0 + CONFIG_T::n_inner_1;
    for (unsigned o = 0; o < CONFIG_T::n_outer; o++) {
#pragma HLS UNROLL
        for (unsigned i = 0; i < CONFIG_T::n_inner_0; i++) {
#pragma HLS UNROLL
            res[o * row + i] = (res_T)in0[o * CONFIG_T::n_inner_0 + i];
        }
        for (unsigned i = 0; i < CONFIG_T::n_inner_1; i++) {
#pragma HLS UNROLL
            res[o * row + CONFIG_T::n_inner_0 + i] = (res_T)in1[o * CONFIG_T::n_inner_1 + i];
        }
    }
}

// io_stream, concatenation on the last axis: the two packets of a pixel become one.
template <class data0_T, class data1_T, class res_T, typename CONFIG_T>
void concatenate_stream_last(stream<data0_T> &in0, stream<data1_T> &in1,
                             stream<res_T> &res) {
    static_assert(data0_T::size == CONFIG_T::n_inner_0 && data1_T::size == CONFIG_T::n_inner_1 &&
                      res_T::size == data0_T::size + data1_T::size,
                  "concatenate_stream_last: packets must hold one pixel");
    for (unsigned p = 0; p < CONFIG_T::n_outer; p++) {
#pragma HLS PIPELINE
        const data0_T a = in0.read();
        const data1_T b = in1.read();
        res_T out;
        for (unsigned c = 0; c < data0_T::size; c++) {
#pragma HLS UNROLL
            out[c] = (typename res_T::value_type)a[c];
        }
        for (unsigned c = 0; c < data1_T::size; c++) {
#pragma HLS UNROLL
            out[data0_T::size + c] = (typename res_T::value_type)b[c];
        }
        res.write(out);
    }
}

// io_stream, concatenation on another axis: per row, input 0's packets then input 1's.
// Input 1's stream must be deep enough to hold its block while input 0's drains.
template <class data0_T, class data1_T, class res_T, typename CONFIG_T>
void concatenate_stream(stream<data0_T> &in0, stream<data1_T> &in1,
                        stream<res_T> &res) {
    static_assert(data0_T::size == res_T::size && data1_T::size == res_T::size,
                  "concatenate_stream: inputs and output must have the same packet size");
    for (unsigned o = 0; o < CONFIG_T::n_outer; o++) {
        for (unsigned p = 0; p < CONFIG_T::n_inner_0 / res_T::size; p++) {
#pragma HLS PIPELINE
            const data0_T a = in0.read();
            res_T out;
            for (unsigned c = 0; c < res_T::size; c++) {
#pragma HLS UNROLL
                out[c] = (typename res_T::value_type)a[c];
            }
            res.write(out);
        }
        for (unsigned p = 0; p < CONFIG_T::n_inner_1 / res_T::size; p++) {
#pragma HLS PIPELINE
            const data1_T b = in1.read();
            res_T out;
            for (unsigned c = 0; c < res_T::size; c++) {
#pragma HLS UNROLL
                out[c] = (typename res_T::value_type)b[c];
            }
            res.write(out);
        }
    }
}

template <class data0_T, class data1_T, class res_T, typename CONFIG_T>
void dot(const data0_T in0[CONFIG_T::n_in], const data1_T in1[CONFIG_T::n_in], res_T res[1]) {
    // UG1399 "pragma HLS inline": not inlined, a process of its own in a DATAFLOW top
#pragma HLS INLINE off
    typename CONFIG_T::accum_t acc = 0;
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        acc += (typename CONFIG_T::accum_t)(in0[i] * in1[i]);
    }
    res[0] = (res_T)acc;
}

// io_stream: one packet holds each whole input vector; the output packet holds one value.
template <class data0_T, class data1_T, class res_T, typename CONFIG_T>
void dot_stream(stream<data0_T> &in0, stream<data1_T> &in1, stream<res_T> &res) {
    static_assert(data0_T::size == CONFIG_T::n_in && data1_T::size == CONFIG_T::n_in &&
                      res_T::size == 1,
                  "dot_stream: packets must hold the whole vectors");
    const data0_T a = in0.read();
    const data1_T b = in1.read();
    typename data0_T::value_type x[CONFIG_T::n_in];
    typename data1_T::value_type y[CONFIG_T::n_in];
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        x[i] = a[i];
        y[i] = b[i];
    }
    res_T out;
    dot<typename data0_T::value_type, typename data1_T::value_type, typename res_T::value_type,
        CONFIG_T>(x, y, out.data);
    res.write(out);
}

}  // namespace nnet

#endif

// Quantizer functions of quantization-aware training that are not a plain conversion
// (identical to fpga_export/layers/quantizer.py, whose docstring is the specification).
// R(v) is the conversion `res_T y = v;`; comparisons and products are exact.
//   binary      x >= 0 ? R(p[1]) : R(p[0])
//   ternary     x >= p[0] ? R(p[1]) : x <= -p[0] ? R(-p[1]) : 0
//   leaky_clip  x >= 0 ? R(x) : x <= p[1] ? R(p[1] * p[0]) : R(x * p[0])
// po2 (po2_config): j = #{i < n : |x| >= p[i]} (n = n_thresholds), level = p[n + j] (a power of
//   two), y = x >= 0 ? R(level) : relu ? R(p[n]) : R(-level)
#ifndef NNET_QUANTIZER_H_
#define NNET_QUANTIZER_H_

#include "nnet/common.h"

namespace nnet {

struct quantizer_config {
    static const unsigned n_in = 10;  // values per sample (flat)
    typedef fixed<18, 8> param_t;  // the constants, held exactly
};

struct binary_fn {
    template <class res_T, typename CONFIG_T, class data_T, class param_T>
    static res_T value(const data_T &x, const param_T p[]) {
#pragma HLS INLINE
        return x >= 0 ? (res_T)p[1] : (res_T)p[0];
    }
};

struct ternary_fn {
    template <class res_T, typename CONFIG_T, class data_T, class param_T>
    static res_T value(const data_T &x, const param_T p[]) {
#pragma HLS INLINE
        if (x >= p[0]) return (res_T)p[1];
        if (x <= -p[0]) return (res_T)(-p[1]);
        return (res_T)0;
    }
};

struct leaky_clip_fn {
    template <class res_T, typename CONFIG_T, class data_T, class param_T>
    static res_T value(const data_T &x, const param_T p[]) {
#pragma HLS INLINE
        if (x >= 0) return (res_T)x;
        if (x <= p[1]) return (res_T)(p[1] * p[0]);
        return (res_T)(x * p[0]);
    }
};

// FN::value on every value with constants ``param`` (of any type: the quantizers' param_t,
// the lookup op's table_t), on arrays and on packets; shared by every such element-wise op.
template <class FN, class data_T, class res_T, typename CONFIG_T, class const_T>
void quantize_array(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
                    const const_T param[]) {
#pragma HLS PIPELINE
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        res[i] = FN::template value<res_T, CONFIG_T>(data[i], param);
    }
}

template <class FN, class data_T, class res_T, typename CONFIG_T, class const_T>
void quantize_stream(stream<data_T> &data, stream<res_T> &res, const const_T param[]) {
    static_assert(data_T::size == res_T::size, "quantizer: input and output packets differ");
    for (unsigned p = 0; p < CONFIG_T::n_in / data_T::size; p++) {
#pragma HLS PIPELINE
        const data_T in = data.read();
        res_T out;
        for (unsigned c = 0; c < data_T::size; c++) {
#pragma HLS UNROLL
            out[c] = FN::template value<typename res_T::value_type, CONFIG_T>(in[c], param);
        }
        res.write(out);
    }
}

// NAME(data, res, param) on arrays, NAME_stream(data, res, param) on packets: NAME_fn::value
// on every value.
#define NNET_QUANTIZER(NAME)                                                                 \
    template <class data_T, class res_T, typename CONFIG_T>                                  \
    void NAME(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],                  \
              const typename CONFIG_T::param_t param[]) {                                    \
        quantize_array<NAME##_fn, data_T, res_T, CONFIG_T>(data, res, param);                \
    }                                                                                        \
    template <class data_T, class res_T, typename CONFIG_T>                                  \
    void NAME##_stream(stream<data_T> &data, stream<res_T> &res,                             \
                       const typename CONFIG_T::param_t param[]) {                           \
        quantize_stream<NAME##_fn, data_T, res_T, CONFIG_T>(data, res, param);               \
    }

NNET_QUANTIZER(binary)
NNET_QUANTIZER(ternary)
NNET_QUANTIZER(leaky_clip)

struct po2_config {
    static const unsigned n_in = 10;          // values per sample (flat)
    static const unsigned n_thresholds = 8;   // max_exp - min_exp
    static const unsigned relu = 0;           // 1: negative inputs give the smallest level
    typedef fixed<18, 8> param_t;  // thresholds, then the levels 2^min .. 2^max
};

struct po2_fn {
    template <class res_T, typename CONFIG_T, class data_T, class param_T>
    static res_T value(const data_T &x, const param_T param[]) {
#pragma HLS INLINE
        const bool negative = x < 0;
        const auto mag = negative ? (decltype(-x))(-x) : (decltype(-x))x;
        unsigned j = 0;
        for (unsigned i = 0; i < CONFIG_T::n_thresholds; i++) {
#pragma HLS UNROLL
            j += mag >= param[i] ? 1 : 0;
        }
        if (CONFIG_T::relu && negative) j = 0;
        const param_T level = param[CONFIG_T::n_thresholds + j];
        if (negative && !CONFIG_T::relu) return (res_T)(-level);
        return (res_T)level;
    }
};

NNET_QUANTIZER(po2)
#undef NNET_QUANTIZER

}  // namespace nnet

#endif

// Per-element fixed-point quantization (identical to fpga_export/layers/fixed_quantizer.py,
// whose docstring is the specification): element j of x goes into a type of its own, given by
// its constants scale = 2^f, unscale = 2^-f, the integer range [lo, hi] of round(x * 2^f) and,
// for wrapping, inv_period = 1 / (hi - lo + 1):
//   r = int_t(x * scale)                 int_t = ap_fixed<W, W, rounding, AP_WRAP>: only rounds
//   wrap: r = r - floor((r - lo) * inv_period) * (hi - lo + 1)
//   else: r = clip(r, lo, hi)
//   y = res_t(r * unscale)
// All products are by powers of two (exact); in io_parallel the constants are known per
// element, so every product is wiring and the clip compares against constants.
#ifndef NNET_FIXED_QUANTIZER_H_
#define NNET_FIXED_QUANTIZER_H_

#include "nnet/common.h"

namespace nnet {

struct fixed_quantizer_config {
    static const unsigned n_in = 10;  // values per sample (flat)
    static const unsigned wrap = 1;   // 1: AP_WRAP, 0: saturate (SAT / SAT_SYM bounds)
    typedef fixed<32, 32, RND> int_t;     // round(x * 2^f); its mode is the rounding
    typedef ufixed<16, 8> scale_t;        // 2^f
    typedef ufixed<16, 8> unscale_t;      // 2^-f
    typedef fixed<16, 16> bound_t;        // lo, hi
    typedef ufixed<16, 0> inv_period_t;   // 2^-(k+i+f) (wrap only)
};

// The inv_period argument of a saturating quantizer (unused).
NNET_CONST_TABLE ufixed<1, 1> no_inv_period[1] = {0};

template <class res_T, typename CONFIG_T, class data_T, class scale_T, class unscale_T,
          class bound_T, class inv_T>
res_T fixed_quantize_value(const data_T &x, const scale_T &scale, const unscale_T &unscale,
                           const bound_T &lo, const bound_T &hi, const inv_T &inv_period) {
#pragma HLS INLINE
    typedef typename CONFIG_T::int_t int_T;
    typedef fixed<int_T::width, int_T::width> floor_T;  // TRN: floor
    int_T r = x * scale;
    if (CONFIG_T::wrap) {
        const floor_T q = (r - lo) * inv_period;
        const int_T period = hi - lo + 1;
        r = r - q * period;
    } else {
        if (r > hi) r = hi;
        if (r < lo) r = lo;
    }
    return (res_T)(r * unscale);
}

template <class data_T, class res_T, typename CONFIG_T, class inv_T>
void fixed_quantize(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
                    const typename CONFIG_T::scale_t scale[CONFIG_T::n_in],
                    const typename CONFIG_T::unscale_t unscale[CONFIG_T::n_in],
                    const typename CONFIG_T::bound_t lo[CONFIG_T::n_in],
                    const typename CONFIG_T::bound_t hi[CONFIG_T::n_in],
                    const inv_T inv_period[]) {
#pragma HLS PIPELINE
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        res[i] = fixed_quantize_value<res_T, CONFIG_T>(data[i], scale[i], unscale[i], lo[i],
                                                       hi[i], inv_period[CONFIG_T::wrap ? i : 0]);
    }
}

template <class data_T, class res_T, typename CONFIG_T, class inv_T>
void fixed_quantize_stream(stream<data_T> &data, stream<res_T> &res,
                           const typename CONFIG_T::scale_t scale[CONFIG_T::n_in],
                           const typename CONFIG_T::unscale_t unscale[CONFIG_T::n_in],
                           const typename CONFIG_T::bound_t lo[CONFIG_T::n_in],
                           const typename CONFIG_T::bound_t hi[CONFIG_T::n_in],
                           const inv_T inv_period[]) {
    static_assert(data_T::size == res_T::size, "fixed_quantize: input and output packets differ");
    for (unsigned p = 0; p < CONFIG_T::n_in / data_T::size; p++) {
#pragma HLS PIPELINE
        const data_T in = data.read();
        res_T out;
        for (unsigned c = 0; c < data_T::size; c++) {
#pragma HLS UNROLL
            const unsigned i = p * data_T::size + c;
            out[c] = fixed_quantize_value<typename res_T::value_type, CONFIG_T>(
                in[c], scale[i], unscale[i], lo[i], hi[i], inv_period[CONFIG_T::wrap ? i : 0]);
        }
        res.write(out);
    }
}

}  // namespace nnet

#endif

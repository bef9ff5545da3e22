// Pooling (max / average; 1-D as height 1; global = a window the size of the input),
// channels-last. Window geometry and the line buffer are those of nnet/conv.h.
//
// Arithmetic (identical to fpga_export/layers/pool.py), per output pixel and channel, over
// the window's valid (non-padding) positions in (kh, kw) order:
//   max:     res = res_T(max x)
//   average: acc = accum_t(0); acc += accum_t(x) for each valid position; n = their count;
//            res = res_T(acc * recip_t(1.0 / n))   (exact product, one conversion); the
//            reciprocal comes from CONFIG_T::recip(n), a constant table of exactly these
//            values written by fpga-export (no division in the pipeline)
//            with count_pad (PyTorch count_include_pad) n = filt_height * filt_width: padding
//            positions count as zeros
#ifndef NNET_POOL_H_
#define NNET_POOL_H_

#include "nnet/common.h"
#include "nnet/conv.h"

namespace nnet {

enum pool_op { pool_max = 0, pool_average = 1 };

struct pool_config {
    // input (height 1 for 1-D), window (filt_*: the pool size), output
    static const unsigned in_height = 1;
    static const unsigned in_width = 10;
    static const unsigned n_chan = 1;
    static const unsigned filt_height = 1;
    static const unsigned filt_width = 2;
    static const unsigned stride_height = 1;
    static const unsigned stride_width = 2;
    static const unsigned dilation_height = 1;
    static const unsigned dilation_width = 1;
    static const unsigned pad_top = 0;
    static const unsigned pad_left = 0;
    static const unsigned out_height = 1;
    static const unsigned out_width = 5;
    // operation
    static const unsigned pool_op = pool_max;
    static const bool count_pad = false;  // average: n counts padding positions too
    // types (average only)
    typedef fixed<16, 6> accum_t;
    typedef fixed<16, 6> recip_t;
    // average: recip_t(1.0 / n) for n = 1 .. filt_height * filt_width (generated configs
    // define it as a lookup in a constant table)
    static recip_t recip(unsigned n) { return recip_t(1) / recip_t(n); }
};

// One output pixel from its window (see gather_window in nnet/conv.h).
template <class data_T, class res_T, typename CONFIG_T>
void pool_pixel(const data_T patch[CONFIG_T::filt_height * CONFIG_T::filt_width * CONFIG_T::n_chan],
                const bool valid[CONFIG_T::filt_height * CONFIG_T::filt_width],
                res_T out[CONFIG_T::n_chan]) {
#pragma HLS INLINE
    const unsigned K = CONFIG_T::filt_height * CONFIG_T::filt_width;
    for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
        if (CONFIG_T::pool_op == pool_max) {
            data_T m = 0;
            bool seen = false;
            for (unsigned k = 0; k < K; k++) {
                if (valid[k] && (!seen || patch[k * CONFIG_T::n_chan + c] > m)) {
                    m = patch[k * CONFIG_T::n_chan + c];
                    seen = true;
                }
            }
            out[c] = (res_T)m;
        } else {
            typename CONFIG_T::accum_t acc = 0;
            unsigned n = 0;
            for (unsigned k = 0; k < K; k++) {
                if (valid[k]) {
                    acc += (typename CONFIG_T::accum_t)patch[k * CONFIG_T::n_chan + c];
                    n++;
                }
            }
            if (CONFIG_T::count_pad) n = K;
            const typename CONFIG_T::recip_t r = CONFIG_T::recip(n);
            out[c] = (res_T)(acc * r);
        }
    }
}

#ifdef FE_CSIM_KERNELS
// csim only (nnet/common.h): max pooling on raw integers. Two values of one fixed-point type
// compare as their raw integers, so max over the valid taps (0 when none is valid) is the
// firmware's m; the channels of a tap are contiguous (vectorised).
namespace csim {
template <class data_T, typename CONFIG_T>
struct pool_max_raw {
    static const bool value = CONFIG_T::pool_op == pool_max && fixed_traits<data_T>::W > 0;
};

template <class data_T, class res_T, typename CONFIG_T>
FE_CSIM_HOT void pool_2d_max(const data_T *data, res_T *res) {
    typedef typename data_T::raw_type R;
    const unsigned C = CONFIG_T::n_chan;
    R m[C];
    for (unsigned oh = 0; oh < CONFIG_T::out_height; oh++) {
        for (unsigned ow = 0; ow < CONFIG_T::out_width; ow++) {
            bool seen = false;
            for (unsigned kh = 0; kh < CONFIG_T::filt_height; kh++) {
                const int r = int(oh * CONFIG_T::stride_height + kh * CONFIG_T::dilation_height) -
                              int(CONFIG_T::pad_top);
                if (r < 0 || r >= int(CONFIG_T::in_height)) continue;
                for (unsigned kw = 0; kw < CONFIG_T::filt_width; kw++) {
                    const int q = int(ow * CONFIG_T::stride_width + kw * CONFIG_T::dilation_width) -
                                  int(CONFIG_T::pad_left);
                    if (q < 0 || q >= int(CONFIG_T::in_width)) continue;
                    const data_T *src = data + (unsigned(r) * CONFIG_T::in_width + unsigned(q)) * C;
                    if (!seen) {
                        for (unsigned c = 0; c < C; c++) m[c] = src[c].raw();
                        seen = true;
                    } else {
                        for (unsigned c = 0; c < C; c++) {
                            const R v = src[c].raw();
                            m[c] = v > m[c] ? v : m[c];
                        }
                    }
                }
            }
            res_T *dst = res + (oh * CONFIG_T::out_width + ow) * C;
            for (unsigned c = 0; c < C; c++) {
                data_T v;
                v.set_raw(seen ? m[c] : R(0));
                dst[c] = (res_T)v;
            }
        }
    }
}
}  // namespace csim
#endif

// io_parallel: the whole image in, the whole output image out.
template <class data_T, class res_T, typename CONFIG_T>
void pool_2d(const data_T data[CONFIG_T::in_height * CONFIG_T::in_width * CONFIG_T::n_chan],
             res_T res[CONFIG_T::out_height * CONFIG_T::out_width * CONFIG_T::n_chan]) {
#ifdef FE_CSIM_KERNELS
    if constexpr (csim::pool_max_raw<data_T, CONFIG_T>::value) {
        csim::pool_2d_max<data_T, res_T, CONFIG_T>(data, res);
        return;
    }
#endif
    const unsigned K = CONFIG_T::filt_height * CONFIG_T::filt_width;
    for (unsigned oh = 0; oh < CONFIG_T::out_height; oh++) {
        for (unsigned ow = 0; ow < CONFIG_T::out_width; ow++) {
#pragma HLS UNROLL
            data_T patch[K * CONFIG_T::n_chan];
            bool valid[K];
            gather_window<data_T, CONFIG_T, CONFIG_T::in_height>(data, oh, ow, patch, valid);
            res_T out[CONFIG_T::n_chan];
            pool_pixel<data_T, res_T, CONFIG_T>(patch, valid, out);
            for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
                res[(oh * CONFIG_T::out_width + ow) * CONFIG_T::n_chan + c] = out[c];
            }
        }
    }
}

// io_stream: one packet per pixel in raster order, in and out; the shift-register window of
// nnet/conv.h ("streaming windows"), one input position per clock.
template <class data_T, class res_T, typename CONFIG_T>
void pool_2d_stream(stream<data_T> &data, stream<res_T> &res) {
    typedef typename data_T::value_type in_t;
    typedef typename res_T::value_type out_t;
    static_assert(data_T::size == CONFIG_T::n_chan && res_T::size == CONFIG_T::n_chan,
                  "pool_2d_stream: packets must hold one pixel");
    const unsigned K = CONFIG_T::filt_height * CONFIG_T::filt_width;
#if defined(FE_CSIM_KERNELS) && !defined(FPGA_EXPORT_DATAFLOW_SIM)
    if constexpr (csim::pool_max_raw<in_t, CONFIG_T>::value) {
        csim::stream_image<data_T, res_T, CONFIG_T>(
            data, res, CONFIG_T::in_height * CONFIG_T::in_width,
            CONFIG_T::out_height * CONFIG_T::out_width,
            [](const in_t *in, out_t *out) { csim::pool_2d_max<in_t, out_t, CONFIG_T>(in, out); });
        return;
    }
#endif
    typedef window_stream_sizes<CONFIG_T> S;
    in_t lines[S::lines][S::width][CONFIG_T::n_chan];
#pragma HLS ARRAY_PARTITION variable=lines type=complete dim=1
#pragma HLS ARRAY_PARTITION variable=lines type=complete dim=3
    in_t window[S::rows][S::cols][CONFIG_T::n_chan];
#pragma HLS ARRAY_PARTITION variable=window type=complete dim=0
    window_counter row;
    row.start(S::rows - 1);
Rows:
    for (unsigned ph = 0; ph < S::height; ph++) {
        window_counter col;
        col.start(S::cols - 1);
    Cols:
        for (unsigned pw = 0; pw < S::width; pw++) {
#pragma HLS PIPELINE II=1
            window_shift<data_T, CONFIG_T>(data, ph, pw, lines, window);
            if (row.ready(CONFIG_T::out_height) && col.ready(CONFIG_T::out_width)) {
                in_t patch[K * CONFIG_T::n_chan];
#pragma HLS ARRAY_PARTITION variable=patch type=complete
                bool valid[K];
                window_patch<in_t, CONFIG_T>(window, patch);
                window_valid<CONFIG_T>(row.index, col.index, valid);
                out_t out[CONFIG_T::n_chan];
                pool_pixel<in_t, out_t, CONFIG_T>(patch, valid, out);
                res_T packet;
                for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
                    packet[c] = out[c];
                }
                res.write(packet);
            }
            col.step(CONFIG_T::stride_width);
        }
        row.step(CONFIG_T::stride_height);
    }
}

}  // namespace nnet

#endif

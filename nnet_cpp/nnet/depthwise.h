// Depthwise convolutions (DepthwiseConv1D, DepthwiseConv2D), channels-last; 1-D is 2-D of
// height 1. SeparableConv1D/2D are exported as depthwise + a 1x1 conv (nnet/conv.h).
//
// Arithmetic (identical to fpga_export/layers/depthwise.py): per output pixel, the window
// patch p[(kh * filt_width + kw) * n_chan + c] (zeros at padding positions, gathered by
// nnet/conv.h's gather_window) and the kernel in Keras layout [kh][kw][c][m]; output
// channel o = c * depth_multiplier + m: acc = accum_t(bias[o]); acc += accum_t(p[k][c] *
// kernel[k][c][m]) for taps k = kh * filt_width + kw = 0 .. filt_height*filt_width-1 in
// order; res = res_T(acc). Both strategies keep this order (the strategy and reuse factor
// only change how many multipliers the loop is given), so saturating accumulators agree.
//
// Hardware (io_parallel; UG1399 = the Vitis HLS user guide): the pixel loop of nnet/conv.h
// (pixel_steps: parallelization_factor output pixels per step) pipelined at II =
// reuse_factor, each pixel a depthwise_pixel_pipelined with multiplier_limit multipliers.
#ifndef NNET_DEPTHWISE_H_
#define NNET_DEPTHWISE_H_

#include "nnet/common.h"
#include "nnet/conv.h"

namespace nnet {

struct depthwise_config {
    // input (height 1 for DepthwiseConv1D), window, output
    static const unsigned in_height = 1;
    static const unsigned in_width = 10;
    static const unsigned n_chan = 1;
    static const unsigned filt_height = 1;
    static const unsigned filt_width = 3;
    static const unsigned depth_multiplier = 1;  // output channels: n_chan * depth_multiplier
    static const unsigned stride_height = 1;
    static const unsigned stride_width = 1;
    static const unsigned dilation_height = 1;
    static const unsigned dilation_width = 1;
    static const unsigned pad_top = 0;  // Keras 'same': half the total padding, rounded down
    static const unsigned pad_left = 0;
    static const unsigned out_height = 1;
    static const unsigned out_width = 8;
    // implementation
    static const unsigned strategy = latency;
    static const unsigned reuse_factor = 1;
    static const unsigned parallelization_factor = 1;  // io_parallel: output pixels per step
    // multipliers of one output pixel (ALLOCATION limit of depthwise_pixel_pipelined);
    // 0: not given, ceil(filt_height*filt_width*n_chan*depth_multiplier / reuse_factor)
    static const unsigned multiplier_limit = 0;
    // types
    typedef fixed<16, 6> accum_t;
    typedef fixed<16, 6> kernel_t;
    typedef fixed<16, 6> bias_t;
};

template <class CONFIG_T>
struct depthwise_sizes {
    static const unsigned taps = CONFIG_T::filt_height * CONFIG_T::filt_width;
    static const unsigned n_in = taps * CONFIG_T::n_chan;  // patch length
    static const unsigned n_out = CONFIG_T::n_chan * CONFIG_T::depth_multiplier;
    static const unsigned all = (n_in * CONFIG_T::depth_multiplier + CONFIG_T::reuse_factor - 1) /
                                CONFIG_T::reuse_factor;
    // multipliers of one output pixel
    static const unsigned multipliers = CONFIG_T::multiplier_limit ? CONFIG_T::multiplier_limit : all;
};

// One output pixel: out[c * M + m] from the patch (see the header comment for the order).
template <class data_T, class res_T, typename CONFIG_T>
void depthwise_pixel(const data_T patch[depthwise_sizes<CONFIG_T>::n_in],
                     res_T out[depthwise_sizes<CONFIG_T>::n_out],
                     const typename CONFIG_T::kernel_t
                         kernel[depthwise_sizes<CONFIG_T>::n_in * CONFIG_T::depth_multiplier],
                     const typename CONFIG_T::bias_t bias[depthwise_sizes<CONFIG_T>::n_out]) {
#pragma HLS INLINE
    const unsigned M = CONFIG_T::depth_multiplier;
    const unsigned C = CONFIG_T::n_chan;
    typename CONFIG_T::accum_t acc[depthwise_sizes<CONFIG_T>::n_out];
#pragma HLS ARRAY_PARTITION variable=acc type=complete
    for (unsigned o = 0; o < C * M; o++) {
#pragma HLS UNROLL
        acc[o] = (typename CONFIG_T::accum_t)bias[o];
    }
    for (unsigned k = 0; k < depthwise_sizes<CONFIG_T>::taps; k++) {
        for (unsigned c = 0; c < C; c++) {
            for (unsigned m = 0; m < M; m++) {
#pragma HLS UNROLL
                acc[c * M + m] += weighted<typename CONFIG_T::accum_t>(
                    patch[k * C + c], kernel[(k * C + c) * M + m]);
            }
        }
    }
    for (unsigned o = 0; o < C * M; o++) {
#pragma HLS UNROLL
        out[o] = (res_T)acc[o];
    }
}

// io_parallel: one output pixel as its own pipelined function, so that its mul operations
// (the ALLOCATION scope) are exactly the products, without the window's index arithmetic.
template <class data_T, class res_T, typename CONFIG_T>
void depthwise_pixel_pipelined(
    const data_T patch[depthwise_sizes<CONFIG_T>::n_in], res_T out[depthwise_sizes<CONFIG_T>::n_out],
    const typename CONFIG_T::kernel_t
        kernel[depthwise_sizes<CONFIG_T>::n_in * CONFIG_T::depth_multiplier],
    const typename CONFIG_T::bias_t bias[depthwise_sizes<CONFIG_T>::n_out]) {
    // UG1399 "pragma HLS inline": inlining dissolves a function's pragmas; keep these.
#pragma HLS INLINE off
    // UG1399 "function pipelining": the loops below are unrolled; a pixel every reuse_factor
    // cycles lets each multiplier serve reuse_factor products.
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
    // UG1399 "pragma HLS function_instantiate": one RTL instance per call, optimized for its
    // constant kernel and bias (zero weights need no multiplier).
#pragma HLS FUNCTION_INSTANTIATE variable=kernel
#pragma HLS FUNCTION_INSTANTIATE variable=bias
    // UG1399 "pragma HLS array_partition" complete: every weight is read in each call.
#pragma HLS ARRAY_PARTITION variable=kernel type=complete
#pragma HLS ARRAY_PARTITION variable=bias type=complete
    // UG1399 "pragma HLS allocation": at most multiplier_limit mul operations per pixel.
    const unsigned multiplier_limit = depthwise_sizes<CONFIG_T>::multipliers;
#pragma HLS ALLOCATION operation instances=mul limit=multiplier_limit
    depthwise_pixel<data_T, res_T, CONFIG_T>(patch, out, kernel, bias);
}

// io_parallel, one step of the pixel loop: the pixels (oh0 + dh, ow0 + dw) of pixel_steps.
template <class data_T, class res_T, typename CONFIG_T>
void depthwise_2d_step(
    const data_T data[CONFIG_T::in_height * CONFIG_T::in_width * CONFIG_T::n_chan], unsigned oh0,
    unsigned ow0,
    res_T res[CONFIG_T::out_height * CONFIG_T::out_width * depthwise_sizes<CONFIG_T>::n_out],
    const typename CONFIG_T::kernel_t
        kernel[depthwise_sizes<CONFIG_T>::n_in * CONFIG_T::depth_multiplier],
    const typename CONFIG_T::bias_t bias[depthwise_sizes<CONFIG_T>::n_out]) {
#pragma HLS INLINE
    typedef pixel_steps<CONFIG_T> S;
    const unsigned N = depthwise_sizes<CONFIG_T>::n_in;
    const unsigned O = depthwise_sizes<CONFIG_T>::n_out;
Lanes:
    for (unsigned dh = 0; dh < S::rows; dh++) {
#pragma HLS UNROLL
        for (unsigned dw = 0; dw < S::cols; dw++) {
#pragma HLS UNROLL
            const unsigned oh = oh0 + dh, ow = ow0 + dw;
            data_T patch[N];
            bool valid[depthwise_sizes<CONFIG_T>::taps];
            gather_window<data_T, CONFIG_T, CONFIG_T::in_height>(data, oh, ow, patch, valid);
            res_T out[O];
            depthwise_pixel_pipelined<data_T, res_T, CONFIG_T>(patch, out, kernel, bias);
            for (unsigned o = 0; o < O; o++) {
                res[(oh * CONFIG_T::out_width + ow) * O + o] = out[o];
            }
        }
    }
}

// io_parallel: the whole image in, the whole output image out (both channels-last).
// parallelization_factor pixels every reuse_factor cycles (either strategy: the products of a
// pixel are few, so the resource strategy only lowers the multiplier count, not the layout).
template <class data_T, class res_T, typename CONFIG_T>
void depthwise_2d(
    const data_T data[CONFIG_T::in_height * CONFIG_T::in_width * CONFIG_T::n_chan],
    res_T res[CONFIG_T::out_height * CONFIG_T::out_width * depthwise_sizes<CONFIG_T>::n_out],
    const typename CONFIG_T::kernel_t
        kernel[depthwise_sizes<CONFIG_T>::n_in * CONFIG_T::depth_multiplier],
    const typename CONFIG_T::bias_t bias[depthwise_sizes<CONFIG_T>::n_out]) {
    // UG1399 "pragma HLS inline": inlining dissolves a function's pragmas; keep these.
#pragma HLS INLINE off
    typedef pixel_steps<CONFIG_T> S;
    static_assert(S::valid, "depthwise_2d: parallelization_factor must divide out_width, or be "
                            "a multiple of out_width that divides the output pixels");
    // UG1399 "pragma HLS loop_flatten": Rows/Columns is a perfect nest with constant bounds,
    // flattened into one pipeline of row_steps * col_steps steps.
Rows:
    for (unsigned i = 0; i < S::row_steps; i++) {
    Columns:
        for (unsigned j = 0; j < S::col_steps; j++) {
            // UG1399 "pragma HLS pipeline": a step every reuse_factor cycles; its pixels
            // (Lanes) are unrolled below it, each a depthwise_pixel_pipelined at the same II.
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
            depthwise_2d_step<data_T, res_T, CONFIG_T>(data, i * S::rows, j * S::cols, res,
                                                       kernel, bias);
        }
    }
}

// io_stream: one packet of n_chan values per input pixel and of n_chan * depth_multiplier
// values per output pixel, raster order; a shift-register window fed by line buffers
// (nnet/conv.h "streaming windows"), one input position per II = reuse_factor.
template <class data_T, class res_T, typename CONFIG_T>
void depthwise_2d_stream(stream<data_T> &data, stream<res_T> &res,
                         const typename CONFIG_T::kernel_t
                             kernel[depthwise_sizes<CONFIG_T>::n_in * CONFIG_T::depth_multiplier],
                         const typename CONFIG_T::bias_t bias[depthwise_sizes<CONFIG_T>::n_out]) {
    typedef typename data_T::value_type in_t;
    typedef typename res_T::value_type out_t;
    static_assert(data_T::size == CONFIG_T::n_chan &&
                      res_T::size == depthwise_sizes<CONFIG_T>::n_out,
                  "depthwise_2d_stream: packets must hold one pixel");
    const unsigned N = depthwise_sizes<CONFIG_T>::n_in;
    const unsigned O = depthwise_sizes<CONFIG_T>::n_out;
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
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
            window_shift<data_T, CONFIG_T>(data, ph, pw, lines, window);
            if (row.ready(CONFIG_T::out_height) && col.ready(CONFIG_T::out_width)) {
                in_t patch[N];
#pragma HLS ARRAY_PARTITION variable=patch type=complete
                window_patch<in_t, CONFIG_T>(window, patch);
                out_t out[O];
                depthwise_pixel<in_t, out_t, CONFIG_T>(patch, out, kernel, bias);
                res_T packet;
                for (unsigned o = 0; o < O; o++) {
                    packet[o] = out[o];
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

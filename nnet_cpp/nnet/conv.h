// Convolutions (Conv1D, Conv2D), channels-last; Conv1D is a Conv2D of height 1.
//
// Arithmetic (identical to fpga_export/layers/conv.py): each output pixel is a Dense
// (nnet/dense.h, same strategy and reuse factor) on its patch, the flat vector
// p[(kh * filt_width + kw) * n_chan + c] with zeros at padding positions, and the kernel
// in Keras layout [kh][kw][c][f]: acc = accum_t(bias[f]); acc += accum_t(p[i] * kernel[i][f])
// for i = 0 .. filt_height*filt_width*n_chan-1 in order; res = res_T(acc).
//
// Grouped convolution (n_groups = G > 1): input channels [g*C/G, (g+1)*C/G) feed only output
// channels [g*F/G, (g+1)*F/G). The kernel is group-major: block g (KH*KW*(C/G)*(F/G) values)
// is the kernel of group g in the layout above; the group's Dense reads the sub-patch
// p_g[(kh * filt_width + kw) * C/G + c] of its channels, with the same arithmetic.
//
// Pointwise fast path: a 1x1 window with stride 1 and no padding (e.g. the second half of
// a SeparableConv) skips the window gather and the line buffer; each output pixel is the
// Dense of its input pixel, so the arithmetic is the same as the general path.
//
// Hardware (io_parallel; UG1399 = the Vitis HLS user guide): a pixel loop computes
// parallelization_factor output pixels per step (see pixel_steps); latency: pipelined at
// II = reuse_factor, each pixel a pipelined dense_latency; resource: each pixel a
// dense_resource whose reuse loop keeps its own pipeline.
//
// The window helpers here are shared with nnet/pool.h and nnet/depthwise.h.
#ifndef NNET_CONV_H_
#define NNET_CONV_H_

#include "nnet/common.h"
#include "nnet/dense.h"

namespace nnet {

struct conv_config {
    // input (height 1 for Conv1D), window, output
    static const unsigned in_height = 1;
    static const unsigned in_width = 10;
    static const unsigned n_chan = 1;
    static const unsigned filt_height = 1;
    static const unsigned filt_width = 3;
    static const unsigned n_filt = 1;
    static const unsigned n_groups = 1;  // grouped convolution; must divide n_chan and n_filt
    static const unsigned stride_height = 1;
    static const unsigned stride_width = 1;
    static const unsigned dilation_height = 1;
    static const unsigned dilation_width = 1;
    static const unsigned pad_top = 0;   // Keras 'same': half the total padding, rounded down
    static const unsigned pad_left = 0;
    static const unsigned out_height = 1;
    static const unsigned out_width = 8;
    // implementation (of the per-pixel Dense)
    static const unsigned strategy = latency;
    static const unsigned reuse_factor = 1;
    static const unsigned parallelization_factor = 1;  // io_parallel: output pixels per step
    // multipliers of one pixel's Dense of one group (ALLOCATION limit, nnet/dense.h);
    // 0: not given, ceil(n_in*n_out/reuse_factor) of that Dense
    static const unsigned multiplier_limit = 0;
    // types
    typedef fixed<16, 6> accum_t;
    typedef fixed<16, 6> kernel_t;
    typedef fixed<16, 6> bias_t;
};

// The per-pixel Dense of a conv config (of one group).
template <class CONFIG_T>
struct conv_dense_config : dense_config {
    static const unsigned n_in =
        CONFIG_T::filt_height * CONFIG_T::filt_width * CONFIG_T::n_chan / CONFIG_T::n_groups;
    static const unsigned n_out = CONFIG_T::n_filt / CONFIG_T::n_groups;
    static const unsigned strategy = CONFIG_T::strategy;
    static const unsigned reuse_factor = CONFIG_T::reuse_factor;
    static const unsigned multiplier_limit = CONFIG_T::multiplier_limit;
    typedef typename CONFIG_T::accum_t accum_t;
    typedef typename CONFIG_T::kernel_t kernel_t;
    typedef typename CONFIG_T::bias_t bias_t;
};

// Rows of input a streaming window op keeps: one dilated window height.
template <class CONFIG_T>
struct window_rows {
    static const unsigned value = (CONFIG_T::filt_height - 1) * CONFIG_T::dilation_height + 1;
};

// Gathers the window of output pixel (oh, ow) from `src`, which holds input rows r at
// src[((r % ROWS) * in_width + col) * n_chan + c] (io_parallel: ROWS = in_height, the whole
// image). patch[(kh * filt_width + kw) * n_chan + c], zero where
// valid[kh * filt_width + kw] is false (a padding position).
template <class T, class CONFIG_T, unsigned ROWS>
void gather_window(const T src[ROWS * CONFIG_T::in_width * CONFIG_T::n_chan], unsigned oh,
                   unsigned ow,
                   T patch[CONFIG_T::filt_height * CONFIG_T::filt_width * CONFIG_T::n_chan],
                   bool valid[CONFIG_T::filt_height * CONFIG_T::filt_width]) {
#pragma HLS INLINE
    for (unsigned kh = 0; kh < CONFIG_T::filt_height; kh++) {
        for (unsigned kw = 0; kw < CONFIG_T::filt_width; kw++) {
#pragma HLS UNROLL
            const int r = int(oh * CONFIG_T::stride_height + kh * CONFIG_T::dilation_height) -
                          int(CONFIG_T::pad_top);
            const int q = int(ow * CONFIG_T::stride_width + kw * CONFIG_T::dilation_width) -
                          int(CONFIG_T::pad_left);
            const bool ok = r >= 0 && r < int(CONFIG_T::in_height) && q >= 0 &&
                            q < int(CONFIG_T::in_width);
            const unsigned k = kh * CONFIG_T::filt_width + kw;
            // the whole image holds row r at r: no remainder logic for a variable r
            const unsigned row = ROWS == CONFIG_T::in_height ? unsigned(r) : unsigned(r) % ROWS;
            valid[k] = ok;
            for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
                patch[k * CONFIG_T::n_chan + c] =
                    ok ? src[(row * CONFIG_T::in_width + unsigned(q)) * CONFIG_T::n_chan + c]
                       : T(0);
            }
        }
    }
}

// Output pixel (oh, ow) is input pixel (oh, ow): a 1x1 window, stride 1, no padding.
template <class CONFIG_T>
struct is_pointwise {
    static const bool value = CONFIG_T::filt_height == 1 && CONFIG_T::filt_width == 1 &&
                              CONFIG_T::stride_height == 1 && CONFIG_T::stride_width == 1 &&
                              CONFIG_T::pad_top == 0 && CONFIG_T::pad_left == 0 &&
                              CONFIG_T::out_height == CONFIG_T::in_height &&
                              CONFIG_T::out_width == CONFIG_T::in_width;
};

// The io_parallel pixel loop: a step computes parallelization_factor output pixels, either
// `cols` adjacent columns of one row (the factor divides out_width) or `rows` whole rows (a
// multiple of out_width dividing the pixel count). Steps are counted in two loops, so no
// pixel index needs a division.
template <class CONFIG_T>
struct pixel_steps {
    static const unsigned pf = CONFIG_T::parallelization_factor;
    static const unsigned cols = pf < CONFIG_T::out_width ? pf : CONFIG_T::out_width;
    static const unsigned rows = pf < CONFIG_T::out_width ? 1 : pf / CONFIG_T::out_width;
    static const bool valid =
        pf >= 1 && (pf < CONFIG_T::out_width ? CONFIG_T::out_width % pf == 0
                                             : pf % CONFIG_T::out_width == 0 &&
                                                   CONFIG_T::out_height % rows == 0);
    static const unsigned row_steps = CONFIG_T::out_height / rows;
    static const unsigned col_steps = CONFIG_T::out_width / cols;
};

// Values in the window of one output pixel (all channels).
template <class CONFIG_T>
struct patch_size {
    static const unsigned value = CONFIG_T::filt_height * CONFIG_T::filt_width * CONFIG_T::n_chan;
};

// ---------------------------------------------------------------- streaming windows
// A streaming window op (conv_2d_stream, depthwise_2d_stream, pool_2d_stream) scans the padded
// image in raster order, one position per pipelined iteration: at an image position it reads
// one pixel packet, at a padding position it takes zeros. The position goes through line
// buffers (the last rows - 1 padded rows, one memory per row and channel: ARRAY_PARTITION of
// dims 1 and 3, so each is read and written once per iteration at the current column) into a
// window of shift registers (rows x cols x n_chan, fully partitioned). When the window holds
// output pixel (oh, ow), i.e. at position (oh * stride_height + rows - 1, ow * stride_width +
// cols - 1), the op computes it from the window's taps. Trip counts are constants (no
// data-dependent loop), so the op accepts one pixel per II (UG1399 "pipeline"; padding
// positions take an iteration without a read).
template <class CONFIG_T>
struct window_stream_sizes {
    static const unsigned rows = window_rows<CONFIG_T>::value;
    static const unsigned cols = (CONFIG_T::filt_width - 1) * CONFIG_T::dilation_width + 1;
    static const unsigned lines = rows > 1 ? rows - 1 : 1;  // no zero-size arrays
    // padded positions scanned: every image pixel and what the last window reaches
    static const unsigned reach_h = (CONFIG_T::out_height - 1) * CONFIG_T::stride_height + rows;
    static const unsigned reach_w = (CONFIG_T::out_width - 1) * CONFIG_T::stride_width + cols;
    static const unsigned image_h = CONFIG_T::pad_top + CONFIG_T::in_height;
    static const unsigned image_w = CONFIG_T::pad_left + CONFIG_T::in_width;
    static const unsigned height = reach_h > image_h ? reach_h : image_h;
    static const unsigned width = reach_w > image_w ? reach_w : image_w;
};

// Counts positions along one axis of the scan: the first window is complete after `first`
// positions, then one output every `stride` positions, `n` outputs in all.
struct window_counter {
    unsigned index, wait;
    void start(unsigned first) {
        index = 0;
        wait = first;
    }
    bool ready(unsigned n) const { return wait == 0 && index < n; }
    void step(unsigned stride) {
        if (wait == 0) {
            wait = stride - 1;
            index++;
        } else {
            wait--;
        }
    }
};

// One scan step at padded position (ph, pw): the new pixel (read from `data` inside the image,
// zeros in the padding) enters the bottom row; column pw of the line buffers moves up a row;
// the window shifts left and takes the new column on the right.
template <class data_T, class CONFIG_T>
void window_shift(
    stream<data_T> &data, unsigned ph, unsigned pw,
    typename data_T::value_type lines[window_stream_sizes<CONFIG_T>::lines]
                                     [window_stream_sizes<CONFIG_T>::width][CONFIG_T::n_chan],
    typename data_T::value_type window[window_stream_sizes<CONFIG_T>::rows]
                                      [window_stream_sizes<CONFIG_T>::cols][CONFIG_T::n_chan]) {
#pragma HLS INLINE
    typedef typename data_T::value_type in_t;
    typedef window_stream_sizes<CONFIG_T> S;
    const unsigned C = CONFIG_T::n_chan;
    const bool inside = ph >= CONFIG_T::pad_top && ph < S::image_h && pw >= CONFIG_T::pad_left &&
                        pw < S::image_w;
    data_T packet;
    if (inside) packet = data.read();
    in_t column[S::rows][C];
#pragma HLS ARRAY_PARTITION variable=column type=complete dim=0
    for (unsigned c = 0; c < C; c++) {
        column[S::rows - 1][c] = inside ? packet[c] : in_t(0);
    }
    for (unsigned r = 0; r + 1 < S::rows; r++) {
        for (unsigned c = 0; c < C; c++) {
            column[r][c] = lines[r][pw][c];
        }
    }
    for (unsigned r = 0; r + 1 < S::rows; r++) {
        for (unsigned c = 0; c < C; c++) {
            lines[r][pw][c] = column[r + 1][c];
        }
    }
    for (unsigned r = 0; r < S::rows; r++) {
        for (unsigned k = 0; k + 1 < S::cols; k++) {
            for (unsigned c = 0; c < C; c++) {
                window[r][k][c] = window[r][k + 1][c];
            }
        }
        for (unsigned c = 0; c < C; c++) {
            window[r][S::cols - 1][c] = column[r][c];
        }
    }
}

// The taps of the window: patch[(kh * filt_width + kw) * n_chan + c] (zeros at padding).
template <class in_t, class CONFIG_T>
void window_patch(const in_t window[window_stream_sizes<CONFIG_T>::rows]
                                   [window_stream_sizes<CONFIG_T>::cols][CONFIG_T::n_chan],
                  in_t patch[CONFIG_T::filt_height * CONFIG_T::filt_width * CONFIG_T::n_chan]) {
#pragma HLS INLINE
    for (unsigned kh = 0; kh < CONFIG_T::filt_height; kh++) {
        for (unsigned kw = 0; kw < CONFIG_T::filt_width; kw++) {
            for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
                patch[(kh * CONFIG_T::filt_width + kw) * CONFIG_T::n_chan + c] =
                    window[kh * CONFIG_T::dilation_height][kw * CONFIG_T::dilation_width][c];
            }
        }
    }
}

// valid[kh * filt_width + kw]: the tap of output pixel (oh, ow) lies inside the image.
template <class CONFIG_T>
void window_valid(unsigned oh, unsigned ow, bool valid[CONFIG_T::filt_height * CONFIG_T::filt_width]) {
#pragma HLS INLINE
    for (unsigned kh = 0; kh < CONFIG_T::filt_height; kh++) {
        for (unsigned kw = 0; kw < CONFIG_T::filt_width; kw++) {
            const int r = int(oh * CONFIG_T::stride_height + kh * CONFIG_T::dilation_height) -
                          int(CONFIG_T::pad_top);
            const int q = int(ow * CONFIG_T::stride_width + kw * CONFIG_T::dilation_width) -
                          int(CONFIG_T::pad_left);
            valid[kh * CONFIG_T::filt_width + kw] =
                r >= 0 && r < int(CONFIG_T::in_height) && q >= 0 && q < int(CONFIG_T::in_width);
        }
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void conv_pixel(const data_T patch[patch_size<CONFIG_T>::value],
                res_T out[CONFIG_T::n_filt],
                const typename CONFIG_T::kernel_t kernel[conv_dense_config<CONFIG_T>::n_in * CONFIG_T::n_filt],
                const typename CONFIG_T::bias_t bias[CONFIG_T::n_filt]) {
#pragma HLS INLINE
    static_assert(CONFIG_T::n_chan % CONFIG_T::n_groups == 0 &&
                      CONFIG_T::n_filt % CONFIG_T::n_groups == 0,
                  "conv: n_groups must divide n_chan and n_filt");
    if (CONFIG_T::n_groups == 1) {
        dense<data_T, res_T, conv_dense_config<CONFIG_T>>(patch, out, kernel, bias);
        return;
    }
    const unsigned N = conv_dense_config<CONFIG_T>::n_in;
    const unsigned FG = conv_dense_config<CONFIG_T>::n_out;
    const unsigned CG = CONFIG_T::n_chan / CONFIG_T::n_groups;
Groups:
    for (unsigned g = 0; g < CONFIG_T::n_groups; g++) {
#pragma HLS UNROLL
        data_T sub[N];
        for (unsigned k = 0; k < CONFIG_T::filt_height * CONFIG_T::filt_width; k++) {
            for (unsigned c = 0; c < CG; c++) {
                sub[k * CG + c] = patch[k * CONFIG_T::n_chan + g * CG + c];
            }
        }
        dense<data_T, res_T, conv_dense_config<CONFIG_T>>(sub, &out[g * FG], &kernel[g * N * FG],
                                                          &bias[g * FG]);
    }
}

// io_parallel, one step of the pixel loop: the pixels (oh0 + dh, ow0 + dw) of pixel_steps.
template <class data_T, class res_T, typename CONFIG_T>
void conv_2d_step(const data_T data[CONFIG_T::in_height * CONFIG_T::in_width * CONFIG_T::n_chan],
                  unsigned oh0, unsigned ow0,
                  res_T res[CONFIG_T::out_height * CONFIG_T::out_width * CONFIG_T::n_filt],
                  const typename CONFIG_T::kernel_t kernel[conv_dense_config<CONFIG_T>::n_in * CONFIG_T::n_filt],
                  const typename CONFIG_T::bias_t bias[CONFIG_T::n_filt]) {
#pragma HLS INLINE
    typedef pixel_steps<CONFIG_T> S;
    const unsigned N = patch_size<CONFIG_T>::value;
Lanes:
    for (unsigned dh = 0; dh < S::rows; dh++) {
#pragma HLS UNROLL
        for (unsigned dw = 0; dw < S::cols; dw++) {
#pragma HLS UNROLL
            const unsigned oh = oh0 + dh, ow = ow0 + dw;
            data_T patch[N];
            if (is_pointwise<CONFIG_T>::value) {
                for (unsigned c = 0; c < N; c++) {
                    patch[c] = data[(oh * CONFIG_T::in_width + ow) * N + c];
                }
            } else {
                bool valid[CONFIG_T::filt_height * CONFIG_T::filt_width];
                gather_window<data_T, CONFIG_T, CONFIG_T::in_height>(data, oh, ow, patch, valid);
            }
            res_T out[CONFIG_T::n_filt];
            conv_pixel<data_T, res_T, CONFIG_T>(patch, out, kernel, bias);
            for (unsigned f = 0; f < CONFIG_T::n_filt; f++) {
                res[(oh * CONFIG_T::out_width + ow) * CONFIG_T::n_filt + f] = out[f];
            }
        }
    }
}

// io_parallel, latency strategy: parallelization_factor pixels every reuse_factor cycles.
template <class data_T, class res_T, typename CONFIG_T>
void conv_2d_latency(const data_T data[CONFIG_T::in_height * CONFIG_T::in_width * CONFIG_T::n_chan],
                     res_T res[CONFIG_T::out_height * CONFIG_T::out_width * CONFIG_T::n_filt],
                     const typename CONFIG_T::kernel_t kernel[conv_dense_config<CONFIG_T>::n_in * CONFIG_T::n_filt],
                     const typename CONFIG_T::bias_t bias[CONFIG_T::n_filt]) {
    // UG1399 "pragma HLS inline": inlining dissolves a function's pragmas; keep these.
#pragma HLS INLINE off
    typedef pixel_steps<CONFIG_T> S;
    static_assert(S::valid, "conv_2d: parallelization_factor must divide out_width, or be a "
                            "multiple of out_width that divides the output pixels");
    // UG1399 "pragma HLS loop_flatten": Rows/Columns is a perfect nest with constant bounds,
    // flattened into one pipeline of row_steps * col_steps steps.
Rows:
    for (unsigned i = 0; i < S::row_steps; i++) {
    Columns:
        for (unsigned j = 0; j < S::col_steps; j++) {
            // UG1399 "pragma HLS pipeline": a step every reuse_factor cycles; its pixels
            // (Lanes) are unrolled below it, each a dense_latency pipelined at the same II.
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
            conv_2d_step<data_T, res_T, CONFIG_T>(data, i * S::rows, j * S::cols, res, kernel,
                                                  bias);
        }
    }
}

// io_parallel, resource strategy: the pixel loop is not pipelined (that would unroll the
// reuse loop of every pixel's dense_resource, UG1399 "function pipelining"); a step takes
// about reuse_factor cycles.
template <class data_T, class res_T, typename CONFIG_T>
void conv_2d_resource(const data_T data[CONFIG_T::in_height * CONFIG_T::in_width * CONFIG_T::n_chan],
                      res_T res[CONFIG_T::out_height * CONFIG_T::out_width * CONFIG_T::n_filt],
                      const typename CONFIG_T::kernel_t kernel[conv_dense_config<CONFIG_T>::n_in * CONFIG_T::n_filt],
                      const typename CONFIG_T::bias_t bias[CONFIG_T::n_filt]) {
#pragma HLS INLINE off
    typedef pixel_steps<CONFIG_T> S;
    static_assert(S::valid, "conv_2d: parallelization_factor must divide out_width, or be a "
                            "multiple of out_width that divides the output pixels");
Rows:
    for (unsigned i = 0; i < S::row_steps; i++) {
    Columns:
        for (unsigned j = 0; j < S::col_steps; j++) {
            conv_2d_step<data_T, res_T, CONFIG_T>(data, i * S::rows, j * S::cols, res, kernel,
                                                  bias);
        }
    }
}

#ifdef FE_CSIM_KERNELS
// csim only: the conv GEMM of compat/fe_conv_kernels.h (included at the end of this file).
namespace csim {
template <class data_T, class CONFIG_T>
struct conv_gemm;
template <class data_T, class res_T, class CONFIG_T>
void conv_2d_gemm(const data_T *data, res_T *res, const typename CONFIG_T::kernel_t *kernel,
                  const typename CONFIG_T::bias_t *bias);
template <class data_T, class res_T, class CONFIG_T, class F>
void stream_image(stream<data_T> &data, stream<res_T> &res, unsigned in_pixels,
                  unsigned out_pixels, F image_op);
}  // namespace csim
#endif

// io_parallel: the whole image in, the whole output image out (both channels-last).
template <class data_T, class res_T, typename CONFIG_T>
void conv_2d(const data_T data[CONFIG_T::in_height * CONFIG_T::in_width * CONFIG_T::n_chan],
             res_T res[CONFIG_T::out_height * CONFIG_T::out_width * CONFIG_T::n_filt],
             const typename CONFIG_T::kernel_t kernel[conv_dense_config<CONFIG_T>::n_in * CONFIG_T::n_filt],
             const typename CONFIG_T::bias_t bias[CONFIG_T::n_filt]) {
#pragma HLS INLINE
#ifdef FE_CSIM_KERNELS
    if constexpr (csim::conv_gemm<data_T, CONFIG_T>::value) {
        csim::conv_2d_gemm<data_T, res_T, CONFIG_T>(data, res, kernel, bias);
        return;
    }
#endif
    if (CONFIG_T::strategy == resource) {
        conv_2d_resource<data_T, res_T, CONFIG_T>(data, res, kernel, bias);
    } else {
        conv_2d_latency<data_T, res_T, CONFIG_T>(data, res, kernel, bias);
    }
}

// io_stream: one packet of n_chan values per input pixel and of n_filt values per output
// pixel, both in raster order; the window is a shift register fed by line buffers (see
// "streaming windows" above), one input position per II = reuse_factor.
template <class data_T, class res_T, typename CONFIG_T>
void conv_2d_stream(stream<data_T> &data, stream<res_T> &res,
                    const typename CONFIG_T::kernel_t kernel[conv_dense_config<CONFIG_T>::n_in * CONFIG_T::n_filt],
                    const typename CONFIG_T::bias_t bias[CONFIG_T::n_filt]) {
    typedef typename data_T::value_type in_t;
    typedef typename res_T::value_type out_t;
    static_assert(data_T::size == CONFIG_T::n_chan && res_T::size == CONFIG_T::n_filt,
                  "conv_2d_stream: packets must hold one pixel");
    const unsigned N = patch_size<CONFIG_T>::value;
#if defined(FE_CSIM_KERNELS) && !defined(FPGA_EXPORT_DATAFLOW_SIM)
    if constexpr (csim::conv_gemm<in_t, CONFIG_T>::value) {
        csim::stream_image<data_T, res_T, CONFIG_T>(
            data, res, CONFIG_T::in_height * CONFIG_T::in_width,
            CONFIG_T::out_height * CONFIG_T::out_width, [&](const in_t *in, out_t *out) {
                csim::conv_2d_gemm<in_t, out_t, CONFIG_T>(in, out, kernel, bias);
            });
        return;
    }
#endif
    if (is_pointwise<CONFIG_T>::value) {
        for (unsigned i = 0; i < CONFIG_T::out_height * CONFIG_T::out_width; i++) {
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
            const data_T in_packet = data.read();
            in_t in[N];
            for (unsigned c = 0; c < N; c++) {
#pragma HLS UNROLL
                in[c] = in_packet[c];
            }
            out_t out[CONFIG_T::n_filt];
            conv_pixel<in_t, out_t, CONFIG_T>(in, out, kernel, bias);
            res_T packet;
            for (unsigned f = 0; f < CONFIG_T::n_filt; f++) {
#pragma HLS UNROLL
                packet[f] = out[f];
            }
            res.write(packet);
        }
        return;
    }
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
                out_t out[CONFIG_T::n_filt];
                conv_pixel<in_t, out_t, CONFIG_T>(patch, out, kernel, bias);
                res_T packet;
                for (unsigned f = 0; f < CONFIG_T::n_filt; f++) {
                    packet[f] = out[f];
                }
                res.write(packet);
            }
            col.step(CONFIG_T::stride_width);
        }
        row.step(CONFIG_T::stride_height);
    }
}

}  // namespace nnet

// csim-only kernels (nnet/common.h): in compat/, which only csim builds with our compat types
// put on the include path.
#ifdef FE_CSIM_KERNELS
#include "fe_conv_kernels.h"
#endif

#endif

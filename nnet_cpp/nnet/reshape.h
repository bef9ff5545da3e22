// Layout layers (pure data movement), channels-last, 1-D ops as 2-D ops of height 1:
// zero padding, cropping, nearest-neighbour upsampling, reshape and permute.
//
// Arithmetic (identical to fpga_export/layers/reshape.py): every output value is one input
// value (or a padding zero) converted to res_T: res = res_T(x). Nothing is computed.
//
// io_stream: one packet per pixel in raster order (nnet::array<T, last dim>). Padding,
// cropping and upsampling stream pixel by pixel (upsampling keeps one input row);
// reshape repacks values into packets of the new last dim without buffering the tensor;
// permute needs the whole tensor before its first output, so it buffers all of it.
#ifndef NNET_RESHAPE_H_
#define NNET_RESHAPE_H_

#include "nnet/common.h"

namespace nnet {

struct zeropad_config {
    static const unsigned in_height = 1;
    static const unsigned in_width = 10;
    static const unsigned n_chan = 1;
    static const unsigned pad_top = 0;
    static const unsigned pad_bottom = 0;
    static const unsigned pad_left = 1;
    static const unsigned pad_right = 1;
    static const unsigned out_height = 1;
    static const unsigned out_width = 12;
};

struct crop_config {
    static const unsigned in_height = 1;
    static const unsigned in_width = 10;
    static const unsigned n_chan = 1;
    static const unsigned crop_top = 0;
    static const unsigned crop_bottom = 0;
    static const unsigned crop_left = 1;
    static const unsigned crop_right = 1;
    static const unsigned out_height = 1;
    static const unsigned out_width = 8;
};

struct upsample_config {
    static const unsigned in_height = 1;
    static const unsigned in_width = 10;
    static const unsigned n_chan = 1;
    static const unsigned height_factor = 1;
    static const unsigned width_factor = 2;
    static const unsigned out_height = 1;
    static const unsigned out_width = 20;
};

struct reshape_config {
    static const unsigned n_elem = 10;  // values per sample (unchanged by a reshape)
};

// Permute of a (padded to) 3-D array: output (d0, d1, d2) reads input flat index
// o0 * stride0 + o1 * stride1 + o2 * stride2 (stride_j: input stride of the input axis
// that becomes output axis j).
struct permute_config {
    static const unsigned out_dim0 = 1;
    static const unsigned out_dim1 = 2;
    static const unsigned out_dim2 = 5;
    static const unsigned stride0 = 10;
    static const unsigned stride1 = 1;
    static const unsigned stride2 = 2;
};

// ---------------------------------------------------------------- zero padding
template <class data_T, class res_T, typename CONFIG_T>
void zeropad_2d(const data_T data[CONFIG_T::in_height * CONFIG_T::in_width * CONFIG_T::n_chan],
                res_T res[CONFIG_T::out_height * CONFIG_T::out_width * CONFIG_T::n_chan]) {
    for (unsigned oh = 0; oh < CONFIG_T::out_height; oh++) {
        for (unsigned ow = 0; ow < CONFIG_T::out_width; ow++) {
#pragma HLS UNROLL
            const bool inside = oh >= CONFIG_T::pad_top && oh < CONFIG_T::pad_top + CONFIG_T::in_height &&
                                ow >= CONFIG_T::pad_left && ow < CONFIG_T::pad_left + CONFIG_T::in_width;
            const unsigned o = (oh * CONFIG_T::out_width + ow) * CONFIG_T::n_chan;
            const unsigned i =
                ((oh - CONFIG_T::pad_top) * CONFIG_T::in_width + (ow - CONFIG_T::pad_left)) * CONFIG_T::n_chan;
            for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
                res[o + c] = inside ? (res_T)data[i + c] : (res_T)0;
            }
        }
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void zeropad_2d_stream(stream<data_T> &data, stream<res_T> &res) {
    typedef typename res_T::value_type out_t;
    static_assert(data_T::size == CONFIG_T::n_chan && res_T::size == CONFIG_T::n_chan,
                  "zeropad_2d_stream: packets must hold one pixel");
    for (unsigned oh = 0; oh < CONFIG_T::out_height; oh++) {
        for (unsigned ow = 0; ow < CONFIG_T::out_width; ow++) {
#pragma HLS PIPELINE
            const bool inside = oh >= CONFIG_T::pad_top && oh < CONFIG_T::pad_top + CONFIG_T::in_height &&
                                ow >= CONFIG_T::pad_left && ow < CONFIG_T::pad_left + CONFIG_T::in_width;
            res_T packet;
            if (inside) {
                const data_T in = data.read();
                for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
                    packet[c] = (out_t)in[c];
                }
            } else {
                for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
                    packet[c] = (out_t)0;
                }
            }
            res.write(packet);
        }
    }
}

// ---------------------------------------------------------------- cropping
template <class data_T, class res_T, typename CONFIG_T>
void crop_2d(const data_T data[CONFIG_T::in_height * CONFIG_T::in_width * CONFIG_T::n_chan],
             res_T res[CONFIG_T::out_height * CONFIG_T::out_width * CONFIG_T::n_chan]) {
    for (unsigned oh = 0; oh < CONFIG_T::out_height; oh++) {
        for (unsigned ow = 0; ow < CONFIG_T::out_width; ow++) {
#pragma HLS UNROLL
            const unsigned o = (oh * CONFIG_T::out_width + ow) * CONFIG_T::n_chan;
            const unsigned i =
                ((oh + CONFIG_T::crop_top) * CONFIG_T::in_width + (ow + CONFIG_T::crop_left)) * CONFIG_T::n_chan;
            for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
                res[o + c] = (res_T)data[i + c];
            }
        }
    }
}

template <class data_T, class res_T, typename CONFIG_T>
void crop_2d_stream(stream<data_T> &data, stream<res_T> &res) {
    typedef typename res_T::value_type out_t;
    static_assert(data_T::size == CONFIG_T::n_chan && res_T::size == CONFIG_T::n_chan,
                  "crop_2d_stream: packets must hold one pixel");
    for (unsigned ih = 0; ih < CONFIG_T::in_height; ih++) {
        for (unsigned iw = 0; iw < CONFIG_T::in_width; iw++) {
#pragma HLS PIPELINE
            const data_T in = data.read();  // every input pixel is read; kept ones are written
            if (ih >= CONFIG_T::crop_top && ih < CONFIG_T::crop_top + CONFIG_T::out_height &&
                iw >= CONFIG_T::crop_left && iw < CONFIG_T::crop_left + CONFIG_T::out_width) {
                res_T packet;
                for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
                    packet[c] = (out_t)in[c];
                }
                res.write(packet);
            }
        }
    }
}

// ---------------------------------------------------------------- upsampling (nearest)
template <class data_T, class res_T, typename CONFIG_T>
void upsample_2d(const data_T data[CONFIG_T::in_height * CONFIG_T::in_width * CONFIG_T::n_chan],
                 res_T res[CONFIG_T::out_height * CONFIG_T::out_width * CONFIG_T::n_chan]) {
    for (unsigned oh = 0; oh < CONFIG_T::out_height; oh++) {
        for (unsigned ow = 0; ow < CONFIG_T::out_width; ow++) {
#pragma HLS UNROLL
            const unsigned o = (oh * CONFIG_T::out_width + ow) * CONFIG_T::n_chan;
            const unsigned i = ((oh / CONFIG_T::height_factor) * CONFIG_T::in_width + ow / CONFIG_T::width_factor) *
                               CONFIG_T::n_chan;
            for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
                res[o + c] = (res_T)data[i + c];
            }
        }
    }
}

// io_stream: one input row is kept and written height_factor times.
template <class data_T, class res_T, typename CONFIG_T>
void upsample_2d_stream(stream<data_T> &data, stream<res_T> &res) {
    typedef typename res_T::value_type out_t;
    static_assert(data_T::size == CONFIG_T::n_chan && res_T::size == CONFIG_T::n_chan,
                  "upsample_2d_stream: packets must hold one pixel");
    out_t row[CONFIG_T::in_width * CONFIG_T::n_chan];
    for (unsigned ih = 0; ih < CONFIG_T::in_height; ih++) {
        for (unsigned iw = 0; iw < CONFIG_T::in_width; iw++) {
#pragma HLS PIPELINE
            const data_T in = data.read();
            for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
                row[iw * CONFIG_T::n_chan + c] = (out_t)in[c];
            }
        }
        for (unsigned r = 0; r < CONFIG_T::height_factor; r++) {
            for (unsigned ow = 0; ow < CONFIG_T::out_width; ow++) {
#pragma HLS PIPELINE
                const unsigned iw = ow / CONFIG_T::width_factor;
                res_T packet;
                for (unsigned c = 0; c < CONFIG_T::n_chan; c++) {
#pragma HLS UNROLL
                    packet[c] = row[iw * CONFIG_T::n_chan + c];
                }
                res.write(packet);
            }
        }
    }
}

// ---------------------------------------------------------------- reshape
// The flat (row-major, channels-last) value order does not change.
template <class data_T, class res_T, typename CONFIG_T>
void reshape(const data_T data[CONFIG_T::n_elem], res_T res[CONFIG_T::n_elem]) {
    // UG1399 "pragma HLS inline": not inlined, a process of its own in a DATAFLOW top
#pragma HLS INLINE off
    for (unsigned i = 0; i < CONFIG_T::n_elem; i++) {
#pragma HLS UNROLL
        res[i] = (res_T)data[i];
    }
}

// io_stream: values are repacked from packets of the old last dim into packets of the new
// last dim, in order; at most one input and one output packet are held (no tensor buffer).
template <class data_T, class res_T, typename CONFIG_T>
void reshape_stream(stream<data_T> &data, stream<res_T> &res) {
    typedef typename res_T::value_type out_t;
    const unsigned A = data_T::size, B = res_T::size;
    static_assert(CONFIG_T::n_elem % A == 0 && CONFIG_T::n_elem % B == 0,
                  "reshape_stream: packet sizes must divide the tensor");
    if (A == B) {  // same packets (e.g. a Flatten feeding a Dense): one packet per clock
    Packets:
        for (unsigned p = 0; p < CONFIG_T::n_elem / A; p++) {
#pragma HLS PIPELINE II=1
            const data_T in = data.read();
            res_T out;
            for (unsigned c = 0; c < B; c++) {
                out[c] = (out_t)in[c];
            }
            res.write(out);
        }
        return;
    }
    data_T in;
    res_T out;
Values:
    for (unsigned i = 0; i < CONFIG_T::n_elem; i++) {
#pragma HLS PIPELINE
        if (i % A == 0) in = data.read();
        out[i % B] = (out_t)in[i % A];
        if (i % B == B - 1) res.write(out);
    }
}

// ---------------------------------------------------------------- permute
template <class data_T, class res_T, typename CONFIG_T>
void permute(const data_T data[CONFIG_T::out_dim0 * CONFIG_T::out_dim1 * CONFIG_T::out_dim2],
             res_T res[CONFIG_T::out_dim0 * CONFIG_T::out_dim1 * CONFIG_T::out_dim2]) {
    for (unsigned o0 = 0; o0 < CONFIG_T::out_dim0; o0++) {
        for (unsigned o1 = 0; o1 < CONFIG_T::out_dim1; o1++) {
            for (unsigned o2 = 0; o2 < CONFIG_T::out_dim2; o2++) {
#pragma HLS UNROLL
                res[(o0 * CONFIG_T::out_dim1 + o1) * CONFIG_T::out_dim2 + o2] =
                    (res_T)data[o0 * CONFIG_T::stride0 + o1 * CONFIG_T::stride1 + o2 * CONFIG_T::stride2];
            }
        }
    }
}

// io_stream: the first output value may depend on the last input value, so the whole
// tensor is buffered before the permuted packets are written.
template <class data_T, class res_T, typename CONFIG_T>
void permute_stream(stream<data_T> &data, stream<res_T> &res) {
    typedef typename data_T::value_type in_t;
    typedef typename res_T::value_type out_t;
    const unsigned N = CONFIG_T::out_dim0 * CONFIG_T::out_dim1 * CONFIG_T::out_dim2;
    const unsigned A = data_T::size, B = res_T::size;
    static_assert(N % A == 0 && B == CONFIG_T::out_dim2, "permute_stream: packet sizes");
    in_t buffer[N];
    for (unsigned p = 0; p < N / A; p++) {
#pragma HLS PIPELINE
        const data_T in = data.read();
        for (unsigned c = 0; c < A; c++) {
#pragma HLS UNROLL
            buffer[p * A + c] = in[c];
        }
    }
    for (unsigned o0 = 0; o0 < CONFIG_T::out_dim0; o0++) {
        for (unsigned o1 = 0; o1 < CONFIG_T::out_dim1; o1++) {
#pragma HLS PIPELINE
            res_T packet;
            for (unsigned o2 = 0; o2 < CONFIG_T::out_dim2; o2++) {
#pragma HLS UNROLL
                packet[o2] = (out_t)buffer[o0 * CONFIG_T::stride0 + o1 * CONFIG_T::stride1 + o2 * CONFIG_T::stride2];
            }
            res.write(packet);
        }
    }
}

}  // namespace nnet

#endif

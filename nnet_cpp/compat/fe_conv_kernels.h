// fpga-export, csim only: the convolution kernel of nnet/conv.h (FE_CSIM_KERNELS, see
// nnet/common.h), included at the end of nnet/conv.h. It lives with our compat headers, which
// only csim builds put on the include path; synthesis and vendor type headers never see it.
//
// A convolution without groups whose accumulator wraps (the condition of dense_wrapping,
// nnet/dense.h) runs as one integer GEMM over the image's patches: blocks of output pixels,
// their patches gathered as raw integers (zeros at padding, as gather_window), each weight row
// loaded once per block. Every pixel's sum is dense_wrapping's: accum(bias) + the terms
// accum(x * w) modulo 2^lane_bits, wrapped once, so it equals the firmware's per-pixel dense
// (tests/csim/test_conv_kernels.py builds both).
// mulhi: with 16-bit signed operands, 16-bit lanes and AP_TRN with 0 < d < 16 (raw_term's
// halves), accum(x * w) = floor(x * w / 2^d) is the high half of x * (w << (16 - d)) when
// w << (16 - d) fits 16 bits (|w| < 2^(d-1) raw, the usual trained weight; checked when the
// kernel changes): one SIMD multiply per 16 (AVX2) or 32 (AVX-512) products; larger weights
// take raw_term's halves in SIMD (two multiplies, two shifts, an or); other types and the
// portable build without AVX2 take a plain C++ GEMM of raw_term's terms.
#ifndef FPGA_EXPORT_FE_CONV_KERNELS_H
#define FPGA_EXPORT_FE_CONV_KERNELS_H

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "nnet/conv.h"

namespace nnet {
namespace csim {
template <class data_T, class CONFIG_T>
struct conv_gemm {
    typedef typename CONFIG_T::accum_t accum_t;
    typedef typename CONFIG_T::kernel_t kernel_t;
    typedef wrapping_accum<accum_t> A;
    struct no_term {  // raw_term needs a wrapping accumulator
        static const bool ok = false, halves = false;
        static const int d = 0;
    };
    typedef typename std::conditional<A::value, raw_term<data_T, kernel_t, accum_t>,
                                      no_term>::type term;
    static const bool value = CONFIG_T::n_groups == 1 && A::value && term::ok;
    static const unsigned N = patch_size<CONFIG_T>::value;
    static const unsigned F = CONFIG_T::n_filt;
    static const unsigned pixels = CONFIG_T::out_height * CONFIG_T::out_width;
};

// n raw values from src to dst as X: a copy of the storage when it has X's size (the raw
// value sign- or zero-extended to the native width, compat/ap_fixed.h).
template <unsigned n, class X, class data_T>
inline void copy_raw(const data_T *src, X *dst) {
    if constexpr (sizeof(data_T) == sizeof(X)) {
        std::memcpy(dst, src, n * sizeof(X));
    } else {
        for (unsigned i = 0; i < n; i++) dst[i] = X(src[i].raw());
    }
}

// The raw patches of output pixels p0 .. p0 + B - 1 (past the last pixel: zeros) as X; a
// row of taps inside the image without dilation is one contiguous copy.
template <unsigned B, class X, class data_T, class CONFIG_T>
void gather_patches(const data_T *data, unsigned p0, X *patch) {
    typedef conv_gemm<data_T, CONFIG_T> G;
    const unsigned C = CONFIG_T::n_chan, KW = CONFIG_T::filt_width;
    for (unsigned b = 0; b < B; b++) {
        X *dst = patch + b * G::N;
        const unsigned p = p0 + b;
        if (p >= G::pixels) {
            std::memset(dst, 0, G::N * sizeof(X));
            continue;
        }
        const unsigned oh = p / CONFIG_T::out_width, ow = p % CONFIG_T::out_width;
        const int q0 = int(ow * CONFIG_T::stride_width) - int(CONFIG_T::pad_left);
        const bool whole_row = CONFIG_T::dilation_width == 1 && q0 >= 0 &&
                               q0 + int(KW) <= int(CONFIG_T::in_width);
        for (unsigned kh = 0; kh < CONFIG_T::filt_height; kh++) {
            const int r = int(oh * CONFIG_T::stride_height + kh * CONFIG_T::dilation_height) -
                          int(CONFIG_T::pad_top);
            X *row = dst + kh * KW * C;
            if (r < 0 || r >= int(CONFIG_T::in_height)) {
                std::memset(row, 0, KW * C * sizeof(X));
                continue;
            }
            const data_T *src = data + unsigned(r) * CONFIG_T::in_width * C;
            if (whole_row) {
                copy_raw<KW * C>(src + unsigned(q0) * C, row);
                continue;
            }
            for (unsigned kw = 0; kw < KW; kw++) {
                const int q = q0 + int(kw * CONFIG_T::dilation_width);
                if (q >= 0 && q < int(CONFIG_T::in_width)) {
                    copy_raw<C>(src + unsigned(q) * C, row + kw * C);
                } else {
                    std::memset(row + kw * C, 0, C * sizeof(X));
                }
            }
        }
    }
}

// res[p * F + f] from the wrapped lanes of pixel p (dense_wrapping's finish).
template <class res_T, class CONFIG_T, class L>
inline void finish_pixel(const L *lanes, res_T *res) {
    typedef typename CONFIG_T::accum_t accum_t;
    typedef typename wrapping_accum<accum_t>::lane_fixed lane_fixed;
    for (unsigned f = 0; f < CONFIG_T::n_filt; f++) {
        lane_fixed sum;
        sum.set_raw(typename lane_fixed::raw_type(lanes[f]));
        res[f] = (res_T)(accum_t)sum;
    }
}

// The general GEMM: w, the kernel's raw values K; X, the patches' operand type; MULHI: w is
// shifted (see above) and a term is the high half of the 16x16-bit product.
template <bool MULHI, class X, class K, class data_T, class res_T, class CONFIG_T>
FE_CSIM_HOT void conv_gemm_run(const data_T *data, res_T *res, const K *w,
                               const typename CONFIG_T::bias_t *bias) {
    typedef conv_gemm<data_T, CONFIG_T> G;
    typedef typename G::A::lane_t lane_t;
    const unsigned N = G::N, F = G::F, B = 4;
    lane_t init[F];
    for (unsigned f = 0; f < F; f++) init[f] = lane_t(((typename G::accum_t)bias[f]).raw());
    X patch[B * N];
    for (unsigned p0 = 0; p0 < G::pixels; p0 += B) {
        gather_patches<B, X, data_T, CONFIG_T>(data, p0, patch);
        lane_t acc[B][F];
        for (unsigned b = 0; b < B; b++) {
            for (unsigned f = 0; f < F; f++) acc[b][f] = init[f];
        }
        for (unsigned i = 0; i < N; i++) {
            const K *row = w + i * F;
            for (unsigned b = 0; b < B; b++) {
                const X x = patch[b * N + i];
                for (unsigned f = 0; f < F; f++) {
                    if constexpr (MULHI) {
                        acc[b][f] += lane_t(int16_t((int32_t(x) * int32_t(row[f])) >> 16));
                    } else {
                        acc[b][f] += G::term::of(x, row[f]);
                    }
                }
            }
        }
        for (unsigned b = 0; b < B && p0 + b < G::pixels; b++) {
            finish_pixel<res_T, CONFIG_T>(acc[b], res + (p0 + b) * F);
        }
    }
}

#if defined(__AVX2__)
// SIMD lanes of 16-bit integers for the GEMM of 16-bit operands: 16 (AVX2) and 32
// (AVX-512BW). term<0>: the high half of x * w (w shifted, see above); term<D> (0 < D < 16,
// raw w): bits D .. D + 15 of the 32-bit product from its two halves, raw_term's halves.
struct lanes16 {
    typedef __m256i v;
    static const unsigned n = 16;
    static v load(const int16_t *p) { return _mm256_loadu_si256((const __m256i *)p); }
    static void store(int16_t *p, v x) { _mm256_storeu_si256((__m256i *)p, x); }
    template <int D>
    static v term(v x, v w) {
        const v hi = _mm256_mulhi_epi16(x, w);
        if constexpr (D == 0) return hi;
        else return _mm256_or_si256(_mm256_slli_epi16(hi, 16 - D),
                                    _mm256_srli_epi16(_mm256_mullo_epi16(x, w), D));
    }
    template <int D>
    static v mac(v acc, int16_t x, v w) {
        return _mm256_add_epi16(acc, term<D>(_mm256_set1_epi16(x), w));
    }
};
#if defined(__AVX512BW__)
struct lanes32 {
    typedef __m512i v;
    static const unsigned n = 32;
    static v load(const int16_t *p) { return _mm512_loadu_si512(p); }
    static void store(int16_t *p, v x) { _mm512_storeu_si512(p, x); }
    template <int D>
    static v term(v x, v w) {
        const v hi = _mm512_mulhi_epi16(x, w);
        if constexpr (D == 0) return hi;
        else return _mm512_or_si512(_mm512_slli_epi16(hi, 16 - D),
                                    _mm512_srli_epi16(_mm512_mullo_epi16(x, w), D));
    }
    template <int D>
    static v mac(v acc, int16_t x, v w) {
        return _mm512_add_epi16(acc, term<D>(_mm512_set1_epi16(x), w));
    }
};
typedef lanes32 wide_lanes;
#else
typedef lanes16 wide_lanes;
#endif

// The GEMM of 16-bit operands in SIMD (terms: V::term<D>): w holds N rows of FP = F rounded
// up to whole vectors (zeros past F); a step takes B pixels and one vector of filters,
// accumulators in registers.
template <class V, int D, class data_T, class res_T, class CONFIG_T>
FE_CSIM_HOT void conv_gemm_simd(const data_T *data, res_T *res, const int16_t *w,
                                const typename CONFIG_T::bias_t *bias) {
    typedef conv_gemm<data_T, CONFIG_T> G;
    const unsigned N = G::N, F = G::F, B = 8;
    const unsigned FP = (F + V::n - 1) / V::n * V::n;
    alignas(64) int16_t init[FP] = {};
    for (unsigned f = 0; f < F; f++) init[f] = int16_t(((typename G::accum_t)bias[f]).raw());
    int16_t patch[B * N];
    alignas(64) int16_t out[B][FP];
    for (unsigned p0 = 0; p0 < G::pixels; p0 += B) {
        gather_patches<B, int16_t, data_T, CONFIG_T>(data, p0, patch);
        for (unsigned c = 0; c < FP; c += V::n) {
            typename V::v acc[B];
            for (unsigned b = 0; b < B; b++) acc[b] = V::load(init + c);
            for (unsigned i = 0; i < N; i++) {
                const typename V::v wv = V::load(w + i * FP + c);
#pragma GCC unroll 8
                for (unsigned b = 0; b < B; b++) {
                    acc[b] = V::template mac<D>(acc[b], patch[b * N + i], wv);
                }
            }
            for (unsigned b = 0; b < B; b++) V::store(out[b] + c, acc[b]);
        }
        for (unsigned b = 0; b < B && p0 + b < G::pixels; b++) {
            finish_pixel<res_T, CONFIG_T>(out[b], res + (p0 + b) * F);
        }
    }
}

#if defined(__AVX512BW__)
// Up to 16 filters on AVX-512: two pixels share a vector, lane 2f + h holding filter f of
// pixel h of the pair; w holds every weight twice (w[i * 32 + 2f + h]) and a pair's patch
// values are interleaved into 32-bit words, so one broadcast feeds both pixels.
template <int D, class data_T, class res_T, class CONFIG_T>
FE_CSIM_HOT void conv_gemm_pairs(const data_T *data, res_T *res, const int16_t *w,
                                 const typename CONFIG_T::bias_t *bias) {
    typedef conv_gemm<data_T, CONFIG_T> G;
    const unsigned N = G::N, F = G::F, B = 16, P = B / 2;
    static_assert(F <= 16, "conv_gemm_pairs: two pixels of up to 16 filters per vector");
    alignas(64) int16_t init[32] = {};
    for (unsigned f = 0; f < F; f++) {
        init[2 * f] = init[2 * f + 1] = int16_t(((typename G::accum_t)bias[f]).raw());
    }
    int16_t patch[B * N];
    uint32_t pair[P * N];
    alignas(64) int16_t out[32];
    int16_t lanes[F];
    for (unsigned p0 = 0; p0 < G::pixels; p0 += B) {
        gather_patches<B, int16_t, data_T, CONFIG_T>(data, p0, patch);
        for (unsigned j = 0; j < P; j++) {
            const int16_t *lo = patch + 2 * j * N, *hi = lo + N;
            for (unsigned i = 0; i < N; i++) {
                pair[j * N + i] = uint32_t(uint16_t(lo[i])) | (uint32_t(uint16_t(hi[i])) << 16);
            }
        }
        __m512i acc[P];
        for (unsigned j = 0; j < P; j++) acc[j] = _mm512_load_si512(init);
        for (unsigned i = 0; i < N; i++) {
            const __m512i wv = _mm512_loadu_si512(w + i * 32);
#pragma GCC unroll 8
            for (unsigned j = 0; j < P; j++) {
                const __m512i x = _mm512_set1_epi32(int32_t(pair[j * N + i]));
                acc[j] = _mm512_add_epi16(acc[j], lanes32::term<D>(x, wv));
            }
        }
        for (unsigned j = 0; j < P; j++) {
            _mm512_store_si512(out, acc[j]);
            for (unsigned h = 0; h < 2; h++) {
                const unsigned p = p0 + 2 * j + h;
                if (p >= G::pixels) break;
                for (unsigned f = 0; f < F; f++) lanes[f] = out[2 * f + h];
                finish_pixel<res_T, CONFIG_T>(lanes, res + p * F);
            }
        }
    }
}
#endif
#endif

// A kernel as GEMM operands, made again only when the kernel's bytes change (weights pushed
// between predictions): one per thread and layer.
template <class K>
struct gemm_operands {
    std::vector<unsigned char> source;  // the kernel's bytes they were made from
    std::vector<K> w;
    bool fits = false;  // mulhi: every shifted weight fits 16 bits
    template <class T>
    bool made_from(const T *kernel, unsigned n) {
        const unsigned char *bytes = reinterpret_cast<const unsigned char *>(kernel);
        if (source.size() == n * sizeof(T) && std::memcmp(source.data(), bytes, source.size()) == 0)
            return true;
        source.assign(bytes, bytes + n * sizeof(T));
        return false;
    }
};

// The operands of layer CONFIG_T on this thread. Internal linkage on purpose: a static local
// of a template with external linkage is one object per process (STB_GNU_UNIQUE), shared by
// every csim library loaded, even with RTLD_LOCAL; libraries built for another CPU (operand
// layout) or with the same layer names but other types must not see each other's operands.
namespace {
template <class CONFIG_T, class K, int WHICH>
gemm_operands<K> &operands_of() {
    thread_local gemm_operands<K> op;
    return op;
}
// A scratch array of layer CONFIG_T on this thread (same reason).
template <class CONFIG_T, class T, int WHICH>
std::vector<T> &scratch() {
    thread_local std::vector<T> v;
    return v;
}
}  // namespace

template <class data_T, class res_T, class CONFIG_T>
void conv_2d_gemm(const data_T *data, res_T *res, const typename CONFIG_T::kernel_t *kernel,
                  const typename CONFIG_T::bias_t *bias) {
    typedef conv_gemm<data_T, CONFIG_T> G;
    const unsigned N = G::N, F = G::F;
    if constexpr (G::term::halves) {
#if defined(__AVX512BW__)
        const bool pairs = F <= 16;  // conv_gemm_pairs: every weight twice in 32 lanes
#else
        const bool pairs = false;
#endif
#if defined(__AVX2__)
        typedef typename std::conditional<(F <= 16), lanes16, wide_lanes>::type V;
        const unsigned FP = pairs ? 32 : (F + V::n - 1) / V::n * V::n;
#else
        const unsigned FP = F;
#endif
        const int d = G::term::d;
        gemm_operands<int16_t> &op = operands_of<CONFIG_T, int16_t, 0>();  // 16-bit terms
        if (!op.made_from(kernel, N * F)) {
            // shifted (w << (16 - d)) where every weight fits 16 bits so, else raw
            op.fits = true;
            for (unsigned k = 0; k < N * F; k++) {
                const int32_t v = int32_t(kernel[k].raw()) * (int32_t(1) << (16 - d));
                op.fits &= v >= -32768 && v < 32768;
            }
            op.w.assign(N * FP, 0);
            for (unsigned i = 0; i < N; i++) {
                for (unsigned f = 0; f < F; f++) {
                    const int16_t raw = int16_t(kernel[i * F + f].raw());
                    const int16_t v = op.fits ? int16_t(int32_t(raw) * (1 << (16 - d))) : raw;
                    if (pairs) {
                        op.w[i * FP + 2 * f] = op.w[i * FP + 2 * f + 1] = v;
                    } else {
                        op.w[i * FP + f] = v;
                    }
                }
            }
        }
#if defined(__AVX512BW__)
        if constexpr (F <= 16) {
            if (op.fits) conv_gemm_pairs<0, data_T, res_T, CONFIG_T>(data, res, op.w.data(), bias);
            else conv_gemm_pairs<d, data_T, res_T, CONFIG_T>(data, res, op.w.data(), bias);
            return;
        }
#endif
#if defined(__AVX2__)
        if (op.fits) conv_gemm_simd<V, 0, data_T, res_T, CONFIG_T>(data, res, op.w.data(), bias);
        else conv_gemm_simd<V, d, data_T, res_T, CONFIG_T>(data, res, op.w.data(), bias);
        return;
#else
        if (op.fits) {
            conv_gemm_run<true, int16_t, int16_t, data_T, res_T, CONFIG_T>(data, res,
                                                                           op.w.data(), bias);
            return;
        }
#endif
    }
    typedef typename CONFIG_T::kernel_t::raw_type K;
    gemm_operands<K> &op = operands_of<CONFIG_T, K, 1>();  // raw_term's terms
    if (!op.made_from(kernel, N * F)) {
        op.w.resize(N * F);
        for (unsigned k = 0; k < N * F; k++) op.w[k] = kernel[k].raw();
    }
    conv_gemm_run<false, typename data_T::raw_type, K, data_T, res_T, CONFIG_T>(data, res,
                                                                            op.w.data(), bias);
}

// io_stream through the io_parallel kernel: the image's packets into an array, the GEMM, the
// output pixels out in raster order (the values and order of conv_2d_stream). Not in the
// dataflow simulation, whose bounded FIFOs need the firmware's pixel-by-pixel timing.
#ifndef FPGA_EXPORT_DATAFLOW_SIM
template <class data_T, class res_T, class CONFIG_T, class F>
void stream_image(stream<data_T> &data, stream<res_T> &res, unsigned in_pixels,
                  unsigned out_pixels, F image_op) {
    typedef typename data_T::value_type in_t;
    typedef typename res_T::value_type out_t;
    const unsigned C = data_T::size, R = res_T::size;
    std::vector<in_t> &in_buffer = scratch<CONFIG_T, in_t, 0>();
    std::vector<out_t> &out_buffer = scratch<CONFIG_T, out_t, 1>();
    in_buffer.resize(in_pixels * C);
    out_buffer.resize(out_pixels * R);
    in_t *in = in_buffer.data();
    out_t *out = out_buffer.data();
    for (unsigned p = 0; p < in_pixels; p++) {
        const data_T packet = data.read();
        std::copy(packet.data, packet.data + C, in + std::size_t(p) * C);
    }
    image_op(in, out);
    for (unsigned p = 0; p < out_pixels; p++) {
        res_T packet;
        std::copy(out + std::size_t(p) * R, out + std::size_t(p + 1) * R, packet.data);
        res.write(packet);
    }
}
#endif
}  // namespace csim
}  // namespace nnet

#endif

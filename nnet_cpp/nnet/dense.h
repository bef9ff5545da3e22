// Dense (fully connected) layer: res = kernel^T . data + bias.
//
// Arithmetic (identical to fpga_export/layers/dense.py): each product is formed at full
// precision and converted to accum_t; acc = accum_t(bias[j]); then acc += product for
// i = 0 .. n_in-1 in that order; res = res_T(acc). Both strategies keep this order, so
// saturating accumulators give the same result in either.
//
// Kernel types of at most 2 bits (binary and ternary weights) take a multiplier-free
// product: the weight's bits select shifted and negated copies of the input (same value).
//
// Hardware (io_parallel; pragmas follow the Vitis HLS user guide UG1399, quoted by section):
// latency: one pipelined call every reuse_factor cycles, multipliers capped by ALLOCATION at
// multiplier_limit (ceil(nonzero weights / reuse_factor): a constant zero weight needs no
// multiplier); resource: n_in*n_out/reuse_factor multipliers, each reading one ROM word per
// cycle for reuse_factor cycles.
#ifndef NNET_DENSE_H_
#define NNET_DENSE_H_

#include "nnet/common.h"

#ifdef FE_CSIM_KERNELS
#include <cstring>
#include <type_traits>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#endif

namespace nnet {

struct dense_config {
    // sizes
    static const unsigned n_in = 10;
    static const unsigned n_out = 10;
    // implementation
    static const unsigned strategy = latency;
    static const unsigned reuse_factor = 1;
    // multipliers of one call (ALLOCATION limit); 0: not given, ceil(n_in*n_out/reuse_factor).
    // fpga-export writes ceil(nonzero weights / reuse_factor) (latency) or
    // n_in*n_out/reuse_factor (resource).
    static const unsigned multiplier_limit = 0;
    // types
    typedef fixed<16, 6> accum_t;
    typedef fixed<16, 6> kernel_t;
    typedef fixed<16, 6> bias_t;
};

// The ALLOCATION limit of a dense config: its multiplier_limit, else one multiplier per
// reuse_factor weights.
template <class CONFIG_T>
struct dense_multipliers {
    static const unsigned all =
        (CONFIG_T::n_in * CONFIG_T::n_out + CONFIG_T::reuse_factor - 1) / CONFIG_T::reuse_factor;
    static const unsigned value = CONFIG_T::multiplier_limit ? CONFIG_T::multiplier_limit : all;
};

// Width, integer bits and signedness of a kernel type: nnet::fixed_traits (nnet/types.h;
// W = 0: not fixed-point).

// accum_T(x * w), the product at full precision. General kernel types multiply.
template <class accum_T, class data_T, class kernel_T,
          bool TINY = (fixed_traits<kernel_T>::W >= 1 && fixed_traits<kernel_T>::W <= 2)>
struct product {
    static accum_T of(const data_T &x, const kernel_T &w) {
#pragma HLS INLINE
        return (accum_T)(x * w);
    }
};

// Kernel types of 1 or 2 bits: w = (b1 * (S ? -2 : 2) + b0 * (S && W == 1 ? -1 : 1)) * u with
// u the type's LSB; x * u is wiring (a constant power of two), the rest adds and negates.
template <class accum_T, class data_T, class kernel_T>
struct product<accum_T, data_T, kernel_T, true> {
    static accum_T of(const data_T &x, const kernel_T &w) {
#pragma HLS INLINE
        typedef fixed_traits<kernel_T> K;
        ufixed<1, K::I - K::W + 1> unit = 0;
        set_bits<0, 0>(unit, 1);  // the LSB of kernel_T
        const auto xu = x * unit;
        decltype(x * w) p = 0;
        const bool low_negative = K::S && K::W == 1;
        if (w[0]) {
            if (low_negative) p -= xu;
            else p += xu;
        }
        if (K::W == 2 && w[K::W - 1]) {
            if (K::S) p -= xu + xu;
            else p += xu + xu;
        }
        return (accum_T)p;
    }
};

template <class accum_T, class data_T, class kernel_T>
inline accum_T weighted(const data_T &x, const kernel_T &w) {
#pragma HLS INLINE
    return product<accum_T, data_T, kernel_T>::of(x, w);
}

// Latency: the whole product in one pipelined call; a new input every reuse_factor cycles.
template <class data_T, class res_T, typename CONFIG_T>
void dense_latency(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out],
                   const typename CONFIG_T::kernel_t kernel[CONFIG_T::n_in * CONFIG_T::n_out],
                   const typename CONFIG_T::bias_t bias[CONFIG_T::n_out]) {
    // UG1399 "pragma HLS inline": inlining dissolves a function's pragmas; keep these.
#pragma HLS INLINE off
    // UG1399 "function pipelining": every loop below is unrolled; II = reuse_factor lets each
    // multiplier serve reuse_factor products per call.
#pragma HLS PIPELINE II=CONFIG_T::reuse_factor
    // UG1399 "pragma HLS function_instantiate": one RTL instance per call, optimized for its
    // constant kernel and bias (zero weights need no multiplier).
#pragma HLS FUNCTION_INSTANTIATE variable=kernel
#pragma HLS FUNCTION_INSTANTIATE variable=bias
    // UG1399 "pragma HLS array_partition" complete: every weight is read in each call.
#pragma HLS ARRAY_PARTITION variable=kernel type=complete
#pragma HLS ARRAY_PARTITION variable=bias type=complete
    // UG1399 "pragma HLS allocation": at most multiplier_limit mul operations in this function.
    const unsigned multiplier_limit = dense_multipliers<CONFIG_T>::value;
#pragma HLS ALLOCATION operation instances=mul limit=multiplier_limit
    typename CONFIG_T::accum_t acc[CONFIG_T::n_out];
#pragma HLS ARRAY_PARTITION variable=acc type=complete
Init:
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
#pragma HLS UNROLL
        acc[j] = (typename CONFIG_T::accum_t)bias[j];
    }
Product:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
#pragma HLS UNROLL
            acc[j] += weighted<typename CONFIG_T::accum_t>(data[i], kernel[i * CONFIG_T::n_out + j]);
        }
    }
Result:
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
#pragma HLS UNROLL
        res[j] = (res_T)acc[j];
    }
}

// Resource: block = n_in*n_out/reuse_factor multipliers, each used reuse_factor times. Step r
// handles the flat kernel indices [r*block, (r+1)*block), so every output still adds its
// products in increasing i; the kernel is stored so that these are exactly ROM word r.
template <class data_T, class res_T, typename CONFIG_T>
void dense_resource(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out],
                    const typename CONFIG_T::kernel_t kernel[CONFIG_T::n_in * CONFIG_T::n_out],
                    const typename CONFIG_T::bias_t bias[CONFIG_T::n_out]) {
    // UG1399 "pragma HLS inline": inlining dissolves a function's pragmas; keep these.
#pragma HLS INLINE off
    const unsigned n_weights = CONFIG_T::n_in * CONFIG_T::n_out;
    const unsigned block = n_weights / CONFIG_T::reuse_factor;
    static_assert(n_weights % CONFIG_T::reuse_factor == 0,
                  "dense: reuse_factor must divide n_in * n_out");
    // UG1399 "pragma HLS array_reshape" cyclic: element w goes to word w / factor, so with
    // factor = block step r reads exactly word r (one ROM access per cycle at II=1).
#pragma HLS ARRAY_RESHAPE variable=kernel type=cyclic factor=block
#pragma HLS ARRAY_PARTITION variable=bias type=complete
    // UG1399 "pragma HLS allocation": block multipliers, shared by the reuse_factor steps.
    const unsigned multiplier_limit = dense_multipliers<CONFIG_T>::value;
#pragma HLS ALLOCATION operation instances=mul limit=multiplier_limit
    typename CONFIG_T::accum_t acc[CONFIG_T::n_out];
#pragma HLS ARRAY_PARTITION variable=acc type=complete
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
#pragma HLS UNROLL
        acc[j] = (typename CONFIG_T::accum_t)bias[j];
    }
    // A step of whole kernel rows (reuse_factor divides n_in) reads inputs [row, row + rows)
    // and updates every output at a fixed position k % n_out: no index arithmetic.
    const bool whole_rows = block % CONFIG_T::n_out == 0;
    const unsigned rows = block / CONFIG_T::n_out;
    unsigned row = 0;
Reuse:
    for (unsigned r = 0; r < CONFIG_T::reuse_factor; r++) {
        // UG1399 "pragma HLS pipeline": one step per cycle, so a call takes reuse_factor cycles
        // (no rewind: code before the loop prevents it, UG1448 "Loop Rewind").
#pragma HLS PIPELINE II=1
        for (unsigned k = 0; k < block; k++) {
#pragma HLS UNROLL
            const unsigned w = r * block + k;
            const unsigned i = whole_rows ? row + k / CONFIG_T::n_out : w / CONFIG_T::n_out;
            const unsigned j = whole_rows ? k % CONFIG_T::n_out : w % CONFIG_T::n_out;
            acc[j] += weighted<typename CONFIG_T::accum_t>(data[i], kernel[w]);
        }
        row += rows;
    }
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
#pragma HLS UNROLL
        res[j] = (res_T)acc[j];
    }
}

#ifdef FE_CSIM_KERNELS
// csim only (common.h): a wrapping accumulator (AP_WRAP) keeps its value modulo 2^W, so
// acc = accum(bias) + sum of accum(x * w) taken modulo 2^W in any order, wrapped once at the
// end, equals the step-by-step sums of dense_latency and dense_resource. The sum runs on raw
// integers in the accumulator's storage type (vectorises); each term is accum(x * w) made by
// raw_term where that is a shift (below), else by the firmware's own code (weighted). Other
// accumulators take the firmware path.
namespace csim {
template <class T>
struct wrapping_accum {
    static const bool value = false;
};
template <int W, int I, bool S, ap_q_mode Q, int N>
struct wrapping_accum<ap_fixed_base<W, I, S, Q, AP_WRAP, N> > {
    static const bool value = true;
    typedef ap_detail::uint_t<W> lane_t;  // the raw value's width, unsigned: wraps (no UB)
    static const int lane_bits = 8 * sizeof(lane_t);
    // the lane's bits as a value with the accumulator's fraction bits
    typedef ap_fixed_base<lane_bits, lane_bits - (W - I), true, AP_TRN, AP_WRAP, 0> lane_fixed;
};

// accum(x * w) modulo 2^lane_bits from the raw integers, where no rounding code is needed.
// d = fraction bits of the product minus the accumulator's: d <= 0, the product shifted left
// (exact: any quantization mode); 0 < d < 63 with AP_TRN, floor(product / 2^d), an arithmetic
// shift of the exact int64 product (16-bit signed operands and lanes: from the product's
// 16-bit halves, 32 lanes per AVX-512 multiply). ok = false: other modes, wider operands.
template <class data_T, class kernel_T, class accum_T>
struct raw_term {
    typedef fixed_traits<data_T> X;
    typedef fixed_traits<kernel_T> K;
    typedef wrapping_accum<accum_T> A;
    typedef typename A::lane_t lane_t;
    typedef ap_detail::wuint_t<A::lane_bits> work_t;  // >= 32 bits: no promotion to int
    static const int d = (X::W - X::I) + (K::W - K::I) - (accum_T::width - accum_T::iwidth);
    static const bool floors = accum_T::qmode == AP_TRN && d > 0 && d < 63 && X::W + K::W <= 62;
    static const bool halves = floors && A::lane_bits == 16 && d < 16 && X::S && K::S &&
                               X::W <= 16 && K::W <= 16;
    static const bool ok = X::W > 0 && K::W > 0 && (d <= 0 || floors);
    template <class RX, class RW>
    static lane_t of(RX x, RW w) {
        if constexpr (d <= 0) {
            if constexpr (-d >= A::lane_bits) {
                return 0;  // a multiple of 2^lane_bits
            } else {
                return lane_t((work_t(x) * work_t(w)) << -d);
            }
        } else if constexpr (halves) {
            const uint16_t lo = uint16_t(uint32_t(uint16_t(x)) * uint32_t(uint16_t(w)));
            const int16_t hi = int16_t((int32_t(x) * int32_t(w)) >> 16);
            return lane_t((uint32_t(uint16_t(hi)) << (16 - d)) | (lo >> d));
        } else {
            return lane_t((int64_t(x) * int64_t(w)) >> d);
        }
    }
};

// Vectors for the wrapping kernel (GCC vector extensions: any target, the widest vectors it
// has): VEC_BYTES per vector, `lanes` accumulator lanes of type L.
#if defined(__AVX512BW__)
#define FE_CSIM_VEC_BYTES 64
#elif defined(__AVX2__)
#define FE_CSIM_VEC_BYTES 32
#else
#define FE_CSIM_VEC_BYTES 16
#endif
template <class L, int BYTES = FE_CSIM_VEC_BYTES>
struct vec {
    static const unsigned lanes = BYTES / sizeof(L);
    typedef L type __attribute__((vector_size(BYTES)));
};

// The high 16 bits of the 32-bit products of int16 lanes.
template <class V>
inline V mulhi16(V a, V b) {
#if defined(__AVX512BW__)
    if constexpr (sizeof(V) == 64) return (V)_mm512_mulhi_epi16((__m512i)a, (__m512i)b);
#endif
#if defined(__AVX2__)
    if constexpr (sizeof(V) == 32) return (V)_mm256_mulhi_epi16((__m256i)a, (__m256i)b);
#endif
#if defined(__SSE2__)
    if constexpr (sizeof(V) == 16) return (V)_mm_mulhi_epi16((__m128i)a, (__m128i)b);
#endif
    typedef typename vec<int32_t, 2 * sizeof(V)>::type wide;
    return __builtin_convertvector(
        (__builtin_convertvector(a, wide) * __builtin_convertvector(b, wide)) >> 16, V);
}

// (hi << (16 - D)) | (lo >> D) on uint16 lanes, 0 < D < 16: bits D .. D + 15 of hi:lo (one
// funnel shift with AVX-512 VBMI2).
template <int D, class V>
inline V funnel16(V lo, V hi) {
#if defined(__AVX512VBMI2__)
    if constexpr (sizeof(V) == 64) return (V)_mm512_shrdi_epi16((__m512i)lo, (__m512i)hi, D);
#if defined(__AVX512VL__)
    if constexpr (sizeof(V) == 32) return (V)_mm256_shrdi_epi16((__m256i)lo, (__m256i)hi, D);
    if constexpr (sizeof(V) == 16) return (V)_mm_shrdi_epi16((__m128i)lo, (__m128i)hi, D);
#endif
#endif
    return (hi << (16 - D)) | (lo >> D);
}

// raw_term on vectors of lanes (the same values lane by lane): x the input broadcast, w kernel
// values, both as signed lanes (sign- or zero-extended raw values, or their low lane_bits).
// Vectors of BYTES: the widest for wide layers, down to 16 bytes for N_OUT outputs.
// shift: d <= 0, (x * w) << -d modulo 2^lane_bits; exact: the product fits a signed lane,
// (x * w) >> d; halves: raw_term's 16-bit halves, also for an unsigned 16-bit x (x's raw value
// read as int16 is x - 2^16 when x >= 2^15: the high half then gains w). ok = false: lanes of
// more than 64 bits, raw values of more than 64 bits, other int64 products (the scalar loop).
template <class data_T, class kernel_T, class accum_T, unsigned N_OUT>
struct vector_term {
    typedef raw_term<data_T, kernel_T, accum_T> T;
    static const int bits = wrapping_accum<accum_T>::lane_bits;
    typedef typename std::conditional<(bits <= 64), typename T::lane_t, uint64_t>::type lane_t;
    typedef typename std::make_signed<lane_t>::type slane_t;
    static const int BYTES = N_OUT * sizeof(lane_t) >= FE_CSIM_VEC_BYTES / 2 ? FE_CSIM_VEC_BYTES
                             : N_OUT * sizeof(lane_t) > 16 && FE_CSIM_VEC_BYTES == 64 ? 32
                                                                                    : 16;
    typedef typename vec<lane_t, BYTES>::type V;
    typedef typename vec<slane_t, BYTES>::type SV;
    typedef typename std::conditional<(sizeof(typename kernel_T::raw_type) <= 8),
                                      typename kernel_T::raw_type, int64_t>::type kraw_t;
    static const unsigned lanes = vec<lane_t, BYTES>::lanes;
    static const int d = T::d;
    static const bool shift = T::ok && d <= 0;
    static const bool exact = T::ok && d > 0 && d < bits && T::floors &&
                              T::X::W + T::K::W + (!T::X::S && !T::K::S) <= bits;
    static const bool unsigned_x = !T::X::S && T::X::W == 16;  // raw values up to 2^16 - 1
    static const bool halves = T::ok && d > 0 && !exact &&
                               (T::halves || (unsigned_x && T::floors && bits == 16 && d < 16 &&
                                              T::K::S && T::K::W <= 16));
    static const bool ok = bits <= 64 && sizeof(typename kernel_T::raw_type) <= 8 &&
                           sizeof(typename data_T::raw_type) <= 8 &&
                           sizeof(kernel_T) == sizeof(kraw_t) && (shift || exact || halves);
    // lanes kernel values from p
    static SV load(const kernel_T *p) {
        typedef typename vec<kraw_t, lanes * sizeof(kraw_t)>::type KV;
        KV k;
        std::memcpy(&k, p, sizeof(k));  // the raw values (ok: kernel_T holds only its raw value)
        return __builtin_convertvector(k, SV);
    }
    // count < lanes kernel values from p, the rest 0
    static SV load(const kernel_T *p, unsigned count) {
        slane_t k[lanes] = {};
        for (unsigned e = 0; e < count; e++) k[e] = slane_t(p[e].raw());
        SV v;
        std::memcpy(&v, k, sizeof(v));
        return v;
    }
    static V of(SV x, SV w) {
        if constexpr (shift) {
            if constexpr (-d >= bits) return V{};
            else return ((V)x * (V)w) << -d;
        } else if constexpr (exact) {
            return (V)((x * w) >> d);
        } else {
            const V lo = (V)x * (V)w;
            V hi = (V)mulhi16(x, w);
            if constexpr (unsigned_x) hi += (V)(w & (x >> 15));  // + w where x >= 2^15
            return funnel16<d>(lo, hi);
        }
    }
};

// acc[j0, j0 + NV * lanes) += term(x_i, kernel[i * STRIDE + OFFSET + j]) for the nz nonzero
// inputs x (zero inputs add 0 in every kind of term), the NV vectors in registers: row i of
// an N_IN x STRIDE kernel from column OFFSET (dense: the whole N_IN x N_OUT kernel). The last
// vector may reach past the N_OUT columns (the next columns or row: lanes past N_OUT are never
// read) and, in the last rows, past the kernel: those weights are read as 0.
template <class VT, unsigned N_IN, unsigned N_OUT, unsigned NV, unsigned STRIDE = N_OUT,
          unsigned OFFSET = 0, class kernel_T>
FE_CSIM_HOT inline void accumulate(const typename VT::slane_t *x, const unsigned *index, unsigned nz,
                       const kernel_T *kernel, unsigned j0, typename VT::lane_t *acc) {
    typedef typename VT::V V;
    const unsigned L = VT::lanes;
    // every loop over v unrolled: sum[] stays in registers (added to acc at the end)
    V sum[NV] = {};
    const unsigned n = N_IN * STRIDE, end = OFFSET + j0 + NV * L;
    const unsigned safe = end > n ? 0 : (n - end) / STRIDE + 1;  // rows read in full
    unsigned k = 0;
    for (; k < nz && index[k] < safe; k++) {
        const typename VT::SV xb = typename VT::SV{} + x[k];
        const kernel_T *row = kernel + index[k] * STRIDE + OFFSET + j0;
#pragma GCC unroll 16
        for (unsigned v = 0; v < NV; v++) sum[v] += VT::of(xb, VT::load(row + v * L));
    }
    for (; k < nz; k++) {
        const typename VT::SV xb = typename VT::SV{} + x[k];
        const unsigned at = index[k] * STRIDE + OFFSET + j0;
#pragma GCC unroll 16
        for (unsigned v = 0; v < NV; v++) {
            const unsigned from = at + v * L;
            const unsigned count = from >= n ? 0 : (n - from < L ? n - from : L);
            const kernel_T *w = kernel + (count ? from : 0);
            sum[v] += VT::of(xb, count == L ? VT::load(w) : VT::load(w, count));
        }
    }
#pragma GCC unroll 16
    for (unsigned v = 0; v < NV; v++) {
        V a;
        std::memcpy(&a, acc + j0 + v * L, sizeof(V));
        a += sum[v];
        std::memcpy(acc + j0 + v * L, &a, sizeof(V));
    }
}

// acc[j] += term(data_i, kernel[i * STRIDE + OFFSET + j]) for every i and j < N_OUT, acc of
// whole vectors (ceil(N_OUT / lanes) * lanes lanes): the nonzero inputs and their rows, then
// blocks of up to 16 (AVX-512) or 8 vectors.
template <class VT, unsigned N_IN, unsigned N_OUT, unsigned STRIDE = N_OUT, unsigned OFFSET = 0,
          class data_T, class kernel_T>
FE_CSIM_HOT inline void accumulate_rows(const data_T *data, const kernel_T *kernel,
                                        typename VT::lane_t *acc) {
    const unsigned L = VT::lanes, vectors = (N_OUT + L - 1) / L;
    typename VT::slane_t x[N_IN];
    unsigned index[N_IN], nz = 0;
    for (unsigned i = 0; i < N_IN; i++) {
        x[nz] = typename VT::slane_t(data[i].raw());
        index[nz] = i;
        nz += data[i].raw() != 0;
    }
    const unsigned block = FE_CSIM_VEC_BYTES == 64 ? 16 : 8, blocks = vectors / block;
    for (unsigned b = 0; b < blocks; b++) {
        accumulate<VT, N_IN, N_OUT, block, STRIDE, OFFSET>(x, index, nz, kernel, b * block * L,
                                                             acc);
    }
    if constexpr (vectors % block != 0) {
        accumulate<VT, N_IN, N_OUT, vectors % block, STRIDE, OFFSET>(x, index, nz, kernel,
                                                                     blocks * block * L, acc);
    }
}

template <class data_T, class res_T, typename CONFIG_T>
FE_CSIM_HOT void dense_wrapping(
    const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out],
    const typename CONFIG_T::kernel_t kernel[CONFIG_T::n_in * CONFIG_T::n_out],
    const typename CONFIG_T::bias_t bias[CONFIG_T::n_out]) {
    typedef typename CONFIG_T::accum_t accum_t;
    typedef typename CONFIG_T::kernel_t kernel_t;
    typedef wrapping_accum<accum_t> A;
    typedef typename A::lane_t lane_t;
    typedef raw_term<data_T, kernel_t, accum_t> term;
    typedef vector_term<data_T, kernel_t, accum_t, CONFIG_T::n_out> VT;
    const unsigned n_in = CONFIG_T::n_in, n_out = CONFIG_T::n_out;
    const unsigned L = VT::lanes, vectors = (n_out + L - 1) / L;
    lane_t acc[vectors * L];
    for (unsigned j = 0; j < vectors * L; j++) {
        acc[j] = j < n_out ? lane_t(((accum_t)bias[j]).raw()) : lane_t(0);
    }
    if constexpr (VT::ok) {
        accumulate_rows<VT, n_in, n_out>(data, kernel, acc);
    } else {
        for (unsigned i = 0; i < n_in; i++) {
            const data_T x = data[i];
            const kernel_t *row = kernel + i * n_out;
            for (unsigned j = 0; j < n_out; j++) {
                if constexpr (term::ok) {
                    acc[j] += term::of(x.raw(), row[j].raw());
                } else {
                    acc[j] += lane_t(weighted<accum_t>(x, row[j]).raw());
                }
            }
        }
    }
    for (unsigned j = 0; j < n_out; j++) {
        typename A::lane_fixed sum;
        sum.set_raw(typename A::lane_fixed::raw_type(acc[j]));
        res[j] = (res_T)(accum_t)sum;  // the wrap to W bits, then the result conversion
    }
}
}  // namespace csim
#endif

template <class data_T, class res_T, typename CONFIG_T>
void dense(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out],
           const typename CONFIG_T::kernel_t kernel[CONFIG_T::n_in * CONFIG_T::n_out],
           const typename CONFIG_T::bias_t bias[CONFIG_T::n_out]) {
#pragma HLS INLINE
#ifdef FE_CSIM_KERNELS
    if constexpr (csim::wrapping_accum<typename CONFIG_T::accum_t>::value) {
        csim::dense_wrapping<data_T, res_T, CONFIG_T>(data, res, kernel, bias);
        return;
    }
#endif
    if (CONFIG_T::strategy == resource) {
        dense_resource<data_T, res_T, CONFIG_T>(data, res, kernel, bias);
    } else {
        dense_latency<data_T, res_T, CONFIG_T>(data, res, kernel, bias);
    }
}

// Packets of the input vector a dense_stream reads, and the II of its vector loop: one packet
// per clock at most (a FIFO gives one read per clock), and reuse_factor clocks per multiplier
// (DESIGN.md: each layer pipelines at II = its reuse factor).
template <class data_T, typename CONFIG_T>
struct dense_stream_sizes {
    static const unsigned packets = CONFIG_T::n_in / data_T::size;
    static const unsigned ii = packets > CONFIG_T::reuse_factor ? packets : CONFIG_T::reuse_factor;
};

// io_stream: the input vector arrives as n_in / data_T::size packets (one pixel each after a
// Flatten, or the whole vector), the output is one packet of n_out values. The function is
// pipelined (UG1399 "pipeline": a pipelined function accepts a new call every II clocks; the
// loops inside are unrolled, the gather into `packets` FIFO reads) at
// II = max(reuse_factor, packets).
template <class data_T, class res_T, typename CONFIG_T>
void dense_stream(stream<data_T> &data, stream<res_T> &res,
                  const typename CONFIG_T::kernel_t kernel[CONFIG_T::n_in * CONFIG_T::n_out],
                  const typename CONFIG_T::bias_t bias[CONFIG_T::n_out]) {
#pragma HLS PIPELINE II=dense_stream_sizes<data_T, CONFIG_T>::ii
    typedef typename data_T::value_type in_t;
    typedef typename res_T::value_type out_t;
    const unsigned P = data_T::size;
    static_assert(CONFIG_T::n_in % P == 0, "dense_stream: packets must divide the input vector");
    static_assert(res_T::size == CONFIG_T::n_out, "dense_stream: one output packet per vector");
    in_t in[CONFIG_T::n_in];
    out_t out[CONFIG_T::n_out];
#pragma HLS ARRAY_PARTITION variable=in type=complete
#pragma HLS ARRAY_PARTITION variable=out type=complete
Gather:
    for (unsigned p = 0; p < dense_stream_sizes<data_T, CONFIG_T>::packets; p++) {
        const data_T packet = data.read();
        for (unsigned c = 0; c < P; c++) {
            in[p * P + c] = packet[c];
        }
    }
    dense<in_t, out_t, CONFIG_T>(in, out, kernel, bias);
    res_T out_packet;
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
        out_packet[j] = out[j];
    }
    res.write(out_packet);
}

}  // namespace nnet

#endif

// fpga-export nnet library: the number types and streams every layer header uses, in the
// vendor's family. The generated defines.h chooses the family before including nnet headers:
//   (default)          AMD ap types: ap_fixed.h, ap_int.h, hls_stream.h
//   NNET_AC_TYPES      Algorithmic C types: ac_fixed.h, ac_int.h, ac_channel.h (Catapult)
//   NNET_ONEAPI        Intel oneAPI: ac types (defines.h includes them: Intel's
//                      sycl/ext/intel/ac_types/*.hpp under SYCL, ours in csim), streams
//                      nnet::channel (a local FIFO over storage the caller declares)
//   NNET_QUARTUS       (with NNET_AC_TYPES) Intel HLS Compiler i++: HLS/hls.h, HLS/ac_int.h,
//                      HLS/ac_fixed.h; streams are ihc::stream with a capacity of
//                      nnet::stream_buffer<T>::value words (specialised in defines.h)
// Layer headers spell types only through this file:
//   nnet::fixed<W, I, Q, O>, nnet::ufixed<W, I, Q, O>   signed / unsigned fixed point
//   nnet::sint<W>, nnet::uint<W>                         integers
//   nnet::TRN, RND, ... / nnet::WRAP, SAT, ...           quantization and overflow modes
//   nnet::stream<T>                                      hls::stream<T> / ac_channel<T>
//   nnet::bits<HI, LO>(x)                                bits HI..LO of x's pattern, unsigned
//   nnet::set_bits<HI, LO>(x, v)                         set them
//   nnet::fixed_traits<T>::W, I, S                       width, integer bits, signedness
//   nnet::to_int_trunc(x)                                int(x) truncated toward zero (ap's
//                                                        to_int(); ac's to_int() floors)
//   NNET_CONST_TABLE                                     a namespace-scope constant table's
//                                                        specifiers: static const, unless
//                                                        defines.h sets it (oneAPI: constexpr)
#ifndef NNET_TYPES_H_
#define NNET_TYPES_H_

#ifndef NNET_CONST_TABLE
#define NNET_CONST_TABLE static const
#endif

#if defined(NNET_ONEAPI)
#ifndef NNET_AC_TYPES
#define NNET_AC_TYPES
#endif
#if !defined(__SYCL_DEVICE_ONLY__)
#include <stdexcept>
#endif
#elif defined(NNET_QUARTUS)
#include "HLS/hls.h"
#include "HLS/ac_int.h"
#include "HLS/ac_fixed.h"
#elif defined(NNET_AC_TYPES)
#include "ac_channel.h"
#include "ac_fixed.h"
#include "ac_int.h"
#else
#include "ap_fixed.h"
#include "ap_int.h"
#include "hls_stream.h"
#endif

namespace nnet {

#ifdef NNET_AC_TYPES
typedef ac_q_mode q_mode;
typedef ac_o_mode o_mode;
constexpr q_mode TRN = AC_TRN, TRN_ZERO = AC_TRN_ZERO, RND = AC_RND, RND_ZERO = AC_RND_ZERO,
                 RND_INF = AC_RND_INF, RND_MIN_INF = AC_RND_MIN_INF, RND_CONV = AC_RND_CONV;
constexpr o_mode WRAP = AC_WRAP, SAT = AC_SAT, SAT_ZERO = AC_SAT_ZERO, SAT_SYM = AC_SAT_SYM;

template <int W, int I, q_mode Q = TRN, o_mode O = WRAP>
using fixed = ac_fixed<W, I, true, Q, O>;
template <int W, int I, q_mode Q = TRN, o_mode O = WRAP>
using ufixed = ac_fixed<W, I, false, Q, O>;
template <int W>
using sint = ac_int<W, true>;
template <int W>
using uint = ac_int<W, false>;
#ifdef NNET_ONEAPI
// oneAPI io_stream: the layers of the top run one after another inside one task kernel, so a
// stream between two layers is a local FIFO holding a whole tensor: a ring buffer over the
// storage of an nnet::fifo<T, N> the top declares (N = the tensor's packets). Host builds
// (csim, the emulator) check that no layer reads an empty or writes a full FIFO.
template <class T>
class channel {
   public:
    channel(T *data, unsigned capacity) : data_(data), cap_(capacity), head_(0), count_(0) {}
    channel(const channel &) = delete;
    channel &operator=(const channel &) = delete;
    T read() {
#if !defined(__SYCL_DEVICE_ONLY__)
        if (count_ == 0) throw std::runtime_error("nnet::channel: read from an empty FIFO");
#endif
        T v = data_[head_];
        head_ = head_ + 1 == cap_ ? 0 : head_ + 1;
        count_--;
        return v;
    }
    void write(const T &v) {
#if !defined(__SYCL_DEVICE_ONLY__)
        if (count_ == cap_) throw std::runtime_error("nnet::channel: write to a full FIFO");
#endif
        unsigned tail = head_ + count_;
        data_[tail >= cap_ ? tail - cap_ : tail] = v;
        count_++;
    }
    bool empty() const { return count_ == 0; }
    unsigned size() const { return count_; }

   private:
    T *data_;
    unsigned cap_, head_, count_;
};
template <class T, unsigned N>
class fifo : public channel<T> {
   public:
    fifo() : channel<T>(storage_, N) {}

   private:
    T storage_[N];
};
template <class T>
using stream = channel<T>;
#elif defined(NNET_QUARTUS)
template <class T>
struct stream_buffer {
    static const unsigned value = 1;
};
template <class T>
using stream = ihc::stream<T, ihc::buffer<stream_buffer<T>::value> >;
#else
template <class T>
using stream = ac_channel<T>;
#endif

template <class T>
struct fixed_traits {  // not a fixed-point type
    static const int W = 0, I = 0;
    static const bool S = true;
};
template <int W_, int I_, bool S_, ac_q_mode Q, ac_o_mode O>
struct fixed_traits<ac_fixed<W_, I_, S_, Q, O> > {
    static const int W = W_, I = I_;
    static const bool S = S_;
};
template <int W_, bool S_>
struct fixed_traits<ac_int<W_, S_> > {
    static const int W = W_, I = W_;
    static const bool S = S_;
};

template <int HI, int LO, class T>
inline uint<HI - LO + 1> bits(const T &x) {
    return uint<HI - LO + 1>(x.template slc<HI - LO + 1>(LO));
}
template <int HI, int LO, class T, class V>
inline void set_bits(T &x, const V &v) {
    x.set_slc(LO, uint<HI - LO + 1>(v));
}
template <class T>
inline int to_int_trunc(const T &x) {  // -floor(-x) for x < 0, in C int's wrap-around
    return x < 0 ? int(0u - unsigned((-x).to_int())) : x.to_int();
}
#else
typedef ap_q_mode q_mode;
typedef ap_o_mode o_mode;
constexpr q_mode TRN = AP_TRN, TRN_ZERO = AP_TRN_ZERO, RND = AP_RND, RND_ZERO = AP_RND_ZERO,
                 RND_INF = AP_RND_INF, RND_MIN_INF = AP_RND_MIN_INF, RND_CONV = AP_RND_CONV;
constexpr o_mode WRAP = AP_WRAP, SAT = AP_SAT, SAT_ZERO = AP_SAT_ZERO, SAT_SYM = AP_SAT_SYM;

template <int W, int I, q_mode Q = TRN, o_mode O = WRAP>
using fixed = ap_fixed<W, I, Q, O>;
template <int W, int I, q_mode Q = TRN, o_mode O = WRAP>
using ufixed = ap_ufixed<W, I, Q, O>;
template <int W>
using sint = ap_int<W>;
template <int W>
using uint = ap_uint<W>;
template <class T>
using stream = hls::stream<T>;

template <class T>
struct fixed_traits {  // not a fixed-point type
    static const int W = 0, I = 0;
    static const bool S = true;
};
template <int W_, int I_, ap_q_mode Q, ap_o_mode O, int N>
struct fixed_traits<ap_fixed<W_, I_, Q, O, N> > {
    static const int W = W_, I = I_;
    static const bool S = true;
};
template <int W_, int I_, ap_q_mode Q, ap_o_mode O, int N>
struct fixed_traits<ap_ufixed<W_, I_, Q, O, N> > {
    static const int W = W_, I = I_;
    static const bool S = false;
};
template <int W_>
struct fixed_traits<ap_int<W_> > {
    static const int W = W_, I = W_;
    static const bool S = true;
};
template <int W_>
struct fixed_traits<ap_uint<W_> > {
    static const int W = W_, I = W_;
    static const bool S = false;
};

template <int HI, int LO, class T>
inline uint<HI - LO + 1> bits(const T &x) {
    return uint<HI - LO + 1>(x.range(HI, LO));
}
template <int HI, int LO, class T, class V>
inline void set_bits(T &x, const V &v) {
    x.range(HI, LO) = v;
}
template <class T>
inline int to_int_trunc(const T &x) {
    return x.to_int();
}
#endif

}  // namespace nnet

#endif

// Typical HLS layer code (hls4ml style) against the compat headers: must compile without a
// single warning under -Wall -Wextra (and -pedantic), then print a few results.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "ap_fixed.h"
#include "ap_int.h"
#include "hls_stream.h"

namespace nnet {

struct dense_config {
  static const unsigned n_in = 4;
  static const unsigned n_out = 3;
  typedef ap_fixed<32, 12> accum_t;
  typedef ap_fixed<16, 6> bias_t;
  typedef ap_fixed<16, 6> weight_t;
};

template <class data_T, class res_T, typename CONFIG_T>
void dense(data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out],
           const typename CONFIG_T::weight_t weights[CONFIG_T::n_in * CONFIG_T::n_out],
           const typename CONFIG_T::bias_t biases[CONFIG_T::n_out]) {
  typename CONFIG_T::accum_t acc[CONFIG_T::n_out];
  for (unsigned i = 0; i < CONFIG_T::n_out; i++) {
#pragma HLS UNROLL
    acc[i] = (typename CONFIG_T::accum_t)biases[i];
  }
  for (unsigned ii = 0; ii < CONFIG_T::n_in; ii++) {
    for (unsigned jj = 0; jj < CONFIG_T::n_out; jj++) {
      acc[jj] += data[ii] * weights[ii * CONFIG_T::n_out + jj];
    }
  }
  for (unsigned i = 0; i < CONFIG_T::n_out; i++) res[i] = (res_T)acc[i];
}

template <class data_T, class res_T, int N>
void relu(data_T data[N], res_T res[N]) {
  data_T datareg;
  for (int ii = 0; ii < N; ii++) {
    datareg = data[ii];
    if (datareg > 0)
      res[ii] = datareg;
    else
      res[ii] = 0;
  }
}

// Table-based sigmoid, indexing with an int computed from an ap_fixed.
template <class data_T, class res_T, int N>
void sigmoid(data_T data[N], res_T res[N]) {
  const int table_size = 1024;
  static res_T table[table_size];
  static bool init = false;
  if (!init) {
    for (int i = 0; i < table_size; i++) {
      double x = 16.0 * (i - table_size / 2) / table_size;
      table[i] = 1.0 / (1.0 + std::exp(-x));
    }
    init = true;
  }
  for (int ii = 0; ii < N; ii++) {
    int data_round = data[ii] * table_size / 16;
    int index = data_round + 8 * table_size / 16;
    if (index < 0) index = 0;
    if (index > table_size - 1) index = table_size - 1;
    res[ii] = (res_T)table[index];
  }
}

// Bit-level softmax-style table lookup with ap_uint indices.
template <class data_T, int N>
ap_uint<10> exp_index(const data_T& x) {
  ap_uint<10> idx = x.range(data_T::width - 1, data_T::width - 10);
  return idx;
}

template <class T, int N>
void stream_copy(hls::stream<T>& in, hls::stream<T>& out) {
  for (int i = 0; i < N; i++) {
    T v = in.read();
    out.write(v * 2);
  }
}

}  // namespace nnet

typedef ap_fixed<16, 6> input_t;
typedef ap_fixed<16, 6, AP_RND, AP_SAT> layer1_t;
typedef ap_ufixed<8, 0, AP_RND, AP_SAT> result_t;

static const input_t::raw_type dummy_raw = 0;  // the raw_type typedef is public

int main() {
  input_t x[4] = {0.5, -1.25, 2, 0.125};
  static const nnet::dense_config::weight_t w[12] = {0.5, -0.25, 1, 0.75, 0.5,  -1,
                                                     1,   1,     0, -2,   0.25, 0.5};
  static const nnet::dense_config::bias_t b[3] = {0.125, 0, -0.5};
  layer1_t h[3], r[3];
  nnet::dense<input_t, layer1_t, nnet::dense_config>(x, h, w, b);
  nnet::relu<layer1_t, layer1_t, 3>(h, r);
  result_t y[3];
  nnet::sigmoid<layer1_t, result_t, 3>(r, y);

  for (int i = 0; i < 3; i++) std::printf("h%d=%g r%d=%g y%d=%g\n", i, h[i].to_double(), i,
                                          r[i].to_double(), i, y[i].to_double());

  ap_uint<10> idx = nnet::exp_index<input_t, 4>(x[1]);
  std::printf("idx=%u\n", idx.to_uint());

  hls::stream<input_t> s_in("s_in"), s_out("s_out");
  for (int i = 0; i < 4; i++) s_in << x[i];
  nnet::stream_copy<input_t, 4>(s_in, s_out);
  input_t v;
  s_out >> v;
  std::cout << "first=" << v << " size=" << s_out.size() << " empty=" << s_in.empty() << "\n";

  // assorted idioms
  ap_int<8> cnt = 0;
  for (ap_uint<4> i = 0; i < 10; i++) cnt++;
  int as_int = cnt;
  unsigned as_unsigned = ap_uint<8>(200);
  bool flag = x[0] > x[1] && x[1] != 0 && !(x[2] < 1);
  double d = x[1];
  float f = x[1].to_float();
  input_t neg = -x[1];
  input_t half = x[2] * 0.5;
  input_t sum = x[0] + x[1] + 1;
  ap_uint<1> sign = x[1][15];
  std::printf("cnt=%d u=%u flag=%d d=%g f=%g neg=%g half=%g sum=%g sign=%u raw=%d\n", as_int,
              as_unsigned, flag, d, f, neg.to_double(), half.to_double(), sum.to_double(),
              sign.to_uint(), int(dummy_raw));
  return 0;
}

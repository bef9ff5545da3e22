// C++11 stand-in for the vendor's ap_fixed.h, for SYNTAX CHECKS ONLY (see ap_int.h).
#ifndef CPP14_STANDIN_AP_FIXED_H_
#define CPP14_STANDIN_AP_FIXED_H_

#include "ap_int.h"

template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
class ap_fixed : public ap_num<W, I, true> {
  public:
    ap_fixed() {}
    ap_fixed(double x) : ap_num<W, I, true>(x) {}
    template <int W2, int I2, bool S2>
    ap_fixed(const ap_num<W2, I2, S2> &x) : ap_num<W, I, true>(x) {}
    ap_fixed(const ap_range_ref &bits) : ap_num<W, I, true>(bits) {}
};

template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
class ap_ufixed : public ap_num<W, I, false> {
  public:
    ap_ufixed() {}
    ap_ufixed(double x) : ap_num<W, I, false>(x) {}
    template <int W2, int I2, bool S2>
    ap_ufixed(const ap_num<W2, I2, S2> &x) : ap_num<W, I, false>(x) {}
    ap_ufixed(const ap_range_ref &bits) : ap_num<W, I, false>(bits) {}
};

#endif

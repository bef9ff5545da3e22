// API behaviour of the compat ac types beyond the conformance vectors.  Compiled by
// tests/compat/test_compat_ac_api.py with -Wall -Wextra -Werror (ap headers included too: both
// families live in one program); prints "FAIL ..." lines and exits non-zero on a failed
// runtime check, "OK" otherwise.  Type rules are checked at compile time.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "ac_channel.h"
#include "ac_fixed.h"
#include "ac_int.h"
#include "ap_fixed.h"

static int failures = 0;
#define CHECK(...)                                               \
  do {                                                           \
    if (!(__VA_ARGS__)) {                                        \
      std::printf("FAIL line %d: %s\n", __LINE__, #__VA_ARGS__); \
      ++failures;                                                \
    }                                                            \
  } while (0)
#define SAME(...) static_assert(std::is_same<__VA_ARGS__>::value, #__VA_ARGS__)

// ---------------------------------------------------------------- result types (compile time)
SAME(ac_fixed<8, 3>, ac_fixed<8, 3, true, AC_TRN, AC_WRAP>);
SAME(ac_int<8>, ac_int<8, true>);
SAME(decltype(ac_fixed<8, 3>() + ac_fixed<7, 5, false>()), ac_fixed<12, 7, true>);
SAME(decltype(ac_fixed<8, 4, false>() - ac_fixed<8, 4, false>()), ac_fixed<9, 5, true>);
SAME(decltype(ac_fixed<8, 3, true, AC_RND, AC_SAT>() * ac_fixed<7, 5, false>()),
     ac_fixed<15, 8, true>);
SAME(decltype(-ac_fixed<8, 3, false, AC_RND_CONV_ODD, AC_SAT_SYM>()), ac_fixed<9, 4, true>);
SAME(decltype(ac_fixed<8, 3, true, AC_RND, AC_SAT>() << 1), ac_fixed<8, 3, true, AC_RND, AC_SAT>);
SAME(decltype(ac_fixed<8, 3>() >> ac_int<3, false>()), ac_fixed<8, 3>);
SAME(decltype(ac_fixed<8, 3>() + 1), ac_fixed<38, 33, true>);
SAME(decltype(ac_fixed<8, 3>() * ac_int<4, false>()), ac_fixed<12, 7, true>);
SAME(decltype(ac_int<8>() + 1), ac_int<33, true>);
SAME(decltype(ac_int<8, false>() * ac_int<4, false>()), ac_int<12, false>);
SAME(decltype(ac_int<8, false>() - ac_int<8, false>()), ac_int<9, true>);
SAME(decltype(ac_int<8, false>() & ac_int<4, true>()), ac_int<9, true>);
SAME(decltype(ac_int<8, true>() % ac_int<4, false>()), ac_int<5, true>);
SAME(decltype(-ac_int<8, false>()), ac_int<9, true>);
SAME(decltype(~ac_int<8, false>()), ac_int<9, true>);
SAME(decltype(~ac_int<8, true>()), ac_int<8, true>);
SAME(decltype(ac_fixed<10, 2>().slc<4>(3)), ac_int<4, true>);
SAME(decltype(ac_fixed<10, 2, false>().to_ac_int()), ac_int<2, false>);
SAME(decltype(ac_fixed<10, -2>().to_ac_int()), ac_int<1, true>);
// ac_int converts implicitly to a C integer when W + !S <= 64 (as the reference)
static_assert(std::is_convertible<ac_int<64, true>, long long>::value, "");
static_assert(std::is_convertible<ac_int<63, false>, unsigned long long>::value, "");
static_assert(!std::is_convertible<ac_int<64, false>, unsigned long long>::value, "");
static_assert(!std::is_convertible<ac_fixed<8, 3>, double>::value, "no implicit double");
// the families do not mix: no operator between an ap and an ac type
template <class A, class B, class = void>
struct addable : std::false_type {};
template <class A, class B>
struct addable<A, B, decltype(void(std::declval<A>() + std::declval<B>()))> : std::true_type {};
static_assert(!addable<ap_fixed<8, 3>, ac_fixed<8, 3> >::value, "ap + ac");
static_assert(!addable<ac_int<8>, ap_int<8> >::value, "ac + ap");
static_assert(!addable<ac_fixed<8, 3>, double>::value, "ac + double (not in ac)");
static_assert(addable<ap_fixed<8, 3>, double>::value, "ap + double");
// constexpr conversions
static_assert(ac_fixed<8, 4, true, AC_RND_CONV_ODD>(2.5 / 16).to_double() == 0.1875, "tie");
static_assert(ac_int<8, false>(-1.25).to_int() == 254, "floor, then wrap");

static void arithmetic() {
  ac_fixed<8, 4, true, AC_RND, AC_SAT> a = 2.40625;  // a tie: AC_RND rounds up to 2.4375
  CHECK(a.to_double() == 2.4375);
  ac_fixed<8, 4, true, AC_RND, AC_SAT> big = 100.0;
  CHECK(big.to_double() == 7.9375);
  ac_fixed<8, 4, true, AC_TRN, AC_SAT_SYM> sym = -100.0;
  CHECK(sym.to_double() == -7.9375);
  ac_fixed<8, 4, true, AC_TRN, AC_SAT_ZERO> zero = 9.0;
  CHECK(zero.to_double() == 0);
  ac_fixed<8, 4> m = -7.5;
  CHECK(m.to_int() == -8 && m.to_int64() == -8 && m.to_ac_int() == -8);
  ac_fixed<6, 3, true, AC_RND_CONV_ODD> odd[3] = {0.0625 * 3, 0.0625 * 5, -0.0625 * 3};  // ties
  CHECK(odd[0].to_double() == 0.125 && odd[1].to_double() == 0.375 && odd[2].to_double() == -0.125);
  ac_fixed<16, 8> acc = 0;
  for (int k = 0; k < 4; ++k) acc += ac_fixed<8, 1>(0.5) * ac_fixed<8, 3>(1.25);
  CHECK(acc.to_double() == 2.5);
  acc -= 1;
  acc *= ac_fixed<4, 2, false>(1.5);
  CHECK(acc.to_double() == 2.25);
  ac_fixed<10, 4, true, AC_RND, AC_SAT> s = 1.0;
  s += ac_fixed<12, 1>(0.3);  // full precision, then AC_RND into s
  CHECK(s.to_double() == 1.296875);
  CHECK((a < ac_fixed<12, 6>(3)) && (a >= 2) && (a != 0) && !(a == 2.5) && (a > -1.0));
  CHECK(ac_fixed<70, 40>(3.0) * ac_fixed<50, 10, false>(0.5) == ac_fixed<8, 4>(1.5));
  ac_fixed<8, 4> q = 1.5;
  ++q;  // one LSB
  CHECK(q.to_double() == 1.5625);
  q--;
  q <<= 1;
  CHECK(q.to_double() == 3.0 && (q >> 1).to_double() == 1.5);
  ac_fixed<4, 2, true, AC_TRN, AC_SAT> top = 1.75;
  CHECK((++top).to_double() == 1.75);  // saturates
  CHECK((ac_fixed<8, 4>(3.25) / ac_fixed<8, 4>(0.5)).to_double() == 6.5);
}

static void integers() {
  ac_int<8, false> u = 200;
  ac_int<8> i = -3;
  CHECK(u + i == 197 && u * i == -600 && i - u == -203);
  CHECK((u & 0x0f) == 8 && (u | 1) == 201 && (u ^ u) == 0 && (~u) == -201);
  CHECK(u / 7 == 28 && u % 7 == 4 && i / 2 == -1);
  int table[4] = {10, 11, 12, 13};
  ac_int<2, false> idx = 3;
  CHECK(table[idx] == 13);
  long long wide = ac_int<40>(-5);
  CHECK(wide == -5);
  i += 130;  // wraps modulo 2^8
  CHECK(i == 127);
  ++i;
  CHECK(i == -128 && i.to_int() == -128 && i.to_uint() == 0xffffff80u);
  CHECK((u << 1) == 144 && (u >> 3) == 25 && (i >> 1) == -64);
  CHECK(ac_int<8>(-1.0 / 3) == -1 && ac_int<8>(2.999) == 2);
  CHECK(ac_int<8>::type_name() == "ac_int<8,true>");
  CHECK((ac_fixed<8, 3, false, AC_RND_CONV_ODD, AC_SAT_SYM>::type_name() ==
         "ac_fixed<8,3,false,AC_RND_CONV_ODD,AC_SAT_SYM>"));
}

static void bits() {
  ac_int<12, false> x = 0xabc;
  CHECK(x.slc<4>(4) == 0xb && x.slc<8>(8) == 0x0a);
  ac_int<12> sx = -2;
  CHECK(sx.slc<4>(10) == -1 && sx.slc<4>(20) == -1);  // beyond the MSB: sign bits
  x.set_slc(0, ac_int<4, false>(0x5));
  CHECK(x == 0xab5);
  x[11] = 0;
  x[0] = ac_int<3>(2);  // lowest bit of the value
  CHECK(x == 0x2b4 && x[2] && !x[0]);
  ac_fixed<8, 4> f = -0.5;  // raw 0xf8
  CHECK(f[7] && f[3] && !f[2] && f.slc<4>(4) == -1);
  f.set_slc(4, ac_int<4, false>(3));
  CHECK(f.to_double() == 3.5);
  f[7] = true;
  CHECK(f.is_neg() && f.to_double() == -4.5);
  CHECK(ac_int<4, false>(15).and_reduce() && ac_int<4>(0).or_reduce() == false);
  CHECK(ac_int<5>(7).xor_reduce());
  ac_fixed<8, 4, true, AC_TRN, AC_SAT_SYM> sym;
  CHECK(sym.set_val<AC_VAL_MIN>().to_double() == -7.9375);
  CHECK(value<AC_VAL_MIN>(ac_fixed<8, 4>()).to_double() == -8);
  CHECK(value<AC_VAL_MAX>(ac_fixed<8, 4, false>()).to_double() == 15.9375);
  CHECK(value<AC_VAL_QUANTUM>(ac_fixed<8, 4>()).to_double() == 0.0625);
  CHECK(value<AC_VAL_MIN>(ac_int<8>()) == -128 && value<AC_VAL_MAX>(ac_int<8, false>()) == 255);
  // as the reference: an AC_SAT_SYM source at its minimum keeps it in a wider AC_SAT_SYM type
  ac_fixed<8, 4, true, AC_TRN, AC_SAT_SYM> at_min;
  at_min.set_slc(0, ac_int<8, false>(0x80));
  CHECK(ac_fixed<10, 4, true, AC_TRN, AC_SAT_SYM>(at_min).to_double() == -8);
  CHECK(ac_fixed<10, 4, true, AC_TRN, AC_SAT>(at_min).to_double() == -8);
  CHECK(ac_fixed<10, 4, true, AC_TRN, AC_SAT_SYM>(ac_fixed<8, 4>(-8.0)).to_double() == -7.984375);
}

static void channels() {
  ac_channel<ac_fixed<8, 4> > ch;
  CHECK(ch.empty() && ch.size() == 0 && ch.available(0) && !ch.available(1));
  ch.write(1.5);
  ch.write(ac_fixed<8, 4>(-2));
  CHECK(ch.size() == 2 && ch.available(2) && ch.peek().to_double() == 1.5);
  ac_fixed<8, 4> v;
  CHECK(ch.nb_read(v) && v.to_double() == 1.5);
  ch.read(v);
  CHECK(v.to_double() == -2 && !ch.nb_read(v) && ch.nb_write(v) && ch.size() == 1);
  ac_channel<int> pre(2, 7);
  CHECK(pre.size() == 2 && pre[1] == 7 && pre.read() == 7);
  pre.write(3);
  CHECK(pre.debug_size() == 2 && pre[1] == 3);
  pre.reset();
  CHECK(pre.size() == 2 && pre.read() == 7);
  ac_channel<int> empty;
  try {
    empty.read();
    CHECK(false);
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "ac_channel: read from empty channel");
  }
}

int main() {
  arithmetic();
  integers();
  bits();
  channels();
  if (failures) return 1;
  std::printf("OK\n");
  return 0;
}

// API behaviour of the compat ap types beyond the conformance vectors.  Compiled by
// tests/compat/test_compat_api.py with -Wall -Wextra -Werror; prints "FAIL ..." lines and
// exits non-zero on a failed runtime check.  Type rules are checked at compile time.
#include <cstdio>
#include <type_traits>

#include "ap_fixed.h"
#include "ap_int.h"

static int failures = 0;
#define CHECK(...)                                                     \
  do {                                                                 \
    if (!(__VA_ARGS__)) {                                              \
      std::printf("FAIL line %d: %s\n", __LINE__, #__VA_ARGS__);       \
      ++failures;                                                      \
    }                                                                  \
  } while (0)
#define SAME(...) static_assert(std::is_same<__VA_ARGS__>::value, #__VA_ARGS__)

enum Color { RED = 3 };

// ---------------------------------------------------------------- result types (compile time)
SAME(ap_fixed<8, 3>, ap_fixed_base<8, 3, true, AP_TRN, AP_WRAP, 0>);
SAME(ap_ufixed<8, 3>, ap_fixed_base<8, 3, false, AP_TRN, AP_WRAP, 0>);
SAME(ap_int<8>, ap_int_base<8, true>);
SAME(decltype(ap_fixed<8, 3>() + ap_ufixed<7, 5>()), ap_fixed<12, 7>);
SAME(decltype(ap_ufixed<8, 4>() - ap_ufixed<8, 4>()), ap_fixed<9, 5>);
SAME(decltype(ap_fixed<8, 3>() * ap_ufixed<7, 5>()), ap_fixed<15, 8>);
SAME(decltype(ap_fixed<16, 6>() / ap_fixed<16, 6>()), ap_fixed<27, 17>);
SAME(decltype(ap_fixed<16, 6>() / 2), ap_fixed<17, 7>);
SAME(decltype(ap_fixed<16, 6>() * 2), ap_fixed<48, 38>);
SAME(decltype(-ap_fixed<8, 3>()), ap_fixed_base<9, 4, true, AP_TRN, AP_WRAP>);
SAME(decltype(-ap_ufixed<8, 3, AP_RND, AP_SAT>()), ap_fixed<9, 4>);
SAME(decltype(ap_fixed<8, 3, AP_RND, AP_SAT>() << 1), ap_fixed<8, 3, AP_RND, AP_SAT>);
SAME(decltype(ap_fixed<8, 3>() >> 1u), ap_fixed<8, 3>);
SAME(decltype(ap_int<8>() + 1), ap_int<33>);
SAME(decltype(ap_uint<8>() * ap_uint<4>()), ap_uint<12>);
SAME(decltype(ap_uint<8>() - ap_uint<8>()), ap_int<9>);
SAME(decltype(ap_int<8>() / ap_uint<4>()), ap_int<8>);
SAME(decltype(ap_uint<8>() / ap_int<4>()), ap_int<9>);
SAME(decltype(ap_uint<8>() & ap_int<4>()), ap_int<9>);
SAME(decltype(ap_uint<8>() | ap_uint<3>()), ap_uint<8>);
SAME(decltype(ap_int<8>() % ap_int<4>()), ap_int<4>);
SAME(decltype(ap_int<8>() + ap_fixed<8, 2>()), ap_fixed<15, 9>);
SAME(decltype(-ap_int<8>()), ap_int<9>);
SAME(decltype(ap_int<8>() << 2), ap_int<8>);
SAME(decltype(ap_fixed<8, 3>() * 0.5), double);
SAME(decltype(ap_fixed<8, 3>() > 0), bool);
SAME(decltype(ap_fixed<64, 32>() * ap_fixed<64, 32>()), ap_fixed<128, 64>);

// constexpr use (weights tables can be constant-initialised)
static_assert(ap_fixed<8, 3>(1.5).to_double() == 1.5, "constexpr double ctor");
static_assert(ap_fixed<8, 3>(ap_fixed<16, 6>(-0.75)).to_double() == -0.75, "constexpr convert");
static_assert((ap_fixed<8, 3>(1.5) * ap_fixed<8, 3>(-2)).to_double() == -3.0, "constexpr mul");
static_assert(ap_uint<4>(17) == 1, "constexpr wrap");
constexpr ap_fixed<8, 3> kTable[3] = {0.5, -1.25, 2};

int main() {
  // ------------------------------------------------------------ construction / conversion
  {
    ap_fixed<8, 3> x;  // zero-initialised
    CHECK(x == 0 && x.iszero());
    ap_fixed<8, 3> a = 1.25, b = 1.3f, c = 3, d = true, e = 'a';
    CHECK(a.to_double() == 1.25);
    CHECK(b.to_double() == 1.28125);  // AP_TRN: 1.3f -> floor(41.6) / 32
    CHECK(c == 3 && d == 1);
    CHECK(e.to_double() == 1.0);  // 97 wraps in 3 integer bits: 97 mod 8 = 1
    ap_fixed<8, 3, AP_RND, AP_SAT> s = 100.0;
    CHECK(s.to_double() == 3.96875);
    ap_fixed<8, 3, AP_RND, AP_SAT_SYM> sym = -100.0;
    CHECK(sym.to_double() == -3.96875);
    ap_uint<8> col = RED;
    CHECK(col == 3);
    ap_int<16> big = 123456789ull;
    CHECK(big == -13035);  // 123456789 mod 2^16 = 52501 -> -13035
    CHECK(kTable[1].to_double() == -1.25);
    ap_fixed<12, 4> n = -2.75;
    CHECK(n.to_int() == -2 && n.to_int64() == -2 && n.to_long() == -2);
    CHECK(ap_fixed<12, 4>(2.75).to_uint() == 2u);
    CHECK(n.to_float() == -2.75f);
    double dd = n;  // implicit conversion
    CHECK(dd == -2.75);
    int idx = ap_uint<5>(19);  // implicit, usable as an index
    CHECK(idx == 19 && kTable[ap_uint<2>(2)] == 2);
    CHECK(ap_int<8>(-0.3) == 1);  // reference quirk 5
    CHECK(ap_int<8>(-2.7) == -2 && ap_uint<8>(300.9) == 44);
    CHECK(ap_int<8>(ap_fixed<12, 4>(-2.75)) == -2);
    CHECK(ap_fixed<8, 0>(-0.25).to_int() == -1);  // reference quirk 6 (I == 0)
    CHECK(ap_fixed<8, 3>(ap_int<8>(-3)) == -3);
    CHECK(ap_int<70>(-1).to_int64() == -1 && ap_uint<70>(5).to_uint64() == 5);
    CHECK(ap_fixed<8, 3>(1.5).length() == 8 && ap_uint<70>().length() == 70);
    long double ld = 1.75L;
    CHECK(ap_fixed<8, 3>(ld).to_double() == 1.75 && ap_int<8>(ld) == 1);
    CHECK(ap_uint<8>(5).countLeadingZeros() == 5);
    CHECK(ap_fixed<8, 3>(-1).countLeadingZeros() == 0);
  }
  // ------------------------------------------------------------ arithmetic
  {
    ap_fixed<16, 6> a = 1.25, b = -2.5;
    CHECK((a + b).to_double() == -1.25 && (a - b).to_double() == 3.75);
    CHECK((a * b).to_double() == -3.125);
    CHECK((a / b).to_double() == -0.5);
    ap_fixed<16, 6> third = ap_fixed<16, 6>(1) / ap_fixed<16, 6>(3);
    CHECK(third.to_double() == 341.0 / 1024);  // truncated toward zero at 10 fraction bits
    CHECK((ap_fixed<16, 6>(-1) / ap_fixed<16, 6>(3)).to_double() == -341.0 / 1024);
    CHECK((ap_fixed<8, 4>(7.5) / 2).to_double() == 3.75);
    CHECK((ap_int<8>(-7) / 2) == -3 && (ap_int<8>(-7) % 2) == -1);
    CHECK((ap_uint<8>(200) + ap_int<8>(-3)) == 197);
    CHECK((a * 2).to_double() == 2.5 && (2 * a).to_double() == 2.5);
    CHECK(a * 0.5 == 0.625 && 0.5 * a == 0.625);
    CHECK((a + 1).to_double() == 2.25 && (1 - a).to_double() == -0.25);
    auto wide = ap_fixed<64, 32>(65536.5) * ap_fixed<64, 32>(-65536.5);
    CHECK(wide.to_double() == -4295032832.25);
    ap_uint<64> m = ~ap_uint<64>(0);
    CHECK((m * m).to_double() == 18446744073709551616.0 * 18446744073709551616.0);
  }
  // ------------------------------------------------------------ compound assignment
  {
    ap_fixed<8, 3, AP_RND, AP_SAT> acc = 0;
    acc += ap_fixed<16, 6>(1.26);
    CHECK(acc.to_double() == 1.25);
    acc += ap_fixed<16, 6>(10);
    CHECK(acc.to_double() == 3.96875);  // saturated
    acc -= 8;
    CHECK(acc.to_double() == -4.0);  // saturated at min
    acc = 1.5;
    acc *= 2;
    CHECK(acc.to_double() == 3.0);
    acc /= 4;
    CHECK(acc.to_double() == 0.75);
    acc += 0.1;  // double: a = to_double(a) + 0.1, then AP_RND
    CHECK(acc.to_double() == 0.84375);
    ap_fixed<8, 3> w = 3.5;
    w += 1;  // wraps (AP_TRN, AP_WRAP)
    CHECK(w.to_double() == -3.5);
    w -= ap_fixed<12, 2>(0.015625);  // floor(a - b): -3.515625 -> -3.53125
    CHECK(w.to_double() == -3.53125);
    ap_int<4> i = 7;
    i++;
    CHECK(i == -8);
    --i;
    CHECK(i == 7);
    i += ap_uint<8>(255);
    CHECK(i == 6);
    i -= 100;  // 6 - 100 = -94 wraps to 2 in 4 bits
    CHECK(i == 2);
    ap_uint<8> cnt8 = 250;
    cnt8 += 10;
    CHECK(cnt8 == 4);
    cnt8 -= 2.5;  // double: to_double() - 2.5 = 1.5, truncated toward zero
    CHECK(cnt8 == 1);
    ap_fixed<8, 3> fd = 1.0;
    fd -= 0.25;
    CHECK(fd.to_double() == 0.75);
    ap_uint<8> u = 0xF0;
    u &= 0x3C;
    u |= 1;
    u ^= 0xFF;
    CHECK(u == 0xCE);
    u <<= 1;
    CHECK(u == 0x9C);
    u >>= 2;
    CHECK(u == 0x27);
    ap_fixed<8, 3> f = 1.0;
    f++;
    CHECK(f.to_double() == 2.0);
  }
  // ------------------------------------------------------------ comparisons
  {
    ap_fixed<16, 6> a = 1.25;
    CHECK(a > 0 && a >= 1 && a < 2 && a <= 1.25 && a == 1.25 && a != 1.5);
    CHECK(0 < a && 1.0 < a && !(a < 1.0) && 2 > a);
    CHECK(ap_fixed<8, 3>(-1) < ap_ufixed<8, 3>(0));  // narrow: exact
    CHECK(ap_uint<8>(5) > -1);                      // narrow: exact
    CHECK(!(ap_uint<40>(5) > -1));                  // wide unsigned vs int: reference quirk 4
    CHECK(ap_uint<40>(5) != -1);                    // == / != stay exact
    CHECK(ap_fixed<62, 15>(-1) > ap_ufixed<52, 31>(5));  // README quirk 4 example
  }
  // ------------------------------------------------------------ shifts
  {
    ap_fixed<8, 3> a = 1.5;
    CHECK((a << 1).to_double() == 3.0 && (a << 2).to_double() == -2.0);  // bits drop off
    CHECK((a >> 3).to_double() == 0.1875 && (a >> -1).to_double() == 3.0);
    CHECK((ap_fixed<8, 3, AP_RND, AP_SAT>(3.5) << 1).to_double() == -1.0);  // no saturation
    CHECK((ap_fixed<8, 3>(-1) >> 10).to_double() == -0.03125);  // all ones
    CHECK((a << ap_uint<2>(1)).to_double() == 3.0);
    CHECK((ap_int<8>(-128) >> 7) == -1 && (ap_uint<8>(128) >> 7) == 1);
    CHECK((ap_uint<8>(0x81) << 1) == 2);
  }
  // ------------------------------------------------------------ bits and ranges
  {
    ap_uint<8> u = 0;
    u[0] = 1;
    u[7] = true;
    CHECK(u == 0x81 && u[7] && !u[6] && u.get_bit(0));
    u.range(6, 4) = 5;
    CHECK(u == 0xD1 && u.range(6, 4) == 5u && u.range(7, 0) == 0xD1u);
    CHECK(u.range(6, 4).length() == 3);
    ap_int<8> s = 0;
    s[7] = 1;  // sign bit: becomes negative
    CHECK(s == -128 && s.is_neg());
    s[0] = u[0];
    CHECK(s == -127);
    CHECK(~u[1] == true);
    ap_uint<3> r3 = u.range(6, 4);
    CHECK(r3 == 5);
    CHECK(ap_uint<4>(0xF).and_reduce() && ap_uint<4>(0x7).or_reduce() &&
          !ap_uint<4>(0x3).xor_reduce() && ap_int<4>(-1).and_reduce());
    ap_fixed<8, 3> f = -1.0;  // raw 0xE0
    CHECK(f.range(7, 0) == 0xE0u && f[7] && f[5] && !f[4]);
    ap_uint<8> bits = f.range(7, 0);
    CHECK(bits == 0xE0);
    ap_fixed<8, 3> g;
    g.range(7, 0) = 0x30;  // raw bits in
    CHECK(g.to_double() == 1.5);
    g.range(3, 0) = f.range(7, 4);
    CHECK(g.to_double() == 1.9375);  // raw 0x3E
    g[7] = 1;
    CHECK(g.to_double() == -2.0625);  // raw 0xBE
    ap_uint<8> whole = g.range();
    CHECK(whole == 0xBE);
    ap_uint<100> h = 0;
    h.range(99, 96) = 0xF;
    h.range(63, 0) = 0x123456789ABCDEF0ull;
    CHECK(h.range(99, 64) == 0xF00000000ull && h.range(63, 0) == 0x123456789ABCDEF0ull);
    CHECK(h[99] && !h[95]);
    ap_fixed<12, 12> fromrange = u.range(7, 4);  // value of the range, as unsigned
    CHECK(fromrange == 13);
  }
  // ------------------------------------------------------------ 1-bit and odd types
  {
    ap_fixed<1, 1> one = -1;
    CHECK(one == -1);
    ap_fixed<1, 1, AP_TRN, AP_SAT_SYM> sym = -0.5;  // quirk 7: saturates to min like SAT
    CHECK(sym == -1);
    ap_uint<1> bit = 3;
    CHECK(bit == 1);
    ap_fixed<4, 10> coarse = 100.0;  // lsb 64
    CHECK(coarse == 64);
    ap_fixed<8, -2> tiny = 0.1;  // [-1/8, 1/8)
    CHECK(tiny.to_double() == 0.099609375);
  }
  if (failures == 0) std::printf("OK\n");
  return failures == 0 ? 0 : 1;
}

// API parity of our ac headers with the Algorithmic C reference: the same source compiles
// against both (tests/compat/test_compat_ac_parity.py generates main() with sampled types and
// values) and must print the same lines.  Only the API both provide is used; values are
// printed as bit strings, type names as ac's type_name().
#include <cstdio>
#include <string>

#include "ac_channel.h"
#include "ac_fixed.h"
#include "ac_int.h"

template <class T>
std::string bits(const T& v) {
  std::string s;
  for (int i = T::width - 1; i >= 0; --i) s += v[i] ? '1' : '0';
  return s;
}

template <class T>
void show(const char* what, const T& v) {
  std::printf("%s %s %s\n", what, T::type_name().c_str(), bits(v).c_str());
}

// a and b from doubles, every operator between them, conversions into TO.
template <class A, class B, class TO>
void fixed_case(double x, double y) {
  A a = x;
  B b = y;
  show("a", a);
  show("b", b);
  std::printf("a.to_double %a to_int %d to_int64 %lld\n", a.to_double(), a.to_int(),
              (long long)a.to_int64());
  show("a+b", a + b);
  show("a-b", a - b);
  show("a*b", a * b);
  show("-a", -a);
  show("(TO)(a+b)", TO(a + b));
  show("(TO)(a-b)", TO(a - b));
  show("(TO)(a*b)", TO(a * b));
  show("(TO)a", TO(a));
  std::printf("cmp %d %d %d %d %d %d\n", a < b, a <= b, a > b, a >= b, a == b, a != b);
  std::printf("cmp0 %d %d %d\n", a < 0, a == 0, a >= 1);
  std::printf("cmpd %d %d %d\n", a < 0.375, a == y, a >= -1.5);
  if (b != 0) show("a/b", a / b);
  A c = a;
  c += b;
  show("a+=b", c);
  c -= b;
  show("-=b", c);
  c *= b;
  show("*=b", c);
  c = a;
  c += 3;
  show("a+=3", c);
  c -= 2;
  show("a-=2", c);
  ++c;
  show("++c", c);
  c--;
  c--;
  show("c----", c);
  show("a<<3", a << 3);
  show("a>>2", a >> 2);
  show("a<<u2", a << ac_int<3, false>(2));
  show("a>>u5", a >> ac_int<4, false>(5));
  show("a<<-2", a << ac_int<4, true>(-2));
  show("a>>-1", a >> ac_int<3, true>(-1));
  c = a;
  c <<= ac_int<3, false>(1);
  show("<<=1", c);
  std::printf("to_uint64 %llu to_long %ld\n", (unsigned long long)a.to_uint64(), a.to_long());
  show("a+1", a + 1);
  show("a*-3", a * -3);
  show("a*u", a * 7u);
  show("a+int8", a + ac_int<8, true>(-5));
  show("a.slc<5>(1)", a.template slc<5>(1));
  show("a.to_ac_int", a.to_ac_int());
  if (A::width >= 4) {
    c = a;
    c.set_slc(1, ac_int<3, true>(-3));
    show("set_slc", c);
  }
  c[0] = 1;
  show("c[0]=1", c);
  show("MIN", c.template set_val<AC_VAL_MIN>());
  show("MAX", c.template set_val<AC_VAL_MAX>());
  show("QUANTUM", value<AC_VAL_QUANTUM>(c));
  show("0", value<AC_VAL_0>(c));
}

// Integer types: arithmetic, bitwise, shifts, slices, conversions.
template <int W1, bool S1, int W2, bool S2>
void int_case(long long x, long long y) {
  typedef ac_int<W1, S1> A;
  typedef ac_int<W2, S2> B;
  A a = x;
  B b = y;
  show("a", a);
  show("b", b);
  std::printf("a.to_int %d to_int64 %lld to_uint %u\n", a.to_int(), (long long)a.to_int64(),
              a.to_uint());
  show("a+b", a + b);
  show("a-b", a - b);
  show("a*b", a * b);
  if (b != 0) {
    show("a/b", a / b);
    show("a%b", a % b);
  }
  show("a&b", a & b);
  show("a|b", a | b);
  show("a^b", a ^ b);
  show("~a", ~a);
  show("-a", -a);
  show("a<<3", a << 3);
  show("a>>1", a >> 1);
  show("a<<-1", a << ac_int<3, true>(-1));
  show("a>>b4", a >> ac_int<4, false>(b.template slc<2>(0)));
  std::printf("cmp %d %d %d %d %d %d\n", a < b, a <= b, a > b, a >= b, a == b, a != b);
  A c = a;
  c += b;
  show("+=", c);
  c *= b;
  show("*=", c);
  c -= 7;
  show("-=7", c);
  c &= b;
  show("&=", c);
  c |= 5;
  show("|=5", c);
  ++c;
  show("++", c);
  show("slc<4>(2)", a.template slc<4>(2));
  c = a;
  c.set_slc(0, ac_int<2, false>(2));
  show("set_slc", c);
  std::printf("bits %d %d\n", (int)a[0], (int)a[W1 - 1]);
  show("int+a", 5 + a);
  show("a*double", A(y * 0.75));
  ac_fixed<W1 + 4, W1, S1> f = a;
  show("fixed(a)", f);
  show("f+a", f + a);
  show("MIN", c.template set_val<AC_VAL_MIN>());
  show("MAX", value<AC_VAL_MAX>(a));
}

inline void channel_case() {
  ac_channel<ac_int<8, true> > ch;
  ch.write(3);
  ch.write(-4);
  ac_int<8, true> v;
  std::printf("ch size %u available %d %d empty %d\n", ch.size(), ch.available(2),
              ch.available(3), ch.empty());
  std::printf("ch peek %d", ch.peek().to_int());
  std::printf(" read %d", ch.read().to_int());
  bool ok = ch.nb_read(v);
  std::printf(" nb_read %d %d", ok, v.to_int());
  ok = ch.nb_read(v);
  std::printf(" nb_read %d empty %d", ok, ch.empty());
  std::printf(" nb_write %d size %u\n", ch.nb_write(9), ch.size());
  ac_channel<int> pre(2, 7);
  std::printf("pre size %u first %d", pre.size(), pre.read());
  pre.write(8);
  std::printf(" [0]=%d [1]=%d", pre[0], pre[1]);
  pre.reset();
  std::printf(" reset size %u\n", pre.size());
}

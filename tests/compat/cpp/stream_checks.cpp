// hls::stream behaviour.  Argument "empty-read": read from an empty stream (must fail loudly);
// "catch": the same, catching the exception.  No argument: the functional checks.
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "ap_fixed.h"
#include "hls_stream.h"

static int failures = 0;
#define CHECK(...)                                               \
  do {                                                           \
    if (!(__VA_ARGS__)) {                                        \
      std::printf("FAIL line %d: %s\n", __LINE__, #__VA_ARGS__); \
      ++failures;                                                \
    }                                                            \
  } while (0)

struct pixel {
  ap_uint<8> r, g, b;
};

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "empty-read") == 0) {
    hls::stream<ap_fixed<16, 6>> s("layer2_in");
    ap_fixed<16, 6> v = s.read();
    std::printf("read returned %g\n", v.to_double());  // must not be reached
    return 0;
  }
  if (argc > 1 && std::strcmp(argv[1], "catch") == 0) {
    hls::stream<int> s("caught_stream");
    try {
      int v;
      s >> v;
    } catch (const std::runtime_error& e) {
      std::printf("caught: %s\n", e.what());
      return 0;
    }
    return 1;
  }

  hls::stream<ap_fixed<16, 6>> s("fifo");
  CHECK(s.empty() && s.size() == 0 && !s.full());
  CHECK(std::strcmp(s.name(), "fifo") == 0);
  for (int i = 0; i < 5; i++) s.write(ap_fixed<16, 6>(i * 0.5));
  s << ap_fixed<16, 6>(-1);
  CHECK(!s.empty() && s.size() == 6);
  CHECK(s.read() == 0);
  ap_fixed<16, 6> v;
  s.read(v);
  CHECK(v == 0.5);
  s >> v;
  CHECK(v == 1.0);
  CHECK(s.read_nb(v) && v == 1.5);
  CHECK(s.size() == 2);
  s.read();
  s.read();
  CHECK(s.empty() && !s.read_nb(v));

  hls::stream<int> named(std::string("named"));
  CHECK(std::strcmp(named.get_name(), "named") == 0);

  hls::stream<pixel> ps;  // default name
  pixel p;
  p.r = 1;
  p.g = 2;
  p.b = 3;
  ps.write(p);
  pixel q = ps.read();
  CHECK(q.r == 1 && q.g == 2 && q.b == 3);

  hls::stream<int, 2> bounded("bounded");
  CHECK(bounded.write_nb(1) && bounded.write_nb(2));
  CHECK(bounded.full() && !bounded.write_nb(3) && bounded.size() == 2);

  if (failures == 0) std::printf("OK\n");
  return failures == 0 ? 0 : 1;
}

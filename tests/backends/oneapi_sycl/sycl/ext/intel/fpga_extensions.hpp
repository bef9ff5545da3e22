// Test stand-in of <sycl/ext/intel/fpga_extensions.hpp> (see ../../../README.md): the FPGA
// device selectors and sycl::ext::intel::pipe, a FIFO per pipe type (its capacity unchecked).
#ifndef FE_TEST_SYCL_FPGA_EXTENSIONS_HPP
#define FE_TEST_SYCL_FPGA_EXTENSIONS_HPP

#include <cstddef>
#include <deque>
#include <stdexcept>

#include "../../sycl.hpp"

namespace sycl {
namespace ext {
namespace intel {

struct fpga_selector_t {};
constexpr fpga_selector_t fpga_emulator_selector_v{}, fpga_selector_v{}, fpga_simulator_selector_v{};

template <class Name, class T, std::size_t min_capacity = 0>
class pipe {
   public:
    static T read() {
        if (fifo().empty()) throw std::runtime_error("pipe read while empty (a deadlock)");
        T v = fifo().front();
        fifo().pop_front();
        return v;
    }
    static void write(const T &v) { fifo().push_back(v); }

   private:
    static std::deque<T> &fifo() {
        static std::deque<T> q;
        return q;
    }
};

}  // namespace intel
}  // namespace ext
}  // namespace sycl

#endif

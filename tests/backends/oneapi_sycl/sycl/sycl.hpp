// Test stand-in of <sycl/sycl.hpp>: only what fpga-export's generated oneAPI files use
// (see ../README.md). Kernels run on the host, at once, in submission order.
#ifndef FE_TEST_SYCL_HPP
#define FE_TEST_SYCL_HPP

#include <cstddef>
#include <cstdlib>
#include <exception>
#include <string>

#define SYCL_LANGUAGE_VERSION 202001

namespace sycl {

class exception : public std::exception {
   public:
    const char *what() const noexcept override { return "sycl::exception"; }
};

class event {
   public:
    void wait() {}
};

class queue {
   public:
    template <class Selector>
    explicit queue(const Selector &) {}
    template <class KernelName, class Kernel>
    event single_task(const Kernel &kernel) {
        kernel();
        return event();
    }
};

template <class T>
T *malloc_shared(std::size_t n, const queue &) {
    return static_cast<T *>(std::calloc(n ? n : 1, sizeof(T)));
}

inline void free(void *p, const queue &) { std::free(p); }

}  // namespace sycl

#endif

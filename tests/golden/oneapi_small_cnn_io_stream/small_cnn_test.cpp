// Host testbench written by fpga-export for 'small_cnn' (Intel oneAPI FPGA flow).
// Reads <folder>/tb_data/tb_input_features.dat (one sample per line; folder: the first
// argument, default ".."), runs the kernel on every sample and compares every output with
// tb_data/tb_output_predictions.dat (the expected csim output, computed by fpga-export's
// bit-accurate reference). Prints PASSED or FAILED; exits 1 on any difference.
// The device: FPGA_EMULATOR (make fpga_emu), FPGA_SIMULATOR (fpga_sim) or FPGA_HARDWARE
// (fpga), as in Intel's oneAPI FPGA samples.
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sycl/ext/intel/fpga_extensions.hpp>
#include <sycl/sycl.hpp>

#include "firmware/small_cnn_kernel.h"

static bool read_line(std::ifstream &f, std::vector<double> &v) {
    std::string line;
    if (!std::getline(f, line)) return false;
    std::istringstream s(line);
    v.clear();
    double x;
    while (s >> x) v.push_back(x);
    return true;
}

int main(int argc, char *argv[]) {
    const std::string folder = argc > 1 ? argv[1] : "..";
    std::ifstream fin(folder + "/tb_data/tb_input_features.dat");
    std::ifstream fexp(folder + "/tb_data/tb_output_predictions.dat");
    if (!fin || !fexp) {
        std::printf("cannot open %s/tb_data/*.dat (give the project folder)\n", folder.c_str());
        return 2;
    }
    std::vector<std::vector<double> > inputs, expected;
    std::vector<double> row;
    while (read_line(fin, row)) {
        if (row.size() != 36) {
            std::printf("sample %zu: expected 36 inputs per line\n", inputs.size());
            return 2;
        }
        inputs.push_back(row);
        if (!read_line(fexp, row) || row.size() != 3) {
            std::printf("sample %zu: expected 3 outputs per line\n", expected.size());
            return 2;
        }
        expected.push_back(row);
    }
    const std::size_t n = inputs.size();
    try {
#if defined(FPGA_SIMULATOR)
        auto selector = sycl::ext::intel::fpga_simulator_selector_v;
#elif defined(FPGA_HARDWARE)
        auto selector = sycl::ext::intel::fpga_selector_v;
#else
        auto selector = sycl::ext::intel::fpga_emulator_selector_v;
#endif
        sycl::queue q(selector);
        input_1_packet_t *in0 = sycl::malloc_shared<input_1_packet_t>(n * 36, q);
        softmax_packet_t *out0 = sycl::malloc_shared<softmax_packet_t>(n * 1, q);
        for (std::size_t s = 0; s < n; s++) {
            for (unsigned k = 0; k < 36; k++) {
                in0[s * 36 + k / input_1_packet_t::size][k % input_1_packet_t::size] = inputs[s][0 + k];
            }
        }
        small_cnn_kernel(q, in0, out0, n).wait();
        long bad = 0;
        for (std::size_t s = 0; s < n; s++) {
            for (unsigned k = 0; k < 3; k++) {
                const double got = out0[s * 1 + k / softmax_packet_t::size][k % softmax_packet_t::size].to_double();
                if (got != expected[s][0 + k]) {
                    if (bad++ < 10) std::printf("sample %zu output softmax_out[%u]: got %.17g, expected %.17g\n", s, k, got, expected[s][0 + k]);
                }
            }
        }
        sycl::free(in0, q);
        sycl::free(out0, q);
        std::printf("%zu samples, %ld differences: %s\n", n, bad, bad ? "FAILED" : "PASSED");
        return bad ? 1 : 0;
    } catch (const sycl::exception &e) {
        std::printf("SYCL exception: %s (no FPGA device? make fpga_emu runs the emulator)\n", e.what());
        return 2;
    }
}

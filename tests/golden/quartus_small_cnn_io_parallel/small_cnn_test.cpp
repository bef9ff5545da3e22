// C++ testbench written by fpga-export for 'small_cnn' (Intel HLS Compiler: i++ compiles it
// with the component; -march=x86-64 runs both on the CPU, -march=<FPGA> runs it against the
// component's RTL). Reads tb_data/tb_input_features.dat (one sample per line), calls the
// component and compares every output with tb_data/tb_output_predictions.dat (the expected
// csim output, computed by fpga-export's bit-accurate reference). Exits 1 on any difference.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "firmware/small_cnn.h"

static bool read_line(std::ifstream &f, std::vector<double> &v) {
    std::string line;
    if (!std::getline(f, line)) return false;
    std::istringstream s(line);
    v.clear();
    double x;
    while (s >> x) v.push_back(x);
    return true;
}

int main() {
    std::ifstream fin("tb_data/tb_input_features.dat"), fexp("tb_data/tb_output_predictions.dat");
    if (!fin || !fexp) {
        std::printf("cannot open tb_data/*.dat (run from the project folder)\n");
        return 2;
    }
    std::FILE *flog = std::fopen("tb_data/csim_results.log", "w");
    std::vector<double> in, expected;
    long n = 0, bad = 0;
    while (read_line(fin, in) && read_line(fexp, expected)) {
        if (in.size() != 36 || expected.size() != 3) {
            std::printf("sample %ld: expected 36 inputs and 3 outputs per line\n", n);
            return 2;
        }
        std::vector<double> got;
        small_cnn_input args;
        for (unsigned k = 0; k < 36; k++) args.input_1_out[k] = in[0 + k];
        small_cnn_output result = small_cnn_component(args);
        for (unsigned k = 0; k < 3; k++) got.push_back(result.softmax_out[k].to_double());
        for (unsigned k = 0; k < got.size(); k++) {
            if (flog) std::fprintf(flog, "%.17g%c", got[k], k + 1 == got.size() ? '\n' : ' ');
            if (got[k] != expected[k]) bad++;
        }
        n++;
    }
    if (flog) std::fclose(flog);
    std::printf("fpga-export testbench: %ld samples, %ld output values differ from the expected csim output\n", n, bad);
    return bad ? 1 : 0;
}

// C++ testbench written by fpga-export for 'small_cnn'.
// Reads tb_data/tb_input_features.dat (one sample per line), runs the top function and
// compares every output with tb_data/tb_output_predictions.dat (the expected csim output,
// computed by fpga-export's bit-accurate reference). Exits 1 on any difference.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "firmware/small_cnn.h"

// Catapult SCVerify (mc_scverify.h, in Catapult's include folder): CCS_MAIN is the testbench's
// main, CCS_DESIGN(top) the call its C/RTL co-simulation wraps. Without Catapult: plain main().
#if defined(__has_include)
#if __has_include(<mc_scverify.h>)
#include <mc_scverify.h>
#endif
#endif
#ifndef CCS_MAIN
#define CCS_MAIN(...) int main(__VA_ARGS__)
#define CCS_DESIGN(top) top
#define CCS_RETURN(x) return (x)
#endif

static bool read_line(std::ifstream &f, std::vector<double> &v) {
    std::string line;
    if (!std::getline(f, line)) return false;
    std::istringstream s(line);
    v.clear();
    double x;
    while (s >> x) v.push_back(x);
    return true;
}

CCS_MAIN(int argc, char *argv[]) {
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
        input_1_result_t input_1_out[36];
        for (unsigned k = 0; k < 36; k++) input_1_out[k] = in[0 + k];
        softmax_result_t softmax_out[3];
        CCS_DESIGN(small_cnn)(input_1_out, softmax_out);
        std::vector<double> got;
        for (unsigned k = 0; k < 3; k++) got.push_back(softmax_out[k].to_double());
        for (unsigned k = 0; k < got.size(); k++) {
            if (flog) std::fprintf(flog, "%.17g%c", got[k], k + 1 == got.size() ? '\n' : ' ');
            if (got[k] != expected[k]) bad++;
        }
        n++;
    }
    if (flog) std::fclose(flog);
    std::printf("fpga-export testbench: %ld samples, %ld output values differ from the expected csim output\n", n, bad);
    CCS_RETURN(bad ? 1 : 0);
}

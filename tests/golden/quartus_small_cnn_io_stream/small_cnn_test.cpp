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
        // Avalon-ST: the testbench writes the component's stream_in, reads its stream_out
        ihc::stream_in<input_1_packet_t> input_1_out;
        for (unsigned p = 0; p < 36 / input_1_packet_t::size; p++) {
            input_1_packet_t packet;
            for (unsigned c = 0; c < input_1_packet_t::size; c++) packet[c] = in[0 + p * input_1_packet_t::size + c];
            input_1_out.write(packet);
        }
        ihc::stream_out<softmax_packet_t> softmax_out;
        small_cnn(input_1_out, softmax_out);
        for (unsigned p = 0; p < 3 / softmax_packet_t::size; p++) {
            softmax_packet_t packet = softmax_out.read();
            for (unsigned c = 0; c < softmax_packet_t::size; c++) got.push_back(packet[c].to_double());
        }
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

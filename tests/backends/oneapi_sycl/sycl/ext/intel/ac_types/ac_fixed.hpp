// Test stand-in: fpga-export's own ac_fixed (nnet_cpp/compat on the include path).
#include "ac_fixed.h"

// Test stand-in: fpga-export's own ac_int (nnet_cpp/compat on the include path).
#include "ac_int.h"

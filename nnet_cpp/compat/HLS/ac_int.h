// fpga-export compat: Intel HLS spells the Algorithmic C header HLS/ac_int.h; ours is one
// folder up (csim with g++; the i++ build uses Intel's).
#include "../ac_int.h"

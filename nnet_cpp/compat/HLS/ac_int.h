// fpga-export compat: Intel HLS spells the Algorithmic C header HLS/ac_int.h. For the g++
// csim it is the ac_int.h found on the include path: the vendor's reference header when
// FPGA_EXPORT_VENDOR_INCLUDE names its folder, else ours (the i++ build uses Intel's).
#include <ac_int.h>

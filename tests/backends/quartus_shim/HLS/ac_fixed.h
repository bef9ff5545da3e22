// Test shim: Intel's HLS/ac_fixed.h; our compat one stands in (same API).
#include <ac_fixed.h>

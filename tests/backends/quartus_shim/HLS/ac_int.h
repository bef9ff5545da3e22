// Test shim: Intel's HLS/ac_int.h; our compat one stands in (same API).
#include <ac_int.h>

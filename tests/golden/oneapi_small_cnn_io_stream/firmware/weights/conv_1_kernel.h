// conv_1 kernel: shape (3, 3, 1, 2), type ac_fixed<16,6,true>
#ifndef WEIGHTS_CONV_1_KERNEL_H_
#define WEIGHTS_CONV_1_KERNEL_H_
#ifdef FPGA_EXPORT_RUNTIME_WEIGHTS  // csim library: values pushed at run time
extern conv_1_kernel_t conv_1_kernel[18];
#else
NNET_CONST_TABLE conv_1_kernel_t conv_1_kernel[18] = {
    0.0625, -0.06640625, 0.3193359375, 0.0517578125, -0.2685546875, 0.1806640625, 0.6513671875, 0.47265625,
    -0.3525390625, -0.6328125, -0.3125, 0.0205078125, -1.1630859375, -0.1103515625, -0.623046875, -0.3662109375,
    -0.2724609375, -0.158203125};
#endif
// derived from the values (pragma limits)
static const unsigned conv_1_kernel_multiplier_limit = 18;
#endif

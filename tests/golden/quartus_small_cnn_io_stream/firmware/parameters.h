// Layer configurations and weights (written by fpga-export).
#ifndef PARAMETERS_H_
#define PARAMETERS_H_

#include "defines.h"
#include "nnet/activation.h"
#include "nnet/conv.h"
#include "nnet/dense.h"
#include "nnet/pool.h"
#include "nnet/reshape.h"

#include "weights/conv_1_kernel.h"
#include "weights/conv_1_bias.h"
#include "weights/dense_kernel.h"
#include "weights/dense_bias.h"
#include "weights/softmax_exp_table.h"
#include "weights/softmax_inv_table.h"

// conv_1: conv_1 (Conv2D)
struct conv_1_config : nnet::conv_config {
    typedef conv_1_accum_t accum_t;
    typedef conv_1_kernel_t kernel_t;
    typedef conv_1_bias_t bias_t;
    static const unsigned in_height = 6;
    static const unsigned in_width = 6;
    static const unsigned n_chan = 1;
    static const unsigned filt_height = 3;
    static const unsigned filt_width = 3;
    static const unsigned stride_height = 1;
    static const unsigned stride_width = 1;
    static const unsigned dilation_height = 1;
    static const unsigned dilation_width = 1;
    static const unsigned pad_top = 0;
    static const unsigned pad_left = 0;
    static const unsigned out_height = 4;
    static const unsigned out_width = 4;
    static const unsigned n_filt = 2;
    static const unsigned strategy = 0;
    static const unsigned reuse_factor = 1;
    static const unsigned parallelization_factor = 1;
    static const unsigned multiplier_limit = conv_1_kernel_multiplier_limit;
};

// relu_1: activation
struct relu_1_config : nnet::activation_config {
    static const unsigned n_in = 32;
    static const unsigned n_chan = 2;
    static const unsigned table_size = 1024;
    static const unsigned table_range_log2 = 3;
    static const unsigned reuse_factor = 1;
};

// pool_1: pool2d
struct pool_1_config : nnet::pool_config {
    static const unsigned in_height = 4;
    static const unsigned in_width = 4;
    static const unsigned n_chan = 2;
    static const unsigned filt_height = 2;
    static const unsigned filt_width = 2;
    static const unsigned stride_height = 2;
    static const unsigned stride_width = 2;
    static const unsigned dilation_height = 1;
    static const unsigned dilation_width = 1;
    static const unsigned pad_top = 0;
    static const unsigned pad_left = 0;
    static const unsigned out_height = 2;
    static const unsigned out_width = 2;
    static const unsigned pool_op = 0;
};

// flatten: flatten
struct flatten_config : nnet::reshape_config {
    static const unsigned n_elem = 8;
};

// dense: dense
struct dense_config : nnet::dense_config {
    typedef dense_accum_t accum_t;
    typedef dense_kernel_t kernel_t;
    typedef dense_bias_t bias_t;
    static const unsigned n_in = 8;
    static const unsigned n_out = 3;
    static const unsigned strategy = 0;
    static const unsigned reuse_factor = 1;
    static const unsigned multiplier_limit = dense_kernel_multiplier_limit;
};

// softmax: activation
struct softmax_config : nnet::activation_config {
    typedef softmax_exp_table_t exp_table_t;
    typedef softmax_inv_table_t inv_table_t;
    typedef softmax_accum_t accum_t;
    static const unsigned n_in = 3;
    static const unsigned n_chan = 3;
    static const unsigned table_size = 64;
    static const unsigned table_range_log2 = 3;
    static const unsigned reuse_factor = 1;
};

#endif

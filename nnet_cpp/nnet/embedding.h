// Embedding: res[i][j] = res_T(embeddings[index(data[i])][j]).
//
// Index (identical to fpga_export/layers/embedding.py): the input value truncated toward
// zero (x.to_int()), clamped to [0, vocab_size - 1]: values below 1 read row 0, values at
// or above vocab_size - 1 read the last row. The comparisons come first, so to_int() only
// sees values in [1, vocab_size) and never wraps, whatever the input type's width.
#ifndef NNET_EMBEDDING_H_
#define NNET_EMBEDDING_H_

#include "nnet/common.h"

namespace nnet {

struct embedding_config {
    // sizes
    static const unsigned n_in = 10;        // sequence length
    static const unsigned vocab_size = 16;  // rows of the table
    static const unsigned n_out = 8;        // embedding dimension
    // types
    typedef fixed<16, 6> embeddings_t;
};

template <class data_T, typename CONFIG_T>
unsigned embedding_index(const data_T &x) {
#pragma HLS INLINE
    if (x < 1) return 0;
    if (x >= (int)(CONFIG_T::vocab_size - 1)) return CONFIG_T::vocab_size - 1;
    return (unsigned)x.to_int();
}

template <class data_T, class res_T, typename CONFIG_T>
void embedding(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in * CONFIG_T::n_out],
               const typename CONFIG_T::embeddings_t
                   embeddings[CONFIG_T::vocab_size * CONFIG_T::n_out]) {
Sequence:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS UNROLL
        const unsigned row = embedding_index<data_T, CONFIG_T>(data[i]);
        for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
#pragma HLS UNROLL
            res[i * CONFIG_T::n_out + j] = (res_T)embeddings[row * CONFIG_T::n_out + j];
        }
    }
}

// io_stream: the input is one packet holding the whole sequence (n_in ids); the output is
// n_in packets of n_out values, one per token.
template <class data_T, class res_T, typename CONFIG_T>
void embedding_stream(stream<data_T> &data, stream<res_T> &res,
                      const typename CONFIG_T::embeddings_t
                          embeddings[CONFIG_T::vocab_size * CONFIG_T::n_out]) {
    data_T in_packet = data.read();
Sequence:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
#pragma HLS PIPELINE
        const unsigned row =
            embedding_index<typename data_T::value_type, CONFIG_T>(in_packet[i]);
        res_T out_packet;
        for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
#pragma HLS UNROLL
            out_packet[j] = (typename res_T::value_type)embeddings[row * CONFIG_T::n_out + j];
        }
        res.write(out_packet);
    }
}

}  // namespace nnet

#endif

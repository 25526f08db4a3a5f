/*
 * Inputs of `memgen detect` and `memgen repr` read a block of rows at a time
 * (--chunk-rows), so memory does not grow with the number of samples:
 * samples (n x d, float32 rows) or activations pooled to n x F as they are
 * read (mg_features_reduce_into on the bytes as stored: one pass over them).
 * Activations are read ahead: a second thread reads the next block (the
 * kernel's copy from the page cache) while this one pools the current one.
 */
#ifndef MEMGEN_STREAM_CLI_H
#define MEMGEN_STREAM_CLI_H

#include <pthread.h>
#include <stdint.h>

#include "features_cli.h"
#include "memgen/npy.h"

/* An open input. After stream_read(s, r0, m), buf holds its m x F rows. */
typedef struct {
    mg_npy_rows *r;
    const char *path;
    fc_opts fc;     /* activations: layout and pooling (fc.path non-NULL) */
    int features;   /* 1: activations pooled by fc */
    int one_row;    /* samples given as a 1-D file: one row of all its values */
    int64_t n, F, k; /* rows, values per row (after pooling), rows per block */
    float *buf;     /* a block: k x F floats */
    /* activations: two blocks as stored, one pooled while the reader thread fills the other */
    unsigned char *raw[2];
    int cur;                 /* raw[cur]: the block being pooled */
    int ahead;               /* 0: no read ahead; 1: the reader is reading ...; 2: ... and is done */
    int64_t ahead_r0, ahead_m;
    mg_status ahead_st;
    int thread_on, quit;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} stream_in;

/* Opens path (what names it in messages): activations when fc is given,
 * samples otherwise. chunk_rows = --chunk-rows (0: the default block);
 * align > 1 rounds the block up to a multiple of align rows (samples scored
 * by a model: MG_DETECT_BLOCK_ALIGN, the bits of one whole call). */
mg_status stream_open(const char *path, const char *what, const fc_opts *fc, int64_t chunk_rows, int64_t align,
                      stream_in *s);

/* Reads rows [r0, r0 + m) (m <= k) into s->buf, pooled when activations. */
mg_status stream_read(stream_in *s, int64_t r0, int64_t m);

/* Bytes of the file per row (for rates). */
double stream_row_bytes(const stream_in *s);

/* Closes (a zeroed or closed stream is fine). */
void stream_close(stream_in *s);

#endif /* MEMGEN_STREAM_CLI_H */

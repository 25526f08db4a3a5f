/*
 * Block-by-block reading of the inputs of `memgen detect` and `memgen repr`
 * (see stream_cli.h).
 */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "stream_cli.h"

/* Default blocks. Samples: about 2 MB of float32, which stays in cache from
 * the conversion to the model. Activations: about 1 MB of the file as stored
 * (float16 stays float16), which stays in the 2 MB L2 cache from the read to
 * the pooling. */
#define STREAM_SAMPLE_BYTES (2 << 20)
#define STREAM_ACT_BYTES (1 << 20)

/* The reader thread: reads the block asked for (ahead == 1) into the other
 * buffer, then says it is done (ahead == 2). */
static void *reader_main(void *arg) {
    stream_in *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->ahead != 1 && !s->quit) pthread_cond_wait(&s->cv, &s->mu);
        if (s->quit) break;
        int64_t r0 = s->ahead_r0, m = s->ahead_m;
        unsigned char *dst = s->raw[1 - s->cur];
        pthread_mutex_unlock(&s->mu);
        mg_status st = mg_npy_rows_read(s->r, r0, m, dst); /* the file is this thread's until it says done */
        pthread_mutex_lock(&s->mu);
        s->ahead_st = st;
        s->ahead = 2;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Waits until the reader is done with the file; returns whether it read (r0, m). */
static int ahead_wait(stream_in *s, int64_t r0, int64_t m) {
    if (!s->thread_on) return 0;
    pthread_mutex_lock(&s->mu);
    while (s->ahead == 1) pthread_cond_wait(&s->cv, &s->mu);
    int hit = s->ahead == 2 && s->ahead_r0 == r0 && s->ahead_m == m && s->ahead_st == MG_OK;
    s->ahead = 0;
    pthread_mutex_unlock(&s->mu);
    return hit;
}

/* Asks the reader for rows [r0, r0 + m) (starting it the first time); 0 if it cannot run. */
static int ahead_ask(stream_in *s, int64_t r0, int64_t m) {
    if (!s->thread_on) {
        if (pthread_mutex_init(&s->mu, NULL) != 0) return 0;
        if (pthread_cond_init(&s->cv, NULL) != 0) {
            pthread_mutex_destroy(&s->mu);
            return 0;
        }
        if (pthread_create(&s->th, NULL, reader_main, s) != 0) {
            pthread_cond_destroy(&s->cv);
            pthread_mutex_destroy(&s->mu);
            return 0;
        }
        s->thread_on = 1;
    }
    pthread_mutex_lock(&s->mu);
    s->ahead_r0 = r0;
    s->ahead_m = m;
    s->ahead = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return 1;
}

/* Closes a stream. */
void stream_close(stream_in *s) {
    if (s->thread_on) {
        pthread_mutex_lock(&s->mu);
        while (s->ahead == 1) pthread_cond_wait(&s->cv, &s->mu);
        s->quit = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->th, NULL);
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
    }
    mg_npy_rows_close(s->r);
    free(s->buf);
    free(s->raw[0]);
    free(s->raw[1]);
    memset(s, 0, sizeof *s);
}

/* Bytes of the file per row. */
double stream_row_bytes(const stream_in *s) {
    const mg_npy_info *in = mg_npy_rows_info(s->r);
    return s->n > 0 ? (double)in->data_bytes / (double)(s->one_row ? 1 : in->shape[0]) : 0.0;
}

/* Reads block [r0, r0 + m) into buf; activations are pooled from the file's bytes. */
mg_status stream_read(stream_in *s, int64_t r0, int64_t m) {
    if (!s->features) {
        mg_status st = s->one_row ? mg_npy_rows_read_f32(s->r, 0, s->F, s->buf)
                                  : mg_npy_rows_read_f32(s->r, r0, m, s->buf);
        return st == MG_OK ? st : mg_fail_context(st, "samples");
    }
    const mg_npy_info *in = mg_npy_rows_info(s->r);
    mg_array a = {0}; /* the block as an array of the file's dtype and trailing shape */
    a.dtype = in->dtype;
    a.ndim = in->ndim;
    for (int i = 0; i < in->ndim; i++) a.shape[i] = in->shape[i];
    a.shape[0] = m;
    /* the block read ahead, or (the first, or after a jump or a failed read, which then fails here again
     * with its message on this thread) read now */
    if (ahead_wait(s, r0, m)) s->cur = 1 - s->cur;
    else MG_TRY(mg_npy_rows_read(s->r, r0, m, s->raw[s->cur]));
    if (r0 + m < s->n) {
        int64_t m2 = s->n - (r0 + m) < s->k ? s->n - (r0 + m) : s->k;
        (void)ahead_ask(s, r0 + m, m2); /* without a thread, the next block is read when asked for */
    }
    a.data = s->raw[s->cur];
    int nt = 1;
#ifdef _OPENMP
    nt = omp_get_max_threads(); /* the reader has a core of its own: one OpenMP thread fewer meanwhile */
    if (s->thread_on && nt > 1) omp_set_num_threads(nt - 1);
#endif
    mg_status st = mg_features_reduce_into(&a, s->fc.layout, s->fc.pool, s->buf);
#ifdef _OPENMP
    if (s->thread_on && nt > 1) omp_set_num_threads(nt);
#endif
    (void)nt;
    if (st != MG_OK) st = mg_fail_context(st, "%s, rows %lld..%lld", s->path, (long long)r0, (long long)(r0 + m - 1));
    return st;
}

/* Opens samples or activations for block reading: checks the header, finds F
 * and sizes the block. */
mg_status stream_open(const char *path, const char *what, const fc_opts *fc, int64_t chunk_rows, int64_t align,
                      stream_in *s) {
    memset(s, 0, sizeof *s);
    s->path = path;
    s->features = fc != NULL;
    if (fc) s->fc = *fc;
    mg_status st = mg_npy_rows_open(path, &s->r);
    if (st != MG_OK) return mg_fail_context(st, "%s", what);
    const mg_npy_info *in = mg_npy_rows_info(s->r);
    int64_t w = mg_npy_rows_width(s->r);
    s->n = in->shape[0];
    s->F = w;
    if (!s->features && in->ndim == 1) { /* as mg_npy_read_matrix: one row */
        s->one_row = 1;
        s->F = s->n;
        s->n = 1;
        w = s->F;
    }
    if (s->features) {
        mg_array probe = {0}; /* the shape alone: F after pooling */
        probe.dtype = in->dtype;
        probe.ndim = in->ndim;
        for (int i = 0; i < in->ndim; i++) probe.shape[i] = in->shape[i];
        if (in->ndim >= 2 && probe.shape[0] == 0) probe.shape[0] = 1;
        st = mg_features_width(&probe, s->fc.layout, s->fc.pool, &s->F);
        if (st != MG_OK) st = mg_fail_context(st, "%s", path);
    }
    int64_t rb = w * (int64_t)(s->features ? mg_dtype_size(in->dtype) : sizeof(float));
    s->k = chunk_rows > 0 ? chunk_rows : (s->features ? STREAM_ACT_BYTES : STREAM_SAMPLE_BYTES) / (rb > 0 ? rb : 1);
    if (s->k < 1) s->k = 1;
    if (align > 1) s->k = (s->k + align - 1) / align * align;
    if (s->k > s->n) s->k = s->n > 0 ? s->n : 1;
    if (st == MG_OK) {
        s->buf = malloc((s->one_row ? (size_t)s->F : (size_t)s->k * (size_t)s->F) * sizeof(float) + 1);
        for (int j = 0; s->features && j < 2; j++) s->raw[j] = malloc((size_t)(s->k * rb) + 1);
        if (!s->buf || (s->features && (!s->raw[0] || !s->raw[1])))
            st = mg_fail(MG_ERR_NOMEM, "%s: cannot allocate a block of %lld rows", path, (long long)s->k);
    }
    if (st != MG_OK) stream_close(s);
    return st;
}

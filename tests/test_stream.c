/*
 * Streaming inputs (issue 18): mg_npy_rows reads .npy files in blocks of rows
 * with the bits of the whole-file readers; feature pooling, spikiness and
 * Algorithm 1 scored block by block give the bits of one whole call; bad and
 * truncated files fail clearly; the fused one-pass pooling matches the
 * scalar definition bit for bit; reading a 200 MB file block by block keeps
 * the peak RSS far below the file size, in the library and in `memgen detect`
 * and `memgen repr` run as children; `detect` and `repr --chunk-rows` write
 * the same outputs as one whole block; a killed `detect` resumes to the same
 * bytes, and a changed input or option is refused.
 */
#define _DEFAULT_SOURCE /* wait4, usleep */
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "memgen/detect.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"

/* Writes an array of dtype dt and the given shape filled with f(i) to path. */
static void write_filled(const char *path, mg_dtype dt, int ndim, const int64_t *shape) {
    mg_array a;
    tu_assert_ok(mg_array_alloc(&a, dt, ndim, shape));
    int64_t n = mg_array_numel(&a);
    for (int64_t i = 0; i < n; i++) {
        double v = (double)((i * 37) % 101) / 7.0 - 5.0;
        switch (dt) {
        case MG_F32: ((float *)a.data)[i] = (float)v; break;
        case MG_F64: ((double *)a.data)[i] = v; break;
        case MG_I32: ((int32_t *)a.data)[i] = (int32_t)(i * 7 - 50); break;
        case MG_F16: ((uint16_t *)a.data)[i] = (uint16_t)(0x3000 + (i * 97) % 0x0C00) | (i % 3 ? 0 : 0x8000); break;
        default: fail();
        }
    }
    tu_assert_ok(mg_npy_write(path, &a));
    mg_array_free(&a);
}

/* Reads path block by block (k rows) and compares with the whole readers. */
static void check_blocks(const char *path, int64_t k) {
    mg_array whole, whole32;
    tu_assert_ok(mg_npy_read(path, &whole));
    tu_assert_ok(mg_npy_read_f32(path, &whole32));
    mg_npy_rows *r;
    tu_assert_ok(mg_npy_rows_open(path, &r));
    const mg_npy_info *in = mg_npy_rows_info(r);
    int64_t n = in->shape[0], w = mg_npy_rows_width(r);
    assert_int_equal(n * w, mg_array_numel(&whole));
    size_t es = mg_dtype_size(in->dtype);
    assert_int_equal(in->dtype, whole.dtype);
    unsigned char *buf = malloc((size_t)(n * w) * es + 1);
    float *buf32 = malloc((size_t)(n * w) * sizeof(float) + 1);
    for (int64_t r0 = 0; r0 < n; r0 += k) {
        int64_t m = n - r0 < k ? n - r0 : k;
        tu_assert_ok(mg_npy_rows_read(r, r0, m, buf + (size_t)(r0 * w) * es));
        tu_assert_ok(mg_npy_rows_read_f32(r, r0, m, buf32 + r0 * w));
    }
    assert_memory_equal(buf, whole.data, mg_array_nbytes(&whole));
    assert_memory_equal(buf32, whole32.data, mg_array_nbytes(&whole32));
    /* out of range */
    assert_int_equal(mg_npy_rows_read(r, n - 1, 2, buf), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "out of range"));
    assert_int_equal(mg_npy_rows_read(r, -1, 1, buf), MG_ERR_ARG);
    free(buf);
    free(buf32);
    mg_npy_rows_close(r);
    mg_array_free(&whole);
    mg_array_free(&whole32);
}

/* Blocks of 3 rows (n not a multiple) equal the whole readers, every dtype and layout. */
static void test_rows_reader(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *p = tu_path(dir, "a.npy");
    mg_dtype dts[4] = {MG_F32, MG_F64, MG_I32, MG_F16};
    for (int t = 0; t < 4; t++) {
        write_filled(p, dts[t], 4, (int64_t[]){11, 3, 2, 2});
        check_blocks(p, 3);
        check_blocks(p, 11);
        write_filled(p, dts[t], 1, (int64_t[]){10});
        check_blocks(p, 3);
    }
    check_blocks(tu_fixture("io/fortran_f8_3x4.npy"), 2);
    check_blocks(tu_fixture("io/be_fortran_f8_2x3.npy"), 1);
    check_blocks(tu_fixture("io/be_f4_2x3.npy"), 1);
    check_blocks(tu_fixture("io/be_i8_3.npy"), 2);
    free(p);
    tu_rmtree(dir);
    free(dir);
}

/* Every float16 bit pattern converts exactly (vector and scalar paths alike):
 * numbers to their value, Inf to Inf, NaN keeping sign and payload. */
static void test_half_exhaustive(void **state) {
    (void)state;
    uint16_t *h = malloc(65536 * 2 + 6);
    float *f = malloc((65536 + 3) * sizeof(float));
    for (int i = 0; i < 65536 + 3; i++) h[i] = (uint16_t)(i & 0xffff); /* + 3: a scalar tail */
    tu_assert_ok(mg_convert_to_f32(MG_F16, h, 65536 + 3, f));
    for (int i = 0; i < 65536 + 3; i++) {
        uint16_t b = h[i];
        int e = (b >> 10) & 31, m = b & 1023, neg = b >> 15;
        uint32_t got;
        memcpy(&got, &f[i], 4);
        if (e == 31) {
            uint32_t want = (uint32_t)neg << 31 | 0x7f800000u | (uint32_t)m << 13;
            assert_int_equal(got, want);
        } else {
            double v = e ? ldexp(1024 + m, e - 25) : ldexp(m, -24);
            assert_true((double)f[i] == (neg ? -v : v));
            assert_int_equal(got >> 31, (uint32_t)neg);
        }
    }
    free(h);
    free(f);
}

/* The pooling as plain scalar loops over float32 (the definition the fused
 * kernels must match bit for bit, the sign of a zero included). */
static void ref_pool(const mg_array *a, int chfirst, mg_pool_kind pool, float *y) {
    mg_array f;
    tu_assert_ok(mg_array_to_f32(a, &f));
    int64_t n = f.shape[0], rest = mg_array_numel(&f) / n;
    int64_t C = chfirst ? f.shape[1] : f.shape[f.ndim - 1], L = rest / C;
    for (int64_t i = 0; i < n; i++)
        for (int64_t c = 0; c < C; c++) {
            const float *x = (const float *)f.data + i * rest;
            int64_t step = chfirst ? 1 : C, base = chfirst ? c * L : c;
            float m = x[base];
            double sum = 0;
            for (int64_t l = 0; l < L; l++) {
                if (x[base + l * step] > m) m = x[base + l * step];
                sum += x[base + l * step];
            }
            y[i * C + c] = pool == MG_POOL_MAX ? m : (float)(sum / (double)L);
        }
    mg_array_free(&f);
}

/* The fused one-pass pooling (float16 and float32, both layouts, max and
 * mean, extents below and above the vector width, ragged tails) gives the
 * bits of the scalar definition; values with many +0 and -0 maxima. */
static void test_pool_exact(void **state) {
    (void)state;
    static const int64_t shapes[][4] = {{5, 3, 40, 1}, {4, 6, 8, 8}, {5, 2, 7, 1}, {3, 9, 11, 1},
                                        {4, 50, 16, 1}, {2, 3, 97, 1}, {3, 33, 17, 1}};
    mg_rng rng;
    mg_rng_init(&rng, 11);
    for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++)
        for (int dt = 0; dt < 2; dt++) {
            int nd = shapes[sh][3] > 1 ? 4 : 3;
            mg_array a;
            tu_assert_ok(mg_array_alloc(&a, dt ? MG_F32 : MG_F16, nd, shapes[sh]));
            int64_t N = mg_array_numel(&a);
            uint16_t *h = malloc((size_t)N * 2);
            for (int64_t i = 0; i < N; i++) { /* +0, -0, negative numbers, and now and then a positive one */
                uint64_t u = mg_rng_below(&rng, 1u << 30);
                uint16_t mag = (uint16_t)(((1 + (u >> 2) % 20) << 10) | ((u >> 7) & 0x3ff));
                h[i] = (u & 3) == 0 ? 0x0000 : (u & 3) == 1 ? 0x8000 : (uint16_t)(0x8000 | mag);
                if ((u >> 17) % 97 == 0) h[i] = mag;
            }
            if (dt) tu_assert_ok(mg_convert_to_f32(MG_F16, h, N, a.data));
            else memcpy(a.data, h, (size_t)N * 2);
            free(h);
            for (int lay = 0; lay < 2; lay++)
                for (int pl = 0; pl < 2; pl++) {
                    mg_pool_kind pool = pl ? MG_POOL_MEAN : MG_POOL_MAX;
                    mg_array got;
                    tu_assert_ok(mg_features_reduce(&a, lay ? MG_LAYOUT_CLAST : MG_LAYOUT_NCHW, pool, &got));
                    float *want = malloc((size_t)mg_array_numel(&got) * sizeof(float));
                    ref_pool(&a, !lay, pool, want);
                    assert_memory_equal(got.data, want, (size_t)mg_array_numel(&got) * sizeof(float));
                    free(want);
                    mg_array_free(&got);
                }
            mg_array_free(&a);
        }
}

/* Malformed and truncated files: clear errors at open, or at the read when
 * the file shrinks after it was opened. */
static void test_rows_errors(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *p = tu_path(dir, "a.npy");
    mg_npy_rows *r = NULL;
    write_filled(p, MG_F32, 2, (int64_t[]){10, 1000});
    tu_assert_ok(mg_npy_rows_open(p, &r));
    off_t data0 = (off_t)mg_npy_rows_info(r)->data_offset;
    assert_int_equal(truncate(p, data0 + 4000 * 5), 0); /* 5 of 10 rows left */
    float *buf = malloc(3 * 4000);
    tu_assert_ok(mg_npy_rows_read(r, 0, 2, buf));
    assert_int_equal(mg_npy_rows_read(r, 6, 3, buf), MG_ERR_IO);
    free(buf);
    assert_non_null(strstr(mg_last_error(), "short read"));
    mg_npy_rows_close(r);
    r = NULL;
    assert_int_equal(mg_npy_rows_open(p, &r), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "truncated"));
    assert_null(r);
    tu_write_bytes(p, "not an npy file", 15);
    assert_int_equal(mg_npy_rows_open(p, &r), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "not an .npy"));
    char *q = tu_path(dir, "missing.npy");
    assert_int_not_equal(mg_npy_rows_open(q, &r), MG_OK);
    mg_array s;
    tu_assert_ok(mg_array_alloc(&s, MG_F32, 0, NULL));
    tu_assert_ok(mg_npy_write(p, &s));
    mg_array_free(&s);
    assert_int_equal(mg_npy_rows_open(p, &r), MG_ERR_SHAPE);
    free(q);
    free(p);
    tu_rmtree(dir);
    free(dir);
}

/* Pooling + spikiness block by block = whole; Algorithm 1 with row0 = whole. */
static void test_chunked_scores(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *p = tu_path(dir, "acts.npy");
    write_filled(p, MG_F16, 4, (int64_t[]){23, 5, 3, 2});
    mg_array a, f;
    tu_assert_ok(mg_npy_read(p, &a));
    tu_assert_ok(mg_features_reduce(&a, MG_LAYOUT_NCHW, MG_POOL_MAX, &f));
    double whole[23], part[23];
    tu_assert_ok(mg_spikiness_rows(mg_mat_of_array(&f), MG_SPIKE_STD, whole));
    mg_array_free(&f);
    mg_npy_rows *r;
    tu_assert_ok(mg_npy_rows_open(p, &r));
    mg_array blk = a; /* a view of tmp: same dtype and trailing shape */
    for (int64_t r0 = 0; r0 < 23; r0 += 3) {
        int64_t m = 23 - r0 < 3 ? 23 - r0 : 3;
        blk.shape[0] = m;
        uint16_t tmp[3 * 30];
        blk.data = tmp;
        tu_assert_ok(mg_npy_rows_read(r, r0, m, tmp));
        tu_assert_ok(mg_features_reduce(&blk, MG_LAYOUT_NCHW, MG_POOL_MAX, &f));
        tu_assert_ok(mg_spikiness_rows(mg_mat_of_array(&f), MG_SPIKE_STD, part + r0));
        mg_array_free(&f);
    }
    assert_memory_equal(part, whole, sizeof whole);
    mg_npy_rows_close(r);
    mg_array_free(&a);

    /* Algorithm 1: d = 40, two levels, n = 4101 scored in aligned blocks
     * (2048, 4096 rows: the same bits) and in blocks of 3 (rounding only) */
    double sig[2] = {0.1, 0.5};
    mg_daeset set;
    tu_assert_ok(mg_daeset_alloc(2, sig, &set));
    mg_rng rng;
    mg_rng_init(&rng, 5);
    for (int l = 0; l < 2; l++) {
        tu_assert_ok(mg_dae_create(40, 33 + l, 0, 1, &set.levels[l]));
        mg_dae_init_normal(set.levels[l], &rng, 0.3f);
        mg_dae_set_sigma(set.levels[l], sig[l]);
    }
    const int64_t n = 2 * MG_DETECT_BLOCK_ALIGN + 5;
    float *X = malloc((size_t)n * 40 * sizeof(float));
    mg_rng_normal(&rng, X, (size_t)n * 40);
    double *s1 = malloc((size_t)n * sizeof(double)), *s2 = malloc((size_t)n * sizeof(double));
    mg_detect_params dp = MG_DETECT_PARAMS_DEFAULT;
    const int64_t blocks[3] = {MG_DETECT_BLOCK_ALIGN, 2 * MG_DETECT_BLOCK_ALIGN, 3};
    for (int cfg = 0; cfg < 3; cfg++) {
        dp.sigmas = cfg ? sig : NULL;
        dp.nsigmas = cfg ? 2 : 0;
        dp.combine = cfg == 2 ? MG_COMBINE_CONCAT : MG_COMBINE_MEAN;
        tu_assert_ok(mg_detect_model(&set, (mg_mat){n, 40, 40, X}, &dp, &rng, s1));
        for (int b = 0; b < 3; b++) {
            int64_t k = blocks[b];
            for (int64_t r0 = 0; r0 < n; r0 += k) {
                int64_t m = n - r0 < k ? n - r0 : k;
                tu_assert_ok(mg_detect_model_rows(&set, (mg_mat){m, 40, 40, X + r0 * 40}, &dp, &rng, r0, s2 + r0));
            }
            if (k % MG_DETECT_BLOCK_ALIGN == 0) assert_memory_equal(s1, s2, (size_t)n * sizeof(double));
            else assert_int_equal(tu_count_mismatch_d(s2, s1, n, 1e-9, 1e-5, "blocks of 3"), 0);
        }
    }
    assert_int_equal(mg_detect_model_rows(&set, (mg_mat){n, 40, 40, X}, &dp, &rng, -1, s2), MG_ERR_ARG);
    free(X);
    free(s1);
    free(s2);
    mg_daeset_free(&set);
    free(p);
    tu_rmtree(dir);
    free(dir);
}

/* Runs `memgen ARGS >>log 2>&1` as a child and returns its exit code (128 +
 * the signal when it was killed); *rss (may be NULL) receives its peak RSS in
 * bytes. With watch, the child is killed by SIGKILL once that file holds at
 * least watch_lines lines. */
static int spawn_memgen(const char *log, double *rss, const char *watch, int watch_lines, const char *fmt, ...) {
    const char *bin = getenv("MEMGEN") && *getenv("MEMGEN") ? getenv("MEMGEN") : "build/memgen";
    char args[4096], cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "exec %s %s >>%s 2>&1", bin, args, log);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int status = 0, killed = 0;
    struct rusage ru;
    for (;;) {
        pid_t w = wait4(pid, &status, watch && !killed ? WNOHANG : 0, &ru);
        if (w == pid) break;
        assert_int_equal(w, 0);
        char *t = tu_read_text(watch);
        if (t && tu_count_of(t, "\n") >= watch_lines) {
            kill(pid, SIGKILL);
            killed = 1;
        }
        free(t);
        usleep(500);
    }
    if (rss) *rss = (double)ru.ru_maxrss * 1024.0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Peak resident set size of this process in bytes. */
static double peak_rss(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss * 1024.0;
}

/* Writes an n x shape[0] (x shape[1] when nd == 3) float16 file of finite
 * values to a new temporary file (path: a mkstemp template), a row at a time. */
static void write_big_f16(char *path, int64_t n, int nd, const int64_t *shape) {
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "wb");
    int64_t full[3] = {n, shape[0], nd == 3 ? shape[1] : 1}, w = full[1] * full[2];
    unsigned char head[1024];
    size_t hl;
    tu_assert_ok(mg_npy_header(MG_F16, nd, full, head, sizeof head, &hl));
    assert_int_equal(fwrite(head, 1, hl, fp), hl);
    uint16_t *row = malloc((size_t)w * 2);
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = 0; j < w; j++) row[j] = (uint16_t)(0x2000 + ((i * 131 + j * 7) & 0x1FFF));
        assert_int_equal(fwrite(row, 2, (size_t)w, fp), (size_t)w);
    }
    free(row);
    assert_int_equal(fclose(fp), 0);
}

/* A 200 MB float16 file read in 8 MB blocks, pooled and scored: the peak
 * RSS grows by far less than the file. */
static void test_bounded_memory(void **state) {
    (void)state;
    const int64_t n = 25600, w = 4096; /* 25600 x 4096 x 2 bytes = 200 MiB */
    struct statvfs vfs;
    if (statvfs("/tmp", &vfs) == 0 && (double)vfs.f_bavail * (double)vfs.f_frsize < 600e6) {
        printf("bounded memory: SKIPPED (/tmp has less than 600 MB free)\n");
        return;
    }
    char path[] = "/tmp/memgen_stream_XXXXXX";
    write_big_f16(path, n, 2, (int64_t[]){w, 0});
    double before = peak_rss(), t0 = mg_now();
    mg_npy_rows *r;
    tu_assert_ok(mg_npy_rows_open(path, &r));
    int64_t k = 512; /* 512 rows x 4096 x 4 bytes = 8 MiB of float32 */
    float *blk = malloc((size_t)(k * w) * sizeof(float));
    double *scores = malloc((size_t)n * sizeof(double)), sum = 0;
    for (int64_t r0 = 0; r0 < n; r0 += k) {
        int64_t m = n - r0 < k ? n - r0 : k;
        tu_assert_ok(mg_npy_rows_read_f32(r, r0, m, blk));
        tu_assert_ok(mg_spikiness_rows((mg_mat){m, w, w, blk}, MG_SPIKE_STD, scores + r0));
    }
    for (int64_t i = 0; i < n; i++) sum += scores[i];
    double grow = peak_rss() - before;
    printf("bounded memory: 200 MiB float16 file in 8 MiB blocks: peak RSS +%.1f MiB, %.2f s (checksum %.6g)\n",
           grow / 1048576.0, mg_now() - t0, sum);
    assert_true(grow < 64.0 * 1048576.0);
    free(blk);
    free(scores);
    mg_npy_rows_close(r);
    /* the CLI on the same file as a child: whole-file reading would take 200 MiB (float16) + 400 MiB
     * (float32); block by block its peak RSS stays far below */
    char out[64], log[64];
    snprintf(out, sizeof out, "%s.csv", path);
    snprintf(log, sizeof log, "%s.log", path);
    double rss_det, rss_repr;
    assert_int_equal(spawn_memgen(log, &rss_det, NULL, 0, "detect --features %s --out %s", path, out), 0);
    assert_int_equal(spawn_memgen(log, &rss_repr, NULL, 0, "repr --features %s --stats %s", path, out), 0);
    printf("bounded memory: memgen detect / repr over it: peak RSS %.1f / %.1f MiB\n", rss_det / 1048576.0,
           rss_repr / 1048576.0);
#ifdef __SANITIZE_ADDRESS__
    const double bound = 192.0 * 1048576.0; /* AddressSanitizer's shadow memory and quarantine come on top */
#else
    const double bound = 64.0 * 1048576.0;
#endif
    assert_true(rss_det < bound);
    assert_true(rss_repr < bound);
    unlink(out);
    unlink(log);
    unlink(path);
}

/* Runs `memgen FMT` (its arguments: the inputs' options, a --chunk-rows value, then
 * folder and index for each of its three outputs, NAME<index>.npy, .csv and
 * .json) with each of chunks[0..3): the outputs of every run are the same bytes. */
static void same_outputs(const char *log, const char *dir, const char *fmt, const char *in, const char *const *chunks) {
    static const char *const ext[3] = {"npy", "csv", "json"};
    unsigned char *bytes[3][3];
    size_t len[3][3];
    char letter = strstr(fmt, "--out %s/")[9]; /* the outputs' name */
    for (int c = 0; c < 3; c++) {
        assert_int_equal(tu_memgen(log, fmt, in, chunks[c], dir, c, dir, c, dir, c), 0);
        for (int f = 0; f < 3; f++) {
            char name[32];
            snprintf(name, sizeof name, "%c%d.%s", letter, c, ext[f]);
            char *pp = tu_path(dir, name);
            tu_assert_ok(mg_read_file(pp, 0, &bytes[c][f], &len[c][f]));
            assert_true(len[c][f] > 0);
            free(pp);
        }
    }
    for (int c = 0; c < 3; c++)
        for (int f = 0; f < 3; f++) {
            assert_int_equal(len[c][f], len[0][f]);
            assert_memory_equal(bytes[c][f], bytes[0][f], len[0][f]);
        }
    for (int c = 0; c < 3; c++)
        for (int f = 0; f < 3; f++) free(bytes[c][f]);
}

/* Whether two files hold the same bytes. */
static int same_file(const char *a, const char *b) {
    unsigned char *x, *y;
    size_t lx, ly;
    tu_assert_ok(mg_read_file(a, 0, &x, &lx));
    tu_assert_ok(mg_read_file(b, 0, &y, &ly));
    int same = lx == ly && memcmp(x, y, lx) == 0;
    free(x);
    free(y);
    return same;
}

/* A killed audit resumes to the same bits: detect is killed (SIGKILL) once its
 * partial CSV has some blocks, rerun, and its CSV, scores and flags equal an
 * uninterrupted run's; a changed option or input is refused (the partial run
 * kept), --force starts over. */
static void test_cli_resume(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *acts = tu_path(dir, "acts.npy"), *log = tu_path(dir, "log"), *part = tu_path(dir, "o.csv.partial");
    char *o = tu_path(dir, "o.csv"), *sc = tu_path(dir, "s.npy"), *fl = tu_path(dir, "f.npy");
    char tmpl[] = "/tmp/memgen_resume_XXXXXX";
    write_big_f16(tmpl, 100000, 3, (int64_t[]){8, 16}); /* 100000 x 8 x 16 */
    assert_int_equal(rename(tmpl, acts), 0);
    char run[2048];
    snprintf(run, sizeof run, "detect --features %s --layout nchw --threshold 0.01 --out %s --scores-out %s "
             "--flags-out %s --chunk-rows", acts, o, sc, fl);
    const char *names[3] = {"o.csv", "s.npy", "f.npy"};
    char *ref[3];
    assert_int_equal(spawn_memgen(log, NULL, NULL, 0, "%s 2", run), 0);
    for (int i = 0; i < 3; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "ref_%s", names[i]);
        ref[i] = tu_path(dir, nm);
        char *p = tu_path(dir, names[i]);
        assert_int_equal(rename(p, ref[i]), 0);
        free(p);
    }
    /* killed mid-run: the partial files stay, no output under the final names */
    assert_int_equal(spawn_memgen(log, NULL, part, 3000, "%s 2", run), 128 + SIGKILL);
    assert_int_equal(access(part, F_OK), 0);
    assert_int_not_equal(access(o, F_OK), 0);
    /* other options, or a changed input: refused, naming what differs; the partial run kept */
    assert_int_not_equal(spawn_memgen(log, NULL, NULL, 0, "%s 4", run), 0);
    struct stat sb;
    assert_int_equal(stat(acts, &sb), 0);
    struct timespec ts[2] = {sb.st_atim, {sb.st_mtim.tv_sec + 5, sb.st_mtim.tv_nsec}};
    assert_int_equal(utimensat(AT_FDCWD, acts, ts, 0), 0);
    assert_int_not_equal(spawn_memgen(log, NULL, NULL, 0, "%s 2", run), 0);
    ts[1] = sb.st_mtim;
    assert_int_equal(utimensat(AT_FDCWD, acts, ts, 0), 0);
    char *text = tu_read_text(log);
    assert_non_null(strstr(text, "(chunk_rows differs): rerun the same command to resume it, or add --force"));
    assert_non_null(strstr(text, "(features differs)"));
    assert_null(strstr(text, "resuming"));
    free(text);
    assert_int_equal(access(part, F_OK), 0);
    /* the same command resumes (from a block past the start) and ends with the same bits */
    assert_int_equal(spawn_memgen(log, NULL, NULL, 0, "%s 2", run), 0);
    text = tu_read_text(log);
    const char *res = strstr(text, "resuming the partial run");
    assert_non_null(res);
    long long done = -1;
    assert_int_equal(sscanf(strstr(res, ": ") + 2, "%lld", &done), 1);
    assert_true(done > 0 && done < 100000 && done % 2 == 0);
    free(text);
    for (int i = 0; i < 3; i++) {
        char *p = tu_path(dir, names[i]);
        assert_true(same_file(p, ref[i]));
        free(p);
    }
    assert_int_not_equal(access(part, F_OK), 0);
    assert_int_equal(tu_count_entries(dir), 8); /* acts, log, 3 outputs, 3 references: nothing else left */
    /* killed again, then --force with another block size: starts over, the same bits */
    assert_int_equal(spawn_memgen(log, NULL, part, 3000, "%s 2", run), 128 + SIGKILL);
    assert_int_equal(spawn_memgen(log, NULL, NULL, 0, "%s 5 --force", run), 0);
    for (int i = 0; i < 3; i++) {
        char *p = tu_path(dir, names[i]);
        assert_true(same_file(p, ref[i]));
        free(p);
        free(ref[i]);
    }
    assert_int_equal(tu_count_entries(dir), 8);
    free(acts);
    free(log);
    free(part);
    free(o);
    free(sc);
    free(fl);
    tu_rmtree(dir);
    free(dir);
}

/* memgen detect --chunk-rows: every output the same whatever the block size. */
static void test_cli_chunks(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *acts = tu_path(dir, "acts.npy"), *lab = tu_path(dir, "lab.npy"), *log = tu_path(dir, "log");
    write_filled(acts, MG_F16, 4, (int64_t[]){23, 5, 3, 2});
    mg_array l;
    tu_assert_ok(mg_array_alloc(&l, MG_I64, 1, (int64_t[]){23}));
    for (int i = 0; i < 23; i++) ((int64_t *)l.data)[i] = i % 3 == 0;
    tu_assert_ok(mg_npy_write(lab, &l));
    mg_array_free(&l);
    const char *chunks[3] = {"3", "23", "1000"};
    char *csv[3];
    for (int c = 0; c < 3; c++) {
        assert_int_equal(tu_memgen(log, "detect --features %s --layout nchw --labels %s --threshold 0.1 "
                                   "--chunk-rows %s --out %s/o%d.csv --scores-out %s/s%d.npy",
                                   acts, lab, chunks[c], dir, c, dir, c), 0);
        char name[32];
        snprintf(name, sizeof name, "o%d.csv", c);
        char *pp = tu_path(dir, name);
        csv[c] = tu_read_text(pp);
        free(pp);
        assert_non_null(csv[c]);
    }
    assert_string_equal(csv[0], csv[1]);
    assert_string_equal(csv[0], csv[2]);
    assert_int_equal(tu_count_of(csv[0], "\n"), 24);
    for (int c = 0; c < 3; c++) free(csv[c]);
    same_outputs(log, dir, "repr --features %s --layout nchw --chunk-rows %s --out %s/f%d.npy --stats %s/f%d.csv "
                 "--json %s/f%d.json", acts, chunks);
    /* and as the whole-file reader and mg_features_reduce make them */
    mg_array whole, pooled, got;
    tu_assert_ok(mg_npy_read(acts, &whole));
    tu_assert_ok(mg_features_reduce(&whole, MG_LAYOUT_NCHW, MG_POOL_MAX, &pooled));
    char *f0 = tu_path(dir, "f0.npy");
    tu_assert_ok(mg_npy_read(f0, &got));
    assert_int_equal(mg_array_nbytes(&got), mg_array_nbytes(&pooled));
    assert_memory_equal(got.data, pooled.data, mg_array_nbytes(&got));
    free(f0);
    mg_array_free(&whole);
    mg_array_free(&pooled);
    mg_array_free(&got);
    assert_int_not_equal(tu_memgen(log, "detect --features %s --layout nchw --chunk-rows 0", acts), 0);
    /* --model --data: blocks rounded up to MG_DETECT_BLOCK_ALIGN rows, same bits as one block */
    double sig[2] = {0.1, 0.5};
    mg_daeset set;
    tu_assert_ok(mg_daeset_alloc(2, sig, &set));
    mg_rng rng;
    mg_rng_init(&rng, 9);
    for (int lv = 0; lv < 2; lv++) {
        tu_assert_ok(mg_dae_create(40, 30, 0, 1, &set.levels[lv]));
        mg_dae_init_normal(set.levels[lv], &rng, 0.3f);
        mg_dae_set_sigma(set.levels[lv], sig[lv]);
    }
    char *model = tu_path(dir, "set.safetensors"), *xp = tu_path(dir, "X.npy");
    tu_assert_ok(mg_daeset_save(&set, model));
    mg_daeset_free(&set);
    const int64_t n = 2 * MG_DETECT_BLOCK_ALIGN + 5;
    mg_array X;
    tu_assert_ok(mg_array_alloc(&X, MG_F32, 2, (int64_t[]){n, 40}));
    mg_rng_normal(&rng, X.data, (size_t)n * 40);
    tu_assert_ok(mg_npy_write(xp, &X));
    mg_array_free(&X);
    const char *mchunks[3] = {"3", "2048", "100000"};
    for (int c = 0; c < 3; c++) {
        assert_int_equal(tu_memgen(log, "detect --model %s --data %s --sigmas list:0.1,0.5 --seed 4 --chunk-rows %s "
                                   "--out %s/m%d.csv", model, xp, mchunks[c], dir, c), 0);
        char name[32];
        snprintf(name, sizeof name, "m%d.csv", c);
        char *pp = tu_path(dir, name);
        csv[c] = tu_read_text(pp);
        free(pp);
        assert_non_null(csv[c]);
    }
    assert_string_equal(csv[0], csv[1]);
    assert_string_equal(csv[0], csv[2]);
    for (int c = 0; c < 3; c++) free(csv[c]);
    /* repr --model: the same representations, stats and summary whatever the block */
    char args[1024];
    snprintf(args, sizeof args, "--model %s --data %s --sigma 0.3 --seed 2", model, xp);
    same_outputs(log, dir, "repr %s --chunk-rows %s --out %s/r%d.npy --stats %s/r%d.csv --json %s/r%d.json", args,
                 mchunks);
    free(model);
    free(xp);
    /* a non-finite value in row 20: blocks before it were written, yet no output is left behind */
    mg_array nf;
    tu_assert_ok(mg_array_alloc(&nf, MG_F32, 3, (int64_t[]){23, 4, 5}));
    ((float *)nf.data)[20 * 20 + 7] = NAN;
    tu_assert_ok(mg_npy_write(acts, &nf));
    mg_array_free(&nf);
    assert_int_not_equal(tu_memgen(log, "detect --features %s --chunk-rows 3 --out %s/nf.csv", acts, dir), 0);
    char *nfp = tu_path(dir, "nf.csv");
    assert_int_not_equal(access(nfp, F_OK), 0);
    free(nfp);
    char *nft = tu_read_text(log);
    assert_non_null(strstr(nft, "rows 18..20"));
    assert_non_null(strstr(nft, "sample 2 holds a non-finite value"));
    free(nft);
    /* a truncated file: clear error, no output left behind */
    assert_int_equal(truncate(acts, 200), 0);
    assert_int_not_equal(tu_memgen(log, "detect --features %s --chunk-rows 3 --out %s/bad.csv", acts, dir), 0);
    char *bad = tu_path(dir, "bad.csv");
    assert_int_not_equal(access(bad, F_OK), 0);
    char *text = tu_read_text(log);
    assert_non_null(strstr(text, "truncated"));
    free(text);
    free(bad);
    free(acts);
    free(lab);
    free(log);
    tu_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_half_exhaustive), cmocka_unit_test(test_pool_exact), cmocka_unit_test(test_rows_reader),
        cmocka_unit_test(test_rows_errors),
        cmocka_unit_test(test_chunked_scores), cmocka_unit_test(test_bounded_memory),
        cmocka_unit_test(test_cli_chunks), cmocka_unit_test(test_cli_resume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

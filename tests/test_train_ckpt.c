/*
 * Crash-safety of training through the CLI: a `memgen train` process killed
 * with SIGKILL after it has written a checkpoint, then resumed from that
 * checkpoint, ends bit-identical (model file and CSV log) to an uninterrupted
 * run; SIGTERM makes the run checkpoint, exit with status 1 and say how to
 * resume. The CLI binary is $MEMGEN (set by `make test`), else build/memgen.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "memgen/dae.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"
#include "memgen/train.h"

#if defined(__SANITIZE_ADDRESS__)
#define TC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TC_ASAN 1
#endif
#endif

/* Steps of every run: long enough that the kill lands mid-run (the first
 * checkpoint comes after 100-200 steps), shorter under ASan, whose CLI is
 * several times slower. */
#ifdef TC_ASAN
#define STEPS "15000"
#else
#define STEPS "60000"
#endif

/* Path of the CLI under test. */
static const char *memgen_bin(void) {
    const char *b = getenv("MEMGEN");
    return b && *b ? b : "build/memgen";
}

/* Starts `memgen train` with the common arguments plus extra ones; stderr
 * goes to errpath. Returns the child's pid. */
static pid_t spawn_train(const char *dir, const char *const *extra, const char *errpath) {
    char *data = tu_path(dir, "X.npy");
    const char *argv[64];
    int k = 0;
    argv[k++] = memgen_bin();
    argv[k++] = "train";
    argv[k++] = "--data";
    argv[k++] = data;
    for (int i = 0; extra[i]; i++) argv[k++] = extra[i];
    argv[k] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int nul = open("/dev/null", O_WRONLY);
        if (fd >= 0) dup2(fd, 2);
        if (nul >= 0) dup2(nul, 1);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    free(data);
    return pid;
}

/* Waits for a child and returns its raw status. */
static int wait_child(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

/* Runs to completion and asserts exit status 0. */
static void run_ok(const char *dir, const char *const *extra, const char *errpath) {
    int status = wait_child(spawn_train(dir, extra, errpath));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        unsigned char *msg = NULL;
        size_t len = 0;
        if (mg_read_file(errpath, 1 << 16, &msg, &len) == MG_OK) fprintf(stderr, "%.*s\n", (int)len, (char *)msg);
        free(msg);
        fail_msg("memgen train (%s) failed with status %d", memgen_bin(), status);
    }
}

/* Waits (up to 60 s) until path exists while the child runs; returns 1 if it
 * appeared with the child still running. */
static int wait_for_file(const char *path, pid_t pid) {
    struct timespec ts = {0, 1000000};
    for (int i = 0; i < 60000; i++) {
        struct stat sb;
        if (stat(path, &sb) == 0) return 1;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) return 0;
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* Byte-compares two files. */
static void assert_same_file(const char *a, const char *b) {
    unsigned char *da = NULL, *db = NULL;
    size_t na = 0, nb = 0;
    tu_assert_ok(mg_read_file(a, 0, &da, &na));
    tu_assert_ok(mg_read_file(b, 0, &db, &nb));
    if (na != nb || memcmp(da, db, na)) fail_msg("%s and %s differ (%zu vs %zu bytes)", a, b, na, nb);
    free(da);
    free(db);
}

/* Writes the training data (64 x 24). */
static void write_data(const char *dir) {
    float X[64 * 24];
    mg_rng r;
    mg_rng_init(&r, 4);
    mg_rng_normal(&r, X, 64 * 24);
    char *p = tu_path(dir, "X.npy");
    int64_t shape[2] = {64, 24};
    tu_assert_ok(mg_npy_write_f32(p, X, 2, shape));
    free(p);
}

/* The shared training options of every run. */
#define TRAIN_OPTS "--hidden", "10", "--optim", "adam", "--lr", "1e-3", "--batch", "16", "--seed", "5", "--untied", \
                   "--log-every", "50"

/* SIGKILL after the first checkpoint, resume, compare with an uninterrupted run. */
static void test_sigkill_resume_bit_identical(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    write_data(dir);
    char *A = tu_path(dir, "A.safetensors"), *logA = tu_path(dir, "A.csv"), *errA = tu_path(dir, "A.err");
    char *B = tu_path(dir, "B.safetensors"), *logB = tu_path(dir, "B.csv"), *errB = tu_path(dir, "B.err");
    char *ckB = tu_path(dir, "B.ckpt.safetensors");
    /* uninterrupted reference, without any checkpoint */
    const char *ref[] = {TRAIN_OPTS, "--steps", STEPS, "--out", A, "--log", logA, NULL};
    run_ok(dir, ref, errA);
    /* the run to kill */
    const char *killed[] = {TRAIN_OPTS, "--steps", STEPS, "--out", B, "--log", logB, "--checkpoint", ckB,
                            "--checkpoint-every", "200", NULL};
    pid_t pid = spawn_train(dir, killed, errB);
    int appeared = wait_for_file(ckB, pid);
    kill(pid, SIGKILL);
    int status = wait_child(pid);
    assert_true(appeared);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL); /* it really died mid-run */
    struct stat sb;
    assert_true(stat(B, &sb) != 0); /* no model was written */
    mg_train_params cp;
    mg_rng cr;
    int64_t step, n, d;
    mg_train_io cio;
    tu_assert_ok(mg_train_checkpoint_info(ckB, &cp, &cr, &step, &n, &d, &cio));
    assert_true(step >= 200 && step < atoll(STEPS));
    assert_int_equal(cio.log_every, 50); /* the resumed run logs at the same steps */
    assert_int_equal(cio.checkpoint_every, 200);
    fprintf(stderr, "  killed after checkpoint at step %lld of %s\n", (long long)step, STEPS);
    /* resume from the file alone */
    const char *res[] = {"--resume", ckB, "--out", B, "--log", logB, NULL};
    run_ok(dir, res, errB);
    assert_same_file(A, B);
    assert_same_file(logA, logB);
    tu_rmtree(dir);
    free(A);
    free(logA);
    free(errA);
    free(B);
    free(logB);
    free(errB);
    free(ckB);
    free(dir);
}

/* SIGTERM: checkpoint, exit 1 with a resume hint, resume gives the same model. */
static void test_sigterm_checkpoints_and_resumes(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    write_data(dir);
    char *A = tu_path(dir, "A.safetensors"), *errA = tu_path(dir, "A.err");
    char *C = tu_path(dir, "C.safetensors"), *errC = tu_path(dir, "C.err");
    char *ckC = tu_path(dir, "C.ckpt.safetensors");
    const char *ref[] = {TRAIN_OPTS, "--steps", STEPS, "--out", A, NULL};
    run_ok(dir, ref, errA);
    const char *term[] = {TRAIN_OPTS, "--steps", STEPS, "--out", C, "--checkpoint-every", "100", NULL};
    pid_t pid = spawn_train(dir, term, errC);
    int appeared = wait_for_file(ckC, pid);
    kill(pid, SIGTERM);
    int status = wait_child(pid);
    assert_true(appeared);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    unsigned char *msg = NULL;
    size_t len = 0;
    tu_assert_ok(mg_read_file(errC, 1 << 20, &msg, &len));
    char *txt = calloc(len + 1, 1);
    memcpy(txt, msg, len);
    assert_non_null(strstr(txt, "interrupted at step"));
    assert_non_null(strstr(txt, "resume with: memgen train"));
    assert_non_null(strstr(txt, "--resume"));
    free(txt);
    free(msg);
    const char *res[] = {"--resume", ckC, "--out", C, NULL};
    run_ok(dir, res, errC);
    /* same weights as the uninterrupted run */
    mg_dae *a = NULL, *c = NULL;
    tu_assert_ok(mg_dae_load(A, &a));
    tu_assert_ok(mg_dae_load(C, &c));
    assert_int_equal(mg_dae_param_count(a), mg_dae_param_count(c));
    assert_memory_equal(mg_dae_params(a, NULL), mg_dae_params(c, NULL), (size_t)mg_dae_param_count(a) * sizeof(float));
    mg_dae_free(a);
    mg_dae_free(c);
    tu_rmtree(dir);
    free(A);
    free(errA);
    free(C);
    free(errC);
    free(ckC);
    free(dir);
}

/* CLI usage errors exit with status 2; a mismatching resume exits 1. */
static void test_cli_errors(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    write_data(dir);
    char *err = tu_path(dir, "e.err"), *out = tu_path(dir, "o.safetensors"), *ck = tu_path(dir, "o.ckpt.safetensors");
    const char *nohidden[] = {"--out", out, NULL};
    int st = wait_child(spawn_train(dir, nohidden, err));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    const char *badopt[] = {"--out", out, "--hidden", "3", "--optim", "adagrad", NULL};
    st = wait_child(spawn_train(dir, badopt, err));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    const char *badnum[] = {"--out", out, "--hidden", "3", "--lr", "fast", NULL};
    st = wait_child(spawn_train(dir, badnum, err));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    const char *sgd[] = {"--out", out, "--hidden", "3", "--optim", "sgd", NULL}; /* no lr */
    st = wait_child(spawn_train(dir, sgd, err));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    const char *ok[] = {"--out", out, "--hidden", "3", "--steps", "20", "--batch", "full", "--checkpoint", ck, NULL};
    run_ok(dir, ok, err);
    const char *mism[] = {"--resume", ck, "--out", out, "--optim", "adam", NULL};
    st = wait_child(spawn_train(dir, mism, err));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    unsigned char *msg = NULL;
    size_t len = 0;
    tu_assert_ok(mg_read_file(err, 1 << 20, &msg, &len));
    char *txt = calloc(len + 1, 1);
    memcpy(txt, msg, len);
    assert_non_null(strstr(txt, "optim"));
    free(txt);
    free(msg);
    tu_rmtree(dir);
    free(err);
    free(out);
    free(ck);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_resume_bit_identical),
        cmocka_unit_test(test_sigterm_checkpoints_and_resumes),
        cmocka_unit_test(test_cli_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * `memgen reproduce --real-model` (issue 14): which fixture section real
 * reads. By default the committed one (the experiment's own default); a
 * folder when one is named; or, with "rerun", the fixture the PyTorch
 * pipeline of examples/real_model writes when it is run now (training
 * included). The pipeline runs as a child process of the Python found by
 * MEMGEN_PYTHON, else the first of python3 and /usr/bin/python3 that can
 * import torch; its output lines become the stage's progress, and its last
 * lines the error message when it fails.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/fileio.h"
#include "repro.h"

/* The pipeline's entry point, found by mg_data_path (fileio.h). */
#define PIPELINE_REL "examples/real_model/run.py"

/* A Python that imports torch into py (len bytes), or MG_ERR_NOT_FOUND. */
static mg_status find_python(char *py, size_t len) {
    const char *env = getenv("MEMGEN_PYTHON");
    const char *cand[3] = {env && *env ? env : NULL, "python3", "/usr/bin/python3"};
    for (int i = 0; i < 3; i++) {
        if (!cand[i]) continue;
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "'%s' -c 'import torch' >/dev/null 2>&1", cand[i]);
        if (system(cmd) == 0) {
            snprintf(py, len, "%s", cand[i]);
            return MG_OK;
        }
    }
    return mg_fail(MG_ERR_NOT_FOUND, "--real-model rerun needs Python with PyTorch (Debian: apt-get install "
                                     "python3-torch python3-numpy; or set MEMGEN_PYTHON); none of %s%spython3, "
                                     "/usr/bin/python3 imports torch", env && *env ? env : "", env && *env ? ", " : "");
}

/* The share of the pipeline done, guessed from one of its output lines
 * (training is most of it). */
static double pipeline_fraction(const char *line, double last) {
    long a, b;
    if (sscanf(line, "train: step %ld/%ld", &a, &b) == 2 && b > 0) return 0.75 * (double)a / (double)b;
    static const struct {
        const char *prefix;
        double at;
    } STAGES[] = {{"sample:", 0.78}, {"label:", 0.85}, {"export:", 0.9}, {"steer:", 0.95}, {"fixture:", 1.0}};
    for (size_t i = 0; i < sizeof STAGES / sizeof STAGES[0]; i++)
        if (!strncmp(line, STAGES[i].prefix, strlen(STAGES[i].prefix))) return STAGES[i].at;
    return last;
}

/* Runs the pipeline into <out_dir>/real/pipeline; dir receives its fixture. */
static mg_status rerun(mg_repro_ctx *ctx, char *dir, size_t len) {
    char py[512], script[1024], rel[1024], cmd[5200];
    MG_TRY(find_python(py, sizeof py));
    mg_status st = mg_data_path(PIPELINE_REL, script, sizeof script);
    if (st != MG_OK) return mg_fail_context(st, "real: the PyTorch pipeline");
    snprintf(rel, sizeof rel, "%s/real/pipeline", ctx->cfg->out_dir);
    MG_TRY(mg_mkdir_p(rel));
    char *work = realpath(rel, NULL);
    if (!work) return mg_fail(MG_ERR_IO, "real: cannot resolve %s", rel);
    const char *fd = ctx->cfg->fmnist_dir;
    snprintf(cmd, sizeof cmd, "'%s' '%s' --preset %s --work '%s' --fixture '%s/fixture'%s%s%s 2>&1", py, script,
             ctx->scale == MG_REPRO_FULL ? "full" : "tiny", work, work, fd ? " --fmnist-dir '" : "", fd ? fd : "",
             fd ? "'" : "");
    mg_repro_step(ctx, "running the PyTorch pipeline (examples/real_model)", 0.0);
    FILE *p = popen(cmd, "r");
    if (!p) {
        free(work);
        return mg_fail(MG_ERR_IO, "real: cannot start %s", cmd);
    }
    char line[512], tail[4][512] = {{0}};
    int nl = 0;
    double frac = 0;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\r\n")] = 0;
        snprintf(tail[nl++ % 4], sizeof tail[0], "%s", line);
        frac = pipeline_fraction(line, frac);
        mg_repro_step(ctx, line, 0.9 * frac);
    }
    int rc = pclose(p);
    if (rc == 0) snprintf(dir, len, "%s/fixture", work);
    free(work);
    if (rc != 0) {
        char msg[2100] = "";
        for (int i = nl > 4 ? nl - 4 : 0; i < nl; i++) {
            strncat(msg, tail[i % 4], sizeof msg - strlen(msg) - 1);
            strncat(msg, " | ", sizeof msg - strlen(msg) - 1);
        }
        return mg_fail(MG_ERR_IO, "real: the pipeline failed (status %d): %s", rc, msg);
    }
    return MG_OK;
}

/* Resolves cfg->real_model (repro.h). */
mg_status mg_repro_real_fixture(mg_repro_ctx *ctx, char *dir, size_t len) {
    const char *m = ctx->cfg->real_model;
    dir[0] = 0;
    if (!m || !*m || !strcmp(m, "fixture")) return MG_OK;
    if (!strcmp(m, "rerun")) return rerun(ctx, dir, len);
    snprintf(dir, len, "%s", m);
    return MG_OK;
}

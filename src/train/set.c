/*
 * Training a DAE set over noise levels (paper App. B.1: "a set of DAEs with VE
 * noise scheduling over sigma in [0.02, 2]"): one independent training run per
 * level, level k with sigma = sigmas[k] and the generator mg_rng_fork(rng, k),
 * so a level's model depends only on (params, X, rng, k, sigma_k), never on
 * the other levels or on the order they are trained in. Levels run one after
 * another; each uses every core inside its step (mg_sgemm_det and the
 * streaming passes), which keeps results bit-identical for any thread count.
 * With per-level checkpoints a killed set run resumes level by level.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "memgen/train.h"
#include "train_internal.h"

/* Trains one DAE per sigma (see the file comment) into *out. */
mg_status mg_train_daeset(const mg_train_params *params, const double *sigmas, int count, mg_mat X, const mg_rng *rng,
                          const mg_train_set_opts *opts, mg_daeset *out) {
    MG_TRY(mg_daeset_alloc(count, sigmas, out));
    mg_status s = MG_OK;
    for (int k = 0; k < count && s == MG_OK; k++) {
        mg_train_params pk = *params;
        pk.sigma = sigmas[k];
        s = mg_train_params_check(&pk, X.rows, X.cols);
        if (s != MG_OK) break;
        mg_rng rk = mg_rng_fork(rng, (uint64_t)k);
        mg_train_io io;
        memset(&io, 0, sizeof io);
        int have_io = 0;
        if (opts && opts->level_io) {
            opts->level_io(opts->ctx, k, count, sigmas[k], &io);
            have_io = 1;
        }
        const char *resume = opts && opts->resume && have_io && io.checkpoint_path &&
                                     access(io.checkpoint_path, F_OK) == 0
                                 ? io.checkpoint_path
                                 : NULL;
        s = mg_train_dae_from(&pk, X, &rk, have_io ? &io : NULL, resume, &out->levels[k]);
        if (s != MG_OK) s = mg_fail_context(s, "level %d (sigma %g)", k, sigmas[k]);
    }
    if (s == MG_OK) {
        char buf[64];
        s = mg_daeset_set_meta(out, "memgen.creator", "train");
        if (s == MG_OK) s = mg_daeset_set_meta(out, "train.optim", mg_optim_name(params->optim));
        snprintf(buf, sizeof buf, "%lld", (long long)params->steps);
        if (s == MG_OK) s = mg_daeset_set_meta(out, "train.steps", buf);
    }
    if (s != MG_OK) mg_daeset_free(out);
    return s;
}

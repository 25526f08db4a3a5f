/*
 * The registry of experiments (experiment.h): every experiment file's
 * descriptor, in report order, found by id.
 */
#include <string.h>

#include "memgen/experiment.h"

#define MG_EXP(id) extern const mg_experiment mg_exp_##id;
#include "registry.def"
#undef MG_EXP

static const mg_experiment *const ALL[] = {
#define MG_EXP(id) &mg_exp_##id,
#include "registry.def"
#undef MG_EXP
};
#define NEXP ((int)(sizeof ALL / sizeof ALL[0]))

/* Number of experiments. */
int mg_experiment_count(void) { return NEXP; }

/* Experiment i in report order (NULL out of range). */
const mg_experiment *mg_experiment_at(int i) { return i >= 0 && i < NEXP ? ALL[i] : NULL; }

/* Experiment by id. */
const mg_experiment *mg_experiment_find(const char *id) {
    for (int i = 0; id && i < NEXP; i++)
        if (!strcmp(ALL[i]->id, id)) return ALL[i];
    return NULL;
}

/* Checks what a call will see. */
mg_status mg_experiment_check_env(const mg_experiment *e, const mg_exp_env *env) {
    if (!e || !env || !env->rng) return mg_fail(MG_ERR_ARG, "experiment: missing descriptor, environment or generator");
    int need = e->inputs == MG_EXP_OWN_DATA ? 0 : 1;
    if (env->ndata < need || (need && !env->data))
        return mg_fail(MG_ERR_ARG, "experiment %s: needs a dataset", e->id);
    if (e->inputs != MG_EXP_ALL_DATASETS && env->ndata > need)
        return mg_fail(MG_ERR_ARG, "experiment %s: works on %d dataset(s), got %d", e->id, need, env->ndata);
    for (int i = 0; i < env->ndata; i++)
        if (!env->data[i]) return mg_fail(MG_ERR_ARG, "experiment %s: dataset %d is missing", e->id, i);
    if (e->inputs == MG_EXP_MOG_DATASET && !env->data[0]->has_mog)
        return mg_fail(MG_ERR_ARG, "experiment %s: needs the Gaussian mixture (its true density)", e->id);
    if (e->inputs != MG_EXP_OWN_DATA && (!env->sigmas || env->nsigmas < 1))
        return mg_fail(MG_ERR_ARG, "experiment %s: needs the run's noise grid", e->id);
    return MG_OK;
}

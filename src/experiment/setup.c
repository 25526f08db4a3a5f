/*
 * Experiment setup (memgen/experiment/setup.h): the shared datasets and
 * their trained DAE sets, as tables.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "exp_internal.h"
#include "memgen/experiment/setup.h"

static const mg_field PARAM_FIELDS[] = {
    MG_FIELD(mg_exp_setup_params, sigma_ref, MG_FIELD_F64, "the level of the paper's single-DAE figures"),
};

static const mg_field RESULT_FIELDS[] = {
    MG_FIELD(mg_exp_setup_result, ndata, MG_FIELD_INT, "datasets"),
    MG_FIELD(mg_exp_setup_result, nsigmas, MG_FIELD_INT, "noise levels of every set"),
    MG_FIELD(mg_exp_setup_result, sigma_min, MG_FIELD_F64, "lowest level"),
    MG_FIELD(mg_exp_setup_result, sigma_max, MG_FIELD_F64, "highest level"),
    MG_FIELD(mg_exp_setup_result, fmnist_used, MG_FIELD_BOOL, "Fashion-MNIST is among the datasets"),
    MG_FIELD(mg_exp_setup_result, trained_sets, MG_FIELD_TABLE, "every trained set's data and settings"),
    MG_FIELD(mg_exp_setup_result, train_seconds, MG_FIELD_TABLE, "wall time of each set's training"),
    MG_FIELD(mg_exp_setup_result, datasets, MG_FIELD_TABLE, "each dataset's memorizing rows and their separability"),
};

/* Library defaults. */
mg_exp_setup_params mg_exp_setup_defaults(void) {
    mg_exp_setup_params p = {0.2};
    return p;
}

/* Frees a result. */
void mg_exp_setup_free(mg_exp_setup_result *r) {
    if (!r) return;
    mg_table_free(&r->trained_sets);
    mg_table_free(&r->train_seconds);
    mg_table_free(&r->datasets);
    memset(r, 0, sizeof *r);
}

/* Makes a table whose first two columns are text ("dataset" and, when
 * regime is set, "regime"), then the numeric ones. */
static mg_status text_table(mg_table *t, const char *name, int64_t n, int regime, const char *numeric) {
    MG_TRY(mg_table_init(t, name, n, NULL));
    MG_TRY(mg_table_add(t, "dataset", MG_COL_TEXT, NULL));
    if (regime) MG_TRY(mg_table_add(t, "regime", MG_COL_TEXT, NULL));
    for (const char *p = numeric; p && *p;) {
        const char *e = strchr(p, ',');
        char col[32];
        snprintf(col, sizeof col, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
        int kind = col[0] == '$'; /* "$name": a text column */
        MG_TRY(mg_table_add(t, col + kind, kind ? MG_COL_TEXT : MG_COL_F64, NULL));
        if (!e) break;
        p = e + 1;
    }
    return MG_OK;
}

/* Fills the rows of one trained set. */
static mg_status set_row(mg_exp_setup_result *r, int64_t i, const mg_exp_data *d, int mem) {
    const mg_array *X = mem ? &d->mem : &d->gen;
    const mg_train_params *p = mem ? &d->params.mem_train : &d->params.gen_train;
    const char *regime = mem ? "memorizing" : "generalizing";
    char batch[32];
    if (p->batch_mode == MG_BATCH_FULL) snprintf(batch, sizeof batch, "full");
    else snprintf(batch, sizeof batch, "%lld", (long long)p->batch);
    mg_table *t = &r->trained_sets;
    MG_TRY(mg_table_set_text(t, 0, i, d->name));
    MG_TRY(mg_table_set_text(t, 1, i, regime));
    mg_table_col(t, "n")[i] = (double)X->shape[0];
    mg_table_col(t, "d")[i] = (double)X->shape[1];
    mg_table_col(t, "p")[i] = (double)p->hidden;
    MG_TRY(mg_table_set_text(t, mg_table_find(t, "optimizer"), i, mg_optim_name(p->optim)));
    mg_table_col(t, "lr")[i] = p->lr;
    mg_table_col(t, "weight_decay")[i] = p->weight_decay;
    MG_TRY(mg_table_set_text(t, mg_table_find(t, "batch"), i, batch));
    mg_table_col(t, "steps")[i] = (double)p->steps;
    MG_TRY(mg_table_set_text(&r->train_seconds, 0, i, d->name));
    MG_TRY(mg_table_set_text(&r->train_seconds, 1, i, regime));
    mg_table_col(&r->train_seconds, "seconds")[i] = d->train_seconds[mem ? 0 : 1];
    return MG_OK;
}

/* Describes every dataset of env. */
mg_status mg_exp_setup_run(const mg_exp_setup_params *p, const mg_exp_env *env, mg_exp_setup_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_setup, env));
    int n = env->ndata;
    mg_status s = text_table(&r->trained_sets, "trained_sets", 2 * n, 1, "n,d,p,$optimizer,lr,weight_decay,$batch,steps");
    if (s == MG_OK) s = text_table(&r->train_seconds, "train_seconds", 2 * n, 1, "seconds");
    if (s == MG_OK) s = text_table(&r->datasets, "datasets", n, 0, "n_mem,mem_max_cosine,separable,n_test,centered");
    for (int k = 0; k < n && s == MG_OK; k++) {
        const mg_exp_data *d = env->data[k];
        int lv;
        s = mg_exp_level(&d->mem_set, p->sigma_ref, &lv);
        if (s == MG_OK) s = set_row(r, 2 * k, d, 1);
        if (s == MG_OK) s = set_row(r, 2 * k + 1, d, 0);
        if (s == MG_OK) s = mg_table_set_text(&r->datasets, 0, k, d->name);
        if (s != MG_OK) break;
        mg_table_col(&r->datasets, "n_mem")[k] = (double)d->mem.shape[0];
        mg_table_col(&r->datasets, "mem_max_cosine")[k] = d->mem_max_cosine;
        mg_table_col(&r->datasets, "separable")[k] = d->mem_max_cosine <= 0;
        mg_table_col(&r->datasets, "n_test")[k] = (double)d->test.shape[0];
        mg_table_col(&r->datasets, "centered")[k] = d->center.data != NULL;
        r->fmnist_used |= d->source == MG_EXP_FMNIST;
    }
    if (s == MG_OK) {
        r->ndata = n;
        r->nsigmas = env->nsigmas;
        r->sigma_min = env->sigmas[0];
        r->sigma_max = env->sigmas[env->nsigmas - 1];
    }
    if (s != MG_OK) mg_exp_setup_free(r);
    return s;
}

MG_EXP_DEFINE(setup, mg_exp_setup_params, mg_exp_setup_result, "The shared data and their trained DAE sets",
              "App. A.1 / B.1", MG_EXP_ALL_DATASETS);

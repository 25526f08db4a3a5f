/*
 * The report's renderer (src/reproduce/render.c) on hand-written section
 * tables over a real experiment (fig5 on a small mixture): the verdict rules
 * (holds / partly / does not hold / not measured, conditions that must all
 * hold, a NaN that fails), claim ids recorded in summary.json, and the name
 * check that refuses a misspelt name even in a template branch the run does
 * not take.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "testutil.h"
#include "memgen/experiment/fig5.h"
#include "memgen/schedule.h"
#include "reproduce/repro.h"
#include "reproduce/section.h"

/* A run context over one small mixture, its page in dir. */
static void make_ctx(mg_repro_ctx *ctx, mg_repro_config *cfg, const char *dir) {
    memset(ctx, 0, sizeof *ctx);
    *cfg = (mg_repro_config)MG_REPRO_CONFIG_DEFAULT;
    cfg->scale = MG_REPRO_SMOKE;
    cfg->out_dir = dir;
    ctx->cfg = cfg;
    ctx->scale = MG_REPRO_SMOKE;
    mg_rng_init(&ctx->rng, 2);
    ctx->nsigmas = 3;
    ctx->sigmas = malloc(3 * sizeof(double));
    ctx->sigmas[0] = 0.02, ctx->sigmas[1] = 0.2, ctx->sigmas[2] = 2.0;
    ctx->config = cJSON_CreateObject();
    ctx->results = cJSON_CreateObject();
    tu_assert_ok(mg_report_create(dir, "render test", &ctx->rep));
    mg_exp_data_params p = mg_exp_data_params_default(MG_EXP_MOG);
    p.d = 16, p.n_gen = 64, p.n_test = 16;
    p.mem_train.steps = 50, p.gen_train.hidden = 4, p.gen_train.steps = 20, p.gen_train.batch = 32;
    tu_assert_ok(mg_exp_data_build(&p, ctx->sigmas, 3, &ctx->rng, NULL, NULL, &ctx->xdata[0]));
    ctx->have[0] = 1;
    ctx->ndata = 1;
}

/* Frees the context. */
static void free_ctx(mg_repro_ctx *ctx) {
    mg_exp_data_free(&ctx->xdata[0]);
    free(ctx->sigmas);
    mg_report_free(ctx->rep);
    cJSON_Delete(ctx->config);
    cJSON_Delete(ctx->results);
}

static const mg_sec_scaled SCALED[] = {{"rows", {40, 40, 40}}};

/* Claims whose verdicts are known from the parameters alone (rows_mem = 40). */
static const mg_claim_spec RULES[] = {
    {.id = "holds", .claim = "c {H1}", .measured = "m {rows_mem}", .holds = {{"rows_mem", MG_EQ, 40}, {"p_mem", MG_GT, 0}}},
    {.id = "partly",
     .claim = "c",
     .measured = "m",
     .holds = {{"rows_mem", MG_GT, 1000}},
     .partly = {{"rows_mem", MG_GE, 40}}},
    {.id = "fails", .claim = "c", .measured = "m", .holds = {{"rows_mem", MG_LT, 10}}, .partly = {{"rows_mem", MG_LT, 20}}},
    {.id = "all_must_hold", .claim = "c", .measured = "m", .holds = {{"rows_mem", MG_EQ, 40}, {"p_mem", MG_LT, 0}}},
    {.id = "nan_fails", .claim = "c", .measured = "m", .holds = {{"0 / 0", MG_LE, 1}}},
    {.id = "not_measured", .claim = "c", .measured = "m", .holds = {{"rows_mem", MG_EQ, 40}}, .needs = "rows_mem - 40"},
    {.id = "skipped", .when = "0", .claim = "c", .measured = "m", .holds = {{"rows_mem", MG_EQ, 40}}},
};

/* A section over experiment fig5 with the given claims and intro. */
static mg_section section(const mg_claim_spec *claims, int n, const char *dataset_intro) {
    mg_section s = {.id = "fig5",
                    .heading = "test",
                    .exp = &mg_exp_fig5,
                    .scaled = SCALED,
                    .nscaled = 1,
                    .dataset_intro = dataset_intro,
                    .claims = claims,
                    .nclaims = n};
    return s;
}

/* Each rule gives its verdict; the ids and verdicts reach summary.json. */
static void test_verdict_rules(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    mg_repro_ctx ctx;
    mg_repro_config cfg;
    make_ctx(&ctx, &cfg, dir);
    mg_section sec = section(RULES, (int)(sizeof RULES / sizeof RULES[0]), "{rows} rows, {data.name}.");
    tu_assert_ok(mg_repro_render(&ctx, &sec));
    int counts[4];
    mg_report_counts(ctx.rep, counts);
    assert_int_equal(counts[MG_VERDICT_PASS], 1);
    assert_int_equal(counts[MG_VERDICT_PARTIAL], 1);
    assert_int_equal(counts[MG_VERDICT_FAIL], 3);
    assert_int_equal(counts[MG_VERDICT_NA], 1);
    const cJSON *cl = cJSON_GetObjectItem(ctx.results, "claims");
    const char *want[][2] = {{"fig5.holds.mog", "holds"},         {"fig5.partly.mog", "partly"},
                             {"fig5.fails.mog", "does not hold"}, {"fig5.all_must_hold.mog", "does not hold"},
                             {"fig5.nan_fails.mog", "does not hold"}, {"fig5.not_measured.mog", "not measured"}};
    for (int i = 0; i < 6; i++)
        assert_string_equal(cJSON_GetObjectItem(cl, want[i][0])->valuestring, want[i][1]);
    assert_null(cJSON_GetObjectItem(cl, "fig5.skipped.mog"));
    /* the page states the rule with its threshold, filled into the sentence */
    char *html = NULL;
    tu_assert_ok(mg_report_html(ctx.rep, &html));
    assert_non_null(strstr(html, "c 40"));
    assert_non_null(strstr(html, "Rule: holds when rows_mem == 40 and p_mem &gt; 0."));
    assert_non_null(strstr(html, "40 rows, mog."));
    free(html);
    free_ctx(&ctx);
    tu_rmtree(dir);
    free(dir);
}

/* A misspelt name is refused before anything is drawn, also where the run
 * would not expand it (the branch not taken, a claim that is not made). */
static void test_name_check(void **state) {
    (void)state;
    const char *intros[] = {"{?1|fine|{rows_mme}}", "{?0|{std.aurocc}|fine}", "{nope:%.2f}"};
    for (int k = 0; k < 4; k++) {
        char *dir = tu_mkdtemp();
        mg_repro_ctx ctx;
        mg_repro_config cfg;
        make_ctx(&ctx, &cfg, dir);
        mg_claim_spec bad = {.id = "bad", .when = "0", .claim = "c", .measured = "{p_meme}",
                             .holds = {{"rows_mem", MG_EQ, 40}}};
        mg_section sec = k < 3 ? section(RULES, 1, intros[k]) : section(&bad, 1, NULL);
        assert_int_equal(mg_repro_render(&ctx, &sec), MG_ERR_ARG);
        const char *names[] = {"rows_mme", "std.aurocc", "nope", "p_meme"};
        if (!strstr(mg_last_error(), names[k])) fail_msg("message lacks %s: %s", names[k], mg_last_error());
        free_ctx(&ctx);
        tu_rmtree(dir);
        free(dir);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdict_rules),
        cmocka_unit_test(test_name_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

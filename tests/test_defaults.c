/*
 * Tests of the public defaults: every *_default() function returns the
 * values of its MG_*_DEFAULT brace macro, field by field (NaN fields stay
 * NaN), so a binding that calls the function gets what C code gets.
 */
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "memgen/detect.h"
#include "memgen/image.h"
#include "memgen/mog.h"
#include "memgen/plot.h"
#include "memgen/reproduce.h"
#include "memgen/png.h"
#include "memgen/sampler.h"
#include "memgen/steer.h"
#include "memgen/theory.h"
#include "memgen/train.h"

/* Equal doubles, or both NaN. */
static int same(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

/* Training, construction, sampling and detection parameters. */
static void test_model_defaults(void **state) {
    (void)state;
    mg_bench_params b = MG_BENCH_PARAMS_DEFAULT, bf = mg_bench_params_default();
    assert_true(same(b.sigma, bf.sigma) && same(b.flipd_sigma, bf.flipd_sigma) && same(b.fpr, bf.fpr));
    assert_true(b.bootstrap == bf.bootstrap && same(b.level, bf.level) && same(b.mem_ratio, bf.mem_ratio));
    assert_true(same(b.gen_ratio, bf.gen_ratio) && same(b.gen_cos, bf.gen_cos) && same(b.dedup_tol, bf.dedup_tol));
    assert_true(same(b.clique_tau, bf.clique_tau) && b.clique_k == bf.clique_k && b.all_metrics == bf.all_metrics);
    assert_true(b.repeats == bf.repeats);
    mg_repro_config r = MG_REPRO_CONFIG_DEFAULT, rf = mg_repro_config_default();
    assert_true(r.scale == rf.scale && !strcmp(r.out_dir, rf.out_dir) && r.seed == rf.seed && rf.fmnist_dir == NULL);
    assert_true(r.fmnist == rf.fmnist && rf.sections == NULL && rf.progress == NULL && rf.progress_ctx == NULL);
    mg_train_params t = MG_TRAIN_PARAMS_DEFAULT, tf = mg_train_params_default();
    assert_true(t.hidden == tf.hidden && t.tied == tf.tied && t.bias == tf.bias && t.init == tf.init);
    assert_true(same(t.init_scale, tf.init_scale) && same(t.sigma, tf.sigma) && t.loss == tf.loss);
    assert_true(same(t.lambda, tf.lambda) && t.optim == tf.optim && same(t.lr, tf.lr));
    assert_true(same(t.weight_decay, tf.weight_decay) && same(t.momentum, tf.momentum));
    assert_true(same(t.dampening, tf.dampening) && t.nesterov == tf.nesterov && same(t.beta1, tf.beta1));
    assert_true(same(t.beta2, tf.beta2) && same(t.eps, tf.eps) && same(t.alpha, tf.alpha));
    assert_true(t.centered == tf.centered && t.batch == tf.batch && t.batch_mode == tf.batch_mode);
    assert_true(t.steps == tf.steps && isnan(tf.lr));
    mg_construct_params c = MG_CONSTRUCT_PARAMS_DEFAULT, cf = mg_construct_params_default();
    assert_true(same(c.sigma, cf.sigma) && same(c.wd, cf.wd) && c.hidden == cf.hidden && cf.widths == NULL);
    assert_true(same(c.dup_tol, cf.dup_tol) && c.mem_budget == cf.mem_budget);
    mg_sample_params s = MG_SAMPLE_PARAMS_DEFAULT, sf = mg_sample_params_default();
    assert_true(s.kind == sf.kind && sf.sigmas == NULL && s.nsigmas == sf.nsigmas && s.chunk == sf.chunk);
    assert_true(sf.trajectory == NULL && sf.progress == NULL && sf.progress_ctx == NULL);
    assert_true(same(s.clamp_lo, sf.clamp_lo) && same(s.clamp_hi, sf.clamp_hi) && isnan(sf.clamp_lo));
    mg_detect_params d = MG_DETECT_PARAMS_DEFAULT, df = mg_detect_params_default();
    assert_true(d.metric == df.metric && same(d.sigma, df.sigma) && df.sigmas == NULL);
    assert_true(d.nsigmas == df.nsigmas && d.combine == df.combine);
    mg_steer_vec_params v = MG_STEER_VEC_PARAMS_DEFAULT, vf = mg_steer_vec_params_default();
    assert_true(same(v.sigma, vf.sigma) && v.level == vf.level);
    mg_steer_params p = MG_STEER_PARAMS_DEFAULT, pf = mg_steer_params_default();
    assert_true(same(p.alpha, pf.alpha) && same(p.sigma_hi, pf.sigma_hi) && same(p.sigma_lo, pf.sigma_lo));
}

/* Data, image and drawing parameters. */
static void test_data_defaults(void **state) {
    (void)state;
    mg_mog_spec m = MG_MOG_SPEC_DEFAULT, mf = mg_mog_spec_default();
    assert_true(m.K == mf.K && m.d == mf.d && mf.weights == NULL && same(m.mean_scale, mf.mean_scale));
    assert_true(isnan(mf.mean_cosine) && m.mean_random == mf.mean_random && same(m.cov_scale, mf.cov_scale));
    assert_true(same(m.cov_rate, mf.cov_rate) && m.cov_rank == mf.cov_rank && m.cov_random == mf.cov_random);
    mg_image_prep i = MG_IMAGE_PREP_DEFAULT, i2 = mg_image_prep_default();
    assert_true(i.resize_h == i2.resize_h && i.resize_w == i2.resize_w && i.resize_short == i2.resize_short);
    assert_true(i.crop_h == i2.crop_h && i.crop_w == i2.crop_w && i.resize == i2.resize);
    assert_true(i.channels == i2.channels && i.chw == i2.chw && i.scale == i2.scale && i.center == i2.center);
    mg_png_grid g = MG_PNG_GRID_DEFAULT, gf = mg_png_grid_default();
    assert_true(g.height == gf.height && g.width == gf.width && g.channels == gf.channels);
    assert_true(g.grid_cols == gf.grid_cols && g.pad == gf.pad && g.vmin == gf.vmin && g.vmax == gf.vmax);
    assert_true(g.chw == gf.chw && g.pad_value == gf.pad_value);
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT, stf = mg_plot_style_default();
    assert_true(stf.label == NULL && stf.color == NULL && st.marker == stf.marker && st.line == stf.line);
    assert_true(st.dashed == stf.dashed && same(st.width, stf.width) && same(st.opacity, stf.opacity));
    assert_true(same(st.marker_size, stf.marker_size));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_defaults),
        cmocka_unit_test(test_data_defaults),
    };
    return cmocka_run_group_tests_name("defaults", tests, NULL, NULL);
}

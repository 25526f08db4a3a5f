/* The part of memgen's C API the Python package calls, in the form cffi's
 * cdef reads (no macros, no attributes). Structs end in "...;" so that cffi
 * takes their layout from the real headers at build time: a field listed here
 * that the header lacks, or a signature that differs, fails the build. */

typedef enum {
    MG_OK = 0, MG_ERR_NOMEM, MG_ERR_IO, MG_ERR_FORMAT, MG_ERR_UNSUPPORTED, MG_ERR_SHAPE,
    MG_ERR_ARG, MG_ERR_NUMERIC, MG_ERR_INTERRUPTED, MG_ERR_NOT_FOUND, MG_STATUS_COUNT
} mg_status;
const char *mg_status_str(mg_status st);
const char *mg_last_error(void);
void mg_clear_error(void);

typedef enum { MG_F32 = 0, MG_F64, MG_U8, MG_I32, MG_I64, MG_F16, MG_BF16, MG_DTYPE_COUNT } mg_dtype;
typedef struct { mg_dtype dtype; int ndim; int64_t shape[8]; void *data; } mg_array;
void mg_array_free(mg_array *a);
typedef struct { int64_t rows, cols, ld; float *data; } mg_mat;
mg_status mg_mat_check(mg_mat X, const char *what);
void free(void *p);

/* rng.h */
typedef struct { uint64_t key; uint64_t stream; uint64_t counter; } mg_rng;
void mg_rng_init(mg_rng *r, uint64_t seed);
mg_rng mg_rng_fork(const mg_rng *r, uint64_t id);
mg_rng mg_rng_fork_named(const mg_rng *r, const char *name);

/* safetensors.h (metadata of models) */
typedef struct mg_st mg_st;
mg_st *mg_st_new(void);
void mg_st_free(mg_st *st);
int mg_st_meta_count(const mg_st *st);
const char *mg_st_meta_key(const mg_st *st, int i);
const char *mg_st_meta(const mg_st *st, const char *key);

/* dae.h */
typedef struct mg_dae mg_dae;
mg_status mg_dae_create(int64_t d, int64_t p, int tied, int bias, mg_dae **out);
void mg_dae_free(mg_dae *m);
mg_status mg_dae_clone(const mg_dae *m, mg_dae **out);
int64_t mg_dae_dim(const mg_dae *m);
int64_t mg_dae_hidden(const mg_dae *m);
int mg_dae_is_tied(const mg_dae *m);
int mg_dae_has_bias(const mg_dae *m);
float *mg_dae_w1(mg_dae *m);
float *mg_dae_w2(mg_dae *m);
float *mg_dae_b1(mg_dae *m);
float *mg_dae_b2(mg_dae *m);
float mg_dae_skip(const mg_dae *m);
void mg_dae_set_skip(mg_dae *m, float s);
double mg_dae_sigma(const mg_dae *m);
void mg_dae_set_sigma(mg_dae *m, double sigma);
mg_status mg_dae_set_meta(mg_dae *m, const char *key, const char *value);
const char *mg_dae_meta(const mg_dae *m, const char *key);
double mg_dae_weight_penalty(const mg_dae *m);
mg_status mg_dae_encode(const mg_dae *m, mg_mat X, mg_mat H);
mg_status mg_dae_forward(const mg_dae *m, mg_mat X, mg_mat H, mg_mat Y);
mg_status mg_dae_to_st(const mg_dae *m, mg_st *st, const char *prefix);
mg_status mg_dae_save(const mg_dae *m, const char *path);
mg_status mg_dae_load(const char *path, mg_dae **out);

/* daeset.h */
typedef struct { int count; double *sigmas; mg_dae **levels; mg_st *meta; } mg_daeset;
mg_status mg_daeset_alloc(int count, const double *sigmas, mg_daeset *out);
void mg_daeset_free(mg_daeset *set);
mg_status mg_daeset_set_meta(mg_daeset *set, const char *key, const char *value);
mg_status mg_daeset_validate(const mg_daeset *set);
mg_status mg_daeset_save(const mg_daeset *set, const char *path);
mg_status mg_daeset_load(const char *path, mg_daeset *out);
int mg_daeset_nearest(const mg_daeset *set, double sigma);
mg_status mg_sigma_check_reach(double sigma, double lo, double hi, const char *what);
mg_status mg_daeset_level(const mg_daeset *set, double sigma, const char *what, int *level);

/* train.h */
typedef enum { MG_OPTIM_SGD = 0, MG_OPTIM_ADAM, MG_OPTIM_ADAMW, MG_OPTIM_RMSPROP, MG_OPTIM_COUNT } mg_optim_kind;
typedef enum { MG_LOSS_EQ6 = 0, MG_LOSS_TORCH, MG_LOSS_COUNT } mg_loss_kind;
typedef enum { MG_BATCH_FULL = 0, MG_BATCH_SHUFFLE, MG_BATCH_REPLACE, MG_BATCH_COUNT } mg_batch_mode;
typedef enum { MG_INIT_KAIMING = 0, MG_INIT_NORMAL, MG_INIT_COUNT } mg_init_kind;
typedef struct {
    int64_t hidden; int tied; int bias; mg_init_kind init; double init_scale;
    double sigma; mg_loss_kind loss; double lambda;
    mg_optim_kind optim; double lr; double weight_decay; double momentum; double dampening; int nesterov;
    double beta1, beta2; double eps; double alpha; int centered;
    int64_t batch; mg_batch_mode batch_mode; int64_t steps;
    ...;
} mg_train_params;
mg_train_params mg_train_params_default(void);
mg_status mg_optim_parse(const char *s, mg_optim_kind *out);
mg_status mg_loss_parse(const char *s, mg_loss_kind *out);
extern const char *const mg_batch_mode_names[];
extern const char *const mg_init_names[];
mg_status mg_train_params_check(const mg_train_params *p, int64_t n, int64_t d);
double mg_train_effective_lambda(const mg_train_params *p, int64_t d);
typedef struct {
    int64_t step, total; double loss; double data_loss; double grad_norm;
    double rep_std_mean; double rep_std_max; double elapsed; ...;
} mg_train_progress;
typedef struct {
    const char *log_path; int64_t log_every; int64_t probe_rows; const char *checkpoint_path;
    int64_t checkpoint_every; int checkpoint_at_end;
    void (*progress)(void *ctx, const mg_train_progress *pr); void *ctx; double log_flush_seconds; ...;
} mg_train_io;
typedef struct {
    void (*level_io)(void *ctx, int level, int count, double sigma, mg_train_io *io); void *ctx; int resume; ...;
} mg_train_set_opts;
mg_status mg_train_dae(const mg_train_params *params, mg_mat X, const mg_rng *rng, const mg_train_io *io,
                       mg_dae **model);
mg_status mg_train_daeset(const mg_train_params *params, const double *sigmas, int count, mg_mat X,
                          const mg_rng *rng, const mg_train_set_opts *opts, mg_daeset *out);
void mg_train_request_stop(void);
void mg_train_clear_stop(void);
int mg_train_stop_requested(void);

/* denoiser.h and sampler.h */
typedef struct { int64_t d; char name[64]; ...; } mg_denoiser;
typedef enum { MG_LEVEL_NEAREST = 0, MG_LEVEL_INTERP = 1 } mg_level_mode;
void mg_denoiser_free(mg_denoiser *den);
mg_status mg_denoiser_daeset(const mg_daeset *set, mg_level_mode mode, mg_denoiser *out);
mg_status mg_denoiser_emp(mg_mat X, mg_denoiser *out);
typedef struct { int K; int64_t d; double *weights; double *means; double *eigvals; double *bases; } mg_mog;
mg_status mg_denoiser_mog(const mg_mog *mog, mg_denoiser *out);
mg_status mg_denoise(const mg_denoiser *den, double sigma, mg_mat X, mg_mat Y);
typedef enum { MG_SAMPLER_DDIM = 0, MG_SAMPLER_ANCESTRAL, MG_SAMPLER_EULER, MG_SAMPLER_HEUN, MG_SAMPLER_COUNT }
    mg_sampler_kind;
mg_status mg_sampler_parse(const char *name, mg_sampler_kind *out);
const char *mg_sampler_name(mg_sampler_kind k);
typedef struct {
    mg_sampler_kind kind; const double *sigmas; int nsigmas; int64_t chunk; float *trajectory;
    void (*progress)(void *ctx, int64_t done, int64_t total); void *progress_ctx; double clamp_lo, clamp_hi; ...;
} mg_sample_params;
mg_sample_params mg_sample_params_default(void);
mg_status mg_sample(const mg_denoiser *den, const mg_sample_params *p, const mg_rng *rng, mg_mat X);

/* mog.h */
void mg_mog_free(mg_mog *m);
mg_status mg_mog_validate(const mg_mog *m);
mg_status mg_mog_save(const mg_mog *m, const char *path);
mg_status mg_mog_load(const char *path, mg_mog *out);
mg_status mg_mog_alloc(mg_mog *m, int K, int64_t d);
typedef struct {
    int K; int64_t d; const double *weights; double mean_scale; double mean_cosine; int mean_random;
    double cov_scale; double cov_rate; int64_t cov_rank; int cov_random; ...;
} mg_mog_spec;
mg_mog_spec mg_mog_spec_default(void);
mg_status mg_mog_make(const mg_mog_spec *s, const mg_rng *rng, mg_mog *out);
mg_status mg_mog_sample(const mg_mog *m, const int64_t *counts, int shuffle, const mg_rng *rng, mg_mat X,
                        int64_t *labels);
mg_status mg_mog_logpdf(const mg_mog *m, mg_mat Y, double sigma, double *logp, double *maha2);

/* fmnist.h, dup.h */
typedef struct { const char *dir; int train; uint32_t class_mask; int64_t n; int random; ...; } mg_fmnist_opts;
mg_status mg_fmnist_load(const mg_fmnist_opts *o, const mg_rng *rng, mg_array *images, int64_t **labels,
                         int64_t **index);
typedef struct { int64_t count; int64_t times; int inject; double inject_norm; double jitter; ...; } mg_dup_spec;
typedef struct { mg_array X; int64_t *group; int64_t *labels; ...; } mg_dup_result;
mg_status mg_data_duplicate(mg_mat X, const int64_t *labels, const mg_dup_spec *s, const mg_rng *rng,
                            mg_dup_result *out);
void mg_dup_result_free(mg_dup_result *r);
mg_status mg_split_duplicates(mg_mat X, double tol, int64_t min_copies, int64_t *labels, int64_t *K,
                              int64_t *groups);

/* memorization.h */
typedef struct {
    int64_t n; double threshold; int64_t *nn1, *nn2; double *d1, *d2; double *ratio; int *memorized;
    int64_t *cos_idx; double *cos_max; double *gen_ratio;
    double frac_memorized; double frac_near_duplicate; double mean_ratio, median_ratio, mean_cos_max;
    int64_t distinct_memorized; ...;
} mg_memratio;
mg_status mg_memratio_compute(mg_mat S, mg_mat X, double threshold, mg_memratio *out);
mg_status mg_memratio_compute_upto_scale(mg_mat S, mg_mat X, double threshold, mg_memratio *out);
void mg_memratio_free(mg_memratio *r);

/* repr.h */
typedef enum {
    MG_SPIKE_STD = 0, MG_SPIKE_L4L2, MG_SPIKE_NEGENTROPY, MG_SPIKE_MAXMIN, MG_SPIKE_TOP1, MG_SPIKE_NEGPR,
    MG_SPIKE_STD_SAMPLE, MG_SPIKE_COUNT
} mg_spike_metric;
const char *mg_spike_metric_name(mg_spike_metric m);
mg_status mg_spike_metric_parse(const char *name, mg_spike_metric *out);
mg_status mg_spikiness_rows(mg_mat H, mg_spike_metric m, double *out);
mg_status mg_spikiness_all(mg_mat H, double *out);
mg_status mg_repr_dae(const mg_dae *m, mg_mat X, double sigma, const mg_rng *rng, mg_mat H);
mg_status mg_repr_set(const mg_daeset *set, mg_mat X, double sigma, const mg_rng *rng, mg_mat H, int *level);
mg_status mg_denoise_error(const mg_dae *m, mg_mat X, double sigma, const mg_rng *rng, int64_t draws, double *err,
                           double *mean, double *se);

/* detect.h */
typedef enum { MG_LAYOUT_AUTO = 0, MG_LAYOUT_NF, MG_LAYOUT_NCHW, MG_LAYOUT_CLAST } mg_feat_layout;
typedef enum { MG_POOL_MAX = 0, MG_POOL_MEAN, MG_POOL_NONE } mg_pool_kind;
mg_status mg_feat_layout_parse(const char *s, mg_feat_layout *out);
mg_status mg_pool_parse(const char *s, mg_pool_kind *out);
mg_status mg_features_reduce(const mg_array *acts, mg_feat_layout layout, mg_pool_kind pool, mg_array *out);
typedef enum { MG_COMBINE_MEAN = 0, MG_COMBINE_CONCAT } mg_level_combine;
typedef struct {
    mg_spike_metric metric; double sigma; const double *sigmas; int nsigmas; mg_level_combine combine; ...;
} mg_detect_params;
mg_detect_params mg_detect_params_default(void);
mg_status mg_detect_model(const mg_daeset *set, mg_mat X, const mg_detect_params *p, const mg_rng *rng,
                          double *scores);
mg_status mg_detect_calibrate(const double *ref, int64_t n, double fpr, double *threshold);
int64_t mg_detect_flag(const double *scores, int64_t n, double threshold, int *flags);
mg_status mg_auroc(const double *scores, const int *labels, int64_t n, double *auc);
mg_status mg_roc_curve(const double *scores, const int *labels, int64_t n, double **fpr, double **tpr,
                       double **thr, int64_t *npts);
mg_status mg_tpr_at_fpr(const double *scores, const int *labels, int64_t n, double fpr, double *tpr, double *thr);
typedef struct {
    int64_t n_pos, n_neg; double auroc, tpr; double fpr_target; double thr_at_fpr; int bootstrap; double level;
    double auroc_lo, auroc_hi, tpr_lo, tpr_hi; double seconds; double sec_per_sample; ...;
} mg_detect_eval;
mg_status mg_detect_evaluate(const double *scores, const int *labels, int64_t n, double fpr, int bootstrap,
                             double level, const mg_rng *rng, mg_detect_eval *out);
mg_status mg_baseline_flipd(const mg_daeset *set, mg_mat X, double sigma, double *scores);
mg_status mg_baseline_jacobian(const mg_daeset *set, mg_mat X, double sigma, double *scores);
mg_status mg_baseline_denoise(const mg_daeset *set, mg_mat X, double sigma, const mg_rng *rng, double *scores);
mg_status mg_baseline_clique(mg_mat S, double tau, int k_max, double *scores);
mg_status mg_baseline_nn_ratio(mg_mat S, mg_mat train, double *scores);

/* steer.h */
typedef struct { double sigma; int level; ...; } mg_steer_vec_params;
mg_steer_vec_params mg_steer_vec_params_default(void);
typedef struct {
    int count; int64_t d; int64_t pmax; int64_t *p; int *active; double *sigma; float *V; float *U;
    int64_t n_target; ...;
} mg_steer_vectors;
mg_status mg_steer_vectors_compute(const mg_daeset *set, mg_mat Xt, const mg_steer_vec_params *prm,
                                   const mg_rng *rng, mg_steer_vectors *out);
void mg_steer_vectors_free(mg_steer_vectors *v);
typedef struct { double alpha; double sigma_hi; double sigma_lo; ...; } mg_steer_params;
mg_steer_params mg_steer_params_default(void);
mg_status mg_denoiser_steered(const mg_daeset *set, mg_level_mode mode, const mg_steer_vectors *vecs,
                              const mg_steer_params *prm, mg_denoiser *out);
void mg_steer_window(const double *sigmas, int K, int final_steps, int skip_last, double *sigma_hi,
                     double *sigma_lo);

/* theory.h */
typedef enum { MG_CONSTRUCTION_LAE = 0, MG_CONSTRUCTION_GEN, MG_CONSTRUCTION_MEM, MG_CONSTRUCTION_HYBRID }
    mg_construction_kind;
const char *mg_construction_kind_str(mg_construction_kind k);
typedef struct {
    double sigma; double wd; int64_t hidden; const int64_t *widths; double dup_tol; size_t mem_budget; ...;
} mg_construct_params;
mg_construct_params mg_construct_params_default(void);
typedef struct {
    int64_t n; int64_t col_start; int64_t width; int64_t kept; int64_t dropped; int64_t excluded_wd; int rank1;
    double mean_norm; double pre_act; double trace; double lae_loss; double train_mse; double reg; ...;
} mg_block_info;
typedef struct {
    mg_construction_kind kind; int64_t n, d, p, K; double sigma, wd; float *W; double *col_eig; double *col_s;
    mg_block_info *blocks; int64_t *labels; int64_t unused; int64_t dropped; int64_t rank1_clusters;
    double train_mse; double train_reg; double train_loss; char note[512]; ...;
} mg_construction;
mg_status mg_construct(mg_mat X, const int64_t *labels, int64_t K, const mg_construct_params *prm,
                       mg_construction *out);
mg_status mg_construct_lae(mg_mat X, const mg_construct_params *prm, mg_construction *out);
mg_status mg_construct_mem(mg_mat X, const mg_construct_params *prm, mg_construction *out);
void mg_construction_free(mg_construction *c);
mg_status mg_construction_to_dae(const mg_construction *c, mg_dae **out);
typedef struct {
    int64_t K; double alpha; int64_t alpha_sample; double beta; int64_t beta_k, beta_l; double min_mean_norm;
    double c_proj; double s_min, s_max; double gamma; double on_min; double off_max; int64_t mask_violations;
    int beta_negative; int alpha_below_one; int alpha_small; int gamma_positive; int wd_ok; int masks_ok;
    int holds; ...;
} mg_separability;
mg_status mg_separability_compute(mg_mat X, const int64_t *labels, int64_t K, mg_separability *out);
mg_status mg_theory_verdict(mg_mat X, const mg_construction *c, mg_separability *sep);
double mg_mem_loss(mg_mat X, double sigma);
double mg_mem_kl_bound(mg_mat X);
mg_status mg_mog_oracle_risk(const mg_mog *mog, double sigma, double wd, const int64_t *widths, double *risk,
                             double *total);
mg_status mg_construction_mog_risk(mg_mat X, const mg_construction *c, const mg_mog *mog, int64_t *match,
                                   double *risk, double *total);
mg_status mg_femp_once(mg_mat X, mg_mat Y, double sigma, mg_mat Out);
mg_status mg_fgt(const mg_mog *mog, mg_mat Y, double sigma, mg_mat Out, double *post);

/* reproduce.h */
typedef enum { MG_REPRO_SMOKE = 0, MG_REPRO_QUICK, MG_REPRO_FULL } mg_repro_scale;
mg_status mg_repro_scale_parse(const char *s, mg_repro_scale *out);
typedef struct { const char *stage; const char *detail; double fraction; double elapsed; ...; } mg_repro_progress;
typedef struct {
    mg_repro_scale scale; const char *out_dir; uint64_t seed; const char *fmnist_dir; int fmnist;
    const char *sections; void (*progress)(void *ctx, const mg_repro_progress *pr); void *progress_ctx;
    const char *real_model; int replace; ...;
} mg_repro_config;
mg_repro_config mg_repro_config_default(void);
typedef struct { int verdicts[4]; int sections_run; int sections_failed; double seconds; ...; } mg_repro_summary;
mg_status mg_reproduce(const mg_repro_config *cfg, mg_repro_summary *summary);
mg_status mg_repro_experiment(const mg_repro_config *cfg, const char *id, const char *const *sets, int nsets);
const char *mg_repro_experiment_list(void);

/* ---- memgen/train.py, theory.py, sampling.py, data.py ---- */
/* train.h: the trainer the CLI's single-model path and --resume use */
typedef struct mg_trainer mg_trainer;
double mg_train_resolved_lr(const mg_train_params *p);
double mg_train_resolved_wd(const mg_train_params *p);
mg_status mg_trainer_create(const mg_train_params *params, mg_dae *model, mg_mat X, const mg_rng *rng,
                            mg_trainer **out);
void mg_trainer_free(mg_trainer *tr);
int64_t mg_trainer_step_count(const mg_trainer *tr);
const mg_train_params *mg_trainer_params(const mg_trainer *tr);
mg_status mg_trainer_run(mg_trainer *tr, const mg_train_io *io);
mg_status mg_trainer_load_checkpoint(mg_trainer *tr, const char *path);
mg_status mg_train_checkpoint_info(const char *path, mg_train_params *params, mg_rng *rng, int64_t *step,
                                   int64_t *n, int64_t *d, mg_train_io *io);
mg_status mg_train_init_model(const mg_train_params *params, int64_t d, const mg_rng *rng, mg_dae **out);
mg_status mg_train_annotate_model(mg_dae *model, const mg_train_params *params, const mg_rng *rng, int64_t n,
                                  int64_t d);

/* schedule.h (also steer.py, detect.py) */
mg_status mg_sigmas_parse(const char *spec, double **sigmas, int *count);
mg_status mg_sigmas_geometric(double smin, double smax, int K, double *out);
char *mg_sigmas_format(const double *sigmas, int count);

/* partition.h and theory.h */
typedef enum { MG_PARTITION_AUTO = 0, MG_PARTITION_LAE, MG_PARTITION_MEM, MG_PARTITION_BLOCKS } mg_partition_mode;
const char *mg_partition_mode_str(mg_partition_mode m);
mg_status mg_partition_mode_parse(const char *name, mg_partition_mode *out);
typedef struct {
    mg_partition_mode mode; const mg_array *labels; const char *labels_name; int64_t clusters; int kmeans_iters;
    int kmeans_restarts; int64_t duplicates; double dup_dist; int64_t hidden; ...;
} mg_partition_params;
mg_partition_params mg_partition_params_default(void);
typedef struct {
    mg_partition_mode mode; int64_t n; int64_t K; int64_t *labels; int64_t *label_values; double kmeans_objective;
    int64_t dup_groups; ...;
} mg_partition;
mg_status mg_partition_make(mg_mat X, const mg_partition_params *p, mg_rng *rng, mg_partition *out);
void mg_partition_free(mg_partition *p);
mg_status mg_partition_construct(mg_mat X, const mg_partition *part, const mg_construct_params *cp,
                                 mg_construction *out);
mg_status mg_labels_compact(const mg_array *a, int64_t n, const char *what, int64_t **labels, int64_t *K,
                            int64_t **values);
mg_status mg_mog_second_moment_eigs(const mg_mog *mog, int k, double *ev);

/* mog.h */
mg_status mg_mog_save_with_meta(const mg_mog *m, const char *path, int nmeta, const char *const *keys,
                                const char *const *values);

/* image.h (Fashion-MNIST's pipeline) */
typedef enum { MG_RESIZE_PIL = 0, MG_RESIZE_BILINEAR = 1, MG_RESIZE_AREA = 2, MG_RESIZE_COUNT } mg_resize_kind;
typedef enum { MG_SCALE_PM1 = 0, MG_SCALE_UNIT, MG_SCALE_RAW, MG_SCALE_STANDARDIZE, MG_SCALE_COUNT } mg_scale_kind;
typedef struct {
    int resize_h, resize_w; int resize_short; int crop_h, crop_w; mg_resize_kind resize; int channels; int chw;
    mg_scale_kind scale; int center; ...;
} mg_image_prep;
mg_image_prep mg_image_prep_default(void);
mg_status mg_image_prep_shape(const mg_image_prep *p, int h, int w, int c, int *oh, int *ow, int *oc);
mg_status mg_image_prepare(const mg_array *img, const mg_image_prep *p, const char *name, float *row);
mg_status mg_image_finish(mg_mat X, const mg_image_prep *p, float *mean_out, double *std_mean, double *std_std);

/* split.h */
mg_status mg_data_split(int64_t n, double test_fraction, const mg_rng *rng, uint8_t *is_test, int64_t *n_test);
/* ---- end of memgen/train.py, theory.py, sampling.py, data.py ---- */

/* ---- analysis.py, detect.py, steer.py, reproduce.py ---- */
/* detect.h: the detector suite (detect.py) */
typedef struct {
    double sigma; double flipd_sigma; double fpr; int bootstrap; double level; double mem_ratio; double gen_ratio;
    double gen_cos; double dedup_tol; double clique_tau; int clique_k; int all_metrics; int repeats; ...;
} mg_bench_params;
mg_bench_params mg_bench_params_default(void);
typedef struct { char name[32]; int needs_train; mg_detect_eval ev; double *scores; ...; } mg_bench_row;
typedef struct {
    int64_t n_samples; int64_t n_train_unique; int64_t n; int64_t n_mem, n_gen, n_ambiguous; int64_t *index;
    int *labels; double *ratio; double *cos_max; int nrows; mg_bench_row *rows; ...;
} mg_detect_bench;
mg_status mg_detect_benchmark(const mg_daeset *set, mg_mat train, mg_mat S, const mg_bench_params *p,
                              const mg_rng *rng, mg_detect_bench *out);
void mg_detect_bench_free(mg_detect_bench *b);

/* steer.h: steered sampling and its measures (steer.py) */
mg_status mg_denoiser_steered_set_alpha(mg_denoiser *den, double alpha);
typedef struct {
    int64_t n; int na; double *alphas; double *dist; double *post; double *disp; double *mono; double *spearman;
    double *jump; double *path_jump; double *kink; double *gain; int *cls; ...;
} mg_steer_curves;
const char *mg_steer_class_name(int cls);
typedef struct { const mg_mog *mog; int mode; double sigma; ...; } mg_steer_post;
mg_status mg_steer_centroid(mg_mat T, float *c);
mg_status mg_steer_measure(const float *S, int na, const double *alphas, int64_t n, int64_t d, const float *centroid,
                           const mg_steer_post *post, mg_steer_curves *out);
void mg_steer_curves_free(mg_steer_curves *c);
typedef struct {
    int64_t count; double mono, spearman, jump, path_jump, gain; double kink_median;
    double frac_static, frac_smooth, frac_threshold; double dist_first, dist_last; double post_first, post_last; ...;
} mg_steer_summary;
mg_status mg_steer_summarize(const mg_steer_curves *c, const int *mask, int want, mg_steer_summary *out);
mg_status mg_steer_parse_alphas(const char *spec, double **alphas, int *count);


/* reproduce.h: section ids (reproduce.py) */
const char *mg_repro_section_list(void);

/* ---- tc.py ---- */
/* tcdae.h: the authors' time-conditioned model */
typedef struct mg_tcdae mg_tcdae;
typedef enum { MG_TC_GATED = 0, MG_TC_UNGATED, MG_TC_REP_COUNT } mg_tc_rep;
const char *mg_tc_rep_name(mg_tc_rep r);
mg_status mg_tc_rep_parse(const char *s, mg_tc_rep *out);
mg_status mg_tcdae_create(int64_t d, int64_t p, mg_tcdae **out);
void mg_tcdae_free(mg_tcdae *m);
mg_status mg_tcdae_clone(const mg_tcdae *m, mg_tcdae **out);
int64_t mg_tcdae_dim(const mg_tcdae *m);
int64_t mg_tcdae_hidden(const mg_tcdae *m);
typedef struct { float *W; float *a1; float *c1; float *A2; float *c2; float *skip; } mg_tcdae_parts;
mg_tcdae_parts mg_tcdae_parts_of(mg_tcdae *m);
mg_status mg_tcdae_set_meta(mg_tcdae *m, const char *key, const char *value);
void mg_tcdae_sigma_range(const mg_tcdae *m, double *lo, double *hi);
void mg_tcdae_set_sigma_range(mg_tcdae *m, double lo, double hi);
mg_status mg_tcdae_gate(const mg_tcdae *m, double sigma, float *g);
mg_status mg_tcdae_encode(const mg_tcdae *m, mg_mat X, double sigma, mg_tc_rep rep, mg_mat H);
mg_status mg_tcdae_forward(const mg_tcdae *m, mg_mat X, double sigma, mg_mat Y);
mg_status mg_tcdae_to_dae(const mg_tcdae *m, double sigma, mg_tc_rep rep, mg_dae **out);
mg_status mg_tcdae_to_daeset(const mg_tcdae *m, const double *sigmas, int count, mg_tc_rep rep, mg_daeset *out);
mg_status mg_tcdae_to_st(const mg_tcdae *m, mg_st *st, const char *prefix);
mg_status mg_tcdae_save(const mg_tcdae *m, const char *path);
mg_status mg_tcdae_load(const char *path, mg_tcdae **out);
/* tctrain.h: its trainer (the path of `memgen train --kind tc`) */
typedef struct { mg_train_params base; double sigma_min, sigma_max; ...; } mg_tc_train_params;
mg_tc_train_params mg_tc_train_params_default(void);
mg_status mg_tc_train_params_check(const mg_tc_train_params *p, int64_t n, int64_t d);
typedef struct mg_tc_trainer mg_tc_trainer;
mg_status mg_tc_trainer_create(const mg_tc_train_params *params, mg_tcdae *model, mg_mat X, const mg_rng *rng,
                               mg_tc_trainer **out);
void mg_tc_trainer_free(mg_tc_trainer *tr);
const mg_tc_train_params *mg_tc_trainer_params(const mg_tc_trainer *tr);
mg_status mg_tc_trainer_run(mg_tc_trainer *tr, const mg_train_io *io);
mg_status mg_tc_trainer_load_checkpoint(mg_tc_trainer *tr, const char *path);
mg_status mg_tc_train_init_model(const mg_tc_train_params *params, int64_t d, const mg_rng *rng, mg_tcdae **out);
mg_status mg_tc_train_annotate_model(mg_tcdae *model, const mg_tc_train_params *params, const mg_rng *rng,
                                     int64_t n, int64_t d);
/* denoiser.h: the model as a sampler's denoiser (sampling.py) */
mg_status mg_denoiser_tcdae(const mg_tcdae *m, mg_denoiser *out);
/* ---- end of tc.py ---- */

/* callbacks into Python (memgen/_core.py) */
/* table.h, sweep.h */
typedef enum { MG_COL_F64 = 0, MG_COL_TEXT = 1 } mg_col_kind;
typedef struct { char *name; mg_col_kind kind; double *num; char **text; ...; } mg_col;
typedef struct { char *name; int ncols; int64_t nrows; mg_col *cols; ...; } mg_table;
void mg_table_free(mg_table *t);
typedef struct { ...; } mg_sweep_grid;
enum { MG_SWEEP_NCOLS = ..., MG_SWEEP_NTIMES = ... };
typedef struct { double v[24]; double seconds[4]; ...; } mg_sweep_result;
typedef struct {
    int64_t shard, nshards; int64_t max_cells; int threads;
    void (*progress)(void *ctx, int64_t index, int64_t done, int64_t total, const mg_sweep_result *r);
    void *ctx;
    ...;
} mg_sweep_run_opts;
extern const char *const mg_sweep_columns[];
extern const char *const mg_sweep_time_columns[];
mg_status mg_sweep_grid_parse(const char *spec, mg_sweep_grid *g);
void mg_sweep_grid_free(mg_sweep_grid *g);
char *mg_sweep_grid_format(const mg_sweep_grid *g);
int64_t mg_sweep_cell_count(const mg_sweep_grid *g);
mg_status mg_sweep_dir_init(const char *dir, const mg_sweep_grid *g, uint64_t base_seed);
mg_status mg_sweep_dir_load(const char *dir, mg_sweep_grid *g, uint64_t *base_seed);
mg_status mg_sweep_run_dir(const char *dir, const mg_sweep_run_opts *o, int64_t *ran, int64_t *skipped);
mg_status mg_sweep_run_table(const mg_sweep_grid *g, uint64_t base_seed, mg_table *t, mg_table *times);
mg_status mg_sweep_assemble(const char *const *dirs, int ndirs, mg_table *t, mg_table *times, int64_t *missing);
mg_status mg_sweep_finish(const char *const *dirs, int ndirs, const char *out_dir, const char *measure,
                          const char *x, const char *y, int partial, int64_t *cells, int64_t *missing);

extern "Python" void _mg_py_sweep_progress(void *ctx, int64_t index, int64_t done, int64_t total,
                                           const mg_sweep_result *r);
extern "Python" void _mg_py_train_progress(void *ctx, const mg_train_progress *pr);
extern "Python" void _mg_py_level_io(void *ctx, int level, int count, double sigma, mg_train_io *io);
extern "Python" void _mg_py_sample_progress(void *ctx, int64_t done, int64_t total);
extern "Python" void _mg_py_repro_progress(void *ctx, const mg_repro_progress *pr);

/*
 * The authors' time-conditioned ReLU denoiser (see include/memgen/tcdae.h):
 * f(x, sigma) = W^T [relu(W x) .* exp(A2 relu(a1 log sigma + c1) + c2)] + s x.
 * Parameters live in one flat, 64-byte aligned vector in the order of the
 * authors' state_dict; the gates, the representation and the forward pass
 * go through mg_sgemm_det (the same bits on any thread count); the model at
 * one sigma converts to a DAE with a skip (dae.h) for the analyses of a DAE set.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/blas.h"
#include "memgen/dae.h"
#include "memgen/tcdae.h"

/* Largest model accepted (floats), as for the DAE. */
#define TC_MAX_PARAMS ((int64_t)1 << 32)

struct mg_tcdae {
    int64_t d, p;
    float *params; /* nparams: W (p x d) | a1 (p) | c1 (p) | A2 (p x p) | c2 (p) | skip (1) */
    int64_t nparams;
    double sigma_lo, sigma_hi; /* training range (NaN: unknown) */
    mg_st *meta;               /* free-form metadata (no tensors), owned */
};

/* The tensor names of the authors' state_dict, in the order of the flat vector. */
static const char *const k_names[6] = {"encoder.weight",    "time_mlp.0.weight", "time_mlp.0.bias",
                                       "time_mlp.2.weight", "time_mlp.2.bias",   "skip"};

/* Structural metadata keys (written by the model itself). */
static const char *const k_struct_keys[] = {"memgen.kind", "d", "p", "sigma_min", "sigma_max"};

static const char *const k_rep_names[] = {"gated", "ungated"};
_Static_assert(sizeof k_rep_names / sizeof *k_rep_names == MG_TC_REP_COUNT, "a name per representation");

/* Name of a representation choice. */
const char *mg_tc_rep_name(mg_tc_rep r) { return (unsigned)r < MG_TC_REP_COUNT ? k_rep_names[r] : "?"; }

/* "gated" -> MG_TC_GATED. */
mg_status mg_tc_rep_parse(const char *s, mg_tc_rep *out) {
    for (int i = 0; s && i < MG_TC_REP_COUNT; i++)
        if (!strcmp(s, k_rep_names[i])) {
            *out = (mg_tc_rep)i;
            return MG_OK;
        }
    return mg_fail(MG_ERR_ARG, "unknown representation '%s' (use gated or ungated)", s ? s : "");
}

/* Floats of a d x p model, or -1 when invalid or too large. */
static int64_t count_params(int64_t d, int64_t p) {
    if (d < 1 || p < 1 || d > TC_MAX_PARAMS || p > TC_MAX_PARAMS) return -1;
    if (d > TC_MAX_PARAMS / p || p > TC_MAX_PARAMS / p) return -1;
    int64_t n = p * d + p * p + 3 * p + 1;
    return n > TC_MAX_PARAMS ? -1 : n;
}

/* Allocates a zero model. */
mg_status mg_tcdae_create(int64_t d, int64_t p, mg_tcdae **out) {
    *out = NULL;
    int64_t np = count_params(d, p);
    if (np < 0)
        return mg_fail(MG_ERR_ARG,
                       "time-conditioned model of dimension d=%lld and width p=%lld is invalid or too large "
                       "(need d, p >= 1 and at most 2^32 parameters)",
                       (long long)d, (long long)p);
    mg_tcdae *m = calloc(1, sizeof *m);
    if (!m) return mg_fail(MG_ERR_NOMEM, "out of memory creating a time-conditioned model");
    m->params = mg_calloc((size_t)np, sizeof(float));
    m->meta = mg_st_new();
    if (!m->params || !m->meta) {
        mg_tcdae_free(m);
        return mg_fail(MG_ERR_NOMEM, "cannot allocate a time-conditioned model of %lld floats", (long long)np);
    }
    m->d = d;
    m->p = p;
    m->nparams = np;
    m->sigma_lo = m->sigma_hi = NAN;
    *out = m;
    return MG_OK;
}

/* Frees the model; NULL is fine. */
void mg_tcdae_free(mg_tcdae *m) {
    if (!m) return;
    free(m->params);
    mg_st_free(m->meta);
    free(m);
}

/* Deep copy. */
mg_status mg_tcdae_clone(const mg_tcdae *m, mg_tcdae **out) {
    MG_TRY(mg_tcdae_create(m->d, m->p, out));
    mg_tcdae *c = *out;
    memcpy(c->params, m->params, (size_t)m->nparams * sizeof(float));
    c->sigma_lo = m->sigma_lo;
    c->sigma_hi = m->sigma_hi;
    for (int i = 0; i < mg_st_meta_count(m->meta); i++) {
        const char *k = mg_st_meta_key(m->meta, i);
        mg_status s = mg_st_set_meta(c->meta, k, mg_st_meta(m->meta, k));
        if (s != MG_OK) {
            mg_tcdae_free(c);
            *out = NULL;
            return s;
        }
    }
    return MG_OK;
}

int64_t mg_tcdae_dim(const mg_tcdae *m) { return m->d; }
int64_t mg_tcdae_hidden(const mg_tcdae *m) { return m->p; }

/* Offsets of the six blocks in the flat vector. */
static void block_offsets(int64_t d, int64_t p, int64_t off[7]) {
    off[0] = 0;
    off[1] = p * d;
    off[2] = off[1] + p;
    off[3] = off[2] + p;
    off[4] = off[3] + p * p;
    off[5] = off[4] + p;
    off[6] = off[5] + 1;
}

/* Views of the blocks. */
mg_tcdae_parts mg_tcdae_parts_of(mg_tcdae *m) {
    int64_t o[7];
    block_offsets(m->d, m->p, o);
    float *b = m->params;
    mg_tcdae_parts v = {b + o[0], b + o[1], b + o[2], b + o[3], b + o[4], b + o[5]};
    return v;
}
mg_tcdae_cparts mg_tcdae_cparts_of(const mg_tcdae *m) {
    int64_t o[7];
    block_offsets(m->d, m->p, o);
    const float *b = m->params;
    mg_tcdae_cparts v = {b + o[0], b + o[1], b + o[2], b + o[3], b + o[4], b + o[5]};
    return v;
}

/* The flat vector. */
float *mg_tcdae_params(mg_tcdae *m, int64_t *count) {
    if (count) *count = m->nparams;
    return m->params;
}
const float *mg_tcdae_params_const(const mg_tcdae *m, int64_t *count) {
    if (count) *count = m->nparams;
    return m->params;
}
int64_t mg_tcdae_param_count(const mg_tcdae *m) { return m->nparams; }

/* U(-b, b) entries (float arithmetic as torch.Tensor.uniform_: lo + (hi - lo) u). */
static void fill_uniform(mg_rng *rng, float *v, size_t n, float b) {
    mg_rng_uniform(rng, v, n);
    for (size_t i = 0; i < n; i++) v[i] = -b + (2.0f * b) * v[i];
}

/* The authors' initialisation (see tcdae.h). */
void mg_tcdae_init(mg_tcdae *m, mg_rng *rng) {
    mg_tcdae_parts v = mg_tcdae_parts_of(m);
    const int64_t d = m->d, p = m->p;
    fill_uniform(rng, v.W, (size_t)(p * d), (float)sqrt(6.0 / (double)d)); /* gain sqrt(2) * sqrt(3 / fan_in) */
    fill_uniform(rng, v.a1, (size_t)p, 1.0f);                              /* kaiming_uniform_(a=sqrt(5)), fan_in 1 */
    fill_uniform(rng, v.c1, (size_t)p, 1.0f);                              /* U(-1/sqrt(fan_in), 1/sqrt(fan_in)) */
    memset(v.A2, 0, (size_t)(p * p + p + 1) * sizeof(float));            /* A2, c2, skip */
}

/* Whether key is one of the structural metadata keys. */
static int is_struct_key(const char *key) {
    for (size_t i = 0; i < sizeof k_struct_keys / sizeof *k_struct_keys; i++)
        if (!strcmp(key, k_struct_keys[i])) return 1;
    return 0;
}

/* Free-form metadata. */
mg_status mg_tcdae_set_meta(mg_tcdae *m, const char *key, const char *value) {
    if (!key || is_struct_key(key))
        return mg_fail(MG_ERR_ARG, "time-conditioned model metadata key '%s' is reserved", key ? key : "(null)");
    return mg_st_set_meta(m->meta, key, value);
}
const char *mg_tcdae_meta(const mg_tcdae *m, const char *key) { return mg_st_meta(m->meta, key); }

/* Training range of sigma. */
void mg_tcdae_sigma_range(const mg_tcdae *m, double *lo, double *hi) {
    *lo = m->sigma_lo;
    *hi = m->sigma_hi;
}
void mg_tcdae_set_sigma_range(mg_tcdae *m, double lo, double hi) {
    m->sigma_lo = lo;
    m->sigma_hi = hi;
}

/* G = exp(relu(t a1^T + c1) A2^T + c2) for n levels (see tcdae.h). */
mg_status mg_tcdae_gates(const mg_tcdae *m, const float *t, int64_t n, float *G, float *U) {
    if (n < 0 || (n > 0 && (!t || !G))) return mg_fail(MG_ERR_ARG, "time-conditioned gates: NULL argument");
    if (n == 0) return MG_OK;
    const int64_t p = m->p;
    float *u = U ? U : mg_alloc((size_t)n * (size_t)p, sizeof(float)); /* n x p: the MLP's hidden layer */
    if (!u) return mg_fail(MG_ERR_NOMEM, "time-conditioned gates: out of memory for %lld levels", (long long)n);
    mg_tcdae_cparts v = mg_tcdae_cparts_of(m);
    for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < p; k++) {
            float z = t[i] * v.a1[k] + v.c1[k];
            u[i * p + k] = z > 0.0f ? z : 0.0f;
        }
    mg_sgemm_det(0, 1, n, p, p, 1.0f, u, p, v.A2, p, 0.0f, G, p);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < p; j++) G[i * p + j] = expf(G[i * p + j] + v.c2[j]);
    if (!U) free(u);
    return MG_OK;
}

/* g(sigma) of one level. */
mg_status mg_tcdae_gate(const mg_tcdae *m, double sigma, float *g) {
    if (!(sigma > 0) || !isfinite(sigma))
        return mg_fail(MG_ERR_ARG, "time-conditioned model: sigma must be > 0 (got %g)", sigma);
    float t = logf((float)sigma);
    return mg_tcdae_gates(m, &t, 1, g, NULL);
}

/* Checks an n x cols view. */
static mg_status check_view(mg_mat v, int64_t rows, int64_t cols, const char *what) {
    if (v.rows != rows || v.cols != cols)
        return mg_fail(MG_ERR_SHAPE, "time-conditioned model: %s is %lld x %lld, expected %lld x %lld", what,
                       (long long)v.rows, (long long)v.cols, (long long)rows, (long long)cols);
    if (v.ld < v.cols || (v.rows > 0 && !v.data))
        return mg_fail(MG_ERR_ARG, "time-conditioned model: %s has leading dimension %lld < %lld or no data", what,
                       (long long)v.ld, (long long)v.cols);
    return MG_OK;
}

/* H = relu(X W^T), gated by g when g is not NULL. */
static void encode_with(const mg_tcdae *m, mg_mat X, const float *g, mg_mat H) {
    const int64_t n = X.rows, p = m->p;
    mg_sgemm_det(0, 1, n, p, m->d, 1.0f, X.data, X.ld, m->params, m->d, 0.0f, H.data, H.ld);
    for (int64_t i = 0; i < n; i++) {
        float *h = H.data + i * H.ld;
        for (int64_t j = 0; j < p; j++) h[j] = h[j] > 0.0f ? h[j] : 0.0f;
        if (g)
            for (int64_t j = 0; j < p; j++) h[j] = h[j] * g[j];
    }
}

/* The representation at level sigma. */
mg_status mg_tcdae_encode(const mg_tcdae *m, mg_mat X, double sigma, mg_tc_rep rep, mg_mat H) {
    if ((unsigned)rep >= MG_TC_REP_COUNT) return mg_fail(MG_ERR_ARG, "time-conditioned model: invalid representation");
    MG_TRY(check_view(X, X.rows, m->d, "input"));
    MG_TRY(check_view(H, X.rows, m->p, "representation buffer"));
    float *g = malloc((size_t)m->p * sizeof(float)); /* p: gates */
    if (!g) return mg_fail(MG_ERR_NOMEM, "time-conditioned model: out of memory");
    mg_status s = mg_tcdae_gate(m, sigma, g);
    if (s == MG_OK && X.rows > 0) encode_with(m, X, rep == MG_TC_GATED ? g : NULL, H);
    free(g);
    return s;
}

/* Y = (relu(X W^T) .* g) W + s X. */
mg_status mg_tcdae_forward(const mg_tcdae *m, mg_mat X, double sigma, mg_mat Y) {
    MG_TRY(check_view(X, X.rows, m->d, "input"));
    MG_TRY(check_view(Y, X.rows, m->d, "output"));
    const int64_t n = X.rows, d = m->d, p = m->p;
    float *g = malloc((size_t)p * sizeof(float));                         /* p: gates */
    float *H = mg_alloc((size_t)(n > 0 ? n : 1) * (size_t)p, sizeof(float)); /* n x p: gated hidden layer */
    mg_status s = g && H ? mg_tcdae_gate(m, sigma, g) : mg_fail(MG_ERR_NOMEM, "time-conditioned model: out of memory");
    if (s == MG_OK && n > 0) {
        encode_with(m, X, g, (mg_mat){n, p, p, H});
        mg_sgemm_det(0, 0, n, d, p, 1.0f, H, p, m->params, d, 0.0f, Y.data, Y.ld);
        const float sk = mg_tcdae_cparts_of(m).skip[0];
        for (int64_t i = 0; i < n; i++) {
            float *y = Y.data + i * Y.ld;
            const float *x = X.data + i * X.ld;
            for (int64_t k = 0; k < d; k++) y[k] = y[k] + sk * x[k];
        }
    }
    free(g);
    free(H);
    return s;
}

/* The DAE with skip equal to the model at sigma (see tcdae.h). */
mg_status mg_tcdae_to_dae(const mg_tcdae *m, double sigma, mg_tc_rep rep, mg_dae **out) {
    *out = NULL;
    if ((unsigned)rep >= MG_TC_REP_COUNT) return mg_fail(MG_ERR_ARG, "time-conditioned model: invalid representation");
    const int64_t d = m->d, p = m->p;
    float *g = malloc((size_t)p * sizeof(float));
    if (!g) return mg_fail(MG_ERR_NOMEM, "time-conditioned model: out of memory");
    mg_status s = mg_tcdae_gate(m, sigma, g);
    mg_dae *dae = NULL;
    if (s == MG_OK) s = mg_dae_create(d, p, 0, 0, &dae);
    if (s == MG_OK) {
        /* W1, W2 are d x p: element (k, j) from W[j, k] */
        float *W1 = mg_dae_w1(dae), *W2 = mg_dae_w2(dae);
        float *gated = rep == MG_TC_GATED ? W1 : W2, *plain = rep == MG_TC_GATED ? W2 : W1;
        for (int64_t k = 0; k < d; k++)
            for (int64_t j = 0; j < p; j++) {
                const float w = m->params[j * d + k];
                plain[k * p + j] = w;
                gated[k * p + j] = g[j] * w;
            }
        mg_dae_set_skip(dae, mg_tcdae_cparts_of(m).skip[0]);
        mg_dae_set_sigma(dae, sigma);
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", sigma);
        s = mg_dae_set_meta(dae, "tc.rep", mg_tc_rep_name(rep));
        if (s == MG_OK) s = mg_dae_set_meta(dae, "tc.sigma", buf);
    }
    free(g);
    if (s != MG_OK) {
        mg_dae_free(dae);
        return s;
    }
    *out = dae;
    return MG_OK;
}

/* One level per sigma. */
mg_status mg_tcdae_to_daeset(const mg_tcdae *m, const double *sigmas, int count, mg_tc_rep rep, mg_daeset *out) {
    MG_TRY(mg_daeset_alloc(count, sigmas, out));
    mg_status s = MG_OK;
    for (int k = 0; k < count && s == MG_OK; k++) s = mg_tcdae_to_dae(m, sigmas[k], rep, &out->levels[k]);
    if (s == MG_OK) s = mg_daeset_set_meta(out, "memgen.creator", "tc_dae");
    if (s == MG_OK) s = mg_daeset_set_meta(out, "tc.rep", mg_tc_rep_name(rep));
    if (s != MG_OK) mg_daeset_free(out);
    return s;
}

/* prefix + name into buf. */
static mg_status join_name(char *buf, size_t n, const char *prefix, const char *name) {
    int k = snprintf(buf, n, "%s%s", prefix ? prefix : "", name);
    if (k < 0 || (size_t)k >= n) return mg_fail(MG_ERR_ARG, "tensor prefix '%s' is too long", prefix);
    return MG_OK;
}

/* Whether st holds the model's two characteristic tensors under prefix. */
int mg_tcdae_st_is(const mg_st *st, const char *prefix) {
    char a[256], b[256];
    if (join_name(a, sizeof a, prefix, k_names[0]) != MG_OK || join_name(b, sizeof b, prefix, k_names[3]) != MG_OK) {
        mg_clear_error();
        return 0;
    }
    return mg_st_get(st, a) && mg_st_get(st, b);
}

/* Writes the six tensors (state_dict names and shapes) and the metadata. */
mg_status mg_tcdae_to_st(const mg_tcdae *m, mg_st *st, const char *prefix) {
    const int64_t d = m->d, p = m->p;
    const int64_t shapes[6][2] = {{p, d}, {p, 1}, {p, 0}, {p, p}, {p, 0}, {1, 0}};
    const int ndims[6] = {2, 2, 1, 2, 1, 1};
    int64_t o[7];
    block_offsets(d, p, o);
    char key[256];
    for (int b = 0; b < 6; b++) {
        MG_TRY(join_name(key, sizeof key, prefix, k_names[b]));
        MG_TRY(mg_st_add_f32(st, key, m->params + o[b], ndims[b], shapes[b]));
    }
    if (prefix && *prefix) return MG_OK;
    MG_TRY(mg_st_set_meta(st, "memgen.kind", "tc_dae"));
    MG_TRY(mg_st_set_meta_int(st, "d", d));
    MG_TRY(mg_st_set_meta_int(st, "p", p));
    if (isfinite(m->sigma_lo)) MG_TRY(mg_st_set_meta_double(st, "sigma_min", m->sigma_lo));
    if (isfinite(m->sigma_hi)) MG_TRY(mg_st_set_meta_double(st, "sigma_max", m->sigma_hi));
    for (int i = 0; i < mg_st_meta_count(m->meta); i++) {
        const char *k = mg_st_meta_key(m->meta, i);
        MG_TRY(mg_st_set_meta(st, k, mg_st_meta(m->meta, k)));
    }
    return MG_OK;
}

/* Copies tensor prefix+name, which must hold exactly n values with the given
 * shape (skip: (1,) or ()), into dst after a finite check. */
static mg_status load_block(const mg_st *st, const char *prefix, const char *name, int ndim, const int64_t *shape,
                            float *dst) {
    char key[256];
    MG_TRY(join_name(key, sizeof key, prefix, name));
    const mg_array *raw = mg_st_get(st, key);
    if (!raw) return mg_fail(MG_ERR_NOT_FOUND, "time-conditioned model: tensor '%s' is missing", key);
    if (ndim == 1 && shape[0] == 1 && raw->ndim == 0) ndim = 0; /* a 0-dimensional skip */
    mg_array a;
    MG_TRY(mg_st_get_f32(st, key, ndim, shape, &a));
    mg_status s = mg_array_check_finite(&a, key);
    if (s == MG_OK) memcpy(dst, a.data, mg_array_nbytes(&a));
    mg_array_free(&a);
    return s;
}

/* Reads an optional positive double metadata key (NaN when absent). */
static mg_status meta_sigma(const mg_st *st, const char *key, double *v) {
    *v = NAN;
    mg_status s = mg_st_meta_double(st, key, v);
    if (s == MG_ERR_NOT_FOUND) {
        mg_clear_error();
        *v = NAN;
        return MG_OK;
    }
    if (s != MG_OK || !(*v > 0)) return mg_fail(MG_ERR_FORMAT, "time-conditioned model metadata '%s' must be > 0", key);
    return MG_OK;
}

/* Builds a model from the tensors under prefix. */
mg_status mg_tcdae_from_st(const mg_st *st, const char *prefix, mg_tcdae **out) {
    *out = NULL;
    if (!prefix) prefix = "";
    char key[256];
    MG_TRY(join_name(key, sizeof key, prefix, k_names[0]));
    const mg_array *w = mg_st_get(st, key);
    if (!w) return mg_fail(MG_ERR_NOT_FOUND, "no time-conditioned model tensor '%s'", key);
    if (w->ndim != 2 || w->shape[0] < 1 || w->shape[1] < 1) {
        char sh[128];
        mg_shape_str(w->ndim, w->shape, sh, sizeof sh);
        return mg_fail(MG_ERR_SHAPE, "tensor '%s' has shape %s; expected (p, d) with p, d >= 1", key, sh);
    }
    const int64_t p = w->shape[0], d = w->shape[1];
    mg_tcdae *m = NULL;
    MG_TRY(mg_tcdae_create(d, p, &m));
    const int64_t shapes[6][2] = {{p, d}, {p, 1}, {p, 0}, {p, p}, {p, 0}, {1, 0}};
    const int ndims[6] = {2, 2, 1, 2, 1, 1};
    int64_t o[7];
    block_offsets(d, p, o);
    mg_status s = MG_OK;
    for (int b = 0; b < 6 && s == MG_OK; b++)
        s = load_block(st, prefix, k_names[b], ndims[b], shapes[b], m->params + o[b]);
    if (s == MG_OK && !*prefix) {
        s = meta_sigma(st, "sigma_min", &m->sigma_lo);
        if (s == MG_OK) s = meta_sigma(st, "sigma_max", &m->sigma_hi);
        for (int i = 0; s == MG_OK && i < mg_st_meta_count(st); i++) {
            const char *k = mg_st_meta_key(st, i);
            if (!is_struct_key(k)) s = mg_st_set_meta(m->meta, k, mg_st_meta(st, k));
        }
    }
    if (s != MG_OK) {
        mg_tcdae_free(m);
        return s;
    }
    *out = m;
    return MG_OK;
}

/* Saves a model file atomically. */
mg_status mg_tcdae_save(const mg_tcdae *m, const char *path) {
    mg_st *st = mg_st_new();
    if (!st) return mg_fail(MG_ERR_NOMEM, "out of memory saving %s", path);
    mg_status s = mg_tcdae_to_st(m, st, "");
    if (s == MG_OK) s = mg_st_write(st, path);
    if (s != MG_OK) s = mg_fail_context(s, "saving the time-conditioned model to %s", path);
    mg_st_free(st);
    return s;
}

/* Loads a model file. */
mg_status mg_tcdae_load(const char *path, mg_tcdae **out) {
    *out = NULL;
    mg_st *st = NULL;
    MG_TRY(mg_st_read(path, &st));
    mg_status s = mg_tcdae_from_st(st, "", out);
    if (s != MG_OK) {
        const char *kind = mg_st_meta(st, "memgen.kind");
        s = mg_fail_context(s, "%s%s%s%s", path, kind ? " (memgen.kind '" : "", kind ? kind : "", kind ? "')" : "");
    }
    mg_st_free(st);
    return s;
}

/*
 * The two-layer ReLU denoising autoencoder of the paper (Eq. 5):
 * f(x) = W2 [W1^T x + b1]_+ + b2, batched over rows as
 * H = relu(X W1 + b1), Y = H W2^T + b2 (X: n x d, W1, W2: d x p).
 *
 * All parameters live in one flat, 64-byte aligned float vector
 * [W1 | W2 (untied) | b1 | b2 (biased)] so that optimizers, gradients and
 * checkpoints treat a model as one vector. Free-form metadata is kept in an
 * mg_st (metadata only, no tensors) so it round-trips through .safetensors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/blas.h"
#include "core/reduce.h"
#include "memgen/dae.h"

/* Largest model accepted: 2^32 floats (16 GiB), far above anything the paper
 * trains, low enough that a typo in --hidden fails cleanly. */
#define DAE_MAX_PARAMS ((int64_t)1 << 32)

/* Where the import recipe is documented; every layout hint ends with it. */
#define IMPORT_DOC "see README 'Importing a DAE from PyTorch'"

struct mg_dae {
    int64_t d, p;
    int tied, bias;
    double sigma;
    float skip;      /* s of f = ... + s x (0 for the paper's DAE; not in params) */
    float *params;   /* nparams: W1 (d x p) | W2 (d x p, untied) | b1 (p) | b2 (d) */
    int64_t nparams;
    float *w1, *w2;  /* views into params; w2 == w1 when tied */
    float *b1, *b2;  /* views into params, NULL when bias-free */
    mg_st *meta;     /* free-form metadata (no tensors), owned */
};

/* Structural metadata keys written by mg_dae_to_st (not free-form). */
static const char *const k_struct_keys[] = {"d", "p", "tied", "bias", "sigma"};

/* Number of parameters of a d x p model, or -1 if it exceeds DAE_MAX_PARAMS. */
static int64_t count_params(int64_t d, int64_t p, int tied, int bias) {
    if (d <= 0 || p <= 0 || d > DAE_MAX_PARAMS || p > DAE_MAX_PARAMS) return -1;
    if (d > DAE_MAX_PARAMS / p) return -1;
    int64_t n = d * p * (tied ? 1 : 2) + (bias ? d + p : 0);
    return n > DAE_MAX_PARAMS ? -1 : n;
}

/* Allocates a zero-weight model with its flat parameter vector. */
mg_status mg_dae_create(int64_t d, int64_t p, int tied, int bias, mg_dae **out) {
    *out = NULL;
    int64_t np = count_params(d, p, tied, bias);
    if (np < 0)
        return mg_fail(MG_ERR_ARG,
                       "DAE of dimension d=%lld and hidden width p=%lld is invalid or too large "
                       "(need d, p >= 1 and at most 2^32 parameters)",
                       (long long)d, (long long)p);
    mg_dae *m = calloc(1, sizeof *m);
    if (!m) return mg_fail(MG_ERR_NOMEM, "out of memory creating a DAE");
    m->params = mg_calloc((size_t)np, sizeof(float));
    m->meta = mg_st_new();
    if (!m->params || !m->meta) {
        mg_dae_free(m);
        return mg_fail(MG_ERR_NOMEM, "cannot allocate a %lld x %lld DAE (%lld floats)", (long long)d, (long long)p,
                       (long long)np);
    }
    m->d = d;
    m->p = p;
    m->tied = tied ? 1 : 0;
    m->bias = bias ? 1 : 0;
    m->sigma = NAN;
    m->nparams = np;
    m->w1 = m->params;
    m->w2 = m->tied ? m->w1 : m->w1 + d * p;
    float *next = m->params + d * p * (m->tied ? 1 : 2);
    if (m->bias) {
        m->b1 = next;
        m->b2 = next + p;
    }
    *out = m;
    return MG_OK;
}

/* Frees the model; NULL is fine. */
void mg_dae_free(mg_dae *m) {
    if (!m) return;
    free(m->params);
    mg_st_free(m->meta);
    free(m);
}

/* Deep copy: parameters, sigma and metadata. */
mg_status mg_dae_clone(const mg_dae *m, mg_dae **out) {
    MG_TRY(mg_dae_create(m->d, m->p, m->tied, m->bias, out));
    mg_dae *c = *out;
    memcpy(c->params, m->params, (size_t)m->nparams * sizeof(float));
    c->sigma = m->sigma;
    c->skip = m->skip;
    for (int i = 0; i < mg_st_meta_count(m->meta); i++) {
        const char *k = mg_st_meta_key(m->meta, i);
        mg_status s = mg_st_set_meta(c->meta, k, mg_st_meta(m->meta, k));
        if (s != MG_OK) {
            mg_dae_free(c);
            *out = NULL;
            return s;
        }
    }
    return MG_OK;
}

/* Shape and structure accessors. */
int64_t mg_dae_dim(const mg_dae *m) { return m->d; }
int64_t mg_dae_hidden(const mg_dae *m) { return m->p; }
int mg_dae_is_tied(const mg_dae *m) { return m->tied; }
int mg_dae_has_bias(const mg_dae *m) { return m->bias; }

/* Parameter buffers (owned by the model). */
float *mg_dae_w1(mg_dae *m) { return m->w1; }
float *mg_dae_w2(mg_dae *m) { return m->w2; }
float *mg_dae_b1(mg_dae *m) { return m->b1; }
float *mg_dae_b2(mg_dae *m) { return m->b2; }
const float *mg_dae_w1_const(const mg_dae *m) { return m->w1; }
const float *mg_dae_w2_const(const mg_dae *m) { return m->w2; }
const float *mg_dae_b1_const(const mg_dae *m) { return m->b1; }
const float *mg_dae_b2_const(const mg_dae *m) { return m->b2; }

/* W1^T (p x d) into C and the column norms (in double) into norms when given. */
void mg_dae_columns(const mg_dae *m, float *C, double *norms) {
    int64_t d = m->d, p = m->p;
    for (int64_t j = 0; j < p; j++) {
        double q = 0;
        for (int64_t i = 0; i < d; i++) {
            float w = m->w1[i * p + j];
            C[j * d + i] = w;
            q += (double)w * w;
        }
        if (norms) norms[j] = sqrt(q);
    }
}

/* The flat parameter vector and its length. */
float *mg_dae_params(mg_dae *m, int64_t *count) {
    if (count) *count = m->nparams;
    return m->params;
}
const float *mg_dae_params_const(const mg_dae *m, int64_t *count) {
    if (count) *count = m->nparams;
    return m->params;
}
int64_t mg_dae_param_count(const mg_dae *m) { return m->nparams; }

/* The skip of f = ... + s x. */
float mg_dae_skip(const mg_dae *m) { return m->skip; }
void mg_dae_set_skip(mg_dae *m, float s) { m->skip = s; }

/* Noise level the model belongs to. */
double mg_dae_sigma(const mg_dae *m) { return m->sigma; }
void mg_dae_set_sigma(mg_dae *m, double sigma) { m->sigma = sigma; }

/* Free-form metadata. */
mg_status mg_dae_set_meta(mg_dae *m, const char *key, const char *value) {
    for (size_t i = 0; i < sizeof k_struct_keys / sizeof *k_struct_keys; i++)
        if (key && !strcmp(key, k_struct_keys[i]))
            return mg_fail(MG_ERR_ARG, "DAE metadata key '%s' is reserved (set by the model itself)", key);
    if (key && !strcmp(key, "memgen.kind"))
        return mg_fail(MG_ERR_ARG, "DAE metadata key 'memgen.kind' is reserved");
    return mg_st_set_meta(m->meta, key, value);
}
const char *mg_dae_meta(const mg_dae *m, const char *key) { return mg_st_meta(m->meta, key); }

/* P = ||W1||^2 + ||W2||^2 (tied: 2 ||W||^2), accumulated in double. */
double mg_dae_weight_penalty(const mg_dae *m) {
    int64_t dp = m->d * m->p;
    double s1 = mg_sumsq_lanes(m->w1, dp);
    return m->tied ? 2.0 * s1 : s1 + mg_sumsq_lanes(m->w2, dp);
}

/* Kaiming-normal (fan_in, gain sqrt(2)) as torch.nn.init.kaiming_normal_:
 * W1 ~ N(0, 2/d) (encoder Linear(d, p)), W2 ~ N(0, 2/p) (decoder Linear(p, d)).
 * Draws W1 first, then W2 when untied; biases are zeroed. */
void mg_dae_init_kaiming(mg_dae *m, mg_rng *rng) {
    size_t dp = (size_t)m->d * (size_t)m->p;
    float s1 = (float)sqrt(2.0 / (double)m->d), s2 = (float)sqrt(2.0 / (double)m->p);
    mg_rng_normal(rng, m->w1, dp);
    for (size_t i = 0; i < dp; i++) m->w1[i] *= s1;
    if (!m->tied) {
        mg_rng_normal(rng, m->w2, dp);
        for (size_t i = 0; i < dp; i++) m->w2[i] *= s2;
    }
    if (m->bias) memset(m->b1, 0, (size_t)(m->p + m->d) * sizeof(float));
}

/* Every weight N(0, scale^2) (W1 then W2); biases zeroed. */
void mg_dae_init_normal(mg_dae *m, mg_rng *rng, float scale) {
    size_t nw = (size_t)m->d * (size_t)m->p * (m->tied ? 1u : 2u);
    mg_rng_normal(rng, m->params, nw);
    for (size_t i = 0; i < nw; i++) m->params[i] *= scale;
    if (m->bias) memset(m->b1, 0, (size_t)(m->p + m->d) * sizeof(float));
}

/* Checks that a view is a valid rows x cols matrix with ld >= cols. */
static mg_status check_view(mg_mat v, int64_t rows, int64_t cols, const char *what) {
    if (v.rows != rows || v.cols != cols)
        return mg_fail(MG_ERR_SHAPE, "DAE: %s is %lld x %lld, expected %lld x %lld", what, (long long)v.rows,
                       (long long)v.cols, (long long)rows, (long long)cols);
    if (v.ld < v.cols || (v.rows > 0 && !v.data))
        return mg_fail(MG_ERR_ARG, "DAE: %s has leading dimension %lld < %lld columns or no data", what,
                       (long long)v.ld, (long long)v.cols);
    return MG_OK;
}

/* H = relu(X W1 + b1) (Eq. 5, the representation). X: n x d, H: n x p. */
mg_status mg_dae_encode(const mg_dae *m, mg_mat X, mg_mat H) {
    if (X.cols != m->d)
        return mg_fail(MG_ERR_SHAPE, "DAE input has %lld columns but the model has dimension %lld%s",
                       (long long)X.cols, (long long)m->d,
                       X.cols == m->p ? " (and width p = the input's columns: was W1 saved transposed? memgen expects "
                                        "W1 d x p; " IMPORT_DOC ")" : "");
    MG_TRY(check_view(X, X.rows, m->d, "input"));
    MG_TRY(check_view(H, X.rows, m->p, "representation buffer"));
    int64_t n = X.rows, p = m->p;
    if (n == 0) return MG_OK;
    mg_sgemm_det(0, 0, n, p, m->d, 1.0f, X.data, X.ld, m->w1, p, 0.0f, H.data, H.ld);
    for (int64_t i = 0; i < n; i++) {
        float *h = H.data + i * H.ld;
        if (m->bias)
            for (int64_t j = 0; j < p; j++) h[j] += m->b1[j];
        for (int64_t j = 0; j < p; j++) h[j] = h[j] > 0.0f ? h[j] : 0.0f;
    }
    return MG_OK;
}

/* Y = W2 relu(W1^T x + b1) + b2 for every row (Eq. 5). */
mg_status mg_dae_forward(const mg_dae *m, mg_mat X, mg_mat H, mg_mat Y) {
    MG_TRY(check_view(Y, X.rows, m->d, "output"));
    float *tmp = NULL;
    if (!H.data) {
        if (X.rows > 0) {
            tmp = mg_alloc((size_t)X.rows * (size_t)m->p, sizeof(float));
            if (!tmp)
                return mg_fail(MG_ERR_NOMEM, "DAE forward: cannot allocate a %lld x %lld representation buffer",
                               (long long)X.rows, (long long)m->p);
        }
        H = (mg_mat){X.rows, m->p, m->p, tmp};
    }
    mg_status s = mg_dae_encode(m, X, H);
    if (s == MG_OK && X.rows > 0) {
        int64_t n = X.rows, d = m->d;
        mg_sgemm_det(0, 1, n, d, m->p, 1.0f, H.data, H.ld, m->w2, m->p, 0.0f, Y.data, Y.ld);
        if (m->bias)
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < d; j++) Y.data[i * Y.ld + j] += m->b2[j];
        if (m->skip != 0.0f)
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < d; j++) Y.data[i * Y.ld + j] += m->skip * X.data[i * X.ld + j];
    }
    free(tmp);
    return s;
}

/* prefix + name into buf; fails if it does not fit. */
static mg_status join_name(char *buf, size_t n, const char *prefix, const char *name) {
    int k = snprintf(buf, n, "%s%s", prefix, name);
    if (k < 0 || (size_t)k >= n) return mg_fail(MG_ERR_ARG, "DAE tensor prefix '%s' is too long", prefix);
    return MG_OK;
}

/* Writes tensors "<prefix>W1" ... and metadata "<prefix>d" ... into st. */
mg_status mg_dae_to_st(const mg_dae *m, mg_st *st, const char *prefix) {
    char key[256];
    int64_t wshape[2] = {m->d, m->p};
    if (!prefix) prefix = "";
    MG_TRY(join_name(key, sizeof key, prefix, "W1"));
    MG_TRY(mg_st_add_f32(st, key, m->w1, 2, wshape));
    if (!m->tied) {
        MG_TRY(join_name(key, sizeof key, prefix, "W2"));
        MG_TRY(mg_st_add_f32(st, key, m->w2, 2, wshape));
    }
    if (m->bias) {
        MG_TRY(join_name(key, sizeof key, prefix, "b1"));
        MG_TRY(mg_st_add_f32(st, key, m->b1, 1, &m->p));
        MG_TRY(join_name(key, sizeof key, prefix, "b2"));
        MG_TRY(mg_st_add_f32(st, key, m->b2, 1, &m->d));
    }
    if (m->skip != 0.0f) {
        int64_t one = 1;
        MG_TRY(join_name(key, sizeof key, prefix, "skip"));
        MG_TRY(mg_st_add_f32(st, key, &m->skip, 1, &one));
    }
    if (!*prefix) MG_TRY(mg_st_set_meta(st, "memgen.kind", "dae"));
    MG_TRY(join_name(key, sizeof key, prefix, "d"));
    MG_TRY(mg_st_set_meta_int(st, key, m->d));
    MG_TRY(join_name(key, sizeof key, prefix, "p"));
    MG_TRY(mg_st_set_meta_int(st, key, m->p));
    MG_TRY(join_name(key, sizeof key, prefix, "tied"));
    MG_TRY(mg_st_set_meta(st, key, m->tied ? "1" : "0"));
    MG_TRY(join_name(key, sizeof key, prefix, "bias"));
    MG_TRY(mg_st_set_meta(st, key, m->bias ? "1" : "0"));
    if (isfinite(m->sigma)) {
        MG_TRY(join_name(key, sizeof key, prefix, "sigma"));
        MG_TRY(mg_st_set_meta_double(st, key, m->sigma));
    }
    for (int i = 0; i < mg_st_meta_count(m->meta); i++) {
        const char *k = mg_st_meta_key(m->meta, i);
        MG_TRY(join_name(key, sizeof key, prefix, k));
        MG_TRY(mg_st_set_meta(st, key, mg_st_meta(m->meta, k)));
    }
    return MG_OK;
}

/* Reads an optional 0/1 flag "<prefix>name" into *flag (-1 when absent). */
static mg_status meta_flag(const mg_st *st, const char *prefix, const char *name, int *flag) {
    char key[256];
    MG_TRY(join_name(key, sizeof key, prefix, name));
    const char *v = mg_st_meta(st, key);
    *flag = -1;
    if (!v) return MG_OK;
    if (!strcmp(v, "1") || !strcmp(v, "true")) *flag = 1;
    else if (!strcmp(v, "0") || !strcmp(v, "false")) *flag = 0;
    else return mg_fail(MG_ERR_FORMAT, "DAE metadata '%s' must be 0 or 1, got '%s'", key, v);
    return MG_OK;
}

/* Checks an optional integer metadata "<prefix>name" against the tensor shape. */
static mg_status meta_dim(const mg_st *st, const char *prefix, const char *name, int64_t want) {
    char key[256];
    int64_t v;
    MG_TRY(join_name(key, sizeof key, prefix, name));
    mg_status s = mg_st_meta_int(st, key, &v);
    if (s == MG_ERR_NOT_FOUND) return MG_OK;
    if (s != MG_OK) return mg_fail(MG_ERR_FORMAT, "DAE metadata '%s' is not an integer", key);
    if (v != want)
        return mg_fail(MG_ERR_FORMAT, "DAE metadata '%s' = %lld disagrees with tensor %sW1 (%lld)", key,
                       (long long)v, prefix, (long long)want);
    return MG_OK;
}

/* Copies tensor "<prefix>name" of the given shape into dst (float32). */
static mg_status load_tensor(const mg_st *st, const char *prefix, const char *name, int ndim, const int64_t *shape,
                             float *dst) {
    char key[256];
    mg_array a;
    MG_TRY(join_name(key, sizeof key, prefix, name));
    MG_TRY(mg_st_get_f32(st, key, ndim, shape, &a));
    mg_status s = mg_array_check_finite(&a, key);
    if (s == MG_OK) memcpy(dst, a.data, mg_array_nbytes(&a));
    mg_array_free(&a);
    return s;
}

/* The failure for a file with no "<prefix>W1": a set's levels without the set's
 * metadata, or the 2-D tensors it holds instead (PyTorch's nn.Linear weights,
 * p x d for the encoder) and how memgen names and lays them out. */
static mg_status missing_w1(const mg_st *st, const char *prefix, const char *key) {
    if (!*prefix && mg_st_get(st, "level0.W1"))
        return mg_fail(MG_ERR_FORMAT, "no DAE weight tensor 'W1' but a 'level0.W1': a DAE set needs the metadata "
                       "memgen.kind = dae_set and sigmas (its levels' noise levels, ascending, comma-separated); %s",
                       IMPORT_DOC);
    char found[512] = "";
    size_t len = 0, plen = strlen(prefix);
    int shown = 0;
    for (int i = 0; i < mg_st_count(st) && shown < 3; i++) {
        const char *name = mg_st_name(st, i);
        const mg_array *a = mg_st_get(st, name);
        if (strncmp(name, prefix, plen) || !a || a->ndim != 2) continue;
        int k = snprintf(found + len, sizeof found - len, "%s'%s' (%lld x %lld)", shown ? ", " : "", name,
                         (long long)a->shape[0], (long long)a->shape[1]);
        if (k < 0 || (size_t)k >= sizeof found - len) break;
        len += (size_t)k;
        shown++;
    }
    if (!shown) return mg_fail(MG_ERR_NOT_FOUND, "no DAE weight tensor '%s'", key);
    return mg_fail(MG_ERR_NOT_FOUND,
                   "no DAE weight tensor '%s'; found %s: memgen expects W1 (d x p) = the encoder nn.Linear(d, p)'s "
                   "weight (p x d) transposed, W2 (d x p) = the decoder nn.Linear(p, d)'s weight as it is (none when "
                   "tied), biases b1 (p) and b2 (d); %s", key, found, IMPORT_DOC);
}

/* Tensor "<prefix>name" of st, NULL when absent. */
static const mg_array *tensor_at(const mg_st *st, const char *prefix, const char *name) {
    char key[256];
    int k = snprintf(key, sizeof key, "%s%s", prefix, name);
    return k < 0 || (size_t)k >= sizeof key ? NULL : mg_st_get(st, key);
}

/* A hint when tensor "<prefix>name" cannot be d x p (or its bias length)
 * because it is the transpose of what memgen expects; MG_OK when it fits or
 * is absent. w1 is the (d, p) memgen read from W1. */
static mg_status layout_hint(const mg_st *st, const char *prefix, const mg_array *w1) {
    int64_t d = w1->shape[0], p = w1->shape[1];
    const mg_array *w2 = tensor_at(st, prefix, "W2");
    if (w2 && w2->ndim == 2 && w2->shape[0] == p && w2->shape[1] == d && d != p)
        return mg_fail(MG_ERR_SHAPE, "DAE tensor '%sW2' is %lld x %lld but '%sW1' is %lld x %lld: both are d x p, so "
                       "one is transposed (W1 = nn.Linear(d, p).weight transposed, W2 = nn.Linear(p, d).weight as "
                       "it is); %s", prefix, (long long)p, (long long)d, prefix, (long long)d, (long long)p,
                       IMPORT_DOC);
    const mg_array *b1 = tensor_at(st, prefix, "b1");
    if (b1 && b1->ndim == 1 && b1->shape[0] == d && d != p)
        return mg_fail(MG_ERR_SHAPE, "DAE tensor '%sb1' has %lld values, the rows of '%sW1' (%lld x %lld), but b1 "
                       "has one per hidden unit (p, the columns): W1 looks transposed (nn.Linear(d, p).weight is "
                       "p x d; memgen expects its transpose, d x p); %s", prefix, (long long)d, prefix, (long long)d,
                       (long long)p, IMPORT_DOC);
    return MG_OK;
}

/* Checks the metadata "<prefix>d" and "<prefix>p" against W1's (d, p), saying
 * so when they describe the transposed matrix. */
static mg_status check_dims(const mg_st *st, const char *prefix, int64_t d, int64_t p) {
    char kd[256], kp[256];
    int64_t md, mp;
    MG_TRY(join_name(kd, sizeof kd, prefix, "d"));
    MG_TRY(join_name(kp, sizeof kp, prefix, "p"));
    if (d != p && mg_st_meta_int(st, kd, &md) == MG_OK && mg_st_meta_int(st, kp, &mp) == MG_OK && md == p && mp == d)
        return mg_fail(MG_ERR_SHAPE, "DAE tensor '%sW1' is %lld x %lld but the metadata says d = %lld, p = %lld: W1 "
                       "is transposed (memgen expects d x p; nn.Linear(d, p).weight is p x d); %s", prefix,
                       (long long)d, (long long)p, (long long)md, (long long)mp, IMPORT_DOC);
    MG_TRY(meta_dim(st, prefix, "d", d));
    return meta_dim(st, prefix, "p", p);
}

/* Builds a model from the tensors and metadata under prefix (see dae.h). */
mg_status mg_dae_from_st(const mg_st *st, const char *prefix, mg_dae **out) {
    char key[256];
    *out = NULL;
    if (!prefix) prefix = "";
    MG_TRY(join_name(key, sizeof key, prefix, "W1"));
    const mg_array *w1 = mg_st_get(st, key);
    if (!w1) {
        const char *kind = mg_st_meta(st, "memgen.kind");
        if (!*prefix && kind && strcmp(kind, "dae"))
            return mg_fail(MG_ERR_FORMAT, "not a single DAE (memgen.kind is '%s')", kind);
        return missing_w1(st, prefix, key);
    }
    if (w1->ndim != 2 || w1->shape[0] < 1 || w1->shape[1] < 1) {
        char sh[128];
        mg_shape_str(w1->ndim, w1->shape, sh, sizeof sh);
        return mg_fail(MG_ERR_SHAPE, "DAE tensor '%s' has shape %s; expected (d, p) with d, p >= 1", key, sh);
    }
    int64_t d = w1->shape[0], p = w1->shape[1];
    MG_TRY(check_dims(st, prefix, d, p));
    MG_TRY(layout_hint(st, prefix, w1));
    MG_TRY(join_name(key, sizeof key, prefix, "W2"));
    int has_w2 = mg_st_get(st, key) != NULL;
    MG_TRY(join_name(key, sizeof key, prefix, "b1"));
    int has_b1 = mg_st_get(st, key) != NULL;
    MG_TRY(join_name(key, sizeof key, prefix, "b2"));
    int has_b2 = mg_st_get(st, key) != NULL;
    int tied_meta, bias_meta;
    MG_TRY(meta_flag(st, prefix, "tied", &tied_meta));
    MG_TRY(meta_flag(st, prefix, "bias", &bias_meta));
    if (tied_meta == 1 && has_w2)
        return mg_fail(MG_ERR_FORMAT, "DAE '%stied' = 1 but the file also holds a tensor '%sW2'", prefix, prefix);
    if (tied_meta == 0 && !has_w2)
        return mg_fail(MG_ERR_FORMAT, "DAE '%stied' = 0 but tensor '%sW2' is missing", prefix, prefix);
    if (has_b1 != has_b2)
        return mg_fail(MG_ERR_FORMAT, "DAE has only one of the biases '%sb1', '%sb2'; give both or neither", prefix,
                       prefix);
    if (bias_meta >= 0 && bias_meta != has_b1)
        return mg_fail(MG_ERR_FORMAT, "DAE '%sbias' = %d disagrees with the bias tensors present", prefix,
                       bias_meta);
    mg_dae *m = NULL;
    MG_TRY(mg_dae_create(d, p, !has_w2, has_b1, &m));
    int64_t wshape[2] = {d, p};
    mg_status s = load_tensor(st, prefix, "W1", 2, wshape, m->w1);
    if (s == MG_OK && has_w2) s = load_tensor(st, prefix, "W2", 2, wshape, m->w2);
    if (s == MG_OK && has_b1) s = load_tensor(st, prefix, "b1", 1, &p, m->b1);
    if (s == MG_OK && has_b1) s = load_tensor(st, prefix, "b2", 1, &d, m->b2);
    if (s == MG_OK) s = join_name(key, sizeof key, prefix, "skip");
    if (s == MG_OK && mg_st_get(st, key)) {
        int64_t one = 1;
        s = load_tensor(st, prefix, "skip", 1, &one, &m->skip);
    }
    if (s == MG_OK) s = join_name(key, sizeof key, prefix, "sigma");
    if (s == MG_OK) {
        double sg;
        mg_status ms = mg_st_meta_double(st, key, &sg);
        if (ms == MG_OK) m->sigma = sg;
        else if (ms != MG_ERR_NOT_FOUND) s = mg_fail(MG_ERR_FORMAT, "DAE metadata '%s' is not a number", key);
    }
    /* free-form keys under the prefix */
    size_t plen = strlen(prefix);
    for (int i = 0; s == MG_OK && i < mg_st_meta_count(st); i++) {
        const char *k = mg_st_meta_key(st, i);
        if (strncmp(k, prefix, plen)) continue;
        const char *rest = k + plen;
        int skip = !*rest || !strcmp(rest, "memgen.kind");
        for (size_t j = 0; !skip && j < sizeof k_struct_keys / sizeof *k_struct_keys; j++)
            if (!strcmp(rest, k_struct_keys[j])) skip = 1;
        if (!skip) s = mg_st_set_meta(m->meta, rest, mg_st_meta(st, k));
    }
    if (s != MG_OK) {
        mg_dae_free(m);
        return s;
    }
    *out = m;
    return MG_OK;
}

/* Saves a single-model file atomically. */
mg_status mg_dae_save(const mg_dae *m, const char *path) {
    mg_st *st = mg_st_new();
    if (!st) return mg_fail(MG_ERR_NOMEM, "out of memory saving %s", path);
    mg_status s = mg_dae_to_st(m, st, "");
    if (s == MG_OK) s = mg_st_write(st, path);
    if (s != MG_OK) s = mg_fail_context(s, "saving DAE to %s", path);
    mg_st_free(st);
    return s;
}

/* Loads a single-model file. */
mg_status mg_dae_load(const char *path, mg_dae **out) {
    *out = NULL;
    mg_st *st = NULL;
    MG_TRY(mg_st_read(path, &st));
    const char *kind = mg_st_meta(st, "memgen.kind");
    mg_status s;
    if (kind && !strcmp(kind, "dae_set"))
        s = mg_fail(MG_ERR_UNSUPPORTED, "%s is a DAE set over noise levels, not a single DAE; load it as a set", path);
    else if ((s = mg_dae_from_st(st, "", out)) != MG_OK)
        s = mg_fail_context(s, "%s", path);
    mg_st_free(st);
    return s;
}

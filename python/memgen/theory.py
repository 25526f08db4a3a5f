"""The paper's closed forms and what its theory says about a dataset, as `memgen solve` and `memgen
theory` compute them: the block-wise minimiser of the DAE loss (Theorem 3.1, Eq. 8; Lemma C.1 for one
block; Corollaries 3.2-3.4 for memorization, generalization and the hybrid regime), (alpha, beta)-
separability (Definition 3.1), the margin of Eq. 16 with a verdict on Theorem 3.1's assumptions, the
predicted losses, and for a Gaussian mixture the population risks of Corollary 3.3.

Here `lambda_` is the lambda of Eq. 6 (the CLI's --lambda of solve/theory/train): loss =
(1/n) sum E|f(x + sigma eps) - x|^2 + lambda (|W1|^2 + |W2|^2). The data are partitioned as the CLI's
options say: mode "auto" (blocks with labels, clusters or duplicates, else mem when hidden >= n, else
lae), "lae", "mem" or "blocks".
"""
import math

import numpy as np

from ._core import (Error, as_float, as_index, as_int, as_matrix, check, compact_labels, copy_c, f64_ptr, ffi,
                    finite_mat, i64_ptr, i64_view, lib, rng, sigma_grid, text)
from .data import MoG
from .models import DAE, DAESet

__all__ = ["solve", "theory", "separability"]


class _Problem:
    """The data and its resolved partition (the CLI's tc_load): rows, mg_partition, widths, hidden."""

    def __init__(self, X, labels, clusters, mode, hidden, widths, dup_tol, duplicates, dup_dist, seed, kmeans_iters,
                 kmeans_restarts, lambda_):
        self.Xa = as_matrix(X, "training data")
        self.X = finite_mat(self.Xa, "training data")
        n = self.Xa.shape[0]
        self.wd, self.dup_tol = as_float(lambda_, "lambda_"), as_float(dup_tol, "dup_tol")
        if not self.wd >= 0:
            raise Error("lambda_ must be >= 0, got %r" % (lambda_,))
        if not 0 <= self.dup_tol < 1:
            raise Error("dup_tol must be in [0, 1), got %r" % (dup_tol,))
        pp = ffi.new("mg_partition_params *", lib.mg_partition_params_default())
        mode_out = ffi.new("mg_partition_mode *")
        check(lib.mg_partition_mode_parse(str(mode).encode(), mode_out))
        pp.mode, pp.clusters = mode_out[0], as_int(clusters, "clusters", 0)
        pp.duplicates = as_int(duplicates, "duplicates")
        pp.kmeans_iters = as_int(kmeans_iters, "kmeans_iters", 1)
        pp.kmeans_restarts = as_int(kmeans_restarts, "kmeans_restarts", 1)
        pp.dup_dist, pp.hidden = as_float(dup_dist, "dup_dist"), 0 if hidden is None else as_int(hidden, "hidden", 1)
        self._labels = None if labels is None else as_index(labels, "labels", n)
        if self._labels is not None:
            self._view, self._name = i64_view(self._labels), ffi.new("char[]", b"labels")
            pp.labels, pp.labels_name = self._view, self._name
        self.part = ffi.gc(ffi.new("mg_partition *"), lib.mg_partition_free)
        check(lib.mg_partition_make(self.X, pp, rng(seed), self.part))
        self.mode = text(lib.mg_partition_mode_str(self.part.mode))
        if hidden is None and self.part.mode != lib.MG_PARTITION_MEM:
            raise Error("hidden is required for mode '%s'" % self.mode)
        self.hidden = n if hidden is None else pp.hidden
        self.widths = None
        if widths is not None:
            if self.part.mode == lib.MG_PARTITION_MEM:
                raise Error("widths does not apply to mode 'mem' (one column per sample)")
            self.widths = as_index(widths, "widths", np.size(widths))
            if self.widths.size != self.part.K or np.any(self.widths < 0):
                raise Error("widths: expected %d nonnegative integers (one per cluster), got %s"
                            % (self.part.K, list(self.widths)))

    def info(self):
        """The partition's part of a result: mode, compact labels, k-means objective."""
        out = dict(mode=self.mode, labels=copy_c(self.part.labels, self.part.n, np.int64))
        if not math.isnan(self.part.kmeans_objective):
            out["kmeans_mean_cosine"] = self.part.kmeans_objective
        return out

    def construct(self, sigma):
        """The construction at noise level sigma (mg_partition_construct), freed with the returned object."""
        sigma = as_float(sigma, "sigma")
        if not sigma >= 0:
            raise Error("sigma must be >= 0, got %r" % sigma)
        cp = ffi.new("mg_construct_params *", lib.mg_construct_params_default())
        cp.sigma, cp.wd, cp.hidden, cp.dup_tol = sigma, self.wd, self.hidden, self.dup_tol
        cp.widths = ffi.NULL if self.widths is None else i64_ptr(self.widths)
        con = ffi.gc(ffi.new("mg_construction *"), lib.mg_construction_free)
        check(lib.mg_partition_construct(self.X, self.part, cp, con))
        return con


def _construction_dict(c):
    """A construction as the CLI's JSON writes it (tc_construction_json), every block listed, eigenvalues
    and scales as float64 arrays."""
    blocks = []
    for k in range(c.K):
        b = c.blocks[k]
        blocks.append(dict(n=b.n, col_start=b.col_start, width=b.width, kept=b.kept, dropped=b.dropped,
                           excluded_by_wd=b.excluded_wd, rank1=bool(b.rank1), mean_norm=b.mean_norm,
                           pre_activation=b.pre_act, lae_loss=b.lae_loss, train_mse=b.train_mse,
                           eigenvalues=copy_c(c.col_eig + b.col_start, b.kept, np.float64),
                           scales=copy_c(c.col_s + b.col_start, b.kept, np.float64)))
    out = dict(construction=text(lib.mg_construction_kind_str(c.kind)), n=c.n, d=c.d, hidden=c.p, clusters=c.K,
               sigma=c.sigma)
    out["lambda"] = c.wd  # the CLI's key (lambda is a Python keyword: the argument is lambda_)
    out.update(n_lambda=c.n * c.wd, unused_columns=c.unused, dropped_directions=c.dropped,
               rank1_clusters=c.rank1_clusters,
               predicted=dict(train_mse=c.train_mse, train_reg=c.train_reg, train_loss_eq6=c.train_loss),
               note=ffi.string(c.note).decode("utf-8", "replace"), blocks=blocks)
    return out


def _to_dae(con):
    """The construction as a memgen.DAE (mg_construction_to_dae: tied, bias-free, sigma and metadata set)."""
    out = ffi.new("mg_dae **")
    check(lib.mg_construction_to_dae(con, out))
    return DAE._wrap(out[0])


def solve(X, sigma=None, lambda_=0.0, hidden=None, labels=None, clusters=0, mode="auto", widths=None, dup_tol=1e-6,
          duplicates=0, dup_dist=1e-6, seed=0, kmeans_iters=100, kmeans_restarts=4, sigmas=None, details=False):
    """The closed-form minimiser of the DAE loss (Eq. 6) for the rows of X, without training, as
    `memgen solve`: block k of W1 = W2 is U_k (I + n_k s^2 L_k^-1)^-1/2 (I - n lambda L_k^-1)^1/2 O_k^T
    (Theorem 3.1, Eq. 8). Returns a memgen.DAE (tied, bias-free; its meta holds construction, lambda,
    clusters, widths, kept), or with sigmas (a spec such as "geom:0.02:2:10" or ascending numbers) a
    memgen.DAESet with one construction per level.

    sigma: noise level of Eq. 6; lambda_: its lambda (default 0); hidden: width p (required, except mode mem:
    n); mode auto|lae|mem|blocks ('mem' = Cor. 3.2, needs hidden >= n; 'lae' = Lemma C.1; 'blocks' =
    clusters from labels (any integers), from spherical k-means with `clusters` (seed, kmeans_iters,
    kmeans_restarts), and/or groups of >= duplicates copies (|x_i - x_j| <= dup_dist max|x|) split off
    and memorised (Cor. 3.4)); widths: width of each cluster (default: the allocation rule minimising
    the predicted training loss); dup_tol: a cluster is rank-1 when eig2 <= dup_tol eig1.

    details=True returns (model, info): info is the CLI's --json summary as a dict: construction kind,
    n, d, hidden, clusters, sigma, lambda, n_lambda, unused_columns, dropped_directions, rank1_clusters,
    predicted {train_mse, train_reg, train_loss_eq6}, note, blocks (n, col_start, width, kept, dropped,
    excluded_by_wd, rank1, mean_norm, pre_activation, lae_loss, train_mse, eigenvalues, scales), plus
    mode, labels (the compact cluster of each row) and kmeans_mean_cosine (k-means only); with sigmas
    the constructions are a list under "levels"."""
    if (sigma is None) == (sigmas is None):
        raise Error("give exactly one of sigma and sigmas")
    pr = _Problem(X, labels, clusters, mode, hidden, widths, dup_tol, duplicates, dup_dist, seed, kmeans_iters,
                  kmeans_restarts, lambda_)
    if sigmas is None:
        con = pr.construct(sigma)
        model = _to_dae(con)
        return (model, dict(_construction_dict(con), **pr.info())) if details else model
    levels, spec = sigma_grid(sigmas)
    daes, infos = [], []
    for s in levels:
        try:
            con = pr.construct(s)
        except Error as e:
            raise Error("sigma = %g: %s" % (s, e), e.status) from None
        daes.append(_to_dae(con))
        infos.append(_construction_dict(con))
    model = DAESet(daes, levels)
    model.set_meta("construction", "closed-form (memgen solve)")
    return (model, dict(pr.info(), levels=infos)) if details else model


_SEP_FIELDS = (("K", "K"), ("alpha", "alpha"), ("alpha_sample", "alpha_sample"), ("beta", "beta"),
               ("beta_pair_k", "beta_k"), ("beta_pair_l", "beta_l"), ("min_mean_norm", "min_mean_norm"))
_VERDICT_FIELDS = (("c_proj", "c_proj"), ("s_min", "s_min"), ("s_max", "s_max"), ("gamma_eq16", "gamma"),
                   ("measured_on_block_min", "on_min"), ("measured_off_block_max", "off_max"),
                   ("mask_violations", "mask_violations"))
_ASSUMPTIONS = (("beta_negative", "beta_negative"), ("alpha_below_one", "alpha_below_one"),
                ("alpha_small_vs_beta", "alpha_small"), ("gamma_positive", "gamma_positive"),
                ("n_lambda_below_kept_eigenvalues", "wd_ok"), ("masks_hold_on_data", "masks_ok"))


def separability(X, labels):
    """(alpha, beta)-separability of the clusters given by labels (Definition 3.1; mg_separability_compute):
    a dict with K, alpha = max |x - xbar_k| / |xbar_k| and the sample attaining it (alpha_sample), beta =
    max cosine between cluster means and the pair attaining it (beta_pair_k, beta_pair_l: cluster ids;
    -1 for one cluster), min_mean_norm, and label_values (the label of each cluster id: ids number the
    distinct labels in increasing order)."""
    Xa = as_matrix(X, "separability: X")
    n = Xa.shape[0]
    lab, K, values = compact_labels(labels, "labels", n)
    sep = ffi.new("mg_separability *")
    check(lib.mg_separability_compute(finite_mat(Xa, "separability: X"), i64_ptr(lab), K, sep))
    return dict({key: getattr(sep, f) for key, f in _SEP_FIELDS}, label_values=values)


def _mixture(mog, pr, con, wd):
    """The CLI's mixture section: the construction's test risk and the oracle rank-p_k and full-rank Wiener
    risks on the mixture (Cor. 3.3), per component and in total."""
    m = mog if isinstance(mog, MoG) else MoG.load(mog)
    K, d = m.K, m.d
    if d != con.d:
        raise Error("mog: the mixture has dimension %d but the data %d" % (d, con.d), "MG_ERR_SHAPE")
    match, risk_c, tot_c = np.empty(con.K, np.int64), np.empty(K), ffi.new("double *")
    check(lib.mg_construction_mog_risk(pr.X, con, m._m, i64_ptr(match), f64_ptr(risk_c), tot_c))
    widths = np.zeros(K, np.int64)
    np.add.at(widths, match, [con.blocks[b].kept for b in range(con.K)])
    risk_o, tot_o, risk_f, tot_f = np.empty(K), ffi.new("double *"), np.empty(K), ffi.new("double *")
    check(lib.mg_mog_oracle_risk(m._m, con.sigma, wd, i64_ptr(widths), f64_ptr(risk_o), tot_o))
    check(lib.mg_mog_oracle_risk(m._m, con.sigma, 0.0, ffi.NULL, f64_ptr(risk_f), tot_f))
    weights, comps = m.weights, []
    for k in range(K):
        ev = np.empty(d)
        check(lib.mg_mog_second_moment_eigs(m._m, k, f64_ptr(ev)))
        comps.append(dict(weight=weights[k], width=int(widths[k]), construction_risk=risk_c[k],
                          oracle_risk=risk_o[k], full_rank_risk=risk_f[k], second_moment_eigenvalues=ev))
    return dict(construction_test_risk=tot_c[0], oracle_rank_p_risk=tot_o[0], full_rank_wiener_risk=tot_f[0],
                components=comps, block_component=match)


def theory(X, sigma, lambda_=0.0, hidden=None, labels=None, clusters=0, mode="auto", widths=None, dup_tol=1e-6,
           duplicates=0, dup_dist=1e-6, seed=0, kmeans_iters=100, kmeans_restarts=4, mog=None):
    """What the theory says about X at noise level sigma and lambda_ (the lambda of Eq. 6), as
    `memgen theory` (same partition keywords as memgen.solve). Returns the CLI's --json as a dict:
      mode, labels, kmeans_mean_cosine (k-means only);
      separability: alpha, alpha_sample, beta, beta_pair_k, beta_pair_l, min_mean_norm (Definition 3.1),
        c_proj, s_min, s_max, gamma_eq16 (the margin of Eq. 16), measured_on_block_min,
        measured_off_block_max, mask_violations (pre-activations of the closed form on X), assumptions
        {beta_negative, alpha_below_one, alpha_small_vs_beta, gamma_positive,
        n_lambda_below_kept_eigenvalues, masks_hold_on_data} and theorem_3_1_applies (the verdict);
      construction: as memgen.solve(details=True) (predicted train_mse / train_reg / train_loss_eq6, blocks);
      memorization: loss_cor_3_2 = (1/n) sum s^2|x|^2/(s^2+|x|^2), sigma_squared_bound,
        kl_bound_pi_over_2_max_norm;
      mixture (with mog, a memgen.MoG or its parameter file): construction_test_risk, oracle_rank_p_risk,
        full_rank_wiener_risk, components (weight, width, construction_risk, oracle_risk, full_rank_risk,
        second_moment_eigenvalues: all d, the CLI lists 64), block_component."""
    pr = _Problem(X, labels, clusters, mode, hidden, widths, dup_tol, duplicates, dup_dist, seed, kmeans_iters,
                  kmeans_restarts, lambda_)
    con = pr.construct(sigma)
    sep = ffi.new("mg_separability *")
    check(lib.mg_separability_compute(pr.X, pr.part.labels, pr.part.K, sep))
    check(lib.mg_theory_verdict(pr.X, con, sep))
    s = {key: getattr(sep, f) for key, f in _SEP_FIELDS[1:] + _VERDICT_FIELDS}
    s["assumptions"] = {key: bool(getattr(sep, f)) for key, f in _ASSUMPTIONS}
    s["theorem_3_1_applies"] = bool(sep.holds)
    sigma = con.sigma
    out = dict(pr.info(), separability=s, construction=_construction_dict(con),
               memorization=dict(loss_cor_3_2=lib.mg_mem_loss(pr.X, sigma), sigma_squared_bound=sigma * sigma,
                                 kl_bound_pi_over_2_max_norm=lib.mg_mem_kl_bound(pr.X)))
    if mog is not None:
        out["mixture"] = _mixture(mog, pr, con, pr.wd)
    return out

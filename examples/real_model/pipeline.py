"""The whole real-model pipeline, stage by stage (one command: run.py):

  train    the UNet on Fashion-MNIST with a duplicated subset (data.py,
           model.py, train.py; checkpoints and resumes)
  sample   n generations by EDM's Heun sampler (sample.py)
  label    similarity of each to its nearest training image, labels
           memorized / generalized / ambiguous (label.py)
  export   hooked activations at sigma = 0.17 with global max pooling, the
           baselines' scores, times per sample (export.py)
  steer    Eq. 11 sweeps for memorized and generalized generations (steer.py)
  fixture  the files memgen's experiment `real` reads (tests/fixtures/real_model
           holds the full run's), with meta.json recording the configuration,
           the command and the timings

Every stage writes its results into the work folder and is skipped when they
are there and were made with the same configuration, so an interrupted run
continues where it stopped (training from its last checkpoint).
"""
import copy
import json
import os
import platform
import shutil
import time

import numpy as np
import torch

from . import data, export, label, sample, steer, train
from .model import count_params

PRESETS = {
    "full": dict(
        data=dict(seed=0, n_unique=3000, n_dup=20, dup_times=150),
        train=dict(preset="full", model=dict(widths=(32, 64), patch=2, blocks=1, heads=4, emb=128), steps=3000,
                   batch=64, lr=2e-3, warmup=100, lr_final_ratio=0.1, ema_halflife=300, p_mean=-1.2, p_std=1.2,
                   clip=1.0, seed=0, log_seconds=30, ckpt_seconds=120, max_seconds=1800),
        sample=dict(n=3000, steps=18, seed=1, batch=250),
        detect=dict(sigma=0.17, flipd_sigma=0.17, probes=4, repeats=3, raw=16),
        steer=dict(target=1, per_group=40, alphas=9, final_steps=9, vector_sigma=1.0, vector_images=200),
        fixture=dict(images=120),
    ),
    "tiny": dict(
        data=dict(seed=0, n_unique=300, n_dup=2, dup_times=150),
        train=dict(preset="tiny", model=dict(widths=(8, 16), patch=2, blocks=1, heads=2, emb=32), steps=200,
                   batch=32, lr=2e-3, warmup=20, lr_final_ratio=0.5, ema_halflife=30, p_mean=-1.2, p_std=1.2,
                   clip=1.0, seed=0, log_seconds=10, ckpt_seconds=60, max_seconds=600),
        sample=dict(n=150, steps=6, seed=1, batch=150),
        detect=dict(sigma=0.17, flipd_sigma=0.17, probes=2, repeats=1, raw=8),
        steer=dict(target=1, per_group=4, alphas=3, final_steps=3, vector_sigma=1.0, vector_images=20),
        fixture=dict(images=10),
    ),
}


def config(preset, sets=()):
    """A preset with overrides "stage.key=value" (value parsed as JSON when it can be)."""
    cfg = copy.deepcopy(PRESETS[preset])
    for s in sets:
        key, _, val = s.partition("=")
        try:
            val = json.loads(val)
        except ValueError:
            pass
        node = cfg
        parts = key.split(".")
        for p in parts[:-1]:
            node = node[p]
        if parts[-1] not in node:
            raise SystemExit("unknown setting %s" % key)
        node[parts[-1]] = val
    # JSON round trip: tuples become lists, as they come back from a checkpoint
    return json.loads(json.dumps(cfg))


def cached(path, stage_cfg):
    """The saved results of a stage if they were made with stage_cfg, else None."""
    if not os.path.exists(path):
        return None
    z = np.load(path, allow_pickle=False)
    if str(z["cfg"]) != json.dumps(stage_cfg, sort_keys=True):
        return None
    return {k: z[k] for k in z.files}


def save(path, stage_cfg, **arrays):
    """Writes a stage's arrays with its configuration, atomically."""
    tmp = path + ".tmp.npz"
    np.savez(tmp, cfg=json.dumps(stage_cfg, sort_keys=True), **arrays)
    os.replace(tmp, path)


def run(preset, work, fixture, sets=(), fmnist_dir=None, threads=1, command=None, log=print):
    """Runs every stage; writes the fixture into `fixture` (None: work/fixture)."""
    torch.set_num_threads(threads)
    cfg = config(preset, sets)
    os.makedirs(work, exist_ok=True)
    fixture = fixture or os.path.join(work, "fixture")
    t_all = time.time()
    d = cfg["data"]
    ts = data.TrainingSet(d["seed"], d["n_unique"], d["n_dup"], d["dup_times"], fmnist_dir)
    log("data: " + ts.describe())
    train01 = ts.images.reshape(len(ts.images), -1).astype(np.float32) / 255
    test01 = ts.test_images.reshape(len(ts.test_images), -1).astype(np.float32) / 255

    # train
    model, info = train.train(cfg["train"], data.to_model(ts.images)[ts.rows], os.path.join(work, "train"), log=log)
    model.eval().requires_grad_(False)
    model = model.to(memory_format=torch.contiguous_format)

    # sample
    sc = dict(sample=cfg["sample"], train=cfg["train"], data=d)
    path = os.path.join(work, "samples.npz")
    got = cached(path, sc)
    if got is None:
        t = time.time()
        G = sample.generate(model, cfg["sample"]["n"], cfg["sample"]["seed"], steps=cfg["sample"]["steps"],
                            batch=cfg["sample"]["batch"], log=log)
        save(path, sc, gens=G, seconds=time.time() - t)
        got = cached(path, sc)
    G, sample_seconds = got["gens"], float(got["seconds"])
    G01 = ((G.reshape(len(G), -1) + 1) / 2).astype(np.float32)
    G01c = data.to_u8(G).reshape(len(G), -1).astype(np.float32) / 255  # what the fixture keeps (8 bits)

    # label
    lab = label.label(G01c, train01, test01, ts.is_dup, d["seed"], log=log)

    # export
    dc = cfg["detect"]
    path = os.path.join(work, "export.npz")
    ec = dict(sc, detect=dc)
    got = cached(path, ec)
    if got is None:
        ex, secs = export.export(model, G, G01c, train01, lab["nn_ratio"], dc["sigma"], dc["flipd_sigma"],
                                 d["seed"] + 3, dc["probes"], dc["repeats"], dc["raw"], log=log)
        save(path, ec, secs=json.dumps(secs), **ex)
        got = cached(path, ec)
    ex = {k: got[k] for k in got if k not in ("cfg", "secs")}
    secs = json.loads(str(got["secs"]))

    # steer
    st = cfg["steer"]
    tgt = st["target"]
    cls = ts.labels[lab["nn_index"]]  # class of each generation: its nearest training image's
    pick = lambda want: [i for i in np.flatnonzero((lab["labels"] == want) & (cls != tgt))][: st["per_group"]]
    mem_idx, gen_idx = pick(1), pick(0)
    path = os.path.join(work, "steer.npz")
    stc = dict(sc, steer=st)
    got = cached(path, stc)
    if got is None:
        timg = data.to_model(ts.test_images[ts.test_labels == tgt][: st["vector_images"]])
        t = time.time()
        r = steer.run(model, timg, gen_idx, mem_idx, cfg["sample"]["seed"], cfg["sample"]["steps"],
                      st["final_steps"], st["vector_sigma"], st["alphas"], log=log)
        save(path, stc, seconds=time.time() - t, **{k: np.asarray(v) for k, v in r.items()})
        got = cached(path, stc)
    sr = got

    # fixture
    write_fixture(fixture, cfg, preset, ts, model, info, G, lab, ex, secs, sr, sample_seconds, command,
                  time.time() - t_all, threads, log)
    return fixture


def write_fixture(out, cfg, preset, ts, model, info, G, lab, ex, secs, sr, sample_seconds, command, seconds,
                  threads, log):
    """The files of memgen's experiment `real` (README of the fixture: meta.json)."""
    tmp = out.rstrip("/") + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    sv = lambda name, a: np.save(os.path.join(tmp, name + ".npy"), a)
    labels = lab["labels"]
    sv("similarity", lab["similarity"])
    sv("labels", labels)
    sv("nn_is_dup", lab["nn_is_dup"])
    sv("nn_index", lab["nn_index"].astype(np.int32))
    sv("ref_test_similarity", lab["ref_test"])
    sv("ref_copy_similarity", lab["ref_copy"])
    sv("acts", ex["acts"])
    sv("acts_raw", ex["acts_raw"])
    sv("acts_std_torch", ex["std_check"].astype(np.float64))
    for b in ("denoise", "flipd", "clique", "nn_ratio"):
        sv("score_" + b, ex[b].astype(np.float64))
    # a few generations of each kind with their nearest training images (for the report's grids)
    m = cfg["fixture"]["images"]
    keep = np.concatenate([np.flatnonzero(labels == 1)[:m], np.flatnonzero(labels == 0)[:m],
                           np.flatnonzero(labels == -1)[: m // 4]])
    sv("images_index", keep.astype(np.int32))
    sv("images", data.to_u8(G[keep])[:, 0])
    sv("images_nn", ts.images[lab["nn_index"][keep]])
    sv("steer_alphas", sr["alphas"].astype(np.float64))
    sv("steer_images", sr["images"])
    sv("steer_group", sr["group"])
    sv("steer_index", sr["index"].astype(np.int32))
    sv("steer_centroid", sr["centroid"])
    sv("class_centroids", np.stack([ts.test_images[ts.test_labels == c].reshape(-1, 784).mean(0) / 255
                                    for c in range(10)]).astype(np.float32))
    tr = cfg["train"]
    meta = dict(
        what="memgen real-model fixture: a UNet diffusion model trained on Fashion-MNIST with a duplicated subset "
             "(examples/real_model)",
        command=command, preset=preset, config=cfg,
        python=platform.python_version(), torch=torch.__version__, threads=threads,
        model=dict(params=count_params(model), hook=model.net.hook_name(), channels=int(ex["acts"].shape[1]),
                   description="EDM-preconditioned UNet, widths %s, patch %d, %d block(s) per resolution, attention "
                               "at 7x7" % (tr["model"]["widths"], tr["model"]["patch"], tr["model"]["blocks"])),
        data=dict(description=ts.describe(), n_distinct=int(len(ts.images)), n_dup=ts.n_dup,
                  dup_times=ts.dup_times, n_rows=int(len(ts.rows)), classes=data.CLASSES),
        train=dict(steps=info["steps"], seconds=info["seconds"], final_loss=info["final_loss"],
                   loss=[list(x) for x in info["losses"]]),
        sample=dict(n=int(len(G)), seconds=sample_seconds, nfe=2 * cfg["sample"]["steps"] - 1),
        label=dict(mem_sim=label.MEM_SIM, gen_sim=label.GEN_SIM, whitening_k=lab["k"],
                   heldout_similarity_median=float(np.median(lab["ref_test"])),
                   heldout_pixel_cosine_median=float(np.median(lab["ref_test_pixel_cos"])),
                   explained_variance=lab["explained"], k_table=lab["k_table"],
                   n_memorized=int((labels == 1).sum()), n_generalized=int((labels == 0).sum()),
                   n_ambiguous=int((labels == -1).sum())),
        detect=dict(sigma=cfg["detect"]["sigma"], flipd_sigma=cfg["detect"]["flipd_sigma"],
                    hutchinson_probes=cfg["detect"]["probes"], pool="max", layout="nchw",
                    seconds_per_sample=secs),
        steer=dict(target=cfg["steer"]["target"], target_name=data.CLASSES[cfg["steer"]["target"]],
                   sigma_hi=float(sr["sigma_hi"]), vector_sigma=cfg["steer"]["vector_sigma"],
                   scan=[list(map(float, x)) for x in sr["scan"]], seconds=float(sr["seconds"])),
        seconds_this_invocation=seconds,  # stages found in the work folder are not rerun
    )
    with open(os.path.join(tmp, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    os.replace(tmp, out)
    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    log("fixture: %s (%d files, %.2f MB)" % (out, len(os.listdir(out)), size / 1e6))

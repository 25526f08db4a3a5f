"""Training: EDM's loss (Karras et al. 2022, Eq. 8 with Table 1's choices),

  sigma ~ exp(N(P_mean, P_std^2)),  n ~ N(0, sigma^2 I),
  L = lambda(sigma) |D(x + n; sigma) - x|^2,  lambda = (sigma^2 + sd^2) / (sigma sd)^2,

Adam with a linear warm-up and a cosine decay, an exponential moving average
(EMA) of the weights (its half-life ramps up with the steps, as EDM's
ema_rampup_ratio) used for everything downstream, no augmentation (so the
duplicated images can be memorized). One seeded generator draws the batches
and the noise; a checkpoint (model, EMA, optimizer, generator state, step,
elapsed time, loss log) is written atomically every `ckpt_seconds`, at the
end and when a run has trained for `max_seconds`, and a run resumes from it
when restarted with the same configuration.
Progress: one line every `log_seconds` with the step, the loss, the speed and
the time left.
"""
import json
import math
import os
import time

import torch

from .model import make_model


def ema_decay(step, halflife_steps, rampup=0.1):
    """EMA decay per step: half-life min(halflife_steps, rampup * step) steps."""
    hl = min(float(halflife_steps), max(rampup * step, 1.0))
    return 0.5 ** (1.0 / hl)


def lr_at(step, cfg):
    """Linear warm-up over warmup steps, then cosine decay to lr_final_ratio x lr."""
    lr = cfg["lr"]
    if step < cfg["warmup"]:
        return lr * (step + 1) / cfg["warmup"]
    t = (step - cfg["warmup"]) / max(1, cfg["steps"] - cfg["warmup"])
    r = cfg["lr_final_ratio"]
    return lr * (r + (1 - r) * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


def save_atomic(obj, path):
    """torch.save to a temporary file, then rename (a crash never leaves half a checkpoint)."""
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def edm_loss(model, x, gen, p_mean, p_std):
    """EDM's weighted denoising loss on a batch (mean over the batch)."""
    n = x.shape[0]
    sigma = torch.exp(p_mean + p_std * torch.randn(n, generator=gen))
    noise = torch.randn(x.shape, generator=gen) * sigma[:, None, None, None]
    sd = model.sigma_data
    weight = (sigma ** 2 + sd ** 2) / (sigma * sd) ** 2
    err = ((model(x + noise, sigma) - x) ** 2).flatten(1).mean(1)
    return (weight * err).mean()


def train(cfg, images, out_dir, log=print):
    """Trains on `images` (N x 1 x 28 x 28 float32 in [-1, 1]: the training
    list, duplicates repeated) as cfg says; returns (ema model, info dict).
    Resumes from out_dir/ckpt.pt when its configuration equals cfg."""
    os.makedirs(out_dir, exist_ok=True)
    ckpt = os.path.join(out_dir, "ckpt.pt")
    torch.manual_seed(cfg["seed"])
    model = make_model(cfg["preset"], **cfg.get("model", {})).to(memory_format=torch.channels_last)
    ema = make_model(cfg["preset"], **cfg.get("model", {})).to(memory_format=torch.channels_last)
    ema.load_state_dict(model.state_dict())
    ema.requires_grad_(False)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"], betas=(0.9, 0.999), eps=1e-8)
    gen = torch.Generator().manual_seed(cfg["seed"] + 1)
    step, elapsed, losses = 0, 0.0, []
    if os.path.exists(ckpt):
        st = torch.load(ckpt)
        if st["cfg"] != cfg:
            raise SystemExit("train: %s was made with another configuration; remove it or use another --out" % ckpt)
        model.load_state_dict(st["model"])
        ema.load_state_dict(st["ema"])
        opt.load_state_dict(st["opt"])
        gen.set_state(st["gen"])
        step, elapsed, losses = st["step"], st["elapsed"], st["losses"]
        log("train: resuming at step %d of %d (%.0f s done)" % (step, cfg["steps"], elapsed))

    def checkpoint():
        """Writes everything a resumed run needs."""
        save_atomic(dict(cfg=cfg, model=model.state_dict(), ema=ema.state_dict(), opt=opt.state_dict(),
                         gen=gen.get_state(), step=step, elapsed=elapsed, losses=losses), ckpt)

    data = torch.from_numpy(images).contiguous(memory_format=torch.channels_last)
    n, batch = data.shape[0], cfg["batch"]
    t_start, t_log, t_ckpt = time.time(), time.time(), time.time()
    e0, step0, run_loss, run_k = elapsed, step, 0.0, 0
    model.train()
    while step < cfg["steps"]:
        for g in opt.param_groups:
            g["lr"] = lr_at(step, cfg)
        idx = torch.randint(0, n, (batch,), generator=gen)
        loss = edm_loss(model, data[idx], gen, cfg["p_mean"], cfg["p_std"])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.get("clip", 0) > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["clip"])
        opt.step()
        step += 1
        with torch.no_grad():
            b = ema_decay(step, cfg["ema_halflife"])
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(b).add_(pm.detach(), alpha=1 - b)
            for be, bm in zip(ema.buffers(), model.buffers()):
                be.copy_(bm)
        run_loss += float(loss)
        run_k += 1
        now = time.time()
        elapsed = e0 + (now - t_start)
        if now - t_log >= cfg["log_seconds"] or step == cfg["steps"]:
            losses.append((step, run_loss / run_k))
            rate = (step - step0) / max(now - t_start, 1e-9)  # this session's speed
            left = (cfg["steps"] - step) / max(rate, 1e-9)
            log("train: step %6d/%d  loss %.4f  lr %.2e  %.2f step/s  elapsed %s  left %s"
                % (step, cfg["steps"], run_loss / run_k, lr_at(step - 1, cfg), rate, hms(elapsed), hms(left)))
            run_loss, run_k, t_log = 0.0, 0, now
        if now - t_ckpt >= cfg["ckpt_seconds"]:
            checkpoint()
            t_ckpt = now
        if cfg.get("max_seconds", 0) and now - t_start >= cfg["max_seconds"] and step < cfg["steps"]:
            checkpoint()
            raise SystemExit("train: stopped at this run's time limit (%.0f s) at step %d; rerun the same command to "
                             "resume" % (now - t_start, step))
    checkpoint()
    ema.eval()
    info = dict(steps=step, seconds=elapsed, final_loss=losses[-1][1] if losses else float("nan"), losses=losses)
    with open(os.path.join(out_dir, "train.json"), "w") as f:
        json.dump(dict(cfg=cfg, **info), f, indent=1)
    return ema, info


def load_ema(out_dir, cfg):
    """The EMA model of a finished (or interrupted) run in out_dir."""
    st = torch.load(os.path.join(out_dir, "ckpt.pt"))
    m = make_model(cfg["preset"], **cfg.get("model", {}))
    m.load_state_dict(st["ema"])
    m.eval().requires_grad_(False)
    return m, st


def hms(s):
    """Seconds as m:ss or h:mm:ss."""
    s = int(round(s))
    return "%d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60) if s >= 3600 else "%d:%02d" % (s // 60, s % 60)

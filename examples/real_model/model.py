"""The network: a small UNet diffusion model for 28x28 grey images, with EDM
preconditioning (Karras et al. 2022, "Elucidating the design space",
Table 1 / Eq. 7).

  D(x; sigma) = c_skip(sigma) x + c_out(sigma) F(c_in(sigma) x; c_noise(sigma))
  c_skip = sd^2 / (sigma^2 + sd^2), c_out = sigma sd / sqrt(sigma^2 + sd^2),
  c_in = 1 / sqrt(sigma^2 + sd^2), c_noise = ln(sigma) / 4, sd = sigma_data.

D is an x0-denoiser of the VE process x_sigma = x0 + sigma eps, which is what
memgen speaks (its DAEs, samplers, FLIPD and steering all take sigma and an
x0-denoiser). F is a UNet with the standard pieces:
  - residual blocks: GroupNorm -> SiLU -> conv3x3 -> GroupNorm with the noise
    embedding's per-channel scale and shift (EDM's "adaptive" blocks) ->
    SiLU -> conv3x3, plus a 1x1 skip when the width changes;
  - a patch size of 2 (the first layer folds 2x2 pixels into channels,
    PixelUnshuffle, and the last unfolds them, as DiT / U-ViT's patchify and
    "simple diffusion"'s first layer), then resolutions 14x14 and 7x7
    (stride-2 conv down, nearest up + conv) with encoder-to-decoder skips by
    concatenation; patch 1 keeps 28x28 as a third resolution;
  - multi-head self-attention over the 49 positions of the lowest resolution,
    after each of its encoder, middle and decoder blocks;
  - noise-level embedding: sinusoidal features of c_noise -> 2-layer MLP.
Why the patch: measured on this 2-core machine (PyTorch 1.13, one thread),
convolutions with few channels at 28x28 run at a fraction of the speed of
wider ones at 14x14 (same FLOPs: 16 channels at 28x28 ~ 10-30 GFLOP/s, 64 at
14x14 ~ 150), so the unpatched three-resolution net of the same widths
trains 2-3x slower per step; see README ("A real diffusion model").

The hooked representation h (paper Algorithm 1, App. B.2) is the first
nonlinearity (after the noise embedding's scale and shift) of the last
residual block of the lowest-resolution decoder stage, `dec.0.res.<last>.act1`:
the analogue of Stable Diffusion's `up_blocks.0.resnets.2.nonlinearity` (the
last resnet of the lowest-resolution up block) and of EDM's
`8x8_block3.norm0`. Steering (Eq. 11) adds a v to that same activation.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# The pipeline's networks (pipeline.py's presets name the same ones).
PRESETS = {
    "full": dict(widths=(32, 64), patch=2, blocks=1, heads=4, emb=128),
    "tiny": dict(widths=(8, 16), patch=2, blocks=1, heads=2, emb=32),
}


def groups(c):
    """GroupNorm groups: 8 channels per group, at most 32 groups."""
    return max(1, min(32, c // 8))


class NoiseEmbedding(nn.Module):
    """Sinusoidal features of c_noise (EDM's positional embedding, max period
    10^4) followed by Linear -> SiLU -> Linear."""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, c_noise):
        half = self.dim // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
        a = c_noise.float()[:, None] * 250.0 * freqs[None, :]  # c_noise ~ ln(sigma)/4 in [-1.5, 1.5]
        return self.mlp(torch.cat([torch.cos(a), torch.sin(a)], dim=1))


class ResBlock(nn.Module):
    """Residual block with a scale/shift noise embedding. Every nonlinearity is
    its own module (act0, act1) so that a forward hook sees exactly one call."""

    def __init__(self, cin, cout, emb):
        super().__init__()
        self.norm0 = nn.GroupNorm(groups(cin), cin)
        self.act0 = nn.SiLU()
        self.conv0 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb, 2 * cout)
        self.norm1 = nn.GroupNorm(groups(cout), cout)
        self.act1 = nn.SiLU()
        self.conv1 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv1.weight)
        nn.init.zeros_(self.conv1.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = self.conv0(self.act0(self.norm0(x)))
        scale, shift = self.emb(e)[:, :, None, None].chunk(2, dim=1)
        h = self.act1(self.norm1(h) * (1 + scale) + shift)
        return self.skip(x) + self.conv1(h)


class Attention(nn.Module):
    """Multi-head self-attention over the spatial positions (pre-GroupNorm,
    residual, zero-initialised output projection)."""

    def __init__(self, c, heads):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(groups(c), c)
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.proj = nn.Conv2d(c, c, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x):
        n, c, hh, ww = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(n, 3, self.heads, c // self.heads, hh * ww).unbind(1)
        w = torch.softmax(torch.einsum("nhct,nhcs->nhts", q, k) / math.sqrt(c // self.heads), dim=-1)
        o = torch.einsum("nhts,nhcs->nhct", w, v).reshape(n, c, hh, ww)
        return x + self.proj(o)


class Stage(nn.Module):
    """Residual blocks (`res`), each followed by attention (`attn`) when asked."""

    def __init__(self, cins, cout, emb, attn, heads):
        super().__init__()
        self.res = nn.ModuleList([ResBlock(cin, cout, emb) for cin in cins])
        self.attn = nn.ModuleList([Attention(cout, heads) for _ in cins]) if attn else None

    def __len__(self):
        return len(self.res)

    def run(self, x, e, skips=None, keep=None):
        """Runs the blocks; pops a skip before each (decoder) or keeps each output (encoder)."""
        for i, blk in enumerate(self.res):
            if skips is not None:
                x = torch.cat([x, skips.pop()], dim=1)
            x = blk(x, e)
            if self.attn is not None:
                x = self.attn[i](x)
            if keep is not None:
                keep.append(x)
        return x


class UNet(nn.Module):
    """F of the EDM preconditioning: 1 x 28 x 28 in and out.

    `patch` > 1 first folds patch x patch pixels into channels (PixelUnshuffle,
    as DiT / U-ViT patchify and "simple diffusion"'s first layer) and unfolds
    them at the end (PixelShuffle), so the convolutions run at 28/patch; one
    resolution per entry of `widths`, halving each time (stride-2 conv down,
    nearest up + conv), `blocks` residual blocks per encoder resolution and
    blocks + 1 per decoder resolution (each eating one encoder skip, as the
    DDPM / EDM UNets), attention after every block at the lowest resolution
    and in the middle (two blocks)."""

    def __init__(self, widths=(32, 64, 128), blocks=2, heads=4, emb=128, patch=1):
        super().__init__()
        self.patch = patch
        self.embed = NoiseEmbedding(emb)
        self.inp = nn.Conv2d(patch * patch, widths[0], 3, padding=1)
        nl = len(widths)
        self.enc, self.down = nn.ModuleList(), nn.ModuleList()
        skips = [widths[0]]
        c = widths[0]
        for i, w in enumerate(widths):
            if i:
                self.down.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
                skips.append(c)
            self.enc.append(Stage([c] + [w] * (blocks - 1), w, emb, i == nl - 1, heads))
            skips += [w] * blocks
            c = w
        self.mid = Stage([c, c], c, emb, True, heads)
        self.dec, self.up = nn.ModuleList(), nn.ModuleList()
        for i in reversed(range(nl)):
            w = widths[i]
            cins = []
            for _ in range(blocks + 1):
                cins.append(c + skips.pop())
                c = w
            self.dec.append(Stage(cins, w, emb, i == nl - 1, heads))
            if i:
                self.up.append(nn.Conv2d(w, w, 3, padding=1))
        self.out_norm = nn.GroupNorm(groups(c), c)
        self.out = nn.Conv2d(c, patch * patch, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def hook_name(self):
        """Module name of the hooked representation: the first nonlinearity
        (after the noise embedding's scale and shift) of the last residual
        block of the lowest-resolution decoder stage."""
        return "dec.0.res.%d.act1" % (len(self.dec[0]) - 1)

    def forward(self, x, c_noise):
        e = self.embed(c_noise)
        if self.patch > 1:
            x = F.pixel_unshuffle(x, self.patch)
        h = self.inp(x)
        skips = [h]
        for i, stage in enumerate(self.enc):
            if i:
                h = self.down[i - 1](h)
                skips.append(h)
            h = stage.run(h, e, keep=skips)
        h = self.mid.run(h, e)
        for i, stage in enumerate(self.dec):
            if i:
                h = self.up[i - 1](F.interpolate(h, scale_factor=2.0, mode="nearest"))
            h = stage.run(h, e, skips=skips)
        h = self.out(F.silu(self.out_norm(h)))
        return F.pixel_shuffle(h, self.patch) if self.patch > 1 else h


class EDM(nn.Module):
    """The x0-denoiser D(x; sigma) of the EDM preconditioning around a UNet."""

    def __init__(self, sigma_data=0.5, **unet):
        super().__init__()
        self.sigma_data = sigma_data
        self.net = UNet(**unet)

    def forward(self, x, sigma):
        sigma = sigma.float().reshape(-1, 1, 1, 1).expand(x.shape[0], 1, 1, 1)
        sd = self.sigma_data
        c_skip = sd ** 2 / (sigma ** 2 + sd ** 2)
        c_out = sigma * sd / (sigma ** 2 + sd ** 2).sqrt()
        c_in = 1 / (sigma ** 2 + sd ** 2).sqrt()
        c_noise = sigma.log().flatten() / 4
        return c_skip * x + c_out * self.net(c_in * x, c_noise)

    def hook_module(self):
        """The module whose output is the representation h."""
        return dict(self.net.named_modules())[self.net.hook_name()]


def make_model(preset="full", **over):
    """An EDM-preconditioned UNet of a preset ("full", "tiny"), with overrides."""
    cfg = dict(PRESETS[preset])
    cfg.update(over)
    return EDM(**cfg)


def count_params(m):
    """Number of parameters of a module."""
    return sum(p.numel() for p in m.parameters())

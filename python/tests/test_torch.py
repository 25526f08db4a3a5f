"""PyTorch glue: DAEModule computes memgen's DAE with nn.Linear-layout weights
and converts both ways bit for bit; ActivationRecorder pools a hooked module's
output as Algorithm 1 does, whatever the tensor's memory format, and records
the layout it used."""
import numpy as np
import pytest

import memgen

torch = pytest.importorskip("torch")
mt = pytest.importorskip("memgen.torch")


def make_dae(tied, bias):
    g = np.random.default_rng(3)
    m = memgen.DAE(10, 6, tied=tied, bias=bias, sigma=0.3)
    m.W1 = g.standard_normal((10, 6))
    if not tied:
        m.W2 = g.standard_normal((10, 6))
    if bias:
        m.b1, m.b2 = g.standard_normal(6), g.standard_normal(10)
    return m


@pytest.mark.parametrize("tied, bias", [(True, False), (False, False), (True, True), (False, True)])
def test_module_matches_memgen_and_converts_back(tied, bias, blobs):
    m = make_dae(tied, bias)
    mod = mt.DAEModule.from_memgen(m)
    assert tuple(mod.encoder.weight.shape) == (6, 10)  # nn.Linear layout: p x d
    X = blobs[:, :10]
    with torch.no_grad():
        y = mod(torch.from_numpy(X)).numpy()
        h = mod.encode(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(y, m.forward(X), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(h, m.encode(X), rtol=1e-5, atol=1e-5)
    back = mod.to_memgen()
    assert back.tied == tied and back.bias == bias and back.sigma == pytest.approx(0.3)
    for name in ("W1", "W2", "b1", "b2"):
        a, b = getattr(m, name), getattr(back, name)
        assert (a is None and b is None) or np.array_equal(a, b)


def test_weights_trained_in_torch_come_back(blobs):
    mod = mt.DAEModule(12, 4, tied=True)
    opt = torch.optim.SGD(mod.parameters(), lr=0.01)
    X = torch.from_numpy(blobs)
    for _ in range(3):
        opt.zero_grad()
        loss = ((mod(X + 0.1 * torch.randn_like(X)) - X) ** 2).sum(1).mean()
        loss.backward()
        opt.step()
    with torch.no_grad():
        ref = mod(X).numpy()
    np.testing.assert_allclose(mod.to_memgen().forward(blobs), ref, rtol=1e-5, atol=1e-5)


class Conv(torch.nn.Module):
    """A tiny convolutional net whose 'act' module output is hooked."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.act = torch.nn.ReLU()
        self.head = torch.nn.Conv2d(8, 3, 1)

    def forward(self, x):
        return self.head(self.act(self.conv(x)))


def test_recorder_pools_as_algorithm_1_in_any_memory_format():
    net = Conv()
    x = torch.randn(10, 3, 6, 5)
    with torch.no_grad():
        ref = net.act(net.conv(x)).amax(dim=(2, 3)).numpy()
        with mt.ActivationRecorder(net, "act") as rec:
            net(x[:4])
            net(x[4:])
        net_cl = net.to(memory_format=torch.channels_last)
        with mt.ActivationRecorder(net_cl, "act") as rec_cl:
            net_cl(x.to(memory_format=torch.channels_last))
    np.testing.assert_allclose(rec.features(), ref, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(rec_cl.features(), ref, rtol=1e-6, atol=1e-6)
    assert rec.layouts == ["nchw", "nchw"] and rec.shapes[0] == (4, 8, 6, 5)
    assert np.array_equal(rec.scores(), memgen.spikiness(rec.features(), metric="std"))
    net(x)  # the hook is gone after the with-block
    assert len(rec.layouts) == 2


def test_recorder_tokens_are_channels_last():
    lin = torch.nn.Sequential(torch.nn.Linear(4, 7), torch.nn.GELU())
    x = torch.randn(5, 9, 4)  # n x tokens x channels
    with mt.ActivationRecorder(lin, "1") as rec, torch.no_grad():
        out = lin(x)
    assert rec.layouts == ["ntc"]
    np.testing.assert_allclose(rec.features(), out.amax(dim=1).numpy(), rtol=1e-6, atol=1e-6)


def test_recorder_errors():
    net = Conv()
    with pytest.raises(memgen.Error):
        mt.ActivationRecorder(net, "no.such.module")
    rec = mt.ActivationRecorder(net, "act")
    with pytest.raises(memgen.Error):
        rec.features()
    with pytest.raises(memgen.Error):
        mt.DAEModule.from_memgen("not a dae")

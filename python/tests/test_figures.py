"""The report's figure files from a smoke run of every section (`memgen reproduce --scale smoke`): each plot as a
standalone SVG (parsed here; xmlns, width, height, viewBox), as PNG (signature, 2x the SVG's size) and PDF (header)
where the build has librsvg, else the page says why; each section's whole figure; and each section's generated
matplotlib script, run headless, writing one image per plot."""
import glob
import os
import re
import struct
import subprocess
import xml.etree.ElementTree as ET

import pytest

SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_SIG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A smoke report of every section (the Fashion-MNIST dataset where it is installed)."""
    from conftest import MEMGEN
    out = tmp_path_factory.mktemp("figures") / "r"
    r = subprocess.run([MEMGEN, "reproduce", "--scale", "smoke", "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def png_size(path):
    """(width, height) from a PNG's IHDR, after checking its signature."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == PNG_SIG, path
    return struct.unpack(">II", head[16:24])


def plots(report):
    """Every plot's SVG file (the sections' whole figures excluded)."""
    return [p for p in sorted(glob.glob(str(report / "*" / "figures" / "*.svg")))
            if os.path.basename(p) != os.path.basename(os.path.dirname(os.path.dirname(p))) + ".svg"]


def test_plot_files_are_standalone(report):
    html = (report / "index.html").read_text()
    no_raster = "PNG and PDF were not written" in html
    svgs = plots(report)
    assert len(svgs) >= 30
    # every link under a figure leads to a file
    for href in re.findall(r'<p class="files">Figure files: (.*?)</p>', html):
        for f in re.findall(r'href="([^"]+)"', href):
            assert (report / f).is_file(), f
    for svg in svgs:
        root = ET.parse(svg).getroot()  # well-formed XML on its own
        assert root.tag == SVG_NS + "svg", svg
        w, h = float(root.get("width")), float(root.get("height"))
        assert root.get("viewBox") == "0 0 %d %d" % (w, h), svg
        assert "font-family" in root.attrib and root.find(SVG_NS + "style") is None
        stem = svg[:-4]
        if no_raster:
            assert not os.path.exists(stem + ".png") and not os.path.exists(stem + ".pdf")
            continue
        assert png_size(stem + ".png") == (2 * w, 2 * h), stem
        with open(stem + ".pdf", "rb") as f:
            assert f.read(5) == b"%PDF-", stem


def test_whole_figures(report):
    whole = sorted(glob.glob(str(report / "*" / "figures")))
    assert whole
    for folder in whole:
        sec = os.path.basename(os.path.dirname(folder))
        root = ET.parse(os.path.join(folder, sec + ".svg")).getroot()
        panels = root.findall(SVG_NS + "svg")
        assert panels, sec
        if sec == "fig5":  # the paper's layout: the datasets side by side, a row per plot
            xs = sorted({float(p.get("x")) for p in panels})
            assert len(xs) >= 2 and xs[0] == 0
            assert panels[0].find(SVG_NS + "text") is not None


def test_matplotlib_scripts_redraw_every_plot(report):
    pytest.importorskip("matplotlib")
    scripts = sorted(glob.glob(str(report / "*" / "plot_*.py")))
    assert len(scripts) >= 10
    env = dict(os.environ, MPLBACKEND="Agg")
    for script in scripts:
        sec = os.path.dirname(script)
        r = subprocess.run(["/usr/bin/python3", script], capture_output=True, text=True, env=env, cwd="/")
        assert r.returncode == 0, script + "\n" + r.stderr[-3000:]
        for svg in plots(report):
            if os.path.dirname(os.path.dirname(svg)) == sec:
                png = svg[:-4] + "_mpl.png"
                assert os.path.getsize(png) > 1000 and png_size(png)[0] > 300, png

"""The memgen Python package: NumPy/PyTorch bindings of the memgen C library.

Install offline on Debian (python3-cffi, python3-numpy, python3-setuptools,
python3-wheel; no download): `pip install ./python` from the source tree, which
builds the C library with make and links it into the extension module.
"""
from setuptools import setup

setup(
    name="memgen",
    version="0.1.0",
    description="Memorization vs generalization in diffusion models: two-layer ReLU DAEs, "
                "closed forms, samplers and the representation-spikiness detector",
    packages=["memgen"],
    package_data={"memgen": ["_cdef.h"]},
    python_requires=">=3.9",
    install_requires=["numpy", "cffi>=1.0"],
    setup_requires=["cffi>=1.0"],
    cffi_modules=["memgen/_build.py:ffibuilder"],
    zip_safe=False,
)

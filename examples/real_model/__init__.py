"""A real diffusion model that memorizes a duplicated subset of Fashion-MNIST,
and what memgen needs from it (issue 14). One module per concern: model,
data, train, sample, label, export, steer; pipeline runs them in order and
run.py is the command. PyTorch and NumPy only."""

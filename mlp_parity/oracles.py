"""Oracles: independent computations of the same mathematics that implementations are held to.

* the NumPy reference (`reference`) evaluated in float64;
* torch autograd (reverse mode) of the loss written as a plain torch expression;
* torch.func: `jvp` (forward mode) and `vmap(grad(...))` (per-sample gradients).

The torch expression is the network's definition and nothing else, so that autograd's rules,
not anybody's hand-written backward, produce the oracle's gradients. torch.relu's derivative
at 0 is 0, the convention the implementations must follow.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch.func import grad, jvp, vmap

from mlp_parity import reference

Params = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


def reference_forward(x, W1, b1, W2, b2):
    """(a1, h, f) in float64 from the NumPy reference."""
    as64 = [np.asarray(a, dtype=np.float64) for a in (x, W1, b1, W2, b2)]
    return reference.forward(*as64)


def reference_backward(x, y, a1, h, f, W1, W2):
    as64 = [np.asarray(a, dtype=np.float64) for a in (x, y, a1, h, f, W1, W2)]
    return reference.backward(*as64)


def network(params: Params, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    W1, b1, W2, b2 = params
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def loss(params: Params, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    _, _, f = network(params, x)
    return 0.5 * (f - y) ** 2


def autograd_sample(params: Params, x: torch.Tensor, y: torch.Tensor):
    """((a1, h, f), (dW1, db1, dW2, db2)) by reverse-mode autograd, at params' dtype/device."""
    leaves = tuple(p.detach().clone().requires_grad_() for p in params)
    with torch.enable_grad():
        a1, h, f = network(leaves, x)
        L = 0.5 * (f - y) ** 2
        grads = torch.autograd.grad(L, leaves)
    return (a1.detach(), h.detach(), f.detach()), tuple(g.detach() for g in grads)


def directional_derivatives(params: Params, X: torch.Tensor, Y: torch.Tensor, tangents: Params):
    """<dL_i/dtheta, v> for every sample i, by forward mode: torch.func.jvp of each sample's
    loss, vmapped over the samples (one call per batch, not one per sample)."""

    def one(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        _, dL = jvp(lambda *p: loss(p, x, y), tuple(params), tuple(tangents))
        return dL

    with warnings.catch_warnings():
        # torch.func.jvp scripts a helper with torch.jit.script, which recent torch releases
        # deprecate (a DeprecationWarning in 2.13, a FutureWarning in 2.14): torch's own
        # warning about torch's own code.
        warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated")
        return vmap(one)(X, Y)


def per_sample_gradients(params: Params, X: torch.Tensor, Y: torch.Tensor) -> Params:
    """dL_i/dtheta for every sample i by torch.func.vmap(torch.func.grad(loss))."""
    return vmap(grad(loss), in_dims=(None, 0, 0))(tuple(params), X, Y)

"""Oracles of a declared network: independent computations of the same mathematics.

* the float64 NumPy reference (`mlp_parity.reference.network`);
* the declared network written as a plain torch expression, differentiated by torch autograd
  at the dtype under test, by `torch.func.jvp` (forward mode) and by
  `torch.func.vmap(torch.func.grad(...))` (per-sample gradients), in float64.

The torch expression is the declaration and nothing else (`functions` gives each activation
in torch, with the declared derivative at a kink), so autograd's rules, not anybody's
hand-written backward, produce the oracles' gradients.
"""

from __future__ import annotations

import warnings

import torch
from torch.func import grad, jvp, vmap

from mlp_parity import functions
from mlp_parity.declaration import Network

Params = tuple[torch.Tensor, ...]  # W1, b1, W2, b2, ... (no b without biases), canonical


def _layers(params: Params, bias: bool):
    step = 2 if bias else 1
    return [(params[i], params[i + 1] if bias else None) for i in range(0, len(params), step)]


def sample_losses(net: Network, params: Params, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """ell_b for every sample: X (B, d), Y (B, k)."""
    layers = _layers(params, net.bias)
    acts = net.activations(len(layers) - 1)
    h = X
    a = h
    for (W, b), act in zip(layers, acts):
        a = h @ W.T + b if b is not None else h @ W.T
        h = act.torch_f(a)
    k = h.shape[-1]
    c_k = 1.0 / k if net.output_reduction == "mean" else 1.0
    if net.loss == "half_squared":
        terms = 0.5 * (h - Y) ** 2
    elif net.loss == "squared":
        terms = (h - Y) ** 2
    elif net.loss == "softmax_cross_entropy":  # -sum_k t_k log softmax(a)_k, a = h (logits)
        terms = -Y * torch.log_softmax(a, dim=-1)
    elif net.loss == "bce":  # log(1 + e^a) - y a, the sigmoid folded in
        # logaddexp(a, 0), not torch.nn.functional.softplus: softplus is linear above its
        # threshold (20), and its gradient there is 1, not sigmoid(a) = 1 - 2e-9
        terms = torch.logaddexp(a, torch.zeros_like(a)) - Y * a
    else:
        raise KeyError(net.loss)
    return c_k * terms.sum(dim=-1)


def penalty(net: Network, params: Params, B: int) -> torch.Tensor | float:
    """The declared penalty as a torch expression (torch.abs's derivative at 0 is 0, the
    declared sign(0))."""
    pen = net.penalty
    if pen is None:
        return 0.0
    s = 1.0 / B if pen.per_sample else 1.0
    c2 = 0.5 if pen.l2_form == "half" else 1.0
    c1 = 0.5 if pen.l1_form == "half" else 1.0
    total = 0.0
    for W, b in _layers(params, net.bias):
        for p in (W, b) if pen.biases and b is not None else (W,):
            total = total + s * (pen.l2 * c2 * (p * p).sum() + pen.l1 * c1 * p.abs().sum())
    return total


def total_loss(net: Network, params: Params, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """The reduced loss plus the penalty (the loss without clipping: the gradients the
    declaration means are the unclipped loss's)."""
    ell = sample_losses(net, params, X, Y)
    data = ell.mean() if net.reduction == "mean" else ell.sum()
    return data + penalty(net, params, X.shape[0])


def one_sample_loss(net: Network, params: Params, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """One sample's loss as per-sample code computes it: ell + the penalty with B = 1."""
    return sample_losses(net, params, x[None], y[None])[0] + penalty(net, params, 1)


def autograd(net: Network, params: Params, X: torch.Tensor, Y: torch.Tensor, per_sample: bool):
    """(loss, grads) by reverse-mode autograd at the params' dtype and device: of the reduced
    loss, or (per_sample) of each sample's loss, stacked (B, ...)."""
    leaves = tuple(p.detach().clone().requires_grad_() for p in params)
    with torch.enable_grad():
        if not per_sample:
            L = total_loss(net, leaves, X, Y)
            return L.detach(), tuple(g.detach() for g in torch.autograd.grad(L, leaves))
        losses, grads = [], []
        for i in range(X.shape[0]):
            L = one_sample_loss(net, leaves, X[i], Y[i])
            losses.append(L.detach())
            grads.append(torch.autograd.grad(L, leaves))
    return torch.stack(losses), tuple(
        torch.stack([g[j] for g in grads]) for j in range(len(leaves))
    )


def per_sample_gradients(net: Network, params: Params, X: torch.Tensor, Y: torch.Tensor) -> Params:
    """d ell_b / d theta for every sample b, the data term only (`penalty_gradient` adds the
    penalty's): torch.func.vmap(torch.func.grad(ell))."""

    def one(p, x, y):
        return sample_losses(net, p, x[None], y[None])[0]

    return vmap(grad(one), in_dims=(None, 0, 0))(tuple(params), X, Y)


def penalty_gradient(net: Network, params: Params, B: int) -> Params:
    """dP/dtheta for a batch of B samples (torch.func.grad of `penalty`; zeros without one)."""
    if net.penalty is None:
        return tuple(torch.zeros_like(p) for p in params)
    return grad(lambda p: penalty(net, p, B))(tuple(params))


def directional(
    net: Network,
    params: Params,
    X: torch.Tensor,
    Y: torch.Tensor,
    tangents: Params,
    per_sample: bool,
):
    """<dL/dtheta, v> by forward mode (torch.func.jvp): of the reduced loss, or of each
    sample's loss (vmapped over the samples)."""
    with warnings.catch_warnings():
        # torch.func.jvp scripts a helper with torch.jit.script, which recent torch releases
        # deprecate: torch's own warning about torch's own code.
        warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated")
        if not per_sample:
            _, dL = jvp(lambda *p: total_loss(net, p, X, Y), tuple(params), tuple(tangents))
            return dL.reshape(1)

        def one(x, y):
            _, d = jvp(lambda *p: one_sample_loss(net, p, x, y), tuple(params), tuple(tangents))
            return d

        return vmap(one)(X, Y)


def relu_like(act: functions.Activation) -> bool:
    return act.piecewise_linear and act.has_kink

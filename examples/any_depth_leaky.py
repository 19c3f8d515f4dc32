"""A PyTorch MLP of any depth with leaky ReLU and three outputs, gradients by hand.

Params as a dict {"W1": (out, in), "b1": (out,), ...} in the columns convention of
torch.nn.Linear's weight, samples by rows (X @ W.T, as nn.Linear computes); the mean over
the batch of 1/2 ||f - y||^2. Checked with:  mlp-parity check examples/any_depth_leaky.py
"""

import torch

ALPHA = 0.01
MLP_PARITY = {
    "hidden": f"leaky_relu:{ALPHA}",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": 3,
    "params": "dict",
}


def _linear_layers(params):
    n = len([k for k in params if k.startswith("W")])
    # rows layout stores W as (in, out): f = X @ W + b
    return [(params[f"W{i}"], params[f"b{i}"]) for i in range(1, n + 1)]


def forward(params, X):
    hs, h = [], X
    layers = _linear_layers(params)
    for i, (W, b) in enumerate(layers):
        a = h @ W + b
        h = torch.where(a > 0, a, ALPHA * a) if i < len(layers) - 1 else a
        hs.append(h)
    return hs


def grads(params, X, Y):
    layers = _linear_layers(params)
    acts, pre = [X], []
    h = X
    for i, (W, b) in enumerate(layers):
        a = h @ W + b
        pre.append(a)
        h = torch.where(a > 0, a, ALPHA * a) if i < len(layers) - 1 else a
        acts.append(h)
    g = (acts[-1] - Y) / X.shape[0]
    out = {}
    for i in range(len(layers), 0, -1):
        W, _ = layers[i - 1]
        out[f"dW{i}"] = acts[i - 1].T @ g
        out[f"db{i}"] = g.sum(dim=0)
        if i > 1:
            a = pre[i - 2]
            g = (g @ W.T) * torch.where(a > 0, torch.ones_like(a), torch.full_like(a, ALPHA))
    return out

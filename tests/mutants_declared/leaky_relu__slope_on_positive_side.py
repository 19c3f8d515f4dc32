"""The leaky ReLU derivative has its two slopes swapped: alpha where a > 0 and 1 where a <= 0 (the forward is right).

Written as where(a > 0, ALPHA, 1.0), the mirror image of where(a > 0, 1.0, ALPHA).  Torch, dict
params, rows layout, any depth, three outputs.
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
DIAGNOSIS = ("activation-derivative", "partial")


def grads(params, X, Y):
    n = len([k for k in params if k.startswith("W")])
    acts, pre, h = [X], [], X
    for i in range(1, n + 1):
        a = h @ params[f"W{i}"] + params[f"b{i}"]
        pre.append(a)
        h = torch.where(a > 0, a, ALPHA * a) if i < n else a
        acts.append(h)
    g = (acts[-1] - Y) / X.shape[0]
    out = {}
    for i in range(n, 0, -1):
        out[f"dW{i}"] = acts[i - 1].T @ g
        out[f"db{i}"] = g.sum(dim=0)
        if i > 1:
            a = pre[i - 2]
            g = (g @ params[f"W{i}"].T) * torch.where(
                a > 0, torch.full_like(a, ALPHA), torch.ones_like(a)
            )
    return out

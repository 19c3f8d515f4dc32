"""A plain PyTorch-tensor MLP of any depth, written by hand without autograd, as in
"build an MLP from scratch in PyTorch" tutorials: params = [W1, b1, W2, b2, ...] with
W of shape (fan_in, fan_out) and b of shape (1, fan_out) (broadcast over the batch rows),
leaky ReLU (negative slope 0.01) on every hidden layer, linear output with 3 units,
sum-of-squared-errors loss summed over the batch, loss returned with .item().
"""

import torch

MLP_PARITY = {
    "hidden": "leaky_relu:0.01",
    "output": "identity",
    "loss": "squared",
    "reduction": "sum",
    "batch": "batched",
    "layout": "rows",
    "targets": "matrix",
    "bias": True,
    "bias_shape": "row",
    "depth": "any",
    "outputs": 3,
    "relu_grad_at_zero": 0,
    "params": "list",
    "framework": "torch",
}
EXPECTED_VERDICT = "pass"

NEG_SLOPE = 0.01


def leaky_relu(z, slope=NEG_SLOPE):
    return torch.where(z > 0, z, slope * z)


def leaky_relu_grad(z, slope=NEG_SLOPE):
    return torch.where(z > 0, torch.ones_like(z), torch.full_like(z, slope))


def mlp_forward(params, X):
    Ws, bs = params[0::2], params[1::2]
    n_layers = len(Ws)
    cache = []
    h = X
    for i in range(n_layers):
        z = h @ Ws[i] + bs[i]
        cache.append((h, z))
        h = leaky_relu(z) if i < n_layers - 1 else z
    return h, cache


def mlp_backward(params, cache, out, Y):
    Ws = params[0::2]
    n_layers = len(Ws)
    grads = [None] * (2 * n_layers)
    dout = 2 * (out - Y)  # d/d out of sum((out - Y)**2)
    for i in reversed(range(n_layers)):
        h, z = cache[i]
        if i < n_layers - 1:
            dout = dout * leaky_relu_grad(z)
        grads[2 * i] = h.T @ dout
        grads[2 * i + 1] = dout.sum(dim=0, keepdim=True)
        dout = dout @ Ws[i].T
    return grads


def sse_loss(out, Y):
    return ((out - Y) ** 2).sum()


# ---- mlp-parity glue (no arithmetic) ----
def loss_and_grads(params, X, Y):
    out, cache = mlp_forward(params, X)
    loss = sse_loss(out, Y)
    grads = mlp_backward(params, cache, out, Y)
    return loss.item(), grads

"""The hidden layers are linear (identity) in the forward, but the backward still multiplies by the ReLU mask (a > 0) of a template.

Torch, rows layout, mean over the batch, any depth.
"""

MLP_PARITY = {
    "hidden": "identity",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("activation-derivative", "zero", "partial")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for W, b in zip(Ws, bs):
        hs.append(hs[-1] @ W + b)
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / B
    delta = R / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads

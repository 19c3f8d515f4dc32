"""Row biases (1, n) get column-shaped (n, 1) gradients: in the columns layout db = delta.sum(1, keepdim=True) keeps the units on the first axis.

The values are right; on width-1 layers the shapes agree by accident.  Torch, columns layout
with row-shaped biases (added as b.T), ReLU hidden layers, mean.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "columns",
    "bias_shape": "row",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("shape", "transposed")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b.T
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    B = X.shape[1]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / B
    delta = R / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = delta @ hs[i].T
        grads[2 * i + 1] = delta.sum(1, keepdim=True)
        if i:
            delta = (Ws[i].T @ delta) * (hs[i] > 0)
    return loss, grads

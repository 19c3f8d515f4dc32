"""BCE's loss is the mean over the k outputs as well as the batch (Keras's binary_crossentropy) while its gradient (P - Y)/B sums over the outputs, as declared.

PyTorch, columns layout, three sigmoid outputs. The loss divides by B*k (torch.mean over the
(k, B) matrix), the gradient by B only: the gradient is k times the gradient of the loss the
code returns, and the loss is 1/k of the declared one.
"""

import torch

MLP_PARITY = {
    "hidden": "tanh",
    "output": "sigmoid",
    "loss": "bce",
    "layout": "columns",
    "outputs": 3,
}

DIAGNOSIS = ("inconsistent", "scale", "declaration")


def loss_and_grads(params, X, Y):
    W1, b1, W2, b2 = params
    B = X.shape[1]
    H1 = torch.tanh(W1 @ X + b1[:, None])
    A2 = W2 @ H1 + b2[:, None]
    P = torch.sigmoid(A2)
    loss = torch.mean(
        torch.clamp(A2, min=0) - Y * A2 + torch.log1p(torch.exp(-A2.abs()))
    )  # BUG: / (B k)

    dA2 = (P - Y) / B
    dA1 = (W2.T @ dA2) * (1 - H1 * H1)
    return loss, [dA1 @ X.T, dA1.sum(1), dA2 @ H1.T, dA2.sum(1)]

"""The softmax is exp(z) / sum(exp(z)) of the raw logits, without subtracting the row maximum: it overflows to inf/inf = NaN for large logits.

PyTorch, columns layout (Z is (k, B)), integer labels. Right for moderate logits; above
log(max) = 88.7 (float32), 709.8 (float64), 11.1 (float16) exp overflows and the loss and every
gradient become NaN. The fix: subtract Z.max(0) before exp (or use logsumexp).
"""

import torch

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "layout": "columns",
    "outputs": "any",
}

DIAGNOSIS = ("not-finite", "precision")


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params
    B = X.shape[1]
    A1 = W1 @ X + b1[:, None]
    H1 = torch.clamp(A1, min=0)
    Z = W2 @ H1 + b2[:, None]
    E = torch.exp(Z)  # BUG: no Z - Z.max(0) first
    P = E / E.sum(0, keepdim=True)
    cols = torch.arange(B)
    loss = -torch.log(P[y, cols]).sum() / B

    dZ = P.clone()
    dZ[y, cols] -= 1
    dZ /= B
    dW2 = dZ @ H1.T
    db2 = dZ.sum(1)
    dA1 = (W2.T @ dZ) * (A1 > 0)
    return loss, [dA1 @ X.T, dA1.sum(1), dW2, db2]

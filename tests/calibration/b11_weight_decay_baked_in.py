"""backward adds an L2 weight-decay term 1e-4·W to dW1 and dW2, which is not part of L = ½(f − y)².

Copied from a training script where the regulariser lived in the loss; small next to typical
gradients, exact zero when the weights are zero.
"""
import torch

CAUSE = "dW1 and dW2 include an extra weight-decay term 1e-4 * W1 / 1e-4 * W2 that the loss does not contain."
EXPECTED = ("extra-term",)

WEIGHT_DECAY = 1e-4


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    dW1 = torch.outer(da1, x) + WEIGHT_DECAY * W1
    dW2 = r * h[None, :] + WEIGHT_DECAY * W2
    return dW1, da1, dW2, r.reshape(1)

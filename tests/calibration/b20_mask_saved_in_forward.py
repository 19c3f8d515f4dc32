"""forward saves the ReLU mask in a module-level variable and backward uses it instead of the a1 it is given, so backward is wrong whenever another forward ran in between.

Mimics "save for backward" without a context object: correct in the strict forward/backward
alternation of a simple training loop, wrong for any other call order.
"""
import torch

CAUSE = "backward takes the ReLU mask from module state set by the last forward call instead of from its a1 argument, so its result depends on earlier calls."
EXPECTED = ("stateful",)

_saved = {}


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    _saved["mask"] = a1 > 0
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    mask = _saved.get("mask")
    if mask is None or mask.shape != a1.shape:
        mask = a1 > 0
    r = f - y
    da1 = W2[0] * r * mask
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)

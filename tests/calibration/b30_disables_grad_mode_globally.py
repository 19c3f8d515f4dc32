"""forward calls torch.set_grad_enabled(False) as a plain statement ("no autograd here"), which switches autograd off for the whole process and never restores it.

torch.set_grad_enabled only acts as a scope in a with-statement; called bare it sets the global
grad mode, so the caller's later autograd code silently records no graph.
"""
import torch

CAUSE = "A bare torch.set_grad_enabled(False) call in forward disables autograd process-wide and is never undone."
EXPECTED = ("global-state",)


def forward(x, W1, b1, W2, b2):
    torch.set_grad_enabled(False)
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)

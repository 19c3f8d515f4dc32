"""backward re-runs the output layer under torch.enable_grad() and calls torch.autograd.grad, so the "hand-written" gradients come from autograd.

The values are those of the manual formulas (autograd's ReLU'(0) = 0 too); the module breaks the
rule that autograd is not used inside, and a caller running under no_grad/inference_mode gets autograd anyway.
"""
import torch

CAUSE = "backward obtains da1 and dW2 by calling torch.autograd.grad inside torch.enable_grad(), i.e. it uses autograd instead of manual gradients."
EXPECTED = ("uses-autograd",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = (f - y).detach()
    with torch.enable_grad():
        a = a1.detach().clone().requires_grad_(True)
        w = W2.detach().clone().requires_grad_(True)
        out = (w @ torch.relu(a))[0]
        # surrogate with dL/d(out) = r = f - y, the residual of the real loss
        L = out * r
        da1, dW2 = torch.autograd.grad(L, (a, w))
    return torch.outer(da1, x), da1, dW2, r.reshape(1).clone()

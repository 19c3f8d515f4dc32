"""backward builds dW1 in a module-level scratch matrix keyed by shape only, allocated in the dtype of the first call, so later calls of another dtype are rounded through it (and concurrent threads share it).

After a float16 call, a float64 call of the same shape gets dW1 with float16 precision; after a
float64 call everything is right. Two threads calling backward race on the same scratch.
"""
import torch

CAUSE = "A module-level scratch buffer keyed only by (h, d) keeps the first call's dtype, so dW1 of later calls is rounded to that dtype (and the buffer is shared between threads)."
EXPECTED = ("stateful", "precision")

_SCRATCH = {}


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    nh, d = W1.shape
    buf = _SCRATCH.get((nh, d))
    if buf is None:
        buf = _SCRATCH[(nh, d)] = torch.empty(nh, d, dtype=x.dtype, device=x.device)
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    buf.copy_(torch.outer(da1, x))           # reuse memory instead of allocating
    dW1 = buf.to(dtype=x.dtype, device=x.device, copy=True)
    return dW1, da1, r * h[None, :], r.reshape(1)

"""backward caches a float64 copy of W2 keyed by id(W2), so after W2 is updated in place (an SGD step) it keeps using the old weights.

The first call for a given tensor is exactly right (float64 inside, one rounding); every later
call with the same tensor object, whatever its current values, uses the stale copy; a new tensor
that reuses a freed id gets another tensor's weights (wrong values, or a shape error).
"""
import torch

CAUSE = "A float64 copy of W2 is memoised by id(W2), so in-place updates of W2 (or a reused id) make backward use stale weights."
EXPECTED = ("stateful",)

_W2_CACHE = {}


def _w2_64(W2):
    key = id(W2)
    w = _W2_CACHE.get(key)
    if w is None:
        w = W2[0].to(torch.float64, copy=True)   # own copy: immune to the caller's later changes
        _W2_CACHE[key] = w
    return w


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    dt = x.dtype
    r = f.to(torch.float64) - (y.to(torch.float64) if torch.is_tensor(y) else float(y))
    da1 = _w2_64(W2) * r * (a1 > 0)
    dW1 = torch.outer(da1, x.to(torch.float64))
    dW2 = r * h.to(torch.float64)[None, :]
    return dW1.to(dt), da1.to(dt), dW2.to(dt), r.reshape(1).to(dt)

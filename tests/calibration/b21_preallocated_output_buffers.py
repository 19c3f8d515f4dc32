"""backward writes its gradients into module-level buffers (one set per shape/dtype/device) and returns the buffers themselves, so the next call overwrites the caller's earlier results.

Values are right at the moment of return; a caller that keeps last step's gradients (momentum,
gradient accumulation, comparison) sees them change under it.
"""
import torch

CAUSE = "The returned gradients are persistent module-level buffers reused by every call, so outputs alias module state and are overwritten by the next call."
EXPECTED = ("aliased-output", "stateful")

_BUFFERS = {}


def _bufs(nh, d, dtype, device):
    key = (nh, d, dtype, str(device))
    if key not in _BUFFERS:
        _BUFFERS[key] = (
            torch.empty(nh, d, dtype=dtype, device=device),
            torch.empty(nh, dtype=dtype, device=device),
            torch.empty(1, nh, dtype=dtype, device=device),
            torch.empty(1, dtype=dtype, device=device),
        )
    return _BUFFERS[key]


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    nh, d = W1.shape
    dW1, db1, dW2, db2 = _bufs(nh, d, x.dtype, x.device)
    r = f - y
    torch.mul(W2[0] * r, a1 > 0, out=db1)
    torch.outer(db1, x, out=dW1)
    torch.mul(h[None, :], r, out=dW2)
    db2.copy_(r.reshape(1))
    return dW1, db1, dW2, db2

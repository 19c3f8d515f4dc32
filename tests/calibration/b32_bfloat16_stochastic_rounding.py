"""bfloat16 gradients are stochastically rounded from float32 with torch.randint, so two identical calls give different results (and the global RNG is advanced).

Stochastic rounding is a legitimate training technique, but a gradient function must be
deterministic and round to nearest; other dtypes are unaffected.
"""
import torch

CAUSE = "For bfloat16, the float32 gradients are rounded stochastically using the global RNG, so results are nondeterministic (and not round-to-nearest)."
EXPECTED = ("nondeterministic", "global-state")


def _to_dtype(t32, dtype):
    if dtype != torch.bfloat16:
        return t32.to(dtype)
    bits = t32.contiguous().view(torch.int32)
    noise = torch.randint(0, 1 << 16, bits.shape, dtype=torch.int32, device=bits.device)
    # add noise to the bits that are dropped, then truncate (magnitudes only, sign kept)
    out = ((bits + noise) & -65536).view(torch.float32)
    return out.to(torch.bfloat16)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    dt = x.dtype
    up = torch.float64 if dt == torch.float64 else torch.float32
    r = f.to(up) - (y.to(up) if torch.is_tensor(y) else y)
    da1 = W2[0].to(up) * r * (a1 > 0)
    dW1 = torch.outer(da1, x.to(up))
    dW2 = r * h.to(up)[None, :]
    return _to_dtype(dW1, dt), _to_dtype(da1, dt), _to_dtype(dW2, dt), _to_dtype(r.reshape(1), dt)

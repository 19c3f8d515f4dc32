"""correct: every product is an einsum and the ReLU and its derivative are torch.where selections, with loss and backward_batch also in einsum form (batch contractions accumulated in float32 for half dtypes, rounded once).

torch's bfloat16 matmul on CPU flushes subnormal results to zero for larger operands, so the
batch sums over samples are formed in float32 for float16/bfloat16 and rounded once at the end.
"""
import torch

CORRECT = True


def forward(x, W1, b1, W2, b2):
    a1 = torch.einsum("hd,d->h", W1, x) + b1
    h = torch.where(a1 > 0, a1, torch.zeros((), dtype=a1.dtype, device=a1.device))
    f = torch.einsum("oh,h->o", W2, h)[0] + b2[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = torch.where(a1 > 0, torch.einsum("oh,->h", W2, r), torch.zeros((), dtype=x.dtype, device=x.device))
    dW1 = torch.einsum("h,d->hd", da1, x)
    dW2 = torch.einsum(",h->h", r, h).unsqueeze(0)
    db2 = torch.einsum(",o->o", r, torch.ones(1, dtype=x.dtype, device=x.device))
    return dW1, da1, dW2, db2


def loss(f, y):
    r = f - y
    return torch.einsum(",->", r, r) * 0.5


def backward_batch(X, Y, A1, H, F, W1, W2):
    B = X.shape[0]
    R = (F - Y) / B
    dA1 = torch.where(A1 > 0, torch.einsum("b,oh->bh", R, W2), torch.zeros((), dtype=X.dtype, device=X.device))
    dt = X.dtype
    acc = torch.float32 if dt in (torch.float16, torch.bfloat16) else dt
    dW1 = torch.einsum("bh,bd->hd", dA1.to(acc), X.to(acc)).to(dt)
    db1 = torch.einsum("bh->h", dA1.to(acc)).to(dt)
    dW2 = torch.einsum("b,bh->h", R.to(acc), H.to(acc)).unsqueeze(0).to(dt)
    db2 = torch.einsum("b->", R.to(acc)).reshape(1).to(dt)
    return dW1, db1, dW2, db2

"""correct: NumPy implementation that writes every result into a freshly allocated buffer with ufunc out= and applies the ReLU derivative with where= on a zero-filled output.
"""
import numpy as np

CORRECT = True
FRAMEWORK = "numpy"


def forward(x, W1, b1, W2, b2):
    dt = x.dtype
    nh = W1.shape[0]
    a1 = np.empty(nh, dtype=dt)
    np.matmul(W1, x, out=a1)
    np.add(a1, b1, out=a1)
    h = np.empty(nh, dtype=dt)
    np.maximum(a1, dt.type(0), out=h)
    f = np.empty((), dtype=dt)
    f[...] = np.matmul(W2, h)[0] + b2[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    dt = x.dtype
    nh, d = W1.shape
    r = np.empty((), dtype=dt)
    np.subtract(f, np.asarray(y, dtype=dt), out=r)
    da1 = np.zeros(nh, dtype=dt)
    np.multiply(W2[0], r, out=da1, where=a1 > 0)
    dW1 = np.empty((nh, d), dtype=dt)
    np.multiply(da1[:, np.newaxis], x[np.newaxis, :], out=dW1)
    dW2 = np.empty((1, nh), dtype=dt)
    np.multiply(h[np.newaxis, :], r, out=dW2)
    db2 = np.empty(1, dtype=dt)
    db2[0] = r
    return dW1, da1, dW2, db2


def loss(f, y):
    f = np.asarray(f)
    dt = f.dtype
    r = np.empty((), dtype=dt)
    np.subtract(f, np.asarray(y, dtype=dt), out=r)
    out = np.empty((), dtype=dt)
    np.multiply(r, r, out=out)
    np.multiply(out, dt.type(0.5), out=out)
    return out


def backward_batch(X, Y, A1, H, F, W1, W2):
    dt = X.dtype
    B = X.shape[0]
    nh, d = W1.shape
    R = np.empty(B, dtype=dt)
    np.subtract(F, Y, out=R)
    np.divide(R, dt.type(B), out=R)
    dA1 = np.zeros((B, nh), dtype=dt)
    np.multiply(R[:, np.newaxis], W2, out=dA1, where=A1 > 0)
    dW1 = np.empty((nh, d), dtype=dt)
    np.matmul(dA1.T, X, out=dW1)
    db1 = np.empty(nh, dtype=dt)
    np.sum(dA1, axis=0, out=db1)
    dW2 = np.empty((1, nh), dtype=dt)
    np.matmul(R[np.newaxis, :], H, out=dW2)
    db2 = np.empty(1, dtype=dt)
    np.sum(R, out=db2, keepdims=True)
    return dW1, db1, dW2, db2

"""The seed notebook's forward and backward, copied unchanged (sections 6, 7 and 10).

Check them with the harness:  pytest --impl=examples.seed_notebook --dtypes=float64,float32
At float16 and bfloat16 the harness reports that `(a1 > 0).float()` promotes db1 and dW1
to float32.
"""

import torch


def relu_t(x):
    return torch.clamp(x, min=0.0)


def forward_torch(x, W1, b1, W2, b2):
    """
    Single-sample forward pass matching NumPy forward_single.
    x:  (d,)
    W1: (h, d)
    b1: (h,)
    W2: (1, h)
    b2: (1,)
    Returns:
        a1: pre-activation (h,)
        h:  hidden layer (h,)
        f:  scalar output (torch scalar tensor)
    """
    a1 = x @ W1.T + b1  # (h,)
    h = relu_t(a1)
    f = W2 @ h + b2  # (1,)
    return a1, h, f.squeeze()  # scalar tensor


def backward_torch(x, y, a1, h, f, W1, W2):
    """
    Manual chain-rule gradients in PyTorch (no autograd).
    All inputs are torch tensors with requires_grad=False.
    Shapes:
        x:  (d,)
        a1: (h,)
        h:  (h,)
        f:  scalar tensor
        W1: (h, d)
        W2: (1, h)
        y:  scalar tensor
    Returns:
        dW1: (h, d)
        db1: (h,)
        dW2: (1, h)
        db2: (1,)
    """
    # dL/df
    df = f - y  # scalar tensor

    # Output layer
    dW2 = df * h[None, :]  # (1, h)
    db2 = df.unsqueeze(0)  # (1,)

    # Hidden layer
    dh = W2[0] * df  # (h,)
    da1 = dh * (a1 > 0).float()  # ReLU'

    # Input layer
    dW1 = da1[:, None] @ x[None, :]  # (h, d)
    db1 = da1  # (h,)

    return dW1, db1, dW2, db2


forward = forward_torch
backward = backward_torch

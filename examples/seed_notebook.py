"""The seed notebook's code, copied unchanged: sections 6, 7, 8, 10 and 11.

Check its forward and backward with the harness:
    pytest --parity-impl=examples.seed_notebook --parity-dtypes=float64,float32
At float16 and bfloat16 the harness reports that `(a1 > 0).float()` makes da1 float32, and
that the matmul of it with the half-precision x then fails.

Section 11's loop is wrapped in a function taking its globals (the parameters, X, y,
learning_rate, num_epochs) as arguments and returning its loss history: the benchmarks time it
as the baseline users start from. Do not optimise this file; it is kept out of the formatter
so that it stays the notebook's text.
"""

# fmt: off
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


# ============================================
# 8. Loss Function (match NumPy exactly)
# ============================================

def mse_loss_t(f, y):
    """
    Mean-squared error loss for a single sample.
    Matches the NumPy definition L = 0.5 * (f - y)**2.
    f: torch scalar tensor
    y: torch scalar tensor (float32)
    Returns: torch scalar tensor
    """
    return 0.5 * (f - y)**2


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


# ============================================
# 11. Tiny Training Loop (manual SGD, no autograd)
# ============================================

def train_notebook(W1_t, b1_t, W2_t, b2_t, X, y, learning_rate=0.1, num_epochs=50):
    """The notebook's section 11 loop; updates the four tensors in place."""
    N = X.shape[0]

    loss_history = []

    for epoch in range(1, num_epochs + 1):
        epoch_loss = 0.0

        for i in range(N):
            x_i = X[i]       # (d,)
            y_i = y[i]       # scalar tensor

            # Forward
            a1, h, f = forward_torch(x_i, W1_t, b1_t, W2_t, b2_t)  # f is scalar tensor
            loss = mse_loss_t(f, y_i)

            # Backward (manual)
            dW1, db1, dW2, db2 = backward_torch(x_i, y_i, a1, h, f, W1_t, W2_t)

            # SGD update (in-place)
            W1_t -= learning_rate * dW1
            b1_t -= learning_rate * db1
            W2_t -= learning_rate * dW2
            b2_t -= learning_rate * db2

            epoch_loss += loss.item()

        epoch_loss /= N
        loss_history.append(epoch_loss)

        if epoch % 10 == 0:
            print(f"epoch {epoch:03d} | mean loss {epoch_loss:.4f}")

    return loss_history


forward = forward_torch
backward = backward_torch

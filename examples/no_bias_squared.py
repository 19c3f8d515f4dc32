"""A two-layer network without biases: rows layout, ReLU, the squared error without 1/2.

L = mean over the batch of ||f - y||^2, f = relu(X W1) W2, written in PyTorch with
manual gradients. Checked with:  mlp-parity check examples/no_bias_squared.py
"""

MLP_PARITY = {
    "hidden": "relu",
    "loss": "squared",
    "reduction": "mean",
    "layout": "rows",
    "bias": False,
    "outputs": 2,
}


def loss_and_grads(params, X, Y):
    W1, W2 = params
    A = X @ W1
    H = A.clamp(min=0)
    F = H @ W2
    R = F - Y
    n = X.shape[0]
    loss = (R * R).sum() / n
    dF = 2 * R / n
    dW2 = H.T @ dF
    dA = (dF @ W2.T) * (A > 0)
    dW1 = X.T @ dA
    return loss, [dW1, dW2]

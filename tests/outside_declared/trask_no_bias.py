"""The "neural network in 11 lines of Python" style (iamtrask, part 1): a 3-layer network
l0 -> l1 -> l2 with sigmoid units, weight matrices syn0 (n_in x n_hidden) and syn1
(n_hidden x n_out), no biases, the whole batch at once (rows layout), nonlin(x, deriv=True)
taking the sigmoid's OUTPUT, error y - l2 and the update syn += alpha * l.T.dot(delta)
done in place.  That is plain gradient descent on E = 1/2 sum over samples and outputs of
(y - l2)^2: a sum over the batch, half squared error.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "sigmoid",
    "output": "sigmoid",
    "loss": "half_squared",
    "reduction": "sum",
    "batch": "batched",
    "layout": "rows",
    "targets": "matrix",
    "bias": False,
    "depth": 1,
    "outputs": "any",
    "params": "list",
    "framework": "numpy",
}
EXPECTED_VERDICT = "pass"


# sigmoid function
def nonlin(x, deriv=False):
    if deriv:
        return x * (1 - x)
    return 1 / (1 + np.exp(-x))


def train_step(X, y, syn0, syn1, alpha=1.0):
    # Feed forward through layers 0, 1, and 2
    l0 = X
    l1 = nonlin(np.dot(l0, syn0))
    l2 = nonlin(np.dot(l1, syn1))

    # how much did we miss the target value?
    l2_error = y - l2

    # in what direction is the target value?
    l2_delta = l2_error * nonlin(l2, deriv=True)

    # how much did each l1 value contribute to the l2 error (according to the weights)?
    l1_error = l2_delta.dot(syn1.T)

    # in what direction is the target l1?
    l1_delta = l1_error * nonlin(l1, deriv=True)

    syn1 += alpha * l1.T.dot(l2_delta)
    syn0 += alpha * l0.T.dot(l1_delta)
    return l2_error


# ---- mlp-parity glue (no arithmetic) ----
def sgd_step(params, X, y, lr):
    syn0, syn1 = params
    train_step(X, y, syn0, syn1, alpha=lr)

# buggy variant of dlai_l_layer.py -- see BUG below.
"""L-layer deep network in the style of the deeplearning.ai "Deep Neural Network - Application"
assignment (initialize_parameters_deep / L_model_forward / compute_cost / L_model_backward) with
the L2 regularisation of course 2 ("compute_cost_with_regularization", lambd / m):
columns layout (X is n_x x m, W[l] is n[l] x n[l-1], b[l] is n[l] x 1), ReLU hidden layers,
sigmoid output, cross-entropy cost averaged over the m examples, parameters dict "W1", "b1", ...
and a grads dict "dW1", "db1", "dA0", ... built from the caches.
The cross-entropy is evaluated from the last linear output Z[L] (log(1 + exp(-Z)) form) and
dZ[L] = A[L] - Y, so that it stays finite when the sigmoid saturates.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "bce",
    "labels": "one_hot",
    "reduction": "mean",
    "batch": "batched",
    "layout": "columns",
    "targets": "matrix",
    "bias": True,
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "relu_grad_at_zero": 0,
    "params": "dict",
    "framework": "numpy",
    "penalty": {"l2": 0.7, "form": "half", "per_sample": True},
}
EXPECTED_VERDICT = "fail"
BUG = "the L2 cost adds np.linalg.norm(W) (the Frobenius norm, not its square) while the gradient (lambd / m) * W is that of the squared norm: the loss value is wrong and the gradient is not its gradient"

LAMBD = 0.7


def sigmoid(Z):
    A = 1 / (1 + np.exp(-Z))
    cache = Z
    return A, cache


def relu(Z):
    A = np.maximum(0, Z)
    cache = Z
    return A, cache


def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True)  # just converting dz to a correct object.
    # When z <= 0, you should set dz to 0 as well.
    dZ[Z <= 0] = 0
    return dZ


def linear_forward(A, W, b):
    Z = np.dot(W, A) + b
    cache = (A, W, b)
    return Z, cache


def linear_activation_forward(A_prev, W, b, activation):
    if activation == "sigmoid":
        Z, linear_cache = linear_forward(A_prev, W, b)
        A, activation_cache = sigmoid(Z)
    elif activation == "relu":
        Z, linear_cache = linear_forward(A_prev, W, b)
        A, activation_cache = relu(Z)
    cache = (linear_cache, activation_cache)
    return A, cache


def L_model_forward(X, parameters):
    """[LINEAR->RELU]*(L-1)->LINEAR->SIGMOID; returns AL and the list of caches."""
    caches = []
    A = X
    L = len(parameters) // 2  # number of layers in the neural network
    for l in range(1, L):
        A_prev = A
        A, cache = linear_activation_forward(
            A_prev, parameters["W" + str(l)], parameters["b" + str(l)], "relu"
        )
        caches.append(cache)
    AL, cache = linear_activation_forward(
        A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid"
    )
    caches.append(cache)
    return AL, caches


def compute_cost_with_regularization(AL, Y, caches, parameters, lambd):
    """Cross-entropy cost (1/m) * sum(-(Y log AL + (1-Y) log(1-AL))) plus (1/m)(lambd/2) sum ||W||^2.
    The logs are taken from ZL: -log(sigmoid(Z)) = log(1 + exp(-Z)), -log(1 - sigmoid(Z)) = log(1 + exp(Z))."""
    m = Y.shape[1]
    L = len(parameters) // 2
    ZL = caches[-1][1]
    cross_entropy_cost = (1.0 / m) * np.sum(
        Y * np.logaddexp(0, -ZL) + (1 - Y) * np.logaddexp(0, ZL), keepdims=True
    )
    L2_regularization_cost = 0
    for l in range(1, L + 1):
        L2_regularization_cost += np.linalg.norm(parameters["W" + str(l)])
    L2_regularization_cost = (1.0 / m) * (lambd / 2) * L2_regularization_cost
    cost = cross_entropy_cost + L2_regularization_cost
    cost = np.squeeze(
        cost
    )  # To make sure your cost's shape is what we expect (e.g. this turns [[17]] into 17).
    return cost


def linear_backward(dZ, cache, lambd):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1.0 / m * np.dot(dZ, A_prev.T) + (lambd / m) * W
    db = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation, lambd):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
        dA_prev, dW, db = linear_backward(dZ, linear_cache, lambd)
    return dA_prev, dW, db


def L_model_backward(AL, Y, caches, lambd):
    """Returns grads with grads["dA" + str(l)], grads["dW" + str(l)], grads["db" + str(l)]."""
    grads = {}
    L = len(caches)  # the number of layers
    Y = Y.reshape(AL.shape)  # after this line, Y is the same shape as AL

    # Sigmoid + cross-entropy: dZL = AL - Y
    dZL = AL - Y
    current_cache = caches[L - 1]
    linear_cache, activation_cache = current_cache
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = linear_backward(
        dZL, linear_cache, lambd
    )

    # Loop from l=L-2 to l=0
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(
            grads["dA" + str(l + 1)], current_cache, "relu", lambd
        )
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads


# ---- mlp-parity glue (no arithmetic) ----
def loss_and_grads(params, X, Y):
    AL, caches = L_model_forward(X, params)
    cost = compute_cost_with_regularization(AL, Y, caches, params, LAMBD)
    grads = L_model_backward(AL, Y, caches, LAMBD)
    return cost, grads


def forward(params, X):
    """Activations A1 ... AL of every layer (each linear cache holds the A_prev it was fed)."""
    AL, caches = L_model_forward(X, params)
    return [linear_cache[0] for (linear_cache, activation_cache) in caches[1:]] + [AL]

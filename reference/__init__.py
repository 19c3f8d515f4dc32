"""NumPy reference implementation of f = W2 ReLU(W1 x + b1) + b2 with L = 1/2 (f - y)^2."""

from .data import init_params, make_quadrant_data
from .mlp import (
    DTYPES,
    backward,
    backward_batch,
    forward,
    forward_batch,
    loss,
    loss_batch,
    relu,
)
from .train import (
    accuracy,
    minibatch_order,
    train,
    train_minibatch,
    train_minibatch_trajectory,
    train_trajectory,
)

__all__ = [
    "DTYPES",
    "accuracy",
    "backward",
    "backward_batch",
    "forward",
    "forward_batch",
    "init_params",
    "loss",
    "loss_batch",
    "make_quadrant_data",
    "minibatch_order",
    "relu",
    "train",
    "train_minibatch",
    "train_minibatch_trajectory",
    "train_trajectory",
]

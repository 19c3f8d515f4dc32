"""The seed network in PyTorch with manual gradients (no autograd)."""

from impl.mlp import (
    DTYPES,
    backward,
    backward_batch,
    forward,
    forward_batch,
    loss,
    loss_batch,
    relu,
)
from impl.train import (
    accuracy,
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
    "loss",
    "loss_batch",
    "relu",
    "train",
    "train_minibatch",
    "train_minibatch_trajectory",
    "train_trajectory",
]

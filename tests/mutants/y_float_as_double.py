"""backward keeps a target given as a Python float in double precision "for accuracy"
(torch.tensor(y, dtype=torch.float64)): r = f - y of two 0-d tensors then promotes to float64,
and db2 comes back float64 for float32, float16 and bfloat16 inputs.

Every value is right, and every dtype is right when y comes as a tensor."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("dtype",)


def backward(x, y, a1, h, f, W1, W2):
    if isinstance(y, float):
        y = torch.tensor(y, dtype=torch.float64, device=x.device)
    return _backward(x, y, a1, h, f, W1, W2)

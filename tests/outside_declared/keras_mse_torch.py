"""A from-scratch re-implementation of a small Keras Sequential regression model in PyTorch
tensors, with hand-written backward passes (no autograd):

    model = Sequential([Dense(h1, activation='tanh'), Dense(h2, activation='relu'),
                        Dense(h3), Dense(k)])
    model.compile(loss='mse')

Dense keeps Keras's conventions: kernel of shape (input_dim, units), bias of shape (units,),
y = activation(inputs @ kernel + bias); activation=None is linear.  Keras's
mean_squared_error is mean(square(y_pred - y_true), axis=-1), i.e. a mean over the outputs,
and the compiled loss then averages over the batch.  The loss comes back as a 0-d tensor.
"""

import torch

MLP_PARITY = {
    "hidden": ["tanh", "relu", "identity"],
    "output": "identity",
    "loss": "squared",
    "reduction": "mean",
    "output_reduction": "mean",
    "batch": "batched",
    "layout": "rows",
    "targets": "matrix",
    "bias": True,
    "bias_shape": "flat",
    "depth": 3,
    "outputs": "any",
    "relu_grad_at_zero": 0,
    "params": "list",
    "framework": "torch",
}
EXPECTED_VERDICT = "pass"


class Dense:
    def __init__(self, kernel, bias, activation=None):
        self.kernel = kernel
        self.bias = bias
        self.activation = activation

    def __call__(self, inputs):
        self.inputs = inputs
        self.z = inputs @ self.kernel + self.bias
        if self.activation == "tanh":
            self.outputs = torch.tanh(self.z)
        elif self.activation == "relu":
            self.outputs = torch.relu(self.z)
        else:
            self.outputs = self.z
        return self.outputs

    def backward(self, grad_outputs):
        if self.activation == "tanh":
            grad_z = grad_outputs * (1 - self.outputs**2)
        elif self.activation == "relu":
            grad_z = grad_outputs * (self.z > 0).to(grad_outputs.dtype)
        else:
            grad_z = grad_outputs
        self.grad_kernel = self.inputs.T @ grad_z
        self.grad_bias = grad_z.sum(dim=0)
        return grad_z @ self.kernel.T


def mean_squared_error(y_true, y_pred):
    return torch.mean(torch.square(y_pred - y_true), dim=-1)


def mean_squared_error_grad(y_true, y_pred):
    """d/dy_pred of mean over the batch of mean_squared_error."""
    batch_size, units = y_pred.shape
    return 2.0 * (y_pred - y_true) / (batch_size * units)


class Sequential:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def train_on_batch_grads(self, x, y):
        y_pred = self(x)
        loss = torch.mean(mean_squared_error(y, y_pred))
        grad = mean_squared_error_grad(y, y_pred)
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return loss, [g for layer in self.layers for g in (layer.grad_kernel, layer.grad_bias)]


def build_model(params):
    activations = ["tanh", "relu", None, None]
    return Sequential([Dense(params[2 * i], params[2 * i + 1], activations[i]) for i in range(4)])


# ---- mlp-parity glue (no arithmetic) ----
def loss_and_grads(params, X, Y):
    return build_model(params).train_on_batch_grads(X, Y)


def forward(params, X):
    model = build_model(params)
    model(X)
    return [layer.outputs for layer in model.layers]

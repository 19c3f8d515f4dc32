# buggy variant of raschka_mlp.py -- see BUG below.
"""NeuralNetMLP in the style of Sebastian Raschka's "Python Machine Learning" (chapter 12):
one hidden layer of sigmoid units, sigmoid outputs, class labels one-hot encoded by the model
(_onehot), the logistic cost summed over the samples and the output units, L2 and L1
penalties on the weights only, written (lambda / 2) * sum(w**2) and (lambda / 2) * sum(|w|)
as in the first edition, with separate bias vectors and the rows layout (w_h is
n_features x n_hidden) of the second edition.  Split into _forward / _compute_cost /
_get_gradient as the first edition's _feedforward / _get_cost / _get_gradient.
The cost is evaluated from the net input z_out, log(1 + exp(-z)) form, so it stays finite
when the sigmoid saturates; the L1 gradient is (l1 / 2) * sign(w), the derivative of the cost.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "sigmoid",
    "output": "sigmoid",
    "loss": "bce",
    "labels": "index",
    "reduction": "sum",
    "batch": "batched",
    "layout": "rows",
    "bias": True,
    "bias_shape": "flat",
    "depth": 1,
    "outputs": "any",
    "params": "list",
    "framework": "numpy",
    "penalty": {"l2": 0.01, "l1": 0.02, "form": "half"},
}
EXPECTED_VERDICT = "fail"
BUG = "as in the book's first edition: the cost adds (l1 / 2) * sum|w| but the gradient adds l1 * sign(w), twice the cost's L1 gradient"

L2 = 0.01
L1 = 0.02


class NeuralNetMLP(object):
    """Feedforward neural network / Multi-layer perceptron classifier.

    Parameters
    ------------
    n_hidden : int (default: 30)
        Number of hidden units.
    l2 : float (default: 0.)
        Lambda value for L2-regularization.
    l1 : float (default: 0.)
        Lambda value for L1-regularization.
    """

    def __init__(
        self,
        n_hidden=30,
        l2=0.0,
        l1=0.0,
        epochs=100,
        eta=0.001,
        shuffle=True,
        minibatch_size=1,
        seed=None,
    ):
        self.random = np.random.RandomState(seed)
        self.n_hidden = n_hidden
        self.l2 = l2
        self.l1 = l1
        self.epochs = epochs
        self.eta = eta
        self.shuffle = shuffle
        self.minibatch_size = minibatch_size

    def set_weights(self, w_h, b_h, w_out, b_out):
        self.w_h, self.b_h, self.w_out, self.b_out = w_h, b_h, w_out, b_out

    def _onehot(self, y, n_classes):
        """Encode labels into one-hot representation

        Parameters
        ------------
        y : array, shape = [n_samples]
            Target values.

        Returns
        -----------
        onehot : array, shape = (n_samples, n_labels)
        """
        onehot = np.zeros((n_classes, y.shape[0]), dtype=self.w_out.dtype)
        for idx, val in enumerate(y.astype(int)):
            onehot[val, idx] = 1.0
        return onehot.T

    def _sigmoid(self, z):
        """Compute logistic function (sigmoid)"""
        return 1.0 / (1.0 + np.exp(-np.clip(z, -250, 250)))

    def _forward(self, X):
        """Compute forward propagation step"""
        # step 1: net input of hidden layer
        # [n_samples, n_features] dot [n_features, n_hidden] -> [n_samples, n_hidden]
        z_h = np.dot(X, self.w_h) + self.b_h
        # step 2: activation of hidden layer
        a_h = self._sigmoid(z_h)
        # step 3: net input of output layer
        # [n_samples, n_hidden] dot [n_hidden, n_classlabels] -> [n_samples, n_classlabels]
        z_out = np.dot(a_h, self.w_out) + self.b_out
        # step 4: activation output layer
        a_out = self._sigmoid(z_out)
        return z_h, a_h, z_out, a_out

    def _L2_reg(self, lambda_, w_h, w_out):
        """Compute L2-regularization cost"""
        return (lambda_ / 2.0) * (np.sum(w_h**2) + np.sum(w_out**2))

    def _L1_reg(self, lambda_, w_h, w_out):
        """Compute L1-regularization cost"""
        return (lambda_ / 2.0) * (np.abs(w_h).sum() + np.abs(w_out).sum())

    def _compute_cost(self, y_enc, z_out):
        """Compute cost function.

        y_enc : array, shape = (n_samples, n_labels) one-hot encoded class labels.
        z_out : array, shape = [n_samples, n_output_units] net input of the output layer.
        -y log(sigmoid(z)) = log(1 + exp(-z)); -(1 - y) log(1 - sigmoid(z)) = (1 - y) log(1 + exp(z))
        """
        term1 = y_enc * np.logaddexp(0.0, -z_out)
        term2 = (1.0 - y_enc) * np.logaddexp(0.0, z_out)
        cost = np.sum(term1 + term2)
        L1_term = self._L1_reg(self.l1, self.w_h, self.w_out)
        L2_term = self._L2_reg(self.l2, self.w_h, self.w_out)
        cost = cost + L1_term + L2_term
        return cost

    def _get_gradient(self, X, a_h, a_out, y_enc):
        """Compute gradient step using backpropagation."""
        # [n_samples, n_classlabels]
        sigma_out = a_out - y_enc

        # [n_samples, n_hidden]
        sigmoid_derivative_h = a_h * (1.0 - a_h)

        # [n_samples, n_classlabels] dot [n_classlabels, n_hidden] -> [n_samples, n_hidden]
        sigma_h = np.dot(sigma_out, self.w_out.T) * sigmoid_derivative_h

        # [n_features, n_samples] dot [n_samples, n_hidden] -> [n_features, n_hidden]
        grad_w_h = np.dot(X.T, sigma_h)
        grad_b_h = np.sum(sigma_h, axis=0)

        # [n_hidden, n_samples] dot [n_samples, n_classlabels] -> [n_hidden, n_classlabels]
        grad_w_out = np.dot(a_h.T, sigma_out)
        grad_b_out = np.sum(sigma_out, axis=0)

        # regularize (the bias is not regularized)
        grad_w_h += self.l2 * self.w_h
        grad_w_h += self.l1 * np.sign(self.w_h)
        grad_w_out += self.l2 * self.w_out
        grad_w_out += self.l1 * np.sign(self.w_out)

        return grad_w_h, grad_b_h, grad_w_out, grad_b_out


# ---- mlp-parity glue (no arithmetic) ----
def loss_and_grads(params, X, y):
    nn = NeuralNetMLP(n_hidden=params[0].shape[1], l2=L2, l1=L1)
    nn.set_weights(*params)
    y_enc = nn._onehot(y, params[2].shape[1])
    z_h, a_h, z_out, a_out = nn._forward(X)
    cost = nn._compute_cost(y_enc=y_enc, z_out=z_out)
    grads = nn._get_gradient(X, a_h, a_out, y_enc)
    return cost, list(grads)

# buggy variant of saito_two_layer.py -- see BUG below.
"""TwoLayerNet in the style of "Deep Learning from Scratch" (Koki Saito), chapter 5
(ch05/two_layer_net.py with common/layers.py): params dict, an OrderedDict of layer objects
(Affine1, Relu1, Affine2) and a SoftmaxWithLoss last layer, forward then backward(dout=1),
gradient(x, t) returning a grads dict keyed like params.  Targets t are one-hot rows
(load_mnist(one_hot_label=True)); the loss is the mean over the batch.
The cross-entropy is taken from log-softmax (no "+ 1e-7" inside the log), so it is exact
for one-hot and for probability rows.
"""

from collections import OrderedDict

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "output": "identity",
    "loss": "softmax_cross_entropy",
    "labels": "one_hot",
    "reduction": "mean",
    "batch": "batched",
    "layout": "rows",
    "bias": True,
    "bias_shape": "flat",
    "depth": 1,
    "outputs": "any",
    "relu_grad_at_zero": 0,
    "params": "dict",
    "framework": "numpy",
}
EXPECTED_VERDICT = "fail"
BUG = "SoftmaxWithLoss.backward returns y - t without / batch_size while the loss is the batch mean: all gradients are B times too large"


# ------------------------------------------------------------- common/functions.py
def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)  # オーバーフロー対策
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def log_softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    return x - np.log(np.sum(np.exp(x), axis=-1, keepdims=True))


def cross_entropy_error_from_logits(x, t):
    if x.ndim == 1:
        t = t.reshape(1, t.size)
        x = x.reshape(1, x.size)
    batch_size = x.shape[0]
    return -np.sum(t * log_softmax(x)) / batch_size


# ------------------------------------------------------------- common/layers.py
class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        dx = dout
        return dx


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        # 重み・バイアスパラメータの微分
        self.dW = None
        self.db = None

    def forward(self, x):
        # テンソル対応
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x
        out = np.dot(self.x, self.W) + self.b
        return out

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        dx = dx.reshape(*self.original_x_shape)  # 入力データの形状に戻す（テンソル対応）
        return dx


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None  # softmaxの出力
        self.t = None  # 教師データ

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error_from_logits(x, self.t)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        dx = self.y - self.t
        return dx


# ------------------------------------------------------------- ch05/two_layer_net.py
class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01, params=None):
        # 重みの初期化
        if params is not None:
            self.params = dict(params)
        else:
            self.params = {}
            self.params["W1"] = weight_init_std * np.random.randn(input_size, hidden_size)
            self.params["b1"] = np.zeros(hidden_size)
            self.params["W2"] = weight_init_std * np.random.randn(hidden_size, output_size)
            self.params["b2"] = np.zeros(output_size)

        # レイヤの生成
        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(self.params["W1"], self.params["b1"])
        self.layers["Relu1"] = Relu()
        self.layers["Affine2"] = Affine(self.params["W2"], self.params["b2"])

        self.lastLayer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    # x:入力データ, t:教師データ
    def loss(self, x, t):
        y = self.predict(x)
        return self.lastLayer.forward(y, t)

    def gradient(self, x, t):
        # forward
        self.loss(x, t)

        # backward
        dout = 1
        dout = self.lastLayer.backward(dout)

        layers = list(self.layers.values())
        layers.reverse()
        for layer in layers:
            dout = layer.backward(dout)

        # 設定
        grads = {}
        grads["W1"], grads["b1"] = self.layers["Affine1"].dW, self.layers["Affine1"].db
        grads["W2"], grads["b2"] = self.layers["Affine2"].dW, self.layers["Affine2"].db

        return grads


# ---- mlp-parity glue (no arithmetic) ----
def loss_and_grads(params, X, Y):
    net = TwoLayerNet(None, None, None, params=params)
    grads = net.gradient(X, Y)
    return net.lastLayer.loss, grads

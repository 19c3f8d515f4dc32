# buggy variant of rashid_nn.py -- see BUG below.
"""neuralNetwork class in the style of Tariq Rashid's "Make Your Own Neural Network":
one hidden layer, link weights wih (hidden x input) and who (output x hidden), no biases,
sigmoid activation, train(inputs_list, targets_list) fed ONE record at a time as a flat list,
turned into a column with numpy.array(..., ndmin=2).T, errors = targets - outputs, and the
update self.who += lr * dot(errors * out * (1 - out), hidden.T) done in place -- gradient
descent on 1/2 sum (target - output)^2 for that record.
"""

import numpy

MLP_PARITY = {
    "hidden": "sigmoid",
    "output": "sigmoid",
    "loss": "half_squared",
    "batch": "per-sample",
    "sample_shape": "flat",
    "layout": "columns",
    "bias": False,
    "depth": 1,
    "outputs": "any",
    "params": "list",
    "framework": "numpy",
}
EXPECTED_VERDICT = "fail"
BUG = "as printed in the book: hidden_errors = who.T . output_errors splits the raw output errors without the output sigmoid's slope final_outputs * (1 - final_outputs), so the input-to-hidden update is not the gradient of the squared error"


# neural network class definition
class neuralNetwork:
    # initialise the neural network
    def __init__(self, inputnodes, hiddennodes, outputnodes, learningrate, wih=None, who=None):
        self.inodes = inputnodes
        self.hnodes = hiddennodes
        self.onodes = outputnodes
        # link weight matrices, wih and who; weights inside the arrays are w_i_j, where link is
        # from node i to node j in the next layer
        if wih is None:
            self.wih = numpy.random.normal(0.0, pow(self.inodes, -0.5), (self.hnodes, self.inodes))
            self.who = numpy.random.normal(0.0, pow(self.hnodes, -0.5), (self.onodes, self.hnodes))
        else:
            self.wih = wih
            self.who = who
        # learning rate
        self.lr = learningrate
        # activation function is the sigmoid function
        self.activation_function = lambda x: 1.0 / (1.0 + numpy.exp(-x))

    # train the neural network
    def train(self, inputs_list, targets_list):
        # convert inputs list to 2d array
        inputs = numpy.array(inputs_list, ndmin=2).T
        targets = numpy.array(targets_list, ndmin=2).T

        # calculate signals into hidden layer
        hidden_inputs = numpy.dot(self.wih, inputs)
        # calculate the signals emerging from hidden layer
        hidden_outputs = self.activation_function(hidden_inputs)

        # calculate signals into final output layer
        final_inputs = numpy.dot(self.who, hidden_outputs)
        # calculate the signals emerging from final output layer
        final_outputs = self.activation_function(final_inputs)

        # output layer error is the (target - actual)
        output_errors = targets - final_outputs
        # hidden layer error is the output_errors, split by weights, recombined at hidden nodes
        hidden_errors = numpy.dot(self.who.T, output_errors)

        # update the weights for the links between the hidden and output layers
        self.who += self.lr * numpy.dot(
            (output_errors * final_outputs * (1.0 - final_outputs)), numpy.transpose(hidden_outputs)
        )

        # update the weights for the links between the input and hidden layers
        self.wih += self.lr * numpy.dot(
            (hidden_errors * hidden_outputs * (1.0 - hidden_outputs)), numpy.transpose(inputs)
        )


# ---- mlp-parity glue (no arithmetic) ----
def sgd_step(params, x, y, lr):
    wih, who = params
    n = neuralNetwork(wih.shape[1], wih.shape[0], who.shape[0], lr, wih=wih, who=who)
    n.train(x, y)

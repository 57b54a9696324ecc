"""Realistic mistakes in ch04-activations; tests/test_mistakes.py checks that the hidden tests catch each one."""

_LGN = '''
def layer_grad_norms(weights, X, Y, activation):
    act, act_grad = {"logistic": (sigmoid, sigmoid_grad), "tanh": (np.tanh, tanh_grad),
                     "relu": (relu, relu_grad)}[activation]
    Ws = [np.asarray(W, dtype=float) for W in weights]
    h = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    inputs, nets = [], []
    for l, W in enumerate(Ws):
        inputs.append(h)
        z = h @ W
        nets.append(z)
        h = act(z) if l < len(Ws) - 1 else z
    delta = (h - Y) / len(Y)
    norms = np.zeros(len(Ws))
    for l in range(len(Ws) - 1, -1, -1):
        norms[l] = np.linalg.norm(inputs[l].T @ delta)
        if l > 0:
            delta = (delta @ Ws[l].T) * act_grad(nets[l - 1])
    return norms
'''

_FVL = '''
def first_vanishing_layer(depth, activation, threshold, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(32, 16))
    Y = rng.normal(size=(32, 1))
    sizes = [16] * depth + [1]
    weights = [rng.normal(size=(a, b)) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
    norms = layer_grad_norms(weights, X, Y, activation)
    relative = norms / norms[-1]
    for l in range(depth - 1, -1, -1):
        if relative[l] < threshold:
            return l
    return -1
'''


_DN = '''
def delta_norms(weights, X, Y, activation):
    act, act_grad = {"logistic": (sigmoid, sigmoid_grad), "tanh": (np.tanh, tanh_grad),
                     "relu": (relu, relu_grad)}[activation]
    h = np.asarray(X, dtype=float)
    inputs, nets = [], []
    for l, W in enumerate(weights):
        inputs.append(h)
        z = h @ np.asarray(W, dtype=float)
        nets.append(z)
        h = act(z) if l < len(weights) - 1 else z
    delta = (h - np.asarray(Y, dtype=float)) / len(Y)
    norms = []
    for l in range(len(weights) - 1, -1, -1):
        norms.append(np.linalg.norm(delta))
        if l > 0:
            delta = (delta @ np.asarray(weights[l], dtype=float).T) * act_grad(nets[l - 1])
    return np.array(norms[::-1])
'''

_DSF = '''
def delta_shrink_factor(activation, gain, depth=20, width=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(256, width))
    Y = rng.normal(size=(256, 1))
    sizes = [width] * depth + [1]
    weights = [rng.normal(size=(a, b)) * gain / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
    hidden = delta_norms(weights, X, Y, activation)[:-1]
    return float((hidden[-1] / hidden[0]) ** (1.0 / (depth - 2)))
'''


def _variant(base, old, new):
    assert base.count(old) == 1, old
    return base.replace(old, new)


MISTAKES = [
    # Part 1: sigmoid, sigmoid_grad
    {"name": "sigmoid-naive-overflows",
     "code": '''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return 1.0 / (1.0 + np.exp(-z))
''',
     "loses": ["test_sigmoid"], "hint": ["exp(-|z|)"]},
    {"name": "sigmoid-computed-in-integer-dtype",
     "code": '''
def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(np.asarray(z) >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
''',
     "loses": ["test_sigmoid"], "hint": ["uint8", "float64"]},
    {"name": "sigmoid-one-minus-loses-precision",
     "code": '''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), 1.0 - 1.0 / (1.0 + e))
''',
     "loses": ["test_sigmoid"], "hint": ["do not subtract from 1"]},
    {"name": "sigmoid-grad-applied-to-z",
     "code": '''
def sigmoid_grad(z):
    z = np.asarray(z, dtype=float)
    return z * (1.0 - z)
''',
     "loses": ["test_sigmoid"], "hint": ["not to z"]},
    # Part 2: tanh_grad, relu, relu_grad
    {"name": "tanh-grad-of-z",
     "code": '''
def tanh_grad(z):
    z = np.asarray(z, dtype=float)
    return 1.0 - z ** 2
''',
     "loses": ["test_relu"], "hint": ["tanh(z)**2"]},
    {"name": "tanh-grad-in-float16-for-small-ints",
     "code": '''
def tanh_grad(z):
    t = np.tanh(z)
    return 1.0 - t * t
''',
     "loses": ["test_relu"], "hint": ["float16"]},
    {"name": "relu-clips-in-place",
     "code": '''
def relu(z):
    z = np.asarray(z, dtype=float)
    z[z < 0] = 0.0
    return z
''',
     "loses": ["test_relu"], "hint": ["in place"]},
    {"name": "relu-grad-one-at-zero",
     "code": '''
def relu_grad(z):
    return (np.asarray(z, dtype=float) >= 0).astype(float)
''',
     "loses": ["test_relu"], "hint": ["z > 0"]},
    # Part 3: softplus, softplus_grad
    {"name": "softplus-literal-overflows",
     "code": '''
def softplus(z):
    z = np.asarray(z, dtype=float)
    return np.log(1.0 + np.exp(z))
''',
     "loses": ["test_softplus"], "hint": ["log1p"]},
    {"name": "softplus-log-instead-of-log1p",
     "code": '''
def softplus(z):
    z = np.asarray(z, dtype=float)
    return np.maximum(z, 0.0) + np.log(1.0 + np.exp(-np.abs(z)))
''',
     "loses": ["test_softplus"], "hint": ["log1p"]},
    {"name": "softplus-computed-in-integer-dtype",
     "code": '''
def softplus(z):
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
''',
     "loses": ["test_softplus"], "hint": ["uint8"]},
    {"name": "softplus-grad-is-sigmoid-grad",
     "code": '''
def softplus_grad(z):
    return sigmoid_grad(z)
''',
     "loses": ["test_softplus"], "hint": ["sigma itself"]},
    # Part 4: softmax
    {"name": "softmax-no-shift",
     "code": '''
def softmax(a, axis=-1):
    e = np.exp(np.asarray(a, dtype=float))
    return e / np.sum(e, axis=axis, keepdims=True)
''',
     "loses": ["test_softmax"], "hint": ["subtract the largest score"]},
    {"name": "softmax-axis-0",
     "code": '''
def softmax(a, axis=-1):
    a = np.asarray(a, dtype=float)
    e = np.exp(a - np.max(a, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
''',
     "loses": ["test_softmax"], "hint": ["axis"]},
    {"name": "softmax-global-max",
     "code": '''
def softmax(a, axis=-1):
    a = np.asarray(a, dtype=float)
    e = np.exp(a - np.max(a))
    return e / np.sum(e, axis=axis, keepdims=True)
''',
     "loses": ["test_softmax"], "hint": ["largest score of each distribution"]},
    {"name": "softmax-shift-in-uint8",
     "code": '''
def softmax(a, axis=-1):
    e = np.exp(a - np.max(a, axis=axis, keepdims=True)).astype(float)
    return e / np.sum(e, axis=axis, keepdims=True)
''',
     "loses": ["test_softmax"], "hint": ["wrap", "uint8"]},
    # Part 4b: the prediction
    {"name": "bound-one-layer-only",
     "code": "answer_vanishing_bound = 0.25\n",
     "loses": ["test_answer_vanishing_bound"], "hint": ["ONE layer"]},
    {"name": "bound-sigma-not-its-slope",
     "code": "answer_vanishing_bound = 0.5 ** 10\n",
     "loses": ["test_answer_vanishing_bound"], "hint": ["value of sigma(0)"]},
    {"name": "bound-slopes-added",
     "code": "answer_vanishing_bound = 10 * 0.25\n",
     "loses": ["test_answer_vanishing_bound"], "hint": ["MULTIPLIES"]},
    # Part 5: layer_grad_norms
    {"name": "norms-reversed",
     "code": _variant(_LGN, "    return norms\n", "    return norms[::-1]\n"),
     "loses": ["test_layer_grad_norms"], "hint": ["INPUT"]},
    {"name": "norms-without-derivative",
     "code": _variant(_LGN, "delta = (delta @ Ws[l].T) * act_grad(nets[l - 1])", "delta = delta @ Ws[l].T"),
     "loses": ["test_layer_grad_norms"], "hint": ["phi'(z)"]},
    {"name": "norms-derivative-at-the-output-of-the-layer",
     "code": _variant(_LGN, "act_grad(nets[l - 1])", "act_grad(act(nets[l - 1]))"),
     "loses": ["test_layer_grad_norms"], "hint": ["net input"]},
    {"name": "norms-sum-not-mean",
     "code": _variant(_LGN, "delta = (h - Y) / len(Y)", "delta = h - Y"),
     "loses": ["test_layer_grad_norms"], "hint": ["MEAN"]},
    {"name": "norms-activation-on-output",
     "code": _variant(_variant(_LGN, "h = act(z) if l < len(Ws) - 1 else z", "h = act(z)"),
                      "delta = (h - Y) / len(Y)", "delta = (h - Y) / len(Y) * act_grad(nets[-1])"),
     "loses": ["test_layer_grad_norms"], "hint": ["LINEAR output layer"]},
    # Part 6: first_vanishing_layer
    {"name": "first-layer-scanned-from-the-input",
     "code": _variant(_FVL, "for l in range(depth - 1, -1, -1):", "for l in range(depth):"),
     "loses": ["test_first_vanishing_layer"], "hint": ["walk from the OUTPUT"]},
    {"name": "first-layer-absolute-threshold",
     "code": _variant(_FVL, "relative = norms / norms[-1]", "relative = norms"),
     "loses": ["test_first_vanishing_layer"], "hint": ["RELATIVE"]},
    {"name": "first-layer-relative-to-the-first-layer",
     "code": _variant(_FVL, "relative = norms / norms[-1]", "relative = norms / norms[0]"),
     "loses": ["test_first_vanishing_layer"], "hint": ["norms[-1]"]},
    {"name": "first-layer-weights-drawn-first",
     "code": _variant(_variant(_FVL, "    X = rng.normal(size=(32, 16))\n    Y = rng.normal(size=(32, 1))\n", ""),
                      "    norms = ", "    X = rng.normal(size=(32, 16))\n    Y = rng.normal(size=(32, 1))\n    norms = "),
     "loses": ["test_first_vanishing_layer"], "hint": ["draw X first"]},
    {"name": "first-layer-unscaled-weights",
     "code": _variant(_FVL, "rng.normal(size=(a, b)) / np.sqrt(a)", "rng.normal(size=(a, b))"),
     "loses": ["test_first_vanishing_layer"], "hint": ["np.sqrt(n_in)"]},
    {"name": "first-layer-depth-counts-hidden-layers",
     "code": _variant(_variant(_FVL, "sizes = [16] * depth + [1]", "sizes = [16] * (depth + 1) + [1]"),
                      "for l in range(depth - 1, -1, -1):", "for l in range(depth, -1, -1):"),
     "loses": ["test_first_vanishing_layer"], "hint": ["number of weight matrices"]},
    # Part 7: delta_norms
    {"name": "deltas-are-weight-gradients",
     "code": _variant(_DN, "norms.append(np.linalg.norm(delta))", "norms.append(np.linalg.norm(inputs[l].T @ delta))"),
     "loses": ["test_delta_norms"], "hint": ["not of the weight gradient"]},
    {"name": "deltas-in-backward-order",
     "code": _variant(_DN, "return np.array(norms[::-1])", "return np.array(norms)"),
     "loses": ["test_delta_norms"], "hint": ["order is reversed"]},
    {"name": "deltas-without-derivative",
     "code": _variant(_DN, " * act_grad(nets[l - 1])", ""),
     "loses": ["test_delta_norms"], "hint": ["phi'(z)"]},
    {"name": "deltas-derivative-of-the-output",
     "code": _variant(_DN, "act_grad(nets[l - 1])", "act_grad(act(nets[l - 1]))"),
     "loses": ["test_delta_norms"], "hint": ["net input"]},
    {"name": "deltas-sum-not-mean",
     "code": _variant(_DN, "delta = (h - np.asarray(Y, dtype=float)) / len(Y)", "delta = h - np.asarray(Y, dtype=float)"),
     "loses": ["test_delta_norms"], "hint": ["MEAN"]},
    # Part 8: delta_shrink_factor
    {"name": "shrink-factor-inverted",
     "code": _variant(_DSF, "(hidden[-1] / hidden[0])", "(hidden[0] / hidden[-1])"),
     "loses": ["test_delta_shrink_factor"], "hint": ["TOP hidden layer"]},
    {"name": "shrink-factor-with-the-output-layer",
     "code": _variant(_variant(_DSF, "activation)[:-1]", "activation)"), "(depth - 2)", "(depth - 1)"),
     "loses": ["test_delta_shrink_factor"], "hint": ["leave out the output layer"]},
    {"name": "shrink-factor-counts-layers-not-steps",
     "code": _variant(_DSF, "(depth - 2)", "(depth - 1)"),
     "loses": ["test_delta_shrink_factor"], "hint": ["depth - 2 steps"]},
    {"name": "shrink-factor-gain-on-the-variance",
     "code": _variant(_DSF, "* gain / np.sqrt(a)", "* np.sqrt(gain / a)"),
     "loses": ["test_delta_shrink_factor"], "hint": ["not by sqrt(gain)"]},
    {"name": "shrink-factor-from-weight-gradients",
     "code": _variant(_DSF, "delta_norms(weights, X, Y, activation)", "layer_grad_norms(weights, X, Y, activation)"),
     "loses": ["test_delta_shrink_factor"], "hint": ["not the weight gradients"]},
]

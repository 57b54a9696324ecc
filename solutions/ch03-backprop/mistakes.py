"""Realistic mistakes in ch03-backprop; tests/test_mistakes.py checks that the hidden tests catch each one."""

MISTAKES = [
    # Part 1: forward
    {"name": "forward-transposed-weights",
     "code": '''
def forward(x, weights):
    acts = [np.asarray(x, dtype=float)]
    for W in weights:
        acts.append(sigmoid(acts[-1] @ np.asarray(W, dtype=float).T))
    return acts
''',
     "loses": ["test_forward"], "hint": ["no transpose"]},
    {"name": "forward-without-input",
     "code": '''
def forward(x, weights):
    a, acts = np.asarray(x, dtype=float), []
    for W in weights:
        a = sigmoid(a @ W)
        acts.append(a)
    return acts
''',
     "loses": ["test_forward"], "hint": ["the input first"]},
    {"name": "forward-linear-output",
     "code": '''
def forward(x, weights):
    acts = [np.asarray(x, dtype=float)]
    for k, W in enumerate(weights):
        z = acts[-1] @ W
        acts.append(z if k == len(weights) - 1 else sigmoid(z))
    return acts
''',
     "loses": ["test_forward"], "hint": ["logistic too"]},
    {"name": "forward-keeps-integer-input",
     "code": '''
def forward(x, weights):
    acts = [np.asarray(x)]
    for W in weights:
        acts.append(sigmoid(acts[-1] @ W))
    return acts
''',
     "loses": ["test_forward"], "hint": ["convert x", "float"]},
    # Part 2: deltas
    {"name": "deltas-missing-g-prime",
     "code": '''
def deltas(activations, weights, y):
    L = len(weights)
    out = [None] * L
    out[-1] = activations[-1] - np.asarray(y, dtype=float)
    for k in range(L - 1, 0, -1):
        out[k - 1] = weights[k] @ out[k]
    return out
''',
     "loses": ["test_deltas"], "hint": ["a (1 - a)"]},
    {"name": "deltas-transposed-weights",
     "code": '''
def deltas(activations, weights, y):
    L = len(weights)
    out = [None] * L
    out[-1] = activations[-1] - np.asarray(y, dtype=float)
    for k in range(L - 1, 0, -1):
        a = activations[k]
        out[k - 1] = a * (1 - a) * (weights[k].T @ out[k])
    return out
''',
     "loses": ["test_deltas"], "hint": ["transposed"]},
    {"name": "deltas-g-prime-at-output",
     "code": '''
def deltas(activations, weights, y):
    L = len(weights)
    out = [None] * L
    a = activations[-1]
    out[-1] = (a - np.asarray(y, dtype=float)) * a * (1 - a)
    for k in range(L - 1, 0, -1):
        a = activations[k]
        out[k - 1] = a * (1 - a) * (weights[k] @ out[k])
    return out
''',
     "loses": ["test_deltas"], "hint": ["without a sigma' factor"]},
    {"name": "deltas-g-prime-of-the-layer-above",
     "code": '''
def deltas(activations, weights, y):
    L = len(weights)
    out = [None] * L
    out[-1] = activations[-1] - np.asarray(y, dtype=float)
    for k in range(L - 1, 0, -1):
        a = activations[k + 1]
        out[k - 1] = a * (1 - a) * (weights[k] @ out[k])
    return out
''',
     "loses": ["test_deltas"], "hint": ["the layer whose delta you compute"]},
    {"name": "deltas-slides-sign",
     "code": '''
def deltas(activations, weights, y):
    L = len(weights)
    out = [None] * L
    out[-1] = np.asarray(y, dtype=float) - activations[-1]
    for k in range(L - 1, 0, -1):
        a = activations[k]
        out[k - 1] = a * (1 - a) * (weights[k] @ out[k])
    return out
''',
     "loses": ["test_deltas"], "hint": ["slides' Delta"]},
    # Part 3: update
    {"name": "update-adds",
     "code": '''
def update(weights, activations, delta_list, eta):
    return [W + eta * np.outer(activations[k], delta_list[k]) for k, W in enumerate(weights)]
''',
     "loses": ["test_update"], "hint": ["SUBTRACT the update"]},
    {"name": "update-swapped-outer-product",
     "code": '''
def update(weights, activations, delta_list, eta):
    return [W - eta * np.outer(delta_list[k], activations[k]).reshape(W.shape) for k, W in enumerate(weights)]
''',
     "loses": ["test_update"], "hint": ["row i follows the input"]},
    {"name": "update-in-place",
     "code": '''
def update(weights, activations, delta_list, eta):
    for k, W in enumerate(weights):
        W -= eta * np.outer(activations[k], delta_list[k])
    return weights
''',
     "loses": ["test_update"], "hint": ["in place"]},
    {"name": "update-next-layer-activations",
     "code": '''
def update(weights, activations, delta_list, eta):
    return [W - eta * np.outer(activations[k + 1], delta_list[k]) for k, W in enumerate(weights)]
''',
     "loses": ["test_update"], "hint": ["np.outer(activations[l - 1], delta_list[l - 1])"]},
    # Part 4: train_step, follow_up
    {"name": "train-step-in-place",
     "code": '''
def train_step(x, y, weights, eta):
    acts = forward(x, weights)
    d = deltas(acts, weights, y)
    for k, W in enumerate(weights):
        W -= eta * np.outer(acts[k], d[k])
    return weights
''',
     "loses": ["test_train_step"], "hint": ["in place"]},
    {"name": "follow-up-z-from-initial-weights",
     "code": '''
def follow_up():
    z, y_z = np.array([1.0, 2.0]), np.array([0.0])
    after_x = train_step(EXAMPLE_X, EXAMPLE_Y, EXAMPLE_WEIGHTS, EXAMPLE_ETA)
    after_z = train_step(z, y_z, EXAMPLE_WEIGHTS, EXAMPLE_ETA)
    return {"pred_z_initial": float(forward(z, EXAMPLE_WEIGHTS)[-1][0]),
            "pred_z_after_x": float(forward(z, after_x)[-1][0]),
            "weights_after_z": after_z,
            "pred_z_after_z": float(forward(z, after_z)[-1][0])}
''',
     "loses": ["test_train_step"], "hint": ["AFTER the step on x"]},
    {"name": "follow-up-z-with-target-1",
     "code": '''
def follow_up():
    z = np.array([1.0, 2.0])
    after_x = train_step(EXAMPLE_X, EXAMPLE_Y, EXAMPLE_WEIGHTS, EXAMPLE_ETA)
    after_z = train_step(z, EXAMPLE_Y, after_x, EXAMPLE_ETA)
    return {"pred_z_initial": float(forward(z, EXAMPLE_WEIGHTS)[-1][0]),
            "pred_z_after_x": float(forward(z, after_x)[-1][0]),
            "weights_after_z": after_z,
            "pred_z_after_z": float(forward(z, after_z)[-1][0])}
''',
     "loses": ["test_train_step"], "hint": ["target of z is 0"]},
    # Part 4b: the symmetry question
    {"name": "symmetry-nothing-moves",
     "code": 'answer_symmetry = "a"\n',
     "loses": ["test_answer_symmetry"], "hint": ["output delta a - y is not 0"]},
    {"name": "symmetry-just-slower",
     "code": 'answer_symmetry = "b"\n',
     "loses": ["test_answer_symmetry"], "hint": ["same update"]},
    # Part 5: mlp_forward
    {"name": "mlp-forward-softmax-over-columns",
     "code": '''
def mlp_forward(X, params):
    acts = [np.asarray(X, dtype=float)]
    for k, (W, b) in enumerate(params):
        Z = acts[-1] @ W + b
        if k == len(params) - 1:
            E = np.exp(Z - Z.max(axis=0, keepdims=True))
            acts.append(E / E.sum(axis=0, keepdims=True))
        else:
            acts.append(sigmoid(Z))
    return acts
''',
     "loses": ["test_mlp_forward"], "hint": ["each row"]},
    {"name": "mlp-forward-no-bias",
     "code": '''
def mlp_forward(X, params):
    acts = [np.asarray(X, dtype=float)]
    for k, (W, b) in enumerate(params):
        Z = acts[-1] @ W
        if k == len(params) - 1:
            E = np.exp(Z - Z.max(axis=1, keepdims=True))
            acts.append(E / E.sum(axis=1, keepdims=True))
        else:
            acts.append(sigmoid(Z))
    return acts
''',
     "loses": ["test_mlp_forward"], "hint": ["add the bias"]},
    {"name": "mlp-forward-softmax-without-max-shift",
     "code": '''
def mlp_forward(X, params):
    acts = [np.asarray(X, dtype=float)]
    for k, (W, b) in enumerate(params):
        Z = acts[-1] @ W + b
        if k == len(params) - 1:
            E = np.exp(Z)
            acts.append(E / E.sum(axis=1, keepdims=True))
        else:
            acts.append(sigmoid(Z))
    return acts
''',
     "loses": ["test_mlp_forward"], "hint": ["maximum"]},
    # Part 6: mlp_backward
    {"name": "mlp-backward-missing-g-prime",
     "code": '''
def mlp_backward(X, y, params):
    acts = mlp_forward(X, params)
    B = len(y)
    P = acts[-1]
    loss = float(-np.mean(np.log(P[np.arange(B), y])))
    delta = P.copy()
    delta[np.arange(B), y] -= 1.0
    delta /= B
    grads = [None] * len(params)
    for k in range(len(params) - 1, -1, -1):
        grads[k] = (acts[k].T @ delta, delta.sum(axis=0))
        if k > 0:
            delta = delta @ params[k][0].T
    return loss, grads
''',
     "loses": ["test_mlp_backward"], "hint": ["A * (1 - A)", "layer"]},
    {"name": "mlp-backward-untransposed-weights",
     "code": '''
def mlp_backward(X, y, params):
    acts = mlp_forward(X, params)
    B = len(y)
    P = acts[-1]
    loss = float(-np.mean(np.log(P[np.arange(B), y])))
    delta = P.copy()
    delta[np.arange(B), y] -= 1.0
    delta /= B
    grads = [None] * len(params)
    for k in range(len(params) - 1, -1, -1):
        grads[k] = (acts[k].T @ delta, delta.sum(axis=0))
        if k > 0:
            delta = (delta @ params[k][0]) * acts[k] * (1 - acts[k])
    return loss, grads
''',
     "loses": ["test_mlp_backward"], "hint": ["TRANSPOSED"]},
    {"name": "mlp-backward-bias-mean",
     "code": '''
def mlp_backward(X, y, params):
    acts = mlp_forward(X, params)
    B = len(y)
    P = acts[-1]
    loss = float(-np.mean(np.log(P[np.arange(B), y])))
    delta = P.copy()
    delta[np.arange(B), y] -= 1.0
    delta /= B
    grads = [None] * len(params)
    for k in range(len(params) - 1, -1, -1):
        grads[k] = (acts[k].T @ delta, delta.mean(axis=0))
        if k > 0:
            delta = (delta @ params[k][0].T) * acts[k] * (1 - acts[k])
    return loss, grads
''',
     "loses": ["test_mlp_backward"], "hint": ["SUM of delta"]},
    {"name": "mlp-backward-no-1-over-B",
     "code": '''
def mlp_backward(X, y, params):
    acts = mlp_forward(X, params)
    B = len(y)
    P = acts[-1]
    loss = float(-np.mean(np.log(P[np.arange(B), y])))
    delta = P.copy()
    delta[np.arange(B), y] -= 1.0
    grads = [None] * len(params)
    for k in range(len(params) - 1, -1, -1):
        grads[k] = (acts[k].T @ delta, delta.sum(axis=0))
        if k > 0:
            delta = (delta @ params[k][0].T) * acts[k] * (1 - acts[k])
    return loss, grads
''',
     "loses": ["test_mlp_backward"], "hint": ["1/B"]},
    # Part 7: numerical_gradients, max_relative_error
    {"name": "numgrad-one-sided",
     "code": '''
def numerical_gradients(X, y, params, eps=1e-6):
    work = [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in params]
    base = mlp_backward(X, y, work)[0]
    grads = []
    for W, b in work:
        pair = []
        for array in (W, b):
            g = np.zeros(array.shape)
            for idx in np.ndindex(array.shape):
                old = array[idx]
                array[idx] = old + eps
                g[idx] = (mlp_backward(X, y, work)[0] - base) / eps
                array[idx] = old
            pair.append(g)
        grads.append(tuple(pair))
    return grads
''',
     "loses": ["test_numerical_gradients"], "hint": ["CENTRED"]},
    {"name": "numgrad-does-not-restore",
     "code": '''
def numerical_gradients(X, y, params, eps=1e-6):
    grads = []
    for W, b in params:
        pair = []
        for array in (W, b):
            g = np.zeros(array.shape)
            for idx in np.ndindex(array.shape):
                old = array[idx]
                array[idx] = old + eps
                plus = mlp_backward(X, y, params)[0]
                array[idx] = old - eps
                minus = mlp_backward(X, y, params)[0]
                g[idx] = (plus - minus) / (2 * eps)
            pair.append(g)
        grads.append(tuple(pair))
    return grads
''',
     "loses": ["test_numerical_gradients"], "hint": ["put every perturbed entry back"]},
    {"name": "numgrad-ignores-eps",
     "code": '''
def numerical_gradients(X, y, params, eps=1e-6):
    work = [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in params]
    h = 1e-6
    grads = []
    for W, b in work:
        pair = []
        for array in (W, b):
            g = np.zeros(array.shape)
            for idx in np.ndindex(array.shape):
                old = array[idx]
                array[idx] = old + h
                plus = mlp_backward(X, y, work)[0]
                array[idx] = old - h
                minus = mlp_backward(X, y, work)[0]
                array[idx] = old
                g[idx] = (plus - minus) / (2 * h)
            pair.append(g)
        grads.append(tuple(pair))
    return grads
''',
     "loses": ["test_numerical_gradients"], "hint": ["the eps you are given"]},
    {"name": "max-relative-error-no-floor",
     "code": '''
def max_relative_error(grads_a, grads_b):
    worst = 0.0
    for pair_a, pair_b in zip(grads_a, grads_b):
        for a, b in zip(pair_a, pair_b):
            rel = np.abs(a - b) / (np.abs(a) + np.abs(b))
            worst = max(worst, float(np.max(rel)))
    return worst
''',
     "loses": ["test_numerical_gradients"], "hint": ["floor"]},
    {"name": "max-relative-error-first-layer-only",
     "code": '''
def max_relative_error(grads_a, grads_b):
    a, b = np.asarray(grads_a[0][0], dtype=float), np.asarray(grads_b[0][0], dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))
''',
     "loses": ["test_numerical_gradients"], "hint": ["every array of every layer"]},
    {"name": "max-relative-error-max-denominator",
     "code": '''
def max_relative_error(grads_a, grads_b):
    worst = 0.0
    for pair_a, pair_b in zip(grads_a, grads_b):
        for a, b in zip(pair_a, pair_b):
            rel = np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-8)
            worst = max(worst, float(np.max(rel)))
    return worst
''',
     "loses": ["test_numerical_gradients"], "hint": ["|a| + |b|"]},
    # Part 8: accuracy
    {"name": "accuracy-count",
     "code": '''
def accuracy(X, y, params):
    return float(np.sum(mlp_forward(X, params)[-1].argmax(axis=1) == y))
''',
     "loses": ["test_accuracy"], "hint": ["FRACTION"]},
    {"name": "accuracy-argmax-over-columns",
     "code": '''
def accuracy(X, y, params):
    pred = mlp_forward(X, params)[-1].argmax(axis=0)
    return float(np.mean(pred == y))
''',
     "loses": ["test_accuracy"], "hint": ["axis=1"]},
    # Part 9: train_mlp
    {"name": "train-ascends",
     "code": '''
def train_mlp(X, y, sizes, epochs, eta, batch_size, seed=0):
    rng = np.random.default_rng(seed)
    params = init_params(sizes, rng)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            _, grads = mlp_backward(X[idx], y[idx], params)
            params = [(W + eta * dW, b + eta * db) for (W, b), (dW, db) in zip(params, grads)]
    return params
''',
     "loses": ["test_train_mlp"], "hint": ["W - eta * dW"]},
    {"name": "train-no-shuffle",
     "code": '''
def train_mlp(X, y, sizes, epochs, eta, batch_size, seed=0):
    rng = np.random.default_rng(seed)
    params = init_params(sizes, rng)
    for _ in range(epochs):
        for start in range(0, len(X), batch_size):
            _, grads = mlp_backward(X[start:start + batch_size], y[start:start + batch_size], params)
            params = [(W - eta * dW, b - eta * db) for (W, b), (dW, db) in zip(params, grads)]
    return params
''',
     "loses": ["test_train_mlp"], "hint": ["permutation"]},
    {"name": "train-fresh-rng-every-epoch",
     "code": '''
def train_mlp(X, y, sizes, epochs, eta, batch_size, seed=0):
    params = init_params(sizes, np.random.default_rng(seed))
    for _ in range(epochs):
        order = np.random.default_rng(seed).permutation(len(X))
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            _, grads = mlp_backward(X[idx], y[idx], params)
            params = [(W - eta * dW, b - eta * db) for (W, b), (dW, db) in zip(params, grads)]
    return params
''',
     "loses": ["test_train_mlp"], "hint": ["ONCE"]},
    {"name": "train-drops-last-batch",
     "code": '''
def train_mlp(X, y, sizes, epochs, eta, batch_size, seed=0):
    rng = np.random.default_rng(seed)
    params = init_params(sizes, rng)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X) - batch_size + 1, batch_size):
            idx = order[start:start + batch_size]
            _, grads = mlp_backward(X[idx], y[idx], params)
            params = [(W - eta * dW, b - eta * db) for (W, b), (dW, db) in zip(params, grads)]
    return params
''',
     "loses": ["test_train_mlp"], "hint": ["smaller minibatch"]},
]

"""Realistic mistakes in ch02-perceptron; tests/test_mistakes.py checks that the hidden tests catch each one."""

_TRAIN = '''
def train_linear_classifier(X_train, y_train, X_test, y_test, K=10, eta=0.05, epochs=10):
    X_train = np.asarray(X_train, dtype=float)
    X_test = np.asarray(X_test, dtype=float)
    N = X_train.shape[0]
    T = {targets}
    W = np.zeros((X_train.shape[1], {classes}))
    b = np.zeros({classes})
    for _ in {loop}:
        R = T - {outputs}
        W = W {op} {step} * X_train.T @ R
        {bias_update}
    train_error = float(np.mean(classify(W, b, X_train) {compare} y_train))
    test_error = float(np.mean(classify(W, b, {test_X}) {compare} {test_y}))
    return W, b, train_error, test_error
'''
_RIGHT = dict(targets="np.eye(K)[y_train]", classes="K", loop="range(epochs)", outputs="linear_scores(W, b, X_train)",
              op="+", step="eta / N", bias_update="b = b + eta / N * R.sum(axis=0)", compare="!=", test_X="X_test",
              test_y="y_test")


def _train(**changes):
    return _TRAIN.format(**{**_RIGHT, **changes})


MISTAKES = [
    # ---------------------------------------------------------------- Part 1: predict
    {"name": "predict-no-bias",
     "code": '''
def predict(w, X):
    return (np.asarray(X, dtype=float) @ np.asarray(w, dtype=float)[1:] >= 0).astype(np.int64)
''',
     "loses": ["test_predict"], "hint": ["w[0] is the bias"]},
    {"name": "predict-bias-last",
     "code": '''
def predict(w, X):
    w = np.asarray(w, dtype=float)
    return (np.asarray(X, dtype=float) @ w[:-1] + w[-1] >= 0).astype(np.int64)
''',
     "loses": ["test_predict"], "hint": ["w[0] is the bias"]},
    {"name": "predict-tie-does-not-fire",
     "code": '''
def predict(w, X):
    w = np.asarray(w, dtype=float)
    return (w[0] + np.asarray(X, dtype=float) @ w[1:] > 0).astype(np.int64)
''',
     "loses": ["test_predict"], "hint": ["fires at its threshold"]},
    {"name": "predict-returns-bool",
     "code": '''
def predict(w, X):
    w = np.asarray(w, dtype=float)
    return w[0] + np.asarray(X, dtype=float) @ w[1:] >= 0
''',
     "loses": ["test_predict"], "hint": ["return integers"]},
    # ---------------------------------------------------------------- Part 2: perceptron_step
    {"name": "step-bias-not-updated",
     "code": '''
def perceptron_step(w, x, t, eta=1.0):
    w = np.asarray(w, dtype=float)
    o = predict(w, np.asarray(x).reshape(1, -1))[0]
    w_new = w.copy()
    w_new[1:] = w[1:] + eta * (t - o) * np.asarray(x, dtype=float)
    return w_new
''',
     "loses": ["test_perceptron_step"], "hint": ["bias w[0] was not updated"]},
    {"name": "step-in-place",
     "code": '''
def perceptron_step(w, x, t, eta=1.0):
    o = predict(w, np.asarray(x).reshape(1, -1))[0]
    w += eta * (t - o) * np.concatenate(([1.0], x))
    return w
''',
     "loses": ["test_perceptron_step"], "hint": ["modified"]},
    {"name": "step-wrong-sign",
     "code": '''
def perceptron_step(w, x, t, eta=1.0):
    w = np.asarray(w, dtype=float)
    o = predict(w, np.asarray(x).reshape(1, -1))[0]
    return w - eta * (t - o) * np.concatenate(([1.0], x))
''',
     "loses": ["test_perceptron_step"], "hint": ["wrong sign"]},
    {"name": "step-no-learning-rate",
     "code": '''
def perceptron_step(w, x, t, eta=1.0):
    w = np.asarray(w, dtype=float)
    o = predict(w, np.asarray(x).reshape(1, -1))[0]
    return w + (t - o) * np.concatenate(([1.0], x))
''',
     "loses": ["test_perceptron_step"], "hint": ["learning rate eta"]},
    {"name": "step-updates-on-every-sample",
     "code": '''
def perceptron_step(w, x, t, eta=1.0):
    return np.asarray(w, dtype=float) + eta * t * np.concatenate(([1.0], x))
''',
     "loses": ["test_perceptron_step"], "hint": ["eta * (y - y_hat) * [1, x]"]},
    # ---------------------------------------------------------------- Part 3: train_perceptron
    {"name": "train-converged-epoch-one-too-few",
     "code": '''
def train_perceptron(X, t, eta=1.0, max_epochs=100):
    X = np.asarray(X, dtype=float)
    w = np.zeros(X.shape[1] + 1)
    for epoch in range(1, max_epochs + 1):
        for x_j, t_j in zip(X, t):
            w = perceptron_step(w, x_j, t_j, eta)
        if np.all(predict(w, X) == t):
            return w, epoch
    return w, None
''',
     "loses": ["test_train_perceptron"], "hint": ["first epoch with no mistake"]},
    {"name": "train-zero-based-epochs",
     "code": '''
def train_perceptron(X, t, eta=1.0, max_epochs=100):
    X = np.asarray(X, dtype=float)
    w = np.zeros(X.shape[1] + 1)
    for epoch in range(max_epochs):
        mistakes = 0
        for x_j, t_j in zip(X, t):
            if predict(w, x_j.reshape(1, -1))[0] != t_j:
                mistakes += 1
                w = perceptron_step(w, x_j, t_j, eta)
        if mistakes == 0:
            return w, epoch
    return w, None
''',
     "loses": ["test_train_perceptron"], "hint": ["count epochs from 1"]},
    {"name": "train-never-none",
     "code": '''
def train_perceptron(X, t, eta=1.0, max_epochs=100):
    X = np.asarray(X, dtype=float)
    w = np.zeros(X.shape[1] + 1)
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for x_j, t_j in zip(X, t):
            if predict(w, x_j.reshape(1, -1))[0] != t_j:
                mistakes += 1
                w = perceptron_step(w, x_j, t_j, eta)
        if mistakes == 0:
            break
    return w, epoch
''',
     "loses": ["test_train_perceptron"], "hint": ["(w, None)"]},
    {"name": "train-reverse-order",
     "code": '''
def train_perceptron(X, t, eta=1.0, max_epochs=100):
    X = np.asarray(X, dtype=float)
    w = np.zeros(X.shape[1] + 1)
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for x_j, t_j in zip(X[::-1], t[::-1]):
            if predict(w, x_j.reshape(1, -1))[0] != t_j:
                mistakes += 1
                w = perceptron_step(w, x_j, t_j, eta)
        if mistakes == 0:
            return w, epoch
    return w, None
''',
     "loses": ["test_train_perceptron"], "hint": ["visit the rows in order"]},
    # ---------------------------------------------------------------- Part 4: delta_rule_step
    {"name": "delta-mean-not-sum",
     "code": '''
def delta_rule_step(w, X, t, eta):
    Xt = np.hstack([np.ones((len(X), 1)), X])
    return w + eta * Xt.T @ (t - Xt @ w) / len(X)
''',
     "loses": ["test_delta_rule_step"], "hint": ["SUM over the batch"]},
    {"name": "delta-wrong-sign",
     "code": '''
def delta_rule_step(w, X, t, eta):
    Xt = np.hstack([np.ones((len(X), 1)), X])
    return w - eta * Xt.T @ (t - Xt @ w)
''',
     "loses": ["test_delta_rule_step"], "hint": ["wrong sign"]},
    {"name": "delta-thresholded-output",
     "code": '''
def delta_rule_step(w, X, t, eta):
    Xt = np.hstack([np.ones((len(X), 1)), X])
    return w + eta * Xt.T @ (t - (Xt @ w >= 0))
''',
     "loses": ["test_delta_rule_step"], "hint": ["linear output"]},
    {"name": "delta-bias-not-updated",
     "code": '''
def delta_rule_step(w, X, t, eta):
    w = np.asarray(w, dtype=float)
    err = t - (w[0] + X @ w[1:])
    return np.concatenate(([w[0]], w[1:] + eta * X.T @ err))
''',
     "loses": ["test_delta_rule_step"], "hint": ["bias w[0] must be updated"]},
    # ---------------------------------------------------------------- Part 5: half_adder_data
    {"name": "half-adder-columns-swapped",
     "code": '''
def half_adder_data():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    return X, np.array([[0, 0], [0, 1], [0, 1], [1, 0]], dtype=np.int64)
''',
     "loses": ["test_half_adder_data"], "hint": ["carry"]},
    {"name": "half-adder-integer-inputs",
     "code": '''
def half_adder_data():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    return X, np.array([[0, 0], [1, 0], [1, 0], [0, 1]], dtype=np.int64)
''',
     "loses": ["test_half_adder_data"], "hint": ["floats"]},
    # ---------------------------------------------------------------- Part 6: half_adder_learnable
    {"name": "learnable-stores-epochs",
     "code": '''
def half_adder_learnable(max_epochs=100):
    X, T = half_adder_data()
    return {name: train_perceptron(X, T[:, k], max_epochs=max_epochs)[1] for k, name in enumerate(["sum", "carry"])}
''',
     "loses": ["test_half_adder_learnable"], "hint": ["epochs is not None"]},
    {"name": "learnable-hard-coded",
     "code": '''
def half_adder_learnable(max_epochs=100):
    return {"sum": False, "carry": True}
''',
     "loses": ["test_half_adder_learnable"], "hint": ["pass max_epochs on"]},
    {"name": "learnable-columns-swapped",
     "code": '''
def half_adder_learnable(max_epochs=100):
    X, T = half_adder_data()
    return {name: train_perceptron(X, T[:, k], max_epochs=max_epochs)[1] is not None
            for k, name in enumerate(["carry", "sum"])}
''',
     "loses": ["test_half_adder_learnable"], "hint": ["column 1 = carry"]},
    # ---------------------------------------------------------------- Part 7: linear_scores
    {"name": "scores-deck-layout-transpose",
     "code": '''
def linear_scores(W, b, X):
    return np.asarray(X, dtype=float) @ np.asarray(W, dtype=float).T + b
''',
     "loses": ["test_linear_scores"], "hint": ["X @ W + b"]},
    {"name": "scores-no-bias",
     "code": '''
def linear_scores(W, b, X):
    return np.asarray(X, dtype=float) @ np.asarray(W, dtype=float)
''',
     "loses": ["test_linear_scores"], "hint": ["+ b[k]"]},
    {"name": "scores-transposed-result",
     "code": '''
def linear_scores(W, b, X):
    return np.asarray(W, dtype=float).T @ np.asarray(X, dtype=float).T + np.asarray(b, dtype=float)[:, None]
''',
     "loses": ["test_linear_scores"], "hint": ["one row per image"]},
    # ---------------------------------------------------------------- Part 8: classify
    {"name": "classify-wrong-axis",
     "code": '''
def classify(W, b, X):
    return np.argmax(linear_scores(W, b, X), axis=0)
''',
     "loses": ["test_classify"], "hint": ["axis=1"]},
    {"name": "classify-argmin",
     "code": '''
def classify(W, b, X):
    return np.argmin(linear_scores(W, b, X), axis=1)
''',
     "loses": ["test_classify"], "hint": ["largest score"]},
    {"name": "classify-without-bias",
     "code": '''
def classify(W, b, X):
    return np.argmax(np.asarray(X, dtype=float) @ np.asarray(W, dtype=float), axis=1)
''',
     "loses": ["test_classify"], "hint": ["must include the bias b"]},
    # ---------------------------------------------------------------- Part 9: answer_digit_parameters
    {"name": "parameters-without-biases",
     "code": "answer_digit_parameters = 10 * 64\n",
     "loses": ["test_answer_digit_parameters"], "hint": ["biases"]},
    {"name": "parameters-one-unit",
     "code": "answer_digit_parameters = 64\n",
     "loses": ["test_answer_digit_parameters"], "hint": ["PER CLASS"]},
    {"name": "parameters-added-not-multiplied",
     "code": "answer_digit_parameters = 74\n",
     "loses": ["test_answer_digit_parameters"], "hint": ["multiply"]},
    {"name": "parameters-left-as-none",
     "code": "answer_digit_parameters = None\n",
     "loses": ["test_answer_digit_parameters"], "hint": ["still None"]},
    # ---------------------------------------------------------------- Part 10: train_linear_classifier
    {"name": "digits-sum-not-mean",
     "code": _train(step="eta", bias_update="b = b + eta * R.sum(axis=0)"),
     "loses": ["test_train_linear_classifier"], "hint": ["divide the summed update by n"]},
    {"name": "digits-labels-as-targets",
     "code": _train(targets="y_train[:, None]"),
     "loses": ["test_train_linear_classifier"], "hint": ["one-hot"]},
    {"name": "digits-bias-not-updated",
     "code": _train(bias_update="pass"),
     "loses": ["test_train_linear_classifier"], "hint": ["update the bias too"]},
    {"name": "digits-wrong-sign",
     "code": _train(op="-", bias_update="b = b - eta / N * R.sum(axis=0)"),
     "loses": ["test_train_linear_classifier"], "hint": ["wrong sign"]},
    {"name": "digits-thresholded-outputs",
     "code": _train(outputs="(linear_scores(W, b, X_train) > 0)"),
     "loses": ["test_train_linear_classifier"], "hint": ["outputs are linear"]},
    {"name": "digits-one-epoch-too-few",
     "code": _train(loop="range(1, epochs)"),
     "loses": ["test_train_linear_classifier"], "hint": ["one epoch too few"]},
    {"name": "digits-accuracy-not-error",
     "code": _train(compare="=="),
     "loses": ["test_train_linear_classifier"], "hint": ["not the accuracy"]},
    {"name": "digits-test-error-on-training-set",
     "code": _train(test_X="X_train", test_y="y_train"),
     "loses": ["test_train_linear_classifier"], "hint": ["TEST images"]},
    {"name": "digits-trains-on-test-set-too",
     "code": '''
def train_linear_classifier(X_train, y_train, X_test, y_test, K=10, eta=0.05, epochs=10):
    X_all = np.concatenate([X_train, X_test]).astype(float)
    y_all = np.concatenate([y_train, y_test])
    T = np.eye(K)[y_all]
    W, b = np.zeros((X_all.shape[1], K)), np.zeros(K)
    for _ in range(epochs):
        R = T - linear_scores(W, b, X_all)
        W = W + eta / len(X_all) * X_all.T @ R
        b = b + eta / len(X_all) * R.sum(axis=0)
    return (W, b, float(np.mean(classify(W, b, X_train) != y_train)),
            float(np.mean(classify(W, b, X_test) != y_test)))
''',
     "loses": ["test_train_linear_classifier"], "hint": ["test images were used for training"]},
    {"name": "digits-ten-classes-hard-coded",
     "code": _train(targets="np.eye(10)[y_train]", classes="10"),
     "loses": ["test_train_linear_classifier"], "hint": ["use the argument K"]},
]

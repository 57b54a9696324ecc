"""Realistic mistakes in ch01-history; tests/test_mistakes.py checks that the hidden tests catch each one."""

MISTAKES = [
    # ---------------------------------------------------------------- Part 1: threshold_unit
    {"name": "threshold-strict-inequality",
     "code": '''
def threshold_unit(X, w, theta):
    return (np.asarray(X) @ np.asarray(w) > theta).astype(np.int64)
''',
     "loses": ["test_threshold_unit"], "hint": ["use >=, not >"]},
    {"name": "threshold-returns-bool",
     "code": '''
def threshold_unit(X, w, theta):
    return np.asarray(X) @ np.asarray(w) >= theta
''',
     "loses": ["test_threshold_unit"], "hint": ["return integers"]},
    {"name": "threshold-transposed-product",
     "code": '''
def threshold_unit(X, w, theta):
    return (np.asarray(X).T @ np.asarray(w) >= theta).astype(np.int64)
''',
     "loses": ["test_threshold_unit"], "hint": ["one weighted sum per row"]},
    {"name": "threshold-mutates-X",
     "code": '''
def threshold_unit(X, w, theta):
    X *= w
    return (X.sum(axis=1) >= theta).astype(np.int64)
''',
     "loses": ["test_threshold_unit"], "hint": ["modified"]},
    {"name": "threshold-sign-outputs",
     "code": '''
def threshold_unit(X, w, theta):
    return np.where(np.asarray(X) @ np.asarray(w) >= theta, 1, -1)
''',
     "loses": ["test_threshold_unit"], "hint": ["0 and 1"]},
    # ---------------------------------------------------------------- Part 2: gate_weights
    {"name": "gate-and-threshold-one-too-low",
     "code": '''
def gate_weights(name, n_inputs=2):
    if name == "not":
        return np.array([-1.0]), 0.0
    ones = np.ones(n_inputs)
    return {"and": (ones, n_inputs - 1.0), "or": (ones, 1.0), "nand": (-ones, -(n_inputs - 1.0)),
            "nor": (-ones, 0.0)}[name]
''',
     "loses": ["test_gate_weights"], "hint": ["place theta between"]},
    {"name": "gate-nand-threshold-minus-n",
     "code": '''
def gate_weights(name, n_inputs=2):
    if name == "not":
        return np.array([-1.0]), 0.0
    ones = np.ones(n_inputs)
    return {"and": (ones, float(n_inputs)), "or": (ones, 1.0), "nand": (-ones, -float(n_inputs)),
            "nor": (-ones, 0.0)}[name]
''',
     "loses": ["test_gate_weights"], "hint": ["place theta between"]},
    {"name": "gate-two-weights-always",
     "code": '''
def gate_weights(name, n_inputs=2):
    if name == "not":
        return np.array([-1.0]), 0.0
    ones = np.ones(2)
    return {"and": (ones, 2.0), "or": (ones, 1.0), "nand": (-ones, -1.0), "nor": (-ones, 0.0)}[name]
''',
     "loses": ["test_gate_weights"], "hint": ["one weight per input"]},
    {"name": "gate-and-threshold-two-for-any-n",
     "code": '''
def gate_weights(name, n_inputs=2):
    if name == "not":
        return np.array([-1.0]), 0.0
    ones = np.ones(n_inputs)
    return {"and": (ones, 2.0), "or": (ones, 1.0), "nand": (-ones, -(n_inputs - 1.0)), "nor": (-ones, 0.0)}[name]
''',
     "loses": ["test_gate_weights"], "hint": ["AND fires only when all n inputs are on"]},
    {"name": "gate-not-positive-weight",
     "code": '''
def gate_weights(name, n_inputs=2):
    if name == "not":
        return np.array([1.0]), 0.0
    ones = np.ones(n_inputs)
    return {"and": (ones, float(n_inputs)), "or": (ones, 1.0), "nand": (-ones, -(n_inputs - 1.0)),
            "nor": (-ones, 0.0)}[name]
''',
     "loses": ["test_gate_weights"], "hint": ["inhibitory"]},
    # ---------------------------------------------------------------- Part 2b: the prediction
    {"name": "predict-all-sixteen",
     "code": "answer_two_input_functions = 16\n",
     "loses": ["test_answer_two_input_functions"], "hint": ["XOR", "diagonal"]},
    {"name": "predict-all-but-xor",
     "code": "answer_two_input_functions = 15\n",
     "loses": ["test_answer_two_input_functions"], "hint": ["XNOR"]},
    {"name": "predict-only-named-gates",
     "code": "answer_two_input_functions = 4\n",
     "loses": ["test_answer_two_input_functions"], "hint": ["negative weights"]},
    {"name": "predict-left-as-none",
     "code": "answer_two_input_functions = None\n",
     "loses": ["test_answer_two_input_functions"], "hint": ["still None"]},
    # ---------------------------------------------------------------- Part 3a: two_layer
    {"name": "two-layer-hidden-not-thresholded",
     "code": '''
def two_layer(X, W1, theta1, w2, theta2):
    H = np.asarray(X) @ np.asarray(W1) - np.asarray(theta1)
    return threshold_unit(H, w2, theta2)
''',
     "loses": ["test_two_layer"], "hint": ["0/1"]},
    {"name": "two-layer-W1-transposed",
     "code": '''
def two_layer(X, W1, theta1, w2, theta2):
    H = (np.asarray(X) @ np.asarray(W1).T >= np.asarray(theta1)).astype(np.int64)
    return threshold_unit(H, w2, theta2)
''',
     "loses": ["test_two_layer"], "hint": ["do not transpose W1"]},
    {"name": "two-layer-strict-hidden",
     "code": '''
def two_layer(X, W1, theta1, w2, theta2):
    H = (np.asarray(X) @ np.asarray(W1) > np.asarray(theta1)).astype(np.int64)
    return threshold_unit(H, w2, theta2)
''',
     "loses": ["test_two_layer"], "hint": ["equal to a threshold fires"]},
    # ---------------------------------------------------------------- Part 3b: xor_weights
    {"name": "xor-only-two-inputs",
     "code": '''
def xor_weights(n_inputs=2):
    W1 = np.array([[1.0, -1.0], [1.0, -1.0]])       # OR and NAND
    return W1, np.array([1.0, -1.0]), np.array([1.0, 1.0]), 2.0
''',
     "loses": ["test_xor_weights"], "hint": ["one row per input"]},
    {"name": "xor-output-weights-all-one",
     "code": '''
def xor_weights(n_inputs=2):
    counts = np.arange(1, n_inputs + 1)
    return np.ones((n_inputs, n_inputs)), counts.astype(float), np.ones(n_inputs), 1.0
''',
     "loses": ["test_xor_weights"], "hint": ["alternate"]},
    {"name": "xor-output-threshold-zero",
     "code": '''
def xor_weights(n_inputs=2):
    counts = np.arange(1, n_inputs + 1)
    w2 = np.where(counts % 2 == 1, 1.0, -1.0)
    return np.ones((n_inputs, n_inputs)), counts.astype(float), w2, 0.0
''',
     "loses": ["test_xor_weights"], "hint": ["AND at the output"]},
    # ---------------------------------------------------------------- Part 4: colour_histogram
    {"name": "histogram-uint8-overflow",
     "code": '''
def colour_histogram(images, bins=4):
    images = np.asarray(images)
    m = images.shape[0]
    q = images * bins // 256
    q = q.astype(np.int64)
    cells = ((q[..., 0] * bins + q[..., 1]) * bins + q[..., 2]).reshape(m, -1)
    offsets = np.arange(m)[:, None] * bins ** 3
    counts = np.bincount((cells + offsets).ravel(), minlength=m * bins ** 3).reshape(m, bins ** 3)
    return counts / cells.shape[1]
''',
     "loses": ["test_colour_histogram"], "hint": ["uint8"]},
    {"name": "histogram-not-normalised",
     "code": '''
def colour_histogram(images, bins=4):
    images = np.asarray(images)
    m = images.shape[0]
    q = images.astype(np.int64) * bins // 256
    cells = ((q[..., 0] * bins + q[..., 1]) * bins + q[..., 2]).reshape(m, -1)
    offsets = np.arange(m)[:, None] * bins ** 3
    counts = np.bincount((cells + offsets).ravel(), minlength=m * bins ** 3).reshape(m, bins ** 3)
    return counts.astype(float)
''',
     "loses": ["test_colour_histogram"], "hint": ["divide", "number of pixels"]},
    {"name": "histogram-blue-most-significant",
     "code": '''
def colour_histogram(images, bins=4):
    images = np.asarray(images)
    m = images.shape[0]
    q = images.astype(np.int64) * bins // 256
    cells = ((q[..., 2] * bins + q[..., 1]) * bins + q[..., 0]).reshape(m, -1)
    offsets = np.arange(m)[:, None] * bins ** 3
    counts = np.bincount((cells + offsets).ravel(), minlength=m * bins ** 3).reshape(m, bins ** 3)
    return counts / cells.shape[1]
''',
     "loses": ["test_colour_histogram"], "hint": ["red", "most significant"]},
    {"name": "histogram-bin-width-integer-division",
     "code": '''
def colour_histogram(images, bins=4):
    images = np.asarray(images)
    m = images.shape[0]
    q = images.astype(np.int64) // (256 // bins)
    cells = ((q[..., 0] * bins + q[..., 1]) * bins + q[..., 2]).reshape(m, -1)
    counts = np.zeros((m, bins ** 3))
    np.add.at(counts, (np.arange(m)[:, None], cells), 1)
    return counts / cells.shape[1]
''',
     "loses": ["test_colour_histogram"], "hint": ["v * bins // 256"]},
    {"name": "histogram-normalised-over-batch",
     "code": '''
def colour_histogram(images, bins=4):
    images = np.asarray(images)
    m = images.shape[0]
    q = images.astype(np.int64) * bins // 256
    cells = ((q[..., 0] * bins + q[..., 1]) * bins + q[..., 2]).reshape(m, -1)
    offsets = np.arange(m)[:, None] * bins ** 3
    counts = np.bincount((cells + offsets).ravel(), minlength=m * bins ** 3).reshape(m, bins ** 3)
    return counts / counts.sum()
''',
     "loses": ["test_colour_histogram"], "hint": ["each image"]},
    # ---------------------------------------------------------------- Part 5: nearest_neighbour
    {"name": "nn-returns-index",
     "code": '''
def nearest_neighbour(F_train, y_train, F_query):
    d2 = ((np.asarray(F_query)[:, None, :] - np.asarray(F_train)[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(d2, axis=1)
''',
     "loses": ["test_nearest_neighbour"], "hint": ["not the index itself"]},
    {"name": "nn-argmax-distance",
     "code": '''
def nearest_neighbour(F_train, y_train, F_query):
    d2 = ((np.asarray(F_query)[:, None, :] - np.asarray(F_train)[None, :, :]) ** 2).sum(axis=2)
    return np.asarray(y_train)[np.argmax(d2, axis=1)]
''',
     "loses": ["test_nearest_neighbour"], "hint": ["farthest"]},
    {"name": "nn-l1-distance",
     "code": '''
def nearest_neighbour(F_train, y_train, F_query):
    d1 = np.abs(np.asarray(F_query)[:, None, :] - np.asarray(F_train)[None, :, :]).sum(axis=2)
    return np.asarray(y_train)[np.argmin(d1, axis=1)]
''',
     "loses": ["test_nearest_neighbour"], "hint": ["Euclidean"]},
    {"name": "nn-argmin-over-queries",
     "code": '''
def nearest_neighbour(F_train, y_train, F_query):
    d2 = ((np.asarray(F_query)[:, None, :] - np.asarray(F_train)[None, :, :]) ** 2).sum(axis=2)
    return np.asarray(y_train)[np.argmin(d2, axis=0)]
''',
     "loses": ["test_nearest_neighbour"], "hint": ["one label per row of F_query"]},
    {"name": "nn-dot-product-similarity",
     "code": '''
def nearest_neighbour(F_train, y_train, F_query):
    return np.asarray(y_train)[np.argmax(np.asarray(F_query) @ np.asarray(F_train).T, axis=1)]
''',
     "loses": ["test_nearest_neighbour"], "hint": ["dot product"]},
    # ---------------------------------------------------------------- Part 6: holdout_accuracy
    {"name": "holdout-classifies-training-images",
     "code": '''
def holdout_accuracy(train_images, train_labels, test_images, test_labels, bins=4):
    F_train = colour_histogram(train_images, bins)
    return float(np.mean(nearest_neighbour(F_train, train_labels, F_train) == train_labels))
''',
     "loses": ["test_holdout_accuracy"], "hint": ["test set leaked"]},
    {"name": "holdout-test-images-as-references",
     "code": '''
def holdout_accuracy(train_images, train_labels, test_images, test_labels, bins=4):
    F_train = colour_histogram(train_images, bins)
    F_test = colour_histogram(test_images, bins)
    F_ref = np.concatenate([F_train, F_test])
    y_ref = np.concatenate([train_labels, test_labels])
    return float(np.mean(nearest_neighbour(F_ref, y_ref, F_test) == test_labels))
''',
     "loses": ["test_holdout_accuracy"], "hint": ["test set leaked"]},
    {"name": "holdout-counts-not-fraction",
     "code": '''
def holdout_accuracy(train_images, train_labels, test_images, test_labels, bins=4):
    pred = nearest_neighbour(colour_histogram(train_images, bins), train_labels, colour_histogram(test_images, bins))
    return int(np.sum(pred == test_labels))
''',
     "loses": ["test_holdout_accuracy"], "hint": ["fraction"]},
    {"name": "holdout-bins-not-passed",
     "code": '''
def holdout_accuracy(train_images, train_labels, test_images, test_labels, bins=4):
    pred = nearest_neighbour(colour_histogram(train_images), train_labels, colour_histogram(test_images))
    return float(np.mean(pred == test_labels))
''',
     "loses": ["test_holdout_accuracy"], "hint": ["pass bins on"]},
    {"name": "holdout-error-rate",
     "code": '''
def holdout_accuracy(train_images, train_labels, test_images, test_labels, bins=4):
    pred = nearest_neighbour(colour_histogram(train_images, bins), train_labels, colour_histogram(test_images, bins))
    return float(np.mean(pred != test_labels))
''',
     "loses": ["test_holdout_accuracy"], "hint": ["error rate"]},
]

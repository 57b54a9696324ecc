"""Realistic mistakes in ch05-losses; tests/test_mistakes.py checks that the hidden tests catch each one."""

MISTAKES = [
    # Part 1: mse
    {"name": "mse-sum-not-mean",
     "code": '''
def mse(pred, target):
    diff = np.asarray(pred, dtype=float) - np.asarray(target, dtype=float)
    return float(np.sum(diff ** 2)), 2.0 * diff
''',
     "loses": ["test_mse"], "hint": ["mean"]},
    {"name": "mse-target-minus-pred-gradient",
     "code": '''
def mse(pred, target):
    diff = np.asarray(pred, dtype=float) - np.asarray(target, dtype=float)
    return float(np.mean(diff ** 2)), -2.0 * diff / diff.size
''',
     "loses": ["test_mse"], "hint": ["prediction minus target"]},
    {"name": "mse-gradient-divided-by-rows",
     "code": '''
def mse(pred, target):
    diff = np.asarray(pred, dtype=float) - np.asarray(target, dtype=float)
    return float(np.mean(diff ** 2)), 2.0 * diff / len(diff)
''',
     "loses": ["test_mse"], "hint": ["pred.size"]},
    {"name": "mse-half-factor",
     "code": '''
def mse(pred, target):
    diff = np.asarray(pred, dtype=float) - np.asarray(target, dtype=float)
    return float(0.5 * np.mean(diff ** 2)), diff / diff.size
''',
     "loses": ["test_mse"], "hint": ["no factor 1/2"]},
    # Part 2: binary_cross_entropy
    {"name": "bce-no-clipping",
     "code": '''
def binary_cross_entropy(p, y, eps=1e-7):
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    return float(np.mean(-(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))))
''',
     "loses": ["test_binary_cross_entropy"], "hint": ["clip p", "log(0)"]},
    {"name": "bce-second-term-weighted-by-prediction",
     "code": '''
def binary_cross_entropy(p, y, eps=1e-7):
    p = np.clip(np.asarray(p, dtype=float), eps, 1.0 - eps)
    y = np.asarray(y, dtype=float)
    return float(np.mean(-(y * np.log(p) + (1.0 - p) * np.log(1.0 - p))))
''',
     "loses": ["test_binary_cross_entropy"], "hint": ["weighted by the label"]},
    {"name": "bce-clip-in-place",
     "code": '''
def binary_cross_entropy(p, y, eps=1e-7):
    np.clip(p, eps, 1.0 - eps, out=p)
    y = np.asarray(y, dtype=float)
    return float(np.mean(-(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))))
''',
     "loses": ["test_binary_cross_entropy"], "hint": ["modified", "in place"]},
    # Part 3: bce_with_logits
    {"name": "bcel-naive-sigmoid-overflows",
     "code": '''
def bce_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    loss = float(np.mean(np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))))
    return loss, (1.0 / (1.0 + np.exp(-z)) - y) / z.size
''',
     "loses": ["test_bce_with_logits"], "hint": ["stable sigmoid"]},
    {"name": "bcel-extra-sigmoid-derivative",
     "code": '''
def bce_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    e = np.exp(-np.abs(z))
    loss = float(np.mean(np.maximum(z, 0.0) - y * z + np.log1p(e)))
    s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return loss, (s - y) * s * (1 - s) / z.size
''',
     "loses": ["test_bce_with_logits"], "hint": ["sigmoid'(z)"]},
    # Part 4: categorical_cross_entropy
    {"name": "cce-mean-over-all-entries",
     "code": '''
def categorical_cross_entropy(P, Y, eps=1e-7):
    P = np.clip(np.asarray(P, dtype=float), eps, 1.0)
    return float(np.mean(-np.asarray(Y, dtype=float) * np.log(P)))
''',
     "loses": ["test_categorical_cross_entropy"], "hint": ["n * K entries"]},
    {"name": "cce-log-of-target",
     "code": '''
def categorical_cross_entropy(P, Y, eps=1e-7):
    P = np.clip(np.asarray(P, dtype=float), eps, 1.0)
    return float(np.mean(-np.sum(P * np.log(np.asarray(Y, dtype=float)), axis=1)))
''',
     "loses": ["test_categorical_cross_entropy"], "hint": ["never of the target"]},
    # Part 5: softmax_cross_entropy
    {"name": "sce-picks-columns",
     "code": '''
def softmax_cross_entropy(logits, y):
    Z = np.asarray(logits, dtype=float)
    N, K = Z.shape
    shifted = Z - Z.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.mean(logp[:, y])), (np.exp(logp) - np.eye(K)[y]) / N
''',
     "loses": ["test_softmax_cross_entropy"], "hint": ["np.arange(n), y"]},
    {"name": "sce-log-of-softmax",
     "code": '''
def softmax_cross_entropy(logits, y):
    Z = np.asarray(logits, dtype=float)
    N, K = Z.shape
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(P[np.arange(N), y]))), (P - np.eye(K)[y]) / N
''',
     "loses": ["test_softmax_cross_entropy"], "hint": ["log-softmax"]},
    {"name": "sce-no-max-shift",
     "code": '''
def softmax_cross_entropy(logits, y):
    Z = np.asarray(logits, dtype=float)
    N, K = Z.shape
    logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    return float(-np.mean(logp[np.arange(N), y])), (np.exp(logp) - np.eye(K)[y]) / N
''',
     "loses": ["test_softmax_cross_entropy"], "hint": ["exp(1000) overflows"]},
    {"name": "sce-shift-in-place",
     "code": '''
def softmax_cross_entropy(logits, y):
    Z = logits
    N, K = Z.shape
    Z -= Z.max(axis=1, keepdims=True)
    logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    return float(-np.mean(logp[np.arange(N), y])), (np.exp(logp) - np.eye(K)[y]) / N
''',
     "loses": ["test_softmax_cross_entropy"], "hint": ["do not subtract in place"]},
    {"name": "sce-index-vector-as-one-hot",
     "code": '''
def softmax_cross_entropy(logits, y):
    Z = np.asarray(logits, dtype=float)
    N, K = Z.shape
    shifted = Z - Z.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.mean(logp[np.arange(N), y])), (np.exp(logp) - y) / N
''',
     "loses": ["test_softmax_cross_entropy"], "hint": ["class INDICES"]},
    # Part 6: the prediction
    {"name": "prediction-probability-not-loss",
     "code": "answer_untrained_loss = 0.1\n",
     "loses": ["test_answer_untrained_loss"], "hint": ["probability every class gets", "log K"]},
    {"name": "prediction-log-base-2",
     "code": "answer_untrained_loss = 3.32\n",
     "loses": ["test_answer_untrained_loss"], "hint": ["natural logarithm"]},
    {"name": "prediction-left-unset",
     "code": "answer_untrained_loss = None\n",
     "loses": ["test_answer_untrained_loss"], "hint": ["replace None"]},
    # Part 7: weighted_cross_entropy
    {"name": "wce-divide-by-n",
     "code": '''
def weighted_cross_entropy(logits, y, class_weights):
    Z = np.asarray(logits, dtype=float)
    N, K = Z.shape
    w = np.asarray(class_weights, dtype=float)[y]
    shifted = Z - Z.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return (float(np.sum(w * -logp[np.arange(N), y]) / N),
            w[:, None] * (np.exp(logp) - np.eye(K)[y]) / N)
''',
     "loses": ["test_weighted_cross_entropy"], "hint": ["not by n"]},
    {"name": "wce-weights-by-column",
     "code": '''
def weighted_cross_entropy(logits, y, class_weights):
    Z = np.asarray(logits, dtype=float)
    N, K = Z.shape
    cw = np.asarray(class_weights, dtype=float)
    w = cw[y]
    shifted = Z - Z.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return (float(np.sum(w * -logp[np.arange(N), y]) / w.sum()),
            cw[None, :] * (np.exp(logp) - np.eye(K)[y]) / w.sum())
''',
     "loses": ["test_weighted_cross_entropy"], "hint": ["single weight"]},
    # Part 8: multiclass_hinge
    {"name": "hinge-includes-true-class",
     "code": '''
def multiclass_hinge(scores, y, margin=1.0):
    S = np.asarray(scores, dtype=float)
    N = S.shape[0]
    rows = np.arange(N)
    M = np.maximum(S - S[rows, y][:, None] + margin, 0.0)
    active = (M > 0).astype(float)
    active[rows, y] = 0.0
    grad = active.copy()
    grad[rows, y] = -active.sum(axis=1)
    return float(np.sum(M) / N), grad / N
''',
     "loses": ["test_multiclass_hinge"], "hint": ["j != y_i"]},
    {"name": "hinge-kink-counted-active",
     "code": '''
def multiclass_hinge(scores, y, margin=1.0):
    S = np.asarray(scores, dtype=float)
    N = S.shape[0]
    rows = np.arange(N)
    M = S - S[rows, y][:, None] + margin
    active = (M >= 0).astype(float)
    active[rows, y] = 0.0
    grad = active.copy()
    grad[rows, y] = -active.sum(axis=1)
    return float(np.sum(np.maximum(M, 0.0) * active) / N), grad / N
''',
     "loses": ["test_multiclass_hinge"], "hint": ["exactly 0"]},
    # Part 9: kl_divergence
    {"name": "kl-arguments-swapped",
     "code": '''
def kl_divergence(P, Q):
    P, Q = np.asarray(Q, dtype=float), np.asarray(P, dtype=float)
    s = P > 0
    terms = np.where(s, P * (np.log(np.where(s, P, 1.0)) - np.log(np.where(s, Q, 1.0))), 0.0)
    return float(np.mean(terms.sum(axis=1)))
''',
     "loses": ["test_kl_divergence"], "hint": ["target P in front"]},
    {"name": "kl-log-inside-where",
     "code": '''
def kl_divergence(P, Q):
    P = np.asarray(P, dtype=float)
    Q = np.asarray(Q, dtype=float)
    return float(np.mean(np.where(P > 0, P * np.log(P / Q), 0.0).sum(axis=1)))
''',
     "loses": ["test_kl_divergence"], "hint": ["np.where"]},
    {"name": "kl-mean-over-entries",
     "code": '''
def kl_divergence(P, Q):
    P = np.asarray(P, dtype=float)
    Q = np.asarray(Q, dtype=float)
    s = P > 0
    return float(np.mean(np.where(s, P * (np.log(np.where(s, P, 1.0)) - np.log(np.where(s, Q, 1.0))), 0.0)))
''',
     "loses": ["test_kl_divergence"], "hint": ["not a mean over them"]},
]

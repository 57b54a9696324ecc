"""Realistic mistakes in ch06-regularization; tests/test_mistakes.py checks that the hidden tests catch each one."""

_TRAIN = '''
def train_with_early_stopping(X_train, y_train, X_val, y_val, hidden, max_epochs, patience, lr=1e-2, seed=0):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(np.asarray(X_train).shape[1], hidden), torch.nn.ReLU(),
                                torch.nn.Linear(hidden, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    val_acc, best_acc, best_epoch, best_state = [], -1.0, 0, None
    for epoch in range(1, max_epochs + 1):
        dlbook.train.fit(model, loss_fn, optimizer, X_train, y_train, FIT_ARGS, progress=False)
        acc = float(dlbook.train.accuracy(model, X_val, y_val))
        val_acc.append(acc)
        if acc > best_acc:
            best_acc, best_epoch = acc, epoch
            best_state = COPY
        elif STOP:
            break
    return {"state": best_state, "val_acc": val_acc, "best_epoch": best_epoch, "stop_epoch": len(val_acc)}
'''


def _train(fit_args="epochs=1, batch_size=32, seed=seed + epoch", stop="epoch - best_epoch >= patience",
           copy="{k: v.detach().clone() for k, v in model.state_dict().items()}"):
    return _TRAIN.replace("FIT_ARGS", fit_args).replace("STOP", stop).replace("COPY", copy)


_GAPS = '''
def l2_gap_experiment(X_train, y_train, X_test, y_test, hidden, epochs, lam, lr=1e-2, seed=0):
    gaps = []
    SEED_OUTSIDE
    for lam_run in (0.0, lam):
        SEED_INSIDE
        model = torch.nn.Sequential(torch.nn.Linear(X_train.shape[1], hidden), torch.nn.ReLU(),
                                    torch.nn.Linear(hidden, 10))
        optimizer = OPTIMIZER
        dlbook.train.fit(model, torch.nn.CrossEntropyLoss(), optimizer, X_train, y_train, epochs=epochs,
                         batch_size=32, progress=False, seed=seed)
        gaps.append(GAP)
    return RETURN
'''
_GROUPS = ('torch.optim.Adam([{"params": [model[0].weight, model[2].weight], "weight_decay": WD}, '
           '{"params": [model[0].bias, model[2].bias], "weight_decay": 0.0}], lr=lr)')


def _gaps(optimizer=_GROUPS.replace("WD", "2 * lam_run"), seed_outside="pass", seed_inside="torch.manual_seed(seed)",
          gap="float(dlbook.train.accuracy(model, X_train, y_train) - dlbook.train.accuracy(model, X_test, y_test))",
          ret="gaps[0], gaps[1]"):
    return (_GAPS.replace("OPTIMIZER", optimizer).replace("SEED_OUTSIDE", seed_outside)
            .replace("SEED_INSIDE", seed_inside).replace("GAP", gap).replace("RETURN", ret))


_EARLY = '''
def early_stopping(val_scores, patience):
    scores = list(np.asarray(val_scores, dtype=float).ravel())
    if len(scores) == 0 or patience < 1:
        raise ValueError("bad arguments")
    INIT
    for epoch, score in enumerate(scores, start=1):
        if IMPROVES:
            best, best_epoch = score, epoch
        elif STOP:
            return best_epoch, epoch
    return best_epoch, len(scores)
'''


def _early(init="best, best_epoch = -np.inf, 0", improves="score > best", stop="epoch - best_epoch >= patience"):
    return _EARLY.replace("INIT", init).replace("IMPROVES", improves).replace("STOP", stop)


_SHIFTS = '''
def random_shifts(images, max_shift, seed=0):
    if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
        raise ValueError(max_shift)
    images = np.asarray(images)
    DRAW
    shifted = OUT
    for dy, dx in np.unique(shifts, axis=0):
        rows = np.all(shifts == (dy, dx), axis=1)
        shifted[rows] = APPLY
    return shifted, shifts
'''


def _shifts(draw="shifts = np.random.default_rng(seed).integers(-max_shift, max_shift + 1, size=(len(images), 2))",
            apply="dlbook.data.shift_images(images[rows], dy=int(dy), dx=int(dx))", out="np.zeros_like(images)"):
    return _SHIFTS.replace("DRAW", draw).replace("APPLY", apply).replace("OUT", out)


MISTAKES = [
    # ---- Part 1: penalty
    {"name": "penalty-includes-biases",
     "code": '''
def penalty(params, lam, kind):
    if kind not in ("l1", "l2"):
        raise ValueError(kind)
    total, grads = 0.0, []
    for W, b in params:
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        if kind == "l2":
            total += np.sum(W ** 2) + np.sum(b ** 2)
            grads.append((2 * lam * W, 2 * lam * b))
        else:
            total += np.sum(np.abs(W)) + np.sum(np.abs(b))
            grads.append((lam * np.sign(W), lam * np.sign(b)))
    return float(lam * total), grads
''',
     "loses": ["test_penalty"], "hint": ["biases were penalised"]},
    {"name": "penalty-l2-gradient-missing-factor-2",
     "code": '''
def penalty(params, lam, kind):
    if kind not in ("l1", "l2"):
        raise ValueError(kind)
    total, grads = 0.0, []
    for W, b in params:
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        total += np.sum(W ** 2) if kind == "l2" else np.sum(np.abs(W))
        grads.append((lam * W if kind == "l2" else lam * np.sign(W), np.zeros_like(b)))
    return float(lam * total), grads
''',
     "loses": ["test_penalty"], "hint": ["factor 2"]},
    {"name": "penalty-l2-norm-not-squares",
     "code": '''
def penalty(params, lam, kind):
    if kind not in ("l1", "l2"):
        raise ValueError(kind)
    total, grads = 0.0, []
    for W, b in params:
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        total += np.linalg.norm(W) if kind == "l2" else np.sum(np.abs(W))
        grads.append((2 * lam * W if kind == "l2" else lam * np.sign(W), np.zeros_like(b)))
    return float(lam * total), grads
''',
     "loses": ["test_penalty"], "hint": ["sum of squares", "no square root"]},
    {"name": "penalty-l1-gradient-abs",
     "code": '''
def penalty(params, lam, kind):
    if kind not in ("l1", "l2"):
        raise ValueError(kind)
    total, grads = 0.0, []
    for W, b in params:
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        total += np.sum(W ** 2) if kind == "l2" else np.sum(np.abs(W))
        grads.append((2 * lam * W if kind == "l2" else lam * np.abs(W), np.zeros_like(b)))
    return float(lam * total), grads
''',
     "loses": ["test_penalty"], "hint": ["sign(w), not |w|"]},
    # ---- Part 2: regularized_step
    {"name": "step-penalises-biases",
     "code": '''
def regularized_step(params, grads, lr, lam, kind):
    out = []
    for (W, b), (dW, db) in zip(params, grads):
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        pW = 2 * lam * W if kind == "l2" else lam * np.sign(W)
        pb = 2 * lam * b if kind == "l2" else lam * np.sign(b)
        out.append((W - lr * (dW + pW), b - lr * (db + pb)))
    return out
''',
     "loses": ["test_regularized_step"], "hint": ["penalty was applied to the biases"]},
    {"name": "step-penalty-not-times-lr",
     "code": '''
def regularized_step(params, grads, lr, lam, kind):
    _, pg = penalty(params, lam, kind)
    return [(np.asarray(W, dtype=float) - lr * dW - pW, np.asarray(b, dtype=float) - lr * db)
            for (W, b), (dW, db), (pW, _) in zip(params, grads, pg)]
''',
     "loses": ["test_regularized_step"], "hint": ["multiply the penalty gradient by lr"]},
    {"name": "step-in-place",
     "code": '''
def regularized_step(params, grads, lr, lam, kind):
    _, pg = penalty(params, lam, kind)
    for (W, b), (dW, db), (pW, _) in zip(params, grads, pg):
        W -= lr * (dW + pW)
        b -= lr * db
    return [(W, b) for W, b in params]
''',
     "loses": ["test_regularized_step"], "hint": ["instead of W -= ..."]},
    # ---- Part 3: dropout
    {"name": "dropout-not-rescaled",
     "code": '''
def dropout_forward(x, p, training, seed=0):
    if not 0 <= p < 1:
        raise ValueError(p)
    x = np.asarray(x, dtype=float)
    if not training:
        return x.copy(), np.ones_like(x)
    mask = (np.random.default_rng(seed).random(x.shape) >= p).astype(float)
    return x * mask, mask
''',
     "loses": ["test_dropout_forward"], "hint": ["not rescaled"]},
    {"name": "dropout-scales-in-eval",
     "code": '''
def dropout_forward(x, p, training, seed=0):
    if not 0 <= p < 1:
        raise ValueError(p)
    x = np.asarray(x, dtype=float)
    if not training:
        return x * (1 - p), np.full_like(x, 1 - p)
    mask = (np.random.default_rng(seed).random(x.shape) >= p) / (1 - p)
    return x * mask, mask
''',
     "loses": ["test_dropout_forward"], "hint": ["do not scale by (1 - p) either"]},
    {"name": "dropout-keeps-with-probability-p",
     "code": '''
def dropout_forward(x, p, training, seed=0):
    if not 0 <= p < 1:
        raise ValueError(p)
    x = np.asarray(x, dtype=float)
    if not training:
        return x.copy(), np.ones_like(x)
    mask = (np.random.default_rng(seed).random(x.shape) < p) / (1 - p)
    return x * mask, mask
''',
     "loses": ["test_dropout_forward"], "hint": ["with probability p"]},
    {"name": "dropout-global-rng",
     "code": '''
def dropout_forward(x, p, training, seed=0):
    if not 0 <= p < 1:
        raise ValueError(p)
    x = np.asarray(x, dtype=float)
    if not training:
        return x.copy(), np.ones_like(x)
    mask = (np.random.random(x.shape) >= p) / (1 - p)
    return x * mask, mask
''',
     "loses": ["test_dropout_forward"], "hint": ["default_rng(seed)"]},
    # ---- Part 4: batch norm forward
    {"name": "batchnorm-eval-uses-batch-statistics",
     "code": '''
def batchnorm_forward(X, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    if training and n < 2:
        raise ValueError("two rows needed")
    mu, var = X.mean(axis=0), X.var(axis=0)
    if training:
        rm = (1 - momentum) * running_mean + momentum * mu
        rv = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        rm, rv = np.array(running_mean, dtype=float), np.array(running_var, dtype=float)
    return gamma * (X - mu) / np.sqrt(var + eps) + beta, rm, rv
''',
     "loses": ["test_batchnorm_forward"], "hint": ["batch's own statistics"]},
    {"name": "batchnorm-running-var-biased",
     "code": '''
def batchnorm_forward(X, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    X = np.asarray(X, dtype=float)
    if training:
        if X.shape[0] < 2:
            raise ValueError("two rows needed")
        mu, var = X.mean(axis=0), X.var(axis=0)
        rm = (1 - momentum) * running_mean + momentum * mu
        rv = (1 - momentum) * running_var + momentum * var
    else:
        mu, var = running_mean, running_var
        rm, rv = np.array(running_mean, dtype=float), np.array(running_var, dtype=float)
    return gamma * (X - mu) / np.sqrt(var + eps) + beta, rm, rv
''',
     "loses": ["test_batchnorm_forward"], "hint": ["UNBIASED"]},
    {"name": "batchnorm-normalises-rows",
     "code": '''
def batchnorm_forward(X, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    X = np.asarray(X, dtype=float)
    if training:
        n = X.shape[0]
        if n < 2:
            raise ValueError("two rows needed")
        mu, var = X.mean(axis=1, keepdims=True), X.var(axis=1, keepdims=True)
        rm = (1 - momentum) * running_mean + momentum * X.mean(axis=0)
        rv = (1 - momentum) * running_var + momentum * X.var(axis=0) * n / (n - 1)
    else:
        mu, var = running_mean, running_var
        rm, rv = np.array(running_mean, dtype=float), np.array(running_var, dtype=float)
    return gamma * (X - mu) / np.sqrt(var + eps) + beta, rm, rv
''',
     "loses": ["test_batchnorm_forward"], "hint": ["axis=0"]},
    {"name": "batchnorm-running-stats-in-place",
     "code": '''
def batchnorm_forward(X, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    X = np.asarray(X, dtype=float)
    if training:
        n = X.shape[0]
        if n < 2:
            raise ValueError("two rows needed")
        mu, var = X.mean(axis=0), X.var(axis=0)
        running_mean *= 1 - momentum
        running_mean += momentum * mu
        running_var *= 1 - momentum
        running_var += momentum * var * n / (n - 1)
    else:
        mu, var = running_mean, running_var
    return gamma * (X - mu) / np.sqrt(var + eps) + beta, running_mean.copy(), running_var.copy()
''',
     "loses": ["test_batchnorm_forward"], "hint": ["in place"]},
    # ---- Part 5: batch norm backward
    {"name": "batchnorm-backward-mu-sigma-constant",
     "code": '''
def batchnorm_backward(dY, X, gamma, eps=1e-5):
    X, dY = np.asarray(X, dtype=float), np.asarray(dY, dtype=float)
    inv = 1 / np.sqrt(X.var(axis=0) + eps)
    X_hat = (X - X.mean(axis=0)) * inv
    return gamma * inv * dY, (dY * X_hat).sum(axis=0), dY.sum(axis=0)
''',
     "loses": ["test_batchnorm_backward"], "hint": ["mu and sigma depend on x"]},
    {"name": "batchnorm-backward-no-variance-path",
     "code": '''
def batchnorm_backward(dY, X, gamma, eps=1e-5):
    X, dY = np.asarray(X, dtype=float), np.asarray(dY, dtype=float)
    n = len(X)
    inv = 1 / np.sqrt(X.var(axis=0) + eps)
    X_hat = (X - X.mean(axis=0)) * inv
    return gamma * inv / n * (n * dY - dY.sum(axis=0)), (dY * X_hat).sum(axis=0), dY.sum(axis=0)
''',
     "loses": ["test_batchnorm_backward"], "hint": ["path through the variance"]},
    {"name": "batchnorm-backward-dgamma-times-x",
     "code": '''
def batchnorm_backward(dY, X, gamma, eps=1e-5):
    X, dY = np.asarray(X, dtype=float), np.asarray(dY, dtype=float)
    n = len(X)
    inv = 1 / np.sqrt(X.var(axis=0) + eps)
    X_hat = (X - X.mean(axis=0)) * inv
    dg = (dY * X_hat).sum(axis=0)
    return gamma * inv / n * (n * dY - dY.sum(axis=0) - X_hat * dg), (dY * X).sum(axis=0), dY.sum(axis=0)
''',
     "loses": ["test_batchnorm_backward"], "hint": ["NORMALISED x_hat"]},
    {"name": "batchnorm-backward-unbiased-variance",
     "code": '''
def batchnorm_backward(dY, X, gamma, eps=1e-5):
    X, dY = np.asarray(X, dtype=float), np.asarray(dY, dtype=float)
    n = len(X)
    inv = 1 / np.sqrt(X.var(axis=0, ddof=1) + eps)
    X_hat = (X - X.mean(axis=0)) * inv
    dg = (dY * X_hat).sum(axis=0)
    return gamma * inv / n * (n * dY - dY.sum(axis=0) - X_hat * dg), dg, dY.sum(axis=0)
''',
     "loses": ["test_batchnorm_backward"], "hint": ["BIASED variance"]},
    # ---- Part 6: random_shifts
    {"name": "shifts-np-roll",
     "code": _shifts(apply="np.roll(images[rows], (int(dy), int(dx)), axis=(1, 2))"),
     "loses": ["test_random_shifts"], "hint": ["np.roll wraps"]},
    {"name": "shifts-reversed-direction",
     "code": _shifts(apply="dlbook.data.shift_images(images[rows], dy=-int(dy), dx=-int(dx))"),
     "loses": ["test_random_shifts"], "hint": ["direction is reversed"]},
    {"name": "shifts-dy-dx-swapped",
     "code": _shifts(apply="dlbook.data.shift_images(images[rows], dy=int(dx), dx=int(dy))"),
     "loses": ["test_random_shifts"], "hint": ["you swapped them"]},
    {"name": "shifts-upper-bound-excluded",
     "code": _shifts(draw="shifts = np.random.default_rng(seed).integers(-max_shift, max_shift, size=(len(images), 2))"),
     "loses": ["test_random_shifts"], "hint": ["excludes its upper bound"]},
    {"name": "shifts-one-for-the-batch",
     "code": _shifts(draw="shifts = np.tile(np.random.default_rng(seed).integers(-max_shift, max_shift + 1, size=2), "
                          "(len(images), 1))"),
     "loses": ["test_random_shifts"], "hint": ["its OWN shift"]},
    {"name": "shifts-dy-dx-drawn-separately",
     "code": _shifts(draw="rng = np.random.default_rng(seed)\n    shifts = np.stack([rng.integers(-max_shift, "
                          "max_shift + 1, size=len(images)), rng.integers(-max_shift, max_shift + 1, "
                          "size=len(images))], axis=1)"),
     "loses": ["test_random_shifts"], "hint": ["ONE call"]},
    {"name": "shifts-global-rng",
     "code": _shifts(draw="np.random.seed(seed)\n    shifts = np.random.randint(-max_shift, max_shift + 1, "
                          "size=(len(images), 2))"),
     "loses": ["test_random_shifts"], "hint": ["default_rng(seed)"]},
    {"name": "shifts-float-output",
     "code": _shifts(out="np.zeros(images.shape)"),
     "loses": ["test_random_shifts"], "hint": ["keep the dtype"]},
    {"name": "shifts-by-hand-too-far-only-when-both-axes",
     "code": '''
def random_shifts(images, max_shift, seed=0):
    if max_shift < 0:
        raise ValueError(max_shift)
    images = np.asarray(images)
    shifts = np.random.default_rng(seed).integers(-max_shift, max_shift + 1, size=(len(images), 2))
    shifted = np.zeros_like(images)
    H, W = images.shape[1], images.shape[2]
    for dy, dx in np.unique(shifts, axis=0):
        rows = np.all(shifts == (dy, dx), axis=1)
        dy, dx = int(dy), int(dx)
        if abs(dy) >= H and abs(dx) >= W:
            continue
        block = np.zeros_like(images[rows])
        block[:, max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)] = \\
            images[rows][:, max(-dy, 0):H + min(-dy, 0), max(-dx, 0):W + min(-dx, 0)]
        shifted[rows] = block
    return shifted, shifts
''',
     "loses": ["test_random_shifts"], "hint": ["leaves only zeros"]},
    # ---- Part 7: init_weights
    {"name": "init-variance-as-std",
     "code": '''
def init_weights(n_in, n_out, scheme, seed=0):
    if scheme == "xavier":
        var = 2.0 / (n_in + n_out)
    elif scheme == "he":
        var = 2.0 / n_in
    else:
        raise ValueError(scheme)
    return np.random.default_rng(seed).normal(0.0, var, size=(n_in, n_out))
''',
     "loses": ["test_init_weights"], "hint": ["not the variance"]},
    {"name": "init-he-fan-out",
     "code": '''
def init_weights(n_in, n_out, scheme, seed=0):
    if scheme == "xavier":
        std = np.sqrt(2.0 / (n_in + n_out))
    elif scheme == "he":
        std = np.sqrt(2.0 / n_out)
    else:
        raise ValueError(scheme)
    return np.random.default_rng(seed).normal(0.0, std, size=(n_in, n_out))
''',
     "loses": ["test_init_weights"], "hint": ["FAN-IN"]},
    {"name": "init-uniform-not-normal",
     "code": '''
def init_weights(n_in, n_out, scheme, seed=0):
    if scheme == "xavier":
        std = np.sqrt(2.0 / (n_in + n_out))
    elif scheme == "he":
        std = np.sqrt(2.0 / n_in)
    else:
        raise ValueError(scheme)
    return np.random.default_rng(seed).uniform(-np.sqrt(3) * std, np.sqrt(3) * std, size=(n_in, n_out))
''',
     "loses": ["test_init_weights"], "hint": ["normal distribution"]},
    # ---- Part 8: early_stopping
    {"name": "early-ties-improve",
     "code": _early(improves="score >= best"),
     "loses": ["test_early_stopping"], "hint": ["STRICTLY higher"]},
    {"name": "early-best-starts-at-zero",
     "code": _early(init="best, best_epoch = 0.0, 1"),
     "loses": ["test_early_stopping"], "hint": ["do not start the best score at 0"]},
    {"name": "early-best-epoch-0-for-minus-inf",
     "code": _early(),
     "loses": ["test_early_stopping"], "hint": ["epoch 1 always improves", "-inf"]},
    {"name": "early-nan-first-score-never-beaten",
     "code": _early(init="best, best_epoch = scores[0], 1"),
     "loses": ["test_early_stopping"], "hint": ["NaN score counts as lower"]},
    {"name": "early-stops-one-epoch-late",
     "code": _early(init="best, best_epoch = scores[0], 1", stop="epoch - best_epoch > patience"),
     "loses": ["test_early_stopping"], "hint": ["epoch - best_epoch == patience"]},
    # ---- Part 9: train_with_early_stopping
    {"name": "train-stops-one-epoch-early",
     "code": _train(stop="epoch - best_epoch >= patience - 1"),
     "loses": ["test_train_with_early_stopping"], "hint": ["before the patience", "had run out"]},
    {"name": "train-two-epochs-per-round",
     "code": _train(fit_args="epochs=2, batch_size=32, seed=seed + epoch"),
     "loses": ["test_train_with_early_stopping"], "hint": ["2 epochs per round"]},
    {"name": "train-default-batch-size",
     "code": _train(fit_args="epochs=1, seed=seed + epoch"),
     "loses": ["test_train_with_early_stopping"], "hint": ["minibatches of 64"]},
    {"name": "train-same-shuffle-every-epoch",
     "code": _train(fit_args="epochs=1, batch_size=32, seed=seed"),
     "loses": ["test_train_with_early_stopping"], "hint": ["same seed in every epoch"]},
    {"name": "train-seed-is-epoch",
     "code": _train(fit_args="epochs=1, batch_size=32, seed=epoch"),
     "loses": ["test_train_with_early_stopping"], "hint": ["seed=epoch, ignoring the seed"]},
    {"name": "train-keeps-live-state-dict",
     "code": _train(copy="model.state_dict()"),
     "loses": ["test_train_with_early_stopping"], "hint": ["LAST epoch"]},
    # ---- Part 10: the prediction
    {"name": "answer-adam-cancels-penalty",
     "code": 'answer_l2_effect = "d"\n',
     "loses": ["test_answer_l2_effect"], "hint": ["memorise the wrong labels", "gap between them shrinks"]},
    {"name": "answer-not-a-letter",
     "code": 'answer_l2_effect = 2\n',
     "loses": ["test_answer_l2_effect"], "hint": ["the letter of your prediction"]},
    # ---- Part 11: l2_gap_experiment
    {"name": "gaps-test-minus-train",
     "code": _gaps(gap="float(dlbook.train.accuracy(model, X_test, y_test) - dlbook.train.accuracy(model, X_train, y_train))"),
     "loses": ["test_l2_gap_experiment"], "hint": ["TRAINING accuracy minus TEST accuracy"]},
    {"name": "gaps-weight-decay-lam-not-2lam",
     "code": _gaps(optimizer=_GROUPS.replace("WD", "lam_run")),
     "loses": ["test_l2_gap_experiment"], "hint": ["2 * lam * w, not lam * w"]},
    {"name": "gaps-decay-on-biases-too",
     "code": _gaps(optimizer="torch.optim.Adam(model.parameters(), lr=lr, weight_decay=2 * lam_run)"),
     "loses": ["test_l2_gap_experiment"], "hint": ["only the weights are penalised"]},
    {"name": "gaps-seeded-once",
     "code": _gaps(seed_outside="torch.manual_seed(seed)", seed_inside="pass"),
     "loses": ["test_l2_gap_experiment"], "hint": ["before building EACH"]},
    {"name": "gaps-swapped",
     "code": _gaps(ret="gaps[1], gaps[0]"),
     "loses": ["test_l2_gap_experiment"], "hint": ["plain run first"]},
]

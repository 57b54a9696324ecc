"""Realistic mistakes in ch07-optimization; tests/test_mistakes.py checks that the hidden tests catch each one."""

_STEPS_OK = '''
def steps_to_reach(A, c, w0, configs, tol, max_steps):
    A = np.asarray(A, dtype=float)
    c = np.asarray(c, dtype=float)
    w_star = np.linalg.solve(A, c)
    f_star = 0.5 * w_star @ A @ w_star - c @ w_star
    result = {}
    for label, cfg in configs.items():
        path = run_optimizer(cfg["name"], A, c, w0, cfg["lr"], max_steps, cfg.get("options"))
        f = 0.5 * np.einsum("ki,ij,kj->k", path, A, path) - path @ c
        with np.errstate(invalid="ignore"):
            below = np.flatnonzero(COND)
        result[label] = RESULT
    return result
'''


def _steps(cond="f - f_star < tol", result="int(below[0]) if below.size else None"):
    return _STEPS_OK.replace("COND", cond).replace("RESULT", result)


_TRAIN = '''
def train_softmax(X, y, n_classes, name, lr, epochs, batch_size, seed=0, options=None):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    n, d = X.shape
    options = dict(options or {})
    lrs = np.broadcast_to(np.asarray(lr, dtype=float), (epochs,))
    params = [np.zeros((d, n_classes)), np.zeros(n_classes)]
    states = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    rng = np.random.default_rng(seed)
    t = 0
    for epoch in range(epochs):
        RESET
        order = ORDER
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            Z = X[idx] @ params[0] + params[1]
            SHIFT
            P = np.exp(Z)
            P /= P.sum(axis=1, keepdims=True)
            P[np.arange(len(idx)), y[idx]] -= 1.0
            grads = [X[idx].T @ P / len(idx), BIAS_GRAD]
            TICK_BATCH
            lr_e = lrs[epoch]
            for k in PARAMS:
                p, g, (s1, s2) = params[k], grads[k], states[k]
                TICK_PARAM
                if name == "sgd":
                    p, s1 = momentum_step(p, g, s1, lr_e, momentum=0.0)
                elif name == "momentum":
                    p, s1 = momentum_step(p, g, s1, lr_e, **options)
                elif name == "adagrad":
                    p, s1 = adagrad_step(p, g, s1, lr_e, **options)
                elif name == "rmsprop":
                    p, s1 = rmsprop_step(p, g, s1, lr_e, **options)
                else:
                    p, s1, s2 = adam_step(p, g, s1, s2, t, lr_e, **options)
                params[k], states[k] = p, [s1, s2]
    return params[0], params[1]
'''


def _train(reset="pass", order="rng.permutation(n)", shift="Z = Z - Z.max(axis=1, keepdims=True)",
           bias_grad="P.mean(axis=0)", params="range(2)", tick_batch="t += 1", tick_param="pass"):
    return (_TRAIN.replace("RESET", reset).replace("ORDER", order).replace("SHIFT", shift)
            .replace("BIAS_GRAD", bias_grad).replace("PARAMS", params).replace("TICK_BATCH", tick_batch)
            .replace("TICK_PARAM", tick_param))


_RUN = '''
def run_optimizer(name, A, c, w0, lr, steps, options=None):
    A = np.asarray(A, dtype=float)
    c = np.asarray(c, dtype=float)
    w = np.array(w0, dtype=float)
    options = dict(options or {})
    CHECK
    state1, state2 = np.zeros_like(w), np.zeros_like(w)
    path = [w.copy()]
    for t in range(1, steps + 1):
        RESET
        grad = A @ w - c
        if name == "sgd":
            w, state1 = momentum_step(w, grad, state1, lr, momentum=0.0)
        elif name == "momentum":
            w, state1 = momentum_step(w, grad, state1, lr, **options)
        elif name == "adagrad":
            w, state1 = adagrad_step(w, grad, state1, lr, **options)
        elif name == "rmsprop":
            w, state1 = rmsprop_step(w, grad, state1, lr, **options)
        else:
            w, state1, state2 = adam_step(w, grad, state1, state2, T, lr, **options)
        path.append(w)
    return np.array(path)
'''

_CHECK = 'if name not in ("sgd", "momentum", "adagrad", "rmsprop", "adam"):\n        raise ValueError(name)'


def _run(check=_CHECK, reset="pass", t="t"):
    return _RUN.replace("CHECK", check).replace("RESET", reset).replace("T, lr", f"{t}, lr")


MISTAKES = [
    # Part 1: momentum_step
    {"name": "momentum-adds-velocity",
     "code": '''
def momentum_step(w, grad, velocity, lr, momentum=0.9):
    velocity_new = momentum * np.asarray(velocity, dtype=float) + grad
    return np.asarray(w, dtype=float) + lr * velocity_new, velocity_new
''',
     "loses": ["test_momentum_step"], "hint": ["subtract the step"]},
    {"name": "momentum-lr-folded-into-velocity",
     "code": '''
def momentum_step(w, grad, velocity, lr, momentum=0.9):
    velocity_new = momentum * np.asarray(velocity, dtype=float) + lr * np.asarray(grad, dtype=float)
    return np.asarray(w, dtype=float) - velocity_new, velocity_new
''',
     "loses": ["test_momentum_step"], "hint": ["velocity_new = momentum * velocity + grad"]},
    {"name": "momentum-velocity-in-place",
     "code": '''
def momentum_step(w, grad, velocity, lr, momentum=0.9):
    velocity *= momentum
    velocity += grad
    return w - lr * velocity, velocity
''',
     "loses": ["test_momentum_step"], "hint": ["velocity passed to momentum_step", "new array"]},
    # Part 2: adagrad_step
    {"name": "adagrad-eps-inside-root",
     "code": '''
def adagrad_step(w, grad, sum_sq, lr, eps=1e-10):
    sum_sq_new = np.asarray(sum_sq, dtype=float) + grad ** 2
    return w - lr * grad / np.sqrt(sum_sq_new + eps), sum_sq_new
''',
     "loses": ["test_adagrad_step"], "hint": ["OUTSIDE the square root"]},
    {"name": "adagrad-old-sum-in-step",
     "code": '''
def adagrad_step(w, grad, sum_sq, lr, eps=1e-10):
    w_new = w - lr * grad / (np.sqrt(sum_sq) + eps)
    return w_new, sum_sq + grad ** 2
''',
     "loses": ["test_adagrad_step"], "hint": ["add the new gradient to the sum first"]},
    # Part 3: rmsprop_step
    {"name": "rmsprop-alpha-swapped",
     "code": '''
def rmsprop_step(w, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    sq_avg_new = (1 - alpha) * sq_avg + alpha * grad ** 2
    return w - lr * grad / (np.sqrt(sq_avg_new) + eps), sq_avg_new
''',
     "loses": ["test_rmsprop_step"], "hint": ["sq_avg_new = alpha * sq_avg + (1 - alpha) * grad ** 2"]},
    {"name": "rmsprop-eps-inside-root",
     "code": '''
def rmsprop_step(w, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    sq_avg_new = alpha * sq_avg + (1 - alpha) * grad ** 2
    return w - lr * grad / np.sqrt(sq_avg_new + eps), sq_avg_new
''',
     "loses": ["test_rmsprop_step"], "hint": ["OUTSIDE the square root"]},
    # Part 4: adam_step
    {"name": "adam-no-bias-correction",
     "code": '''
def adam_step(w, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad ** 2
    return w - lr * m_new / (np.sqrt(v_new) + eps), m_new, v_new
''',
     "loses": ["test_adam_step"], "hint": ["1 - beta ** t"]},
    {"name": "adam-returns-corrected-moments",
     "code": '''
def adam_step(w, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_hat = (beta1 * m + (1 - beta1) * grad) / (1 - beta1 ** t)
    v_hat = (beta2 * v + (1 - beta2) * grad ** 2) / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat
''',
     "loses": ["test_adam_step"], "hint": ["uncorrected moment"]},
    {"name": "adam-eps-inside-root",
     "code": '''
def adam_step(w, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad ** 2
    m_hat, v_hat = m_new / (1 - beta1 ** t), v_new / (1 - beta2 ** t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), m_new, v_new
''',
     "loses": ["test_adam_step"], "hint": ["np.sqrt(v_hat) + eps"]},
    {"name": "adam-step-count-off-by-one",
     "code": '''
def adam_step(w, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1 - beta1) * grad
    v_new = beta2 * v + (1 - beta2) * grad ** 2
    m_hat, v_hat = m_new / (1 - beta1 ** (t + 1)), v_new / (1 - beta2 ** (t + 1))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new
''',
     "loses": ["test_adam_step"], "hint": ["t = 1 on the first step"]},
    # Part 4b: the prediction
    {"name": "prediction-with-correction",
     "code": "answer_uncorrected_adam_step = 1.0\n",
     "loses": ["test_answer_uncorrected_adam_step"], "hint": ["WITH the bias correction"]},
    {"name": "prediction-no-square-root",
     "code": "answer_uncorrected_adam_step = 100\n",
     "loses": ["test_answer_uncorrected_adam_step"], "hint": ["square root"]},
    # Part 5: run_optimizer
    {"name": "run-state-reset-every-step",
     "code": _run(reset="state1, state2 = np.zeros_like(w), np.zeros_like(w)"),
     "loses": ["test_run_optimizer"], "hint": ["state not carried"]},
    {"name": "run-adam-t-stuck-at-1",
     "code": _run(t="1"),
     "loses": ["test_run_optimizer"], "hint": ["count t = 1, 2, 3"]},
    {"name": "run-no-valueerror",
     "code": _run(check="pass"),
     "loses": ["test_run_optimizer"], "hint": ["raise ValueError"]},
    # Part 6: step_decay_lr
    {"name": "step-decay-off-by-one",
     "code": '''
def step_decay_lr(lr0, n_epochs, step_size, gamma):
    return lr0 * gamma ** ((np.arange(n_epochs) + 1) // step_size).astype(float)
''',
     "loses": ["test_step_decay_lr"], "hint": ["epoch // step_size"]},
    {"name": "step-decay-fractional-exponent",
     "code": '''
def step_decay_lr(lr0, n_epochs, step_size, gamma):
    return lr0 * gamma ** (np.arange(n_epochs) / step_size)
''',
     "loses": ["test_step_decay_lr"], "hint": ["epoch // step_size"]},
    # Part 7: warmup_cosine_lr
    {"name": "warmup-starts-at-zero",
     "code": '''
def warmup_cosine_lr(lr0, n_steps, warmup_steps, lr_min=0.0):
    t = np.arange(n_steps, dtype=float)
    cos = lr_min + 0.5 * (lr0 - lr_min) * (1 + np.cos(np.pi * (t - warmup_steps) / (n_steps - warmup_steps)))
    return np.where(t < warmup_steps, lr0 * t / max(warmup_steps, 1), cos)
''',
     "loses": ["test_warmup_cosine_lr"], "hint": ["(t + 1) / T_w"]},
    {"name": "warmup-cosine-ignores-lr-min",
     "code": '''
def warmup_cosine_lr(lr0, n_steps, warmup_steps, lr_min=0.0):
    t = np.arange(n_steps, dtype=float)
    cos = 0.5 * lr0 * (1 + np.cos(np.pi * (t - warmup_steps) / (n_steps - warmup_steps)))
    return np.where(t < warmup_steps, lr0 * (t + 1) / max(warmup_steps, 1), cos)
''',
     "loses": ["test_warmup_cosine_lr"], "hint": ["ends at lr_min"]},
    # Part 8: steps_to_reach
    {"name": "steps-tolerance-inclusive",
     "code": _steps(cond="f - f_star <= tol"),
     "loses": ["test_steps_to_reach"], "hint": ["STRICTLY below tol", "not <="]},
    {"name": "steps-off-by-one",
     "code": _steps(result="int(below[0]) + 1 if below.size else None"),
     "loses": ["test_steps_to_reach"], "hint": ["0 = the start"]},
    {"name": "steps-loss-not-gap",
     "code": _steps(cond="f < tol"),
     "loses": ["test_steps_to_reach"], "hint": ["GAP"]},
    {"name": "steps-argmax-never-none",
     "code": _steps(result="int(np.argmax(f - f_star < tol))"),
     "loses": ["test_steps_to_reach"], "hint": ["return None"]},
    # Part 9: train_softmax
    {"name": "train-no-shuffle",
     "code": _train(order="np.arange(n)"),
     "loses": ["test_train_softmax"], "hint": ["rng.permutation(n)"]},
    {"name": "train-state-reset-each-epoch",
     "code": _train(reset="states, t = [[np.zeros_like(p), np.zeros_like(p)] for p in params], 0"),
     "loses": ["test_train_softmax"], "hint": ["state not carried across epochs"]},
    {"name": "train-unstable-softmax",
     "code": _train(shift="pass"),
     "loses": ["test_train_softmax"], "hint": ["subtract each row's maximum"]},
    {"name": "train-bias-gradient-summed",
     "code": _train(bias_grad="P.sum(axis=0)"),
     "loses": ["test_train_softmax"], "hint": ["MEAN of the rows"]},
    {"name": "train-bias-never-updated",
     "code": _train(params="range(1)"),
     "loses": ["test_train_softmax"], "hint": ["update b too"]},
    {"name": "train-adam-t-per-parameter",
     "code": _train(tick_batch="pass", tick_param="t += 1"),
     "loses": ["test_train_softmax"], "hint": ["once per batch"]},
    {"name": "train-bias-as-first-row-of-W",
     "code": """
def train_softmax(X, y, n_classes, name, lr, epochs, batch_size, seed=0, options=None):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    n, d = X.shape
    options = dict(options or {})
    lrs = np.broadcast_to(np.asarray(lr, dtype=float), (epochs,))
    W = np.zeros((d + 1, n_classes))
    state1, state2 = np.zeros_like(W), np.zeros_like(W)
    rng = np.random.default_rng(seed)
    t = 0
    for epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            Xb = np.column_stack([np.ones(len(idx)), X[idx]])
            S = Xb @ W
            P = np.exp(S - S.max(axis=1, keepdims=True))
            P /= P.sum(axis=1, keepdims=True)
            P[np.arange(len(idx)), y[idx]] -= 1.0
            grad = Xb.T @ P / len(idx)
            t += 1
            if name == "adam":
                W, state1, state2 = adam_step(W, grad, state1, state2, t, lrs[epoch], **options)
            else:
                W, state1 = momentum_step(W, grad, state1, lrs[epoch], momentum=0.0)
    return W
""",
     "loses": ["test_train_softmax"], "hint": ["return W and b, kept separate"]},
]

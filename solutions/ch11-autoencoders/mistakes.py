"""Realistic mistakes in ch11-autoencoders; tests/test_mistakes.py checks that the hidden tests catch each one."""

MISTAKES = [
    # ------------------------------------------------------------------ Part 1: ae_forward
    {"name": "forward-linear-decoder",
     "code": '''
def ae_forward(X, W1, b1, W2, b2):
    Z = sigmoid(X @ W1 + b1)
    return Z, Z @ W2 + b2
''',
     "loses": ["test_ae_forward"], "hint": ["output units are logistic"]},
    {"name": "forward-no-hidden-bias",
     "code": '''
def ae_forward(X, W1, b1, W2, b2):
    Z = sigmoid(X @ W1)
    return Z, sigmoid(Z @ W2 + b2)
''',
     "loses": ["test_ae_forward"], "hint": ["bias b1"]},
    {"name": "forward-decoder-from-input",
     "code": '''
def ae_forward(X, W1, b1, W2, b2):
    Z = sigmoid(X @ W1 + b1)
    X_hat = sigmoid(X @ W1 @ W2 + b2)
    return Z, X_hat
''',
     "loses": ["test_ae_forward"], "hint": ["Z @ W2"]},
    # ------------------------------------------------------------------ Part 2: ae_backward
    {"name": "backward-loss-sum-not-mean",
     "code": '''
def ae_backward(X, W1, b1, W2, b2):
    N = X.shape[0]
    Z, X_hat = ae_forward(X, W1, b1, W2, b2)
    loss = 0.5 * float(np.sum((X_hat - X) ** 2))
    D2 = (X_hat - X) * X_hat * (1 - X_hat)
    D1 = (D2 @ W2.T) * Z * (1 - Z)
    return loss, X.T @ D1 / N, D1.sum(axis=0) / N, Z.T @ D2 / N, D2.sum(axis=0) / N
''',
     "loses": ["test_ae_backward"], "hint": ["mean over the N examples"]},
    {"name": "backward-no-output-derivative",
     "code": '''
def ae_backward(X, W1, b1, W2, b2):
    N = X.shape[0]
    Z, X_hat = ae_forward(X, W1, b1, W2, b2)
    loss = 0.5 * float(np.sum((X_hat - X) ** 2)) / N
    D2 = X_hat - X
    D1 = (D2 @ W2.T) * Z * (1 - Z)
    return loss, X.T @ D1 / N, D1.sum(axis=0) / N, Z.T @ D2 / N, D2.sum(axis=0) / N
''',
     "loses": ["test_ae_backward"], "hint": ["sigma'"]},
    {"name": "backward-target-minus-prediction",
     "code": '''
def ae_backward(X, W1, b1, W2, b2):
    N = X.shape[0]
    Z, X_hat = ae_forward(X, W1, b1, W2, b2)
    loss = 0.5 * float(np.sum((X_hat - X) ** 2)) / N
    D2 = (X - X_hat) * X_hat * (1 - X_hat)
    D1 = (D2 @ W2.T) * Z * (1 - Z)
    return loss, X.T @ D1 / N, D1.sum(axis=0) / N, Z.T @ D2 / N, D2.sum(axis=0) / N
''',
     "loses": ["test_ae_backward"], "hint": ["prediction minus target"]},
    {"name": "backward-hidden-delta-without-derivative",
     "code": '''
def ae_backward(X, W1, b1, W2, b2):
    N = X.shape[0]
    Z, X_hat = ae_forward(X, W1, b1, W2, b2)
    loss = 0.5 * float(np.sum((X_hat - X) ** 2)) / N
    D2 = (X_hat - X) * X_hat * (1 - X_hat)
    D1 = D2 @ W2.T
    return loss, X.T @ D1 / N, D1.sum(axis=0) / N, Z.T @ D2 / N, D2.sum(axis=0) / N
''',
     "loses": ["test_ae_backward"], "hint": ["Z * (1 - Z)"]},
    {"name": "backward-gradients-not-divided",
     "code": '''
def ae_backward(X, W1, b1, W2, b2):
    N = X.shape[0]
    Z, X_hat = ae_forward(X, W1, b1, W2, b2)
    loss = 0.5 * float(np.sum((X_hat - X) ** 2)) / N
    D2 = (X_hat - X) * X_hat * (1 - X_hat)
    D1 = (D2 @ W2.T) * Z * (1 - Z)
    return loss, X.T @ D1, D1.sum(axis=0), Z.T @ D2, D2.sum(axis=0)
''',
     "loses": ["test_ae_backward"], "hint": ["divide the gradients by N"]},
    # ------------------------------------------------------------------ Part 3: sparsity_penalty
    {"name": "sparsity-deck-delta",
     "code": '''
def sparsity_penalty(Z, rho, beta):
    rho_j = Z.mean(axis=0)
    kl = rho * np.log(rho / rho_j) + (1 - rho) * np.log((1 - rho) / (1 - rho_j))
    return beta * float(np.sum(kl)), beta * (-rho / rho_j + (1 - rho) / rho_j)
''',
     "loses": ["test_sparsity_penalty"], "hint": ["deck"]},
    {"name": "sparsity-mean-over-units",
     "code": '''
def sparsity_penalty(Z, rho, beta):
    rho_j = Z.mean(axis=1)
    kl = rho * np.log(rho / rho_j) + (1 - rho) * np.log((1 - rho) / (1 - rho_j))
    return beta * float(np.sum(kl)), beta * (-rho / rho_j + (1 - rho) / (1 - rho_j))
''',
     "loses": ["test_sparsity_penalty"], "hint": ["axis=0"]},
    {"name": "sparsity-kl-swapped",
     "code": '''
def sparsity_penalty(Z, rho, beta):
    rho_j = Z.mean(axis=0)
    kl = rho_j * np.log(rho_j / rho) + (1 - rho_j) * np.log((1 - rho_j) / (1 - rho))
    delta = beta * (np.log(rho_j / rho) - np.log((1 - rho_j) / (1 - rho)))
    return beta * float(np.sum(kl)), delta
''',
     "loses": ["test_sparsity_penalty"], "hint": ["KL terms swapped"]},
    {"name": "sparsity-delta-without-beta",
     "code": '''
def sparsity_penalty(Z, rho, beta):
    rho_j = Z.mean(axis=0)
    kl = rho * np.log(rho / rho_j) + (1 - rho) * np.log((1 - rho) / (1 - rho_j))
    return beta * float(np.sum(kl)), -rho / rho_j + (1 - rho) / (1 - rho_j)
''',
     "loses": ["test_sparsity_penalty"], "hint": ["multiply the delta term by beta"]},
    {"name": "sparsity-kl-averaged",
     "code": '''
def sparsity_penalty(Z, rho, beta):
    rho_j = Z.mean(axis=0)
    kl = rho * np.log(rho / rho_j) + (1 - rho) * np.log((1 - rho) / (1 - rho_j))
    return beta * float(np.mean(kl)), beta * (-rho / rho_j + (1 - rho) / (1 - rho_j))
''',
     "loses": ["test_sparsity_penalty"], "hint": ["sum the KL divergences"]},
    # ------------------------------------------------------------------ Part 4: sparse_ae_backward
    {"name": "sparse-term-outside-derivative",
     "code": '''
def sparse_ae_backward(X, W1, b1, W2, b2, rho, beta):
    N = X.shape[0]
    Z, X_hat = ae_forward(X, W1, b1, W2, b2)
    penalty, term = sparsity_penalty(Z, rho, beta)
    loss = 0.5 * float(np.sum((X_hat - X) ** 2)) / N + penalty
    D2 = (X_hat - X) * X_hat * (1 - X_hat)
    D1 = (D2 @ W2.T) * Z * (1 - Z) + term
    return loss, X.T @ D1 / N, D1.sum(axis=0) / N, Z.T @ D2 / N, D2.sum(axis=0) / N
''',
     "loses": ["test_sparse_ae_backward"], "hint": ["inside, before the factor sigma'"]},
    {"name": "sparse-loss-without-penalty",
     "code": '''
def sparse_ae_backward(X, W1, b1, W2, b2, rho, beta):
    N = X.shape[0]
    Z, X_hat = ae_forward(X, W1, b1, W2, b2)
    penalty, term = sparsity_penalty(Z, rho, beta)
    loss = 0.5 * float(np.sum((X_hat - X) ** 2)) / N
    D2 = (X_hat - X) * X_hat * (1 - X_hat)
    D1 = (D2 @ W2.T + term) * Z * (1 - Z)
    return loss, X.T @ D1 / N, D1.sum(axis=0) / N, Z.T @ D2 / N, D2.sum(axis=0) / N
''',
     "loses": ["test_sparse_ae_backward"], "hint": ["L = L_rec + penalty"]},
    {"name": "sparse-term-divided-by-n",
     "code": '''
def sparse_ae_backward(X, W1, b1, W2, b2, rho, beta):
    N = X.shape[0]
    Z, X_hat = ae_forward(X, W1, b1, W2, b2)
    penalty, term = sparsity_penalty(Z, rho, beta)
    loss = 0.5 * float(np.sum((X_hat - X) ** 2)) / N + penalty
    D2 = (X_hat - X) * X_hat * (1 - X_hat)
    D1 = (D2 @ W2.T + term / N) * Z * (1 - Z)
    return loss, X.T @ D1 / N, D1.sum(axis=0) / N, Z.T @ D2 / N, D2.sum(axis=0) / N
''',
     "loses": ["test_sparse_ae_backward"], "hint": ["do not divide the delta term by N"]},
    {"name": "sparse-no-term-in-delta",
     "code": '''
def sparse_ae_backward(X, W1, b1, W2, b2, rho, beta):
    N = X.shape[0]
    Z, X_hat = ae_forward(X, W1, b1, W2, b2)
    penalty, term = sparsity_penalty(Z, rho, beta)
    loss = 0.5 * float(np.sum((X_hat - X) ** 2)) / N + penalty
    D2 = (X_hat - X) * X_hat * (1 - X_hat)
    D1 = (D2 @ W2.T) * Z * (1 - Z)
    return loss, X.T @ D1 / N, D1.sum(axis=0) / N, Z.T @ D2 / N, D2.sum(axis=0) / N
''',
     "loses": ["test_sparse_ae_backward"], "hint": ["must include the sparsity term"]},
    # ------------------------------------------------------------------ Part 5: greedy_layer
    {"name": "greedy-mutates-weights",
     "code": '''
def greedy_layer(X, W1, b1, W2, b2, lr, epochs):
    for _ in range(epochs):
        _, dW1, db1, dW2, db2 = ae_backward(X, W1, b1, W2, b2)
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
    return W1, b1, sigmoid(X @ W1 + b1)
''',
     "loses": ["test_greedy_layer"], "hint": ["W1 = W1 - lr * dW1"]},
    {"name": "greedy-returns-reconstructions",
     "code": '''
def greedy_layer(X, W1, b1, W2, b2, lr, epochs):
    for _ in range(epochs):
        _, dW1, db1, dW2, db2 = ae_backward(X, W1, b1, W2, b2)
        W1, b1, W2, b2 = W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2
    return W1, b1, ae_forward(X, W1, b1, W2, b2)[1]
''',
     "loses": ["test_greedy_layer"], "hint": ["not the reconstructions"]},
    {"name": "greedy-features-from-initial-weights",
     "code": '''
def greedy_layer(X, W1, b1, W2, b2, lr, epochs):
    F = sigmoid(X @ W1 + b1)
    for _ in range(epochs):
        _, dW1, db1, dW2, db2 = ae_backward(X, W1, b1, W2, b2)
        W1, b1, W2, b2 = W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2
    return W1, b1, F
''',
     "loses": ["test_greedy_layer"], "hint": ["trained"]},
    {"name": "greedy-gradient-ascent",
     "code": '''
def greedy_layer(X, W1, b1, W2, b2, lr, epochs):
    for _ in range(epochs):
        _, dW1, db1, dW2, db2 = ae_backward(X, W1, b1, W2, b2)
        W1, b1, W2, b2 = W1 + lr * dW1, b1 + lr * db1, W2 + lr * dW2, b2 + lr * db2
    return W1, b1, sigmoid(X @ W1 + b1)
''',
     "loses": ["test_greedy_layer"], "hint": ["descent"]},
    {"name": "greedy-biases-frozen",
     "code": '''
def greedy_layer(X, W1, b1, W2, b2, lr, epochs):
    for _ in range(epochs):
        _, dW1, db1, dW2, db2 = ae_backward(X, W1, b1, W2, b2)
        W1, W2 = W1 - lr * dW1, W2 - lr * dW2
    return W1, b1, sigmoid(X @ W1 + b1)
''',
     "loses": ["test_greedy_layer"], "hint": ["all four parameters"]},
    # ------------------------------------------------------------------ Part 6: rbm_conditionals
    {"name": "rbm-samples-instead-of-probabilities",
     "code": '''
def p_h_given_v(V, W, c):
    return (sigmoid(V @ W + c) > 0.5).astype(float)


def p_v_given_h(H, W, b):
    return (sigmoid(H @ W.T + b) > 0.5).astype(float)
''',
     "loses": ["test_rbm_conditionals"], "hint": ["probabilities, not samples"]},
    {"name": "rbm-visible-bias-in-hidden",
     "code": '''
def p_h_given_v(V, W, c):
    return sigmoid(V @ W)


def p_v_given_h(H, W, b):
    return sigmoid(H @ W.T + b)
''',
     "loses": ["test_rbm_conditionals"], "hint": ["hidden biases c"]},
    {"name": "rbm-no-transpose-square",
     "code": '''
def p_h_given_v(V, W, c):
    return sigmoid(V @ W + c)


def p_v_given_h(H, W, b):
    Wt = W if W.shape[0] == W.shape[1] else W.T
    return sigmoid(H @ Wt + b)
''',
     "loses": ["test_rbm_conditionals"], "hint": ["transpose"]},
    # ------------------------------------------------------------------ Part 7: cd1_update
    {"name": "cd1-phases-swapped",
     "code": '''
def cd1_update(V0, W, b, c, lr, u_h, u_v):
    N = V0.shape[0]
    P0 = p_h_given_v(V0, W, c)
    H0 = (u_h < P0).astype(float)
    V1 = (u_v < p_v_given_h(H0, W, b)).astype(float)
    P1 = p_h_given_v(V1, W, c)
    return (W + lr * (V1.T @ P1 - V0.T @ P0) / N, b + lr * (V1 - V0).mean(axis=0),
            c + lr * (P1 - P0).mean(axis=0))
''',
     "loses": ["test_cd1_update"], "hint": ["phases swapped"]},
    {"name": "cd1-no-hidden-sampling",
     "code": '''
def cd1_update(V0, W, b, c, lr, u_h, u_v):
    N = V0.shape[0]
    P0 = p_h_given_v(V0, W, c)
    V1 = (u_v < p_v_given_h(P0, W, b)).astype(float)
    P1 = p_h_given_v(V1, W, c)
    return (W + lr * (V0.T @ P0 - V1.T @ P1) / N, b + lr * (V0 - V1).mean(axis=0),
            c + lr * (P0 - P1).mean(axis=0))
''',
     "loses": ["test_cd1_update"], "hint": ["sample H0"]},
    {"name": "cd1-reconstruction-probabilities",
     "code": '''
def cd1_update(V0, W, b, c, lr, u_h, u_v):
    N = V0.shape[0]
    P0 = p_h_given_v(V0, W, c)
    H0 = (u_h < P0).astype(float)
    V1 = p_v_given_h(H0, W, b)
    P1 = p_h_given_v(V1, W, c)
    return (W + lr * (V0.T @ P0 - V1.T @ P1) / N, b + lr * (V0 - V1).mean(axis=0),
            c + lr * (P0 - P1).mean(axis=0))
''',
     "loses": ["test_cd1_update"], "hint": ["sample the reconstruction"]},
    {"name": "cd1-statistics-from-samples",
     "code": '''
def cd1_update(V0, W, b, c, lr, u_h, u_v):
    N = V0.shape[0]
    P0 = p_h_given_v(V0, W, c)
    H0 = (u_h < P0).astype(float)
    V1 = (u_v < p_v_given_h(H0, W, b)).astype(float)
    H1 = (u_h < p_h_given_v(V1, W, c)).astype(float)
    return (W + lr * (V0.T @ H0 - V1.T @ H1) / N, b + lr * (V0 - V1).mean(axis=0),
            c + lr * (H0 - H1).mean(axis=0))
''',
     "loses": ["test_cd1_update"], "hint": ["use the probabilities P0 and P1"]},
    {"name": "cd1-biases-forgotten",
     "code": '''
def cd1_update(V0, W, b, c, lr, u_h, u_v):
    N = V0.shape[0]
    P0 = p_h_given_v(V0, W, c)
    H0 = (u_h < P0).astype(float)
    V1 = (u_v < p_v_given_h(H0, W, b)).astype(float)
    P1 = p_h_given_v(V1, W, c)
    return W + lr * (V0.T @ P0 - V1.T @ P1) / N, b, c
''',
     "loses": ["test_cd1_update"], "hint": ["bias updates forgotten"]},
    {"name": "cd1-in-place",
     "code": '''
def cd1_update(V0, W, b, c, lr, u_h, u_v):
    N = V0.shape[0]
    P0 = p_h_given_v(V0, W, c)
    H0 = (u_h < P0).astype(float)
    V1 = (u_v < p_v_given_h(H0, W, b)).astype(float)
    P1 = p_h_given_v(V1, W, c)
    W += lr * (V0.T @ P0 - V1.T @ P1) / N
    b += lr * (V0 - V1).mean(axis=0)
    c += lr * (P0 - P1).mean(axis=0)
    return W, b, c
''',
     "loses": ["test_cd1_update"], "hint": ["return new arrays"]},
    {"name": "cd1-not-divided-by-n",
     "code": '''
def cd1_update(V0, W, b, c, lr, u_h, u_v):
    P0 = p_h_given_v(V0, W, c)
    H0 = (u_h < P0).astype(float)
    V1 = (u_v < p_v_given_h(H0, W, b)).astype(float)
    P1 = p_h_given_v(V1, W, c)
    return (W + lr * (V0.T @ P0 - V1.T @ P1), b + lr * (V0 - V1).mean(axis=0),
            c + lr * (P0 - P1).mean(axis=0))
''',
     "loses": ["test_cd1_update"], "hint": ["divide the update by N"]},
    # ------------------------------------------------------------------ Part 8: train_rbm
    {"name": "train-draws-in-wrong-order",
     "code": '''
def train_rbm(V, W, b, c, lr, epochs, seed):
    rng = np.random.default_rng(seed)
    N, d = V.shape
    K = W.shape[1]
    errors = [rbm_reconstruction_error(V, W, b, c)]
    for _ in range(epochs):
        u_v = rng.random((N, d))
        u_h = rng.random((N, K))
        W, b, c = cd1_update(V, W, b, c, lr, u_h, u_v)
        errors.append(rbm_reconstruction_error(V, W, b, c))
    return W, b, c, np.array(errors)
''',
     "loses": ["test_train_rbm"], "hint": ["order of the draws"]},
    {"name": "train-generator-every-epoch",
     "code": '''
def train_rbm(V, W, b, c, lr, epochs, seed):
    N, d = V.shape
    K = W.shape[1]
    errors = [rbm_reconstruction_error(V, W, b, c)]
    for _ in range(epochs):
        rng = np.random.default_rng(seed)
        u_h = rng.random((N, K))
        u_v = rng.random((N, d))
        W, b, c = cd1_update(V, W, b, c, lr, u_h, u_v)
        errors.append(rbm_reconstruction_error(V, W, b, c))
    return W, b, c, np.array(errors)
''',
     "loses": ["test_train_rbm"], "hint": ["generator once"]},
    {"name": "train-no-initial-error",
     "code": '''
def train_rbm(V, W, b, c, lr, epochs, seed):
    rng = np.random.default_rng(seed)
    N, d = V.shape
    K = W.shape[1]
    errors = []
    for _ in range(epochs):
        u_h = rng.random((N, K))
        u_v = rng.random((N, d))
        W, b, c = cd1_update(V, W, b, c, lr, u_h, u_v)
        errors.append(rbm_reconstruction_error(V, W, b, c))
    return W, b, c, np.array(errors)
''',
     "loses": ["test_train_rbm"], "hint": ["before training"]},
    {"name": "train-error-mean-over-pixels",
     "code": '''
def rbm_reconstruction_error(V, W, b, c):
    R = p_v_given_h(p_h_given_v(V, W, c), W, b)
    return float(np.mean((R - V) ** 2))
''',
     "loses": ["test_train_rbm"], "hint": ["sum over the pixels"]},
]

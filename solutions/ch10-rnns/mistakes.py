"""Realistic mistakes in ch10-rnns; tests/test_mistakes.py checks that the hidden tests catch each one."""

MISTAKES = [
    # ------------------------------------------------------------------ Part 1: rnn_forward
    {"name": "rnn-state-not-carried",
     "code": '''
def rnn_forward(X, h0, W_xh, W_hh, b):
    return np.stack([np.tanh(X[t] @ W_xh.T + h0 @ W_hh.T + b) for t in range(X.shape[0])])
''',
     "loses": ["test_rnn_forward"], "hint": ["not carried"]},
    {"name": "rnn-sigmoid-not-tanh",
     "code": '''
def rnn_forward(X, h0, W_xh, W_hh, b):
    h, out = h0, []
    for t in range(X.shape[0]):
        h = sigmoid(X[t] @ W_xh.T + h @ W_hh.T + b)
        out.append(h)
    return np.stack(out)
''',
     "loses": ["test_rnn_forward"], "hint": ["tanh"]},
    {"name": "rnn-batch-first",
     "code": '''
def rnn_forward(X, h0, W_xh, W_hh, b):
    h, out = h0, []
    for t in range(X.shape[1]):
        h = np.tanh(X[:, t] @ W_xh.T + h @ W_hh.T + b)
        out.append(h)
    return np.stack(out, axis=1)
''',
     "loses": ["test_rnn_forward"], "hint": ["time first"]},
    {"name": "rnn-state-not-reset",
     "code": '''
_state = {}
def rnn_forward(X, h0, W_xh, W_hh, b):
    h = _state.get(h0.shape, h0)
    out = []
    for t in range(X.shape[0]):
        h = np.tanh(X[t] @ W_xh.T + h @ W_hh.T + b)
        out.append(h)
    _state[h0.shape] = h
    return np.stack(out)
''',
     "loses": ["test_rnn_forward"], "hint": ["reset"]},
    {"name": "rnn-in-place-h0",
     "code": '''
def rnn_forward(X, h0, W_xh, W_hh, b):
    h, out = h0, []
    for t in range(X.shape[0]):
        h[:] = np.tanh(X[t] @ W_xh.T + h @ W_hh.T + b)
        out.append(h.copy())
    return np.stack(out)
''',
     "loses": ["test_rnn_forward"], "hint": ["modified"]},
    {"name": "rnn-includes-h0",
     "code": '''
def rnn_forward(X, h0, W_xh, W_hh, b):
    h, out = h0, [h0]
    for t in range(X.shape[0] - 1):
        h = np.tanh(X[t] @ W_xh.T + h @ W_hh.T + b)
        out.append(h)
    return np.stack(out)
''',
     "loses": ["test_rnn_forward"], "hint": ["after reading"]},
    # ------------------------------------------------------------------ Part 2: rnn_backward
    {"name": "bptt-no-recurrent-term",
     "code": '''
def rnn_backward(X, h0, W_xh, W_hh, b, dH):
    H = rnn_forward(X, h0, W_xh, W_hh, b)
    H_prev = np.concatenate([h0[None], H[:-1]])
    dW_xh, dW_hh, db = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros_like(b)
    dh0 = np.zeros_like(h0)
    for t in reversed(range(X.shape[0])):
        a = dH[t] * (1 - H[t] ** 2)
        dW_xh += a.T @ X[t]
        dW_hh += a.T @ H_prev[t]
        db += a.sum(0)
        if t == 0:
            dh0 = a @ W_hh
    return dW_xh, dW_hh, db, dh0
''',
     "loses": ["test_rnn_backward"], "hint": ["recurrent term"]},
    {"name": "bptt-no-tanh-derivative",
     "code": '''
def rnn_backward(X, h0, W_xh, W_hh, b, dH):
    H = rnn_forward(X, h0, W_xh, W_hh, b)
    H_prev = np.concatenate([h0[None], H[:-1]])
    dW_xh, dW_hh, db, carry = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros_like(b), np.zeros_like(h0)
    for t in reversed(range(X.shape[0])):
        a = dH[t] + carry
        dW_xh += a.T @ X[t]
        dW_hh += a.T @ H_prev[t]
        db += a.sum(0)
        carry = a @ W_hh
    return dW_xh, dW_hh, db, carry
''',
     "loses": ["test_rnn_backward"], "hint": ["derivative"]},
    {"name": "bptt-h-t-instead-of-h-prev",
     "code": '''
def rnn_backward(X, h0, W_xh, W_hh, b, dH):
    H = rnn_forward(X, h0, W_xh, W_hh, b)
    dW_xh, dW_hh, db, carry = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros_like(b), np.zeros_like(h0)
    for t in reversed(range(X.shape[0])):
        a = (dH[t] + carry) * (1 - H[t] ** 2)
        dW_xh += a.T @ X[t]
        dW_hh += a.T @ H[t]
        db += a.sum(0)
        carry = a @ W_hh
    return dW_xh, dW_hh, db, carry
''',
     "loses": ["test_rnn_backward"], "hint": ["before step t"]},
    {"name": "bptt-carry-transposed",
     "code": '''
def rnn_backward(X, h0, W_xh, W_hh, b, dH):
    H = rnn_forward(X, h0, W_xh, W_hh, b)
    H_prev = np.concatenate([h0[None], H[:-1]])
    dW_xh, dW_hh, db, carry = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros_like(b), np.zeros_like(h0)
    for t in reversed(range(X.shape[0])):
        a = (dH[t] + carry) * (1 - H[t] ** 2)
        dW_xh += a.T @ X[t]
        dW_hh += a.T @ H_prev[t]
        db += a.sum(0)
        carry = a @ W_hh.T
    return dW_xh, dW_hh, db, carry
''',
     "loses": ["test_rnn_backward"], "hint": ["a_t @ W_hh"]},
    # ------------------------------------------------------------------ Part 3: lstm_cell
    {"name": "lstm-gate-order-ifog",
     "code": '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    n = h.shape[1]
    z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, o, g = sigmoid(z[:, :n]), sigmoid(z[:, n:2*n]), sigmoid(z[:, 2*n:3*n]), np.tanh(z[:, 3*n:])
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new
''',
     "loses": ["test_lstm_cell"], "hint": ["order i, f, g, o"]},
    {"name": "lstm-candidate-sigmoid",
     "code": '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    n = h.shape[1]
    z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = sigmoid(z[:, :n]), sigmoid(z[:, n:2*n]), sigmoid(z[:, 2*n:3*n]), sigmoid(z[:, 3*n:])
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new
''',
     "loses": ["test_lstm_cell"], "hint": ["candidate g uses tanh"]},
    {"name": "lstm-one-bias",
     "code": '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    n = h.shape[1]
    z = x @ W_ih.T + b_ih + h @ W_hh.T
    i, f, g, o = sigmoid(z[:, :n]), sigmoid(z[:, n:2*n]), np.tanh(z[:, 2*n:3*n]), sigmoid(z[:, 3*n:])
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new
''',
     "loses": ["test_lstm_cell"], "hint": ["two bias"]},
    {"name": "lstm-output-without-tanh",
     "code": '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    n = h.shape[1]
    z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = sigmoid(z[:, :n]), sigmoid(z[:, n:2*n]), np.tanh(z[:, 2*n:3*n]), sigmoid(z[:, 3*n:])
    c_new = f * c + i * g
    return o * c_new, c_new
''',
     "loses": ["test_lstm_cell"], "hint": ["tanh to the cell state"]},
    {"name": "lstm-no-forget-gate",
     "code": '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    n = h.shape[1]
    z = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, g, o = sigmoid(z[:, :n]), np.tanh(z[:, 2*n:3*n]), sigmoid(z[:, 3*n:])
    c_new = c + i * g
    return o * np.tanh(c_new), c_new
''',
     "loses": ["test_lstm_cell"], "hint": ["forget gate"]},
    # ------------------------------------------------------------------ Part 4: gru_cell
    {"name": "gru-update-gate-swapped",
     "code": '''
def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    n_h = h.shape[1]
    a, s = x @ W_ih.T + b_ih, h @ W_hh.T + b_hh
    r = sigmoid(a[:, :n_h] + s[:, :n_h]); z = sigmoid(a[:, n_h:2*n_h] + s[:, n_h:2*n_h])
    n = np.tanh(a[:, 2*n_h:] + r * s[:, 2*n_h:])
    return z * n + (1 - z) * h
''',
     "loses": ["test_gru_cell"], "hint": ["share of the old state"]},
    {"name": "gru-reset-before-matmul",
     "code": '''
def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    n_h = h.shape[1]
    a, s = x @ W_ih.T + b_ih, h @ W_hh.T + b_hh
    r = sigmoid(a[:, :n_h] + s[:, :n_h]); z = sigmoid(a[:, n_h:2*n_h] + s[:, n_h:2*n_h])
    n = np.tanh(a[:, 2*n_h:] + (r * h) @ W_hh[2*n_h:].T + b_hh[2*n_h:])
    return (1 - z) * n + z * h
''',
     "loses": ["test_gru_cell"], "hint": ["after the matrix product"]},
    {"name": "gru-order-zrn",
     "code": '''
def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    n_h = h.shape[1]
    a, s = x @ W_ih.T + b_ih, h @ W_hh.T + b_hh
    z = sigmoid(a[:, :n_h] + s[:, :n_h]); r = sigmoid(a[:, n_h:2*n_h] + s[:, n_h:2*n_h])
    n = np.tanh(a[:, 2*n_h:] + r * s[:, 2*n_h:])
    return (1 - z) * n + z * h
''',
     "loses": ["test_gru_cell"], "hint": ["r, z, n"]},
    {"name": "gru-reset-outside-bias",
     "code": '''
def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    n_h = h.shape[1]
    a, s = x @ W_ih.T + b_ih, h @ W_hh.T + b_hh
    r = sigmoid(a[:, :n_h] + s[:, :n_h]); z = sigmoid(a[:, n_h:2*n_h] + s[:, n_h:2*n_h])
    n = np.tanh(a[:, 2*n_h:] + r * (h @ W_hh[2*n_h:].T) + b_hh[2*n_h:])
    return (1 - z) * n + z * h
''',
     "loses": ["test_gru_cell"], "hint": ["bias included"]},
    # ------------------------------------------------------------------ Part 5: clip_grad_norm
    {"name": "clip-each-parameter",
     "code": '''
def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    return [g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6)) for g in grads], total
''',
     "loses": ["test_clip_grad_norm"], "hint": ["global norm"]},
    {"name": "clip-in-place",
     "code": '''
def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    coef = min(1.0, max_norm / (total + 1e-6))
    for g in grads:
        g *= coef
    return list(grads), total
''',
     "loses": ["test_clip_grad_norm"], "hint": ["in place"]},
    {"name": "clip-scales-up",
     "code": '''
def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    return [g * max_norm / (total + 1e-6) for g in grads], total
''',
     "loses": ["test_clip_grad_norm"], "hint": ["unchanged"]},
    {"name": "clip-norm-after-clipping",
     "code": '''
def clip_grad_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    coef = min(1.0, max_norm / (total + 1e-6))
    clipped = [g * coef for g in grads]
    return clipped, float(np.sqrt(sum(np.sum(g ** 2) for g in clipped)))
''',
     "loses": ["test_clip_grad_norm"], "hint": ["before clipping"]},
    {"name": "clip-sum-of-norms",
     "code": '''
def clip_grad_norm(grads, max_norm):
    total = float(sum(np.linalg.norm(g) for g in grads))
    coef = min(1.0, max_norm / (total + 1e-6))
    return [g * coef for g in grads], total
''',
     "loses": ["test_clip_grad_norm"], "hint": ["sum of all squares"]},
    # ------------------------------------------------------------------ Part 6: LSTM classifier
    {"name": "lstm-classifier-not-batch-first",
     "code": '''
class LSTMClassifier(nn.Module):
    def __init__(self, n_in, n_hidden, n_classes):
        super().__init__()
        self.lstm = nn.LSTM(n_in, n_hidden)
        self.head = nn.Linear(n_hidden, n_classes)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])
''',
     "loses": ["test_train_lstm"], "hint": ["batch_first"]},
    {"name": "lstm-classifier-first-step",
     "code": '''
class LSTMClassifier(nn.Module):
    def __init__(self, n_in, n_hidden, n_classes):
        super().__init__()
        self.lstm = nn.LSTM(n_in, n_hidden, batch_first=True)
        self.head = nn.Linear(n_hidden, n_classes)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, 0])
''',
     "loses": ["test_train_lstm"], "hint": ["last step"]},
    {"name": "lstm-classifier-state-kept",
     "code": '''
class LSTMClassifier(nn.Module):
    def __init__(self, n_in, n_hidden, n_classes):
        super().__init__()
        self.lstm = nn.LSTM(n_in, n_hidden, batch_first=True)
        self.head = nn.Linear(n_hidden, n_classes)
        self.state = None

    def forward(self, x):
        if self.state is not None and self.state[0].shape[1] == x.shape[0]:
            out, state = self.lstm(x, self.state)
        else:
            out, state = self.lstm(x)
        self.state = tuple(s.detach() for s in state)
        return self.head(out[:, -1])
''',
     "loses": ["test_train_lstm"], "hint": ["zero state"]},
    {"name": "train-lstm-loss-per-batch",
     "code": '''
def train_lstm(X, y, n_hidden=16, epochs=20, lr=0.01, batch_size=32, max_norm=1.0, device="cpu", seed=0):
    torch.manual_seed(seed)
    model = LSTMClassifier(X.shape[2], n_hidden, int(y.max()) + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        perm = torch.randperm(len(X))
        for start in range(0, len(X), batch_size):
            idx = perm[start:start + batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            optimizer.step()
            losses.append(loss.item())
    return model.eval(), losses
''',
     "loses": ["test_train_lstm"], "hint": ["per epoch"]},
]

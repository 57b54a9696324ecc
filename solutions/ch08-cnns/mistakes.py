"""Realistic mistakes in ch08-cnns; tests/test_mistakes.py checks that the hidden tests catch each one."""
import torch._dynamo  # noqa: F401 - torch's optimisers import it on first use (seconds): once here, not per fork

_TRAIN = '''
def train_cnn(X, y, epochs=12, seed=0, device=None):
    dev = torch.device(device) if device is not None else dlbook.device()
    {seed_line}
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, kernel_size=3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, kernel_size=3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(64 * 2 * 2, 10)).to(dev)
    X = {x_line}.to(dev)
    y = {y_line}.to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * math.ceil(len(X) / 32))
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range({epochs}):
        order = torch.randperm(len(X), generator=generator).to(dev)
        for start in range(0, len(X), 32):
            idx = order[start:start + 32]
            loss = torch.nn.functional.cross_entropy(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
    return {ret}
'''


def _train(seed_line="torch.manual_seed(seed)", x_line="torch.as_tensor(X, dtype=torch.float32)",
           y_line="torch.as_tensor(y).long()", epochs="epochs", ret="model.cpu().eval()"):
    return _TRAIN.format(seed_line=seed_line, x_line=x_line, y_line=y_line, epochs=epochs, ret=ret)


_ACC = '''
def accuracy_of(model, X, y):
    model.eval()
    {x_line}
    with torch.no_grad():
        predicted = model(X).argmax(dim=1)
    return {ret}
'''


def _acc(x_line="X = torch.as_tensor(X, dtype=torch.float32)",
         ret="float((predicted == torch.as_tensor(y).long()).double().mean())"):
    return _ACC.format(x_line=x_line, ret=ret)


_BACK = '''
def conv2d_backward(x, w, grad_out, stride=1, padding=0):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    g = np.asarray(grad_out, dtype=float)
    N, C, H, W = x.shape
    K, _, p, q = w.shape
    Ho, Wo = g.shape[2], g.shape[3]
    G = g.transpose(1, 0, 2, 3).reshape(K, N * Ho * Wo)
    grad_b = {grad_b}
    grad_w = {grad_w}
    patches = (w.reshape(K, -1).T @ G).reshape(C, p, q, N, Ho, Wo)
    grad_xp = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    for u in range(p):
        for v in range(q):
            grad_xp[:, :, u:u + stride * (Ho - 1) + 1:stride, v:v + stride * (Wo - 1) + 1:stride] {op} \\
                patches[:, u, v].transpose(1, 0, 2, 3)
    grad_x = {grad_x}
    return grad_x, grad_w, grad_b
'''


def _back(grad_b="g.sum(axis=(0, 2, 3))", grad_w="(G @ im2col(x, p, q, stride, padding).T).reshape(w.shape)",
          op="+=", grad_x="grad_xp[:, :, padding:padding + H, padding:padding + W]"):
    return _BACK.format(grad_b=grad_b, grad_w=grad_w, op=op, grad_x=grad_x)


MISTAKES = [
    # Part 1: conv_output_size
    {"name": "size-padding-once",
     "code": '''
def conv_output_size(n, p, stride=1, padding=0):
    span = n - p + padding
    if stride < 1 or span < 0 or span % stride:
        raise ValueError(f"stride {stride} does not fit")
    return span // stride + 1
''', "loses": ["test_conv_output_size"], "hint": ["EACH side"]},
    {"name": "size-rounds-down",
     "code": '''
def conv_output_size(n, p, stride=1, padding=0):
    return (n - p + 2 * padding) // stride + 1
''', "loses": ["test_conv_output_size"], "hint": ["do not round"]},
    {"name": "size-float-division",
     "code": '''
def conv_output_size(n, p, stride=1, padding=0):
    span = n - p + 2 * padding
    if n < 1 or p < 1 or stride < 1 or padding < 0 or span < 0 or span % stride:
        raise ValueError(f"stride {stride} does not fit")
    return span / stride + 1
''', "loses": ["test_conv_output_size"], "hint": ["not /"]},
    {"name": "size-zero-division",
     "code": '''
def conv_output_size(n, p, stride=1, padding=0):
    if n < 1 or p < 1 or padding < 0:
        raise ValueError("arguments out of range")
    span = n - p + 2 * padding
    if span < 0 or span % stride:
        raise ValueError(f"stride {stride} does not fit")
    return span // stride + 1
''', "loses": ["test_conv_output_size"], "hint": ["ZeroDivisionError"]},
    {"name": "size-zero-outputs-allowed",   # checks the result for < 0, so p = n + 2z + 1 gives 0 outputs
     "code": '''
def conv_output_size(n, p, stride=1, padding=0):
    for value, low in [(n, 1), (p, 1), (stride, 1), (padding, 0)]:
        if not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError("arguments out of range")
    span = n - p + 2 * padding
    if span % stride:
        raise ValueError(f"stride {stride} does not fit")
    out = span // stride + 1
    if out < 0:
        raise ValueError("the window does not fit")
    return out
''', "loses": ["test_conv_output_size"], "hint": ["0 outputs", "checking % stride is not enough"]},
    {"name": "size-empty-input-accepted",    # validates p, stride and padding but not n
     "code": '''
def conv_output_size(n, p, stride=1, padding=0):
    if not isinstance(n, (int, np.integer)) or p < 1 or stride < 1 or padding < 0:
        raise ValueError("arguments out of range")
    span = n - p + 2 * padding
    if span < 0 or span % stride:
        raise ValueError(f"stride {stride} does not fit")
    return span // stride + 1
''', "loses": ["test_conv_output_size"], "hint": ["empty input", "size >= 1"]},
    # Part 2: conv_param_count
    {"name": "count-one-bias-per-layer",
     "code": '''
def conv_param_count(p, d, k, bias=True):
    return p * p * d * k + int(bias)
''', "loses": ["test_conv_param_count"], "hint": ["one bias"]},
    {"name": "count-ignores-bias-flag",
     "code": '''
def conv_param_count(p, d, k, bias=True):
    return (p * p * d + 1) * k
''', "loses": ["test_conv_param_count"], "hint": ["without biases"]},
    # Part 3: the prediction
    {"name": "rf-widths-multiply", "code": "answer_receptive_field = 9\n",
     "loses": ["test_answer_receptive_field"], "hint": ["do not multiply"]},
    {"name": "rf-one-layer", "code": "answer_receptive_field = 3\n",
     "loses": ["test_answer_receptive_field"], "hint": ["ONE layer"]},
    {"name": "rf-padding-counted", "code": "answer_receptive_field = 13\n",
     "loses": ["test_answer_receptive_field"], "hint": ["adds 3 - 1 = 2 pixels"]},
    {"name": "rf-not-answered", "code": "answer_receptive_field = None\n",
     "loses": ["test_answer_receptive_field"], "hint": ["replace None"]},
    # Part 4: correlate2d
    {"name": "corr-flipped-kernel",
     "code": '''
def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)[::-1, ::-1]
    H, W = image.shape
    P, Q = kernel.shape
    if P > H or Q > W:
        raise ValueError("kernel too large")
    out = np.zeros((H - P + 1, W - Q + 1))
    for u in range(P):
        for v in range(Q):
            out += kernel[u, v] * image[u:u + H - P + 1, v:v + W - Q + 1]
    return out
''', "loses": ["test_correlate2d"], "hint": ["flip"]},
    {"name": "corr-integer-accumulator",
     "code": '''
def correlate2d(image, kernel):
    image, kernel = np.asarray(image), np.asarray(kernel)
    H, W = image.shape
    P, Q = kernel.shape
    if P > H or Q > W:
        raise ValueError("kernel too large")
    out = np.zeros((H - P + 1, W - Q + 1), dtype=image.dtype)
    for u in range(P):
        for v in range(Q):
            out += kernel[u, v] * image[u:u + H - P + 1, v:v + W - Q + 1]
    return out
''', "loses": ["test_correlate2d"], "hint": ["float"]},
    {"name": "corr-no-size-check",
     "code": '''
def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    H, W = image.shape
    P, Q = kernel.shape
    out = np.zeros((max(H - P + 1, 0), max(W - Q + 1, 0)))
    for u in range(P):
        for v in range(Q):
            out += kernel[u, v] * image[u:u + out.shape[0], v:v + out.shape[1]]
    return out
''', "loses": ["test_correlate2d"], "hint": ["raise ValueError when kh > H"]},
    # Part 5: im2col
    {"name": "im2col-transposed",
     "code": '''
_im2col_right = im2col
def im2col(x, p, q, stride=1, padding=0):
    return _im2col_right(x, p, q, stride, padding).T
''', "loses": ["test_im2col"], "hint": ["COLUMN per patch"]},
    {"name": "im2col-rows-channel-last",
     "code": '''
def im2col(x, p, q, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    N, C, H, W = x.shape
    Ho, Wo = conv_output_size(H, p, stride, padding), conv_output_size(W, q, stride, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (p, q), axis=(2, 3))[:, :, ::stride, ::stride]
    return win.transpose(4, 5, 1, 0, 2, 3).reshape(C * p * q, N * Ho * Wo)
''', "loses": ["test_im2col"], "hint": ["channel SLOWEST"]},
    {"name": "im2col-pad-top-left",
     "code": '''
def im2col(x, p, q, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (2 * padding, 0), (2 * padding, 0)))
    Ho, Wo = conv_output_size(H, p, stride, padding), conv_output_size(W, q, stride, padding)
    win = np.lib.stride_tricks.sliding_window_view(xp, (p, q), axis=(2, 3))[:, :, ::stride, ::stride]
    return win.transpose(1, 4, 5, 0, 2, 3).reshape(C * p * q, N * Ho * Wo)
''', "loses": ["test_im2col"], "hint": ["EVERY side"]},
    {"name": "im2col-sizes-without-check",
     "code": '''
def im2col(x, p, q, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (p, q), axis=(2, 3))[:, :, ::stride, ::stride]
    Ho, Wo = win.shape[2], win.shape[3]
    return win.transpose(1, 4, 5, 0, 2, 3).reshape(C * p * q, N * Ho * Wo)
''', "loses": ["test_im2col"], "hint": ["conv_output_size"]},
    # Part 6: conv2d
    {"name": "conv2d-no-bias",
     "code": '''
def conv2d(x, w, b=None, stride=1, padding=0):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    N, C, H, W = x.shape
    K, C_w, p, q = w.shape
    if C_w != C:
        raise ValueError("channels")
    Ho, Wo = conv_output_size(H, p, stride, padding), conv_output_size(W, q, stride, padding)
    out = w.reshape(K, -1) @ im2col(x, p, q, stride, padding)
    return out.reshape(K, N, Ho, Wo).transpose(1, 0, 2, 3)
''', "loses": ["test_conv2d"], "hint": ["b[o]"]},
    {"name": "conv2d-reshape-without-transpose",
     "code": '''
def conv2d(x, w, b=None, stride=1, padding=0):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    N, C, H, W = x.shape
    K, C_w, p, q = w.shape
    if C_w != C:
        raise ValueError("channels")
    Ho, Wo = conv_output_size(H, p, stride, padding), conv_output_size(W, q, stride, padding)
    out = w.reshape(K, -1) @ im2col(x, p, q, stride, padding)
    if b is not None:
        out = out + np.asarray(b, dtype=float).reshape(K, 1)
    return out.reshape(N, K, Ho, Wo)
''', "loses": ["test_conv2d"], "hint": ["then transposed"]},
    {"name": "conv2d-flipped-kernel",
     "code": '''
_conv2d_right = conv2d
def conv2d(x, w, b=None, stride=1, padding=0):
    return _conv2d_right(x, np.asarray(w)[:, :, ::-1, ::-1], b, stride, padding)
''', "loses": ["test_conv2d"], "hint": ["flip"]},
    # Part 7: conv2d_backward
    {"name": "back-bias-mean", "code": _back(grad_b="g.mean(axis=(0, 2, 3))"),
     "loses": ["test_conv2d_backward"], "hint": ["SUM", "not the mean"]},
    {"name": "back-weights-averaged", "code": _back(grad_w="(G @ im2col(x, p, q, stride, padding).T).reshape(w.shape) / N"),
     "loses": ["test_conv2d_backward"], "hint": ["do not average"]},
    {"name": "back-assign-not-add", "code": _back(op="="),
     "loses": ["test_conv2d_backward"], "hint": ["use +="]},
    {"name": "back-padding-kept", "code": _back(grad_x="grad_xp"),
     "loses": ["test_conv2d_backward"], "hint": ["cut the padding off"]},
    {"name": "back-crop-one-side", "code": _back(grad_x="grad_xp[:, :, :H, :W]"),
     "loses": ["test_conv2d_backward"], "hint": ["on every side"]},
    # Part 8: maxpool2d
    {"name": "pool-max-from-zero",
     "code": '''
def maxpool2d(x, size=2, stride=None):
    stride = size if stride is None else stride
    win = np.lib.stride_tricks.sliding_window_view(np.asarray(x, float), (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    return np.maximum(win.max(axis=(4, 5)), 0.0)
''', "loses": ["test_maxpool2d"], "hint": ["never goes below 0"]},
    {"name": "pool-stride-ignored",
     "code": '''
def maxpool2d(x, size=2, stride=None):
    win = np.lib.stride_tricks.sliding_window_view(np.asarray(x, float), (size, size), axis=(2, 3))[:, :, ::size, ::size]
    return win.max(axis=(4, 5))
''', "loses": ["test_maxpool2d"], "hint": ["overlap"]},
    # Part 9: maxpool2d_backward
    {"name": "poolback-every-tie",
     "code": '''
def maxpool2d_backward(x, grad_out, size=2, stride=None):
    x, g = np.asarray(x, dtype=float), np.asarray(grad_out, dtype=float)
    stride = size if stride is None else stride
    N, C, Ho, Wo = g.shape
    grad_x = np.zeros(x.shape)
    for i in range(Ho):
        for j in range(Wo):
            win = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size]
            mask = win == win.max(axis=(2, 3), keepdims=True)
            grad_x[:, :, i * stride:i * stride + size, j * stride:j * stride + size] += mask * g[:, :, i, j][..., None, None]
    return grad_x
''', "loses": ["test_maxpool2d_backward"], "hint": ["FIRST maximum"]},
    {"name": "poolback-assign-not-add-at",
     "code": '''
def maxpool2d_backward(x, grad_out, size=2, stride=None):
    x, g = np.asarray(x, dtype=float), np.asarray(grad_out, dtype=float)
    stride = size if stride is None else stride
    N, C, Ho, Wo = g.shape
    win = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    du, dv = np.divmod(win.reshape(N, C, Ho, Wo, size * size).argmax(axis=-1), size)
    rows, cols = np.arange(Ho)[:, None] * stride + du, np.arange(Wo)[None, :] * stride + dv
    grad_x = np.zeros(x.shape)
    grad_x[np.arange(N)[:, None, None, None], np.arange(C)[None, :, None, None], rows, cols] = g
    return grad_x
''', "loses": ["test_maxpool2d_backward"], "hint": ["np.add.at"]},
    # Part 10: train_cnn
    {"name": "train-unseeded", "code": _train(seed_line="pass"),
     "loses": ["test_train_cnn"], "hint": ["torch.manual_seed(seed)"]},
    {"name": "train-left-in-train-mode", "code": _train(ret="model.cpu()"),
     "loses": ["test_train_cnn"], "hint": ["eval"]},
    {"name": "train-float64-images-crash", "code": _train(x_line="torch.as_tensor(X)"),
     "loses": ["test_train_cnn"], "hint": ["float32"]},
    {"name": "train-int32-labels-crash", "code": _train(y_line="torch.as_tensor(y)"),
     "loses": ["test_train_cnn"], "hint": ["int64"]},
    {"name": "train-one-epoch", "code": _train(epochs="1"),
     "loses": ["test_train_cnn"], "hint": ["12 epochs"]},
    # Part 10 too: accuracy_of
    {"name": "acc-float64-images-crash", "code": _acc(x_line="X = torch.as_tensor(X)"),
     "loses": ["test_train_cnn"], "hint": ["float32"]},
    {"name": "acc-only-float64-converted",
     "code": _acc(x_line="X = torch.as_tensor(X)\n    X = X.float() if X.dtype == torch.float64 else X"),
     "loses": ["test_train_cnn"], "hint": ["integer", "float32"]},
    {"name": "acc-percentage",
     "code": _acc(ret="float(100 * (predicted == torch.as_tensor(y).long()).double().mean())"),
     "loses": ["test_train_cnn"], "hint": ["not a percentage"]},
    {"name": "acc-returns-tensor", "code": _acc(ret="(predicted == torch.as_tensor(y).long()).double().mean()"),
     "loses": ["test_train_cnn"], "hint": ["Python float"]},
]

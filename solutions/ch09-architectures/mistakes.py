"""Realistic mistakes in ch09-architectures; tests/test_mistakes.py checks that the hidden tests catch each one."""
import torch._dynamo  # noqa: F401 - torch's optimisers import it on first use (seconds): once here, not per fork

_BLOCK = '''
def residual_block(x, params, stride=1):
    c_in, c_out = x.shape[1], params["conv1"].shape[0]
    out = F.conv2d(x, params["conv1"], stride={s1}, padding=1)
    out = {first}
    out = F.conv2d(out, params["conv2"], stride={s2}, padding=1)
    out = batch_norm(out, params["bn2_weight"], params["bn2_bias"])
    if {needs_proj}:
        shortcut = {proj}
    else:
        shortcut = x
    return {ret}
'''


def _block(s1="stride", s2="1", first='F.relu(batch_norm(out, params["bn1_weight"], params["bn1_bias"]))',
           needs_proj="stride != 1 or c_in != c_out",
           proj='batch_norm(F.conv2d(x, params["proj"], stride=stride), params["proj_bn_weight"], params["proj_bn_bias"])',
           ret="F.relu(out + shortcut)"):
    return _BLOCK.format(s1=s1, s2=s2, first=first, needs_proj=needs_proj, proj=proj, ret=ret)


_BOTTLENECK = '''
def bottleneck_block(x, params, stride=1):
    c_in, c_out = x.shape[1], params["conv3"].shape[0]
    out = F.relu(batch_norm(F.conv2d(x, params["conv1"], stride={s1}), params["bn1_weight"], params["bn1_bias"]))
    out = F.relu(batch_norm(F.conv2d(out, params["conv2"], stride={s2}, padding=1), params["bn2_weight"], params["bn2_bias"]))
    out = {third}
    if {needs_proj}:
        shortcut = batch_norm(F.conv2d(x, params["proj"], stride=stride), params["proj_bn_weight"], params["proj_bn_bias"])
    else:
        shortcut = x
    return F.relu(out + shortcut)
'''


def _bottleneck(s1="stride", s2="1", third='batch_norm(F.conv2d(out, params["conv3"]), params["bn3_weight"], params["bn3_bias"])',
                needs_proj="stride != 1 or c_in != c_out"):
    return _BOTTLENECK.format(s1=s1, s2=s2, third=third, needs_proj=needs_proj)


_FINETUNE = '''
def finetune_head(state, X, y, n_classes, epochs=60, lr=0.01, seed=0):
    {seed_first}
    model = DigitCNN(state["head.weight"].shape[0])
    model.load_state_dict(state)
    {seed_after}
    model.head = nn.Linear(256, n_classes)
    for p in model.features.parameters():
        p.requires_grad_(False)
    {features_mode}
    X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    y = {y_line}
    optimizer = torch.optim.Adam({params}, lr=lr)
    for _ in range({epochs}):
        loss = F.cross_entropy(model.head(model.features(X)), y)
        {zero_grad}
        loss.backward()
        optimizer.step()
    return {{name: t.detach().clone() for name, t in model.state_dict().items()}}
'''


def _finetune(seed_first="", seed_after="torch.manual_seed(seed)", features_mode="model.features.eval()",
              y_line="torch.as_tensor(np.asarray(y)).long()", params="model.head.parameters()", epochs="epochs",
              zero_grad="optimizer.zero_grad()"):
    return _FINETUNE.format(seed_first=seed_first, seed_after=seed_after, features_mode=features_mode,
                            y_line=y_line, params=params, epochs=epochs, zero_grad=zero_grad)


_LOSSES = '''
def train_losses(model, X, y, epochs, lr=0.05, batch_size=64, seed=0):
    X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    y = {y_line}
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    gen = torch.Generator().manual_seed(seed)
    {train_line}
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=gen)
        total = 0.0
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        losses.append(total / len(X))
    return losses
'''


def _losses(y_line="torch.as_tensor(np.asarray(y), dtype=torch.long)", train_line="model.train()"):
    return _LOSSES.format(y_line=y_line, train_line=train_line)


MISTAKES = [
    # Part 1: residual_block
    {"name": "block-relu-before-add", "code": _block(ret="F.relu(F.relu(out) + shortcut)"),
     "loses": ["test_residual_block"], "hint": ["BEFORE the final ReLU"]},
    {"name": "block-no-final-relu", "code": _block(ret="out + shortcut"),
     "loses": ["test_residual_block"], "hint": ["ReLU"]},
    {"name": "block-stride-in-conv2", "code": _block(s1="1", s2="stride"),
     "loses": ["test_residual_block"], "hint": ["FIRST 3x3 convolution"]},
    {"name": "block-projection-whenever-given", "code": _block(needs_proj='"proj" in params'),
     "loses": ["test_residual_block"], "hint": ["only when the shape changes"]},
    {"name": "block-identity-always", "code": _block(needs_proj="False"),
     "loses": ["test_residual_block"], "hint": ["projection"]},
    {"name": "block-relu-before-bn1",
     "code": _block(first='batch_norm(F.relu(out), params["bn1_weight"], params["bn1_bias"])'),
     "loses": ["test_residual_block"], "hint": ["right after each convolution"]},
    # Part 2: bottleneck_block
    {"name": "bottleneck-stride-in-3x3", "code": _bottleneck(s1="1", s2="stride"),
     "loses": ["test_bottleneck_block"], "hint": ["first 1x1 convolution"]},
    {"name": "bottleneck-relu-after-bn3",
     "code": _bottleneck(third='F.relu(batch_norm(F.conv2d(out, params["conv3"]), params["bn3_weight"], params["bn3_bias"]))'),
     "loses": ["test_bottleneck_block"], "hint": ["no ReLU between bn3 and the addition"]},
    {"name": "bottleneck-projection-whenever-given", "code": _bottleneck(needs_proj='"proj" in params'),
     "loses": ["test_bottleneck_block"], "hint": ["only when the shape changes"]},
    # Part 3: conv_params
    {"name": "conv-params-groups-ignored",
     "code": '''
def conv_params(c_in, c_out, kernel_size, bias=True, groups=1):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    if min(c_in, c_out, kh, kw, groups) < 1 or c_in % groups or c_out % groups:
        raise ValueError("bad arguments")
    return c_out * c_in * kh * kw + (c_out if bias else 0)
''', "loses": ["test_conv_params"], "hint": ["groups"]},
    {"name": "conv-params-no-validation",
     "code": '''
def conv_params(c_in, c_out, kernel_size, bias=True, groups=1):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    return c_out * (c_in // groups) * kh * kw + (c_out if bias else 0)
''', "loses": ["test_conv_params"], "hint": ["groups divides"]},
    {"name": "conv-params-max-kernel-side",
     "code": '''
def conv_params(c_in, c_out, kernel_size, bias=True, groups=1):
    k = kernel_size if isinstance(kernel_size, int) else max(kernel_size)
    if min(c_in, c_out, k, groups) < 1 or c_in % groups or c_out % groups:
        raise ValueError("bad arguments")
    return c_out * (c_in // groups) * k * k + (c_out if bias else 0)
''', "loses": ["test_conv_params"], "hint": ["not max(k_h, k_w) ** 2"]},
    # Part 4: resnet_params
    {"name": "resnet-no-projection-for-first-bottleneck",
     "code": '''
_resnet_right = resnet_params
def resnet_params(block, layers, n_classes=1000, width=64, in_channels=3):
    total = _resnet_right(block, layers, n_classes, width, in_channels)
    if block == "bottleneck":
        total -= conv_params(width, 4 * width, 1, bias=False) + 2 * 4 * width
    return total
''', "loses": ["test_resnet_params"], "hint": ["first block of stage 0"]},
    {"name": "resnet-bn-counts-running-stats",
     "code": '''
def resnet_params(block, layers, n_classes=1000, width=64, in_channels=3):
    if block not in ("basic", "bottleneck"):
        raise ValueError(block)
    e = 1 if block == "basic" else 4
    total = conv_params(in_channels, width, 7, bias=False) + 4 * width
    c = width
    for stage, n in enumerate(layers):
        mid = width * 2 ** stage
        for i in range(n):
            stride = 2 if stage > 0 and i == 0 else 1
            if block == "basic":
                total += conv_params(c, mid, 3, bias=False) + conv_params(mid, mid, 3, bias=False) + 8 * mid
            else:
                total += (conv_params(c, mid, 1, bias=False) + conv_params(mid, mid, 3, bias=False)
                          + conv_params(mid, mid * e, 1, bias=False) + 8 * mid + 4 * mid * e)
            if stride != 1 or c != mid * e:
                total += conv_params(c, mid * e, 1, bias=False) + 4 * mid * e
            c = mid * e
    return total + c * n_classes + n_classes
''', "loses": ["test_resnet_params"], "hint": ["2 parameters per channel"]},
    # Part 5: inception_output_shape
    {"name": "inception-pool-branch-always-projected",
     "code": '''
def inception_output_shape(in_shape, n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_proj, stride=1):
    if len(in_shape) != 4 or min(in_shape) < 1 or min(n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_proj) < 0 \\
            or stride < 1:
        raise ValueError("bad arguments")
    n, c, h, w = in_shape
    return (n, n1x1 + n3x3 + n5x5 + pool_proj, (h - 1) // stride + 1, (w - 1) // stride + 1)
''', "loses": ["test_inception_output_shape"], "hint": ["keeps the number of channels"]},
    {"name": "inception-floor-division-by-stride",
     "code": '''
def inception_output_shape(in_shape, n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_proj, stride=1):
    if len(in_shape) != 4 or min(in_shape) < 1 or min(n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_proj) < 0 \\
            or stride < 1:
        raise ValueError("bad arguments")
    n, c, h, w = in_shape
    return (n, n1x1 + n3x3 + n5x5 + (pool_proj or c), h // stride, w // stride)
''', "loses": ["test_inception_output_shape"], "hint": ["not H // s"]},
    # Part 6: finetune_head
    {"name": "finetune-no-zero-grad", "code": _finetune(zero_grad="pass"),
     "loses": ["test_finetune_head"], "hint": ["zero_grad"]},
    {"name": "finetune-unseeded-head", "code": _finetune(seed_after="pass"),
     "loses": ["test_finetune_head"], "hint": ["torch.manual_seed(seed)"]},
    {"name": "finetune-seed-before-building", "code": _finetune(seed_first="torch.manual_seed(seed)", seed_after="pass"),
     "loses": ["test_finetune_head"], "hint": ["right before creating the new head"]},
    {"name": "finetune-one-epoch-too-many", "code": _finetune(epochs="epochs + 1"),
     "loses": ["test_finetune_head"], "hint": ["one Adam step too many"]},
    {"name": "finetune-one-epoch-too-few", "code": _finetune(epochs="max(epochs - 1, 0)"),
     "loses": ["test_finetune_head"], "hint": ["one Adam step too few"]},
    {"name": "finetune-int32-labels-crash", "code": _finetune(y_line="torch.as_tensor(np.asarray(y))"),
     "loses": ["test_finetune_head"], "hint": ["int64"]},
    {"name": "finetune-features-in-train-mode", "code": _finetune(features_mode="model.train()"),
     "loses": ["test_finetune_head"], "hint": ["eval mode"]},
    {"name": "finetune-trains-everything", "code": _finetune(params="model.parameters()") .replace(
        "p.requires_grad_(False)", "pass"),
     "loses": ["test_finetune_head"], "hint": ["head's parameters"]},
    # Part 7: the prediction
    {"name": "degradation-overfitting", "code": 'answer_degradation = "a"\n',
     "loses": ["test_answer_degradation"], "hint": ["LOW training error"]},
    {"name": "degradation-representation", "code": 'answer_degradation = "d"\n',
     "loses": ["test_answer_degradation"], "hint": ["identity maps"]},
    {"name": "degradation-too-few-parameters", "code": 'answer_degradation = "c"\n',
     "loses": ["test_answer_degradation"], "hint": ["MORE parameters"]},
    {"name": "degradation-not-answered", "code": "answer_degradation = None\n",
     "loses": ["test_answer_degradation"], "hint": ["replace None"]},
    # Part 8: make_deep_net, count_parameters, train_losses
    {"name": "losses-eval-mode-kept", "code": _losses(train_line="pass"),
     "loses": ["test_plain_vs_residual"], "hint": ["model.train()"]},
    {"name": "losses-int32-labels-crash", "code": _losses(y_line="torch.as_tensor(np.asarray(y))"),
     "loses": ["test_plain_vs_residual"], "hint": ["int64"]},
    {"name": "count-state-dict-entries",
     "code": '''
def count_parameters(model):
    return int(sum(t.numel() for t in model.state_dict().values()))
''', "loses": ["test_plain_vs_residual"], "hint": ["buffers"]},
]

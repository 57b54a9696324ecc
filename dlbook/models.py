"""Small, seeded models shared by chapters: a CNN for the 8x8 digits, trained in a few seconds on a CPU.

    model = train_digits_cnn(dlbook.device(), epochs=8)     # about 97 % test accuracy on dlbook.data.digits()

Chapter 12 explains and attacks this network; its assignment receives one as an argument.

The classic networks are defined here once, as the papers build them, and counted with one pair of helpers:

    lenet5(n_classes=10, in_channels=1, padding=0)          # 61,706 parameters
    alexnet(n_classes=1000, in_channels=3, groups=2, padding=2, dropout=0.5, lrn=False)   # 60,965,224
    count_parameters(model, trainable_only=False)
    rows, out_shape = layer_table(model, (C, H, W))         # per layer: name, kind, shape, params, macs
"""
from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

import numpy as np
import torch
from torch import nn


class DigitsCNN(nn.Module):
    """conv 3x3 (1 -> c) - ReLU - conv 3x3 (c -> 2c) - ReLU - 2x2 max pool - dropout - linear (2c*4*4 -> 10).

    Input: float32 images of shape (N, 1, 8, 8) with pixels in [0, 1]; output: (N, 10) class scores (logits).
    ``conv2`` is the last convolution (the layer Grad-CAM looks at); the dropout makes train and eval mode differ.
    """

    def __init__(self, channels: int = 16):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, 2 * channels, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.drop = nn.Dropout(0.25)
        self.fc = nn.Linear(2 * channels * 16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv1(x))
        h = torch.relu(self.conv2(h))
        return self.fc(self.drop(self.pool(h).flatten(1)))


def digits_tensors(device=None, seed: int = 0):
    """The digits split as float32 image tensors (N, 1, 8, 8) and int64 labels on ``device``:
    (X_train, X_test, y_train, y_test)."""
    import dlbook.data

    dev = torch.device("cpu") if device is None else torch.device(device)
    split = dlbook.data.digits(seed=seed, flatten=False)
    return tuple(torch.as_tensor(np.asarray(a)).to(dev) for a in
                 (split.X_train, split.X_test, split.y_train, split.y_test))


def train_digits_cnn(device=None, epochs: int = 8, channels: int = 16, seed: int = 0, lr: float = 3e-3,
                     batch_size: int = 64, X=None, y=None) -> DigitsCNN:
    """A DigitsCNN trained with Adam on the digits' training split (or on ``X``, ``y`` when given), seeded.

    Returns the model on ``device`` in eval mode. Same seed, same device: same weights.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative int, got {epochs!r}")
    dev = torch.device("cpu") if device is None else torch.device(device)
    if X is None:
        X, _, y, _ = digits_tensors(dev)
    X, y = torch.as_tensor(X, dtype=torch.float32).to(dev), torch.as_tensor(y).long().to(dev)
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = DigitsCNN(channels).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=gen).to(dev)
        for idx in order.split(batch_size):
            opt.zero_grad()
            nn.functional.cross_entropy(model(X[idx]), y[idx]).backward()
            opt.step()
    return model.eval()


@torch.no_grad()
def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows of ``X`` whose arg-max score is the label ``y`` (model put in eval mode)."""
    model.eval()
    return float((model(X).argmax(1) == y).float().mean())


# --------------------------------------------------------------------------- the classic networks, defined once

def lenet5(n_classes: int = 10, in_channels: int = 1, padding: int = 0) -> nn.Sequential:
    """LeNet-5 (LeCun et al., 1998) as modern re-implementations build it, for 32 x 32 inputs.

    features: conv 5x5 (in_channels -> 6) - tanh - 2x2 average pool - conv 5x5 (6 -> 16) - tanh - 2x2 average pool;
    classifier: flatten - linear 400 -> 120 - tanh - linear 120 -> 84 - tanh - linear 84 -> n_classes.
    ``padding=2`` pads the first convolution so that 28 x 28 inputs (MNIST) give the same 28 x 28 first maps as
    32 x 32 inputs without padding. The 1998 original connected each of the 16 second-layer filters to only some
    of the 6 maps and had trainable pooling coefficients; here every filter sees all 6 maps. With one input channel
    and 10 classes it has 61,706 parameters. Returns an ``nn.Sequential`` of two named parts, ``model.features``
    and ``model.classifier``, so ``model(x)`` maps (N, in_channels, 32, 32) to (N, n_classes) scores (logits).
    """
    features = nn.Sequential(
        nn.Conv2d(in_channels, 6, kernel_size=5, padding=padding), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Tanh(), nn.AvgPool2d(2))
    classifier = nn.Sequential(
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Tanh(),
        nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, n_classes))
    return nn.Sequential(OrderedDict(features=features, classifier=classifier))


def alexnet(n_classes: int = 1000, in_channels: int = 3, groups: int = 2, padding: int = 2,
            dropout: float = 0.5, lrn: bool = False) -> nn.Sequential:
    """AlexNet (Krizhevsky, Sutskever and Hinton, 2012) with the paper's layer sizes, for 3 x 224 x 224 inputs.

    features: conv 11x11 stride 4 (96) - ReLU - 3x3 max pool stride 2 - conv 5x5 (256) - ReLU - max pool -
    conv 3x3 (384) - ReLU - conv 3x3 (384) - ReLU - conv 3x3 (256) - ReLU - max pool, giving 256 x 6 x 6;
    classifier: flatten - linear 9216 -> 4096 - ReLU - dropout - linear 4096 -> 4096 - ReLU - dropout -
    linear 4096 -> n_classes (dropout on the outputs of the first two fully connected layers, as in the paper).

    ``groups=2`` is the paper's split over two GPUs: conv 2, 4 and 5 see only the channels of their own half
    (60,965,224 parameters for 1000 classes, the paper's "60 million"); ``groups=1`` is the single-tower variant
    with the same widths (62,378,344). ``padding=2`` on the first convolution lets a 224 x 224 input give the
    paper's 55 x 55 maps (with rounding down); ``padding=0`` with 227 x 227 inputs tiles exactly. ``lrn=True``
    adds the paper's local response normalisation after the first two ReLUs (no parameters). Returns an
    ``nn.Sequential`` of two named parts, ``model.features`` and ``model.classifier``.
    """
    def norm():
        return [nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)] if lrn else []

    features = nn.Sequential(
        nn.Conv2d(in_channels, 96, 11, stride=4, padding=padding), nn.ReLU(), *norm(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=groups), nn.ReLU(), *norm(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding=1, groups=groups), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1, groups=groups), nn.ReLU(), nn.MaxPool2d(3, 2))
    classifier = nn.Sequential(
        nn.Flatten(), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(dropout), nn.Linear(4096, n_classes))
    return nn.Sequential(OrderedDict(features=features, classifier=classifier))


# --------------------------------------------------------------------------- counting parameters and work

def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of numbers in the model's parameters (batch-norm running statistics are buffers, not counted).

    ``trainable_only=True`` counts only those with ``requires_grad`` (a frozen backbone drops out).
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


class LayerRow(NamedTuple):
    """One row of ``layer_table``: also a plain tuple (name, kind, shape, params, macs)."""
    name: str
    kind: str
    shape: tuple
    params: int
    macs: int


TABLE_LAYERS = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d,
                nn.AdaptiveMaxPool2d, nn.BatchNorm1d, nn.BatchNorm2d)


def _macs(module: nn.Module, inp: torch.Tensor, out: torch.Tensor) -> int:
    """Multiply-adds of one call on a batch of one: one per weight use (bias additions not counted)."""
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return out[0].numel() * (module.in_channels // module.groups) * kh * kw
    if isinstance(module, nn.ConvTranspose2d):  # every input value meets every weight of its group
        kh, kw = module.kernel_size
        return inp[0].numel() * (module.out_channels // module.groups) * kh * kw
    if isinstance(module, nn.Linear):
        return out[0].numel() * module.in_features
    return 0


def layer_table(model: nn.Module, input_shape, kinds=TABLE_LAYERS):
    """Run ``model`` on one zero input of ``input_shape`` (C, H, W) and describe its layers.

    Returns ``(rows, output_shape)``: one ``LayerRow(name, kind, shape, params, macs)`` per module of a type in
    ``kinds`` (convolution, linear, pooling and batch-norm layers by default), in the order they run, with the
    output shape of one example, the module's parameters and its multiply-adds for one example; and the shape of
    the model's output for one example. Works on the meta device (shapes only, no memory, no arithmetic). The
    model is run in eval mode and left in the mode it was in.
    """
    names = {module: name for name, module in model.named_modules()}
    rows = []

    def record(module, inputs, output):
        rows.append(LayerRow(names[module], type(module).__name__, tuple(output.shape[1:]),
                             count_parameters(module), _macs(module, inputs[0], output)))

    handles = [m.register_forward_hook(record) for m in model.modules() if isinstance(m, tuple(kinds))]
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(torch.zeros((1, *input_shape), device=device))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return rows, tuple(out.shape[1:])

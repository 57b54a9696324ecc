"""Small, seeded models shared by chapters: a CNN for the 8x8 digits, trained in a few seconds on a CPU.

    model = train_digits_cnn(dlbook.device(), epochs=8)     # about 97 % test accuracy on dlbook.data.digits()

Chapter 12 explains and attacks this network; its assignment receives one as an argument.
"""
from __future__ import annotations

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

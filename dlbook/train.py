"""A plain torch training loop with a progress bar, and evaluation helpers.

Data arrive as numpy arrays or tensors and are moved to the device once (the book's data sets fit in memory).
Floating inputs are cast to the model's dtype (numpy gives float64, torch layers are float32); integer inputs
are left alone (token ids for an embedding). Integer targets become int64, as the classification losses want.
"""
from __future__ import annotations

import numpy as np
import torch
from tqdm.std import tqdm  # a text bar: a widget needs a CDN and shows blank in the offline book

from .device import device as default_device

__all__ = ["fit", "accuracy", "predict"]


def _model_dtype(model) -> torch.dtype:
    param = next(model.parameters(), None)
    return param.dtype if param is not None else torch.get_default_dtype()


def _model_device(model) -> torch.device:
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


def _inputs(X, dtype, dev) -> torch.Tensor:
    X = torch.as_tensor(X)
    return (X.to(dtype) if X.is_floating_point() else X).to(dev)


def _targets(y, dtype, dev) -> torch.Tensor:
    y = torch.as_tensor(y)
    if y.is_floating_point() or y.dtype == torch.bool:
        return y.to(dtype).to(dev)  # regression / binary cross-entropy targets
    return y.long().to(dev)


def _check_int(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _labels(out: torch.Tensor) -> torch.Tensor:
    """Class labels from model outputs: argmax over classes; one output column is a logit (1 when > 0)."""
    if out.ndim == 1 or out.shape[-1] == 1:
        return (out.reshape(len(out)) > 0).long()
    return out.argmax(dim=-1)


def _target_labels(y: torch.Tensor) -> torch.Tensor:
    """Class labels from targets: class indices as they are, one-hot rows by argmax, 0/1 floats rounded."""
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(dim=1)
    return y.reshape(len(y)).round().long() if y.is_floating_point() else y.reshape(len(y)).long()


def fit(model, loss_fn, optimizer, X, y, epochs: int, batch_size: int = 64, device=None, X_val=None, y_val=None,
        progress: bool = True, seed: int = 0) -> dict[str, list[float]]:
    """Train ``model`` with minibatch ``optimizer`` steps on ``loss_fn(model(Xb), yb)`` for ``epochs`` epochs.

    The model is moved to ``device`` (default :func:`dlbook.device`); the order of the examples is reshuffled
    each epoch by a ``torch.Generator`` seeded with ``seed``, so a run is repeatable. Returns the history:
    'loss' (mean training loss of each epoch) and, with ``X_val, y_val``, 'val_loss' and 'val_acc'.
    ``loss_fn`` should average over the batch (torch's default), so batch means can be weighted by batch size.
    """
    epochs = _check_int("epochs", epochs, 0)
    batch_size = _check_int("batch_size", batch_size)
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    if len(X) == 0:
        raise ValueError("X is empty: there is nothing to train on")

    dev = torch.device(device) if device is not None else default_device()
    model.to(dev)  # moves the parameters in place, so the optimizer still holds the right tensors
    dtype = _model_dtype(model)
    X, y = _inputs(X, dtype, dev), _targets(y, dtype, dev)
    if X_val is not None:
        X_val, y_val = _inputs(X_val, dtype, dev), _targets(y_val, dtype, dev)

    generator = torch.Generator().manual_seed(seed)  # private: leaves the global torch RNG alone
    history: dict[str, list[float]] = {"loss": []}
    if X_val is not None:
        history.update(val_loss=[], val_acc=[])
    bar = tqdm(range(epochs), desc="epochs", disable=not progress)
    for _ in bar:
        model.train()
        order = torch.randperm(len(X), generator=generator).to(dev)
        total = torch.zeros((), device=dev)
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            loss = loss_fn(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(idx)  # weight by batch size: the last batch may be smaller
        history["loss"].append(total.item() / len(X))  # one device sync per epoch, not per batch
        status = {"loss": f"{history['loss'][-1]:.4f}"}
        if X_val is not None:
            val_loss, val_acc = _evaluate(model, loss_fn, X_val, y_val, batch_size=1024)
            history["val_loss"].append(val_loss)
            history["val_acc"].append(val_acc)
            status.update(val_loss=f"{val_loss:.4f}", val_acc=f"{val_acc:.3f}")
        bar.set_postfix(status)
    return history


@torch.no_grad()
def _evaluate(model, loss_fn, X, y, batch_size: int) -> tuple[float, float]:
    """Mean loss and accuracy on (X, y), in eval mode; the previous mode is restored."""
    was_training = model.training
    model.eval()
    try:
        total, correct = 0.0, 0
        for start in range(0, len(X), batch_size):
            out, target = model(X[start:start + batch_size]), y[start:start + batch_size]
            total += loss_fn(out, target).item() * len(target)
            correct += (_labels(out) == _target_labels(target)).sum().item()
    finally:
        model.train(was_training)
    return total / len(X), correct / len(X)


@torch.no_grad()
def _predict_tensor(model, X, device, batch_size: int) -> torch.Tensor:
    batch_size = _check_int("batch_size", batch_size)
    if device is not None:
        model.to(device)
    dev = _model_device(model)  # default: wherever the model already is
    X = _inputs(X, _model_dtype(model), dev)
    was_training = model.training
    model.eval()  # dropout off, batch norm uses its running statistics
    try:
        labels = [_labels(model(X[start:start + batch_size])) for start in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(labels) if labels else torch.zeros(0, dtype=torch.long)


def predict(model, X, device=None, batch_size: int = 1024) -> np.ndarray:
    """The predicted class of each row of X (argmax of the outputs), as an int64 numpy array.

    A model with a single output column is read as giving a logit: label 1 where it is > 0.
    ``device``: where to run (the model is moved there); default: where the model already is.
    """
    return _predict_tensor(model, X, device, batch_size).cpu().numpy().astype(np.int64)


def accuracy(model, X, y, device=None, batch_size: int = 1024) -> float:
    """The fraction of rows of X whose predicted class equals y, as a float.

    Evaluated in eval mode without gradients; the model's previous mode is restored. y holds class indices
    (or one-hot rows, or 0/1 targets of a single-logit model).
    """
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    if len(X) == 0:
        raise ValueError("X is empty: accuracy is undefined")
    labels = _predict_tensor(model, X, device, batch_size).cpu()
    return float((labels == _target_labels(torch.as_tensor(y).cpu())).double().mean())

"""dlbook.train: fit, accuracy and predict on tiny problems on the CPU."""
import numpy as np
import pytest
import torch
from torch import nn

from dlbook.data import blobs
from dlbook.train import accuracy, fit, predict


def _setup(seed=0, outputs=2, lr=0.1):
    torch.manual_seed(seed)
    model = nn.Linear(2, outputs)
    return model, torch.optim.SGD(model.parameters(), lr=lr)


def test_fit_reduces_loss_on_separable_data():
    X, y = blobs(n=120)
    model, opt = _setup()
    history = fit(model, nn.CrossEntropyLoss(), opt, X, y, epochs=4, batch_size=16, device="cpu", progress=False)
    assert list(history) == ["loss"] and len(history["loss"]) == 4
    assert all(isinstance(v, float) for v in history["loss"])
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert accuracy(model, X, y, device="cpu") == 1.0


def test_fit_with_validation_and_tensors():
    X, y = blobs(n=100, seed=1)
    Xv, yv = blobs(n=40, seed=2)
    model, opt = _setup()
    history = fit(model, nn.CrossEntropyLoss(), opt, torch.from_numpy(X), torch.from_numpy(y), epochs=3,
                  device=torch.device("cpu"), X_val=Xv, y_val=yv, progress=False)
    assert set(history) == {"loss", "val_loss", "val_acc"}
    assert all(len(v) == 3 for v in history.values())
    assert 0.0 <= min(history["val_acc"]) and history["val_acc"][-1] == 1.0
    assert history["val_loss"][-1] < history["val_loss"][0]
    assert model.training  # fit leaves the model ready for more training


def test_fit_is_repeatable_and_seed_matters():
    X, y = blobs(n=64, spread=2.0)

    def run(seed):
        model, opt = _setup()
        return fit(model, nn.CrossEntropyLoss(), opt, X, y, epochs=2, batch_size=8, device="cpu", progress=False,
                   seed=seed)["loss"]

    assert run(0) == run(0)
    assert run(0) != run(1)


def test_fit_mean_loss_weights_the_last_small_batch():
    # lr = 0: nothing changes, so each epoch's mean loss is the full-data loss, whatever the batch split.
    X, y = blobs(n=10, spread=2.0)
    model, opt = _setup(lr=0.0)
    history = fit(model, nn.CrossEntropyLoss(), opt, X, y, epochs=1, batch_size=4, device="cpu", progress=False)
    with torch.no_grad():
        full = nn.CrossEntropyLoss()(model(torch.tensor(X, dtype=torch.float32)), torch.from_numpy(y)).item()
    assert history["loss"][0] == pytest.approx(full, rel=1e-5)


def test_fit_binary_logit_with_float_targets():
    X, y = blobs(n=80)
    model, opt = _setup(outputs=1)
    targets = y[:, None].astype(np.float64)
    history = fit(model, nn.BCEWithLogitsLoss(), opt, X, targets, epochs=3, device="cpu", X_val=X, y_val=targets,
                  progress=False)
    assert history["loss"][-1] < history["loss"][0] and history["val_acc"][-1] == 1.0
    assert accuracy(model, X, y) == 1.0


def test_fit_progress_bar_runs(capsys):
    X, y = blobs(n=20)
    model, opt = _setup()
    fit(model, nn.CrossEntropyLoss(), opt, X, y, epochs=2, device="cpu", progress=True)
    assert "epochs" in capsys.readouterr().err


def test_fit_bad_arguments():
    X, y = blobs(n=20)
    model, opt = _setup()
    loss = nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match="same length"):
        fit(model, loss, opt, X, y[:5], epochs=1, device="cpu", progress=False)
    with pytest.raises(ValueError, match="both X_val and y_val"):
        fit(model, loss, opt, X, y, epochs=1, device="cpu", X_val=X, progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        fit(model, loss, opt, X, y, epochs=1, batch_size=0, device="cpu", progress=False)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, loss, opt, X, y, epochs=-1, device="cpu", progress=False)
    assert fit(model, loss, opt, X, y, epochs=0, device="cpu", progress=False) == {"loss": []}


class _Fixed(nn.Module):
    """Returns preset scores and records the mode it was called in."""

    def __init__(self, scores):
        super().__init__()
        self.scores = torch.as_tensor(scores, dtype=torch.float32)
        self.dummy = nn.Parameter(torch.zeros(1))
        self.modes = []

    def forward(self, x):
        self.modes.append(self.training)
        return self.scores[x[:, 0].long()] + 0 * self.dummy


def test_predict_and_accuracy_on_known_scores():
    scores = [[0.1, 0.9, 0.0], [2.0, 1.0, 0.5], [0.0, 0.0, 3.0], [1.0, 2.0, 0.0]]
    model = _Fixed(scores)
    X = np.arange(4.0)[:, None]
    labels = predict(model, X, batch_size=3)  # two batches
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, [1, 0, 2, 1])
    assert accuracy(model, X, np.array([1, 0, 2, 0]), batch_size=2) == 0.75
    assert accuracy(model, torch.from_numpy(X), torch.tensor([1, 0, 2, 1])) == 1.0
    assert accuracy(model, X, np.eye(3)[[1, 0, 2, 1]]) == 1.0  # one-hot targets


def test_evaluation_uses_eval_mode_and_restores_it():
    model = _Fixed([[1.0, 0.0]])
    X = np.zeros((3, 1))
    model.train()
    predict(model, X)
    assert model.modes == [False] and model.training
    model.eval()
    accuracy(model, X, np.zeros(3, dtype=int))
    assert not model.training


def test_predict_single_logit_and_no_gradients():
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(1.0)
        model.bias.zero_()
    np.testing.assert_array_equal(predict(model, np.array([[-2.0], [3.0]]), device="cpu"), [0, 1])
    assert model.weight.grad is None


def test_accuracy_bad_arguments():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="same length"):
        accuracy(model, np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="empty"):
        accuracy(model, np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(ValueError, match="batch_size"):
        predict(model, np.zeros((3, 2)), batch_size=0)

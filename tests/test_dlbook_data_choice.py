"""dlbook.data.image_split and choose_images: the data a page trains on (real files under DLBOOK_FULL, else digits).

The real-data path is exercised on tiny fake MNIST and CIFAR-10 files written to a temporary DLBOOK_DATA folder.
"""
import numpy as np
import pytest

from dlbook import data
from tests.test_dlbook_data import _write_cifar_batch, _write_mnist


@pytest.fixture
def fake_mnist(monkeypatch, tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    train = _write_mnist(folder, "train", 6, zipped=True)
    test = _write_mnist(folder, "test", 4, zipped=False)
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path))
    return train, test


def test_image_split_digits():
    split = data.image_split("digits")
    assert split.X_train.shape[1:] == (1, 8, 8) and split.X_train.dtype == np.float32
    assert split.y_train.dtype == np.int64 and 0 <= split.X_train.min() and split.X_train.max() <= 1
    small = data.image_split("digits", n_train=10, n_test=5, seed=3)
    assert len(small.X_train) == 10 and len(small.X_test) == 5


def test_image_split_mnist_scaled_and_subsampled(fake_mnist):
    (X, y), (X_te, y_te) = fake_mnist
    split = data.image_split("mnist")
    assert split.X_train.shape == (6, 1, 28, 28) and split.X_train.dtype == np.float32
    np.testing.assert_allclose(split.X_train[:, 0], X / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(split.y_test, y_te.astype(np.int64))
    assert split.y_train.dtype == np.int64
    sub = data.image_split("mnist", n_train=3, n_test=2, seed=1)
    assert sub.X_train.shape == (3, 1, 28, 28) and sub.X_test.shape == (2, 1, 28, 28)
    rows = [int(np.argmin(np.abs(X / 255.0 - img[0]).max(axis=(1, 2)))) for img in sub.X_train]
    np.testing.assert_array_equal(sub.y_train, y[rows])          # images keep their own labels


def test_image_split_cifar10(monkeypatch, tmp_path):
    for i in range(1, 6):
        _write_cifar_batch(tmp_path / f"data_batch_{i}.bin", 2, i)
    images, labels = _write_cifar_batch(tmp_path / "test_batch.bin", 3, 9)
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path))
    split = data.image_split("cifar10")
    assert split.X_train.shape == (10, 3, 32, 32) and split.X_test.shape == (3, 3, 32, 32)
    np.testing.assert_allclose(split.X_test, images / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(split.y_test, labels)


def test_image_split_errors(monkeypatch, tmp_path):
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="no mnist files under"):
        data.image_split("mnist")
    with pytest.raises(ValueError, match="unknown data set 'imagenet'"):
        data.image_split("imagenet")
    with pytest.raises(ValueError, match="n_train"):
        data.image_split("digits", n_train=0)


def test_choose_images_real_when_full_and_present(fake_mnist):
    split, name, message = data.choose_images("mnist", use_real=True)
    assert name == "mnist" and split.X_train.shape == (6, 1, 28, 28)
    assert "mnist" in message and "6 training" in message


def test_choose_images_digits_by_default_or_when_absent(monkeypatch, tmp_path, fake_mnist):
    split, name, message = data.choose_images("mnist", use_real=False)      # files present, but not DLBOOK_FULL
    assert name == "digits" and split.X_train.shape[1:] == (1, 8, 8) and "8x8 digits" in message
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path / "empty"))
    split, name, message = data.choose_images("cifar10", use_real=True)
    assert name == "digits" and split.X_train.shape[1:] == (1, 8, 8)
    assert "no cifar10 files were found" in message and str(tmp_path / "empty") in message
    with pytest.raises(ValueError, match="real must be one of"):
        data.choose_images("digits", use_real=True)


def test_chosen_mnist_feeds_the_chapter_12_cnn(fake_mnist):
    """Chapter 12 under DLBOOK_FULL: the chosen 28x28 images go through a DigitsCNN whose linear layer is resized."""
    import torch

    from dlbook.models import DigitsCNN

    split, name, _ = data.choose_images("mnist", use_real=True)
    side = split.X_train.shape[-1]
    net = DigitsCNN()
    net.fc = torch.nn.Linear(net.fc.in_features // 16 * (side // 2) ** 2, 10)     # as the page's make_cnn does
    scores = net.eval()(torch.as_tensor(split.X_train))
    assert name == "mnist" and side == 28 and scores.shape == (6, 10)

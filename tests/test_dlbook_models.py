import pytest
import torch

from dlbook.models import DigitsCNN, accuracy, digits_tensors, train_digits_cnn


def test_shapes_and_dtypes():
    X_train, X_test, y_train, y_test = digits_tensors()
    assert X_train.shape[1:] == (1, 8, 8) and X_train.dtype == torch.float32
    assert y_train.dtype == torch.int64 and len(X_train) + len(X_test) == 1797
    assert 0 <= float(X_train.min()) and float(X_train.max()) <= 1
    assert DigitsCNN()(X_test[:5]).shape == (5, 10)


def test_training_is_seeded_and_learns():
    torch.set_num_threads(1)
    a = train_digits_cnn("cpu", epochs=4)
    b = train_digits_cnn("cpu", epochs=4)
    assert not a.training
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    _, X_test, _, y_test = digits_tensors()
    assert accuracy(a, X_test, y_test) > 0.9
    assert accuracy(train_digits_cnn("cpu", epochs=0), X_test, y_test) < 0.5


def test_bad_epochs():
    with pytest.raises(ValueError):
        train_digits_cnn(epochs=-1)


def test_eval_mode_is_deterministic_and_train_mode_is_not():
    torch.manual_seed(0)
    model, x = DigitsCNN(4), torch.rand(3, 1, 8, 8)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    assert not torch.equal(model(x), model(x))

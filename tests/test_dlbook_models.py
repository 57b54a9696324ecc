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


# --------------------------------------------------------------------------- lenet5, alexnet, counting

from torch import nn  # noqa: E402

from dlbook.models import alexnet, count_parameters, layer_table, lenet5  # noqa: E402


def conv(k, c_in, c_out, groups=1):
    """Hand count of a convolution: one k x k x (c_in / groups) filter and one bias per output channel."""
    return (k * k * c_in // groups + 1) * c_out


def dense(n_in, n_out):
    return (n_in + 1) * n_out


LENET_HAND = conv(5, 1, 6) + conv(5, 6, 16) + dense(400, 120) + dense(120, 84) + dense(84, 10)
ALEX_HAND = (conv(11, 3, 96) + conv(5, 96, 256, 2) + conv(3, 256, 384) + conv(3, 384, 384, 2)
             + conv(3, 384, 256, 2) + dense(9216, 4096) + dense(4096, 4096) + dense(4096, 1000))
ALEX_ONE_TOWER_HAND = (conv(11, 3, 96) + conv(5, 96, 256) + conv(3, 256, 384) + conv(3, 384, 384)
                       + conv(3, 384, 256) + dense(9216, 4096) + dense(4096, 4096) + dense(4096, 1000))


def test_lenet5_parameters_and_shapes():
    assert LENET_HAND == 156 + 2416 + 48120 + 10164 + 850 == 61706
    model = lenet5()
    assert count_parameters(model) == LENET_HAND
    assert model(torch.zeros(2, 1, 32, 32)).shape == (2, 10)
    padded = lenet5(padding=2)                  # MNIST's 28 x 28, padded to the same maps
    assert count_parameters(padded) == LENET_HAND
    assert padded(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert lenet5(n_classes=7, in_channels=3)(torch.zeros(1, 3, 32, 32)).shape == (1, 7)
    assert count_parameters(lenet5(in_channels=3)) == LENET_HAND + 2 * 6 * 25
    assert isinstance(model.features[0], nn.Conv2d) and isinstance(model.classifier[-1], nn.Linear)


def test_alexnet_parameters_and_shapes():
    assert ALEX_HAND == 60_965_224 and ALEX_ONE_TOWER_HAND == 62_378_344
    with torch.device("meta"):
        two, one = alexnet(), alexnet(groups=1)
        ten = alexnet(n_classes=10, in_channels=1, lrn=True)
    assert count_parameters(two) == ALEX_HAND
    assert count_parameters(one) == ALEX_ONE_TOWER_HAND
    assert count_parameters(ten) == ALEX_HAND - conv(11, 3, 96) + conv(11, 1, 96) - dense(4096, 1000) + dense(4096, 10)
    rows, out = layer_table(two, (3, 224, 224))
    assert out == (1000,)
    assert [r.shape for r in rows if r.kind == "Conv2d"][0] == (96, 55, 55)
    assert rows[-4].shape == (256, 6, 6)         # the last pooling, before the classifier
    assert layer_table(alexnet(padding=0).to("meta"), (3, 227, 227))[0][0].shape == (96, 55, 55)
    assert layer_table(ten, (1, 224, 224))[1] == (10,)
    assert sum(isinstance(m, nn.Dropout) for m in two.modules()) == 2


def test_count_parameters_trainable_only():
    model = lenet5()
    for p in model.features.parameters():
        p.requires_grad_(False)
    assert count_parameters(model) == LENET_HAND
    assert count_parameters(model, trainable_only=True) == LENET_HAND - 156 - 2416


def test_layer_table_lenet_by_hand():
    model = lenet5().train()
    rows, out = layer_table(model, (1, 32, 32))
    assert model.training                         # the mode is restored
    assert out == (10,)
    assert [r.name for r in rows] == ["features.0", "features.2", "features.3", "features.5",
                                      "classifier.1", "classifier.3", "classifier.5"]
    assert [r.shape for r in rows] == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120,), (84,), (10,)]
    assert sum(r.params for r in rows) == LENET_HAND
    hand_macs = [28 * 28 * 6 * 25, 0, 10 * 10 * 16 * 6 * 25, 0, 400 * 120, 120 * 84, 84 * 10]
    assert [r.macs for r in rows] == hand_macs and sum(hand_macs) == 416_520
    name, kind, shape, params, macs = rows[0]     # rows are plain tuples too
    assert (kind, params) == ("Conv2d", 156)


def test_layer_table_batchnorm_and_transposed_convolution():
    model = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ConvTranspose2d(4, 3, 2, stride=2))
    rows, out = layer_table(model, (2, 5, 5))
    assert out == (3, 10, 10)
    assert [r.kind for r in rows] == ["Conv2d", "BatchNorm2d", "ConvTranspose2d"]
    assert [r.params for r in rows] == [conv(3, 2, 4), 8, 4 * 3 * 4 + 3]
    assert rows[2].macs == 4 * 5 * 5 * 3 * 2 * 2   # each input value times each of its 3 x 2 x 2 weights
    assert sum(r.params for r in rows) == count_parameters(model)

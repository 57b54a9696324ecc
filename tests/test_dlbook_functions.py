import numpy as np
import torch

from dlbook.functions import log_softmax, sigmoid, softmax


def test_sigmoid_matches_torch_and_never_overflows():
    z = np.array([-1000.0, -30.0, -1.0, 0.0, 0.5, 30.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = sigmoid(z)
    np.testing.assert_allclose(got, torch.sigmoid(torch.tensor(z)).numpy(), rtol=1e-12, atol=0)
    assert sigmoid(0.0) == 0.5 and np.all((got >= 0) & (got <= 1))


def test_softmax_rows_match_torch_and_survive_large_scores():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(5, 4)) * 50
    np.testing.assert_allclose(softmax(A), torch.softmax(torch.tensor(A), dim=1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(softmax(A, axis=0), torch.softmax(torch.tensor(A), dim=0).numpy(), rtol=1e-12)
    np.testing.assert_allclose(log_softmax(A), torch.log_softmax(torch.tensor(A), dim=1).numpy(), rtol=1e-12)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = softmax(np.array([1000.0, 0.0]))
    np.testing.assert_allclose(p, [1.0, 0.0], atol=1e-300)
    np.testing.assert_allclose(softmax(A + 100.0), softmax(A))  # shift invariance

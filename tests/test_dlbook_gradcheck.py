"""dlbook.gradcheck: centred differences and the gradient-check report."""
import numpy as np
import pytest
import torch

from dlbook.gradcheck import GradCheckReport, gradcheck, numerical_gradient


def test_numerical_gradient_of_quadratic_and_matrix_function():
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v ** 2), x), 2 * x, rtol=1e-8)
    A = np.random.default_rng(0).normal(size=(3, 4))
    W = np.random.default_rng(1).normal(size=(4, 2))
    g = numerical_gradient(lambda M: np.sum(np.tanh(A @ M)), W)
    assert g.shape == W.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, A.T @ (1 - np.tanh(A @ W) ** 2), rtol=1e-7)


def test_numerical_gradient_leaves_x_unchanged():
    x = np.random.default_rng(2).normal(size=(3, 2))
    before = x.copy()
    seen = []
    numerical_gradient(lambda v: seen.append(v.copy()) or float(np.sum(np.sin(v))), x, eps=1e-3)
    assert np.array_equal(x, before)  # bit for bit: the old value is put back, not old + eps - eps
    # Exactly one entry is perturbed during each evaluation.
    assert all(np.count_nonzero(s != before) == 1 for s in seen) and len(seen) == 2 * x.size


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])

    def broken(v):
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        numerical_gradient(broken, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_numerical_gradient_closure_style():
    # f ignores its argument and reads the weight array it closes over (as a layer's loss would).
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = numerical_gradient(lambda _: np.sum(W ** 3), W)
    np.testing.assert_allclose(g, 3 * W ** 2, rtol=1e-7)


def test_numerical_gradient_other_inputs():
    np.testing.assert_allclose(numerical_gradient(lambda v: v ** 2, 3.0), 6.0, rtol=1e-8)  # 0-d
    np.testing.assert_allclose(numerical_gradient(lambda v: v @ v, [1, 2]), [2, 4], rtol=1e-8)  # list of ints
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v), torch.ones(2, dtype=torch.float64)), [1, 1])
    np.testing.assert_allclose(numerical_gradient(lambda v: np.array([v.sum()]), np.ones(2)), [1, 1])


def test_numerical_gradient_bad_arguments():
    with pytest.raises(ValueError, match="float64"):
        numerical_gradient(lambda v: v.sum(), np.ones(2, dtype=np.float32))
    with pytest.raises(ValueError, match="float64"):
        numerical_gradient(lambda v: v.sum(), np.ones(2, dtype=np.int64))
    with pytest.raises(ValueError, match="eps must be a positive"):
        numerical_gradient(lambda v: v.sum(), np.ones(2), eps=0)
    with pytest.raises(ValueError, match="single number"):
        numerical_gradient(lambda v: v, np.ones(2))


def _loss(W, X, y):
    return 0.5 * np.sum((X @ W - y) ** 2)


def test_gradcheck_passes_right_and_catches_missing_factor():
    rng = np.random.default_rng(3)
    X, y, W = rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=3)
    right = X.T @ (X @ W - y)
    report = gradcheck(lambda w: _loss(w, X, y), W, right)
    assert isinstance(report, GradCheckReport)
    assert report.ok and bool(report) and report.max_rel_error < 1e-7 and report.tol == 1e-6
    # The classic mistake: d/dw of w^2 taken as w instead of 2 w.
    report = gradcheck(lambda w: np.sum(w ** 2), W, W)
    assert not report.ok and not report
    assert report.max_rel_error == pytest.approx(1 / 3)
    assert report.max_abs_error == pytest.approx(np.max(np.abs(W)), rel=1e-6)


def test_gradcheck_points_at_the_wrong_entry():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    wrong = 2 * x
    wrong[1, 2] += 0.5
    report = gradcheck(lambda v: np.sum(v ** 2), x, wrong)
    assert not report.ok and report.worst_index == (1, 2)
    text = str(report)
    assert "\n" not in text and "FAILED" in text and "(1, 2)" in text
    assert "OK" in str(gradcheck(lambda v: np.sum(v ** 2), x, 2 * x))


def test_gradcheck_tolerance_zero_gradient_and_nan():
    x = np.array([1.0, 2.0])
    assert gradcheck(lambda v: 0.0 * v.sum(), x, np.zeros(2)).max_rel_error == 0.0  # 0 / 0 is no error
    slightly_off = 2 * x * (1 + 1e-4)
    assert not gradcheck(lambda v: np.sum(v ** 2), x, slightly_off).ok
    assert gradcheck(lambda v: np.sum(v ** 2), x, slightly_off, tol=1e-3).ok
    nan_report = gradcheck(lambda v: np.sum(v ** 2), x, np.array([2.0, np.nan]))
    assert not nan_report.ok and nan_report.worst_index == (1,)


def test_gradcheck_accepts_torch_gradient():
    w = torch.tensor([0.5, -1.5], dtype=torch.float64, requires_grad=True)
    (w.exp().sum()).backward()
    assert gradcheck(lambda v: np.sum(np.exp(v)), w.detach().numpy().copy(), w.grad).ok


def test_gradcheck_bad_arguments():
    with pytest.raises(ValueError, match=r"shape \(3,\) but x has shape \(2,\)"):
        gradcheck(lambda v: v.sum(), np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="tol must be a positive"):
        gradcheck(lambda v: v.sum(), np.ones(2), np.ones(2), tol=-1)

"""Chapter 11 against the field's libraries: the assignment's reference solution (executed from the nbgrader
source, so there is one copy of it) checked against torch.autograd and scikit-learn's BernoulliRBM, and a linear
autoencoder checked against scikit-learn's PCA."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA
from sklearn.neural_network import BernoulliRBM

from bench.common import solution_namespace

PARTS = ("setup", "ae_forward", "ae_backward", "sparsity_penalty", "sparse_ae_backward", "greedy_layer",
         "rbm_conditionals", "cd1_update", "train_rbm")


@pytest.fixture(scope="module")
def ns():
    return solution_namespace("ch11-autoencoders", PARTS)


def _ae_params(rng, d, k):
    return (rng.normal(0, 0.5, (d, k)), rng.normal(0, 0.1, k), rng.normal(0, 0.5, (k, d)), rng.normal(0, 0.1, d))


def _torch_grads(X, params, rho=None, beta=0.0):
    X_t = torch.tensor(X)
    ts = [torch.tensor(p, requires_grad=True) for p in params]
    W1, b1, W2, b2 = ts
    H = torch.sigmoid(X_t @ W1 + b1)
    X_hat = torch.sigmoid(H @ W2 + b2)
    loss = 0.5 * ((X_hat - X_t) ** 2).sum() / len(X)
    if beta:
        r = H.mean(0)
        loss = loss + beta * (rho * torch.log(rho / r) + (1 - rho) * torch.log((1 - rho) / (1 - r))).sum()
    loss.backward()
    return loss.item(), [t.grad.numpy() for t in ts]


def test_ae_backward_matches_autograd(ns):
    rng = np.random.default_rng(0)
    X = rng.random((11, 7))
    params = _ae_params(rng, 7, 5)
    loss, *grads = ns["ae_backward"](X, *params)
    ref_loss, ref_grads = _torch_grads(X, params)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)


def test_sparse_ae_backward_matches_autograd_and_the_deck_term_does_not(ns):
    rng = np.random.default_rng(1)
    X = rng.random((13, 6))
    params = _ae_params(rng, 6, 9)
    loss, *grads = ns["sparse_ae_backward"](X, *params, 0.05, 3.0)
    ref_loss, ref_grads = _torch_grads(X, params, rho=0.05, beta=3.0)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)
    # The deck's printed term, (1 - rho) / rho_j, gives a different (wrong) gradient.
    W1, b1, W2, b2 = params
    H = ns["sigmoid"](X @ W1 + b1)
    X_hat = ns["sigmoid"](H @ W2 + b2)
    r = H.mean(0)
    D2 = (X_hat - X) * X_hat * (1 - X_hat)
    deck = (D2 @ W2.T + 3.0 * (-0.05 / r + 0.95 / r)) * H * (1 - H)
    assert not np.allclose(X.T @ deck / len(X), ref_grads[0], rtol=1e-3)


def test_linear_autoencoder_finds_the_pca_subspace():
    from sklearn.datasets import load_digits

    X = load_digits().data / 16.0
    Xc = X - X.mean(0)
    k, rng = 4, np.random.default_rng(0)
    W1, W2 = rng.normal(0, 0.1, (64, k)), rng.normal(0, 0.1, (k, 64))
    m = [np.zeros_like(W1), np.zeros_like(W2)]
    v = [np.zeros_like(W1), np.zeros_like(W2)]
    for t in range(1, 1501):          # full-batch Adam on 1/(2N) ||X W1 W2 - X||^2
        H = Xc @ W1
        D = (H @ W2 - Xc) / len(Xc)
        grads = [Xc.T @ (D @ W2.T), H.T @ D]
        for i, (p, g) in enumerate(zip((W1, W2), grads)):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g ** 2
            p -= 0.01 * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8)
    pca = PCA(n_components=k).fit(X)
    angles = np.degrees(subspace_angles(W2.T, pca.components_.T))
    assert angles.max() < 1.0
    err_ae = np.mean(np.sum((Xc @ W1 @ W2 - Xc) ** 2, 1))
    err_pca = np.mean(np.sum((pca.inverse_transform(pca.transform(X)) - X) ** 2, 1))
    assert err_pca <= err_ae * (1 + 1e-9) and err_ae < 1.001 * err_pca


def _sklearn_rbm(W, b, c):
    rbm = BernoulliRBM(n_components=W.shape[1], random_state=0)
    rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_ = W.T.copy(), c.copy(), b.copy()
    rbm.n_features_in_ = W.shape[0]
    return rbm


def test_rbm_conditionals_and_free_energy_match_bernoulli_rbm(ns):
    rng = np.random.default_rng(2)
    V = (rng.random((25, 12)) < 0.5).astype(float)
    W, b, c = rng.normal(0, 1, (12, 5)), rng.normal(0, 1, 12), rng.normal(0, 1, 5)
    rbm = _sklearn_rbm(W, b, c)
    np.testing.assert_allclose(rbm.transform(V), ns["p_h_given_v"](V, W, c), rtol=1e-12)
    np.testing.assert_allclose(rbm._mean_hiddens(V), ns["p_h_given_v"](V, W, c), rtol=1e-12)
    # Free energy F(v) = -b.v - sum_j log(1 + exp(c_j + v W_j)) and the pseudo-likelihood with the same flipped bits.
    F = lambda A: -A @ b - np.logaddexp(0, A @ W + c).sum(1)  # noqa: E731
    np.testing.assert_allclose(rbm._free_energy(V), F(V), rtol=1e-12)
    flip = np.random.RandomState(0).randint(0, V.shape[1], len(V))
    Vf = V.copy()
    Vf[np.arange(len(V)), flip] = 1 - Vf[np.arange(len(V)), flip]
    np.testing.assert_allclose(rbm.score_samples(V), -V.shape[1] * np.logaddexp(0, -(F(Vf) - F(V))), rtol=1e-12)
    # p(v | h): scikit-learn samples it with rng.uniform(size) < p, so equal draws give equal samples.
    H = (rng.random((25, 5)) < 0.5).astype(float)
    P = ns["p_v_given_h"](H, W, b)
    np.testing.assert_array_equal(rbm._sample_visibles(H, np.random.RandomState(3)),
                                  np.random.RandomState(3).uniform(size=P.shape) < P)


def test_cd1_update_is_one_step_of_bernoulli_rbm_from_the_data(ns):
    """BernoulliRBM._fit is persistent CD: its chain starts at h_samples_. Started at H0 it makes our CD-1 step."""
    rng = np.random.default_rng(4)
    V0 = (rng.random((20, 10)) < 0.4).astype(float)
    W, b, c = rng.normal(0, 1, (10, 6)), rng.normal(0, 0.5, 10), rng.normal(0, 0.5, 6)
    u_h = rng.random((20, 6))
    u_v = np.random.RandomState(7).uniform(size=(20, 10))
    W_new, b_new, c_new = ns["cd1_update"](V0, W, b, c, 0.1, u_h, u_v)
    rbm = _sklearn_rbm(W, b, c)
    rbm.learning_rate = 0.1
    rbm.h_samples_ = (u_h < ns["p_h_given_v"](V0, W, c)).astype(float)
    rbm._fit(V0, np.random.RandomState(7))
    np.testing.assert_allclose(W_new, rbm.components_.T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b_new, rbm.intercept_visible_, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c_new, rbm.intercept_hidden_, rtol=1e-12, atol=1e-14)


def test_train_rbm_reduces_the_reconstruction_error_like_bernoulli_rbm(ns):
    V = ns["V_digits"]
    rng = np.random.default_rng(5)
    W0 = rng.normal(0, 0.01, (64, 32))
    *_, errors = ns["train_rbm"](V, W0, np.zeros(64), np.zeros(32), 0.5, 30, 0)
    sk = BernoulliRBM(n_components=32, learning_rate=0.05, batch_size=10, n_iter=15, random_state=0).fit(V)
    sk_err = ns["rbm_reconstruction_error"](V, sk.components_.T, sk.intercept_visible_, sk.intercept_hidden_)
    assert errors[-1] < 0.75 * errors[0]
    assert sk_err < 0.75 * errors[0]        # both trainings make the same measure go down from the start

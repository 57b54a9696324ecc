"""Chapter 12 against Captum: the assignment's reference solution (executed from the nbgrader source, so there is
one copy of it) computes the same saliency map as captum.attr.Saliency, the same occlusion map as
captum.attr.Occlusion and the same adversarial images as captum.robust.FGSM, on the same model and inputs."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from captum.attr import Occlusion, Saliency
from captum.robust import FGSM

from bench.common import solution_namespace

pytestmark = pytest.mark.filterwarnings("ignore:Input Tensor 0 did not already require gradients")
CE = torch.nn.CrossEntropyLoss(reduction="none")      # captum's default loss, -log(output), expects probabilities
PARTS = ("setup", "saliency_map", "occlusion_map", "fgsm", "accuracy_under_attack", "targeted_masked_attack",
         "activation_maximisation")


@pytest.fixture(scope="module")
def ns():
    torch.set_num_threads(1)
    namespace = solution_namespace("ch12-interpretation", PARTS)
    namespace["model"].eval()
    return namespace


@pytest.fixture(scope="module")
def batch(ns):
    rng = np.random.default_rng(0)
    idx = torch.as_tensor(rng.choice(len(ns["X_test"]), 12, replace=False))
    return ns["X_test"][idx].clone(), ns["y_test"][idx].clone(), torch.as_tensor(rng.integers(0, 10, 12))


def test_saliency_matches_captum(ns, batch):
    x, _, t = batch
    ours = ns["saliency_map"](ns["model"], x, t)
    theirs = Saliency(ns["model"]).attribute(x.clone().requires_grad_(True), target=t, abs=True)
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("patch, stride, fill", [(2, 1, 0.0), (3, 1, 0.5), (4, 2, 0.0)])
def test_occlusion_matches_captum(ns, batch, patch, stride, fill):
    x, _, t = batch
    ours = ns["occlusion_map"](ns["model"], x, t, patch, stride, fill)
    theirs = Occlusion(ns["model"]).attribute(x, sliding_window_shapes=(1, patch, patch), strides=(1, stride, stride),
                                              baselines=fill, target=t)
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("eps", [0.05, 0.1, 0.3])
def test_fgsm_matches_captum(ns, batch, eps):
    x, y, _ = batch
    ours = ns["fgsm"](ns["model"], x, y, eps)
    theirs = FGSM(ns["model"], loss_func=CE, lower_bound=0.0, upper_bound=1.0).perturb(x, eps, y)
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6)


def test_targeted_step_matches_captum_targeted_fgsm(ns, batch):
    x, _, t = batch
    ours = ns["targeted_masked_attack"](ns["model"], x, t, torch.ones(1, 1, 8, 8), 1, 0.1)
    theirs = FGSM(ns["model"], loss_func=CE, lower_bound=0.0, upper_bound=1.0).perturb(x, 0.1, t, targeted=True)
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6)


def test_attack_lowers_accuracy_and_maximisation_raises_score(ns):
    model, X, y = ns["model"], ns["X_test"][:200], ns["y_test"][:200]
    accs = ns["accuracy_under_attack"](model, X, y, [0.0, 0.1, 0.3])
    assert accs[0] > 0.8 and accs[0] > accs[1] > accs[2]
    img = ns["activation_maximisation"](model, 4, 50, 0.1, 0.5, "cpu")
    with torch.no_grad():
        assert model(img)[0, 4] > model(torch.full((1, 1, 8, 8), 0.5))[0, 4]

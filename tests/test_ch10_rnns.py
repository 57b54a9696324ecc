"""Chapter 10's numpy recurrent networks against PyTorch: the reference solutions of the assignment
(solutions/ch10-rnns/ch10-rnns.ipynb, executed from the notebook so there is one copy of them) compared with
torch.nn.RNN, torch.nn.RNNCell, torch.nn.LSTMCell, torch.nn.LSTM, torch.nn.GRUCell, torch.autograd,
dlbook.gradcheck and torch.nn.utils.clip_grad_norm_, with the same weights."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import dlbook.gradcheck
from bench.common import solution_namespace


@pytest.fixture(scope="module")
def ns():
    torch.set_num_threads(1)
    return solution_namespace("ch10-rnns", ("setup", "rnn_forward", "rnn_backward", "lstm_cell", "gru_cell",
                                            "clip_grad_norm"))


def _copy(module, values):
    with torch.no_grad():
        for p, v in zip(module.parameters(), values):
            p.copy_(torch.as_tensor(v))


def _rnn_problem(seed=0, T=7, N=3, D=4, H=5):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(T, N, D)), 0.5 * rng.normal(size=(N, H)), 0.6 * rng.normal(size=(H, D)),
            0.6 * rng.normal(size=(H, H)), 0.2 * rng.normal(size=H), 0.2 * rng.normal(size=H), rng)


def test_rnn_forward_equals_torch_rnn_and_rnncell(ns):
    X, h0, W_xh, W_hh, b_ih, b_hh, _ = _rnn_problem()
    H = ns["rnn_forward"](X, h0, W_xh, W_hh, b_ih + b_hh)
    rnn = torch.nn.RNN(4, 5).double()
    _copy(rnn, (W_xh, W_hh, b_ih, b_hh))
    cell = torch.nn.RNNCell(4, 5).double()
    _copy(cell, (W_xh, W_hh, b_ih, b_hh))
    with torch.no_grad():
        out, h_last = rnn(torch.tensor(X), torch.tensor(h0)[None])
        h, steps = torch.tensor(h0), []
        for t in range(X.shape[0]):
            h = cell(torch.tensor(X[t]), h)
            steps.append(h)
    np.testing.assert_allclose(H, out.numpy(), atol=1e-12)
    np.testing.assert_allclose(H, torch.stack(steps).numpy(), atol=1e-12)
    np.testing.assert_allclose(H[-1], h_last[0].numpy(), atol=1e-12)


def test_bptt_equals_autograd_and_passes_gradcheck(ns):
    X, h0, W_xh, W_hh, b_ih, b_hh, rng = _rnn_problem(1)
    b = b_ih + b_hh
    dH = rng.normal(size=(X.shape[0], X.shape[1], h0.shape[1]))
    grads = ns["rnn_backward"](X, h0, W_xh, W_hh, b, dH)
    params = [torch.tensor(a, requires_grad=True) for a in (W_xh, W_hh, b, h0)]
    rnn = torch.nn.RNN(4, 5).double()
    with torch.no_grad():
        rnn.bias_hh_l0.zero_()
    out, _ = torch.func.functional_call(rnn, {"weight_ih_l0": params[0], "weight_hh_l0": params[1],
                                              "bias_ih_l0": params[2], "bias_hh_l0": rnn.bias_hh_l0},
                                        (torch.tensor(X), params[3][None]))
    (out * torch.tensor(dH)).sum().backward()
    for ours, p in zip(grads, params):
        np.testing.assert_allclose(ours, p.grad.numpy(), rtol=1e-9, atol=1e-12)

    def loss(W, which):
        args = [W_xh, W_hh, b, h0]
        args[which] = W
        return float(np.sum(dH * ns["rnn_forward"](X, args[3], args[0], args[1], args[2])))
    for which in range(4):
        args = (W_xh, W_hh, b, h0)
        report = dlbook.gradcheck.gradcheck(lambda W: loss(W, which), args[which], grads[which])
        assert report, str(report)


def _lstm_weights(cell):
    return [p.detach().numpy().copy() for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]


def test_lstm_cell_equals_lstmcell_and_full_lstm(ns):
    rng = np.random.default_rng(2)
    torch.manual_seed(2)
    cell = torch.nn.LSTMCell(3, 4).double()
    W = _lstm_weights(cell)
    x, h, c = rng.normal(size=(5, 3)), rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    h1, c1 = ns["lstm_cell"](x, h, c, *W)
    with torch.no_grad():
        th, tc = cell(torch.tensor(x), (torch.tensor(h), torch.tensor(c)))
    np.testing.assert_allclose(h1, th.numpy(), atol=1e-12)
    np.testing.assert_allclose(c1, tc.numpy(), atol=1e-12)
    # stepped over a sequence, against torch.nn.LSTM in both layouts
    X = rng.normal(size=(9, 5, 3))
    for batch_first in (False, True):
        lstm = torch.nn.LSTM(3, 4, batch_first=batch_first).double()
        _copy(lstm, W)
        hh, cc, outs = h, c, []
        for t in range(X.shape[0]):
            hh, cc = ns["lstm_cell"](X[t], hh, cc, *W)
            outs.append(hh)
        inp = torch.tensor(X.transpose(1, 0, 2) if batch_first else X)
        with torch.no_grad():
            out, (hT, cT) = lstm(inp, (torch.tensor(h)[None], torch.tensor(c)[None]))
        ours = np.stack(outs)
        np.testing.assert_allclose(ours.transpose(1, 0, 2) if batch_first else ours, out.numpy(), atol=1e-12)
        np.testing.assert_allclose(cc, cT[0].numpy(), atol=1e-12)


def test_gru_cell_equals_grucell(ns):
    rng = np.random.default_rng(3)
    torch.manual_seed(3)
    cell = torch.nn.GRUCell(3, 4).double()
    W = _lstm_weights(cell)
    for scale in (1.0, 20.0):
        x, h = scale * rng.normal(size=(6, 3)), rng.normal(size=(6, 4))
        with torch.no_grad():
            expected = cell(torch.tensor(x), torch.tensor(h)).numpy()
        np.testing.assert_allclose(ns["gru_cell"](x, h, *W), expected, atol=1e-12)


def test_clip_grad_norm_equals_torch(ns):
    rng = np.random.default_rng(4)
    for scale, max_norm in ((10.0, 1.0), (0.01, 1.0), (1.0, 2.5)):
        grads = [scale * rng.normal(size=s) for s in ((3, 4), (4,), (2, 2, 2))]
        params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g)
        total = torch.nn.utils.clip_grad_norm_(params, max_norm)
        clipped, ours = ns["clip_grad_norm"](grads, max_norm)
        assert ours == pytest.approx(float(total), rel=1e-12)
        for a, p in zip(clipped, params):
            np.testing.assert_allclose(a, p.grad.numpy(), rtol=1e-12)

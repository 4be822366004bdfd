"""Each update rule against its first steps worked out by hand from PyTorch's documented algorithm
(torch.optim: SGD with momentum/Nesterov and dampening 0, Adagrad, RMSprop, Adam), on two or three
parameters with given gradients. The arithmetic is written out; nothing calls the code to get it.

Tolerance: rtol 1e-13. The hand formulas group the same operations differently (e.g. Adam's
sqrt(v / (1 - b2^t)) against sqrt(v) / sqrt(1 - b2^t)), a few ulps per step.
"""

from __future__ import annotations

from math import sqrt

import numpy as np
import pytest

from gd import optimizers, registry
from gd.inputs import OPTIMIZERS
from gd.problem import Problem

RTOL = 1e-13


def trajectory(optimizer, gradients):
    """Parameters after each update, from zeros, for the given gradient sequence."""
    theta = np.zeros(len(gradients[0]))
    state = optimizer.init(theta)
    out = []
    for g in gradients:
        delta, state = optimizer.update(np.array(g, dtype=float), state)
        theta = theta + delta
        out.append(theta)
    return np.array(out)


G3 = [[0.5, -2.0], [-1.0, 0.25], [0.3, 4.0]]


def test_gd_step_is_minus_eta_times_the_gradient():
    expected = [
        [-0.05, 0.2],  # 0 - 0.1 * (0.5, -2)
        [-0.05 + 0.1, 0.2 - 0.025],  # - 0.1 * (-1, 0.25)
        [-0.05 + 0.1 - 0.03, 0.2 - 0.025 - 0.4],
    ]  # - 0.1 * (0.3, 4)
    np.testing.assert_allclose(trajectory(optimizers.gd(0.1), G3), expected, rtol=RTOL)
    # sgd is the same rule (its gradient differs, see gd.run)
    np.testing.assert_allclose(trajectory(registry.make("sgd", 0.1), G3), expected, rtol=RTOL)


def test_momentum_heavy_ball_as_pytorch():
    # b1 = g1 (b starts at 0) = (0.5, -2);              theta1 = -0.1 b1 = (-0.05, 0.2)
    # b2 = 0.9 b1 + g2 = (0.45 - 1, -1.8 + 0.25) = (-0.55, -1.55);  theta2 = theta1 - 0.1 b2
    # b3 = 0.9 b2 + g3 = (-0.495 + 0.3, -1.395 + 4) = (-0.195, 2.605)
    expected = [[-0.05, 0.2], [-0.05 + 0.055, 0.2 + 0.155], [-0.05 + 0.055 + 0.0195, 0.2 + 0.155 - 0.2605]]
    np.testing.assert_allclose(trajectory(optimizers.momentum(0.1, 0.9), G3), expected, rtol=RTOL)
    np.testing.assert_allclose(
        trajectory(registry.make("momentum", 0.1, momentum=0.9), G3), expected, rtol=RTOL
    )


def test_nesterov_as_pytorch():
    # b1 = g1; direction g1 + 0.9 b1 = 1.9 g1 = (0.95, -3.8)
    # b2 = (-0.55, -1.55); direction g2 + 0.9 b2 = (-1 - 0.495, 0.25 - 1.395) = (-1.495, -1.145)
    # b3 = (-0.195, 2.605); direction g3 + 0.9 b3 = (0.3 - 0.1755, 4 + 2.3445) = (0.1245, 6.3445)
    expected = [
        [-0.095, 0.38],
        [-0.095 + 0.1495, 0.38 + 0.1145],
        [-0.095 + 0.1495 - 0.01245, 0.38 + 0.1145 - 0.63445],
    ]
    np.testing.assert_allclose(
        trajectory(optimizers.momentum(0.1, 0.9, nesterov=True), G3), expected, rtol=RTOL
    )
    np.testing.assert_allclose(
        trajectory(registry.make("nesterov", 0.1, momentum=0.9), G3), expected, rtol=RTOL
    )


def test_momentum_zero_is_gd():
    for nesterov in (False, True):
        np.testing.assert_allclose(
            trajectory(optimizers.momentum(0.1, 0.0, nesterov), G3),
            trajectory(optimizers.gd(0.1), G3),
            rtol=RTOL,
        )


def test_adagrad_eps_1e_10():
    # The third coordinate's gradient is 1e-10, the size of eps: its step is eta * g / (|g| + eps)
    # = eta / 2, which tells eps = 1e-10 from eps = 0 (a full eta) or 1e-8 (eta / 101).
    g = [[0.5, -2.0, 1e-10], [-1.0, 0.25, 1e-10]]
    # s1 = g1^2 = (0.25, 4, 1e-20);  theta1 = -0.1 g1 / (sqrt(s1) + 1e-10)
    t1 = [-0.1 * 0.5 / (0.5 + 1e-10), 0.1 * 2.0 / (2.0 + 1e-10), -0.1 * 1e-10 / (1e-10 + 1e-10)]
    # s2 = s1 + g2^2 = (1.25, 4.0625, 2e-20)
    t2 = [
        t1[0] + 0.1 * 1.0 / (sqrt(1.25) + 1e-10),
        t1[1] - 0.1 * 0.25 / (sqrt(4.0625) + 1e-10),
        t1[2] - 0.1 * 1e-10 / (sqrt(2e-20) + 1e-10),
    ]
    np.testing.assert_allclose(trajectory(registry.make("adagrad", 0.1), g), [t1, t2], rtol=RTOL)
    assert t1[2] == pytest.approx(-0.05, rel=1e-15)


def test_rmsprop_alpha_099_eps_1e_8():
    # third coordinate 1e-7: v1 = 0.01 * 1e-14 = 1e-16, sqrt(v1) = 1e-8 = eps: the step is
    # eta * 1e-7 / 2e-8 = 5 eta; with eps = 0 it would be 10 eta
    g = [[0.5, -2.0, 1e-7], [-1.0, 0.25, 1e-7]]
    # v1 = 0.01 g1^2 = (0.0025, 0.04, 1e-16)
    t1 = [
        -0.01 * 0.5 / (sqrt(0.0025) + 1e-8),
        0.01 * 2.0 / (sqrt(0.04) + 1e-8),
        -0.01 * 1e-7 / (sqrt(1e-16) + 1e-8),
    ]
    # v2 = 0.99 v1 + 0.01 g2^2 = (0.002475 + 0.01, 0.0396 + 0.000625, 0.99e-16 + 1e-16)
    t2 = [
        t1[0] + 0.01 * 1.0 / (sqrt(0.012475) + 1e-8),
        t1[1] - 0.01 * 0.25 / (sqrt(0.040225) + 1e-8),
        t1[2] - 0.01 * 1e-7 / (sqrt(1.99e-16) + 1e-8),
    ]
    np.testing.assert_allclose(trajectory(registry.make("rmsprop", 0.01), g), [t1, t2], rtol=RTOL)
    assert t1[2] == pytest.approx(-0.05, rel=1e-12)


def test_adam_betas_09_0999_eps_1e_8():
    # PyTorch's documented form: m_hat = m / (1 - 0.9^t), v_hat = v / (1 - 0.999^t),
    # theta -= eta m_hat / (sqrt(v_hat) + eps). Third coordinate 1e-8 = eps: the first step is eta/2.
    g = [[0.5, -2.0, 1e-8], [-1.0, 0.25, 1e-8], [0.3, 4.0, 1e-8]]
    eta = 0.1
    # t = 1: m = 0.1 g1, v = 0.001 g1^2; m_hat = g1, v_hat = g1^2
    t1 = [-eta * 0.5 / (0.5 + 1e-8), eta * 2.0 / (2.0 + 1e-8), -eta * 1e-8 / (1e-8 + 1e-8)]
    # t = 2: m = 0.9 m1 + 0.1 g2 = (0.045 - 0.1, -0.18 + 0.025, 1e-9 * 0.9 + 1e-9)
    #        v = 0.999 v1 + 0.001 g2^2 = (0.00024975 + 0.001, 0.003996 + 0.0000625, 1.999e-19)
    #        bias corrections 1 - 0.81 = 0.19 and 1 - 0.998001 = 0.001999
    m2 = [-0.055, -0.155, 1.9e-9]
    v2 = [0.00124975, 0.0040585, 1.999e-19]
    t2 = [t + -eta * (m / 0.19) / (sqrt(v / 0.001999) + 1e-8) for t, m, v in zip(t1, m2, v2, strict=True)]
    # t = 3: m = 0.9 m2 + 0.1 g3 = (-0.0495 + 0.03, -0.1395 + 0.4, 1.71e-9 + 1e-9)
    #        v = 0.999 v2 + 0.001 g3^2 = (0.00124850025 + 0.00009, 0.0040544415 + 0.016, 2.997001e-19)
    #        bias corrections 1 - 0.729 = 0.271 and 1 - 0.997002999 = 0.002997001
    m3 = [-0.0195, 0.2605, 2.71e-9]
    v3 = [0.00133850025, 0.0200544415, 2.997001e-19]
    t3 = [t + -eta * (m / 0.271) / (sqrt(v / 0.002997001) + 1e-8) for t, m, v in zip(t2, m3, v3, strict=True)]
    np.testing.assert_allclose(trajectory(registry.make("adam", eta), g), [t1, t2, t3], rtol=RTOL)
    assert t1[2] == pytest.approx(-0.05, rel=1e-12)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_update_is_pure(name):
    """The state is immutable: updating twice from one state gives the same step; nothing mutates."""
    pb = Problem.from_data(np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5], [2.0, 2.0]]), np.arange(4.0))
    opt = registry.make(name, 0.1, pb, momentum=0.9)
    theta = np.array([1.0, -2.0, 0.5])
    state = opt.init(theta)
    _, state = opt.update(np.array([0.3, -0.1, 2.0]), state)
    snapshot = [np.array(s, copy=True) for s in state]
    g = np.array([1.0, 2.0, -3.0])
    first, state_a = opt.update(g, state)
    second, state_b = opt.update(g, state)
    np.testing.assert_array_equal(first, second)
    for before, now in zip(snapshot, state, strict=True):
        np.testing.assert_array_equal(before, now)
    np.testing.assert_array_equal(g, [1.0, 2.0, -3.0])
    np.testing.assert_array_equal(theta, [1.0, -2.0, 0.5])
    assert opt.name == name


def test_unknown_optimizer_is_an_error_naming_it():
    with pytest.raises(ValueError, match="'lbfgs'"):
        registry.make("lbfgs", 0.1)


def final_state(optimizer, gradients):
    state = optimizer.init(np.zeros(len(gradients[0])))
    for g in gradients:
        _, state = optimizer.update(np.array(g, dtype=float), state)
    return state


def test_the_returned_states_hold_what_torch_keeps():
    # momentum: b3 = 0.9 b2 + g3 = (-0.195, 2.605) (see the heavy-ball test above)
    state = final_state(registry.make("momentum", 0.1, momentum=0.9), G3)
    assert type(state) is optimizers.Trace
    np.testing.assert_allclose(state.buffer, [-0.195, 2.605], rtol=RTOL)
    # adagrad: the sum of squares, 0.25 + 1 + 0.09 and 4 + 0.0625 + 16
    state = final_state(registry.make("adagrad", 0.1), G3)
    np.testing.assert_allclose(state.total, [1.34, 20.0625], rtol=RTOL)
    # rmsprop, alpha 0.5: v1 = 0.5 g1^2 = (0.125, 2); v2 = 0.5 v1 + 0.5 g2^2 = (0.5625, 1.03125);
    # v3 = 0.5 v2 + 0.5 g3^2 = (0.28125 + 0.045, 0.515625 + 8)
    state = final_state(registry.make("rmsprop", 0.1, alpha=0.5), G3)
    np.testing.assert_allclose(state.total, [0.32625, 8.515625], rtol=RTOL)
    # adam, betas (0.5, 0.75): m = 0.5 m + 0.5 g: (0.25, -1) -> (-0.375, -0.375) -> (-0.0375, 1.8125);
    # v = 0.75 v + 0.25 g^2: (0.0625, 1) -> (0.296875, 0.765625) -> (0.24515625, 4.57421875)
    state = final_state(registry.make("adam", 0.1, beta1=0.5, beta2=0.75), G3)
    assert state.step == 3
    np.testing.assert_allclose(state.mean, [-0.0375, 1.8125], rtol=RTOL)
    np.testing.assert_allclose(state.square, [0.24515625, 4.57421875], rtol=RTOL)
    assert final_state(registry.make("gd", 0.1), G3) == optimizers.Empty()

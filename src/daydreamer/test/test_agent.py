# Copyright 2026 DayDreamer for ROS 2 team
#
# Permission is hereby granted, free of charge, to any person obtaining a copy
# of this software and associated documentation files (the "Software"), to deal
# in the Software without restriction, including without limitation the rights
# to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
# copies of the Software, and to permit persons to whom the Software is
# furnished to do so, subject to the following conditions:
#
# The above copyright notice and this permission notice shall be included in
# all copies or substantial portions of the Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
# IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
# FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL
# THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
# LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
# OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
# THE SOFTWARE.

"""
Behavioural tests of the algorithm core (nets.py, agent.py) against the DayDreamer reference.

The reference is shared/reference/daydreamer_algorithm.md (danijar/daydreamer `dreamerv2plus`, §2-4 and §9).
Each test checks one rule of the reference with numbers that a wrong implementation would not produce.

Everything runs on CPU with the `debug` config block and tiny batches.
"""

import copy
import math
import types

import numpy as np
import pytest
import torch
from torch import nn
import torch.nn.functional as F

from daydreamer import nets
from daydreamer.agent import Agent, AutoAdapt, Moments, Optimizer, Planner, ReturnScale
from daydreamer.config import load_config
from daydreamer.space import Space


# ------------------------------------------------------------------------------------------------
# Helpers.


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """Tiny networks: one intra-op thread is faster and far more robust on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def flags():
    return {'reward': Space(np.float32, ()), 'is_first': Space(bool, ()), 'is_last': Space(bool, ()),
            'is_terminal': Space(bool, ())}


VECTOR_OBS = {'vector': Space(np.float32, (4,)), **flags()}
IMAGE_OBS = {'image': Space(np.uint8, (64, 64, 3)), **flags()}
CONT_ACT = {'action': Space(np.float32, (2,), -1, 1)}
DISC_ACT = {'action': Space(np.int64, (), 0, 3)}


def make_config(*blocks, **overrides):
    return load_config(list(blocks) + ['debug'], overrides or None)


def make_agent(config=None, obs_space=VECTOR_OBS, act_space=CONT_ACT, seed=0):
    torch.manual_seed(seed)
    return Agent(obs_space, act_space, config if config is not None else make_config())


def make_batch(obs_space=VECTOR_OBS, act_space=CONT_ACT, batch=2, length=8, seed=0):
    """Make a (B, T) training batch like replay returns: obs, action a_{t-1}, reward and flags."""
    rng = np.random.default_rng(seed)
    shape = (batch, length)
    data = {}
    for key, space in obs_space.items():
        if key in ('is_first', 'is_last', 'is_terminal'):
            continue
        if space.dtype == np.uint8:
            data[key] = rng.integers(0, 256, shape + space.shape, np.uint8)
        else:
            data[key] = rng.normal(size=shape + space.shape).astype(space.dtype)
    space = act_space['action']
    if space.discrete:
        data['action'] = rng.integers(0, space.classes, shape).astype(np.int64)
    else:
        data['action'] = rng.uniform(-1, 1, shape + space.shape).astype(np.float32)
    data['is_first'] = np.zeros(shape, bool)
    data['is_first'][:, 0] = True
    data['is_last'] = np.zeros(shape, bool)
    data['is_terminal'] = np.zeros(shape, bool)
    return data


def obs_batch(obs_space=VECTOR_OBS, batch=3, first=True, seed=0):
    rng = np.random.default_rng(seed)
    obs = {}
    for key, space in obs_space.items():
        if key in ('is_first', 'is_last', 'is_terminal'):
            obs[key] = np.full(batch, first if key == 'is_first' else False)
        elif space.dtype == np.uint8:
            obs[key] = rng.integers(0, 256, (batch,) + space.shape, np.uint8)
        else:
            obs[key] = rng.normal(size=(batch,) + space.shape).astype(space.dtype)
    return obs


def snapshot(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def assert_uniform_init(weight, limit):
    """Weights ~ U(-limit, limit): bounded by the limit and reaching close to it."""
    w = weight.detach().abs()
    assert w.max() <= limit * (1 + 1e-6), (float(w.max()), limit)
    assert w.max() >= 0.9 * limit, (float(w.max()), limit)


def rssm_state(rssm, batch, gen):
    """Make a random discrete RSSM state."""
    index = torch.randint(0, rssm.classes, (batch, rssm.stoch), generator=gen)
    return {'deter': torch.randn(batch, rssm.deter, generator=gen),
            'stoch': F.one_hot(index, rssm.classes).float(),
            'logit': torch.randn(batch, rssm.stoch, rssm.classes, generator=gen)}


class NoOpOptimizer:

    def __call__(self, loss):
        return {}


# ------------------------------------------------------------------------------------------------
# Layers and initialisation (reference §2.1 GRU, §2.4 initialisation).


def test_gru_matches_reference_formula():
    """GRU: one bias-free Linear on the concat -> LayerNorm(eps 1e-3) -> [reset, cand, update - 1]."""
    torch.manual_seed(0)
    gru = nets.GRU(5, 7)
    assert gru.layer.bias is None
    with torch.no_grad():  # a non-trivial LayerNorm affine
        gru.norm.weight.uniform_(0.5, 1.5)
        gru.norm.bias.normal_()
    x, h = torch.randn(6, 5, dtype=torch.float64), torch.randn(6, 7, dtype=torch.float64)
    out = gru.double()(x, h).detach().numpy()

    w = gru.layer.weight.detach().numpy()
    gain, shift = gru.norm.weight.detach().numpy(), gru.norm.bias.detach().numpy()
    y = np.concatenate([x.numpy(), h.numpy()], -1) @ w.T
    y = (y - y.mean(-1, keepdims=True)) / np.sqrt(y.var(-1, keepdims=True) + 1e-3) * gain + shift
    reset, cand, update = np.split(y, 3, -1)
    sigmoid = lambda v: 1 / (1 + np.exp(-v))
    reset = sigmoid(reset)
    cand = np.tanh(reset * cand)
    update = sigmoid(update - 1)
    expected = update * cand + (1 - update) * h.numpy()
    np.testing.assert_allclose(out, expected, atol=1e-9)
    # Without a norm the Linear keeps its bias.
    assert nets.GRU(5, 7, norm='none').layer.bias is not None


def test_linear_init_is_fan_avg_uniform_with_outscale():
    torch.manual_seed(0)
    for outscale in (1.0, 0.1):
        layer = nets.Linear(300, 100, outscale=outscale)
        limit = math.sqrt(3 * outscale / 200)
        assert_uniform_init(layer.weight, limit)
        assert abs(float(layer.weight.detach().var()) - outscale / 200) < 0.05 * outscale / 200
        assert torch.all(layer.bias == 0)
    assert nets.Linear(4, 4, bias=False).bias is None


def test_every_norm_has_eps_1e3_and_no_bias_before_it():
    agent = make_agent(make_config(), IMAGE_OBS)
    norms = [m for m in agent.modules() if isinstance(m, nn.LayerNorm)]
    assert norms and all(m.eps == 1e-3 for m in norms)
    for module in agent.modules():
        if isinstance(module, nets.Dense):
            has_norm = any(isinstance(m, nn.LayerNorm) for m in module)
            assert (module[0].bias is None) == has_norm
        if isinstance(module, nets.GRU):
            assert module.layer.bias is None


def test_output_layer_outscales_and_biases():
    agent = make_agent()
    fan = lambda layer: (layer.in_features + layer.out_features) / 2
    for layer, outscale in [(agent.ac.actor_mean, 0.1), (agent.ac.actor_std, 1.0),
                            (agent.wm.reward.out, 0.1), (agent.wm.cont.out, 0.1),
                            (agent.ac.critic.out, 0.1), (agent.wm.decoder.heads['vector'], 0.1),
                            (agent.wm.rssm.prior_out, 1.0), (agent.wm.rssm.post_out, 1.0)]:
        assert_uniform_init(layer.weight, math.sqrt(3 * outscale / fan(layer)))
        assert layer.bias is not None and torch.all(layer.bias == 0)


def test_conv_init_has_no_kernel_area_factor_and_conv_transpose_has_it():
    torch.manual_seed(0)
    cfg = load_config([])
    enc = nets.Encoder({'image': (64, 64, 3)}, cfg.encoder)
    convs = [m for m in enc.cnn if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 128, 256, 512]
    for conv in convs:
        assert conv.bias is not None
        assert_uniform_init(conv.weight, math.sqrt(3 / ((conv.in_channels + conv.out_channels) / 2)))
    dec = nets.Decoder({'image': (64, 64, 3)}, 32, cfg.decoder)
    for conv in [m for m in dec.cnn if isinstance(m, nn.ConvTranspose2d)]:
        k = conv.kernel_size[0]
        assert_uniform_init(conv.weight, math.sqrt(3 / (k * k * (conv.in_channels + conv.out_channels) / 2)))


def test_encoder_and_decoder_shapes_sigmoid_and_summed_mse():
    """Encoder 64->31->14->6->2 with 2*2*512 = 2048 outputs; decoder 1->5->13->30->64 with 256/128/64/C."""
    torch.manual_seed(0)
    cfg = load_config([])
    enc = nets.Encoder({'image': (64, 64, 3), 'joint': (5,)}, cfg.encoder)
    assert enc.out_dim == 2048 + 512
    out = enc({'image': torch.rand(2, 3, 64, 64, 3), 'joint': torch.randn(2, 3, 5)})
    assert out.shape == (2, 3, 2560)

    dec = nets.Decoder({'image': (64, 64, 3), 'depth': (64, 64, 1), 'joint': (5,)}, 32, cfg.decoder)
    sizes, x = [], torch.randn(4, 32, 1, 1)
    for layer in dec.cnn:
        x = layer(x)
        if isinstance(layer, nn.ConvTranspose2d):
            sizes.append(tuple(x.shape[1:]))
    assert sizes == [(256, 5, 5), (128, 13, 13), (64, 30, 30), (4, 64, 64)]
    feat = torch.randn(2, 3, 32) * 10
    dists = dec(feat)
    image = dists['image'].mean
    assert image.shape == (2, 3, 64, 64, 3) and dists['depth'].mean.shape == (2, 3, 64, 64, 1)
    assert image.min() >= 0 and image.max() <= 1  # sigmoid
    target = torch.rand(2, 3, 64, 64, 3)
    torch.testing.assert_close(dists['image'].loss(target), (image - target).pow(2).sum((-3, -2, -1)))
    assert dists['joint'].loss(torch.zeros(2, 3, 5)).shape == (2, 3)


def test_reward_and_critic_heads_are_symlog():
    head = nets.Head(3, (), 1, 8, 'elu', 'layer', 'symlog', 0.1)
    dist = head(torch.randn(5, 3))
    torch.testing.assert_close(dist.mean, torch.sign(dist.pred) * torch.expm1(dist.pred.abs()))
    target = torch.tensor([-100.0, -1.0, 0.0, 2.0, 1000.0])
    expected = (dist.pred - torch.sign(target) * torch.log1p(target.abs())).pow(2)
    torch.testing.assert_close(dist.loss(target), expected)


# ------------------------------------------------------------------------------------------------
# Latent distributions (§2.1 unimix, straight-through; §2.5 KL).


def test_onehot_unimix_straight_through_and_sampling():
    torch.manual_seed(0)
    logits = torch.randn(3, 4, 8, requires_grad=True)
    dist = nets.OneHot(logits, 0.01)
    mixed = 0.99 * F.softmax(logits, -1) + 0.01 / 8
    torch.testing.assert_close(dist.probs, mixed)
    torch.testing.assert_close(dist.entropy(), -(mixed * mixed.log()).sum(-1))
    sample = dist.sample()
    torch.testing.assert_close(sample, F.one_hot(sample.argmax(-1), 8).float())  # one-hot forward
    # Straight-through: the sample's gradient is the gradient of the mixed probabilities.
    g = torch.randn(3, 4, 8)
    grad_sample, = torch.autograd.grad((sample * g).sum(), logits)
    grad_probs, = torch.autograd.grad((mixed * g).sum(), logits)
    torch.testing.assert_close(grad_sample, grad_probs)
    # Samples follow the mixed distribution: a class with logit -30 still gets unimix/K.
    big = nets.OneHot(torch.tensor([-30.0, 0.0, 1.0, 2.0]).expand(40000, 4), 0.1)
    freq = big.sample().mean(0)
    torch.testing.assert_close(freq, big.probs[0], atol=0.01, rtol=0)
    assert freq[0] > 0.015  # 0.1 / 4 = 0.025, not ~0


def test_kl_is_zero_for_identical_and_sums_over_latents():
    rssm = nets.RSSM(2, 5, make_config().rssm)
    gen = torch.Generator().manual_seed(0)
    post = {'logit': torch.randn(3, rssm.stoch, rssm.classes, generator=gen)}
    prior = {'logit': torch.randn(3, rssm.stoch, rssm.classes, generator=gen)}
    kl, _ = rssm.kl(post, post, 0.8)
    torch.testing.assert_close(kl, torch.zeros(3), atol=1e-6, rtol=0)
    kl, _ = rssm.kl(post, prior, 0.8)
    mix = lambda logit: 0.99 * np.exp(logit) / np.exp(logit).sum(-1, keepdims=True) + 0.01 / rssm.classes
    p, q = mix(post['logit'].numpy().astype(np.float64)), mix(prior['logit'].numpy().astype(np.float64))
    expected = (p * (np.log(p) - np.log(q))).sum((-1, -2))  # over classes and the latents
    np.testing.assert_allclose(kl.numpy(), expected, rtol=1e-5)


@pytest.mark.parametrize('latent', ['discrete', 'gaussian'])
def test_kl_balance_routes_gradients(latent):
    """
    KL balancing: 0.8 KL(sg(post) || prior) + 0.2 KL(post || sg(prior)).

    The value is the plain KL, the prior gets 0.8 of its gradient and the posterior 0.2.
    """
    cfg = make_config(**({'rssm.latent': 'gaussian'} if latent == 'gaussian' else {}))
    rssm = nets.RSSM(2, 5, cfg.rssm)
    gen = torch.Generator().manual_seed(1)
    if latent == 'discrete':
        shape = (3, rssm.stoch, rssm.classes)
        post = {'logit': torch.randn(shape, generator=gen).requires_grad_()}
        prior = {'logit': torch.randn(shape, generator=gen).requires_grad_()}
        leaves = [post['logit'], prior['logit']]
    else:
        post = {'mean': torch.randn(3, rssm.stoch, generator=gen).requires_grad_(),
                'std': torch.rand(3, rssm.stoch, generator=gen).add(0.2).requires_grad_()}
        prior = {'mean': torch.randn(3, rssm.stoch, generator=gen).requires_grad_(),
                 'std': torch.rand(3, rssm.stoch, generator=gen).add(0.2).requires_grad_()}
        leaves = [post['mean'], post['std'], prior['mean'], prior['std']]
    kl, _ = rssm.kl(post, prior, 0.8)
    plain = rssm.dist(post).kl(rssm.dist(prior)).sum(-1)
    torch.testing.assert_close(kl, plain)
    grads = torch.autograd.grad(kl.sum(), leaves)
    plain_grads = torch.autograd.grad(plain.sum(), leaves)
    half = len(leaves) // 2
    for g, pg in zip(grads[:half], plain_grads[:half]):  # posterior
        torch.testing.assert_close(g, 0.2 * pg)
    for g, pg in zip(grads[half:], plain_grads[half:]):  # prior
        torch.testing.assert_close(g, 0.8 * pg)
    if latent == 'gaussian':  # closed form against numpy
        m1, s1, m2, s2 = (x.detach().numpy().astype(np.float64) for x in leaves)
        expected = (np.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5).sum(-1)
        np.testing.assert_allclose(kl.detach().numpy(), expected, rtol=1e-5)


def test_dreamerv1_kl_has_full_unbalanced_gradient():
    cfg = load_config(['dreamerv1', 'debug'])
    rssm = nets.RSSM(2, 5, cfg.rssm)
    gen = torch.Generator().manual_seed(2)
    post = {'mean': torch.randn(3, rssm.stoch, generator=gen).requires_grad_(),
            'std': torch.rand(3, rssm.stoch, generator=gen).add(0.2).requires_grad_()}
    prior = {'mean': torch.randn(3, rssm.stoch, generator=gen).requires_grad_(),
             'std': torch.rand(3, rssm.stoch, generator=gen).add(0.2).requires_grad_()}
    leaves = [*post.values(), *prior.values()]
    kl, _ = rssm.kl(post, prior, cfg.wmkl_balance)
    loss = cfg.wmkl.scale * kl.sum()
    plain = rssm.dist(post).kl(rssm.dist(prior)).sum()
    for g, pg in zip(torch.autograd.grad(loss, leaves), torch.autograd.grad(plain, leaves)):
        torch.testing.assert_close(g, pg)


# ------------------------------------------------------------------------------------------------
# RSSM (§2.1 initial state and is_first masking).


def test_learned_initial_state_is_tanh_w_and_prior_mode():
    rssm = nets.RSSM(2, 5, make_config().rssm)
    assert torch.all(rssm.initial(2)['deter'] == 0)  # w starts at zero
    with torch.no_grad():
        rssm.initial_deter.normal_()
    init = rssm.initial(3)
    torch.testing.assert_close(init['deter'], torch.tanh(rssm.initial_deter).expand(3, -1))
    logits = rssm.prior_out(rssm.prior_net(torch.tanh(rssm.initial_deter)))
    index = logits.reshape(rssm.stoch, rssm.classes).argmax(-1)
    torch.testing.assert_close(init['stoch'], F.one_hot(index, rssm.classes).float().expand(3, -1, -1))


def test_obs_step_is_first_substitutes_initial_state_and_zeroes_action():
    torch.manual_seed(0)
    rssm = nets.RSSM(2, 5, make_config().rssm)
    with torch.no_grad():
        rssm.initial_deter.normal_()
    gen = torch.Generator().manual_seed(0)
    embed = torch.randn(4, 5, generator=gen)
    prev_a, prev_b = rssm_state(rssm, 4, gen), rssm_state(rssm, 4, gen)
    act_a, act_b = torch.randn(4, 2, generator=gen), torch.randn(4, 2, generator=gen)
    first, notfirst = torch.ones(4, dtype=torch.bool), torch.zeros(4, dtype=torch.bool)
    with torch.no_grad():
        post_a, prior_a = rssm.obs_step(prev_a, act_a, embed, first, sample=False)
        post_b, prior_b = rssm.obs_step(prev_b, act_b, embed, first, sample=False)
        for key in post_a:
            torch.testing.assert_close(post_a[key], post_b[key])
            torch.testing.assert_close(prior_a[key], prior_b[key])
        # ... and it is one step from the learned initial state with a zero action.
        expected = rssm.img_step(rssm.initial(4), torch.zeros(4, 2), sample=False)
        torch.testing.assert_close(post_a['deter'], expected['deter'])
        # Without is_first the previous state and action matter.
        post_c, _ = rssm.obs_step(prev_a, act_a, embed, notfirst, sample=False)
        post_d, _ = rssm.obs_step(prev_a, act_b, embed, notfirst, sample=False)
        assert not torch.allclose(post_c['deter'], post_a['deter'])
        assert not torch.allclose(post_c['deter'], post_d['deter'])  # the action matters
        # Masking is per row.
        mixed = torch.tensor([True, False, True, False])
        post_m, _ = rssm.obs_step(prev_a, act_a, embed, mixed, sample=False)
        for key in post_m:
            torch.testing.assert_close(post_m[key][mixed], post_a[key][mixed])
            torch.testing.assert_close(post_m[key][~mixed], post_c[key][~mixed])
    # The learned initial state is trained through the is_first path.
    prev = {k: v.requires_grad_() for k, v in rssm_state(rssm, 4, gen).items()}
    post, _ = rssm.obs_step(prev, act_a, embed, first, sample=False)
    post['deter'].sum().backward()
    assert rssm.initial_deter.grad is not None and rssm.initial_deter.grad.abs().sum() > 0
    assert prev['deter'].grad is None or torch.all(prev['deter'].grad == 0)


# ------------------------------------------------------------------------------------------------
# Adaptive scales and normalisers (§2.5, §3).


def test_autoadapt_kl_mult_rule():
    cfg = load_config([]).wmkl  # target 3.5, min 1e-3, max 1.0, vel 0.1
    scale = AutoAdapt((), cfg, inverse=False)
    value = lambda: float(scale.value)
    assert value() == 1.0  # mult starts at 1.0, the nominal `scale: 0.1` is unused
    scale.update(torch.tensor(10.0))
    assert value() == pytest.approx(1.0)  # high KL: up, clipped at max 1.0
    scale.update(torch.tensor(1.0))
    assert value() == pytest.approx(1 / 1.1)  # low KL: down
    for measured, expected in [(3.5, 1 / 1.1), (3.84, 1 / 1.1), (3.19, 1 / 1.1), (3.86, 1.0),
                               (3.17, 1 / 1.1), (3.17, 1 / 1.21), (4.0, 1 / 1.1)]:
        scale.update(torch.tensor(measured))
        assert value() == pytest.approx(expected), measured
    for _ in range(200):
        scale.update(torch.tensor(0.0))
    assert value() == pytest.approx(1e-3)  # clipped at min


def test_autoadapt_entropy_is_inverse_and_per_dimension():
    cfg = load_config([]).actent  # target 0.5, min 1e-5, max 1.0
    scale = AutoAdapt((3,), cfg, inverse=True)
    assert scale.value.tolist() == [1.0, 1.0, 1.0]
    scale.update(torch.tensor([0.9, 0.5, 0.1]))  # high entropy: down; in band: same; low: up (clipped)
    np.testing.assert_allclose(scale.value.numpy(), [1 / 1.1, 1.0, 1.0], rtol=1e-6)
    scale.update(torch.tensor([0.9, 0.56, 0.44]))
    np.testing.assert_allclose(scale.value.numpy(), [1 / 1.21, 1 / 1.1, 1.0], rtol=1e-6)
    scale.update(torch.tensor([0.1, 0.1, 0.1]))
    np.testing.assert_allclose(scale.value.numpy(), [1 / 1.1, 1.0, 1.0], rtol=1e-6)
    for _ in range(200):
        scale.update(torch.tensor([1.0, 1.0, 0.0]))
    np.testing.assert_allclose(scale.value.numpy(), [1e-5, 1e-5, 1.0], rtol=1e-5)
    # The actor-critic uses one scale per continuous action dimension and a scalar for discrete actions.
    assert make_agent().ac.actent.value.shape == (2,)
    assert make_agent(act_space=DISC_ACT).ac.actent.value.shape == ()


def test_moments_match_numpy_reference():
    cfg = load_config([]).advnorm
    norm = Moments(cfg)
    assert norm.mean.dtype == torch.float64 and norm.sqrs.dtype == torch.float64
    rng = np.random.default_rng(0)
    mean = sqrs = 0.0
    for n in range(1, 8):
        x = rng.normal(3.0, 2.0, (15, 6)).astype(np.float32)
        mean = 0.99 * mean + 0.01 * x.astype(np.float64).mean()
        sqrs = 0.99 * sqrs + 0.01 * (x.astype(np.float64) ** 2).mean()
        corr = 1 - 0.99 ** n
        mu = mean / corr
        var = sqrs / corr - mu ** 2
        expected = (x - mu) / np.sqrt(max(var, 1e-16))
        out = norm(torch.from_numpy(x))
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4, atol=1e-4)
    assert int(norm.count) == 7


def test_return_scale_is_an_ema_of_the_percentile_range_floored_at_the_limit():
    cfg = load_config([], {'retnorm.impl': 'perc'}).retnorm
    scale = ReturnScale(cfg)
    rng = np.random.default_rng(0)
    low = high = 0.0
    for _ in range(30):
        ret = rng.normal(50.0, 20.0, (15, 64)).astype(np.float32)
        low = 0.99 * low + 0.01 * np.percentile(ret, 5)
        high = 0.99 * high + 0.01 * np.percentile(ret, 95)
        out = scale(torch.from_numpy(ret))
        assert float(out) == pytest.approx(max(1.0, high - low), rel=1e-4)
    assert float(out) > 1  # 30 updates of a range of ~66: the EMA is past the floor
    # Returns that barely differ are not scaled up (mean_std would divide by their tiny std).
    small = ReturnScale(cfg)
    assert float(small(torch.full((15, 8), 0.3) + 1e-3 * torch.randn(15, 8))) == 1.0
    assert float(ReturnScale(load_config([]).retnorm)(torch.randn(15, 8) * 100)) == 1.0  # 'off' by default


def test_return_scale_divides_the_advantage():
    agent = make_agent(make_config(**{'retnorm.impl': 'perc', 'retnorm.decay': 0.0}))
    ac, wm = agent.ac, agent.wm
    wm.reward = FakeHead(lambda f: 300 * f[..., 0])  # returns spread far wider than the floor of 1
    ac.advnorm = RecordingNorm()
    start, terminal = imagination_inputs(agent, 6)
    metrics = ac.train_step(wm, start, terminal, lambda loss: {}, NoOpOptimizer())
    assert metrics['return_scale'] > 1
    assert float(ac.advnorm.x.abs().max()) < 5  # (R - v) / (P95 - P5) of this batch: order one


def test_normalised_entropy():
    agent = make_agent()
    cfg = agent.config.actor
    lo = nets.Normal(torch.zeros(1, 1, 2), torch.full((1, 1, 2), cfg.minstd))
    hi = nets.Normal(torch.zeros(1, 1, 2), torch.full((1, 1, 2), cfg.maxstd))
    torch.testing.assert_close(agent.ac.norm_entropy(lo), torch.zeros(1, 1, 2), atol=1e-6, rtol=0)
    torch.testing.assert_close(agent.ac.norm_entropy(hi), torch.ones(1, 1, 2))
    disc = make_agent(act_space=DISC_ACT)
    uniform = nets.OneHot(torch.zeros(2, 3), disc.config.actor.unimix)
    torch.testing.assert_close(disc.ac.norm_entropy(uniform), torch.ones(2))


def test_continuous_actor_is_normal_of_tanh_mean_with_bounded_std():
    agent = make_agent()
    ac, cfg = agent.ac, agent.config.actor
    feat = torch.randn(50, agent.wm.rssm.feat_dim) * 100
    with torch.no_grad():
        ac.actor_std.weight.mul_(100)
        dist = ac.actor(feat)
        hidden = ac.actor_trunk(feat)
        torch.testing.assert_close(dist.loc, torch.tanh(ac.actor_mean(hidden)))
        torch.testing.assert_close(dist.std, (cfg.maxstd - cfg.minstd) * torch.sigmoid(ac.actor_std(hidden))
                                   + cfg.minstd)
    assert dist.std.min() >= cfg.minstd and dist.std.max() <= cfg.maxstd
    assert dist.std.min() < cfg.minstd + 1e-3 and dist.std.max() > cfg.maxstd - 1e-3  # both ends reached


# ------------------------------------------------------------------------------------------------
# Optimisers (§4).


def test_optimisers_are_adamw_with_decay_on_kernels_only_and_own_parameters():
    agent = make_agent()
    ids = lambda params: {id(p) for p in params}
    opts = agent.opts
    assert ids(opts['model'].params) == ids(agent.wm.parameters())
    assert ids(opts['critic'].params) == ids(agent.ac.critic.parameters())
    actor = [agent.ac.actor_trunk, agent.ac.actor_mean, agent.ac.actor_std]
    assert ids(opts['actor'].params) == ids(p for m in actor for p in m.parameters())
    for opt in opts.values():
        assert isinstance(opt.opt, torch.optim.AdamW) and opt.clip == 100.0
        decay, rest = opt.opt.param_groups
        assert decay['weight_decay'] == 1e-2 and rest['weight_decay'] == 0.0
        assert decay['eps'] == 1e-6 and decay['lr'] == 1e-4
        assert all(p.dim() >= 2 for p in decay['params']) and all(p.dim() < 2 for p in rest['params'])
    assert id(agent.wm.rssm.initial_deter) in ids(opts['model'].opt.param_groups[1]['params'])


def test_optimiser_clips_global_norm():
    torch.manual_seed(0)
    layer = nn.Linear(10, 10)
    opt = Optimizer('x', [layer], load_config([]).model_opt)
    metrics = opt(1e4 * layer(torch.ones(1, 10)).sum())
    assert metrics['x_grad_norm'] > 1000  # reported before clipping
    norm = torch.cat([p.grad.flatten() for p in layer.parameters()]).norm()
    assert norm == pytest.approx(100.0, rel=1e-4)


# ------------------------------------------------------------------------------------------------
# World model loss (§2.5).


def test_world_model_loss_composition_uses_updated_kl_scale_and_loss_scales():
    cfg = make_config(**{'wmkl.target': 1e-4, 'loss_scales.vector': 2.0, 'loss_scales.reward': 3.0})
    agent = make_agent(cfg)
    agent.wm.kl_scale.value.fill_(0.5)
    data = agent.preprocess(make_batch())
    total, _, metrics = agent.wm.loss(data)
    assert float(metrics['kl_scale']) == pytest.approx(0.55)  # KL above target: raised before use
    expected = (0.55 * metrics['kl'] + 2.0 * metrics['vector_loss'] + 3.0 * metrics['reward_loss']
                + metrics['cont_loss'])
    assert float(total.detach()) == pytest.approx(float(expected), rel=1e-5)
    assert set(metrics) >= {'vector_loss', 'reward_loss', 'cont_loss', 'kl'}
    assert 'image_loss' not in metrics and 'is_first_loss' not in metrics


def test_world_model_loss_applies_kl_loss_scale():
    agent = make_agent(make_config(**{'loss_scales.kl': 0.25}))
    total, _, m = agent.wm.loss(agent.preprocess(make_batch()))
    expected = 0.25 * m['kl_scale'] * m['kl'] + m['vector_loss'] + m['reward_loss'] + m['cont_loss']
    assert float(total.detach()) == pytest.approx(float(expected), rel=1e-5)


@pytest.mark.parametrize('free_nats', [3.0, 0.1])
def test_dreamerv1_free_nats_clip_the_batch_mean_kl(free_nats):
    cfg = load_config(['dreamerv1', 'debug'], {'free_nats': free_nats})
    agent = make_agent(cfg)
    total, _, m = agent.wm.loss(agent.preprocess(make_batch()))
    kl = float(m['kl'])
    assert 0.1 < kl < 3.0  # at init: so the two cases differ
    # DreamerV1's fixed KL scale is 2 with balance 0.5: the value 2 max(KL, free nats), the full gradient
    expected = m['kl_scale'] * max(kl, free_nats) + m['vector_loss'] + m['reward_loss'] + m['cont_loss']
    assert float(total.detach()) == pytest.approx(float(expected), rel=1e-5)


def test_world_model_learns_a_fixed_batch():
    agent = make_agent(make_config(**{'model_opt.lr': 1e-3}))
    t = np.arange(16)[None, :, None]
    phase = np.array([0.0, 1.0, 2.0])[:, None, None]
    batch = make_batch(batch=3, length=16)
    batch['vector'] = np.concatenate([np.sin(0.4 * t + phase), np.cos(0.4 * t + phase),
                                      np.sin(0.2 * t + phase), 0 * t + phase], -1).astype(np.float32)
    batch['reward'] = batch['vector'][..., 0].copy()
    data = agent.preprocess(batch)
    recon, explained = [], []
    for _ in range(30):
        loss, _, metrics = agent.wm.loss(data)
        agent.opts['model'](loss)
        recon.append(float(metrics['vector_loss'] + metrics['reward_loss']))
        explained.append(float(metrics['reward_explained']))
    assert np.isfinite(recon).all()
    assert np.mean(recon[-3:]) < 0.5 * np.mean(recon[:3]), recon
    assert explained[0] < 0.2 and explained[-1] > 0.5, explained  # the reward head learns to see the reward


def test_head_baseline_is_the_loss_of_the_best_constant_in_the_regressed_space():
    target = torch.tensor([[-100.0, -1.0], [0.0, 2.0], [1000.0, 3.0]])
    symlogged = torch.sign(target) * torch.log1p(target.abs())
    for dist, regressed, scale in [(nets.Symlog(torch.zeros(3, 2), 0), symlogged, 1.0),
                                   (nets.MSE(torch.zeros(3, 2), 1), target, 1.0),
                                   (nets.UnitNormal(torch.zeros(3, 2), 1), target, 0.5)]:
        mean = regressed.reshape(-1, *regressed.shape[regressed.dim() - dist.dims:]).mean(0)
        expected = scale * (regressed - mean).pow(2)
        expected = expected.sum(-1) if dist.dims else expected
        torch.testing.assert_close(dist.baseline(target), expected.mean())
        # A prediction of that constant scores exactly the baseline; anything else scores worse.
        best = type(dist)(mean.expand_as(regressed), dist.dims)
        torch.testing.assert_close(best.loss(target).mean(), dist.baseline(target))
        assert dist.loss(target).mean() > dist.baseline(target)


# ------------------------------------------------------------------------------------------------
# Actor-critic in imagination (§3).


class FakeHead(nn.Module):
    """A head whose prediction is a known function of the state features it is given."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, feat):
        mean = self.fn(feat)
        return types.SimpleNamespace(mean=mean, loss=lambda target: (mean - target).pow(2))


class RecordingCritic(nn.Module):
    """Stands in for the online critic: records the critic's regression target and loss weights."""

    def __init__(self):
        super().__init__()
        self.unused = nn.Linear(1, 1)
        self.records = {}

    def forward(self, feat):
        records = self.records

        class Dist:
            mean = torch.zeros(feat.shape[:-1])

            def loss(self, target):
                records['target'] = target.detach().clone()
                records['leaf'] = torch.ones(target.shape, requires_grad=True)
                return records['leaf']

        return Dist()


class RecordingNorm(nn.Module):

    def forward(self, x):
        self.x = x.detach().clone()
        return x


def numpy_lambda_return(reward, cont, value, discount, lam):
    """R_H = v_H; R_t = r_t + discount * c_{t+1} * ((1 - lam) v_{t+1} + lam R_{t+1})."""
    horizon = len(reward)
    ret = np.zeros_like(value)
    ret[horizon] = value[horizon]
    for t in reversed(range(horizon)):
        ret[t] = reward[t] + discount * cont[t + 1] * ((1 - lam) * value[t + 1] + lam * ret[t + 1])
    return ret[:horizon]


def imagination_inputs(agent, n, seed=0):
    gen = torch.Generator().manual_seed(seed)
    start = {k: v.detach() for k, v in agent.wm.rssm.initial(n).items()}
    start['deter'] = torch.randn(n, agent.wm.rssm.deter, generator=gen)
    terminal = torch.tensor([i % 3 == 0 for i in range(n)])
    return start, terminal


@pytest.mark.parametrize('clip', [False, True])
def test_imagined_actions_reach_the_model_clipped_only_when_asked(clip):
    agent = make_agent(make_config(imag_action_clip=clip, **{'actor.minstd': 1.0}))  # std 1: many samples beyond 1
    ac, wm = agent.ac, agent.wm
    seen, img_step = [], wm.rssm.img_step
    wm.rssm.img_step = lambda state, action, **kw: seen.append(action.detach()) or img_step(state, action, **kw)
    start, _ = imagination_inputs(agent, 64)
    _, actions = ac.imagine(wm, start, 15)
    seen = torch.stack(seen)
    assert actions.abs().max() > 1.5  # the actor's own samples (its loss and metrics) stay unclipped
    if clip:
        torch.testing.assert_close(seen, actions.clamp(-1, 1))
    else:
        torch.testing.assert_close(seen, actions)


@pytest.mark.parametrize('value_head', [True, False])
def test_lambda_return_weights_and_critic_target_match_numpy(value_head):
    """
    Lambda returns, their weights and the critic target match a numpy computation.

    Reward from s_{t+1}, continue c_0 = 1 - is_terminal and c_t = cont(s_t), values from the slow critic, R_15 = v_15
    and the lambda recursion, weights cumprod(discount c) / discount.
    """
    agent = make_agent(make_config(value_head=value_head))
    ac, wm, cfg = agent.ac, agent.wm, agent.config
    # Heads with known outputs: each a different function of the imagined state.
    wm.reward = FakeHead(lambda f: 3 * f[..., 0] + f[..., 1])
    wm.cont = FakeHead(lambda f: torch.sigmoid(4 * f[..., 2]))
    ac.slow_critic = FakeHead(lambda f: 5 * f[..., 3] - f[..., 4])  # targets come from the slow critic
    ac.critic = RecordingCritic()
    ac.advnorm = RecordingNorm()
    trajs = []
    imagine = ac.imagine
    ac.imagine = lambda *args: trajs.append(imagine(*args)) or trajs[-1]
    start, terminal = imagination_inputs(agent, 6)
    ac.train_step(wm, start, terminal, agent.opts['actor'], agent.opts['critic'])

    (traj, actions), = trajs
    feat = wm.rssm.feat(traj).detach().double()
    assert feat.shape[0] == cfg.imag_horizon + 1 and actions.shape[0] == cfg.imag_horizon  # 16 states, 15 actions
    reward = wm.reward(feat[1:]).mean.numpy()
    c = wm.cont(feat).mean.numpy()
    c[0] = 1 - terminal.numpy()
    v = ac.slow_critic(feat).mean.numpy() if value_head else np.zeros(c.shape)
    lam = cfg.return_lambda if value_head else 1.0
    expected = numpy_lambda_return(reward, c, v, cfg.discount, lam)
    ret = ac.advnorm.x.numpy() + v[:-1]  # the advantage is R_t - v_slow(s_t)
    np.testing.assert_allclose(ret, expected, rtol=1e-4, atol=1e-4)
    weight = np.cumprod(cfg.discount * c, 0) / cfg.discount
    if value_head:
        records = ac.critic.records
        np.testing.assert_allclose(records['target'].numpy(), expected, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(records['leaf'].grad.numpy() * records['leaf'].numel(), weight[:-1],
                                   rtol=1e-5, atol=1e-6)
    else:
        assert not ac.critic.records  # no value head: the critic is not trained


@pytest.mark.parametrize('act_space', [CONT_ACT, DISC_ACT], ids=['backprop', 'reinforce'])
def test_actor_loss_matches_reference_formula(act_space):
    """
    The actor loss matches the reference formula.

    L = mean_{t<15,b}[ sg(w_t) (-objective - sum_i alpha_i H_i) ] with objective adv (backprop) or log pi(a_t | s_t)
    sg(adv) (reinforce) and normalised entropies H.
    """
    agent = make_agent(make_config(**{'actent.impl': 'fixed', 'actent.scale': 0.3}), act_space=act_space)
    ac, wm, cfg = agent.ac, agent.wm, agent.config
    wm.reward = FakeHead(lambda f: 3 * f[..., 0] + f[..., 1])
    wm.cont = FakeHead(lambda f: torch.sigmoid(4 * f[..., 2]))
    ac.slow_critic = FakeHead(lambda f: 5 * f[..., 3] - f[..., 4])
    ac.advnorm = RecordingNorm()
    trajs = []
    imagine = ac.imagine
    ac.imagine = lambda *args: trajs.append(imagine(*args)) or trajs[-1]
    start, terminal = imagination_inputs(agent, 6)
    losses = []
    record = lambda loss: losses.append(loss.detach()) or {}  # no step: the actor stays as it was
    ac.train_step(wm, start, terminal, record, NoOpOptimizer())

    (traj, actions), = trajs
    with torch.no_grad():
        feat = wm.rssm.feat(traj)
        c = wm.cont(feat).mean
        c[0] = 1 - terminal.float()
        weight = torch.cumprod(cfg.discount * c, 0)[:-1] / cfg.discount
        adv = ac.advnorm.x
        policy = ac.actor(feat[:-1])
        ent = ac.norm_entropy(policy)
        if act_space is DISC_ACT:
            objective = policy.log_prob(actions) * adv
            bonus = 0.3 * ent
        else:
            objective = adv
            bonus = 0.3 * ent.sum(-1)  # one scale per action dimension
        expected = -(weight * (objective + bonus)).mean()
    assert float(losses[0]) == pytest.approx(float(expected), rel=1e-5, abs=1e-6)


def test_dreamerv1_actor_loss_has_no_baseline():
    agent = make_agent(load_config(['dreamerv1', 'debug']))
    ac, wm, cfg = agent.ac, agent.wm, agent.config
    wm.reward = FakeHead(lambda f: 3 * f[..., 0] + f[..., 1])
    wm.cont = FakeHead(lambda f: torch.sigmoid(4 * f[..., 2]))
    ac.critic = FakeHead(lambda f: 5 * f[..., 3] - f[..., 4])  # no slow critic in DreamerV1
    ac.advnorm = RecordingNorm()  # DreamerV1 has no advantage normalisation (tested separately)
    trajs = []
    imagine = ac.imagine
    ac.imagine = lambda *args: trajs.append(imagine(*args)) or trajs[-1]
    losses = []
    record = lambda loss: losses.append(loss.detach()) or {}
    start, terminal = imagination_inputs(agent, 6)
    ac.train_step(wm, start, terminal, record, NoOpOptimizer())
    (traj, _), = trajs
    with torch.no_grad():
        feat = wm.rssm.feat(traj)
        c = wm.cont(feat).mean
        c[0] = 1 - terminal.float()
        v = ac.critic(feat).mean
        r = wm.reward(feat[1:]).mean
        ret = torch.tensor(numpy_lambda_return(r.numpy(), c.numpy(), v.numpy(), cfg.discount, cfg.return_lambda))
        weight = torch.cumprod(cfg.discount * c, 0)[:-1] / cfg.discount
    assert float(losses[0]) == pytest.approx(float(-(weight * ret).mean()), rel=1e-4)


def test_dreamerv1_has_no_advantage_normalisation():
    agent = make_agent(load_config(['dreamerv1', 'debug']))
    x = torch.randn(15, 6) * 5 + 3
    torch.testing.assert_close(agent.ac.advnorm(x), x)


def test_slow_critic_hard_copies_on_first_update_and_every_n():
    defaults = load_config([])
    assert defaults.slow_target_update == 100 and defaults.slow_target_fraction == 1.0
    agent = make_agent(make_config(slow_target_update=3))
    ac = agent.ac
    start, terminal = imagination_inputs(agent, 4)
    params = lambda m: [p.detach().clone() for p in m.parameters()]
    equal = lambda a, b: all(torch.equal(x, y) for x, y in zip(a, b))
    assert not equal(params(ac.critic), params(ac.slow_critic))
    for call in range(7):
        critic_before, slow_before = params(ac.critic), params(ac.slow_critic)
        ac.train_step(agent.wm, start, terminal, agent.opts['actor'], agent.opts['critic'])
        assert not equal(params(ac.critic), critic_before)  # the critic trains every call
        if call % 3 == 0:
            assert equal(params(ac.slow_critic), critic_before), call
        else:
            assert equal(params(ac.slow_critic), slow_before), call
    assert int(ac.updates) == 7


@pytest.mark.parametrize('act_space', [CONT_ACT, DISC_ACT], ids=['backprop', 'reinforce'])
def test_actor_update_changes_only_actor_parameters(act_space):
    # Entropy scale 0: for continuous actions the actor's gradient must come through the dynamics.
    agent = make_agent(make_config(**{'actent.impl': 'fixed', 'actent.scale': 0.0}), act_space=act_space)
    ac, wm = agent.ac, agent.wm
    assert ac.config.actor_grad_cont == 'backprop' and ac.config.actor_grad_disc == 'reinforce'
    with torch.no_grad():
        _, post, _ = wm.loss(agent.preprocess(make_batch(act_space=act_space)))
    start = {k: v.reshape(-1, *v.shape[2:]) for k, v in post.items()}
    terminal = torch.zeros(len(start['deter']), dtype=torch.bool)
    ac.updates.fill_(1)  # past the first slow-critic copy
    wm_before, ac_before = snapshot(wm), snapshot(ac)
    metrics = ac.train_step(wm, start, terminal, agent.opts['actor'], NoOpOptimizer())
    assert float(metrics['actor_grad_norm']) > 0
    assert same(wm_before, snapshot(wm))
    assert all(p.grad is None for p in wm.parameters())
    assert all(p.requires_grad for p in wm.parameters())  # frozen() restored them
    ac_after = snapshot(ac)
    for key in ac_before:
        changed = not torch.equal(ac_before[key], ac_after[key])
        if key.startswith(('critic.', 'slow_critic.')):
            assert not changed, key
    assert any(not torch.equal(ac_before[k], ac_after[k]) for k in ac_before if k.startswith('actor_'))


def test_entropy_scale_is_updated_before_the_actor_step():
    agent = make_agent()
    ac = agent.ac
    start, terminal = imagination_inputs(agent, 8)
    seen = []

    class Recording:

        def __call__(self, loss):
            seen.append(ac.actent.value.clone())
            return agent.opts['actor'](loss)

    ac.train_step(agent.wm, start, terminal, Recording(), agent.opts['critic'])
    assert not torch.equal(ac.actent.value, torch.ones(2))  # entropy out of band at init: it moved
    torch.testing.assert_close(seen[0], ac.actent.value)


# ------------------------------------------------------------------------------------------------
# The agent: acting, state round trips, modes, images.


def test_policy_modes_ranges_and_dtypes():
    agent = make_agent()
    obs = obs_batch(batch=64)
    a1, s1 = agent.policy(obs, None, 'eval')
    a2, s2 = agent.policy(obs, None, 'eval')
    np.testing.assert_array_equal(a1, a2)  # eval is deterministic
    obs2 = obs_batch(batch=64, first=False, seed=1)
    np.testing.assert_array_equal(agent.policy(obs2, s1, 'eval')[0], agent.policy(obs2, s2, 'eval')[0])
    # is_first resets whatever state is passed in.
    _, s3 = agent.policy(obs2, s1, 'explore')
    np.testing.assert_array_equal(agent.policy(obs, s3, 'eval')[0], a1)
    e1, _ = agent.policy(obs, None, 'explore')
    e2, _ = agent.policy(obs, None, 'explore')
    assert not np.array_equal(e1, e2)  # explore samples
    for action in (a1, e1):
        assert action.dtype == np.float32 and action.shape == (64, 2)
        assert np.all(np.abs(action) <= 1)
    assert np.any(np.abs(e1) == 1.0)  # the unbounded Normal's samples are clipped

    disc = make_agent(act_space=DISC_ACT)
    action, _ = disc.policy(obs, None, 'explore')
    assert action.dtype == np.int64 and action.shape == (64,)
    assert action.min() >= 0 and action.max() < 3 and len(np.unique(action)) > 1
    d1, _ = disc.policy(obs, None, 'eval')
    np.testing.assert_array_equal(d1, disc.policy(obs, None, 'eval')[0])


def test_policy_state_round_trip_gives_identical_actions():
    source = make_agent(seed=0)
    source.train(make_batch())
    target = make_agent(seed=1)
    keys = set(source.policy_state())
    assert not any(k.startswith(('wm.decoder.', 'ac.critic.', 'ac.slow_critic.')) for k in keys)
    obs = [obs_batch(batch=2, first=i == 0, seed=i) for i in range(4)]

    def rollout(agent, mode='eval'):
        torch.manual_seed(7)
        state, actions = None, []
        for o in obs:
            action, state = agent.policy(o, state, mode)
            actions.append(action)
        return np.stack(actions)

    assert not np.array_equal(rollout(source), rollout(target))
    target.load_policy_state(copy.deepcopy(source.policy_state()))
    np.testing.assert_array_equal(rollout(source), rollout(target))
    # Sampling too (it needs the posterior and the actor's std layer): identical under the same seed.
    np.testing.assert_array_equal(rollout(source, 'explore'), rollout(target, 'explore'))
    with pytest.raises(ValueError):
        target.load_policy_state({})


def test_save_load_round_trip_continues_training_identically(tmp_path):
    from daydreamer import checkpoint
    batch = make_batch()
    source = make_agent(seed=0)
    for _ in range(2):
        source.train(batch)
    checkpoint.save(tmp_path / 'agent.ckpt', source.save())
    state, _ = checkpoint.load(tmp_path / 'agent.ckpt')
    target = make_agent(seed=1)
    target.load(state)
    for name in ('wm.kl_scale.value', 'ac.actent.value', 'ac.advnorm.mean', 'ac.advnorm.sqrs',
                 'ac.advnorm.count', 'ac.updates'):
        assert torch.equal(source.state_dict()[name], target.state_dict()[name]), name
    torch.manual_seed(123)
    m1 = source.train(batch)
    torch.manual_seed(123)
    m2 = target.train(batch)
    assert m1 == m2
    assert same(snapshot(source), snapshot(target))


def test_saturation_metric_counts_imagined_actions_at_the_edge():
    agent = make_agent(make_config(**{'actor.minstd': 1.0}))
    start, terminal = imagination_inputs(agent, 64)
    trajs, imagine = [], agent.ac.imagine
    agent.ac.imagine = lambda *args: trajs.append(imagine(*args)) or trajs[-1]
    metrics = agent.ac.train_step(agent.wm, start, terminal, lambda loss: {}, NoOpOptimizer())
    (_, actions), = trajs
    assert float(metrics['imag_action_saturated']) == pytest.approx(float((actions.abs() > 0.95).float().mean()))
    assert 0.2 < float(metrics['imag_action_saturated']) < 0.6  # std 1 around a mean near 0
    assert float(metrics['actor_mode_saturated']) == 0.0  # the untrained mean is near 0
    with torch.no_grad():  # a mean pushed to the edge: every greedy action is saturated
        agent.ac.actor_mean.bias.fill_(5.0)
    metrics = agent.ac.train_step(agent.wm, start, terminal, lambda loss: {}, NoOpOptimizer())
    assert float(metrics['actor_mode_saturated']) == 1.0
    discrete = make_agent(act_space=DISC_ACT)
    start, terminal = imagination_inputs(discrete, 8)
    assert 'imag_action_saturated' not in discrete.ac.train_step(
        discrete.wm, start, terminal, lambda loss: {}, NoOpOptimizer())


def test_load_accepts_checkpoints_from_before_the_return_scale_and_rejects_other_mismatches():
    source = make_agent(make_config(**{'retnorm.impl': 'perc'}))
    source.train(make_batch())
    state = source.save()
    old = {'agent': {k: v for k, v in state['agent'].items() if not k.startswith('ac.retnorm.')},
           'opts': state['opts']}
    target = make_agent(make_config(**{'retnorm.impl': 'perc'}), seed=1)
    target.load(old)  # written before ac.retnorm existed: the scale starts afresh
    assert float(target.ac.retnorm.high) == 0.0
    torch.testing.assert_close(target.ac.critic.state_dict(), source.ac.critic.state_dict())
    broken = {'agent': {k: v for k, v in state['agent'].items() if k != 'ac.critic.out.weight'},
              'opts': state['opts']}
    bigger = make_agent(make_config(**{'rssm.deter': 96}))
    for bad, agent in ((broken, make_agent()), (state, bigger)):
        with pytest.raises((ValueError, RuntimeError), match='checkpoint does not fit|size mismatch'):
            agent.load(bad)


@pytest.mark.parametrize('block', ['planet', 'novalue', 'dreamerv1'])
def test_modes_train_and_act(block):
    cfg = load_config([block, 'debug'])
    agent = make_agent(cfg)
    batch = make_batch()
    for _ in range(2):
        metrics = agent.train(batch)
    assert all(np.isfinite(v) for v in metrics.values()), metrics
    if block == 'planet':
        assert agent.ac is None and 'actor_loss' not in metrics
    else:
        assert 'actor_loss' in metrics and ('critic_loss' in metrics) == (block != 'novalue')
    if block == 'dreamerv1':
        assert agent.wm.rssm.discrete is False and metrics['kl_scale'] == 2.0
        assert isinstance(agent.ac.actor(torch.zeros(1, agent.wm.rssm.feat_dim)), nets.TanhNormal)
    state = None
    for i in range(2):
        for mode in ('explore', 'eval'):
            action, _ = agent.policy(obs_batch(batch=2, first=i == 0), state, mode)
            assert action.shape == (2, 2) and np.all(np.abs(action) <= 1) and np.isfinite(action).all()
        _, state = agent.policy(obs_batch(batch=2, first=i == 0), state, 'explore')


def test_planner_cem_finds_the_best_action_sequence():
    """
    The PlaNet CEM planner finds the best action sequence of a toy model.

    CEM with horizon 12, 1000 candidates, 10 iterations and top 100, on a toy model whose reward is -|a_t - goal|^2: the
    first action of the final mean reaches the goal, clipped to [-1, 1].
    """
    cfg = load_config(['planet']).planner
    assert (cfg.horizon, cfg.candidates, cfg.iterations, cfg.topk) == (12, 1000, 10, 100)
    goal = torch.tensor([[0.3, -0.6], [1.7, 0.0]])  # second row: outside the action box

    class ToyRSSM:

        def img_step(self, state, action):
            return {'deter': action, 'goal': state['goal']}

        def feat(self, state):
            return torch.cat([state['deter'], state['goal']], -1)

    class ToyWM:
        rssm = ToyRSSM()

        def reward(self, feat):
            action, target = feat.chunk(2, -1)
            return types.SimpleNamespace(mean=-(action - target).pow(2).sum(-1))

    torch.manual_seed(0)
    action = Planner(ToyWM(), 2, cfg)({'deter': torch.zeros(2, 2), 'goal': goal})
    expected = goal.clamp(-1, 1)
    torch.testing.assert_close(action, expected, atol=0.03, rtol=0)


def test_image_observations_train_and_report_videos():
    agent = make_agent(make_config(), IMAGE_OBS)
    batch = make_batch(IMAGE_OBS, batch=2, length=7)
    metrics = agent.train(batch)
    assert all(np.isfinite(v) for v in metrics.values()) and 'image_loss' in metrics
    videos = agent.report(batch)
    assert set(videos) == {'openl_image'}
    video = videos['openl_image']
    assert video.dtype == np.uint8 and video.shape == (2, 7, 3 * 64, 64, 3)
    np.testing.assert_array_equal(video[:, :, :64], batch['image'])  # top third: the truth
    action, _ = agent.policy(obs_batch(IMAGE_OBS, batch=2), None, 'explore')
    assert action.shape == (2, 2)


def test_sparse_one_hot_acting_path_matches_dense_computation():
    """Acting reads only the weight columns of active one-hot latents; results must equal the dense path."""
    cfg = load_config(['debug'])
    agent = make_agent(cfg)
    rssm, batch = agent.wm.rssm, 3
    torch.manual_seed(0)
    state = rssm.initial(batch)
    state = rssm.img_step(state, torch.rand(batch, 2) * 2 - 1)  # a sampled, non-initial latent
    action = torch.rand(batch, 2) * 2 - 1
    with torch.no_grad():
        sparse = rssm.img_step(state, action, sample=False)
        actor_sparse = agent.ac.actor(rssm.feat_parts(state)).mode
    assert isinstance(rssm.feat_parts(state), nets.Parts) is False  # grad enabled here: dense
    with torch.enable_grad():
        dense = rssm.img_step(state, action, sample=False)
        actor_dense = agent.ac.actor(rssm.feat(state)).mode
    for key in ('deter', 'logit'):
        assert torch.allclose(sparse[key], dense[key], atol=1e-5), key
    assert torch.allclose(actor_sparse, actor_dense, atol=1e-5)
    # The cached column blocks follow weight updates.
    with torch.no_grad():
        agent.ac.actor_trunk[0][0].weight.mul_(2.0)
        changed = agent.ac.actor(rssm.feat_parts(state)).mode
    with torch.enable_grad():
        expected = agent.ac.actor(rssm.feat(state)).mode
    assert torch.allclose(changed, expected, atol=1e-5) and not torch.allclose(changed, actor_sparse)

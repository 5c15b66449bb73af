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

"""The ONNX Runtime policy step (daydreamer.runtime) against the eager `Agent.policy` it exports."""

import numpy as np
import pytest
from test_agent import CONT_ACT, DISC_ACT, IMAGE_OBS, make_config, obs_batch, one_thread, VECTOR_OBS  # noqa: F401
import torch

from daydreamer import exchange, runtime
from daydreamer.agent import Agent

pytest.importorskip('onnxruntime', reason='policy_runtime onnx needs onnxruntime (scripts/setup installs it)')

CASES = {
    'vector-continuous': ((), VECTOR_OBS, CONT_ACT),
    'image-discrete': ((), IMAGE_OBS, DISC_ACT),
    'dreamerv1-gaussian-tanh': (('dreamerv1',), VECTOR_OBS, CONT_ACT),
}


def agent_for(case, seed=0, **overrides):
    blocks, obs_space, act_space = CASES[case]
    torch.manual_seed(seed)
    agent = Agent(obs_space, act_space, make_config(*blocks, **overrides))
    with torch.no_grad():  # trained-looking weights: the zero-initialised biases and outscales hide mistakes
        for param in agent.parameters():
            param.add_(0.3 * torch.randn_like(param))
    return agent, obs_space


def trajectory(obs_space, steps, batch, resets=(0, 5)):
    for t in range(steps):
        obs = obs_batch(obs_space, batch, first=t in resets, seed=t)
        if t == 8:
            obs['is_first'][0] = True  # one env of the batch starts afresh mid-run
        yield obs


@pytest.mark.parametrize('case', sorted(CASES))
def test_onnx_step_is_the_eager_step_in_eval_mode(case):
    """Same actions and latent states over a run with resets (whole batch and one env), to float rounding."""
    agent, obs_space = agent_for(case)
    onnx = runtime.OnnxPolicy(agent, seed=0)
    eager_state = onnx_state = None
    for t, obs in enumerate(trajectory(obs_space, 12, batch=3)):
        if t == 3 and 'vector' in obs:
            obs['vector'] = obs['vector'].astype(np.float64)  # the eager step takes any float type
        eager, eager_state = agent.policy(obs, eager_state, 'eval')
        fast, onnx_state = onnx.policy(obs, onnx_state, 'eval')
        assert fast.dtype == eager.dtype and fast.shape == eager.shape
        np.testing.assert_allclose(fast, eager, atol=1e-4)
        np.testing.assert_allclose(onnx_state[0], eager_state[0]['deter'].numpy(), atol=1e-4)
        np.testing.assert_allclose(onnx_state[1], eager_state[0]['stoch'].numpy(), atol=1e-4)


@pytest.mark.parametrize('case', sorted(CASES))
def test_exported_graph_equals_the_module_with_the_same_noise(case):
    """The sampling noise is an input: ONNX Runtime and the eager graph give the same sample for it."""
    agent, obs_space = agent_for(case)
    onnx = runtime.OnnxPolicy(agent, seed=1)
    graph = runtime.PolicyGraph(agent)
    obs = obs_batch(obs_space, 4, first=False, seed=3)
    state = tuple(np.random.default_rng(0).normal(size=s.shape).astype(np.float32) if i != 1 else s
                  for i, s in enumerate(onnx.initial_state(4)))
    noise = onnx.sample_noise(4)
    fast = onnx.run(obs, state, noise)
    with torch.no_grad():
        inputs = [torch.as_tensor(obs[k]) for k in graph.keys] + [torch.as_tensor(v) for v in state]
        inputs += [torch.as_tensor(obs['is_first'], dtype=torch.float32)] + [torch.as_tensor(n) for n in noise]
        eager = graph(*inputs)
    for a, b in zip(fast, eager):
        np.testing.assert_allclose(a, b.numpy(), atol=1e-4)


@pytest.mark.parametrize('case', ['vector-continuous', 'image-discrete'])
def test_onnx_explore_samples_the_same_distribution_as_eager(case):
    """2000 first steps of one observation: the sampled actions have the eager policy's statistics."""
    agent, obs_space = agent_for(case)
    onnx = runtime.OnnxPolicy(agent, seed=2)
    one = obs_batch(obs_space, 1, first=True, seed=5)
    obs = {k: np.repeat(v, 2000, 0) for k, v in one.items()}
    torch.manual_seed(0)
    eager, _ = agent.policy(obs, None, 'explore')
    fast, _ = onnx.policy(obs, None, 'explore')
    if agent.discrete:
        counts = [np.bincount(a, minlength=agent.act_dim) / len(a) for a in (eager, fast)]
        assert counts[0].max() < 0.95, 'the policy is nearly deterministic: the test would prove nothing'
        np.testing.assert_allclose(counts[1], counts[0], atol=0.05)
    else:
        assert eager.std(0).min() > 0.05, 'the policy is nearly deterministic: the test would prove nothing'
        np.testing.assert_allclose(fast.mean(0), eager.mean(0), atol=0.05)
        np.testing.assert_allclose(fast.std(0), eager.std(0), rtol=0.15)
        assert np.all(np.abs(fast) <= 1)
    evaluated, _ = onnx.policy(obs, None, 'eval')
    assert np.all(evaluated == evaluated[0]), 'eval mode must not sample'


def test_make_policy_picks_the_runtime_and_refuses_what_cannot_run():
    agent, _ = agent_for('vector-continuous')
    assert isinstance(runtime.make_policy(agent, 'auto'), runtime.OnnxPolicy)
    assert runtime.make_policy(agent, 'torch') is agent
    with pytest.raises(ValueError, match="policy_runtime must be one of auto, torch, onnx, got 'tensorrt'"):
        runtime.make_policy(agent, 'tensorrt')
    planner, _ = agent_for('vector-continuous', behavior='planet')
    assert runtime.make_policy(planner, 'auto') is planner  # CEM search is not a fixed graph
    with pytest.raises(ValueError, match='PlaNet planner'):
        runtime.make_policy(planner, 'onnx')


def test_actor_core_acts_through_onnx_after_weights_arrive():
    config = make_config('a1')
    spaces = exchange.spaces(config)
    actor = exchange.ActorCore(config, *spaces, seed=0)
    try:
        assert actor.runtime == 'torch'  # random actions until weights arrive
        data, digest = exchange.encode_weights(actor._agent.policy_state())
        actor.load_weights(data, digest, 1)
        assert actor.wait_loaded(60) and actor.version == 1 and actor.runtime == 'onnx'
        obs = {k: np.zeros(s.shape, s.dtype) for k, s in spaces[0].items()}
        obs['is_first'] = True
        action = actor.act(obs)
        assert action.shape == (12,) and action.dtype == np.float32 and np.all(np.abs(action) <= 1)
    finally:
        actor.close()

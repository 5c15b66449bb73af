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
The acting step on a robot's CPU: `Agent.policy` exported to ONNX and run by ONNX Runtime.

At batch 1 a policy step is a chain of matrix-vector products and a hundred small ops. In eager PyTorch each
op costs microseconds of dispatch, and its BLAS reads the weights at half the speed of ONNX Runtime's kernels
on the CPUs measured (AMD EPYC): the A1 step takes about 2.2 ms eagerly and about 0.3 ms exported.

`PolicyGraph` is the step as one branch-free graph made of the agent's own modules, with the sampling noise
as inputs (so the graph is deterministic and can be checked against the eager step). `OnnxPolicy` exports
it and acts with the same contract as `Agent.policy`. `make_policy` picks the runtime from `policy_runtime`.
"""

import io
import logging
import warnings

import numpy as np
import torch
from torch import nn

log = logging.getLogger(__name__)

RUNTIMES = ('auto', 'torch', 'onnx')


def onnx_available():
    try:
        import onnx  # noqa: F401  (torch's exporter writes through it)
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


class PolicyGraph(nn.Module):
    """
    One acting step: encode, filter (posterior), act.

    Inputs: the encoder's observation keys (raw, as the env gives them), then deter (B, D), stoch (B, S, K) one-hot or
    (B, S), the previous action (B, A), is_first (B,) float, latent noise and action noise. Outputs: deter, stoch and
    the raw action sample (before exploration noise and clipping). Neutral noise (`neutral_noise`) gives the mode.
    """

    def __init__(self, agent):
        super().__init__()
        self.wm, self.ac = agent.wm, agent.ac
        self.keys = list(agent.enc_keys)
        self.images = [k for k in self.keys if k in self.wm.encoder.cnn_keys]
        self.offset = agent.config.decoder.image_offset
        with torch.no_grad():  # the initial state is a constant of the weights: not recomputed per step
            init = self.wm.rssm.initial(1)
        self.register_buffer('init_deter', init['deter'][0].clone())
        self.register_buffer('init_stoch', init['stoch'][0].clone())

    def forward(self, *inputs):
        rssm = self.wm.rssm
        obs = dict(zip(self.keys, inputs))
        deter, stoch, action, is_first, latent_noise, action_noise = inputs[len(self.keys):]
        obs = {k: v.float() / 255.0 + self.offset if k in self.images else v.float() for k, v in obs.items()}
        embed = self.wm.encoder(obs)
        # Branch-free reset: the learned initial state where is_first (RSSM.obs_step branches on it).
        keep = (1.0 - is_first).unsqueeze(-1)
        deter = deter * keep + self.init_deter * (1 - keep)
        keep_stoch = keep.reshape(-1, *[1] * (stoch.dim() - 1))
        stoch = stoch * keep_stoch + self.init_stoch * (1 - keep_stoch)
        action = action * keep
        flat = stoch.reshape(stoch.shape[0], -1)
        deter = rssm.gru(rssm.img_in(torch.cat([flat, action], -1)), deter)
        stats = rssm._stats(rssm.post_out(rssm.post_net(torch.cat([deter, embed], -1))))
        stoch = rssm.dist(stats).sample(latent_noise)
        feat = rssm.feat({'deter': deter, 'stoch': stoch})
        return deter, stoch, self.ac.actor(feat).sample(action_noise)


class OnnxPolicy:
    """
    `Agent.policy` run by ONNX Runtime on one thread.

    `policy(obs, state, mode)` -> (action, state) with numpy observations (leading batch axis) and the same modes, noise
    and clipping. The weights are those of `agent` when it is built; build a new one for new weights (an export takes a
    fraction of a second).
    """

    def __init__(self, agent, threads=1, seed=None):
        import onnxruntime as ort
        if agent.planet:
            raise ValueError('policy_runtime onnx: the PlaNet planner acts by search, use policy_runtime torch')
        if agent.device.type != 'cpu':
            raise ValueError(f'policy_runtime onnx runs on the CPU; the agent is on {agent.device}')
        rssm = agent.wm.rssm
        self.keys = list(agent.enc_keys)
        self.dtypes = {k: agent.obs_space[k].dtype for k in self.keys}  # the graph's input types
        self.discrete, self.act_dim, self.act_space = agent.discrete, agent.act_dim, agent.act_space
        self.expl_noise, self.eval_noise = agent.config.expl_noise, agent.config.eval_noise
        self.stoch_shape = (rssm.stoch, rssm.classes) if rssm.discrete else (rssm.stoch,)
        self.latent_gumbel, self.action_gumbel = rssm.discrete, agent.discrete
        self._rng = np.random.default_rng(seed)
        graph = PolicyGraph(agent).eval()
        self._initial = graph.init_deter.numpy()[None], graph.init_stoch.numpy()[None]
        example = self._example(agent)
        buffer = io.BytesIO()
        names = self.keys + ['deter', 'stoch', 'prev_action', 'is_first', 'latent_noise', 'action_noise']
        axes = {name: {0: 'batch'} for name in names + ['next_deter', 'next_stoch', 'action']}
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter('ignore')  # the TorchScript exporter's deprecation notice
            torch.onnx.export(graph, example, buffer, input_names=names, dynamic_axes=axes, dynamo=False,
                              output_names=['next_deter', 'next_stoch', 'action'], opset_version=17)
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = threads
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(buffer.getvalue(), options, providers=['CPUExecutionProvider'])
        self.onnx_bytes = len(buffer.getvalue())

    def _example(self, agent):
        obs = {k: torch.as_tensor(np.zeros((1, *agent.obs_space[k].shape), agent.obs_space[k].dtype))
               for k in self.keys}
        extra = (*self.initial_state(1), np.zeros(1, np.float32), *self.neutral_noise(1))
        return tuple(obs[k] for k in self.keys) + tuple(torch.as_tensor(v) for v in extra)

    def initial_state(self, batch):
        deter, stoch = (np.repeat(x, batch, 0) for x in self._initial)
        return deter, stoch, np.zeros((batch, self.act_dim), np.float32)

    def neutral_noise(self, batch):
        """Noise inputs that make the graph take the modes."""
        latent = np.full((batch, *self.stoch_shape), np.exp(-1.0) if self.latent_gumbel else 0.0, np.float32)
        action = np.full((batch, self.act_dim), np.exp(-1.0) if self.action_gumbel else 0.0, np.float32)
        return latent, action

    def sample_noise(self, batch):
        def draw(shape, gumbel):
            if gumbel:
                return self._rng.uniform(1e-20, 1.0, shape).astype(np.float32)
            return self._rng.standard_normal(shape, np.float32)
        return draw((batch, *self.stoch_shape), self.latent_gumbel), draw((batch, self.act_dim), self.action_gumbel)

    def run(self, obs, state, noise):
        """One raw step of the graph: numpy in, (deter, stoch, raw action) out."""
        deter, stoch, prev_action = state
        feed = {k: np.asarray(obs[k], self.dtypes[k]) for k in self.keys}  # e.g. float64 vectors, as eager takes
        feed.update(deter=deter, stoch=stoch, prev_action=prev_action,
                    is_first=np.asarray(obs['is_first'], np.float32), latent_noise=noise[0], action_noise=noise[1])
        return self.session.run(None, feed)

    def policy(self, obs, state=None, mode='explore'):
        batch = len(obs['is_first'])
        state = self.initial_state(batch) if state is None else state
        noise = self.sample_noise(batch) if mode == 'explore' else self.neutral_noise(batch)
        deter, stoch, action = self.run(obs, state, noise)
        scale = self.expl_noise if mode == 'explore' else self.eval_noise
        if self.discrete:
            index = action.argmax(-1)
            if scale:
                random = self._rng.integers(0, self.act_dim, index.shape)
                index = np.where(self._rng.random(index.shape) < scale, random, index)
            action = np.eye(self.act_dim, dtype=np.float32)[index]
            out = index.astype(np.int64)
        else:
            if scale:
                action = action + scale * self._rng.standard_normal(action.shape, np.float32)
            action = np.clip(action, -1, 1).astype(np.float32)
            out = action.reshape(batch, *self.act_space.shape)
        return out, (deter, stoch, action)


def preload(runtime='auto'):
    """
    Import what `make_policy` will need for `runtime`, now.

    The first import of onnx, onnxruntime and torch's exporter holds the GIL for a second or two; an actor does
    it at start rather than in its weights loader, where it would stall acting at the first weights.
    """
    if runtime != 'torch' and onnx_available():
        import torch.onnx  # noqa: F401


def runtime_name(policy):
    return 'onnx' if isinstance(policy, OnnxPolicy) else 'torch'


def make_policy(agent, runtime='auto', seed=None):
    """
    Return the object whose `policy(obs, state, mode)` acts.

    That is an OnnxPolicy for 'onnx' (and for 'auto' when onnxruntime is installed and the agent is an actor-critic on
    the CPU), else the agent itself.
    """
    if runtime not in RUNTIMES:
        raise ValueError(f"policy_runtime must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
    if runtime == 'torch':
        return agent
    if runtime == 'auto' and not (onnx_available() and agent.device.type == 'cpu' and not agent.planet):
        return agent
    if not onnx_available():
        raise ValueError("policy_runtime onnx needs onnx and onnxruntime: pip install 'daydreamer[onnx]'")
    return OnnxPolicy(agent, seed=seed)

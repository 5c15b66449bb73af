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
Networks of DayDreamer's world model and actor-critic (reference §2-3), in PyTorch.

Layers follow danijar/daydreamer nets.py: LayerNorm with eps 1e-3, no bias before a norm, fan-average
uniform initialisation with `outscale` on output layers, a layer-norm GRU, and a conv encoder/decoder
without padding. Distributions are small classes rather than torch.distributions so that the acting
step stays cheap and losses are always computed in float32.
"""

import math
import re

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F


def symlog(x):
    return torch.sign(x) * torch.log1p(torch.abs(x))


def symexp(x):
    return torch.sign(x) * torch.expm1(torch.abs(x))


def uniform_(weight, scale):
    limit = math.sqrt(3.0 * scale)
    with torch.no_grad():
        weight.uniform_(-limit, limit)


def activation(name):
    return {'elu': nn.ELU(), 'relu': nn.ReLU(), 'silu': nn.SiLU(), 'tanh': nn.Tanh(),
            'none': nn.Identity()}[name]


class OneHotIndex:
    """A one-hot block of `width` columns given by the flat indices of its ones, shape (B, S)."""

    def __init__(self, index, width):
        self.index, self.width = index, width


class Parts(list):
    """The concatenation of dense tensors and OneHotIndex blocks, left unmaterialised (acting fast path)."""


class Linear(nn.Linear):
    """Linear layer with DayDreamer's init: U(+-sqrt(3 * outscale / fan_avg)), zero bias."""

    def __init__(self, inp, out, bias=True, outscale=1.0):
        super().__init__(inp, out, bias=bias)
        uniform_(self.weight, outscale / ((inp + out) / 2))
        if bias:
            nn.init.zeros_(self.bias)
        self._blocks = (None, None)

    def forward_parts(self, parts):
        """
        forward(cat(parts)) without reading the weight columns of zeros in one-hot blocks.

        Acting is bound by reading weights (batch 1); a 32x32 latent uses 32 of its 1024 columns.
        The transposed column blocks are cached until the weight changes (its version counter).
        """
        widths = tuple(p.width if isinstance(p, OneHotIndex) else p.shape[-1] for p in parts)
        key = (widths, self.weight._version, self.weight.data_ptr())
        if self._blocks[0] != key:
            self._blocks = (key, [b.t().contiguous() for b in self.weight.detach().split(widths, 1)])
        out = self.bias
        for part, block in zip(parts, self._blocks[1]):
            value = F.embedding_bag(part.index, block, mode='sum') if isinstance(part, OneHotIndex) else part @ block
            out = value if out is None else out + value
        return out


class Dense(nn.Sequential):
    """Linear + optional LayerNorm (eps 1e-3) + activation; the Linear has no bias before a norm."""

    def __init__(self, inp, out, act='elu', norm='layer'):
        layers = [Linear(inp, out, bias=norm == 'none')]
        if norm == 'layer':
            layers.append(nn.LayerNorm(out, eps=1e-3))
        layers.append(activation(act))
        super().__init__(*layers)
        self.fused = len(layers) == 3

    def forward(self, x):
        linear = self[0]
        x = linear.forward_parts(x) if isinstance(x, Parts) else F.linear(x, linear.weight, linear.bias)
        if not self.fused:
            return self[1](x)
        # Functional calls: a third of the module-call overhead of the batch-1 acting step.
        norm, act = self[1], self[2]
        return act(F.layer_norm(x, norm.normalized_shape, norm.weight, norm.bias, norm.eps))


class MLP(nn.Sequential):

    def __init__(self, inp, layers, units, act='elu', norm='layer'):
        super().__init__(*[Dense(inp if i == 0 else units, units, act, norm) for i in range(layers)])
        self.out_dim = units if layers else inp


class ChannelNorm(nn.LayerNorm):
    """LayerNorm over the channels of an NCHW tensor."""

    def forward(self, x):
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


# ------------------------------------------------------------------------------------------------
# Distributions. Each has `.mean` (or `.mode`) and `.loss(target)` = negative log-likelihood up to a
# constant, summed over the event dimensions, computed in float32.


class MSE:
    scale = 1.0

    def __init__(self, pred, dims):
        self.pred, self.dims = pred.float(), dims
        self.mean = self.mode = self.pred

    def regressand(self, target):
        return target

    def loss(self, target):
        return self._squared(self.pred - self.regressand(target))

    def baseline(self, target):
        """Mean loss of the best constant prediction for these targets: what a head ignoring its input scores."""
        flat = self.regressand(target.float()).reshape(-1, *target.shape[target.dim() - self.dims:])
        return self._squared(flat - flat.mean(0)).mean()

    def _squared(self, diff):
        dims = tuple(range(-self.dims, 0))
        return self.scale * (diff.pow(2).sum(dims) if dims else diff.pow(2))


class UnitNormal(MSE):
    scale = 0.5


class Symlog(MSE):
    """Regresses symlog(target); the prediction is symexp of the output (reward and critic heads)."""

    def __init__(self, pred, dims):
        super().__init__(pred, dims)
        self.mean = self.mode = symexp(self.pred)

    def regressand(self, target):
        return symlog(target)


class Binary:

    def __init__(self, logits):
        self.logits = logits.float()
        self.mean = torch.sigmoid(self.logits)
        self.mode = (self.mean > 0.5).float()

    def loss(self, target):
        return F.binary_cross_entropy_with_logits(self.logits, target, reduction='none')


HEAD_DISTS = {'mse': MSE, 'normal': UnitNormal, 'symlog': Symlog}


class OneHot:
    """Categorical over the last axis with unimix, straight-through one-hot samples."""

    def __init__(self, logits, unimix=0.0):
        logits = logits.float()
        if unimix:
            probs = F.softmax(logits, -1)
            logits = torch.log((1 - unimix) * probs + unimix / probs.shape[-1])
        self.logits = logits

    # Computed on demand: acting only samples, so it skips these.
    @property
    def log_probs(self):
        return F.log_softmax(self.logits, -1)

    @property
    def probs(self):
        return F.softmax(self.logits, -1)

    def _straight_through(self, index):
        hard = F.one_hot(index, self.logits.shape[-1]).float()
        if not torch.is_grad_enabled():
            return hard
        probs = self.probs
        return hard + probs - probs.detach()

    @property
    def mode(self):
        return self._straight_through(self.logits.argmax(-1))

    def sample(self, uniform=None):
        """
        Gumbel-max: the same distribution as torch.multinomial, several times cheaper per call.

        `uniform` (same shape as the logits, in (0, 1)) supplies the noise; exp(-1) everywhere gives the mode.
        """
        if uniform is None:
            uniform = torch.rand_like(self.logits).clamp_(1e-20, 1.0)
        return self._straight_through((self.logits - torch.log(-torch.log(uniform))).argmax(-1))

    def log_prob(self, onehot):
        return (onehot.detach() * self.log_probs).sum(-1)

    def entropy(self):
        log_probs = self.log_probs
        return -(log_probs.exp() * log_probs).sum(-1)

    def kl(self, other):
        log_probs = self.log_probs
        return (log_probs.exp() * (log_probs - other.log_probs)).sum(-1)


class Normal:
    """Independent normal per dimension; entropy per dimension, log_prob summed."""

    def __init__(self, mean, std):
        self.loc, self.std = mean.float(), std.float()
        self.mode = self.loc

    def sample(self, eps=None):
        """`eps` (standard normal, same shape) supplies the noise; zeros give the mode."""
        return self.loc + self.std * (torch.randn_like(self.loc) if eps is None else eps)

    def log_prob(self, x):
        return (-0.5 * ((x - self.loc) / self.std).pow(2) - torch.log(self.std)
                - 0.5 * math.log(2 * math.pi)).sum(-1)

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + torch.log(self.std)

    def kl(self, other):
        var_ratio = (self.std / other.std).pow(2)
        return 0.5 * (var_ratio + ((self.loc - other.loc) / other.std).pow(2) - 1 - torch.log(var_ratio))


class TanhNormal(Normal):
    """DreamerV1's actor: a normal squashed by tanh. Mode and entropy are approximated."""

    def __init__(self, mean, std):
        super().__init__(mean, std)
        self.mode = torch.tanh(self.loc)

    def sample(self, eps=None):
        return torch.tanh(super().sample(eps))

    def log_prob(self, y):
        y = y.clamp(-0.999999, 0.999999)
        return super().log_prob(torch.atanh(y)) - torch.log1p(-y.pow(2)).sum(-1)

    def entropy(self):
        # Entropy of the pre-squash normal plus E[log|d tanh/dx|], estimated with one sample.
        x = Normal.sample(self)
        return super().entropy() + torch.log1p(-torch.tanh(x).pow(2) + 1e-6)


def normal_entropy(std):
    return 0.5 + 0.5 * math.log(2 * math.pi) + math.log(std)


# ------------------------------------------------------------------------------------------------


class Head(nn.Module):
    """MLP trunk + linear output, returning a distribution (reward, continue, critic, vectors)."""

    def __init__(self, inp, shape, layers, units, act, norm, dist, outscale):
        super().__init__()
        self.shape, self.dist = tuple(shape), dist
        self.trunk = MLP(inp, layers, units, act, norm)
        self.out = Linear(self.trunk.out_dim, int(np.prod(self.shape)) if self.shape else 1,
                          outscale=outscale)

    def forward(self, x):
        out = self.out(self.trunk(x))
        out = out.reshape(*out.shape[:-1], *self.shape) if self.shape else out.squeeze(-1)
        if self.dist == 'binary':
            return Binary(out)
        return HEAD_DISTS[self.dist](out, len(self.shape))


class GRU(nn.Module):
    """DayDreamer's GRU: one linear on [x, h] -> 3D (LayerNorm), gates [reset, cand, update - 1]."""

    def __init__(self, inp, size, norm='layer'):
        super().__init__()
        self.layer = Linear(inp + size, 3 * size, bias=norm == 'none')
        self.norm = nn.LayerNorm(3 * size, eps=1e-3) if norm == 'layer' else nn.Identity()

    def forward(self, x, h):
        reset, cand, update = self.norm(self.layer(torch.cat([x, h], -1))).chunk(3, -1)
        reset = torch.sigmoid(reset)
        cand = torch.tanh(reset * cand)
        update = torch.sigmoid(update - 1)
        return update * cand + (1 - update) * h


class RSSM(nn.Module):
    """
    Recurrent state-space model with discrete (32x32 categorical) or Gaussian latents.

    A state is a dict: deter (B, D), stoch (B, S, K) one-hot or (B, S), and logit (B, S, K) or
    mean/std (B, S). `is_first` masking happens inside obs_step: the previous state and action are
    zeroed and the learned initial state is substituted, so every episode and every training chunk
    starts from the same initial state.
    """

    def __init__(self, act_dim, embed_dim, cfg):
        super().__init__()
        self.discrete = cfg.latent == 'discrete'
        self.deter, self.stoch, self.classes = cfg.deter, cfg.stoch, cfg.classes
        self.unimix, self.min_std, self.initial_mode = cfg.unimix, cfg.min_std, cfg.initial
        stoch_dim = cfg.stoch * cfg.classes if self.discrete else cfg.stoch
        stats_dim = cfg.stoch * cfg.classes if self.discrete else 2 * cfg.stoch
        self.img_in = Dense(stoch_dim + act_dim, cfg.units, cfg.act, cfg.norm)
        self.gru = GRU(cfg.units, cfg.deter, cfg.norm)
        self.prior_net = MLP(cfg.deter, cfg.prior_layers, cfg.units, cfg.act, cfg.norm)
        self.prior_out = Linear(self.prior_net.out_dim, stats_dim)
        self.post_net = MLP(cfg.deter + embed_dim, cfg.post_layers, cfg.units, cfg.act, cfg.norm)
        self.post_out = Linear(self.post_net.out_dim, stats_dim)
        self.initial_deter = nn.Parameter(torch.zeros(cfg.deter), requires_grad=cfg.initial == 'learned2')
        self.feat_dim = cfg.deter + stoch_dim

    def _stats(self, x):
        if self.discrete:
            return {'logit': x.reshape(*x.shape[:-1], self.stoch, self.classes)}
        mean, std = x.chunk(2, -1)
        return {'mean': mean, 'std': F.softplus(std) + self.min_std}

    def dist(self, state):
        if self.discrete:
            return OneHot(state['logit'], self.unimix)
        return Normal(state['mean'], state['std'])

    def initial(self, batch):
        device = self.initial_deter.device
        if self.initial_mode == 'zeros':
            deter = torch.zeros(batch, self.deter, device=device)
        else:
            deter = torch.tanh(self.initial_deter).expand(batch, -1)
        stats = self._stats(self.prior_out(self.prior_net(deter)))
        dist = self.dist(stats)
        stoch = dist.mode.detach() if self.discrete else dist.mode
        if self.initial_mode == 'zeros':
            stats = {k: torch.zeros_like(v) for k, v in stats.items()}
            stoch = torch.zeros_like(stoch)
        return {'deter': deter, 'stoch': stoch, **stats}

    def _sparse(self):
        # Without gradients the one-hot latents need not be materialised (see Linear.forward_parts).
        return self.discrete and not torch.is_grad_enabled()

    def _onehot(self, stoch):
        offsets = torch.arange(self.stoch, device=stoch.device) * self.classes
        return OneHotIndex(stoch.argmax(-1) + offsets, self.stoch * self.classes)

    def feat(self, state):
        """Features for the heads: [deter, flat stoch]."""
        stoch = state['stoch']
        if self.discrete:
            stoch = stoch.reshape(*stoch.shape[:-2], -1)
        return torch.cat([state['deter'], stoch], -1)

    def feat_parts(self, state):
        """Return the features as `Parts` (one-hot latents as indices) when no gradient is needed."""
        if self._sparse() and state['deter'].dim() == 2:
            return Parts([state['deter'], self._onehot(state['stoch'])])
        return self.feat(state)

    def img_step(self, prev, action, sample=True, prior=True):
        if self._sparse() and action.dim() == 2:
            x = self.img_in(Parts([self._onehot(prev['stoch']), action]))
        else:
            stoch = prev['stoch'].reshape(*prev['stoch'].shape[:-2], -1) if self.discrete else prev['stoch']
            x = self.img_in(torch.cat([stoch, action], -1))
        deter = self.gru(x, prev['deter'])
        if not prior:
            return {'deter': deter}
        stats = self._stats(self.prior_out(self.prior_net(deter)))
        dist = self.dist(stats)
        return {'deter': deter, 'stoch': dist.sample() if sample else dist.mode, **stats}

    def obs_step(self, prev, action, embed, is_first, sample=True, prior=True):
        """One filtering step. `prior=False` skips the prior MLP (acting needs only the posterior)."""
        keep = (1.0 - is_first.float()).unsqueeze(-1)
        if is_first.any():
            init = self.initial(is_first.shape[0])
            prev = {k: v * keep.reshape(-1, *[1] * (v.dim() - 1)) + init[k] * (1 - keep).reshape(
                -1, *[1] * (v.dim() - 1)) for k, v in prev.items()}
            action = action * keep
        prior_state = self.img_step(prev, action, sample, prior)
        deter = prior_state['deter']
        stats = self._stats(self.post_out(self.post_net(torch.cat([deter, embed], -1))))
        dist = self.dist(stats)
        post = {'deter': deter, 'stoch': dist.sample() if sample else dist.mode, **stats}
        return post, prior_state

    def observe(self, embed, action, is_first, state=None):
        """Filter a (B, T) sequence; returns posterior and prior states stacked on axis 1."""
        state = self.initial(embed.shape[0]) if state is None else state
        posts, priors = [], []
        for t in range(embed.shape[1]):
            state, prior = self.obs_step(state, action[:, t], embed[:, t], is_first[:, t])
            posts.append(state)
            priors.append(prior)
        stack = lambda states: {k: torch.stack([s[k] for s in states], 1) for k in states[0]}
        return stack(posts), stack(priors)

    def kl(self, post, prior, balance):
        """Balanced KL summed over latents: balance * KL(sg(post) || prior) + (1 - balance) * KL(post || sg(prior))."""
        sg = lambda state: {k: v.detach() for k, v in state.items()}
        dyn = self.dist(sg(post)).kl(self.dist(prior))
        rep = self.dist(post).kl(self.dist(sg(prior)))
        dyn, rep = dyn.sum(-1), rep.sum(-1)
        return balance * dyn + (1 - balance) * rep, rep.detach()


class Encoder(nn.Module):
    """Multi-key encoder: CNN over the channel-concatenated image keys, MLP over vector keys."""

    def __init__(self, shapes, cfg):
        super().__init__()
        if cfg.cnn != 'simple':
            raise ValueError(f"encoder.cnn must be 'simple' (DayDreamer's conv stack), got {cfg.cnn!r}")
        self.cnn_keys = [k for k, s in shapes.items() if len(s) == 3 and re.match(cfg.cnn_keys, k)]
        self.mlp_keys = [k for k, s in shapes.items() if len(s) in (0, 1) and re.match(cfg.mlp_keys, k)]
        self.shapes = {k: tuple(s) for k, s in shapes.items()}
        self.out_dim = 0
        if self.cnn_keys:
            size = shapes[self.cnn_keys[0]][:2]
            for key in self.cnn_keys:
                if tuple(shapes[key][:2]) != tuple(size):
                    raise ValueError(f"image keys must share height and width: '{key}' is {shapes[key]}, "
                                     f"'{self.cnn_keys[0]}' is {shapes[self.cnn_keys[0]]}")
            channels = sum(shapes[k][-1] for k in self.cnn_keys)
            layers = []
            for i, kernel in enumerate(cfg.cnn_kernels):
                depth = cfg.cnn_depth * 2 ** i
                conv = nn.Conv2d(channels, depth, kernel, stride=2)
                uniform_(conv.weight, 1 / ((channels + depth) / 2))
                nn.init.zeros_(conv.bias)
                layers += [conv, ChannelNorm(depth, eps=1e-3) if cfg.norm == 'layer' else nn.Identity(),
                           activation(cfg.act)]
                channels = depth
            # channels_last: images arrive NHWC, so the NCHW permute and the channel norm are free views.
            self.cnn = nn.Sequential(*layers).to(memory_format=torch.channels_last)
            with torch.no_grad():
                self.out_dim += self.cnn(torch.zeros(1, sum(shapes[k][-1] for k in self.cnn_keys), *size)).numel()
        if self.mlp_keys:
            inp = sum(int(np.prod(shapes[k])) for k in self.mlp_keys)
            self.mlp = MLP(inp, cfg.mlp_layers, cfg.mlp_units, cfg.act, cfg.norm)
            self.out_dim += self.mlp.out_dim
        if not self.out_dim:
            raise ValueError(f'the encoder selects no observation key: cnn_keys={cfg.cnn_keys!r} '
                             f'mlp_keys={cfg.mlp_keys!r}, observation keys {sorted(shapes)}')

    def forward(self, obs):
        outs = []
        if self.cnn_keys:
            x = torch.cat([obs[k] for k in self.cnn_keys], -1)
            batch = x.shape[:-3]
            x = x.reshape(-1, *x.shape[-3:]).permute(0, 3, 1, 2)
            outs.append(self.cnn(x).permute(0, 2, 3, 1).reshape(*batch, -1))
        if self.mlp_keys:
            parts = [obs[k].unsqueeze(-1) if not self.shapes[k] else obs[k] for k in self.mlp_keys]
            outs.append(self.mlp(torch.cat(parts, -1)))
        return torch.cat(outs, -1) if len(outs) > 1 else outs[0]


class Decoder(nn.Module):
    """Multi-key decoder: transposed CNN for image keys (no dense layer first), MLP heads for vectors."""

    def __init__(self, shapes, feat_dim, cfg):
        super().__init__()
        if cfg.cnn != 'simple':
            raise ValueError(f"decoder.cnn must be 'simple' (DayDreamer's conv stack), got {cfg.cnn!r}")
        self.cnn_keys = [k for k, s in shapes.items() if len(s) == 3 and re.match(cfg.cnn_keys, k)]
        self.mlp_keys = [k for k, s in shapes.items() if len(s) == 1 and re.match(cfg.mlp_keys, k)]
        self.shapes, self.image_dist = shapes, cfg.image_dist
        if self.cnn_keys:
            self.channels = [shapes[k][-1] for k in self.cnn_keys]
            self.size = tuple(shapes[self.cnn_keys[0]][:2])
            kernels = list(cfg.cnn_kernels)
            depths = [cfg.cnn_depth * 2 ** (len(kernels) - i - 2) for i in range(len(kernels) - 1)]
            depths.append(sum(self.channels))
            layers, inp = [], feat_dim
            for i, (kernel, depth) in enumerate(zip(kernels, depths)):
                conv = nn.ConvTranspose2d(inp, depth, kernel, stride=2)
                uniform_(conv.weight, 1 / (kernel ** 2 * (inp + depth) / 2))
                nn.init.zeros_(conv.bias)
                layers.append(conv)
                if i < len(kernels) - 1:
                    layers += [ChannelNorm(depth, eps=1e-3) if cfg.norm == 'layer' else nn.Identity(),
                               activation(cfg.act)]
                inp = depth
            self.cnn = nn.Sequential(*layers).to(memory_format=torch.channels_last)
            with torch.no_grad():
                out = self.cnn(torch.zeros(1, feat_dim, 1, 1)).shape[-2:]
            if tuple(out) != self.size:
                raise ValueError(f'decoder kernels {kernels} produce {tuple(out)} images, but the image keys '
                                 f'{self.cnn_keys} are {self.size}')
        if self.mlp_keys:
            self.mlp = MLP(feat_dim, cfg.mlp_layers, cfg.mlp_units, cfg.act, cfg.norm)
            self.heads = nn.ModuleDict({k: Linear(self.mlp.out_dim, shapes[k][0], outscale=0.1)
                                        for k in self.mlp_keys})

    def forward(self, feat):
        dists = {}
        batch = feat.shape[:-1]
        if self.cnn_keys:
            x = self.cnn(feat.reshape(-1, feat.shape[-1], 1, 1))
            x = x.permute(0, 2, 3, 1).reshape(*batch, *self.size, -1)
            if self.image_dist == 'mse':
                x = torch.sigmoid(x)
            for key, part in zip(self.cnn_keys, torch.split(x, self.channels, -1)):
                dists[key] = HEAD_DISTS[self.image_dist](part, 3)
        if self.mlp_keys:
            hidden = self.mlp(feat)
            for key in self.mlp_keys:
                dists[key] = MSE(self.heads[key](hidden), 1)
        return dists

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
DayDreamer agent: world model + actor-critic learned in imagination (or a CEM planner).

`Agent.policy(obs, state, mode)` acts, `Agent.train(batch)` runs one update of the world model and the
behaviour, `Agent.report(batch)` renders open-loop predictions. Everything the training loop needs to
resume (parameters, optimiser moments, adaptive scales, normalisers, counters) is in `save()/load()`;
`policy_state()` is the smaller acting subset that a learner publishes to actors.
"""

import contextlib

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from . import nets

SPECIAL_KEYS = ('reward', 'is_first', 'is_last', 'is_terminal')


def model_keys(obs_space):
    """Observation keys the networks may see: not the flags, reward or logging-only keys."""
    return {k: v.shape for k, v in obs_space.items() if k not in SPECIAL_KEYS and not k.startswith('log_')}


@contextlib.contextmanager
def frozen(*modules):
    """Gradients still flow *through* the modules (to the actor), but their weights get none."""
    params = [p for m in modules for p in m.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


class AutoAdapt(nn.Module):
    """DayDreamer's multiplicative adaptive scale (KL and entropy). `scale` is only used by `fixed`."""

    def __init__(self, shape, cfg, inverse):
        super().__init__()
        self.impl, self.target, self.inverse = cfg.impl, cfg.target, inverse
        self.min, self.max, self.factor = cfg.min, cfg.max, 1 + cfg.vel
        if cfg.impl not in ('mult', 'fixed'):
            raise ValueError(f"adaptive scale impl must be 'mult' or 'fixed', got {cfg.impl!r}")
        self.register_buffer('value', torch.full(shape, 1.0 if cfg.impl == 'mult' else cfg.scale))

    @torch.no_grad()
    def update(self, measured):
        if self.impl == 'fixed':
            return
        high = (measured > self.target * self.factor).float()
        low = (measured < self.target / self.factor).float()
        up, down = (low, high) if self.inverse else (high, low)
        self.value.mul_(self.factor ** (up - down)).clamp_(self.min, self.max)


class Moments(nn.Module):
    """EMA of mean and mean square in float64, bias corrected (DayDreamer's advnorm `mean_std`)."""

    def __init__(self, cfg):
        super().__init__()
        if cfg.impl not in ('mean_std', 'off'):
            raise ValueError(f"advnorm.impl must be 'mean_std' or 'off', got {cfg.impl!r}")
        self.impl, self.decay, self.max = cfg.impl, cfg.decay, cfg.max  # max caps the scale 1/std
        self.register_buffer('mean', torch.zeros((), dtype=torch.float64))
        self.register_buffer('sqrs', torch.zeros((), dtype=torch.float64))
        self.register_buffer('count', torch.zeros((), dtype=torch.int64))

    def forward(self, x):
        if self.impl == 'off':
            return x
        with torch.no_grad():
            self.count += 1
            self.mean.mul_(self.decay).add_((1 - self.decay) * x.detach().double().mean())
            self.sqrs.mul_(self.decay).add_((1 - self.decay) * x.detach().double().pow(2).mean())
            correction = 1 - self.decay ** self.count.double()
            mean, sqrs = self.mean / correction, self.sqrs / correction
            std = (sqrs - mean ** 2).clamp(min=0).sqrt().clamp(min=1 / self.max)
        return (x - mean.float()) / std.float()


class ReturnScale(nn.Module):
    """
    Normalise returns as DreamerV3 does (reference §10).

    Advantages are divided by max(limit, EMA(P_hi(R) - P_lo(R))), so large returns are scaled down but small ones are
    not scaled up (which `mean_std` does, amplifying noise when the returns barely differ). 'off' gives a scale of 1.
    """

    def __init__(self, cfg):
        super().__init__()
        if cfg.impl not in ('perc', 'off'):
            raise ValueError(f"retnorm.impl must be 'perc' or 'off', got {cfg.impl!r}")
        self.impl, self.decay, self.limit = cfg.impl, cfg.decay, cfg.limit
        self.register_buffer('quantiles', torch.tensor([cfg.perclo, cfg.perchi]) / 100, persistent=False)
        self.register_buffer('low', torch.zeros(()))
        self.register_buffer('high', torch.zeros(()))

    def forward(self, ret):
        if self.impl == 'off':
            return torch.ones((), device=ret.device)
        with torch.no_grad():
            low, high = torch.quantile(ret.detach().float().flatten(), self.quantiles)
            self.low.mul_(self.decay).add_((1 - self.decay) * low)
            self.high.mul_(self.decay).add_((1 - self.decay) * high)
            return (self.high - self.low).clamp(min=self.limit)


class Optimizer:
    """AdamW with DayDreamer's decay rule (weights only), global-norm clipping and optional fp16 scaling."""

    def __init__(self, name, modules, cfg, scaler=None):
        self.name, self.clip, self.scaler = name, cfg.clip, scaler
        if cfg.opt != 'adam':
            raise ValueError(f"{name}_opt.opt must be 'adam', got {cfg.opt!r}")
        params = [p for m in modules for p in m.parameters() if p.requires_grad]
        self.params = params
        decay = [p for p in params if p.dim() >= 2]  # Linear and conv kernels
        rest = [p for p in params if p.dim() < 2]    # biases, norms, the initial state
        self.opt = torch.optim.AdamW([{'params': decay, 'weight_decay': cfg.wd},
                                      {'params': rest, 'weight_decay': 0.0}], lr=cfg.lr, eps=cfg.eps)

    def __call__(self, loss):
        self.opt.zero_grad(set_to_none=True)
        if self.scaler:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.opt)
        else:
            loss.backward()
        norm = nn.utils.clip_grad_norm_(self.params, self.clip)
        if self.scaler:
            self.scaler.step(self.opt)
            self.scaler.update()
        else:
            self.opt.step()
        return {f'{self.name}_loss': loss.detach(), f'{self.name}_grad_norm': norm}


class WorldModel(nn.Module):

    def __init__(self, obs_space, act_dim, config):
        super().__init__()
        self.config = config
        shapes = model_keys(obs_space)
        self.encoder = nets.Encoder(shapes, config.encoder)
        self.rssm = nets.RSSM(act_dim, self.encoder.out_dim, config.rssm)
        feat = self.rssm.feat_dim
        self.decoder = nets.Decoder(shapes, feat, config.decoder)
        head = lambda cfg: {'layers': cfg.layers, 'units': cfg.units, 'act': cfg.act, 'norm': cfg.norm,
                            'dist': cfg.dist, 'outscale': cfg.outscale}
        self.reward = nets.Head(feat, (), **head(config.reward_head))
        self.cont = nets.Head(feat, (), **head(config.cont_head))
        self.kl_scale = AutoAdapt((), config.wmkl, inverse=False)
        self.heads = {'decoder': self.decoder, 'reward': self.reward, 'cont': self.cont}

    def loss(self, data, state=None):
        cfg = self.config
        embed = self.encoder(data)
        post, prior = self.rssm.observe(embed, data['action'], data['is_first'], state)
        kl, rep = self.rssm.kl(post, prior, cfg.wmkl_balance)
        self.kl_scale.update(kl.detach().mean())
        if cfg.free_nats > 0:  # DreamerV1: free nats on the batch-mean KL
            kl_loss = torch.clamp(kl.mean(), min=cfg.free_nats) * self.kl_scale.value
        else:
            kl_loss = (self.kl_scale.value * kl).mean()
        feat = self.rssm.feat(post)
        losses, metrics = {}, {}
        for name, head in self.heads.items():
            inp = feat if name in cfg.grad_heads else feat.detach()
            out = head(inp)
            dists = out if isinstance(out, dict) else {name: out}
            for key, dist in dists.items():
                target = data['cont'] if key == 'cont' else data[key]
                losses[key] = dist.loss(target.float()).mean()
                if key == 'reward' and hasattr(dist, 'baseline'):
                    # 0: the head predicts the batch mean (the model does not see what earns reward); 1: exact.
                    # 0 too when the batch's rewards are all equal.
                    baseline = dist.baseline(target.detach())
                    metrics['reward_explained'] = torch.where(
                        baseline > 1e-8, 1 - losses[key].detach() / baseline.clamp(min=1e-8), 0.0)
        scales = cfg.loss_scales
        total = scales.get('kl', 1.0) * kl_loss + sum(scales.get(k, 1.0) * v for k, v in losses.items())
        metrics.update({f'{k}_loss': v.detach() for k, v in losses.items()})
        metrics.update(kl=kl.detach().mean(), kl_rep=rep.mean(), kl_scale=self.kl_scale.value.clone(),
                       prior_ent=self.rssm.dist(prior).entropy().sum(-1).mean().detach(),
                       post_ent=self.rssm.dist(post).entropy().sum(-1).mean().detach())
        return total, post, metrics


class ActorCritic(nn.Module):
    """Actor and critic trained on imagined rollouts (reference §3)."""

    def __init__(self, feat_dim, act_space, config):
        super().__init__()
        self.config = config
        self.discrete = act_space.discrete
        self.act_dim = act_space.classes if self.discrete else int(np.prod(act_space.shape))
        acfg = config.actor
        self.dist = acfg.dist if acfg.dist != 'auto' else ('onehot' if self.discrete else 'normal')
        if self.discrete != (self.dist == 'onehot'):
            raise ValueError(f'actor.dist {acfg.dist!r} does not fit the action space {act_space}')
        self.actor_trunk = nets.MLP(feat_dim, acfg.layers, acfg.units, acfg.act, acfg.norm)
        self.actor_mean = nets.Linear(self.actor_trunk.out_dim, self.act_dim, outscale=acfg.outscale)
        if not self.discrete:
            self.actor_std = nets.Linear(self.actor_trunk.out_dim, self.act_dim, outscale=1.0)
        ccfg = config.critic
        critic = lambda: nets.Head(feat_dim, (), ccfg.layers, ccfg.units, ccfg.act, ccfg.norm,
                                   ccfg.dist, ccfg.outscale)
        self.critic = critic()
        self.slow_critic = critic() if config.slow_target else None
        if self.slow_critic is not None:
            self.slow_critic.requires_grad_(False)
        self.register_buffer('updates', torch.zeros((), dtype=torch.int64))
        self.actent = AutoAdapt((self.act_dim,) if not self.discrete else (), config.actent, inverse=True)
        self.retnorm = ReturnScale(config.retnorm)
        self.advnorm = Moments(config.advnorm)

    def actor(self, feat):
        cfg = self.config.actor
        hidden = self.actor_trunk(feat)
        if self.dist == 'onehot':
            return nets.OneHot(self.actor_mean(hidden), cfg.unimix)
        if self.dist == 'normal':
            std = (cfg.maxstd - cfg.minstd) * torch.sigmoid(self.actor_std(hidden).float()) + cfg.minstd
            return nets.Normal(torch.tanh(self.actor_mean(hidden).float()), std)
        if self.dist == 'tanh_normal':  # DreamerV1: mean 5 tanh(x / 5), std softplus(x + softplus^-1(5)) + 1e-4
            mean = 5 * torch.tanh(self.actor_mean(hidden).float() / 5)
            std = F.softplus(self.actor_std(hidden).float() + np.log(np.expm1(5.0))) + 1e-4
            return nets.TanhNormal(mean, std)
        raise ValueError(f'unknown actor.dist {self.dist!r}')

    def norm_entropy(self, dist):
        ent = dist.entropy()
        if self.discrete:
            return ent / np.log(self.act_dim) if self.config.actent_norm else ent
        if not self.config.actent_norm:
            return ent
        lo = nets.normal_entropy(self.config.actor.minstd)
        hi = nets.normal_entropy(self.config.actor.maxstd)
        return (ent - lo) / (hi - lo)

    def imagine(self, wm, start, horizon):
        """Roll out the prior with actor samples: H + 1 states and H actions, stacked on axis 0."""
        states, actions = [start], []
        clip = self.config.imag_action_clip and not self.discrete
        for _ in range(horizon):
            action = self.actor(wm.rssm.feat(states[-1]).detach()).sample()
            actions.append(action)
            # The env clips a `normal` actor's samples to [-1, 1]; unclipped, the model would be asked about
            # actions it never saw in replay, and backpropagation could exploit its extrapolation.
            states.append(wm.rssm.img_step(states[-1], action.clamp(-1, 1) if clip else action))
        return {k: torch.stack([s[k] for s in states]) for k in start}, torch.stack(actions)

    def train_step(self, wm, start, terminal, actor_opt, critic_opt):
        cfg = self.config
        critic = self.slow_critic if self.slow_critic is not None else self.critic
        if self.slow_critic is not None and self.updates % cfg.slow_target_update == 0:
            mix = cfg.slow_target_fraction
            for s, d in zip(self.slow_critic.parameters(), self.critic.parameters()):
                s.data.mul_(1 - mix).add_(mix * d.data)
        self.updates += 1
        with frozen(wm, self.critic):
            traj, actions = self.imagine(wm, start, cfg.imag_horizon)
            feat = wm.rssm.feat(traj)
            reward = wm.reward(feat[1:]).mean
            cont = wm.cont(feat).mean
            cont = torch.cat([1 - terminal[None].float(), cont[1:]], 0)
            weight = (torch.cumprod(cfg.discount * cont, 0) / cfg.discount).detach()
            if cfg.value_head:
                value = critic(feat).mean
                lam = cfg.return_lambda
            else:  # "no value" baseline: discounted sum of imagined rewards, no bootstrap
                value, lam = torch.zeros_like(cont), 1.0
            rets = [value[-1]]
            for t in reversed(range(cfg.imag_horizon)):
                rets.append(reward[t] + cfg.discount * cont[t + 1] * ((1 - lam) * value[t + 1] + lam * rets[-1]))
            ret = torch.stack(rets[1:][::-1])
            dist = self.actor(feat[:-1].detach())
            ret_scale = self.retnorm(ret)
            adv = self.advnorm((ret - value[:-1] if cfg.actor_baseline else ret) / ret_scale)
            if self.discrete:
                grad = cfg.actor_grad_disc
            else:
                grad = cfg.actor_grad_cont
            if grad == 'backprop':
                objective = adv
            elif grad == 'reinforce':
                objective = dist.log_prob(actions.detach()) * adv.detach()
            else:
                raise ValueError(f'unknown actor gradient {grad!r}')
            ent = self.norm_entropy(dist)
            # As the reference's AutoAdapt: update the scale from this batch's entropy, then use it.
            self.actent.update(ent.detach().mean((0, 1)) if ent.dim() == 3 else ent.detach().mean())
            ent_bonus = (self.actent.value * ent).sum(-1) if ent.dim() == 3 else self.actent.value * ent
            actor_loss = -(weight[:-1] * (objective + ent_bonus)).mean()
        metrics = actor_opt(actor_loss)
        if cfg.value_head:
            critic_dist = self.critic(feat[:-1].detach())
            critic_loss = (weight[:-1] * critic_dist.loss(ret.detach())).mean()
            metrics.update(critic_opt(critic_loss))
            metrics['critic_value'] = critic_dist.mean.detach().mean()
        metrics.update(imag_reward=reward.detach().mean(), imag_return=ret.detach().mean(),
                       actor_ent=ent.detach().mean(), actent_scale=self.actent.value.mean().clone(),
                       return_scale=ret_scale.detach())
        if not self.discrete:  # the fraction of imagined actions at the edge of [-1, 1] (or beyond: `normal`)
            metrics['imag_action_saturated'] = (actions.detach().abs() > 0.95).float().mean()
            # The same for the greedy action (the mode) in those states: near 1 is bang-bang control.
            metrics['actor_mode_saturated'] = (dist.mode.detach().abs() > 0.95).float().mean()
        return metrics


class Planner:
    """PlaNet's CEM over action sequences, scored by summed predicted rewards (reference §9)."""

    def __init__(self, wm, act_dim, cfg):
        self.wm, self.act_dim, self.cfg = wm, act_dim, cfg

    def __call__(self, state):
        cfg, batch = self.cfg, state['deter'].shape[0]
        mean = torch.zeros(batch, cfg.horizon, self.act_dim, device=state['deter'].device)
        std = torch.ones_like(mean)
        start = {k: v.repeat_interleave(cfg.candidates, 0) for k, v in state.items()}
        for _ in range(cfg.iterations):
            noise = torch.randn(batch, cfg.candidates, cfg.horizon, self.act_dim, device=mean.device)
            plans = (mean[:, None] + std[:, None] * noise).clamp(-1, 1)
            flat = plans.reshape(batch * cfg.candidates, cfg.horizon, self.act_dim)
            current, score = start, 0
            for t in range(cfg.horizon):
                current = self.wm.rssm.img_step(current, flat[:, t])
                score = score + self.wm.reward(self.wm.rssm.feat(current)).mean
            top = score.reshape(batch, cfg.candidates).topk(cfg.topk, -1).indices
            elite = torch.gather(plans, 1, top[..., None, None].expand(-1, -1, cfg.horizon, self.act_dim))
            mean, std = elite.mean(1), (elite.var(1, unbiased=False) + 1e-6).sqrt()
        return mean[:, 0]


class Agent(nn.Module):
    """The DayDreamer agent for one observation space and one action space."""

    def __init__(self, obs_space, act_space, config, device='cpu'):
        super().__init__()
        self.config, self.obs_space, self.act_space = config, obs_space, act_space['action']
        self.device = torch.device(device)
        space = self.act_space
        self.discrete = space.discrete
        self.act_dim = space.classes if space.discrete else int(np.prod(space.shape))
        self.wm = WorldModel(obs_space, self.act_dim, config)
        self.planet = config.behavior == 'planet'
        if config.behavior not in ('actor_critic', 'planet'):
            raise ValueError(f"behavior must be 'actor_critic' or 'planet', got {config.behavior!r}")
        if self.planet and self.discrete:
            raise ValueError('behavior planet plans continuous actions; this task has discrete actions')
        self.ac = None if self.planet else ActorCritic(self.wm.rssm.feat_dim, space, config)
        self.planner = Planner(self.wm, self.act_dim, config.planner) if self.planet else None
        self.to(self.device)
        self.amp_dtype = self._precision(config.precision)
        scaler = lambda: (torch.amp.GradScaler('cuda', init_scale=1e4, growth_interval=1000)
                          if self.amp_dtype == torch.float16 else None)
        self.opts = {'model': Optimizer('model', [self.wm], config.model_opt, scaler())}
        if self.ac is not None:
            self.opts['actor'] = Optimizer(
                'actor', [self.ac.actor_trunk, self.ac.actor_mean] + (
                    [self.ac.actor_std] if not self.discrete else []), config.actor_opt, scaler())
            self.opts['critic'] = Optimizer('critic', [self.ac.critic], config.critic_opt, scaler())
        self.image_keys = list(self.wm.encoder.cnn_keys)
        self.enc_keys = self.wm.encoder.cnn_keys + self.wm.encoder.mlp_keys

    def _precision(self, name):
        if name == 'auto':
            return torch.bfloat16 if self.device.type == 'cuda' else None
        return {'float32': None, 'bfloat16': torch.bfloat16, 'float16': torch.float16}[name]

    def _autocast(self):
        return torch.autocast(self.device.type, dtype=self.amp_dtype or torch.float32,
                              enabled=self.amp_dtype is not None)

    # -- data ------------------------------------------------------------------------------------

    def _tensor(self, key, value):
        value = torch.as_tensor(np.ascontiguousarray(value), device=self.device)  # flipped images have negative strides
        if value.dtype == torch.uint8 and key in self.obs_space and len(self.obs_space[key].shape) == 3:
            return value.float() / 255.0 + self.config.decoder.image_offset
        return value.float()

    def _action_tensor(self, action):
        action = torch.as_tensor(np.asarray(action), device=self.device)
        if self.discrete:
            return F.one_hot(action.long(), self.act_dim).float()
        return action.float().reshape(*action.shape[:len(action.shape) - len(self.act_space.shape)], -1)

    def preprocess(self, data):
        out = {k: self._tensor(k, v) for k, v in data.items() if k not in ('action',) and not k.startswith('log_')}
        out['action'] = self._action_tensor(data['action'])
        out['cont'] = 1.0 - out['is_terminal']
        return out

    # -- acting ----------------------------------------------------------------------------------

    def initial_state(self, batch):
        # The learned initial latent: also right when acting starts mid-episode (is_first False).
        return self.wm.rssm.initial(batch), torch.zeros(batch, self.act_dim, device=self.device)

    @torch.inference_mode()
    def policy(self, obs, state=None, mode='explore'):
        """
        One acting step for a batch of observations (numpy, leading batch axis).

        mode: 'explore' samples (plus expl_noise), 'eval' takes the mode. Returns the env action (float32
        vectors clipped to [-1, 1], or int64 indices for discrete spaces) and the next state.
        """
        batch = len(obs['is_first'])
        latent, prev_action = state if state is not None else self.initial_state(batch)
        inputs = {k: self._tensor(k, obs[k]) for k in self.enc_keys}
        is_first = torch.as_tensor(np.asarray(obs['is_first']), device=self.device)
        with self._autocast():
            embed = self.wm.encoder(inputs)
            latent, _ = self.wm.rssm.obs_step(latent, prev_action, embed, is_first,
                                              sample=mode != 'eval', prior=False)
            if self.planet:
                action = self.planner(latent)
            else:
                dist = self.ac.actor(self.wm.rssm.feat_parts(latent))
                action = dist.sample() if mode == 'explore' else dist.mode
        action = action.float()
        noise = self.config.expl_noise if mode == 'explore' else self.config.eval_noise
        if self.discrete:
            index = action.argmax(-1)
            if noise:
                random = torch.randint(0, self.act_dim, index.shape, device=self.device)
                index = torch.where(torch.rand(index.shape, device=self.device) < noise, random, index)
            action = F.one_hot(index, self.act_dim).float()
            out = index.cpu().numpy().astype(np.int64)
        else:
            if noise:
                action = action + noise * torch.randn_like(action)
            action = action.clamp(-1, 1)
            out = action.cpu().numpy().astype(np.float32).reshape(batch, *self.act_space.shape)
        return out, (latent, action)

    # -- learning --------------------------------------------------------------------------------

    def train(self, data):
        """One update on a batch of windows {key: (B, T, ...)}; returns float metrics."""
        data = self.preprocess(data)
        with self._autocast():
            loss, post, metrics = self.wm.loss(data)
        metrics.update(self.opts['model'](loss))
        if self.ac is not None:
            start = {k: v.detach().reshape(-1, *v.shape[2:]) for k, v in post.items()}
            terminal = data['is_terminal'].reshape(-1)
            with self._autocast():
                metrics.update(self.ac.train_step(self.wm, start, terminal, self.opts['actor'], self.opts['critic']))
        names = list(metrics)
        values = torch.stack([metrics[k].float().reshape(()) for k in names]).cpu().tolist()
        return dict(zip(names, values))

    @torch.no_grad()
    def report(self, data, context=5, samples=4):
        """
        Open-loop video: filter `context` steps, then imagine with the logged actions.

        Returns {'openl_<key>': uint8 (B, T, 3H, W, C)} stacking truth, prediction and error per image key.
        """
        data = self.preprocess({k: v[:samples] for k, v in data.items()})
        with self._autocast():
            embed = self.wm.encoder(data)
            post, _ = self.wm.rssm.observe(embed[:, :context], data['action'][:, :context],
                                           data['is_first'][:, :context])
            state = {k: v[:, -1] for k, v in post.items()}
            states = []
            for t in range(context, data['action'].shape[1]):
                state = self.wm.rssm.img_step(state, data['action'][:, t], sample=False)
                states.append(state)
            recon = self.wm.decoder(self.wm.rssm.feat(post))
            if states:
                feat = self.wm.rssm.feat({k: torch.stack([s[k] for s in states], 1) for k in states[0]})
                openl = self.wm.decoder(feat)
        videos = {}
        for key in self.wm.decoder.cnn_keys:
            pred = recon[key].mode
            if states:
                pred = torch.cat([pred, openl[key].mode], 1)
            offset = self.config.decoder.image_offset
            truth = data[key] - offset
            pred = (pred.float() - offset).clamp(0, 1)
            error = (pred - truth + 1) / 2
            video = torch.cat([truth, pred, error], 2)
            videos[f'openl_{key}'] = (video * 255).round().clamp(0, 255).to(torch.uint8).cpu().numpy()
        return videos

    # -- state -----------------------------------------------------------------------------------

    def save(self):
        return {'agent': self.state_dict(), 'opts': {k: v.opt.state_dict() for k, v in self.opts.items()}}

    # State added after checkpoints were first written: a checkpoint without it starts these afresh.
    LATER_STATE = ('ac.retnorm.',)

    def load(self, state):
        missing, unexpected = self.load_state_dict(state['agent'], strict=False)
        missing = [k for k in missing if not k.startswith(self.LATER_STATE)]
        if missing or unexpected:
            raise ValueError(f'checkpoint does not fit this agent: missing {sorted(missing)[:5]}, '
                             f'unexpected {sorted(unexpected)[:5]} (was it written with other network sizes?)')
        for name, opt in self.opts.items():
            opt.opt.load_state_dict(state['opts'][name])

    def policy_state(self):
        """Return the parameters acting needs: encoder, RSSM, actor (or reward head for the planner)."""
        keep = ('wm.encoder.', 'wm.rssm.', 'ac.actor_') + (('wm.reward.',) if self.planet else ())
        return {k: v for k, v in self.state_dict().items() if k.startswith(keep)}

    def load_policy_state(self, state):
        missing = set(self.policy_state()) - set(state)
        if missing:
            raise ValueError(f'policy weights lack {len(missing)} tensors, e.g. {sorted(missing)[:3]}')
        self.load_state_dict(state, strict=False)

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
The environment interface, episode wrappers and observation checks.

One dict-based interface (embodied / DreamerV3 style) serves simulators, real robots and bag playback:

- ``obs_space``: every observation key plus ``reward`` float32 () and ``is_first`` / ``is_last`` /
  ``is_terminal`` bool (). Keys named ``log_*`` may appear in observations for logging only; they are not
  in ``obs_space``, never stored in replay and never modelled.
- ``act_space``: ``{'action': Space, 'reset': Space(bool)}``. Continuous actions are float32 in [-1, 1]
  (envs clip); discrete ones are ``Space(np.int64, (), 0, K)`` and the action is the integer index.
- ``step(action)``: when ``action['reset']`` is true, or the previous observation had ``is_last``, the env
  resets and returns the first observation of an episode (``is_first`` true, reward 0) and ignores the rest
  of the action. Otherwise it applies ``action['action']`` and returns the next observation.
- ``realtime``: true for real robots; the acting loop must never block them (no lockstep waits).
"""

import abc
import logging
import math

import numpy as np

FLAGS = ('is_first', 'is_last', 'is_terminal')


class Env(abc.ABC):
    """Base class of all environments. Subclasses set the two spaces and implement `step`."""

    obs_space: dict = {}
    act_space: dict = {}
    realtime = False

    @abc.abstractmethod
    def step(self, action):
        """Apply action['action'] (or reset when action['reset'] is set) and return the observation."""

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        obs = ', '.join(f'{k}: {_describe(v)}' for k, v in self.obs_space.items() if k != 'reward' and k not in FLAGS)
        act = ', '.join(f'{k}: {_describe(v)}' for k, v in self.act_space.items() if k != 'reset')
        return f'{type(self).__name__}(obs={{{obs}}}, act={{{act}}}, realtime={self.realtime})'


class Wrapper(Env):
    """A thin Env around another; unknown attributes are looked up on the wrapped env."""

    def __init__(self, env):
        self.env = env

    @property
    def obs_space(self):
        return self.env.obs_space

    @property
    def act_space(self):
        return self.env.act_space

    @property
    def realtime(self):
        return self.env.realtime

    def step(self, action):
        return self.env.step(action)

    def close(self):
        self.env.close()

    def __getattr__(self, name):
        if name.startswith('__') or name == 'env':
            raise AttributeError(name)
        return getattr(self.env, name)

    def __repr__(self):
        return f'{type(self).__name__}({self.env!r})'


class TimeLimit(Wrapper):
    """
    Ends episodes after `length` steps (not counting the first observation) by setting `is_last`.

    With ``resets=False`` the step after a cut does not reset the wrapped env (DayDreamer's reset-free A1
    episodes): it returns the last observation again with ``is_first`` set and reward 0, without stepping
    the wrapped env, so the state carries over unchanged. When the wrapped env ended the episode itself,
    the next step resets it as usual.
    """

    def __init__(self, env, length, resets=True):
        super().__init__(env)
        self.length = int(length)
        self.resets = bool(resets)
        self._step = 0
        self._done = False        # the previous observation had is_last
        self._cut = False         # ... and it was this wrapper's cut, not the wrapped env's own end
        self._last = None

    def step(self, action):
        if self._done and self._cut and not self.resets and not action.get('reset', False):
            obs = dict(self._last, reward=np.float32(0.0), is_first=np.bool_(True),
                       is_last=np.bool_(False), is_terminal=np.bool_(False))
        else:
            if self._done:
                action = dict(action, reset=True)
            obs = self.env.step(action)
        self._step = 0 if obs['is_first'] else self._step + 1
        self._cut = bool(self.length and self._step >= self.length and not obs['is_last'])
        if self._cut:
            obs['is_last'] = np.bool_(True)
        self._done = bool(obs['is_last'])
        self._last = obs
        return obs


class ActionRepeat(Wrapper):
    """Applies each action `repeat` times, summing the rewards; stops early at `is_last`."""

    def __init__(self, env, repeat):
        super().__init__(env)
        self.repeat = int(repeat)

    def step(self, action):
        obs = self.env.step(action)
        if obs['is_first'] or obs['is_last']:
            return obs
        reward = np.float32(obs['reward'])
        for _ in range(self.repeat - 1):
            obs = self.env.step(action)
            reward += np.float32(obs['reward'])
            if obs['is_last']:
                break
        obs['reward'] = np.float32(reward)
        return obs


class ClipAction(Wrapper):
    """
    Clips continuous actions to their space bounds and replaces NaN by 0.

    `nan_count` counts the steps whose action contained NaN (logged as a warning the first time).
    """

    def __init__(self, env):
        super().__init__(env)
        self.nan_count = 0
        self._keys = [k for k, s in env.act_space.items() if k != 'reset' and np.issubdtype(s.dtype, np.floating)]

    def step(self, action):
        action = dict(action)
        for key in self._keys:
            space = self.act_space[key]
            value = np.asarray(action[key], space.dtype)
            if np.isnan(value).any():
                if not self.nan_count:
                    logging.getLogger(__name__).warning('NaN in action %r replaced by 0 (counted in nan_count)', key)
                self.nan_count += 1
                value = np.nan_to_num(value, nan=0.0)
            action[key] = np.clip(value, space.low, space.high)
        return self.env.step(action)


def wrap(env, config):
    """
    Wrap an env in ClipAction, ActionRepeat and TimeLimit from an env config.

    The config gives `length`, `repeat` and `resets` as attributes or mapping keys.

    By convention a task's own episode length is an outermost TimeLimit added by `make`. A positive
    `length` replaces it, 0 keeps it; `resets` applies either way. Lengths count agent steps (after the
    action repeat), so the task's own TimeLimit moves outside the ActionRepeat.
    """
    length, repeat, resets = (_get(config, k, d) for k, d in (('length', 0), ('repeat', 1), ('resets', True)))
    if isinstance(env, TimeLimit):
        length, env = length or env.length, env.env
    if any(np.issubdtype(s.dtype, np.floating) for k, s in env.act_space.items() if k != 'reset'):
        env = ClipAction(env)
    if repeat > 1:
        env = ActionRepeat(env, repeat)
    if length:
        env = TimeLimit(env, length, resets)
    return env


class BadObservation(ValueError):
    """An observation does not match the observation space."""


def validate_obs(obs, obs_space):
    """
    Return a list of human-readable problems with `obs` (empty when it matches `obs_space`).

    Checks missing and unexpected keys (``log_*`` extras are allowed), shapes (images get their own
    message), dtypes that cannot be cast safely (any bool/int/float -> float counts as safe; int64 -> uint8 does
    not), and NaN/inf in float
    keys. Cheap enough to run on every observation.
    """
    problems = []
    for key, space in obs_space.items():
        if key not in obs:
            problems.append(f"missing observation key '{key}' (expected {space.dtype.name} {_shape(space.shape)})")
            continue
        value = obs[key]
        if not isinstance(value, (np.ndarray, np.generic)):
            value = np.asarray(value)
        if value.shape != space.shape:
            what = 'image' if _is_image(space) else 'observation'
            problems.append(f"{what} '{key}' has shape {_shape(value.shape)}, expected {_shape(space.shape)}")
        if value.dtype != space.dtype and not _castable(value.dtype, space.dtype):
            problems.append(f"observation '{key}' has dtype {value.dtype.name}, expected {space.dtype.name} "
                            '(no safe cast)')
        elif value.dtype.kind == 'f' and not _finite(value):
            bad = np.flatnonzero(~np.isfinite(value))
            index = bad[0] if value.ndim <= 1 else tuple(int(i) for i in np.unravel_index(bad[0], value.shape))
            kind = 'NaN' if np.isnan(value.flat[bad[0]]) else 'inf'
            more = f' ({len(bad)} non-finite values)' if len(bad) > 1 else ''
            problems.append(f"observation '{key}' contains {kind} at index {index}{more}")
    for key in obs:
        if key not in obs_space and not key.startswith('log_'):
            problems.append(f"unexpected observation key '{key}' (not in the observation space; "
                            'only log_* extras are allowed)')
    return problems


def check_obs(obs, obs_space):
    """
    Check an observation against the spaces; return it with the space's exact dtypes.

    Raises BadObservation listing every problem. Values that already match are not copied.
    """
    problems = validate_obs(obs, obs_space)
    if problems:
        raise BadObservation('; '.join(problems))
    return {k: (np.asarray(v, obs_space[k].dtype) if k in obs_space else v) for k, v in obs.items()}


def _finite(value):
    return math.isfinite(value) if value.ndim == 0 else np.count_nonzero(np.isfinite(value)) == value.size


def _castable(src, dst):
    return np.can_cast(src, dst, 'safe') or (dst.kind == 'f' and src.kind in 'biuf')


def _is_image(space):
    return space.dtype == np.uint8 and len(space.shape) in (2, 3)


def _shape(shape):
    return f'({shape[0]},)' if len(shape) == 1 else '(' + ','.join(str(s) for s in shape) + ')'


def _describe(space):
    return f'{space.dtype.name}{_shape(space.shape)}' + (f'[{space.classes}]' if space.discrete else '')


def _get(config, key, default):
    if hasattr(config, key):
        return getattr(config, key)
    try:
        return config[key]
    except (KeyError, TypeError):
        return default

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
Point-mass reach: a built-in task that needs no simulator, for CI and CPU learning tests.

A point at p in [-1, 1]^2 must reach a goal g on a plane. Each episode draws g uniformly in
[-0.7, 0.7]^2 and the start p uniformly in [-1, 1]^2. The action a in [-1, 1]^2 is clipped (NaN counts as
0) and moves the point: p <- clip(p + 0.15 a, -1, 1), so any start reaches any goal within 17 steps.
No inertia.

Reward per step: r = exp(-2 ||p - g||), measured after the move. It lies in (0, 1], is 1 at the goal and has
a gradient everywhere (at distance 0.5 it is 0.37, at 1 it is 0.14). Episodes last 50 steps (a TimeLimit
that `make` adds); `is_terminal` is never set.

Variants:
- `point_vector`: 'vector' float32 (4,) = [p, g - p]. The relative goal makes the goal-seeking action a
  linear function of the observation and the reward a function of one of its parts.
- `point_image`: 'image' uint8 (H, W, 3): white background, the goal as a green disc (radius 0.15) and the
  point drawn over it as a red disc (radius 0.1); +x is right and +y is up. No vector key.
Both emit 'log_distance' (||p - g|| after the step).

Mean return over 200 episodes of 50 steps (env seed 0, same for both variants; `measure_returns`):
- uniform random actions (np.random.RandomState(0)): RANDOM_RETURN = 10.7 (std 7.4)
- scripted goal seeking (`scripted_action`, straight at the goal at full speed): SCRIPTED_RETURN = 46.7 (std 2.1)
The best possible return is below 50 because the point first has to travel to the goal.
"""

import numpy as np

from .base import Env, TimeLimit
from ..space import Space

SPEED = 0.15
GOAL_RANGE = 0.7
POINT_RADIUS, GOAL_RADIUS = 0.1, 0.15
RED, GREEN, WHITE = (220, 30, 30), (30, 170, 30), (255, 255, 255)
RANDOM_RETURN, SCRIPTED_RETURN = 10.7, 46.7


class PointEnv(Env):
    """The raw task without an episode limit (use `point_vector` / `point_image`, or `make`)."""

    def __init__(self, obs='vector', seed=None, size=(64, 64)):
        if obs not in ('vector', 'image'):
            raise ValueError(f"obs must be 'vector' or 'image', not {obs!r}")
        self.kind = obs
        self.size = tuple(int(s) for s in size)
        self._rng = np.random.default_rng(seed)
        self._pos = self._goal = None
        if obs == 'vector':
            bound = np.array([1, 1, 1 + GOAL_RANGE, 1 + GOAL_RANGE], np.float32)
            main = Space(np.float32, (4,), -bound, bound)
        else:
            main = Space(np.uint8, self.size + (3,), 0, 255)
            self._background = np.full(self.size + (3,), 255, np.uint8)
            self._rows = np.arange(self.size[0]) + 0.5
            self._cols = np.arange(self.size[1]) + 0.5
        self.obs_space = {obs: main, 'reward': Space(np.float32, (), 0, 1),
                          'is_first': Space(bool), 'is_last': Space(bool), 'is_terminal': Space(bool)}
        self.act_space = {'action': Space(np.float32, (2,), -1, 1), 'reset': Space(bool)}

    def step(self, action):
        if self._pos is None or action.get('reset', False):
            self._goal = self._rng.uniform(-GOAL_RANGE, GOAL_RANGE, 2)
            self._pos = self._rng.uniform(-1, 1, 2)
            return self._obs(0.0, True)
        move = np.clip(np.nan_to_num(np.asarray(action['action'], np.float64).reshape(2)), -1, 1)
        self._pos = np.clip(self._pos + SPEED * move, -1, 1)
        return self._obs(np.exp(-2 * self.distance), False)

    @property
    def distance(self):
        return float(np.hypot(*(self._pos - self._goal)))

    def scripted_action(self):
        """Goal seeking: straight at the goal, at full speed until it is within one step."""
        delta = self._goal - self._pos
        return (delta / max(np.hypot(*delta), SPEED)).astype(np.float32)

    def pixel(self, pos):
        """(row, col) of the pixel that contains the plane position `pos`."""
        h, w = self.size
        return min(int((1 - pos[1]) / 2 * h), h - 1), min(int((pos[0] + 1) / 2 * w), w - 1)

    def render(self):
        image = self._background.copy()
        self._disc(image, self._goal, GOAL_RADIUS, GREEN)
        self._disc(image, self._pos, POINT_RADIUS, RED)
        return image

    def _disc(self, image, pos, radius, color):
        h, w = self.size
        cy, cx, ry, rx = (1 - pos[1]) / 2 * h, (pos[0] + 1) / 2 * w, radius / 2 * h, radius / 2 * w
        r0, r1 = max(0, int(cy - ry)), min(h, int(cy + ry) + 1)
        c0, c1 = max(0, int(cx - rx)), min(w, int(cx + rx) + 1)
        if r0 < r1 and c0 < c1:
            mask = ((self._rows[r0:r1, None] - cy) / ry) ** 2 + ((self._cols[None, c0:c1] - cx) / rx) ** 2 <= 1
            image[r0:r1, c0:c1][mask] = color

    def _obs(self, reward, first):
        if self.kind == 'vector':
            main = np.concatenate([self._pos, self._goal - self._pos]).astype(np.float32)
        else:
            main = self.render()
        return {self.kind: main, 'reward': np.float32(reward), 'is_first': np.bool_(first),
                'is_last': np.bool_(False), 'is_terminal': np.bool_(False),
                'log_distance': np.float32(self.distance)}


def point_vector(seed=None, size=(64, 64), length=50):
    return TimeLimit(PointEnv('vector', seed, size), length)


def point_image(seed=None, size=(64, 64), length=50):
    return TimeLimit(PointEnv('image', seed, size), length)


def measure_returns(env, episodes=200, policy='random', seed=0):
    """Per-episode returns of the uniform random policy or of `scripted_action` on `env`."""
    rng, returns = np.random.RandomState(seed), []
    obs = env.step({'action': np.zeros(2, np.float32), 'reset': True})
    while len(returns) < episodes:
        total = 0.0
        while not obs['is_last']:
            act = env.act_space['action'].sample(rng) if policy == 'random' else env.scripted_action()
            obs = env.step({'action': act, 'reset': False})
            total += float(obs['reward'])
        returns.append(total)
        obs = env.step({'action': np.zeros(2, np.float32), 'reset': True})
    return np.array(returns)

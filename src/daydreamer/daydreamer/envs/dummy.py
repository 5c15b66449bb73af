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
Robot tasks that only provide spaces (the reference's `*_dummy`): `<robot>_dummy` for every robot definition.

A learner or a benchmark needs the observation and action spaces of a robot that is not attached. Observations are
random but valid. The spaces and the episode length are the robot's definition (`daydreamer.robots.registry()`).
"""

import numpy as np

from .base import Env, TimeLimit
from .. import robots
from ..space import Space


class _Robots:
    """{robot: (obs spaces, action space, episode length)}, read from the robot definitions when first used."""

    def _table(self):
        return {name: (dict(r.obs_space), r.act_space, r.episode_length) for name, r in robots.registry().items()}

    def __getitem__(self, name):
        return self._table()[name]

    def __iter__(self):
        return iter(self._table())

    def __contains__(self, name):
        return name in self._table()


ROBOTS = _Robots()


class Dummy(Env):
    """Random observations with a robot's spaces; reward 0."""

    def __init__(self, robot, seed=None):
        obs, act, _ = ROBOTS[robot]
        self._obs = obs
        self.obs_space = {**obs, 'reward': Space(np.float32), 'is_first': Space(bool), 'is_last': Space(bool),
                          'is_terminal': Space(bool)}
        self.act_space = {'action': act, 'reset': Space(bool)}
        self._rng = np.random.default_rng(seed)
        self._done = True

    def step(self, action):
        first = self._done or bool(action.get('reset'))
        self._done = False
        obs = {k: (self._rng.integers(0, 256, s.shape, np.uint8) if s.dtype == np.uint8
                   else self._rng.uniform(-1, 1, s.shape).astype(s.dtype)) for k, s in self._obs.items()}
        return {**obs, 'reward': np.float32(0), 'is_first': np.bool_(first), 'is_last': np.bool_(False),
                'is_terminal': np.bool_(False)}


def factory(robot):
    """Return the `<robot>_dummy` task's factory."""
    def make(seed=None):
        return TimeLimit(Dummy(robot, seed), ROBOTS[robot][2])
    make.__name__ = f'{robot}_dummy'
    return make

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
Robot tasks that only provide spaces (the reference's `*_dummy`).

A learner or a benchmark needs the observation and action spaces of a robot that is not attached. Observations are
random but valid.

Spaces follow shared/reference/robot_tasks.md: A1 16-D proprio and 12 joint targets; UR5 and xArm
64x64 RGB (xArm also depth) with five proprio keys and six discrete actions; Sphero 64x64 RGB and a 2-D
motor command.
"""

import numpy as np

from .base import Env, TimeLimit
from ..space import Space

IMAGE = Space(np.uint8, (64, 64, 3), 0, 255)


def _arm(joints, depth):
    obs = {'image': IMAGE, 'cartesian_position': Space(np.float32, (6,)),
           'joint_positions': Space(np.float32, (joints,)), 'gripper_pos': Space(np.float32, (1,), 0, 1),
           'gripper_side': Space(np.float32, (3,), 0, 1), 'grasped_side': Space(np.float32, (3,), 0, 1)}
    if depth:
        obs['depth'] = Space(np.uint8, (64, 64, 1), 0, 255)
    return obs, Space(np.int64, (), 0, 6)


ROBOTS = {
    'a1': ({'vector': Space(np.float32, (16,))}, Space(np.float32, (12,), -1, 1), 250),
    'ur5': (*_arm(6, depth=False), 100),
    'xarm': (*_arm(7, depth=True), 100),
    'sphero': ({'image': IMAGE}, Space(np.float32, (2,), -1, 1), 100),
}


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


def _factory(robot):
    return lambda seed=None: TimeLimit(Dummy(robot, seed), ROBOTS[robot][2])


a1_dummy, ur5_dummy, xarm_dummy, sphero_dummy = (_factory(robot) for robot in ('a1', 'ur5', 'xarm', 'sphero'))

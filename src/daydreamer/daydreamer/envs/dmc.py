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
DeepMind Control Suite tasks, for comparing against published Dreamer scores (benchmarks.md §1).

`dmc_<domain>_<task>` (pixels) and `dmc_<domain>_<task>_proprio` for walker_walk, cartpole_swingup,
cheetah_run and reacher_easy:

- pixels: obs 'image' uint8 (H, W, 3) rendered from camera 0 (the quadruped tasks would use camera 2)
  with shadows, reflections and skybox off (about 4x cheaper, no signal lost at 64x64);
- proprio: obs 'vector' float32 (N,), the task's observation dict flattened and concatenated in its
  spec order (`DMC.layout` names the slices; walker 24, cartpole 5, cheetah 17, reacher 6); no rendering.

Action: float32 in the task's bounds ([-1, 1] for all four), clipped, NaN counting as 0. The env runs
its own action repeat (`repeat` physics control steps per agent step, rewards summed), so the
factories take `repeat` and the run loop adds no ActionRepeat. Episodes are the suite's 1000 control
steps (500 agent steps at repeat 2); the end sets `is_last` only: `is_terminal` is never set (these tasks
have no terminal states), as in DreamerV1-V3. Reward per control step is in [0, 1], so returns are in
[0, 1000] whatever the repeat.
"""

import numpy as np

from .base import Env, TimeLimit
from ..space import Space

CAMERAS = {'quadruped': 2}
RENDER_FLAGS = {'shadow': False, 'reflection': False, 'skybox': False}
EPISODE_FRAMES = 1000

# A uniform random policy's return on cartpole_swingup at repeat 2 (what the tests bound); the published
# scores of trained agents are in benchmarks.md §1 and daydreamer.bench.PUBLISHED.
RANDOM_RETURN_RANGE = {'cartpole_swingup': (0.0, 200.0)}


class DMC(Env):

    def __init__(self, name, seed=None, size=(64, 64), repeat=2, pixels=True, camera=None):
        from ..sim import import_mujoco
        import_mujoco()  # dm_control imports mujoco itself: choose the headless backend first
        from dm_control import suite
        domain, task = name.split('_', 1)
        if domain == 'cup':
            domain = 'ball_in_cup'
        self.name, self.repeat, self.pixels = name, int(repeat), bool(pixels)
        self.size = tuple(int(s) for s in size)
        self.camera = CAMERAS.get(domain, 0) if camera is None else camera
        seed = None if seed is None else int(seed) % 2 ** 32
        self._env = suite.load(domain, task, task_kwargs={'random': seed})
        spec = self._env.action_spec()
        self._low, self._high = spec.minimum.astype(np.float32), spec.maximum.astype(np.float32)
        self.layout, start = {}, 0
        for key, value in self._env.observation_spec().items():
            size_ = int(np.prod(value.shape))
            self.layout[key] = slice(start, start + size_)
            start += size_
        main = (Space(np.uint8, self.size + (3,), 0, 255) if self.pixels
                else Space(np.float32, (start,)))
        self.obs_space = {'image' if self.pixels else 'vector': main, 'reward': Space(np.float32),
                          'is_first': Space(bool), 'is_last': Space(bool), 'is_terminal': Space(bool)}
        self.act_space = {'action': Space(np.float32, spec.shape, self._low, self._high), 'reset': Space(bool)}
        self._done = True

    @property
    def physics(self):
        return self._env.physics

    def step(self, action):
        if self._done or action.get('reset', False):
            self._done = False
            return self._obs(self._env.reset(), 0.0)
        act = np.clip(np.nan_to_num(np.asarray(action['action'], np.float32)), self._low, self._high)
        reward = 0.0
        for _ in range(self.repeat):
            time_step = self._env.step(act)
            reward += time_step.reward or 0.0
            if time_step.last():
                break
        self._done = time_step.last()
        return self._obs(time_step, reward)

    def _obs(self, time_step, reward):
        if self.pixels:
            main = {'image': self.render()}
        else:
            main = {'vector': np.concatenate([np.asarray(v, np.float32).reshape(-1)
                                              for v in time_step.observation.values()])}
        return {**main, 'reward': np.float32(reward), 'is_first': np.bool_(time_step.first()),
                'is_last': np.bool_(time_step.last()), 'is_terminal': np.bool_(False)}

    def render(self):
        return self._env.physics.render(*self.size, camera_id=self.camera, render_flag_overrides=RENDER_FLAGS)

    def close(self):
        try:
            self._env.close()
        except Exception:
            pass


def _make(name, pixels):
    def factory(seed=None, size=(64, 64), repeat=2):
        return TimeLimit(DMC(name, seed, size, repeat, pixels), -(-EPISODE_FRAMES // max(1, int(repeat))))
    factory.__name__ = f'dmc_{name}' + ('' if pixels else '_proprio')
    factory.__doc__ = f"DeepMind Control {name} from {'pixels' if pixels else 'proprioception'}."
    return factory


dmc_walker_walk, dmc_walker_walk_proprio = _make('walker_walk', True), _make('walker_walk', False)
dmc_cartpole_swingup, dmc_cartpole_swingup_proprio = _make('cartpole_swingup', True), _make('cartpole_swingup', False)
dmc_cheetah_run, dmc_cheetah_run_proprio = _make('cheetah_run', True), _make('cheetah_run', False)
dmc_reacher_easy, dmc_reacher_easy_proprio = _make('reacher_easy', True), _make('reacher_easy', False)

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

"""DeepMind Control tasks: spaces, the step protocol, episode length at action repeat 2, pixels."""

import numpy as np
import pytest

from daydreamer import envs
from daydreamer.space import Space

try:  # dm_control imports mujoco: the headless GL backend must be chosen first
    from daydreamer.sim import import_mujoco
    import_mujoco()
    import dm_control  # noqa: F401
except ImportError:
    pytest.skip('dm_control is not installed', allow_module_level=True)
from daydreamer.envs import dmc  # noqa: E402,I100  (needs mujoco)

NAMES = ('walker_walk', 'cartpole_swingup', 'cheetah_run', 'reacher_easy')
ACTIONS = {'walker_walk': 6, 'cartpole_swingup': 1, 'cheetah_run': 6, 'reacher_easy': 2}
VECTORS = {'walker_walk': 24, 'cartpole_swingup': 5, 'cheetah_run': 17, 'reacher_easy': 6}
FLAGS = {'reward': Space(np.float32), 'is_first': Space(bool), 'is_last': Space(bool), 'is_terminal': Space(bool)}


def act(env, a=None, reset=False):
    space = env.act_space['action']
    return {'action': np.zeros(space.shape, np.float32) if a is None else np.asarray(a, np.float32), 'reset': reset}


@pytest.mark.parametrize('name', NAMES)
def test_spaces(name):
    for suffix, key, space in (('', 'image', Space(np.uint8, (64, 64, 3), 0, 255)),
                               ('_proprio', 'vector', Space(np.float32, (VECTORS[name],)))):
        task = f'dmc_{name}{suffix}'
        assert envs.parameters(task) == {'seed', 'size', 'repeat'}
        env = envs.make(task, seed=0)
        try:
            assert env.obs_space == {key: space, **FLAGS}
            assert env.act_space == {'action': Space(np.float32, (ACTIONS[name],), -1, 1), 'reset': Space(bool)}
            assert env.length == 500 and env.realtime is False
            if suffix:
                obs = env.step(act(env, reset=True))
                assert envs.validate_obs(obs, env.obs_space) == [] and set(obs) == set(env.obs_space)
                assert sum(s.stop - s.start for s in env.layout.values()) == VECTORS[name]
        finally:
            env.close()


def test_protocol_and_episode_length_at_repeat_2():
    env = envs.make('dmc_cartpole_swingup_proprio', seed=1, repeat=2)
    rng = np.random.RandomState(0)
    try:
        first = env.step(act(env, reset=True))
        assert first['is_first'] and first['reward'] == 0 and not first['is_last'] and not first['is_terminal']
        steps, total = 0, 0.0
        while True:
            obs = env.step(act(env, env.act_space['action'].sample(rng)))
            assert envs.validate_obs(obs, env.obs_space) == [] and not obs['is_first'] and not obs['is_terminal']
            assert 0.0 <= obs['reward'] <= 2.0  # two control steps of reward in [0, 1]
            steps += 1
            total += float(obs['reward'])
            if obs['is_last']:
                break
        assert steps == 500 and env.env._env.physics.data.time == pytest.approx(10.0)  # 1000 frames x 0.01 s
        low, high = dmc.RANDOM_RETURN_RANGE['cartpole_swingup']
        assert low < total < high, total  # a random policy swings a little; trained agents reach ~850
        again = env.step(act(env))  # after is_last the next step resets
        assert again['is_first'] and again['reward'] == 0
    finally:
        env.close()


def test_repeat_sums_rewards_and_seeds_repeat():
    env1 = dmc.DMC('cartpole_swingup', seed=3, repeat=1, pixels=False)
    env2 = dmc.DMC('cartpole_swingup', seed=3, repeat=3, pixels=False)
    try:
        first1 = env1.step({'action': np.zeros(1), 'reset': True})
        first2 = env2.step({'action': np.zeros(1), 'reset': True})
        np.testing.assert_array_equal(first1['vector'], first2['vector'])  # same seed, same start
        steps = [env1.step({'action': np.array([0.7]), 'reset': False}) for _ in range(3)]
        obs2 = env2.step({'action': np.array([0.7]), 'reset': False})
        assert obs2['reward'] == pytest.approx(sum(o['reward'] for o in steps), rel=1e-5)
        np.testing.assert_allclose(obs2['vector'], steps[-1]['vector'])
        assert env1.physics.data.time == pytest.approx(env2.physics.data.time)
        obs = env1.step({'action': np.array([np.nan]), 'reset': False})  # NaN counts as 0, out of range is clipped
        assert np.isfinite(obs['vector']).all()
        env1.step({'action': np.array([5.0]), 'reset': False})
        np.testing.assert_allclose(env1.physics.data.ctrl, [1.0])
    finally:
        env1.close()
        env2.close()
    assert dmc.dmc_cartpole_swingup_proprio(seed=0, repeat=4).length == 250


def test_pixel_frames_change():
    env = envs.make('dmc_walker_walk', seed=0)
    rng = np.random.RandomState(0)
    try:
        frames = [env.step(act(env, reset=True))['image']]
        for _ in range(10):
            frames.append(env.step(act(env, env.act_space['action'].sample(rng)))['image'])
        frames = np.stack(frames)
        assert frames.dtype == np.uint8 and frames.shape == (11, 64, 64, 3)
        assert frames[0].std() > 10  # not blank
        assert np.abs(frames[1:].astype(int) - frames[:1]).mean() > 0.5  # the walker moves
        small = dmc.DMC('cartpole_swingup', seed=0, size=(32, 48))
        assert small.step({'action': np.zeros(1), 'reset': True})['image'].shape == (32, 48, 3)
        small.close()
    finally:
        env.close()

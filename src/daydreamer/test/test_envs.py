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

import timeit
from types import SimpleNamespace

import numpy as np
import pytest

from daydreamer.envs import (ActionRepeat, BadObservation, check_obs, ClipAction, Env, make, TASKS, TimeLimit,
                             validate_obs, wrap)
from daydreamer.envs import point
from daydreamer.space import Space

# Documented in daydreamer/envs/point.py: mean return over 200 episodes, env seed 0.
RANDOM_RETURN, SCRIPTED_RETURN = 10.7, 46.7


def act(a=(0.0, 0.0), reset=False):
    return {'action': np.asarray(a, np.float32), 'reset': reset}


class Counter(Env):
    """Counts its non-reset steps; reward = 1 per step; ends itself after `end` steps (0: never)."""

    def __init__(self, end=0, discrete=False):
        self.end, self.count, self.actions, self.resets = end, 0, [], 0
        self.obs_space = {'count': Space(np.float32, ()), 'reward': Space(np.float32), 'is_first': Space(bool),
                          'is_last': Space(bool), 'is_terminal': Space(bool)}
        action = Space(np.int64, (), 0, 3) if discrete else Space(np.float32, (2,), -1, 1)
        self.act_space = {'action': action, 'reset': Space(bool)}
        self._last = True

    def step(self, action):
        if action['reset'] or self._last:
            self.count, self._last = 0, False
            self.resets += 1
            return self._obs(0.0, True)
        self.actions.append(action['action'])
        self.count += 1
        self._last = bool(self.end and self.count >= self.end)
        return self._obs(1.0, False)

    def _obs(self, reward, first):
        return {'count': np.float32(self.count), 'reward': np.float32(reward), 'is_first': np.bool_(first),
                'is_last': np.bool_(self._last), 'is_terminal': np.bool_(False)}


def test_spaces():
    assert set(TASKS) >= {'point_vector', 'point_image'}
    vector = Space(np.float32, (4,), [-1, -1, -1.7, -1.7], [1, 1, 1.7, 1.7])
    for name, key, space in [('point_vector', 'vector', vector),
                             ('point_image', 'image', Space(np.uint8, (64, 64, 3), 0, 255))]:
        env = make(name, seed=0)
        assert set(env.obs_space) == {key, 'reward', 'is_first', 'is_last', 'is_terminal'}
        assert env.obs_space[key] == space
        assert env.obs_space['reward'] == Space(np.float32, (), 0, 1)
        assert all(env.obs_space[k].dtype == bool and env.obs_space[k].shape == () for k in ('is_first', 'is_last'))
        assert env.act_space == {'action': Space(np.float32, (2,), -1, 1), 'reset': Space(bool)}
        assert env.realtime is False and env.length == 50
        obs = env.step(act(reset=True))
        assert validate_obs(obs, env.obs_space) == []
        assert type(obs['reward']) is np.float32 and type(obs['is_first']) is np.bool_
        assert obs[key].dtype == space.dtype and obs[key].shape == space.shape
        assert 'log_distance' in obs
        assert key in repr(env)
    assert make('point_image', size=(32, 48)).obs_space['image'].shape == (32, 48, 3)


def test_step_protocol():
    env = make('point_vector', seed=1)
    obs = env.step(act((1, 1)))  # the first step resets whatever the action says
    assert obs['is_first'] and obs['reward'] == 0 and not obs['is_last']
    start = obs['vector'].copy()
    rows = [obs]
    while not rows[-1]['is_last']:
        rows.append(env.step(act((0.5, -0.5))))
    assert len(rows) == 51 and not any(r['is_first'] for r in rows[1:]) and not any(r['is_terminal'] for r in rows)
    assert all(0 < r['reward'] <= 1 for r in rows[1:])
    assert np.allclose(rows[1]['vector'][:2], np.clip(start[:2] + 0.15 * np.array([0.5, -0.5]), -1, 1))
    assert np.allclose(rows[1]['vector'][2:], start[:2] + start[2:] - rows[1]['vector'][:2], atol=1e-6)
    obs = env.step(act((1, 1)))  # the previous obs was last: reset
    assert obs['is_first'] and obs['reward'] == 0
    env.step(act((1, 0)))
    obs = env.step(act((1, 0), reset=True))
    assert obs['is_first'] and obs['reward'] == 0
    for _ in range(50):
        obs = env.step(act())
    assert obs['is_last']


def test_point_clips_and_ignores_nan():
    env = point.PointEnv('vector', seed=0)
    p = env.step(act(reset=True))['vector'][:2]
    obs = env.step(act((5.0, np.nan)))
    assert np.allclose(obs['vector'][:2], np.clip(p + [0.15, 0], -1, 1))


def test_timelimit_resets_false_keeps_state():
    env = wrap(make('point_vector', seed=2), SimpleNamespace(length=5, repeat=1, resets=False))
    assert isinstance(env, TimeLimit) and env.length == 5 and not isinstance(env.env, TimeLimit)
    obs = env.step(act(reset=True))
    goal = obs['vector'][:2] + obs['vector'][2:]
    for i in range(5):
        assert not obs['is_last']
        obs = env.step(act((-1, 0.3)))
    assert obs['is_last'] and not obs['is_terminal']
    cont = env.step(act((1, 1)))
    assert cont['is_first'] and not cont['is_last'] and cont['reward'] == 0
    np.testing.assert_array_equal(cont['vector'], obs['vector'])  # same state, same goal
    nxt = env.step(act((0, 0)))
    assert not nxt['is_first'] and np.allclose(nxt['vector'][:2] + nxt['vector'][2:], goal, atol=1e-6)
    for _ in range(4):
        nxt = env.step(act())
    assert nxt['is_last']
    fresh = env.step(act(reset=True))  # an explicit reset still resets
    assert fresh['is_first'] and not np.allclose(fresh['vector'][:2] + fresh['vector'][2:], goal)

    inner = Counter(end=3)  # the wrapped env's own end resets even with resets=False
    env = TimeLimit(inner, 10, resets=False)
    env.step(act(reset=True))
    for _ in range(3):
        obs = env.step(act())
    assert obs['is_last'] and env.step(act())['is_first'] and inner.resets == 2


def test_timelimit_resets_true_and_wrap_config():
    inner = Counter()
    env = TimeLimit(inner, 3)
    counts = [float(env.step(act())['count']) for _ in range(9)]
    assert counts == [0, 1, 2, 3, 0, 1, 2, 3, 0] and inner.resets == 3
    env = wrap(make('point_vector'), {'length': 0, 'repeat': 1, 'resets': True})
    assert isinstance(env, TimeLimit) and env.length == 50 and isinstance(env.env, ClipAction)
    env = wrap(make('point_vector'), SimpleNamespace(length=7, repeat=2, resets=True))
    assert env.length == 7 and isinstance(env.env, ActionRepeat) and env.env.repeat == 2
    assert isinstance(wrap(Counter(discrete=True), SimpleNamespace(length=0, repeat=1, resets=True)), Counter)


def test_action_repeat():
    inner = Counter()
    env = ActionRepeat(inner, 3)
    first = env.step(act(reset=True))
    assert first['is_first'] and first['count'] == 0 and first['reward'] == 0
    obs = env.step(act((0.1, 0.2)))
    assert obs['count'] == 3 and obs['reward'] == 3 and type(obs['reward']) is np.float32 and len(inner.actions) == 3
    env = ActionRepeat(Counter(end=4), 3)
    env.step(act(reset=True))
    assert env.step(act())['reward'] == 3
    obs = env.step(act())
    assert obs['is_last'] and obs['reward'] == 1 and obs['count'] == 4
    assert env.step(act())['is_first']
    # Reward sums on the point task: three raw steps of the same seed.
    raw, rep = point.PointEnv('vector', seed=4), ActionRepeat(point.PointEnv('vector', seed=4), 3)
    raw.step(act(reset=True)), rep.step(act(reset=True))
    total = sum(float(raw.step(act((0.3, -0.2)))['reward']) for _ in range(3))
    obs = rep.step(act((0.3, -0.2)))
    assert np.isclose(obs['reward'], total) and np.allclose(obs['vector'], raw._obs(0, False)['vector'])


def test_clip_action():
    inner = Counter()
    env = ClipAction(inner)
    env.step(act(reset=True))
    env.step(act((2.0, np.nan)))
    env.step(act((-0.5, -3.0)))
    assert env.nan_count == 1
    np.testing.assert_array_equal(inner.actions[0], [1.0, 0.0])
    np.testing.assert_array_equal(inner.actions[1], [-0.5, -1.0])
    assert inner.actions[0].dtype == np.float32
    env = ClipAction(Counter(discrete=True))  # discrete actions pass through
    env.step({'action': np.int64(2), 'reset': True})
    env.step({'action': np.int64(2), 'reset': False})
    assert env.env.actions == [2]


def test_validate_obs():
    space = {'vector': Space(np.float32, (16,)), 'image': Space(np.uint8, (64, 64, 3)),
             'reward': Space(np.float32), 'is_first': Space(bool), 'is_last': Space(bool),
             'is_terminal': Space(bool)}
    good = {'vector': np.zeros(16, np.float32), 'image': np.zeros((64, 64, 3), np.uint8),
            'reward': np.float32(0), 'is_first': np.bool_(True), 'is_last': False, 'is_terminal': False,
            'log_distance': 1.0}
    assert validate_obs(good, space) == []
    assert validate_obs(dict(good, vector=np.zeros(16), reward=1.5), space) == []  # float64 casts safely

    def problems(**change):
        obs = dict(good, **change)
        obs = {k: v for k, v in obs.items() if v is not None}
        return validate_obs(obs, space)

    assert problems(vector=None) == ["missing observation key 'vector' (expected float32 (16,))"]
    assert problems(vector=np.zeros(15, np.float32)) == ["observation 'vector' has shape (15,), expected (16,)"]
    assert problems(image=np.zeros((48, 64, 3), np.uint8)) == ["image 'image' has shape (48,64,3), expected (64,64,3)"]
    assert problems(image=np.zeros((64, 64, 3), np.float32)) == [
        "observation 'image' has dtype float32, expected uint8 (no safe cast)"]
    assert problems(image=np.zeros((64, 64, 3), np.int64)) == [
        "observation 'image' has dtype int64, expected uint8 (no safe cast)"]
    expected = "observation 'is_first' has dtype float32, expected bool (no safe cast)"
    assert problems(is_first=np.float32(1)) == [expected]
    vector = np.zeros(16, np.float32)
    vector[3] = np.nan
    assert problems(vector=vector) == ["observation 'vector' contains NaN at index 3"]
    vector[5] = np.inf
    assert problems(vector=vector) == ["observation 'vector' contains NaN at index 3 (2 non-finite values)"]
    assert problems(reward=np.float32(-np.inf)) == ["observation 'reward' contains inf at index 0"]
    assert problems(extra=np.zeros(2)) == [
        "unexpected observation key 'extra' (not in the observation space; only log_* extras are allowed)"]
    many = problems(vector=None, image=np.zeros((48, 64, 3), np.uint8), extra=1)
    assert len(many) == 3
    with pytest.raises(BadObservation) as info:
        check_obs(dict(good, vector=None, extra=1), space)
    assert isinstance(info.value, ValueError) and "'vector'" in str(info.value) and "'extra'" in str(info.value)
    fixed = check_obs(dict(good, vector=np.zeros(16)), space)
    assert fixed['vector'].dtype == np.float32 and fixed['is_last'].dtype == bool and fixed['log_distance'] == 1.0
    assert fixed['image'] is good['image']


def test_validate_obs_is_cheap():
    env = make('point_vector', seed=0)
    space = dict(env.obs_space, vector=Space(np.float32, (16,)))
    obs = {'vector': np.zeros(16, np.float32), 'reward': np.float32(0), 'is_first': np.bool_(False),
           'is_last': np.bool_(False), 'is_terminal': np.bool_(False), 'log_distance': np.float32(0)}
    seconds = min(timeit.repeat(lambda: validate_obs(obs, space), number=1000, repeat=3)) / 1000
    assert seconds < 50e-6, seconds  # about 5 us on a laptop core


@pytest.mark.parametrize('name', ['point_vector', 'point_image'])
def test_returns(name):
    random = point.measure_returns(make(name, seed=0), 200, 'random').mean()
    scripted = point.measure_returns(make(name, seed=0), 200, 'scripted').mean()
    assert (point.RANDOM_RETURN, point.SCRIPTED_RETURN) == (RANDOM_RETURN, SCRIPTED_RETURN)
    assert abs(random - RANDOM_RETURN) < 0.1 and abs(scripted - SCRIPTED_RETURN) < 0.1
    assert random <= 12 and scripted >= 45


def test_image_discs():
    env = point.PointEnv('image', seed=5)
    env.step(act(reset=True))
    env._pos, env._goal = np.array([-0.6, 0.5]), np.array([0.4, -0.3])
    image = env.render()
    for pos, colour in [(env._pos, point.RED), (env._goal, point.GREEN), ((0.95, -0.95), point.WHITE),
                        (env._pos + [0.08, 0], point.RED), (env._pos + [0.12, 0], point.WHITE)]:
        np.testing.assert_array_equal(image[env.pixel(pos)], colour)
    assert env.pixel((-0.6, 0.5)) == (16, 12)  # +x right, +y up
    red = np.all(image == point.RED, -1).sum()
    green = np.all(image == point.GREEN, -1).sum()
    assert abs(red - np.pi * 3.2 ** 2) < 8 and abs(green - np.pi * 4.8 ** 2) < 10
    env._goal = env._pos.copy()  # the point is drawn over the goal
    image = env.render()
    assert tuple(image[env.pixel(env._pos)]) == point.RED and np.all(image == point.GREEN, -1).any()
    obs = env.step(act())
    np.testing.assert_array_equal(obs['image'], env.render())
    seconds = min(timeit.repeat(env.render, number=200, repeat=3)) / 200
    assert seconds < 1e-3, seconds  # about 20 us on a laptop core


def test_make_unknown_name():
    with pytest.raises(ValueError) as info:
        make('point_imgae')
    message = str(info.value)
    assert "'point_imgae'" in message and 'point_vector' in message and "closest match: 'point_image'" in message


def test_determinism():
    def rollout(name, seed):
        env, rng = make(name, seed=seed), np.random.RandomState(0)
        obs = [env.step(act(reset=True))]
        obs += [env.step({'action': env.act_space['action'].sample(rng), 'reset': False}) for _ in range(60)]
        return np.stack([o['vector' if name == 'point_vector' else 'image'] for o in obs]), [o['reward'] for o in obs]

    for name in ('point_vector', 'point_image'):
        a, b, c = rollout(name, 3), rollout(name, 3), rollout(name, 4)
        np.testing.assert_array_equal(a[0], b[0])
        assert a[1] == b[1] and not np.array_equal(a[0], c[0])


def test_driver_summarises_log_keys_per_episode_as_the_reference():
    """
    Every `log_*` key becomes the sum, mean and max over the episode's steps.

    The reset step is included, and the statistics start afresh with each episode.
    """
    from daydreamer import loops

    class Logged(Counter):

        def _obs(self, reward, first):
            return {**super()._obs(reward, first), 'log_count': np.float32(self.count),
                    'log_pair': np.array([self.count, 0.0], np.float32)}

    driver = loops.Driver([lambda: Logged(end=4)], restart=False)
    episodes = []
    for _ in range(10):
        episodes += driver.step(None, 'random')[1]
    assert len(episodes) == 2
    for episode in episodes:  # log_count over the episode: 0, 1, 2, 3, 4
        assert episode == {'return': 4.0, 'length': 4, 'sum_log_count': 10.0, 'mean_log_count': 2.0,
                           'max_log_count': 4.0, 'sum_log_pair': 5.0, 'mean_log_pair': 1.0, 'max_log_pair': 2.0}
    assert loops.episode_means([{'return': 1.0, 'sum_log_x': 2.0}, {'return': 3.0}]) == {'return': 2.0,
                                                                                         'sum_log_x': 2.0}


def test_driver_rows_keep_their_own_action():
    """A row's action is its own array: the next step does not rewrite rows already handed out."""
    from daydreamer import loops
    driver = loops.Driver([lambda: Counter()], restart=False)
    actions = iter([np.full((1, 2), 0.5, np.float32), np.full((1, 2), -0.5, np.float32)] * 3)
    rows = [driver.step(lambda obs, state, mode: (next(actions), None), 'explore')[0][0] for _ in range(4)]
    assert [float(row['action'][0]) for row in rows] == [0.0, 0.5, -0.5, 0.5]


def test_mujoco_warnings_go_to_the_log_not_a_file(tmp_path, monkeypatch, caplog):
    from daydreamer.sim import import_mujoco
    mujoco = import_mujoco()
    monkeypatch.chdir(tmp_path)
    model = mujoco.MjModel.from_xml_string('<mujoco><worldbody><body><joint/><geom size=".1"/></body></worldbody>'
                                           '</mujoco>')
    data = mujoco.MjData(model)
    data.qvel[0] = np.nan
    with caplog.at_level('WARNING', logger='daydreamer.sim'):
        mujoco.mj_step(model, data)
    assert 'MuJoCo: Nan, Inf or huge value in QVEL' in caplog.text
    assert not list(tmp_path.iterdir())  # no MUJOCO_LOG.TXT

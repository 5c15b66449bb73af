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

"""Bad input gives a clear message naming the problem, and nothing already stored is lost."""

import logging
import subprocess
import sys

import numpy as np
import pytest

from daydreamer import checkpoint, envs, loops
from daydreamer.config import load_config
from daydreamer.envs.base import Wrapper

CONFIG = ['point', 'debug']


def cli(*args):
    return subprocess.run([sys.executable, '-m', 'daydreamer.cli', *args], capture_output=True, text=True,
                          timeout=120)


def test_unknown_config_key_names_it_and_suggests(tmp_path):
    result = cli('train', '--logdir', str(tmp_path), '--rssm.detr', '512')
    assert result.returncode == 2
    assert "unknown config key 'rssm.detr'" in result.stderr and 'rssm.deter' in result.stderr
    assert not (tmp_path / 'config.yaml').exists()


def test_steps_flag_sets_the_run_budget_for_every_command():
    # `train --steps N` once ran forever: the flag only reached `bench learn`.
    result = cli('config', '--configs', 'point', '--steps', '1234')
    assert result.returncode == 0, result.stderr
    assert 'steps=1234 ' in result.stdout


def test_wrong_value_type_names_key_and_type(tmp_path):
    result = cli('train', '--logdir', str(tmp_path), '--batch_size', 'sixteen')
    assert result.returncode == 2
    assert "batch_size: expected int, got 'sixteen'" in result.stderr


def test_unknown_task_lists_valid_ones(tmp_path):
    result = cli('train', '--logdir', str(tmp_path), '--task', 'point_vectr')
    assert result.returncode != 0
    assert "unknown task 'point_vectr'" in result.stderr and 'point_vector' in result.stderr


class Faulty(Wrapper):
    """Corrupts chosen steps: a NaN, a wrong shape, a missing key; or raises."""

    def __init__(self, env, faults):
        super().__init__(env)
        self.faults, self.count = faults, 0

    def step(self, action):
        obs = dict(self.env.step(action))
        self.count += 1
        fault = self.faults.get(self.count)
        if fault == 'nan':
            obs['vector'] = obs['vector'].copy()
            obs['vector'][1] = np.nan
        elif fault == 'shape':
            obs['vector'] = obs['vector'][:3]
        elif fault == 'missing':
            del obs['vector']
        elif fault == 'crash':
            raise RuntimeError('driver connection lost')
        return obs


def test_bad_observations_are_dropped_with_clear_messages(tmp_path, caplog):
    config = load_config(CONFIG)
    faults = {20: 'nan', 45: 'shape', 70: 'missing', 90: 'crash'}
    made = []

    def make():
        env = loops.make_env(config)
        env = Faulty(env, faults if not made else {})  # the recreated env after the crash is healthy
        made.append(env)
        return env

    driver = loops.Driver([make], restart=True)
    replay = loops.make_replay(config, tmp_path)
    stored = 0
    with caplog.at_level(logging.WARNING, logger='daydreamer'):
        for _ in range(150):
            rows, _ = driver.step(None, 'random')
            for row in rows:
                if row is not None:
                    replay.add(row)
                    stored += 1
    messages = caplog.text
    assert "observation 'vector' contains NaN at index 1" in messages
    assert 'has shape (3,), expected (16,)' not in messages  # point_vector is 4-D, see below
    assert "observation 'vector' has shape (3,), expected (4,)" in messages
    assert "missing observation key 'vector' (expected float32 (4,))" in messages
    assert 'env 0 raised RuntimeError: driver connection lost; recreating it' in messages
    assert driver.bad_obs == 3 and len(made) == 2
    replay.flush()
    assert len(replay) == stored == 150 - 4
    reloaded = loops.make_replay(config, tmp_path)
    assert len(reloaded) == stored  # every good row reached the disk
    for name in ('vector', 'reward'):
        assert np.isfinite(reloaded.sample(4)[name]).all()


def test_corrupt_replay_chunk_is_reported_and_set_aside(tmp_path, caplog):
    config = load_config(CONFIG)
    replay = loops.make_replay(config, tmp_path)
    driver = loops.Driver([lambda: loops.make_env(config)])
    for _ in range(200):
        for row in driver.step(None, 'random')[0]:
            replay.add(row)
    replay.flush()
    files = sorted((tmp_path / 'replay').glob('*.npz'))
    victim = files[len(files) // 2]
    victim.write_bytes(victim.read_bytes()[:100])  # truncated, as by a full disk or a crash
    good_rows = len(replay) - int(victim.stem.rsplit('-', 1)[1])
    with caplog.at_level(logging.WARNING):
        reloaded = loops.make_replay(config, tmp_path)
    assert victim.name in caplog.text
    assert len(reloaded) == good_rows
    assert (tmp_path / 'replay' / 'corrupt' / victim.name).exists()  # kept for inspection, never deleted


def test_truncated_checkpoint_falls_back_to_previous(tmp_path, caplog):
    config = load_config(CONFIG)
    session = loops.Session(config, tmp_path)
    session.counters.update(step=100, updates=1)
    session.save()
    good = {k: v.clone() for k, v in session.agent.state_dict().items()}
    session.counters.update(step=200, updates=2)
    newest = session.save()
    newest.write_bytes(newest.read_bytes()[:-1000])
    with caplog.at_level(logging.WARNING):
        resumed = loops.Session(config, tmp_path)
    assert 'ckpt-000000000002.safetensors' in caplog.text and 'corrupt' in caplog.text
    assert resumed.counters['step'] == 100
    for name, value in resumed.agent.state_dict().items():
        assert (value == good[name]).all(), name
    assert newest.with_name(newest.name + '.corrupt').exists()


def test_corrupt_checkpoint_direct_load_names_file(tmp_path):
    path = tmp_path / 'ckpt-000000000001.safetensors'
    path.write_bytes(b'not a checkpoint at all')
    with pytest.raises(checkpoint.CorruptCheckpoint, match='ckpt-000000000001.safetensors'):
        checkpoint.load(path)


def test_observation_validation_messages():
    env = envs.make('point_image', seed=0)
    obs = env.step({'action': np.zeros(2, np.float32), 'reset': True})
    obs['image'] = obs['image'][:48]
    assert envs.validate_obs(obs, env.obs_space) == ["image 'image' has shape (48,64,3), expected (64,64,3)"]

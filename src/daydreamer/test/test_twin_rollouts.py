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
Each robot's twin, built as `daydreamer train` builds it, replays a recorded rollout bit for bit.

A fixed action sequence (seeded, across at least one episode boundary) goes through `envs.from_config` with the
robot's config; every reward and flag, and every observation key of integer type (images, depth: sha256 of the
bytes per step) must equal those in data/twin_rollouts.json; float keys must match to float32 rounding (FLOAT_TOL):
numpy's SIMD kernels differ in the last bit between CPUs (an AMD EPYC and an Intel Xeon disagree on a few
cartesian_position and joint_positions values), so bytes are exact on one machine only. Recorded before the
one-task-path restructuring (issue 19) so that it can show the twins unchanged. Record again only for an
intended change of a twin, and say so in the commit:

    python src/daydreamer/test/test_twin_rollouts.py --record
"""

import hashlib
import importlib.util
import json
from pathlib import Path
import sys

import numpy as np
import pytest

from daydreamer import envs
from daydreamer.config import load_config

pytestmark = pytest.mark.skipif(importlib.util.find_spec('mujoco') is None, reason='needs mujoco ([sim] extra)')

RECORD = Path(__file__).parent / 'data' / 'twin_rollouts.json'
STEPS = {'a1': 80, 'ur5': 130, 'xarm': 130, 'sphero': 130}  # each crosses an episode boundary (or a reset)
A1_RESET_AT = 50  # the A1 task does not end its episodes itself within 80 steps: the driver resets it
FLOAT_TOL = {'rtol': 1e-5, 'atol': 1e-6}  # last-bit differences of float32 values, not behaviour


def digest(value):
    return hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()[:16]


def innermost(env):
    while hasattr(env, 'env'):
        env = env.env
    return env


def rollout(robot, actions=None):
    """
    Step the robot's twin; return its actions, rewards, is_last flags and observations.

    Observations: {key: {dtype, shape, per step: values (float keys) or sha256 (the others)}}.

    Without `actions` (recording) they are chosen: two of three by the twin's scripted policy (the arms' pick and
    place, so that the rollout grasps and is rewarded), every third a seeded uniform sample.
    """
    config = load_config([robot]).update(seed=0)
    env = envs.from_config(config)
    space, rng = env.act_space['action'], np.random.default_rng(7)
    out, restart = {'actions': [], 'reward': [], 'is_last': [], 'keys': {}}, True
    try:
        for step in range(STEPS[robot]):
            if actions is not None:
                action = np.asarray(actions[step], space.dtype)
            elif hasattr(innermost(env), 'scripted_action') and not restart and step % 3:
                action = np.asarray(innermost(env).scripted_action(), space.dtype)
            else:
                action = space.sample(rng)
            obs = env.step({'action': action, 'reset': restart or (robot == 'a1' and step == A1_RESET_AT)})
            out['actions'].append(action.tolist())
            out['reward'].append(float(obs['reward']))
            out['is_last'].append(bool(obs['is_last']))
            for key, value in obs.items():
                value = np.asarray(value)
                floating = np.issubdtype(value.dtype, np.floating)
                entry = out['keys'].setdefault(key, {'dtype': value.dtype.str, 'shape': list(value.shape),
                                                     'values' if floating else 'sha256': []})
                assert [value.dtype.str, list(value.shape)] == [entry['dtype'], entry['shape']], key
                if floating:
                    entry['values'].append(value.reshape(-1).tolist())
                else:
                    entry['sha256'].append(digest(value))
            restart = bool(obs['is_last'])
    finally:
        env.close()
    return out


@pytest.mark.parametrize('robot', sorted(STEPS))
def test_the_twin_replays_its_recorded_rollout(robot):
    expected = json.loads(RECORD.read_text())[robot]
    got = rollout(robot, expected['actions'])
    assert sorted(got['keys']) == sorted(expected['keys']), 'observation keys changed'
    for key, want in expected['keys'].items():
        have = got['keys'][key]
        assert [have['dtype'], have['shape']] == [want['dtype'], want['shape']], key
        if 'values' in want:
            differ = [i for i, (a, b) in enumerate(zip(have['values'], want['values']))
                      if not np.allclose(a, b, **FLOAT_TOL)]
        else:
            differ = [i for i, (a, b) in enumerate(zip(have['sha256'], want['sha256'])) if a != b]
        assert not differ, f"{robot} '{key}' differs from step {differ[0]} on ({len(differ)} steps)"
    assert got['reward'] == expected['reward'] and got['is_last'] == expected['is_last']
    assert any(expected['is_last']) or robot == 'a1', 'the rollout should cross an episode boundary'
    if robot in ('ur5', 'xarm'):
        assert sum(expected['reward']) > 0, 'the scripted rollout should be rewarded'


if __name__ == '__main__' and sys.argv[1:] == ['--record']:
    RECORD.parent.mkdir(exist_ok=True)
    rollouts = {robot: json.dumps(rollout(robot), separators=(',', ':')) for robot in sorted(STEPS)}
    RECORD.write_text('{\n' + ',\n'.join(f'"{robot}": {text}' for robot, text in rollouts.items()) + '\n}\n')
    print(f'recorded {RECORD}')

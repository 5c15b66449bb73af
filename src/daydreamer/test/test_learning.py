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
It learns: DayDreamer trained from scratch on the built-in point-mass task (`point_vector`).

Budget: 5,000 env steps (1,000 random prefill, then ~1,000 updates at train ratio 64 with the `point`
config), about 4 minutes on 2 CPU cores. The random policy scores 10.7 per episode and a scripted
straight-to-goal policy 46.7 (`daydreamer.envs.point`); the trained greedy policy must reach 30.
The same budget with a broken actor gradient or a frozen world model must stay below it, which shows
that the threshold measures learning and not luck.
"""

import numpy as np
import pytest

from daydreamer import loops
from daydreamer.config import load_config
from daydreamer.envs import point

BUDGET = 5000
LEARNED = 30.0
EPISODES = 10


def train_and_evaluate(logdir, **overrides):
    config = load_config(['point'], {'run.steps': BUDGET, 'run.eval_every': 0, 'run.log_seconds': 30.0,
                                     **overrides})
    loops.train(config, logdir)
    return loops.evaluate(config, logdir, EPISODES)['return_mean']


def test_eval_policies(tmp_path):
    """
    `daydreamer eval --policy` offers random, greedy and sample.

    Random needs no weights and scores the env's random level; greedy is deterministic; sample acts differently from
    greedy with the same weights.
    """
    config = load_config(['point'])
    with pytest.raises(SystemExit, match='no checkpoint or policy weights'):
        loops.evaluate(config, tmp_path, 1)
    with pytest.raises(ValueError, match="eval policy 'mode'"):
        loops.evaluate(config, tmp_path, 1, 'mode')
    random = loops.evaluate(config, tmp_path, 40, 'random')
    assert random['source'] == 'random' and random['episodes'] == 40
    assert abs(random['return_mean'] - point.RANDOM_RETURN) < 3.0  # std 7.4 over 40 episodes: +- 1.2
    loops.Session(config, tmp_path).save()
    greedy = [loops.evaluate(config, tmp_path, 3)['returns'] for _ in range(2)]
    assert greedy[0] == greedy[1]
    sample = loops.evaluate(config, tmp_path, 3, 'sample')
    assert sample['policy'] == 'sample' and sample['source'] == 'checkpoint'
    assert sample['returns'] != greedy[0]


@pytest.mark.slow
def test_learns_point_mass_from_scratch(tmp_path):
    config = load_config(['point'])
    loops.setup(config)  # seeds the initial weights: the untrained level must not depend on the tests run before
    untrained = loops.Session(config, tmp_path / 'untrained')
    before = np.mean([e['return'] for e in loops.evaluate_policy(config, untrained.agent, EPISODES)])
    after = train_and_evaluate(tmp_path / 'run')
    print(f'greedy return: untrained {before:.1f}, trained {after:.1f} (random {point.RANDOM_RETURN}, '
          f'scripted {point.SCRIPTED_RETURN})')
    assert before < 20.0
    assert after >= LEARNED


@pytest.mark.slow
@pytest.mark.parametrize('broken', [{'actor_opt.lr': 0.0}, {'model_opt.lr': 0.0}], ids=['actor', 'world_model'])
def test_broken_agent_does_not_reach_threshold(tmp_path, broken):
    after = train_and_evaluate(tmp_path, **broken)
    print(f'greedy return with {broken}: {after:.1f}')
    assert after < LEARNED

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

"""Benchmarks: env throughput, learning curves (curve.csv / curve.png), and the older micro-benchmarks."""

import csv
import importlib.util
import json
import os

import numpy as np
import pytest

from daydreamer import bench
from daydreamer.config import load_config

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def test_bench_env_point_vector():
    affinity = os.sched_getaffinity(0) if hasattr(os, 'sched_getaffinity') else None
    result = bench.bench_env(load_config([], {'task': 'point_vector'}), seconds=0.2)
    assert result['task'] == 'point_vector' and result['steps_per_s'] > 0 and result['render'] is False
    assert result['steps'] >= 20 and result['episodes'] >= 1  # 50-step episodes, resets counted as steps
    if affinity:
        assert result['cores'] == 1 and os.sched_getaffinity(0) == affinity  # pinned, then restored


def test_bench_env_sphero_renders():
    try:
        from daydreamer.sim import import_mujoco
        import_mujoco()
    except ImportError:
        pytest.skip('mujoco is not installed')
    result = bench.bench_env(load_config(['sphero']), seconds=0.2, min_steps=5)
    assert result['task'] == 'sphero_sim' and result['steps_per_s'] > 0 and result['render'] is True
    assert result['reset_ms'] > 0


def test_bench_learn_writes_curve(tmp_path):
    config = load_config(['point', 'debug'], {'run.train_fill': 200, 'run.eval_every': 200, 'run.log_every': 200,
                                              'run.train_ratio': 8, 'run.eval_eps': 1, 'run.log_seconds': 60.0,
                                              'run.steps': 400})
    result = bench.run('learn', config, logdir=str(tmp_path))
    assert result['steps'] == 400 and result['evals'] >= 1 and result['eval_every'] == 200
    with open(tmp_path / 'curve.csv') as f:
        rows = list(csv.DictReader(f))
    assert rows and list(rows[0]) == ['env_step', 'env_frames', 'eval_return', 'episode_return']
    evals = [row for row in rows if row['eval_return']]
    assert [int(row['env_step']) for row in evals] == [200, 400]
    assert all(0 <= float(row['eval_return']) <= 50 for row in evals)  # point returns lie in [0, 50]
    assert any(row['episode_return'] for row in rows)
    if importlib.util.find_spec('matplotlib') is None:
        assert result['curve_png'] is None
        pytest.skip('matplotlib is not installed: curve.png not written')
    data = (tmp_path / 'curve.png').read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 2000 and result['curve_png'] == str(tmp_path / 'curve.png')


def test_read_curve_tolerates_cut_lines_and_nan(tmp_path):
    path = tmp_path / 'metrics.jsonl'
    path.write_text('\n'.join([json.dumps({'step': 10, 'episode/return': 1.5}),
                               json.dumps({'step': 20, 'eval_return': 'nan'}),
                               json.dumps({'step': 20, 'eval_return': 3.0}),  # a resumed run: the last wins
                               '{"step": 30, "eval_ret']))
    evals, episodes = bench.read_curve(path)
    assert evals == {20: 3.0} and episodes == {10: 1.5}
    bench.write_curve_csv(tmp_path / 'c.csv', evals, episodes, frames_per_step=2)
    assert (tmp_path / 'c.csv').read_text().splitlines() == [
        'env_step,env_frames,eval_return,episode_return', '10,20,,1.5', '20,40,3,']
    assert bench.read_curve(tmp_path / 'missing.jsonl') == ({}, {})


def test_comparison_plot_draws_each_run(tmp_path):
    pytest.importorskip('matplotlib')
    from matplotlib import image
    runs = {}
    for name, level in (('a', 100.0), ('b', 500.0)):
        (tmp_path / name).mkdir()
        (tmp_path / name / 'metrics.jsonl').write_text('\n'.join(
            json.dumps({'step': step, 'eval_return': level + step / 10}) for step in (1000, 2000, 3000)))
        runs[f'run {name}'] = tmp_path / name
    out = bench.plot_comparison(tmp_path / 'compare.png', 'dmc_cartpole_swingup_proprio', runs, frames_per_step=8)
    pixels = image.imread(out)
    assert pixels.shape[:2] == (480, 800)
    # Two differently coloured curves: matplotlib's first two colours (tab:blue, tab:orange) both appear.
    rgb = (pixels[..., :3] * 255).round().astype(int).reshape(-1, 3)
    for colour in ((31, 119, 180), (255, 127, 14)):
        assert (np.abs(rgb - colour).sum(-1) < 30).sum() > 50, colour


def test_published_references():
    for name in ('walker_walk', 'cartpole_swingup', 'cheetah_run', 'reacher_easy'):
        assert bench.PUBLISHED[f'dmc_{name}'] and bench.PUBLISHED[f'dmc_{name}_proprio']
    assert ('DreamerV1 1M frames: 855 (cartpole_swingup)', 855) in bench.PUBLISHED['dmc_cartpole_swingup']
    from daydreamer.envs import point
    assert (f'random policy: {point.RANDOM_RETURN}', point.RANDOM_RETURN) in bench.PUBLISHED['point_vector']


def test_run_dispatch_errors():
    with pytest.raises(SystemExit, match='step budget'):
        bench.run('learn', load_config([]))  # run.steps defaults to 1e10: no budget
    with pytest.raises(SystemExit, match='env, learn'):
        bench.run('nope', load_config([]))


def test_older_benchmarks_still_return_their_keys():
    replay = bench.bench_replay(seconds=0.1, batch=4, length=16, episodes=2, steps=40)
    assert {'windows_per_s', 'batches_per_s', 'add_rows_per_s'} <= set(replay) and replay['windows_per_s'] > 0
    config = load_config(['point', 'debug'])
    actor = bench.bench_actor(config, seconds=0.1, warmup=2)
    assert {'task', 'p50_ms', 'p99_ms', 'steps', 'params'} <= set(actor) and actor['p50_ms'] > 0

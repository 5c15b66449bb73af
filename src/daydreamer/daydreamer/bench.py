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
Micro-benchmarks of the training pipeline's parts, and learning curves.

Each returns a dict of numbers; the CLI prints them.

- `bench_replay`, `bench_actor`, `bench_learner`: the replay, one policy step, one update.
- `bench_env`: env steps per second (rendering included, random actions) on one core.
- `bench_learn`: trains for a number of env steps with greedy evaluations on a schedule, then writes
  `<logdir>/curve.csv` and `<logdir>/curve.png` (return vs env steps, with the published score or the
  random-policy level of the task as reference lines, `PUBLISHED`).
"""

import csv
import json
import logging
import math
import os
from pathlib import Path
import sys
import tempfile
import time

import numpy as np

from daydreamer import envs
from daydreamer.replay import Replay


def bench_replay(seconds=3.0, batch=32, length=64, obs='image', episodes=20, steps=250):
    """
    Windows sampled per second from a replay of `episodes` x `steps` rows (obs 'image' or 'vector').

    Also reports the rate of `add()` while filling it, which includes compressing and writing chunk files
    (random images, so the worst case for compression).
    """
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix='daydreamer-bench-') as directory:
        replay = Replay(directory, capacity=episodes * steps, length=length, load=False)
        images = rng.integers(0, 256, (8, 64, 64, 3), dtype=np.uint8)
        begin = time.perf_counter()
        for ep in range(episodes):
            for t in range(steps):
                row = {'vector': rng.normal(size=16).astype(np.float32),
                       'action': rng.uniform(-1, 1, 12).astype(np.float32), 'reward': np.float32(0),
                       'is_first': t == 0, 'is_last': t == steps - 1, 'is_terminal': False}
                if obs == 'image':
                    row['image'] = images[t % len(images)]
                replay.add(row)
        add_rate = episodes * steps / (time.perf_counter() - begin)
        replay.sample(batch)  # warm up
        count, begin = 0, time.perf_counter()
        while time.perf_counter() - begin < seconds:
            replay.sample(batch)
            count += 1
        elapsed = time.perf_counter() - begin
    return {'windows_per_s': count * batch / elapsed, 'batches_per_s': count / elapsed, 'batch': batch,
            'length': length, 'obs': obs, 'add_rows_per_s': add_rate}


def _env(config):
    """Make the config's task, or the robot's spaces-only twin when its simulator is not available."""
    from daydreamer import envs
    try:
        return envs.from_config(config)
    except ValueError:
        dummy = config.task.rsplit('_', 1)[0] + '_dummy'
        if dummy not in envs.TASKS:
            raise
        return envs.from_config(config.update({'task': dummy}))


def _percentiles(times):
    ms = np.asarray(times) * 1e3
    return {'p50_ms': float(np.percentile(ms, 50)), 'p99_ms': float(np.percentile(ms, 99)),
            'mean_ms': float(ms.mean()), 'max_ms': float(ms.max()), 'steps': len(ms)}


def bench_actor(config, seconds=5.0, warmup=50):
    """
    Time one policy step (encode, RSSM step, sample action) at batch 1 on one CPU thread.

    The thread is pinned to one core as a real-time actor would be, and the step uses the runtime the actor uses
    (`policy_runtime`).
    """
    from daydreamer import loops, runtime
    undo = _pin_to_one_core()
    env = _env(config)
    agent = loops.make_agent(config, env, 'cpu')
    policy = runtime.make_policy(agent, config.policy_runtime, seed=config.seed)
    obs = env.step({'action': env.act_space['action'].sample(), 'reset': True})
    batch = {k: np.asarray(v)[None] for k, v in obs.items() if not k.startswith('log_')}
    action, state = policy.policy(batch)
    batch['is_first'][:] = False
    times, begin = [], time.perf_counter()
    for i in range(warmup + 100000):
        start = time.perf_counter()
        action, state = policy.policy(batch, state)
        if i >= warmup:
            times.append(time.perf_counter() - start)
            if start - begin > seconds and len(times) >= 200:
                break
    undo()
    return {'task': config.task, **_percentiles(times), 'threads': 1, 'batch': 1,
            'runtime': runtime.runtime_name(policy),
            'params': sum(p.numel() for k, p in agent.policy_state().items())}


def bench_learner(config, seconds=20.0, warmup=2):
    """One full update (world model + actor + critic) at the config's batch size and sequence length."""
    import torch
    from daydreamer import loops
    device = loops.setup(config)
    env = _env(config)
    agent = loops.make_agent(config, env, device)
    rng = np.random.default_rng(0)
    shape = (config.batch_size, config.replay_chunk)
    data = {}
    for key, space in {**env.obs_space, **env.act_space}.items():
        if key == 'reset':
            continue
        if space.dtype == np.uint8:
            data[key] = rng.integers(0, 256, shape + space.shape, np.uint8)
        elif space.discrete:
            data[key] = rng.integers(0, space.classes, shape, np.int64)
        else:
            data[key] = rng.uniform(-1, 1, shape + space.shape).astype(space.dtype)
    data['is_first'] = np.zeros(shape, bool)
    data['is_first'][:, 0] = True
    data['is_last'] = data['is_terminal'] = np.zeros(shape, bool)
    sync = torch.cuda.synchronize if device.startswith('cuda') else (lambda: None)
    for _ in range(warmup):
        agent.train(data)
    sync()
    times, begin = [], time.perf_counter()
    while not times or (time.perf_counter() - begin < seconds and len(times) < 50) or len(times) < 3:
        start = time.perf_counter()
        agent.train(data)
        sync()
        times.append(time.perf_counter() - start)
    ms = np.asarray(times) * 1e3
    return {'task': config.task, 'update_ms': float(np.median(ms)), 'min_ms': float(ms.min()), 'updates': len(ms),
            'device': device, 'precision': str(agent.amp_dtype or torch.float32).replace('torch.', ''),
            'threads': torch.get_num_threads(), 'batch': config.batch_size, 'length': config.replay_chunk,
            'params': sum(p.numel() for p in agent.parameters())}


# ------------------------------------------------------------------------------------------------
# Env throughput.


def _pin_to_one_core():
    """
    Restrict this thread to one CPU; return a function that undoes it.

    The threads it starts (e.g. the GL rasteriser's) inherit the restriction.
    """
    if 'torch' in sys.modules:
        torch = sys.modules['torch']
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
    else:
        threads = None
    allowed = os.sched_getaffinity(0) if hasattr(os, 'sched_getaffinity') else None
    if allowed:
        os.sched_setaffinity(0, {min(allowed)})

    def undo():
        if allowed:
            os.sched_setaffinity(0, allowed)
        if threads:
            sys.modules['torch'].set_num_threads(threads)
    return undo


def bench_env(config, seconds=5.0, min_steps=20):
    """
    Measure env steps per second of the config's task under uniform random actions, on one CPU core.

    The task is wrapped as for training, and rendering is included. Steps that reset (after `is_last`) count as steps,
    so long scripted resets show in the rate; `reset_ms` is the first reset alone (after construction).
    """
    undo = _pin_to_one_core()
    try:
        begin = time.perf_counter()
        env = envs.from_config(config)
        made = time.perf_counter()
        space = env.act_space['action']
        rng = np.random.default_rng(0)
        env.step({'action': space.sample(rng), 'reset': True})
        reset_s = time.perf_counter() - made
        steps = episodes = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds or steps < min_steps:
            obs = env.step({'action': space.sample(rng), 'reset': False})
            steps += 1
            episodes += bool(obs['is_last'])
        elapsed = time.perf_counter() - start
        render = any(s.dtype == np.uint8 and len(s.shape) == 3 for s in env.obs_space.values())
        env.close()
        cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else None
    finally:
        undo()
    return {'task': config.task, 'steps_per_s': steps / elapsed, 'ms_per_step': 1e3 * elapsed / steps,
            'render': render, 'steps': steps, 'episodes': episodes, 'reset_ms': 1e3 * reset_s,
            'make_s': made - begin, 'cores': cores, 'torch_imported': 'torch' in sys.modules}


# ------------------------------------------------------------------------------------------------
# Learning curves.

# Reference levels drawn on learning curves: (label, return). DMC: DreamerV1 at 0.5M and 1M env frames
# (pixels; benchmarks.md §1, V1 columns, means over 5 seeds) and DreamerV3 proprio at 0.5M. Robot tasks:
# the random-policy and scripted levels measured in their env modules, and DayDreamer's real Sphero
# (robot_tasks.md §6: average reward per step about -0.2 after 9.9k steps, i.e. about -20 per
# 100-step episode; the y axis reading there is unverified).
PUBLISHED = {
    **{f'dmc_{task}': [(f'DreamerV1 0.5M frames: {half} ({task})', half),
                       (f'DreamerV1 1M frames: {full} ({task})', full)]
       for task, half, full in (('walker_walk', 886, 956), ('cartpole_swingup', 678, 855),
                                ('cheetah_run', 630, 713), ('reacher_easy', 430, 603))},
    **{f'dmc_{task}_proprio': [(f'DreamerV3 proprio 0.5M frames: {score} ({task})', score)]
       for task, score in (('walker_walk', 881), ('cartpole_swingup', 856), ('cheetah_run', 596),
                           ('reacher_easy', 962))},
    'point_vector': [('random policy: 10.7', 10.7), ('scripted: 46.7', 46.7)],
    'point_image': [('random policy: 10.7', 10.7), ('scripted: 46.7', 46.7)],
    # Greedy-evaluation conditions of `a1_sim` (mixed starts, no resets), 2 x 10 episodes: uniform random
    # actions 1317 and 1322; the standing action from the standing start 2190 (envs/a1.py).
    'a1_sim': [('random policy: 1320', 1320.0), ('standing action (from standing): 2190', 2190.0)],
    'sphero_sim': [('random policy: -53', -53.0), ('scripted (privileged): -3', -3.0),
                   ('DayDreamer real Sphero, 9.9k steps: about -20', -20.0)],
}


def read_curve(metrics_path):
    """(eval, episode) dicts {env_step: return} from a run's metrics.jsonl (the last value per step)."""
    evals, episodes = {}, {}
    try:
        lines = Path(metrics_path).read_text().splitlines()
    except FileNotFoundError:
        return evals, episodes
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line cut by a crash
        step = int(record.get('step', -1))
        if 'eval_return' in record:
            evals[step] = float(record['eval_return'])
        if 'episode/return' in record:
            episodes[step] = float(record['episode/return'])
    return evals, episodes


def write_curve_csv(path, evals, episodes, frames_per_step=1):
    """
    Write curve.csv: env_step, env_frames, eval_return and episode_return.

    env_frames is env_step x action repeat for DMC, else env_step; episode_return is the mean training-episode return
    logged at that step. A cell is empty where nothing was logged.
    """
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['env_step', 'env_frames', 'eval_return', 'episode_return'])
        for step in sorted(set(evals) | set(episodes)):
            writer.writerow([step, step * frames_per_step, _cell(evals.get(step)), _cell(episodes.get(step))])


def _cell(value):
    return '' if value is None else f'{value:.6g}'


def plot_curve(path, task, evals, episodes, frames_per_step=1, title=None):
    """
    curve.png: eval and training-episode returns vs env steps (env frames for DMC), with the task's reference levels.

    Returns the path, or None when matplotlib is not installed.
    """
    series = [('training episodes (mean per log)', episodes, {'fmt': '.-', 'color': 'tab:blue', 'alpha': 0.5}),
              ('greedy evaluation', evals, {'fmt': 'o-', 'color': 'tab:orange'})]
    return _plot(path, task, series, frames_per_step, title or task)


def plot_comparison(path, task, runs, frames_per_step=1, title=None):
    """
    One figure of the greedy evaluation curves of several runs of a task, e.g. an ablation.

    runs: {label: logdir}. Returns the path, or None when matplotlib is not installed.
    """
    series = [(label, read_curve(Path(logdir) / 'metrics.jsonl')[0], {'fmt': 'o-', 'markersize': 3})
              for label, logdir in runs.items()]
    return _plot(path, task, series, frames_per_step, title or f'{task}: greedy evaluation')


def _plot(path, task, series, frames_per_step, title):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        logging.getLogger(__name__).warning('matplotlib is not installed: no %s (pip install matplotlib)', path)
        return None
    fig, ax = plt.subplots(figsize=(8, 4.8), dpi=100)
    try:
        for label, values, style in series:
            if values:
                style = dict(style)
                steps = sorted(values)
                ax.plot([s * frames_per_step for s in steps], [values[s] for s in steps], style.pop('fmt'),
                        label=label, **style)
        for i, (label, level) in enumerate(PUBLISHED.get(task, [])):
            ax.axhline(level, linestyle=('--', ':', '-.')[i % 3], color='grey', linewidth=1, label=label)
        ax.set_xlabel(f'env frames (action repeat {frames_per_step})' if frames_per_step > 1 else 'env steps')
        ax.set_ylabel('episode return')
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc='best')
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
    return path


def bench_learn(config, logdir, eval_every=None):
    """
    Train `run.steps` env steps with `loops.train`, then write the curve.

    `loops.train` evaluates greedily every `run.eval_every` env steps over `run.eval_eps` episodes and logs eval_return
    to metrics.jsonl.

    eval_every: None takes the config's `run.eval_every` when it is between 1 and `run.steps`, else
    run.steps/10. Rerunning with the same logdir resumes the run up to the new `run.steps`.
    """
    from daydreamer import loops
    steps = int(config.run.steps)
    if eval_every is None:
        every = config.run.eval_every
        eval_every = every if 0 < every <= steps else max(1, steps // 10)
    config = config.update({'run.eval_every': int(eval_every)})
    logdir = Path(logdir)
    begin = time.perf_counter()
    counters = loops.train(config, logdir)
    seconds = time.perf_counter() - begin
    evals, episodes = read_curve(logdir / 'metrics.jsonl')
    frames = config.env.repeat if config.task.startswith('dmc_') else 1
    write_curve_csv(logdir / 'curve.csv', evals, episodes, frames)
    png = plot_curve(logdir / 'curve.png', config.task, evals, episodes, frames,
                     title=f'{config.task}: {logdir.name}')
    last = evals[max(evals)] if evals else math.nan
    return {'task': config.task, 'steps': int(counters['step']), 'updates': int(counters['updates']),
            'seconds': seconds,
            'evals': len(evals), 'eval_every': int(eval_every), 'last_eval_return': last,
            'best_eval_return': max(evals.values()) if evals else math.nan,
            'reference': '; '.join(label for label, _ in PUBLISHED.get(config.task, [])) or None,
            'curve_csv': str(logdir / 'curve.csv'), 'curve_png': str(png) if png else None}


def bench_bags(config, steps=20000):
    """
    Measure `daydreamer import` (bag -> replay) in rows per second on one CPU core, for the config's robot.

    A bag of `steps` Steps and their Actions (observations random within the robot's spaces, episodes of the
    robot's length) is written with rosbags (mcap) into a temporary directory, then converted into replay chunk
    files of up to 1024 rows (as `daydreamer import` writes them).
    """
    from . import bags, exchange, robots
    robot = config.task.split('_', 1)[0]
    length = robots.get(robot).episode_length
    obs_space, act_space = exchange.spaces(config, f'{robot}_dummy')
    rng = np.random.default_rng(0)
    flags = ('reward', 'is_first', 'is_last', 'is_terminal')
    episode = [{**{k: s.sample(rng) for k, s in obs_space.items() if k not in flags}, 'reward': np.float32(i % 3),
                'is_first': i == 0, 'is_last': i == length - 1, 'is_terminal': False} for i in range(length)]
    with tempfile.TemporaryDirectory() as directory:
        store = bags.typestore()
        with bags.Writer(Path(directory) / 'bag', store=store) as writer:
            for i in range(steps):
                t = 100.0 + 0.05 * i
                writer.write(f'/{robot}/step', bags.STEP, bags.step_message(
                    store, episode[i % length], robot=robot, episode=i // length, step=i, stamp=t), t)
                writer.write(f'/{robot}/action', bags.ACTION, bags.action_message(
                    store, act_space['action'].sample(rng), episode=i // length, step=i, stamp=t + 0.01), t + 0.01)
        size = sum(f.stat().st_size for f in (Path(directory) / 'bag').iterdir())
        undo = _pin_to_one_core()
        try:
            summary = bags.convert([Path(directory) / 'bag'], Path(directory) / 'replay', obs_space, act_space,
                                   robot=robot)
        finally:
            undo()
    return {'robot': robot, 'steps': steps, 'bag_mb': round(size / 1e6, 1), 'rows': summary.rows,
            'seconds': round(summary.seconds, 2), 'rows_per_s': round(summary.rows / summary.seconds)}


def run(what, config, seconds=None, logdir=None):
    """
    Dispatches `daydreamer bench WHAT`.

    'learn' trains for the config's run.steps (`--steps N`), which must be a real budget, and writes into `logdir`
    (default logdir/bench-learn-<task>).
    """
    if what == 'actor':
        return bench_actor(config, **({'seconds': seconds} if seconds else {}))
    if what == 'learner':
        return bench_learner(config, **({'seconds': seconds} if seconds else {}))
    if what == 'replay':
        return bench_replay(**({'seconds': seconds} if seconds else {}), length=config.replay_chunk,
                            batch=config.batch_size)
    if what == 'env':
        return bench_env(config, **({'seconds': seconds} if seconds else {}))
    if what == 'bags':
        return bench_bags(config)
    if what == 'learn':
        if config.run.steps >= 10 ** 9:
            raise SystemExit('error: bench learn needs a step budget (--steps N, or --run.steps N)')
        return bench_learn(config, logdir or str(Path('logdir') / f'bench-learn-{config.task}'))
    raise SystemExit(f'error: bench needs one of actor, bags, env, learn, learner, replay (got {what!r})')

"""Micro-benchmarks of the training pipeline's parts. Each returns a dict of numbers; the CLI prints them."""

import tempfile
import time

import numpy as np

from daydreamer.replay import Replay


def bench_replay(seconds=3.0, batch=32, length=64, obs='image', episodes=20, steps=250):
    """Windows sampled per second from a replay of `episodes` x `steps` rows (obs 'image' or 'vector').

    Also reports the rate of `add()` while filling it, which includes compressing and writing chunk files
    (random images, so the worst case for compression)."""
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
    """The config's task, or the robot's spaces-only twin when its simulator is not available."""
    from daydreamer import envs, loops
    try:
        return loops.make_env(config)
    except ValueError:
        dummy = config.task.rsplit('_', 1)[0] + '_dummy'
        if dummy not in envs.TASKS:
            raise
        return loops.make_env(config.update({'task': dummy}))


def _percentiles(times):
    ms = np.asarray(times) * 1e3
    return {'p50_ms': float(np.percentile(ms, 50)), 'p99_ms': float(np.percentile(ms, 99)),
            'mean_ms': float(ms.mean()), 'max_ms': float(ms.max()), 'steps': len(ms)}


def bench_actor(config, seconds=5.0, warmup=50):
    """One policy step (encode, RSSM step, sample action) on one CPU thread at batch 1."""
    import torch
    from daydreamer import loops
    torch.set_num_threads(1)
    env = _env(config)
    agent = loops.make_agent(config, env, 'cpu')
    obs = env.step({'action': env.act_space['action'].sample(), 'reset': True})
    batch = {k: np.asarray(v)[None] for k, v in obs.items() if not k.startswith('log_')}
    action, state = agent.policy(batch)
    batch['is_first'][:] = False
    times, begin = [], time.perf_counter()
    for i in range(warmup + 100000):
        start = time.perf_counter()
        action, state = agent.policy(batch, state)
        if i >= warmup:
            times.append(time.perf_counter() - start)
            if start - begin > seconds and len(times) >= 200:
                break
    return {'task': config.task, **_percentiles(times), 'threads': 1, 'batch': 1,
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


def run(what, config, seconds=None):
    if what == 'actor':
        return bench_actor(config, **({'seconds': seconds} if seconds else {}))
    if what == 'learner':
        return bench_learner(config, **({'seconds': seconds} if seconds else {}))
    if what == 'replay':
        return bench_replay(**({'seconds': seconds} if seconds else {}), length=config.replay_chunk,
                            batch=config.batch_size)
    raise SystemExit(f"error: bench needs one of actor, learner, replay (got {what!r})")

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

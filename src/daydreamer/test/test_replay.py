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

"""Tests for daydreamer.replay: windows, sampling distribution, capacity, disk round trips, concurrency."""

import logging
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from daydreamer.replay import Replay


def row(ep, t, last=False, image=False):
    """Row t of episode ep; vector[:2] = (ep, t) lets tests check where a window came from."""
    r = {'vector': np.array([ep, t] + [0.5] * 14),  # float64 on purpose: stored as float32
         'action': np.full(12, t, np.float32), 'reward': float(t), 'is_first': t == 0, 'is_last': last,
         'is_terminal': False, 'log_debug': 'dropped'}
    if image:
        r['image'] = np.full((64, 64, 3), t % 256, np.uint8)
    return r


def add_episode(replay, ep, n, worker=0, last=True, start=0, **kw):
    for t in range(start, start + n):
        replay.add(row(ep, t, last=last and t == start + n - 1, **kw), worker)


def check_windows(batch):
    """Each window comes from one episode and has consecutive rows."""
    ep, t = batch['vector'][..., 0], batch['vector'][..., 1]
    assert (ep == ep[:, :1]).all(), 'window crosses episodes'
    assert (np.diff(t, axis=1) == 1).all(), 'window is not consecutive'
    assert batch['is_first'][:, 0].all()
    return ep[:, 0].astype(int), t[:, 0].astype(int)


def files(directory):
    return sorted(f for f in os.listdir(directory) if f.endswith('.npz'))


def held(replay):
    """{episode id: vector rows held in memory}, reassembled from the segments."""
    out = {}
    for ep in replay._eps:
        vec = ep.data['vector'][ep.lo:ep.n]
        if len(vec):
            out.setdefault(int(vec[0, 0]), []).append(vec)
    return {k: np.concatenate(v) for k, v in out.items()}


def test_shapes_dtypes_copies_and_log_keys(tmp_path):
    replay = Replay(tmp_path, capacity=1000, length=8, chunk=16)
    add_episode(replay, 0, 20, image=True)
    batch = replay.sample(4)
    assert set(batch) == {'vector', 'action', 'reward', 'is_first', 'is_last', 'is_terminal', 'image'}
    assert batch['vector'].shape == (4, 8, 16) and batch['vector'].dtype == np.float32
    assert batch['image'].shape == (4, 8, 64, 64, 3) and batch['image'].dtype == np.uint8
    assert batch['action'].shape == (4, 8, 12) and batch['reward'].dtype == np.float32
    assert batch['is_first'].dtype == bool and batch['is_first'][:, 0].all()
    check_windows(batch)
    for value in batch.values():  # callers own the arrays
        value[...] = 0
    check_windows(replay.sample(4))
    assert len(replay) == 20 and replay.stats['replay_episodes'] == 1
    names = files(tmp_path)
    assert [n.rsplit('-', 2)[1:] for n in names] == [['00000', '16.npz'], ['00001', '4.npz']]
    with np.load(tmp_path / names[0], allow_pickle=False) as npz:
        assert 'log_debug' not in npz.files and npz['vector'].shape == (16, 16)


def test_discrete_action_and_int_normalisation(tmp_path):
    replay = Replay(tmp_path, capacity=100, length=4)
    for t in range(6):
        replay.add({'vector': np.zeros(3, np.float16), 'action': np.int32(t), 'reward': np.float64(0),
                    'is_first': t == 0, 'is_last': t == 5, 'is_terminal': False})
    batch = replay.sample(2)
    assert batch['action'].dtype == np.int64 and batch['action'].shape == (2, 4)
    assert batch['vector'].dtype == np.float32 and batch['reward'].dtype == np.float32


def test_windows_stay_in_episodes_and_skip_short_ones(tmp_path):
    replay = Replay(tmp_path, capacity=1000, length=8, chunk=8)
    with pytest.raises(RuntimeError, match='no episode'):
        replay.sample(1)
    add_episode(replay, 0, 5)
    with pytest.raises(RuntimeError, match='no episode'):
        replay.sample(1)
    add_episode(replay, 1, 20)
    add_episode(replay, 2, 30, last=False)  # open episodes are sampled with their current rows
    eps, starts = check_windows(replay.sample(2000))
    assert set(eps) == {1, 2}
    assert starts.min() == 0 and starts[eps == 1].max() == 12 and starts[eps == 2].max() == 22


def test_minlen(tmp_path):
    replay = Replay(tmp_path, capacity=1000, length=4, minlen=10)
    add_episode(replay, 0, 8)
    add_episode(replay, 1, 10)
    eps, _ = check_windows(replay.sample(200))
    assert set(eps) == {1}


def test_uniform_over_episodes(tmp_path):
    replay = Replay(tmp_path, capacity=10000, length=10, chunk=512, seed=1)
    add_episode(replay, 0, 1000)
    add_episode(replay, 1, 50)
    eps, _ = check_windows(replay.sample(4000))
    assert abs(eps.mean() - 0.5) < 0.04


def test_end_weighting(tmp_path):
    replay = Replay(tmp_path, capacity=1000, length=10, seed=2)
    add_episode(replay, 0, 50)
    _, starts = check_windows(replay.sample(20000))
    assert abs((starts == 40).mean() - 11 / 51) < 0.015  # (C+1)/(L+1)
    assert abs((starts == 0).mean() - 1 / 51) < 0.005
    flat = Replay(tmp_path / 'flat', capacity=1000, length=10, prio_ends=0.0, seed=2)
    add_episode(flat, 0, 50)
    _, starts = check_windows(flat.sample(20000))
    assert abs((starts == 40).mean() - 1 / 41) < 0.006 and starts.max() == 40
    both = Replay(tmp_path / 'both', capacity=1000, length=10, prio_starts=1.0, seed=2)
    add_episode(both, 0, 50)
    _, starts = check_windows(both.sample(20000))
    assert abs((starts == 0).mean() - 11 / 61) < 0.015


def test_capacity_evicts_oldest_episodes(tmp_path):
    replay = Replay(tmp_path, capacity=100, length=8, chunk=16)
    for ep in range(10):
        add_episode(replay, ep, 30)
        assert len(replay) <= 100
    assert replay.stats['replay_episodes'] == 3 and len(replay) == 90
    eps, _ = check_windows(replay.sample(500))
    assert set(eps) == {7, 8, 9}
    assert sum(int(n[:-4].rsplit('-', 1)[1]) for n in files(tmp_path)) == 300  # evicted files stay


def test_capacity_trims_endless_episode(tmp_path):
    replay = Replay(tmp_path, capacity=100, length=8, chunk=32)
    add_episode(replay, 0, 1000, last=False)  # a robot that never resets
    assert len(replay) == 100 and replay._eps and len(next(iter(replay._eps)).data['vector']) <= 512
    eps, starts = check_windows(replay.sample(500))
    assert starts.min() >= 900
    replay.flush()
    assert sum(int(n[:-4].rsplit('-', 1)[1]) for n in files(tmp_path)) == 1000  # every row reached disk


def test_capacity_with_open_episode_of_other_worker(tmp_path):
    replay = Replay(tmp_path, capacity=60, length=4, chunk=8)
    for t in range(200):  # worker 1 runs one long episode while worker 0 finishes short ones
        replay.add(row(100, t), worker=1)
        if t % 20 == 19:
            add_episode(replay, t, 20, worker=0)
        assert len(replay) <= 60
    check_windows(replay.sample(300))
    replay.flush()
    restored = Replay(tmp_path, capacity=10000, length=4)
    assert held(restored)[100][:, 1].tolist() == list(range(200))


def test_restart_reloads_written_rows(tmp_path):
    writer = Replay(tmp_path, capacity=1000, length=8, chunk=16)
    for ep in range(3):
        add_episode(writer, ep, 40, image=True)
    add_episode(writer, 3, 10, last=False, image=True)
    writer.flush()
    add_episode(writer, 3, 5, last=False, start=10, image=True)  # not flushed: not on disk
    expect = held(writer)
    reader = Replay(tmp_path, capacity=1000, length=8)
    assert len(reader) == 130 and reader.stats['replay_loaded_files'] == len(files(tmp_path))
    got = held(reader)
    assert sorted(got) == [0, 1, 2, 3]
    for ep in range(3):
        np.testing.assert_array_equal(got[ep], expect[ep])
    np.testing.assert_array_equal(got[3], expect[3][:10])
    check_windows(reader.sample(100))
    small = Replay(tmp_path, capacity=50, length=8)  # newest files first, up to capacity
    assert len(small) <= 50 and set(held(small)) >= {3}
    assert 0 not in held(small)


def test_flushed_chunks_reassemble_in_order(tmp_path):
    writer = Replay(tmp_path, capacity=1000, length=12, chunk=64)
    add_episode(writer, 0, 10, last=False)
    writer.flush()
    add_episode(writer, 0, 5, last=False, start=10)
    writer.flush()
    writer.flush()  # nothing new: no empty file
    assert len(files(tmp_path)) == 2
    reader = Replay(tmp_path, capacity=1000, length=12)
    assert reader.stats['replay_episodes'] == 1
    np.testing.assert_array_equal(held(reader)[0][:, 1], np.arange(15))
    check_windows(reader.sample(50))


def test_corrupt_files_are_reported_and_moved(tmp_path, caplog):
    writer = Replay(tmp_path, capacity=1000, length=4, chunk=16)
    for ep in range(3):
        add_episode(writer, ep, 40)  # files of 16, 16, 8 rows
    names = files(tmp_path)
    middle = next(n for n in names if '-00001-' in n and np.load(tmp_path / n)['vector'][0, 0] == 1)
    data = (tmp_path / middle).read_bytes()
    (tmp_path / middle).write_bytes(data[:len(data) // 2])
    uid = 'ab' * 16
    garbage = f'20990101T000000-{uid}-00000-10.npz'
    (tmp_path / garbage).write_bytes(b'not a zip file at all')
    pickled = f'20990101T000000-{"cd" * 16}-00000-2.npz'
    np.savez(tmp_path / pickled, vector=np.array([None, 1], object), is_first=np.ones(2, bool),
             is_last=np.ones(2, bool))
    shapes = f'20990101T000000-{"ef" * 16}-00000-3.npz'  # name says 3 rows, arrays hold 2
    np.savez_compressed(tmp_path / shapes, **{k: v[:2] for k, v in np.load(tmp_path / names[0]).items()})
    (tmp_path / 'README.txt').write_text('ignored')
    with caplog.at_level(logging.WARNING, logger='daydreamer.replay'):
        reader = Replay(tmp_path, capacity=1000, length=4)
    bad = {middle, garbage, pickled, shapes}
    for name in bad:
        assert any(name in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING), name
        assert (tmp_path / 'corrupt' / name).exists() and not (tmp_path / name).exists()
    assert reader.stats['replay_corrupt_files'] == 4
    assert len(reader) == 120 - 16 and reader.stats['replay_episodes'] == 4  # the cut episode is 2 segments
    eps, starts = check_windows(reader.sample(3000))
    assert set(starts[eps == 1]) == set(range(13)) | set(range(32, 37))
    assert (tmp_path / 'README.txt').exists()
    again = Replay(tmp_path, capacity=1000, length=4)  # moved files are not reported twice
    assert again.stats['replay_corrupt_files'] == 0 and len(again) == 104


def test_update_cuts_at_a_missing_chunk(tmp_path):
    writer = Replay(tmp_path, capacity=1000, length=4, chunk=8)
    reader = Replay(tmp_path, capacity=1000, length=4)
    add_episode(writer, 0, 8, last=False)
    assert reader.update() == 8
    add_episode(writer, 0, 16, last=False, start=8)
    os.remove(tmp_path / next(n for n in files(tmp_path) if '-00001-' in n))
    assert reader.update() == 0  # waits one scan for the missing chunk
    assert reader.update() == 8 and reader.stats['replay_episodes'] == 2
    eps, starts = check_windows(reader.sample(500))
    assert set(starts) == set(range(5)) | set(range(16, 21))


def test_mismatched_rows_raise(tmp_path):
    replay = Replay(tmp_path, capacity=100, length=2)
    replay.add(row(0, 0))
    missing = row(0, 1)
    del missing['vector']
    with pytest.raises(ValueError, match="'vector'"):
        replay.add(missing)
    shape = row(0, 1)
    shape['vector'] = np.zeros(3)
    with pytest.raises(ValueError, match="'vector'.*expected shape \\(16,\\)"):
        replay.add(shape)
    extra = dict(row(0, 1), extra=np.zeros(2))
    with pytest.raises(ValueError, match="'extra'"):
        replay.add(extra)
    dtype = dict(row(0, 1), action=np.zeros(12, np.int32))
    with pytest.raises(ValueError, match="'action'"):
        replay.add(dtype)
    with pytest.raises(ValueError, match="'is_last'"):
        replay.add({k: v for k, v in row(0, 1).items() if k != 'is_last'})
    assert len(replay) == 1
    replay.add(row(0, 1, last=True))
    check_windows(replay.sample(3))


def test_no_pickle(tmp_path, monkeypatch):
    writer = Replay(tmp_path, capacity=100, length=2, chunk=4)
    add_episode(writer, 0, 10)
    calls = []
    original = np.load

    def load(*args, **kwargs):
        calls.append(kwargs.get('allow_pickle'))
        return original(*args, **kwargs)

    monkeypatch.setattr(np, 'load', load)
    reader = Replay(tmp_path, capacity=100, length=2)
    add_episode(writer, 1, 10)
    reader.update()
    assert len(reader) == 20 and calls and all(c is False for c in calls)


def test_thread_adds_while_another_samples(tmp_path):
    replay = Replay(tmp_path, capacity=500, length=16, chunk=32)
    add_episode(replay, 0, 20, image=True)
    errors = []

    def actor():
        try:
            for ep in range(1, 31):
                add_episode(replay, ep, 100, image=True)
        except Exception as e:  # reported below
            errors.append(e)

    thread = threading.Thread(target=actor)
    thread.start()
    count = 0
    while thread.is_alive() or count < 5:
        batch = replay.sample(8)
        check_windows(batch)
        assert (batch['image'][..., 0, 0, 0] == batch['vector'][..., 1] % 256).all()
        count += 1
    thread.join()
    assert not errors and count >= 5 and len(replay) <= 500


WRITER = """
import sys, time
import numpy as np
from daydreamer.replay import Replay
replay = Replay(sys.argv[1], capacity=10000, length=4, chunk=8, load=False)
for ep in range(20):
    for t in range(30):
        replay.add({'vector': np.array([ep, t] + [0.5] * 14), 'action': np.zeros(12), 'reward': 0.0,
                    'is_first': t == 0, 'is_last': t == 29, 'is_terminal': False})
        time.sleep(0.002)
"""


def test_writer_process_and_reader_process(tmp_path):
    reader = Replay(tmp_path, capacity=10000, length=4)
    proc = subprocess.Popen([sys.executable, '-c', WRITER, str(tmp_path)])
    deadline, samples = time.time() + 60, 0
    try:
        while len(reader) < 600 and time.time() < deadline:
            reader.update()
            if len(reader) >= 4:
                check_windows(reader.sample(16))
                samples += 1
            time.sleep(0.01)
    finally:
        assert proc.wait(timeout=60) == 0
    assert len(reader) == 600 and samples > 10
    assert reader.stats['replay_corrupt_files'] == 0 and reader.stats['replay_episodes'] == 20
    assert all(len(v) == 30 for v in held(reader).values())


def test_stats_and_constructor_checks(tmp_path):
    replay = Replay(tmp_path, capacity=100, length=4, chunk=4)
    add_episode(replay, 0, 10)
    assert replay.stats == {'replay_steps': 10, 'replay_episodes': 1, 'replay_loaded_files': 0,
                            'replay_written_files': 3, 'replay_corrupt_files': 0}
    with pytest.raises(ValueError):
        Replay(tmp_path, capacity=3, length=4)


def sparse_episode(replay, ep, n, rewards, worker=0, last=True):
    """Make an episode of n rows whose reward is 0 except at the rows in `rewards` (a set: 1 there, or a dict)."""
    for t in range(n):
        step = row(ep, t, last=last and t == n - 1)
        step['reward'] = (rewards.get(t, 0.0) if isinstance(rewards, dict) else float(t in rewards))
        replay.add(step, worker)


def test_reward_frac_draws_windows_around_sparse_rewards(tmp_path):
    rewards = {37, 420}
    uniform = Replay(tmp_path / 'uniform', capacity=10000, length=8, seed=3)
    sparse_episode(uniform, 0, 1000, rewards)
    base = (uniform.sample(4000)['reward'] != 0).any(1).mean()
    assert base < 0.05  # uniform windows rarely show the two rewards
    replay = Replay(tmp_path / 'frac', capacity=10000, length=8, reward_frac=0.5, seed=3)
    sparse_episode(replay, 0, 1000, rewards)
    batch = replay.sample(4000)
    check_windows(batch)
    hit = (batch['reward'] != 0).any(1)
    assert abs(hit.mean() - (0.5 + 0.5 * base)) < 0.04
    # the reward sits anywhere in its window, uniformly: each of the 8 positions holds about 1/8 of them
    position = np.argmax(batch['reward'][hit] != 0, axis=1)
    assert np.bincount(position, minlength=8).min() > hit.sum() / 8 * 0.7
    starts = batch['vector'][hit, 0, 1].astype(int)
    assert set(starts) <= set(range(30, 38)) | set(range(413, 421))


def test_reward_frac_weights_rewards_by_size(tmp_path):
    # a +10 placement, 9 grasps (+1) and 9 drops (-1); NaN and inf rewards are not indexed
    rewards = {10 * k: 1.0 for k in range(1, 10)}
    rewards.update({10 * k + 5: -1.0 for k in range(1, 10)})
    rewards.update({300: 10.0, 400: np.nan, 500: np.inf})
    replay = Replay(tmp_path, capacity=10000, length=4, reward_frac=1.0, prio_ends=0.0, seed=7)
    sparse_episode(replay, 0, 600, rewards)
    batch = replay.sample(6000)
    check_windows(batch)
    reward = np.nan_to_num(batch['reward'], posinf=0)
    assert (reward != 0).any(1).all()
    placements = (reward == 10).any(1).mean()
    assert abs(placements - 10 / 28) < 0.03  # |reward|-weighted: 10 of 10 + 9 + 9
    assert abs((reward == -1).any(1).mean() - 9 / 28) < 0.03


def test_reward_frac_windows_stay_in_bounds_and_forget_evicted_rewards(tmp_path):
    replay = Replay(tmp_path, capacity=100, length=8, chunk=16, reward_frac=1.0, seed=4)
    sparse_episode(replay, 0, 60, {0, 59})   # rewards at both ends of an episode that gets evicted
    sparse_episode(replay, 1, 60, {2, 58})
    sparse_episode(replay, 2, 30, {29})
    eps, starts = check_windows(replay.sample(2000))
    assert set(eps) == {1, 2}
    assert set(starts[eps == 1]) == set(range(0, 3)) | set(range(51, 53))
    assert set(starts[eps == 2]) == {22}
    assert all(e[0].alive for e in replay._events)  # the evicted episode's rewards were dropped when drawn
    sparse_episode(replay, 3, 5, {1}, last=False)  # too short to sample: its reward waits
    assert set(check_windows(replay.sample(500))[0]) <= {1, 2}
    no_rewards = Replay(tmp_path / 'none', capacity=100, length=8, reward_frac=1.0)
    sparse_episode(no_rewards, 0, 20, set())
    check_windows(no_rewards.sample(50))  # falls back to uniform windows
    with pytest.raises(ValueError, match='reward_frac'):
        Replay(tmp_path / 'bad', capacity=100, length=8, reward_frac=1.5)


def test_reward_frac_finds_rewards_after_reload_and_growth(tmp_path):
    writer = Replay(tmp_path, capacity=10000, length=8, chunk=16)
    sparse_episode(writer, 0, 500, {100, 333})  # the arrays grow (and compact) while the episode is written
    sparse_episode(writer, 1, 50, {10}, last=False)
    writer.flush()
    reader = Replay(tmp_path, capacity=10000, length=8, reward_frac=1.0, seed=5)
    batch = reader.sample(1000)
    eps, starts = check_windows(batch)
    assert (batch['reward'] != 0).any(1).all()
    assert set(zip(eps, starts)) <= {(0, s) for s in range(93, 101)} | {(0, s) for s in range(326, 334)} | \
        {(1, s) for s in range(3, 11)}
    trimmed = Replay(tmp_path / 'trim', capacity=200, length=8, reward_frac=1.0, seed=6)
    sparse_episode(trimmed, 0, 1000, {100, 900}, last=False)  # one endless episode: its start is trimmed
    eps, starts = check_windows(trimmed.sample(500))
    assert set(starts) == set(range(893, 901))


def test_reward_frac_comes_from_the_config(tmp_path):
    from daydreamer import loops
    from daydreamer.config import load_config
    config = load_config(['debug'], overrides={'replay': {'reward_frac': 0.25}})
    assert loops.make_replay(config, tmp_path).reward_frac == 0.25
    assert loops.make_replay(load_config(['debug']), tmp_path / 'default').reward_frac == 0.0
    with pytest.raises(ValueError, match='reward_frac must lie in'):
        loops.make_replay(load_config(['debug'], overrides={'replay': {'reward_frac': -0.1}}), tmp_path / 'bad')


def test_add_rows_stores_what_adding_row_by_row_stores(tmp_path):
    one, bulk = Replay(tmp_path / 'one', 1000, 4, chunk=8), Replay(tmp_path / 'bulk', 1000, 4, chunk=8)
    for ep, n in ((0, 20), (1, 5)):
        rows = [row(ep, t, last=t == n - 1) for t in range(n)]
        for r in rows:
            one.add(r, worker=3)
        for piece in (rows[:3], rows[3:17], rows[17:]):   # pieces across chunk boundaries
            if piece:
                bulk.add_rows({k: np.stack([np.asarray(r[k]) for r in piece]) for k in piece[0] if k != 'log_debug'},
                              worker=3)

    def episodes(directory):   # {episode: ([rows per chunk file], {key: rows})}, files in sequence order
        out = {}
        for name in sorted(files(directory), key=lambda f: f.split('-')[1:3]):
            with np.load(os.path.join(directory, name)) as data:
                chunk = {k: data[k] for k in data.files}
            sizes, rows = out.setdefault(int(chunk['vector'][0, 0]), ([], {}))
            sizes.append(len(chunk['vector']))
            for key, value in chunk.items():
                rows[key] = np.concatenate([rows[key], value]) if key in rows else value
        return out
    expected, got = episodes(one.directory), episodes(bulk.directory)
    assert {ep: sizes for ep, (sizes, _) in expected.items()} == {ep: sizes for ep, (sizes, _) in got.items()} == {
        0: [8, 8, 4], 1: [5]}
    for ep, (_, rows) in expected.items():
        assert set(rows) == set(got[ep][1]) and all(np.array_equal(rows[k], got[ep][1][k]) for k in rows)
    assert len(one) == len(bulk) == 25 and held(one).keys() == held(bulk).keys()
    keys = ('vector', 'action', 'reward', 'is_first', 'is_last', 'is_terminal')
    with pytest.raises(ValueError, match='is_first only at the first row'):
        bulk.add_rows({k: np.stack([np.asarray(row(2, t)[k]) for t in (0, 0)]) for k in keys})

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
Weights blobs, the experience spool, acknowledged delivery, ActorCore and loops.Learner (all without ROS).

Acknowledged delivery is exchange.Outbox and exchange.Intake.
"""

import threading
import time

import numpy as np
import pytest
import torch

from daydreamer import exchange, loops
from daydreamer.config import load_config
from daydreamer.envs import make

TINY = {'task': 'a1_dummy', 'device': 'cpu', 'threads': 1, 'rssm.deter': 16, 'rssm.units': 16, 'rssm.stoch': 4,
        'rssm.classes': 4, 'batch_size': 2, 'replay_chunk': 8, 'replay.chunk': 8, 'run.train_fill': 16,
        'run.train_ratio': 16, 'imag_horizon': 3}


def tiny(robot='a1', **overrides):
    return load_config([robot, 'debug'], {**TINY, 'task': f'{robot}_dummy', **overrides})


def rows(robot, count, seed=0):
    """Rows as the actor sends them: a dummy episode with the action that led to each observation."""
    env = make(f'{robot}_dummy', seed=seed)
    space = env.act_space['action']
    out, action = [], np.zeros(space.shape, space.dtype)
    for _ in range(count):
        obs = env.step({'action': action, 'reset': False})
        out.append({**obs, 'action': np.zeros_like(action) if obs['is_first'] else action})
        action = space.sample(np.random.default_rng(len(out)))
    return out


# ------------------------------------------------------------------------------------------------ weights


def test_weights_round_trip_and_digest():
    state = {'a.weight': torch.randn(3, 4), 'b.bias': torch.arange(5, dtype=torch.float32)}
    data, digest = exchange.encode_weights(state)
    assert isinstance(data, bytes) and len(digest) == 64
    back = exchange.decode_weights(data, digest)
    assert set(back) == set(state) and all(torch.equal(back[k], state[k]) for k in state)
    assert data[8:9] == b'{'  # safetensors: an 8-byte length, then a JSON header (no pickle stream)


def test_corrupt_weights_raise_before_parsing():
    data, digest = exchange.encode_weights({'w': torch.ones(4)})
    flipped = bytearray(data)
    flipped[-1] ^= 0xFF
    with pytest.raises(exchange.BadWeights, match='sha256 mismatch'):
        exchange.decode_weights(bytes(flipped), digest)
    with pytest.raises(exchange.BadWeights, match='sha256 mismatch'):
        exchange.decode_weights(data, '')
    garbage = b'not safetensors at all'
    import hashlib
    with pytest.raises(exchange.BadWeights, match='not a safetensors blob'):
        exchange.decode_weights(garbage, hashlib.sha256(garbage).hexdigest())


# ------------------------------------------------------------------------------------------------ spool


def batch(start, n=4):
    return [{'x': np.float32(start + i), 'image': np.full((2, 2, 3), (start + i) % 256, np.uint8),
             'is_first': np.bool_(i == 0)} for i in range(n)]


def drain(spool):
    got = []
    while (item := spool.peek()) is not None:
        handle, batch_rows = item
        got += [int(r['x']) for r in batch_rows]
        spool.remove(handle)
    return got


def test_spool_is_fifo_and_survives_restart(tmp_path):
    spool = exchange.Spool(tmp_path, capacity=100)
    for start in (0, 4, 8):
        spool.put(batch(start))
    assert len(spool) == 12 and spool.batches == 3
    handle, first = spool.peek()
    assert [int(r['x']) for r in first] == [0, 1, 2, 3] and first[0]['image'].shape == (2, 2, 3)
    assert spool.peek()[0] == handle  # not removed until delivered
    spool = exchange.Spool(tmp_path, capacity=100)  # a restarted actor
    assert len(spool) == 12
    spool.put(batch(12))
    assert drain(spool) == list(range(16))
    assert len(spool) == 0 and not list(tmp_path.glob('*.npz'))


def test_spool_drops_oldest_beyond_capacity(tmp_path, caplog):
    spool = exchange.Spool(tmp_path, capacity=10)
    for start in (0, 4, 8, 12):
        spool.put(batch(start))
    assert len(spool) == 8 and spool.dropped == 8
    assert 'spool' in caplog.text and 'dropped the oldest batch of 4 rows' in caplog.text
    assert drain(spool) == list(range(8, 16))


def test_spool_skips_truncated_file(tmp_path, caplog):
    spool = exchange.Spool(tmp_path, capacity=100)
    for start in (0, 4, 8):
        spool.put(batch(start))
    victim = sorted(tmp_path.glob('*.npz'))[1]
    victim.write_bytes(victim.read_bytes()[:50])
    (tmp_path / '.000000000099-4.npz.tmp').write_bytes(b'half written')
    spool = exchange.Spool(tmp_path, capacity=100)
    assert not list(tmp_path.glob('.*.tmp'))
    assert drain(spool) == [0, 1, 2, 3, 8, 9, 10, 11]
    assert spool.corrupt == 1 and 'skipping unreadable batch' in caplog.text
    assert list(tmp_path.glob('*.corrupt'))


def test_spool_from_threads(tmp_path):
    spool = exchange.Spool(tmp_path, capacity=10 ** 6)
    threads = [threading.Thread(target=lambda s=s: [spool.put(batch(s * 100 + 4 * i)) for i in range(10)])
               for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(drain(spool)) == sorted(s * 100 + i for s in range(4) for i in range(40))


def test_intake_stores_each_batch_once_in_order():
    intake = exchange.Intake()
    assert intake.check('/a', 's1', 3, first_unacknowledged=3) == 'store'  # a stream starts where the actor is
    intake.stored('/a', 's1', 3)
    assert intake.check('/a', 's1', 3, 3) == 'duplicate'
    assert intake.check('/a', 's1', 5, 4) == 'early'  # 4 is missing: dropped, the actor resends from 4
    assert intake.acks() == [('/a', 's1', 4)]
    assert intake.check('/a', 's1', 4, 4) == 'store'
    intake.stored('/a', 's1', 4)
    assert intake.check('/a', 's1', 9, 9) == 'store' and intake.skipped == 4  # the actor's spool dropped 5..8
    intake.stored('/a', 's1', 9)
    assert intake.check('/a', 's2', 0, 0) == 'store'  # the actor restarted: a new stream
    intake.stored('/a', 's2', 0)
    assert intake.check('/a', 's1', 9, 9) == 'duplicate'  # a late batch of its previous run
    restarted = exchange.Intake(intake.state())  # the learner restarted
    assert restarted.acks() == intake.acks() == [('/a', 's1', 10), ('/a', 's2', 1)]
    assert restarted.check('/a', 's2', 0, 0) == 'duplicate' and restarted.check('/b', 'x', 0, 0) == 'store'


class Clock:

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def numbered(start, count=4):
    return [{'x': np.float32(start + i)} for i in range(count)]


def test_outbox_keeps_batches_until_acknowledged_then_spools_and_resends(tmp_path):
    clock = Clock()
    outbox = exchange.Outbox(exchange.Spool(tmp_path, 10_000), memory_rows=8, resend_after=3.0, window=2,
                             clock=clock)
    for i in range(4):
        outbox.put(numbered(4 * i))
    outbox.spill()  # 16 rows in memory, at most 8 kept there: the two oldest batches go to disk
    assert len(outbox.spool) == 8 and len(outbox) == 16
    sent = outbox.due()
    assert [s for s, _ in sent] == [0, 1] and [float(r['x']) for r in sent[0][1]] == [0, 1, 2, 3]
    assert outbox.due() == []  # window of 2 in flight
    assert outbox.acknowledge(outbox.stream, 1) == 4 and outbox.acknowledge('another stream', 4) == 0
    assert len(outbox.spool) == 4 and [s for s, _ in outbox.due()] == [2]
    clock.now = 3.5  # no acknowledgement in time: back to the oldest, one batch at a time until one comes
    assert [s for s, _ in outbox.due()] == [1] and outbox.due() == [] and outbox.resent_batches == 2
    outbox.acknowledge(outbox.stream, 2)
    assert [s for s, _ in outbox.due()] == [2, 3]
    assert outbox.first_unacknowledged == 2 and outbox.acknowledged_rows == 8


def test_outbox_close_spools_the_rest_for_the_next_run(tmp_path):
    outbox = exchange.Outbox(exchange.Spool(tmp_path, 10_000), memory_rows=100)
    for i in range(3):
        outbox.put(numbered(4 * i))
    outbox.due()
    outbox.acknowledge(outbox.stream, 1)
    outbox.close()
    again = exchange.Outbox(exchange.Spool(tmp_path, 10_000))
    assert again.stream == outbox.stream and len(again) == 8  # the same stream: stored batches stay duplicates
    assert [(s, [float(r['x']) for r in rows]) for s, rows in again.due()] == [(1, [4, 5, 6, 7]), (2, [8, 9, 10, 11])]
    assert again.put(numbered(12)) == 3
    (tmp_path / 'outbox.json').unlink(missing_ok=True)  # read once: a crash after this start leaves none
    crashed = exchange.Outbox(exchange.Spool(tmp_path, 10_000))
    assert crashed.stream != outbox.stream and [s for s, _ in crashed.due()] == [0, 1]


def test_outbox_counts_batches_a_full_spool_dropped(tmp_path):
    outbox = exchange.Outbox(exchange.Spool(tmp_path, 8), memory_rows=0)
    for i in range(4):
        outbox.put(numbered(4 * i))
    outbox.spill()
    assert [s for s, _ in outbox.due(limit=4)] == [2, 3] and outbox.lost_rows == 8
    assert outbox.first_unacknowledged == 2


def test_delivery_over_a_lossy_channel_with_restarts_stores_every_row_once(tmp_path):
    """
    Actor and learner over a lossy channel, both restarting, deliver every row exactly once.

    The channel drops, duplicates and reorders messages; the learner restarts (from its saved state) and so does the
    actor (from its spool): the learner ends with every row exactly once and each stream in order.
    """
    rng = np.random.default_rng(0)
    clock = Clock()
    spool = tmp_path / 'spool'
    outbox = exchange.Outbox(exchange.Spool(spool, 10_000), memory_rows=12, resend_after=1.0, window=8, clock=clock)
    intake, stored, saved = exchange.Intake(), [], []
    recorder = []  # another subscriber on the topic: it sees batches but never acknowledges
    wire, acks, produced = [], [], 0
    for tick in range(1000):
        clock.now = tick * 0.1
        if tick < 500 and tick % 2 == 0:
            outbox.put(numbered(produced, 3))
            produced += 3
        outbox.spill()
        for sequence, rows in outbox.due():
            message = (outbox.stream, sequence, outbox.first_unacknowledged, rows)
            recorder.append(message)
            if rng.random() > 0.2:  # 20 % lost
                wire.append(message)
            if rng.random() < 0.1:
                wire.append(message)  # duplicated
        rng.shuffle(wire[-3:])  # reordered a little
        learner_up = not 150 <= tick < 250  # the learner is down for 10 s
        if tick == 150:
            saved, wire = intake.state(), []  # its state as last saved; what was on the wire is lost
        if tick == 250:
            intake = exchange.Intake(saved)
        if tick == 300:  # the actor restarts: unacknowledged batches come back in a new stream
            outbox.close()
            outbox = exchange.Outbox(exchange.Spool(spool, 10_000), memory_rows=12, resend_after=1.0, window=8,
                                     clock=clock)
            wire, acks = [], []
        if learner_up:
            for stream, sequence, first, rows in wire:
                verdict = intake.check('/actor', stream, sequence, first)
                if verdict == 'store':
                    stored.extend(float(r['x']) for r in rows)
                    intake.stored('/actor', stream, sequence)
                if verdict != 'duplicate':  # stored, or early: the learner says what it wants next
                    acks.append(intake.acks('/actor'))
            wire = []
        for ack in acks:
            if rng.random() > 0.2:
                for _, stream, next_sequence in ack:
                    outbox.acknowledge(stream, next_sequence)
        acks = []
        if learner_up and tick % 10 == 0:
            acks.append(intake.acks('/actor'))  # the periodic re-acknowledgement
    assert len(outbox) == 0, 'everything was acknowledged in the end'
    assert sorted(stored) == [float(x) for x in range(produced)], 'every row exactly once'
    assert outbox.resent_batches > 0 and len(recorder) > produced // 3


# ------------------------------------------------------------------------------------------------ actor


@pytest.fixture(scope='module')
def a1_spaces():
    return exchange.spaces(tiny())


def test_actor_acts_randomly_until_weights_then_swaps(a1_spaces):
    config = tiny()
    actor = exchange.ActorCore(config, *a1_spaces, seed=0)
    learner = exchange.ActorCore(config, *a1_spaces, seed=1)  # a source of real weights
    try:
        obs = rows('a1', 1)[0]
        action = actor.act(obs)
        assert actor.version == 0 and action.shape == (12,) and action.dtype == np.float32
        data, digest = exchange.encode_weights(learner._agent.policy_state())
        done = []
        actor.load_weights(data, digest, 7, on_done=lambda v, e: done.append((v, e)))
        assert actor.wait_loaded(30)
        assert done == [(7, None)] and actor.version == 7
        for key, value in actor._agent.policy_state().items():
            assert torch.equal(value, learner._agent.policy_state()[key])
        action = actor.act(obs)
        assert action.shape == (12,) and np.all(np.abs(action) <= 1)
    finally:
        actor.close()
        learner.close()


def test_actor_keeps_old_weights_on_corrupt_blob(a1_spaces):
    actor = exchange.ActorCore(tiny(), *a1_spaces)
    try:
        data, digest = exchange.encode_weights(actor._agent.policy_state())
        actor.load_weights(data, digest, 3)
        actor.wait_loaded(30)
        before = {k: v.clone() for k, v in actor._agent.policy_state().items()}
        errors = []
        actor.load_weights(data[:-10], digest, 4, on_done=lambda v, e: errors.append((v, e)))
        actor.wait_loaded(30)
        assert actor.version == 3 and actor.load_errors == 1
        assert errors[0][0] == 4 and isinstance(errors[0][1], exchange.BadWeights)
        assert all(torch.equal(before[k], v) for k, v in actor._agent.policy_state().items())
        assert actor.act(rows('a1', 1)[0]).shape == (12,)
    finally:
        actor.close()


def test_actor_never_waits_for_a_load(a1_spaces):
    """Acting continues at full speed while weights load in the background, then uses the new ones."""
    actor = exchange.ActorCore(tiny(), *a1_spaces)
    try:
        data, digest = exchange.encode_weights(actor._agent.policy_state())
        actor.load_weights(data, digest, 1)
        actor.wait_loaded(30)
        obs_rows = rows('a1', 60)
        release = threading.Event()
        real = exchange.decode_weights

        def slow_decode(*args, **kwargs):
            release.wait(10)  # a load that takes "forever"
            return real(*args, **kwargs)

        exchange.decode_weights = slow_decode
        try:
            actor.load_weights(data, digest, 2)
            worst = 0.0
            for obs in obs_rows:
                start = time.perf_counter()
                actor.act(obs)
                worst = max(worst, time.perf_counter() - start)
            assert actor.version == 1 and worst < 0.5
            release.set()
            assert actor.wait_loaded(30) and actor.version == 2
        finally:
            exchange.decode_weights = real
            release.set()
    finally:
        actor.close()


def test_actor_modes_and_discrete_actions():
    config = tiny('ur5')
    actor = exchange.ActorCore(config, *exchange.spaces(config))
    try:
        obs = rows('ur5', 1)[0]
        action = actor.act(obs)
        assert action.dtype == np.int64 and action.shape == () and 0 <= action < 6
        data, digest = exchange.encode_weights(actor._agent.policy_state())
        actor.load_weights(data, digest, 1)
        actor.wait_loaded(30)
        assert actor.set_mode('eval') == 'explore'
        assert 0 <= actor.act(obs) < 6
        actor.set_mode('hold')
        assert actor.act(obs) is None
        with pytest.raises(ValueError, match="unknown actor mode 'fast'"):
            actor.set_mode('fast')
    finally:
        actor.close()


# ------------------------------------------------------------------------------------------------ learner


def test_learner_trains_at_the_ratio_exports_and_resumes(tmp_path):
    config = tiny()
    core = loops.Learner(config, tmp_path).start()
    try:
        version, data, digest = core.export()
        assert version == 0 and exchange.decode_weights(data, digest)
        core.add_rows(rows('a1', 10), worker='/actor')
        time.sleep(0.3)
        assert core.counters['updates'] == 0  # still filling
        core.add_rows(rows('a1', 40, seed=1), worker='/actor')
        due = core.due()
        assert due > 0
        deadline = time.monotonic() + 60
        while core.counters['updates'] < due and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        assert core.counters['updates'] == due  # exactly what the ratio asks for, no more
        metrics = core.metrics()
        assert 'model_loss' in metrics and metrics['step'] == 50 and metrics['replay_steps'] == 50
        assert core.export()[0] == due
        assert core.set_paused(True) is False
        core.add_rows(rows('a1', 40, seed=2), worker='/actor')
        time.sleep(0.5)
        assert core.counters['updates'] == due and core.counters['step'] == 90  # stored, not trained
        assert core.set_paused(False) is True
        deadline = time.monotonic() + 60
        while core.counters['updates'] < core.due() and time.monotonic() < deadline:
            time.sleep(0.05)
        updates = core.counters['updates']
        assert updates == core.due() > due
        path = core.save()
        assert path.exists()
    finally:
        core.close(save=True)
    assert core.failure is None
    again = loops.Learner(config, tmp_path)
    try:
        assert again.counters['updates'] == updates and again.counters['step'] == 90
        assert again.export()[0] == updates and len(again.replay) == 90
    finally:
        again.close(save=False)


def test_learner_report_image(tmp_path):
    config = tiny('sphero')
    core = loops.Learner(config, tmp_path)
    try:
        assert core.report_image() is None  # nothing to show yet
        core.add_rows(rows('sphero', 20))
        image = core.report_image(samples=2, frames=4)
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[-1] == 3
        assert image.shape[0] == 2 * 3 * 64 and image.shape[1] == 4 * 64
    finally:
        core.close(save=False)

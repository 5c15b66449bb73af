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
How experience and weights move between an actor and a learner, without ROS.

These are the pieces the ROS actor and learner nodes (and any other transport) are built from.

- `encode_weights` / `decode_weights`: acting weights as one safetensors blob with its sha256; no pickle.
- `Spool`: a bounded on-disk FIFO of experience batches (plain .npz files).
- `Outbox` and `Intake`: acknowledged experience delivery, the actor's and the learner's side: nothing the
  actor recorded is forgotten before the learner has stored it, and nothing is stored twice.
- `ActorCore`: the policy at the control rate, with weight swaps that never stall acting.
(The learner half, replay plus a training thread, is `loops.Learner`, shared with `daydreamer train`.)
"""

import hashlib
import json
import logging
import os
from pathlib import Path
import re
import threading
import time
import uuid

import numpy as np

from . import envs
from .runtime import make_policy, preload, runtime_name

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------------ weights


class BadWeights(ValueError):
    """A weights blob that cannot be trusted (digest mismatch, not safetensors, wrong tensors)."""


def encode_weights(state_dict):
    """(safetensors bytes, sha256 hex) of a flat {name: tensor} dict."""
    import safetensors.torch
    tensors = {k: v.detach().cpu().contiguous() for k, v in state_dict.items()}
    data = safetensors.torch.save(tensors)
    return data, hashlib.sha256(data).hexdigest()


def decode_weights(data, sha256, device='cpu'):
    """
    Return the {name: tensor} dict of a blob from encode_weights.

    Raise BadWeights when the digest does not match (checked before parsing anything) or the blob is not safetensors.
    """
    import safetensors.torch
    data = bytes(data)
    actual = hashlib.sha256(data).hexdigest()
    if actual != str(sha256).lower():
        raise BadWeights(f'sha256 mismatch: {len(data)} bytes hash to {actual[:16]}..., expected '
                         f'{str(sha256)[:16] or "(empty)"}...')
    try:
        tensors = safetensors.torch.load(data)
    except Exception as e:  # safetensors raises its own error types
        raise BadWeights(f'not a safetensors blob ({type(e).__name__}: {e})') from e
    return {k: v.to(device) for k, v in tensors.items()}


# ------------------------------------------------------------------------------------------------ spool


class Spool:
    """
    Experience batches on disk, oldest first, at most `capacity` rows.

    The oldest files are dropped with a warning. Files are `<seq:012d>-<rows>.npz` (np.savez, never pickled), written
    under a dot-name and renamed, so a crash leaves either a whole file or none; a truncated file (power loss) is
    skipped with a warning and renamed to `.corrupt`. The spool survives restarts: a new Spool on the same directory
    continues after the newest file. Safe to use from several threads.
    """

    _NAME = re.compile(r'^(\d{12})-(\d+)\.npz$')

    def __init__(self, directory, capacity):
        self.directory, self.capacity = Path(directory).expanduser(), int(capacity)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.dropped = 0  # rows dropped for capacity since construction
        self.corrupt = 0  # files skipped as unreadable
        self._lock = threading.Lock()
        self._files = []  # [(seq, rows)] ascending
        for path in self.directory.iterdir():
            match = self._NAME.match(path.name)
            if match:
                self._files.append((int(match.group(1)), int(match.group(2))))
            elif path.name.startswith('.') and path.name.endswith('.tmp'):
                path.unlink(missing_ok=True)  # left by a crash mid-write
        self._files.sort()
        self._next = self._files[-1][0] + 1 if self._files else 0
        if self._files:
            log.info('spool %s: %d rows in %d files from a previous run', self.directory, len(self), len(self._files))

    def __len__(self):
        with self._lock:
            return sum(rows for _, rows in self._files)

    @property
    def batches(self):
        with self._lock:
            return len(self._files)

    def _path(self, seq, rows):
        return self.directory / f'{seq:012d}-{rows}.npz'

    def put(self, rows):
        """Append a batch (a list of row dicts with the same keys, numbers and bools only); return its handle."""
        if not rows:
            return None
        arrays = {k: np.stack([np.asarray(row[k]) for row in rows]) for k in rows[0]}
        with self._lock:
            seq, self._next = self._next, self._next + 1
        path = self._path(seq, len(rows))
        tmp = path.with_name(f'.{path.name}.tmp')
        with open(tmp, 'wb') as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
        with self._lock:
            self._files.append((seq, len(rows)))
            total = sum(n for _, n in self._files)
            while total > self.capacity and len(self._files) > 1:
                old, n = self._files.pop(0)
                self._path(old, n).unlink(missing_ok=True)
                total -= n
                self.dropped += n
                log.warning('spool %s is full (%d rows): dropped the oldest batch of %d rows (%d dropped so far)',
                            self.directory, self.capacity, n, self.dropped)
        return seq

    def handles(self):
        """[(handle, rows)] of the batches held, oldest first."""
        with self._lock:
            return list(self._files)

    def __contains__(self, handle):
        with self._lock:
            return any(seq == handle for seq, _ in self._files)

    def load(self, handle):
        """Return the rows of one batch, or None when it is gone or unreadable (then set aside as `.corrupt`)."""
        with self._lock:
            n = dict(self._files).get(handle)
        if n is None:
            return None
        path = self._path(handle, n)
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            if not arrays or any(len(v) != n for v in arrays.values()):
                raise ValueError(f'expected {n} rows per key')
        except FileNotFoundError:
            self._forget(handle)
            return None
        except Exception as e:  # truncated zip, bad header, ...: skip it, keep the rest
            self.corrupt += 1
            log.warning('spool %s: skipping unreadable batch %s (%s: %s)', self.directory, path.name,
                        type(e).__name__, e)
            try:
                os.replace(path, path.with_name(path.name + '.corrupt'))
            except OSError:
                pass
            self._forget(handle)
            return None
        return [{k: v[i] for k, v in arrays.items()} for i in range(n)]

    def peek(self):
        """
        Return (handle, rows) of the oldest readable batch, or None when empty.

        Call `remove(handle)` once the batch is safely delivered; until then it stays first in line.
        """
        while True:
            with self._lock:
                if not self._files:
                    return None
                handle = self._files[0][0]
            rows = self.load(handle)
            if rows is not None:
                return handle, rows

    def remove(self, handle):
        with self._lock:
            rows = dict(self._files).get(handle)
        if rows is not None:
            self._path(handle, rows).unlink(missing_ok=True)
            self._forget(handle)

    def _forget(self, seq):
        with self._lock:
            self._files = [f for f in self._files if f[0] != seq]


# ------------------------------------------------------------------------------------------------ delivery
#
# Acknowledged experience delivery. An actor numbers its batches within a stream (a new one at every actor
# start); the learner stores a stream's batches in order, exactly once, and acknowledges the next number it
# wants; the actor keeps every batch until an acknowledgement covers it and resends what is not acknowledged in
# time. Whether anybody else (a recorder, a probe) listens on the topic changes nothing: only the learner's
# acknowledgements let the actor forget rows.


def new_stream():
    """Return a stream name that no earlier run of any actor used: start time and randomness."""
    return f'{time.strftime("%Y%m%dT%H%M%S")}-{uuid.uuid4().hex[:12]}'


class Intake:
    """
    The learner's side: per (actor, stream), the next batch number to store.

    `check(actor, stream, sequence, first_unacknowledged)` says what to do with an arriving batch: 'store' it,
    or drop it as a 'duplicate' (stored before) or as 'early' (a batch before it is missing: the actor resends
    from the acknowledged number). A stream seen for the first time starts at the batch's
    `first_unacknowledged`, and so does a known one whose actor reports that it no longer holds the batches in
    between (its spool was full): `skipped` counts those batches. Call `stored(...)` once the batch's rows are
    in replay; `acks()` lists what to acknowledge. The newest `keep` streams of each actor are remembered (an
    actor starts a new stream at every start; a late batch of its previous run must still be recognised).
    `state()` and `Intake(state)` carry this across learner restarts (JSON-able), so resent batches stay
    duplicates.
    """

    def __init__(self, state=None, keep=4):
        self.keep, self.skipped = keep, 0
        self._next = {}  # (actor, stream) -> next sequence, oldest stream first
        self._lock = threading.Lock()
        for actor, stream, next_sequence in state or []:
            self._next[(str(actor), str(stream))] = int(next_sequence)

    def check(self, actor, stream, sequence, first_unacknowledged):
        key, sequence, first = (actor, stream), int(sequence), int(first_unacknowledged)
        with self._lock:
            expected = self._next.get(key)
            if expected is None:
                self._next[key] = expected = first
                streams = [k for k in self._next if k[0] == actor]
                for old in streams[:-self.keep]:
                    del self._next[old]
            elif first > expected:
                self.skipped += first - expected
                self._next[key] = expected = first
            if sequence < expected:
                return 'duplicate'
            return 'early' if sequence > expected else 'store'

    def stored(self, actor, stream, sequence):
        with self._lock:
            if self._next.get((actor, stream)) == int(sequence):
                self._next[(actor, stream)] += 1

    def acks(self, actor=None):
        """[(actor, stream, next sequence)] of every remembered stream (or of one actor's)."""
        with self._lock:
            return [(a, stream, n) for (a, stream), n in self._next.items() if actor in (None, a)]

    def state(self):
        return [list(ack) for ack in self.acks()]


class Outbox:
    """
    The actor's side: every batch is kept until the learner acknowledges it.

    A batch is kept in memory up to `memory_rows` rows and beyond that in the bounded on-disk `spool` (oldest batches
    first), and resent when no acknowledgement comes.

    `put(rows)` numbers a batch (cheap: safe to call in the control loop); `spill()` moves the oldest batches
    to disk while memory holds too many; `due()` gives the batches to publish now, in order: those never sent,
    at most `window` unacknowledged in flight, and after `resend_after` seconds without an acknowledgement of
    the oldest one everything again from the oldest (while no learner answers, one batch at a time probes for an
    answer).
    """

    def __init__(self, spool, memory_rows=1000, resend_after=3.0, window=64, stream=None, clock=time.monotonic):
        self.spool, self.memory_rows, self.resend_after, self.window = spool, memory_rows, resend_after, window
        self.stream = stream or new_stream()
        self._clock = clock
        self._lock = threading.Lock()
        self._pending = {}  # sequence -> [rows or None when spooled, spool handle or None, row count, sent at]
        self._memory = 0  # rows held in memory
        self._next = 0
        self._probing = False  # no acknowledgement lately: send only the oldest batch until one comes
        self.acknowledged_rows = self.lost_rows = self.resent_batches = 0
        self.last_ack = None  # clock time of the newest acknowledgement of this stream
        saved = self._restore()
        if saved and not stream:  # a clean stop: continue its stream, so a batch the learner stored but had
            self.stream, self._next = saved['stream'], int(saved['next'])  # not acknowledged stays a duplicate
        numbers = dict(saved['batches']) if saved else {}
        for handle, count in spool.handles():  # left by an earlier run: first in line
            sequence = numbers.get(handle)
            if sequence is None or sequence in self._pending:
                sequence, self._next = self._next, self._next + 1
            self._pending[sequence] = [None, handle, count, None]
            self._next = max(self._next, sequence + 1)

    @property
    def _state_path(self):
        return self.spool.directory / 'outbox.json'

    def _restore(self):
        """Return the stream a cleanly closed Outbox left in the spool directory (read once, then removed)."""
        path = self._state_path
        try:
            saved = json.loads(path.read_text())
            saved = {'stream': str(saved['stream']), 'next': int(saved['next']),
                     'batches': [(int(h), int(s)) for h, s in saved['batches']]}
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as e:
            log.warning('spool %s: ignoring unreadable %s (%s); its batches are sent in a new stream',
                        self.spool.directory, path.name, e)
            saved = None
        path.unlink(missing_ok=True)
        return saved

    @property
    def first_unacknowledged(self):
        with self._lock:
            return min(self._pending, default=self._next)

    def __len__(self):
        """Rows not acknowledged yet."""
        with self._lock:
            return sum(entry[2] for entry in self._pending.values())

    def put(self, rows):
        with self._lock:
            sequence, self._next = self._next, self._next + 1
            self._pending[sequence] = [list(rows), None, len(rows), None]
            self._memory += len(rows)
        return sequence

    def spill(self):
        """Move the oldest in-memory batches to the spool while memory holds more than `memory_rows` rows."""
        while True:
            with self._lock:
                if self._memory <= self.memory_rows:
                    return
                sequence = next(s for s, entry in sorted(self._pending.items()) if entry[0] is not None)
                rows = self._pending[sequence][0]
            handle = self.spool.put(rows)  # disk I/O outside the lock
            with self._lock:
                entry = self._pending.get(sequence)
                if entry is None:  # acknowledged meanwhile
                    self.spool.remove(handle)
                else:
                    entry[0], entry[1] = None, handle
                self._memory -= len(rows)

    def due(self, limit=16):
        """[(sequence, rows)] to publish now (marked as sent), oldest first."""
        now, out = self._clock(), []
        with self._lock:
            order = sorted(self._pending)
            if order:
                oldest = self._pending[order[0]]
                if oldest[3] is not None and now - oldest[3] > self.resend_after:
                    resend = [s for s in order if self._pending[s][3] is not None]
                    self.resent_batches += len(resend)
                    for s in resend:  # go back to the oldest unacknowledged batch
                        self._pending[s][3] = None
                    self._probing = True
            in_flight = sum(1 for s in order if self._pending[s][3] is not None)
            room = min(limit, (1 if self._probing else self.window) - in_flight)
            wanted = [s for s in order if self._pending[s][3] is None][:max(0, room)]
            batches = [(s, self._pending[s][0], self._pending[s][1]) for s in wanted]
        for sequence, rows, handle in batches:
            if rows is None:
                rows = self.spool.load(handle)
            with self._lock:
                entry = self._pending.get(sequence)
                if entry is None:
                    continue
                if rows is None:  # dropped by a full spool, or unreadable
                    self.lost_rows += entry[2]
                    del self._pending[sequence]
                    continue
                entry[3] = now
            out.append((sequence, rows))
        return out

    def acknowledge(self, stream, next_sequence):
        """Forgets the batches before `next_sequence` of `stream`; returns how many rows that released."""
        if stream != self.stream:
            return 0
        released, handles, now = 0, [], self._clock()
        with self._lock:
            for sequence in [s for s in self._pending if s < next_sequence]:
                rows, handle, count, _ = self._pending.pop(sequence)
                released += count
                if rows is not None:
                    self._memory -= count
                if handle is not None:
                    handles.append(handle)
            self.last_ack = now
            if released:
                self.acknowledged_rows += released
                self._probing = False
            else:
                # The learner repeats an acknowledgement while it holds later batches ('early'): the one it
                # wants was lost on the way. Go back to it at once rather than after `resend_after`.
                wanted = self._pending.get(next_sequence)
                later = [s for s, entry in self._pending.items() if s > next_sequence and entry[3] is not None]
                if wanted is not None and wanted[3] is not None and later \
                        and now - wanted[3] > self.resend_after / 4:
                    for s in [next_sequence] + later:
                        self._pending[s][3] = None
                    self.resent_batches += 1 + len(later)
        for handle in handles:
            self.spool.remove(handle)
        return released

    def in_flight(self):
        """Batches sent and not acknowledged yet."""
        with self._lock:
            return sum(1 for entry in self._pending.values() if entry[3] is not None)

    def close(self):
        """
        Spool the batches still in memory (not acknowledged), to be sent first by the next run.

        The next run continues this stream (their numbers are kept beside them in `outbox.json`).
        """
        with self._lock:
            self.memory_rows = 0
        self.spill()
        with self._lock:
            state = {'stream': self.stream, 'next': self._next,
                     'batches': [[entry[1], s] for s, entry in sorted(self._pending.items()) if entry[1] is not None]}
        tmp = self._state_path.with_name('.outbox.json.tmp')
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self._state_path)


# ------------------------------------------------------------------------------------------------ spaces


def spaces(config, task=''):
    """(obs_space, act_space) of the configured task (or `task`, e.g. 'a1_dummy' for the spaces only)."""
    if task:
        config = config.update(task=task)
    with envs.from_config(config) as env:
        return dict(env.obs_space), dict(env.act_space)


# ------------------------------------------------------------------------------------------------ actor


MODES = ('explore', 'eval', 'hold')


class ActorCore:
    """
    The policy for one robot: `act(obs)` -> action for a single observation.

    It keeps the recurrent state (reset at is_first). Random actions until the first weights arrive; `mode` 'explore'
    samples, 'eval' is greedy, 'hold' returns None (the robot holds). `load_weights` decodes and loads weights into a
    second agent in a background thread and swaps the two in one step, so acting never waits for a load.
    """

    def __init__(self, config, obs_space, act_space, device='cpu', seed=None):
        from .agent import Agent
        self.config, self.obs_space, self.act_space = config, obs_space, act_space
        self.space = act_space['action']
        self.mode = 'explore'
        self.version = 0  # weights version acting now; 0 = random
        self.load_errors = 0
        self._agents = [Agent(obs_space, act_space, config, device) for _ in range(2)]
        self._agent = self._agents[0]
        self._policy = self._agent  # what acts: the agent or its ONNX export (config.policy_runtime)
        preload(config.policy_runtime)
        self._state = None
        self._rng, self._seed = np.random.default_rng(seed), seed
        self._act_lock = threading.Lock()  # held while acting and while swapping agents
        self._pending = None  # newest (data, sha256, version, on_done) not yet loaded
        self._wake = threading.Condition()
        self._loading = False
        self._closed = False
        self._thread = threading.Thread(target=self._loader, name='weights-loader', daemon=True)
        self._thread.start()

    @property
    def runtime(self):
        """'onnx' or 'torch': what runs the policy step now."""
        return runtime_name(self._policy)

    def set_mode(self, mode):
        if mode not in MODES:
            raise ValueError(f"unknown actor mode '{mode}'; expected one of {', '.join(MODES)}")
        previous, self.mode = self.mode, mode
        return previous

    def act(self, obs):
        """Return the action for one checked observation (space dtypes, no batch axis); None in hold mode."""
        if self.mode == 'hold':
            self._state = None  # the episode is interrupted: start afresh on the next step
            return None
        with self._act_lock:
            if obs['is_first']:
                self._state = None
            if self.version == 0:
                return self.space.sample(self._rng)
            batch = {k: np.asarray(v)[None] for k, v in obs.items() if k in self.obs_space}
            action, self._state = self._policy.policy(batch, self._state, self.mode)
            return action[0]

    def load_weights(self, data, sha256, version, on_done=None):
        """
        Queue weights for loading; return at once.

        A newer call replaces a queued one. `on_done(version, error)` is called from the loader thread (error None on
        success; the old weights stay on error).
        """
        with self._wake:
            self._pending = (data, sha256, int(version), on_done)
            self._wake.notify_all()

    def wait_loaded(self, timeout=None):
        """Blocks until no load is queued or running (for tests and shutdown); True if idle."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._wake:
            while self._pending is not None or self._loading:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._wake.wait(left)
        return True

    def _loader(self):
        while True:
            with self._wake:
                while self._pending is None and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                (data, sha256, version, on_done), self._pending = self._pending, None
                self._loading = True
            error = None
            try:
                standby = self._agents[1] if self._agent is self._agents[0] else self._agents[0]
                standby.load_policy_state(decode_weights(data, sha256, standby.device))
                seed = None if self._seed is None else self._seed + version
                policy = make_policy(standby, self.config.policy_runtime, seed=seed)
                with self._act_lock:  # a pointer swap: acting waits at most for this, never for the load
                    self._agent, self._policy, self.version = standby, policy, version
            except Exception as e:
                self.load_errors += 1
                error = e
            with self._wake:
                self._loading = False
                self._wake.notify_all()
            if on_done is not None:
                on_done(version, error)

    def close(self):
        with self._wake:
            self._closed = True
            self._wake.notify_all()
        self._thread.join(timeout=5.0)

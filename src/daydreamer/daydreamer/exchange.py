"""How experience and weights move between an actor and a learner, without ROS: the pieces the ROS actor
and learner nodes (and any other transport) are built from.

- `encode_weights` / `decode_weights`: acting weights as one safetensors blob with its sha256; no pickle.
- `Spool`: a bounded on-disk FIFO of experience batches for when no learner listens (plain .npz files).
- `Sequences`: per-actor batch counters, so a receiver detects gaps, duplicates and restarts.
- `ActorCore`: the policy at the control rate, with weight swaps that never stall acting.
(The learner half, replay plus a training thread, is `loops.Learner`, shared with `daydreamer train`.)
"""

import hashlib
import logging
import os
import re
import threading
import time
from pathlib import Path

import numpy as np

from . import envs
from .runtime import make_policy, runtime_name

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
    """The {name: tensor} dict of a blob from encode_weights; BadWeights when the digest does not match
    (checked before parsing anything) or the blob is not safetensors."""
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
    """Experience batches on disk, oldest first, at most `capacity` rows (the oldest files are dropped with a
    warning). Files are `<seq:012d>-<rows>.npz` (np.savez, never pickled), written under a dot-name and
    renamed, so a crash leaves either a whole file or none; a truncated file (power loss) is skipped with a
    warning and renamed to `.corrupt`. The spool survives restarts: a new Spool on the same directory
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
        """Appends a batch: a list of row dicts with the same keys (numbers and bools only)."""
        if not rows:
            return
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

    def peek(self):
        """(handle, rows) of the oldest readable batch, or None when empty. Call `remove(handle)` once the
        batch is safely delivered; until then it stays first in line."""
        while True:
            with self._lock:
                if not self._files:
                    return None
                seq, n = self._files[0]
            path = self._path(seq, n)
            try:
                with np.load(path, allow_pickle=False) as data:
                    arrays = {k: data[k] for k in data.files}
                if any(len(v) != n for v in arrays.values()) or not arrays:
                    raise ValueError(f'expected {n} rows per key')
            except FileNotFoundError:
                self._forget(seq)
                continue
            except Exception as e:  # truncated zip, bad header, ...: skip it, keep the rest
                self.corrupt += 1
                log.warning('spool %s: skipping unreadable batch %s (%s: %s)', self.directory, path.name,
                            type(e).__name__, e)
                try:
                    os.replace(path, path.with_name(path.name + '.corrupt'))
                except OSError:
                    pass
                self._forget(seq)
                continue
            return seq, [{k: v[i] for k, v in arrays.items()} for i in range(n)]

    def remove(self, handle):
        with self._lock:
            rows = dict(self._files).get(handle)
        if rows is not None:
            self._path(handle, rows).unlink(missing_ok=True)
            self._forget(handle)

    def _forget(self, seq):
        with self._lock:
            self._files = [f for f in self._files if f[0] != seq]


# ------------------------------------------------------------------------------------------------ sequences


class Sequences:
    """Per-sender batch counters. `check(sender, seq, token)` returns (verdict, detail): 'ok', 'gap' (detail: how
    many batches are missing; the batch is still used), 'duplicate' (drop it) or 'restart' (the sender started
    again at 0; use it). `token` tells a restart from a repeated batch 0: anything that differs between sends,
    e.g. the send time stamp."""

    def __init__(self):
        self.expected, self.first = {}, {}

    def check(self, sender, seq, token=None):
        seq = int(seq)
        expected = self.expected.get(sender)
        if expected is None or seq == expected:
            verdict = ('ok', 0)
        elif seq > expected:
            verdict = ('gap', seq - expected)
        elif seq == 0 and (token is None or token != self.first.get(sender)):
            verdict = ('restart', expected)
        else:
            return 'duplicate', expected - seq
        if seq == 0:
            self.first[sender] = token
        self.expected[sender] = seq + 1
        return verdict


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
    """The policy for one robot: `act(obs)` -> action for a single observation, keeping the recurrent state
    (reset at is_first). Random actions until the first weights arrive; `mode` 'explore' samples, 'eval' is
    greedy, 'hold' returns None (the robot holds). `load_weights` decodes and loads weights into a second
    agent in a background thread and swaps the two in one step, so acting never waits for a load."""

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
        """The action for one checked observation (space dtypes, no batch axis); None in hold mode."""
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
        """Queues weights for loading; returns at once. A newer call replaces a queued one. `on_done(version,
        error)` is called from the loader thread (error None on success; the old weights stay on error)."""
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

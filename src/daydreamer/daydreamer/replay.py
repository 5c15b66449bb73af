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
Episode replay on disk, sampled as fixed-length windows (DayDreamer `FixedLength` + `CkptRAMStore`).

Rows are kept in memory per episode and written to `directory` in chunk files

    <UTC %Y%m%dT%H%M%S>-<episode uuid4 hex>-<seq:05d>-<nrows>.npz

(`np.savez_compressed`, arrays of shape (nrows, ...), never pickled). Each file is written under a temp name
starting with '.' and renamed into place, so a reader never sees a half-written file. One process can write
while another calls `update()` to pick up new files, and one thread can `add()` while another `sample()`s.
"""

import collections
import logging
import os
import re
import threading
import time
import uuid

import numpy as np

log = logging.getLogger(__name__)

_NAME = re.compile(r'^(\d{8}T\d{6})-([0-9a-f]{32})-(\d{5,})-(\d+)\.npz$')
_DTYPES = (np.dtype(bool), np.dtype(np.uint8), np.dtype(np.int64), np.dtype(np.float32))
_File = collections.namedtuple('_File', 'name stamp uuid seq nrows order')


def _convert(value, key):
    """Normalise dtypes as DayDreamer does: floats -> float32, ints -> int64 (uint8 kept), bools kept."""
    value = np.asarray(value)
    if value.dtype == bool or value.dtype == np.uint8:
        return value
    if np.issubdtype(value.dtype, np.floating):
        return value.astype(np.float32)
    if np.issubdtype(value.dtype, np.integer):
        return value.astype(np.int64)
    raise ValueError(f"Replay key '{key}': unsupported dtype {value.dtype} (numbers and bools only)")


def _mismatch(spec, arrays, rows=None):
    """
    Describe how `arrays` differ from `spec` {key: (shape, dtype)}, or None.

    With `rows`, arrays have a leading axis of that length (a chunk); without, they are one row.
    """
    for key, (shape, dtype) in spec.items():
        if key not in arrays:
            return f"key '{key}' is missing (expected shape {shape} dtype {dtype})"
    for key, value in arrays.items():
        if key not in spec:
            return f"key '{key}' is unexpected (expected keys {sorted(spec)})"
        got = value.shape if rows is None else value.shape[1:]
        if got != spec[key][0] or value.dtype != spec[key][1] or (rows is not None and len(value) != rows):
            what = f'shape {value.shape} dtype {value.dtype}'
            want = f'shape {spec[key][0]} dtype {spec[key][1]}' if rows is None else \
                f'shape {(rows,) + spec[key][0]} dtype {spec[key][1]}'
            return f"key '{key}' has {what}, expected {want}"
    return None


def read_episodes(directory):
    """
    Yield {key: rows} of each episode of a replay directory, in the order they were written, one at a time.

    For readers of whole replays (`daydreamer export`); unreadable chunk files are skipped with a warning, and an
    episode's rows stop at its first missing or unreadable chunk.
    """
    chunks = collections.defaultdict(list)
    for name in os.listdir(directory):
        match = _NAME.match(name)
        if match:
            stamp, uid, seq, _ = match.groups()
            chunks[uid].append((int(seq), stamp, name))
    for uid in sorted(chunks, key=lambda u: min(stamp for _, stamp, _ in chunks[u])):
        parts = []
        for expected, (seq, _, name) in enumerate(sorted(chunks[uid])):
            try:
                if seq != expected:
                    raise ValueError(f'chunk {expected} is missing')
                with np.load(os.path.join(directory, name), allow_pickle=False) as npz:
                    parts.append({k: npz[k] for k in npz.files})
            except Exception as e:   # truncated, bad zip, pickled objects, a gap
                log.warning('replay episode %s: stops before %s (%s: %s)', uid, name, type(e).__name__, e)
                break
        if parts and all(set(p) == set(parts[0]) for p in parts):
            yield {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


class _Episode:
    """
    Rows [lo, n) of one episode (or of a segment of it after a gap) in preallocated per-key arrays.

    Rows below `n` are never modified once written and growing allocates new arrays, so `sample()` can copy
    windows from a reference taken under the lock after releasing it.
    """

    def __init__(self, uid, spec, size=64):
        self.uuid = uid
        self.data = {k: np.empty((size,) + shape, dtype) for k, (shape, dtype) in spec.items()}
        self.lo = self.n = 0
        self.shift = 0         # rows dropped from the front of the arrays: row i is logical row i + shift
        self.seq = 0           # own episodes: next chunk to write; loaded ones: next chunk expected
        self.written = None    # own episodes: index of the first row not yet on disk
        self.alive = True      # False once evicted

    def __len__(self):
        return self.n - self.lo

    def reserve(self, count):
        if self.n + count <= len(self.data['is_first']):
            return
        # Compact while growing: drop trimmed rows, but keep rows that still have to be written to disk.
        keep = self.lo if self.written is None else min(self.lo, self.written)
        live = self.n - keep
        size = max(64, 2 * (live + count))
        data = {}
        for key, old in self.data.items():
            data[key] = np.empty((size,) + old.shape[1:], old.dtype)
            data[key][:live] = old[keep:self.n]
        self.data = data  # a new dict: samplers holding the old one keep valid rows
        self.lo, self.n, self.shift = self.lo - keep, self.n - keep, self.shift + keep
        if self.written is not None:
            self.written -= keep


class Replay:
    """
    Fixed-length window replay with FIFO capacity in rows, backed by chunk files in `directory`.

    capacity: rows held in memory (oldest episodes evicted first, at least one kept; a single episode longer
      than capacity is trimmed at its start). length: rows per sampled window. chunk: rows per file of an open
      episode. minlen: episodes shorter than max(length, minlen) are stored but not sampled. prio_starts,
      prio_ends: start draws range over [-prio_starts*length, L - length + prio_ends*length] (L rows), clipped
      to valid starts; 0/1 is DayDreamer's end weighting. reward_frac: the expected fraction of each batch's
      windows drawn to contain a step with nonzero reward, chosen among the held ones with probability
      proportional to |reward| (the rest are drawn as above): for sparse rewards that uniform windows rarely
      show, such as the arms' +10 placements; 0 is DayDreamer's sampling. load: reload the newest files up
      to capacity.
    """

    def __init__(self, directory, capacity, length, chunk=64, minlen=0, prio_starts=0.0, prio_ends=1.0,
                 reward_frac=0.0, seed=0, load=True):
        if length < 1 or chunk < 1:
            raise ValueError(f'Replay needs length >= 1 and chunk >= 1, got {length} and {chunk}')
        if capacity < max(length, minlen):
            raise ValueError(f'Replay capacity {capacity} < max(length, minlen) = {max(length, minlen)}')
        self.directory = str(directory)
        self.capacity, self.length, self.chunk = int(capacity), int(length), int(chunk)
        self.minlen, self.prio_starts, self.prio_ends = int(minlen), float(prio_starts), float(prio_ends)
        if not 0.0 <= reward_frac <= 1.0:
            raise ValueError(f'Replay reward_frac must lie in [0, 1], got {reward_frac}')
        self.reward_frac = float(reward_frac)
        self._need = max(self.length, self.minlen)
        self._rng = np.random.default_rng(seed)
        self._lock = threading.Lock()          # guards everything in memory; held only briefly
        self._scan_lock = threading.Lock()     # serialises update() calls
        self._spec = None                      # {key: (shape, dtype)} shared by all episodes
        self._eps = collections.OrderedDict()  # episodes in insertion order (an ordered set)
        self._eligible, self._index = [], {}   # episodes long enough to sample, and their positions
        self._open = {}                        # worker -> own episode being added
        self._events = []                      # (episode, logical row, |reward|) of nonzero rewards (pruned lazily)
        self._events_max = 0.0                 # largest |reward| ever in _events
        self._tail = {}                        # uuid -> loaded episode that the next chunk file extends
        self._seen, self._deferred, self._ignored = set(), set(), set()
        self._steps = 0
        self._counts = collections.Counter()
        os.makedirs(self.directory, exist_ok=True)
        if load:
            self._ingest(defer=False)

    # ----------------------------------------------------------------------------------------------- public

    def __len__(self):
        return self._steps

    def ready(self):
        """Whether some episode is long enough to sample a window from."""
        with self._lock:
            return bool(self._eligible)

    @property
    def stats(self):
        with self._lock:
            counts = self._counts
            return {'replay_steps': self._steps, 'replay_episodes': len(self._eps),
                    'replay_loaded_files': counts['loaded'], 'replay_written_files': counts['written'],
                    'replay_corrupt_files': counts['corrupt']}

    def add(self, step, worker=0):
        """Append one row for `worker`. is_first starts a new episode, is_last ends it."""
        row = {k: _convert(v, k) for k, v in step.items() if not k.startswith('log_')}
        for key in ('is_first', 'is_last'):
            if key not in row or row[key].shape != ():
                raise ValueError(f"Replay row needs a scalar '{key}'")
        jobs = []
        with self._lock:
            error = self._spec and _mismatch(self._spec, row)
            if error:
                raise ValueError(f'Replay row (worker {worker}): {error}; all episodes in {self.directory} '
                                 f'share the layout of the first row')
            if self._spec is None:
                self._spec = {k: (v.shape, v.dtype) for k, v in row.items()}
            ep = self._open.get(worker)
            if ep is None or row['is_first']:
                if ep is not None:  # the previous episode ended without is_last: save what it has
                    jobs.append(self._job(ep))
                ep = self._open[worker] = _Episode(uuid.uuid4().hex, self._spec)
                ep.written = 0
                self._eps[ep] = None
            ep.reserve(1)
            for key, value in row.items():
                ep.data[key][ep.n] = value
            if 'reward' in row and row['reward'] != 0:
                self._add_events(ep, [0], row['reward'].reshape(1))
            ep.n += 1
            self._steps += 1
            self._refresh(ep)
            if row['is_last']:
                del self._open[worker]
            if row['is_last'] or ep.n - ep.written >= self.chunk:
                jobs.append(self._job(ep))
            self._evict()
        for job in jobs:  # compress and write outside the lock
            self._write(job)

    def add_rows(self, rows, worker=0):
        """
        Append consecutive rows of one episode for `worker` at once: {key: array (n, ...)}, as n `add`s would.

        Only the first row may be is_first and only the last is_last. For bulk writers (bag import), where `add`'s
        per-row checks would cost more than the rest of their work; chunk files get `chunk` rows as with `add`.
        """
        rows = {k: _convert(v, k) for k, v in rows.items() if not k.startswith('log_')}
        count = len(rows['is_first']) if 'is_first' in rows else 0
        if not count or 'is_last' not in rows or any(len(v) != count for v in rows.values()):
            raise ValueError("Replay.add_rows needs columns of one length with 'is_first' and 'is_last'")
        if rows['is_first'][1:].any() or rows['is_last'][:-1].any():
            raise ValueError('Replay.add_rows: is_first only at the first row, is_last only at the last')
        jobs = []
        with self._lock:
            if self._spec is None:
                self._spec = {k: (v.shape[1:], v.dtype) for k, v in rows.items()}
            error = _mismatch(self._spec, rows, count)
            if error:
                raise ValueError(f'Replay rows (worker {worker}): {error}; all episodes in {self.directory} '
                                 f'share the layout of the first row')
            start = 0
            while start < count:
                ep = self._open.get(worker)
                if ep is None or (start == 0 and rows['is_first'][0]):
                    if ep is not None:
                        jobs.append(self._job(ep))
                    ep = self._open[worker] = _Episode(uuid.uuid4().hex, self._spec)
                    ep.written = 0
                    self._eps[ep] = None
                stop = min(count, start + self.chunk - (ep.n - ep.written))   # up to the next chunk boundary
                ep.reserve(stop - start)
                for key, value in rows.items():
                    ep.data[key][ep.n:ep.n + stop - start] = value[start:stop]
                if 'reward' in rows:
                    rewards = rows['reward'][start:stop]
                    self._add_events(ep, np.flatnonzero(rewards), rewards)
                ep.n += stop - start
                self._steps += stop - start
                self._refresh(ep)
                last = stop == count and bool(rows['is_last'][-1])
                if last:
                    del self._open[worker]
                if last or ep.n - ep.written >= self.chunk:
                    jobs.append(self._job(ep))
                self._evict()
                start = stop
        for job in jobs:
            self._write(job)

    def flush(self):
        """Write the unwritten rows of open episodes as (short) chunk files; the episodes stay open."""
        with self._lock:
            jobs = [self._job(ep) for ep in self._open.values()]
        for job in jobs:
            self._write(job)

    def update(self):
        """Load chunk files that appeared in the directory since the last scan. Returns rows added."""
        return self._ingest(defer=True)

    def sample(self, batch):
        """
        Sample a dict {key: array (batch, length, ...)} of windows from uniformly chosen episodes.

        With reward_frac, part of the windows are around nonzero rewards, drawn in proportion to |reward|.
        """
        length = self.length
        with self._lock:
            if not self._eligible:
                raise RuntimeError(f'Replay has no episode with at least {self._need} rows yet '
                                   f'({self._steps} rows in {len(self._eps)} episodes)')
            picks = self._reward_windows(self._rng.binomial(batch, self.reward_frac)) if self.reward_frac else []
            eps = [self._eligible[i] for i in self._rng.integers(len(self._eligible), size=batch - len(picks))]
            totals = np.array([len(ep) for ep in eps], np.int64)
            starts = self._rng.integers(-int(length * self.prio_starts),
                                        totals - length + int(length * self.prio_ends) + 1)
            starts = np.clip(starts, 0, totals - length)
            picks += [(ep.data, ep.lo + int(start)) for ep, start in zip(eps, starts)]
            spec = self._spec
        # Copy outside the lock: these rows are immutable, and ep.data is replaced (not changed) on growth.
        out = {k: np.empty((batch, length) + shape, dtype) for k, (shape, dtype) in spec.items()}
        for i, (data, start) in enumerate(picks):
            for key, value in data.items():
                out[key][i] = value[start:start + length]
        out['is_first'][:, 0] = True
        return out

    # ------------------------------------------------------------------------------------ memory (locked)

    def _add_events(self, ep, rows, rewards):
        """Index the nonzero finite rewards at `rows` of the rows about to be appended to `ep`."""
        if not self.reward_frac:
            return   # only reward-weighted sampling reads them; unread, they would only hold evicted episodes
        for i in rows:
            size = abs(float(rewards[i]))
            if 0 < size < np.inf:  # False for NaN
                self._events.append((ep, ep.n + ep.shift + int(i), size))
                self._events_max = max(self._events_max, size)

    def _reward_windows(self, count):
        """
        Pick up to `count` (data, start) windows that contain a held nonzero reward.

        They are drawn with probability proportional to |reward| (by rejection). Evicted rewards are forgotten when
        drawn; rewards of episodes still too short to sample are skipped.
        """
        picks, events = [], self._events
        for _ in range(64 * count):
            if len(picks) == count or not events:
                break
            i = int(self._rng.integers(len(events)))
            ep, row, size = events[i]
            row -= ep.shift
            if not ep.alive or row < ep.lo:
                events[i] = events[-1]
                events.pop()
            elif ep in self._index and self._rng.random() * self._events_max < size:
                low, high = max(ep.lo, row - self.length + 1), min(row, ep.n - self.length)
                picks.append((ep.data, int(self._rng.integers(low, high + 1))))
        return picks

    def _refresh(self, ep):
        """Keep the list of sampleable episodes in sync with `ep`'s length (O(1) swap-remove)."""
        ok = ep.alive and len(ep) >= self._need
        if ok and ep not in self._index:
            self._index[ep] = len(self._eligible)
            self._eligible.append(ep)
        elif not ok and ep in self._index:
            pos, last = self._index.pop(ep), self._eligible.pop()
            if last is not ep:
                self._eligible[pos], self._index[last] = last, pos

    def _evict(self):
        while self._steps > self.capacity:
            ep = next(iter(self._eps))
            drop = len(ep) if len(self._eps) > 1 else self._steps - self.capacity
            if len(self._eps) > 1 and ep.written is not None and ep in self._open.values():
                # An open episode keeps receiving rows: drop what it holds and queue it as the newest.
                self._eps.move_to_end(ep)
            elif len(self._eps) > 1:
                self._eps.popitem(last=False)
                ep.alive = False
                if self._tail.get(ep.uuid) is ep:
                    del self._tail[ep.uuid]
            ep.lo += drop
            self._steps -= drop
            self._refresh(ep)

    def _job(self, ep):
        """Claim the unwritten rows of an own episode for one chunk file (written later, without the lock)."""
        if ep.n == ep.written:
            return None
        stamp = time.strftime('%Y%m%dT%H%M%S', time.gmtime())
        name = f'{stamp}-{ep.uuid}-{ep.seq:05d}-{ep.n - ep.written}.npz'
        job = (name, ep.data, ep.written, ep.n)
        ep.written, ep.seq = ep.n, ep.seq + 1
        self._seen.add(name)
        return job

    # ---------------------------------------------------------------------------------------------- disk

    def _write(self, job):
        if job is None:
            return
        name, data, start, stop = job
        path = os.path.join(self.directory, name)
        temp = os.path.join(self.directory, f'.{name}.tmp')  # the scanner ignores dot files
        try:
            with open(temp, 'wb') as f:
                np.savez_compressed(f, **{k: v[start:stop] for k, v in data.items()})
            os.replace(temp, path)  # atomic: readers see the whole file or nothing
        except BaseException:
            if os.path.exists(temp):
                os.remove(temp)
            raise
        with self._lock:
            self._counts['written'] += 1

    def _scan(self):
        files = []
        with os.scandir(self.directory) as entries:
            for entry in entries:
                name = entry.name
                if name in self._seen or name.startswith('.') or name in self._ignored:
                    continue
                match = _NAME.match(name)
                if not match or not entry.is_file():
                    log.debug('Replay ignores %s (not a chunk file name)', entry.path)
                    self._ignored.add(name)
                    continue
                stamp, uid, seq, nrows = match.groups()
                try:  # the name's stamp orders files; mtime breaks ties within a second
                    order = (stamp, entry.stat().st_mtime_ns, int(seq))
                except OSError:  # moved away since the listing
                    continue
                files.append(_File(name, stamp, uid, int(seq), int(nrows), order))
        return files

    def _read(self, file):
        """Load the arrays of a chunk file, or return a string saying why it cannot be used."""
        try:
            with np.load(os.path.join(self.directory, file.name), allow_pickle=False) as npz:
                data = {k: npz[k] for k in npz.files}
        except Exception as e:  # truncated, bad zip, pickled objects, vanished, ...
            return f'{type(e).__name__}: {e}'
        if file.nrows < 1:
            return 'no rows'
        spec = self._spec or {k: (v.shape[1:], v.dtype) for k, v in data.items() if v.ndim}
        for key in ('is_first', 'is_last'):
            if key not in spec:
                return f"key '{key}' is missing"
        error = _mismatch(spec, data, rows=file.nrows)
        if error is None and any(v.dtype not in _DTYPES for v in data.values()):
            error = f'unsupported dtypes {sorted(str(v.dtype) for v in data.values())}'
        return error or data

    def _corrupt(self, file, reason):
        if not os.path.exists(os.path.join(self.directory, file.name)):  # e.g. another reader moved it
            log.warning('Replay file %s vanished before it was loaded', file.name)
            return
        log.warning('Replay file %s is unusable (%s); moving it to corrupt/',
                    os.path.join(self.directory, file.name), reason)
        folder = os.path.join(self.directory, 'corrupt')
        os.makedirs(folder, exist_ok=True)
        target, i = os.path.join(folder, file.name), 0
        while os.path.exists(target):  # never overwrite anything
            i += 1
            target = os.path.join(folder, f'{file.name}.{i}')
        try:
            os.replace(os.path.join(self.directory, file.name), target)
        except OSError as e:
            log.warning('Replay could not move %s: %s', file.name, e)
        with self._lock:
            self._counts['corrupt'] += 1

    def _ingest(self, defer):
        """Load the newest unseen files up to capacity; a file extends its episode if it is the next chunk."""
        with self._scan_lock:
            files = self._scan()
            files.sort(key=lambda f: f.order, reverse=True)
            take, budget, cut = [], self.capacity, set()
            for file in files:
                if budget > 0:
                    take.append(file)
                    budget -= file.nrows
                else:  # older than what fits: stays on disk, never loaded
                    self._seen.add(file.name)
                    cut.add(file.uuid)
            cache = {}
            if self._spec is None:  # the newest readable file defines the layout
                for file in take:
                    cache[file.name] = self._read(file)
                    if not isinstance(cache[file.name], str):
                        break
            groups = collections.defaultdict(list)
            for file in sorted(take, key=lambda f: f.order):
                groups[file.uuid].append(file)
            added = 0
            for uid, group in groups.items():
                group.sort(key=lambda f: f.seq)
                for i, file in enumerate(group):
                    tail = self._tail.get(uid)
                    expected = tail.seq if tail is not None else 0
                    if defer and file.seq != expected and uid not in cut and file.name not in self._deferred:
                        # A missing predecessor may just have been renamed during the listing: retry once
                        # on the next update(), then accept the gap.
                        self._deferred.update(f.name for f in group[i:])
                        break
                    self._seen.add(file.name)
                    self._deferred.discard(file.name)
                    data = cache.pop(file.name) if file.name in cache else self._read(file)
                    if not isinstance(data, str):
                        with self._lock:
                            data = self._append(file, data)
                    if isinstance(data, str):
                        self._tail.pop(uid, None)  # cut the episode at the gap
                        self._corrupt(file, data)
                    else:
                        added += file.nrows
            return added

    def _append(self, file, data):
        """Append a loaded chunk (locked). Returns data, or why it does not fit the replay's layout."""
        if self._spec is None:
            self._spec = {k: (v.shape[1:], v.dtype) for k, v in data.items()}
        error = _mismatch(self._spec, data, rows=file.nrows)
        if error:
            return error
        ep = self._tail.get(file.uuid)
        if ep is None or not ep.alive or ep.seq != file.seq:  # first chunk seen, or after a gap
            ep = self._tail[file.uuid] = _Episode(file.uuid, self._spec, max(64, file.nrows))
            self._eps[ep] = None
        ep.reserve(file.nrows)
        for key, value in data.items():
            ep.data[key][ep.n:ep.n + file.nrows] = value
        if 'reward' in data:
            self._add_events(ep, np.flatnonzero(data['reward']), data['reward'])
        ep.n += file.nrows
        ep.seq = file.seq + 1
        self._steps += file.nrows
        self._counts['loaded'] += 1
        self._refresh(ep)
        self._evict()
        return data

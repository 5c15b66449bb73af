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
rosbag2 bags -> replay, without ROS: read with the rosbags library (mcap and sqlite3, split and compressed bags).

From our own topics: a robot's `<namespace>/step` (daydreamer_interfaces/Step, from its bridge) and
`<namespace>/action` (Action, from the actor), as `ros2 bag record` keeps them. The rows are those the actor
stores: a Step the actor acted on becomes one row (its observation, reward and flags, and `action`, the action
that answered the Step before it in the episode; zeros at an episode's first row). Steps and Actions are paired
by (episode, step), not by time; an Action may be logged up to `grace` seconds (bag time) after its Step. Steps
without one (the actor not running yet), held ones (MODE_HOLD) and bad ones (BadObservation) are not stored, and
the next row starts a new episode in replay (is_first, zero action), as the actor's does; so do a gap in the step
indices, a header stamp going backwards and a gap in bag time over `max_gap` seconds. Every such break is counted
and reported by kind.

From a driver's topics instead (a bag recorded without us), through the robot's own task code:
`daydreamer.bag_drivers` (the A1 over ros2_control so far), used when a bag has no Step topic.

Message definitions: mcap bags (Jazzy's default) and Jazzy's sqlite3 bags carry their own; for bags without
them (Humble's sqlite3) the standard ROS 2 types come from rosbags' type store and ours from the .msg files
shipped with this package (`daydreamer/interfaces`, the daydreamer_interfaces package's own files). An mcap cut
short (a recorder killed mid-write: no summary, which rosbags needs) is read record by record with the mcap
library, up to the damage.

Bad input raises BagError naming the bag, topic or field; replay rows already converted are written first.
Also here: `export` (replay -> a bag of Steps and Actions) and `Writer` / `step_message` / `action_message`
(bags written without ROS, for export and tests).
"""

import collections
from dataclasses import dataclass, field
import math
from pathlib import Path
import re
import struct
import time
from typing import NamedTuple

import numpy as np

from . import messages
from .envs import BadObservation
from .robots import bridge

INTERFACES = Path(__file__).parent / 'interfaces'
STEP, ACTION = 'daydreamer_interfaces/msg/Step', 'daydreamer_interfaces/msg/Action'
MODE_HOLD = 2   # daydreamer_interfaces/Action MODE_HOLD: the robot held; nothing to learn from
IMPORTED = 'imported_bags.json'   # in the replay directory: bags converted into it, so a rerun adds nothing twice


class BagError(ValueError):
    """A bag that cannot be converted: the message names the bag, topic or field and what was expected."""


def typestore(distro='jazzy'):
    """Return a rosbags Typestore with ROS 2 `distro`'s standard types and daydreamer_interfaces."""
    from rosbags.typesys import get_types_from_msg, get_typestore, Stores
    store = get_typestore(Stores.ROS2_HUMBLE if distro == 'humble' else Stores.ROS2_JAZZY)
    types = {}
    for path in sorted(INTERFACES.glob('*.msg')):
        types.update(get_types_from_msg(path.read_text(), f'daydreamer_interfaces/msg/{path.stem}'))
    store.register(types)
    return store


@dataclass
class Summary:
    """What a conversion did."""

    bags: list
    namespaces: dict = field(default_factory=dict)   # namespace -> robot
    steps: int = 0            # Step messages read
    rows: int = 0             # replay rows written
    episodes: int = 0         # episodes started in replay
    breaks: collections.Counter = field(default_factory=collections.Counter)   # kind -> count
    problems: list = field(default_factory=list)    # the first message of each kind of break
    skipped: list = field(default_factory=list)     # bags converted into this replay before (unchanged since)
    seconds: float = 0.0

    def __str__(self):
        rate = self.rows / self.seconds if self.seconds else 0.0
        robots = ', '.join(f'{ns} ({robot})' for ns, robot in self.namespaces.items()) or 'no robot'
        text = (f'{self.rows:,} rows in {self.episodes:,} episodes from {self.steps:,} steps of {robots} '
                f'in {self.seconds:.1f} s ({rate:,.0f} rows/s)')
        if self.breaks:
            text += '; episodes broken: ' + ', '.join(f'{kind} {n}' for kind, n in sorted(self.breaks.items()))
        if self.skipped:
            text += f'; {len(self.skipped)} bag(s) imported before, skipped'
        return text


class _Stream:
    """One robot's Steps and Actions -> replay rows, in the actor's way (see the module doc)."""

    def __init__(self, namespace, bag, replay, worker, obs_space, act_space, robot, summary, grace, max_gap):
        self.namespace, self.bag, self.replay, self.worker = namespace, bag, replay, worker
        self.obs_space, self.space, self.robot = obs_space, act_space['action'], robot
        self.summary, self.grace, self.max_gap = summary, grace, max_gap
        self.pending = collections.deque()   # (bag time s, Step) waiting for their Action
        self.answers = {}                    # (episode, step) -> (bag time, Action)
        self.last = None                     # (episode, step, stamp, bag time, action) of the last row written
        self.rows = []                       # rows of the current episode not yet handed to replay

    def on_step(self, t, step):
        self.summary.steps += 1
        if self.robot and step.robot and step.robot != self.robot:
            raise BagError(f"{self.bag}: {self.namespace}/step is from robot '{step.robot}', expected "
                           f"'{self.robot}' (a bag of another robot? choose the config of '{step.robot}')")
        self.pending.append((t, step))
        self.drain(t)

    def on_action(self, t, action):
        # kept in arrival order, for Steps pending or still to come (a recorder may log an Action first)
        self.answers[(action.episode, action.step)] = (t, action)
        while self.answers and next(iter(self.answers.values()))[0] < t - 10 * self.grace:
            del self.answers[next(iter(self.answers))]   # its Step is long written or never came
        self.drain(t)

    def drain(self, now, final=False):
        while self.pending:
            t, step = self.pending[0]
            key = (step.episode, step.step)
            if key not in self.answers and not final and now - t < self.grace:
                return   # its Action may still come
            self.pending.popleft()
            self._write(t, step, self.answers.pop(key, (None, None))[1])
        if final:
            self._flush()

    def _write(self, t, step, answer):
        """Store the Step as the actor did: only when it acted on it, with the action that led to it."""
        if answer is None:
            problem = 'unanswered step', f'no Action answered step {step.step} within {self.grace} s (bag time)'
        elif answer.mode == MODE_HOLD:
            problem = 'hold', f'the actor held at step {step.step}'
        elif step.problem:
            problem = 'bad step', f'step {step.step} skipped: {step.problem}'
        elif answer.problem:
            problem = 'bad action', f'{self.namespace}/action for step {step.step}: {answer.problem}'
        else:
            problem = None
        if problem:   # not stored, and the next row starts an episode, as the actor does after a gap
            self._break(*problem)
            self.last = None
            return
        previous = self._continues(t, step)
        row = dict(step.obs)   # without log_* keys (the decoder leaves them out)
        if previous is None:
            self._flush()
            row['is_first'] = np.bool_(True)
            previous = np.zeros(self.space.shape, self.space.dtype)
            self.summary.episodes += 1
        row['action'] = previous
        self.rows.append(row)
        self.summary.rows += 1
        if row['is_last'] or len(self.rows) >= self.replay.chunk:
            self._flush()
        self.last = None if row['is_last'] else (step.episode, step.step, step.stamp, t, answer.action)

    def _flush(self):
        """Hand the buffered rows (one piece of one episode) to replay at once."""
        if self.rows:
            rows, self.rows = self.rows, []
            self.replay.add_rows({k: np.stack([r[k] for r in rows]) for k in rows[0]}, worker=self.worker)

    def _continues(self, t, msg):
        """Return the action of the row before `msg` in its episode, or None when `msg` starts one in replay."""
        last = self.last
        if last is None or msg.is_first:
            return None
        episode, step, stamp, logged, action = last
        if msg.episode != episode or msg.step != step + 1:
            return self._break('gap in the step indices', f'step {msg.step} of episode {msg.episode} follows '
                                                          f'step {step} of episode {episode}')
        if msg.stamp < stamp:
            return self._break('time jump', f'step {msg.step} is stamped {stamp - msg.stamp:.3f} s before '
                                            f'step {step}')
        if t - logged > self.max_gap:
            return self._break('bag gap', f'step {msg.step} was logged {t - logged:.1f} s after step {step} '
                                          f'(max_gap {self.max_gap} s)')
        return action

    def _break(self, kind, detail):
        self.summary.breaks[kind] += 1
        if self.summary.breaks[kind] == 1:
            self.summary.problems.append(f'{self.bag}: {self.namespace}/step: {detail}; a new episode starts '
                                         'after it (further ones counted)')
        return None


class _DriverStream:
    """A robot's driver topics -> replay rows through its task (`daydreamer.bag_drivers`: the alignment rules)."""

    def __init__(self, converter, namespace, bag, replay, worker, summary, spec, grace):
        self.converter, self.namespace, self.bag, self.replay, self.worker = converter, namespace, bag, replay, worker
        self.summary, self.period, self.length = summary, 1.0 / spec.control_rate, int(spec.episode_length)
        self.stale, self.space = float(spec.stale_timeout), spec.act_space
        self.next, self.seen, self.rows, self.count = None, {}, [], 0   # count: rows of the open episode

    def on_message(self, t, topic, get):
        while self.next is not None and t > self.next:
            self._step(self.next)
            self.next += self.period
        problem = self.converter.on(topic, get)
        if problem:
            return self._break('bad driver data', f'{self.namespace}/{topic} at {t:.3f} s dropped: {problem}')
        self.seen[topic] = t
        if self.next is None and all(name in self.seen for name in self.converter.required):
            self.next = t   # step 0 sees this message and every one before it

    def finish(self):
        self._flush()   # a step after the bag's last message is not taken: the bag does not reach its time

    def _step(self, t):
        stale = [name for name in self.converter.required if t - self.seen[name] > self.stale]
        if stale:
            return self._break('stale', f"no {', '.join(stale)} for over {self.stale} s at {t:.3f} s")
        try:
            obs, reward, action = self.converter.step(first=self.count == 0)
        except bridge.MissingJoints as e:
            raise BagError(f'{self.bag}: {self.namespace}/joint_states: {e} (a bag of another robot, or joints '
                           'named otherwise by its driver?)') from e
        except bridge.BadDriverData as e:
            return self._break('bad driver data', f'{self.namespace}/{e} at {t:.3f} s')
        if action is None:
            return self._break('no command', f'nothing commanded yet at {t:.3f} s: no action to learn from')
        first, last = self.count == 0, self.count + 1 == self.length
        row = dict(obs, reward=reward, is_first=np.bool_(first), is_last=np.bool_(last), is_terminal=np.bool_(False),
                   action=np.zeros(self.space.shape, self.space.dtype) if first else action)
        self.rows.append(row)
        self.summary.steps += 1
        self.summary.rows += 1
        self.summary.episodes += first
        self.count = 0 if last else self.count + 1
        if last or len(self.rows) >= self.replay.chunk:
            self._flush()

    def _break(self, kind, detail):
        self.summary.breaks[kind] += 1
        if self.summary.breaks[kind] == 1:
            self.summary.problems.append(f'{self.bag}: {detail}; a new episode starts after it (further ones '
                                         'counted)')
        self._flush()
        self.count = 0   # the open episode ends here, cut short (no is_last); the next row starts one

    def _flush(self):
        if self.rows:
            rows, self.rows = self.rows, []
            self.replay.add_rows({k: np.stack([r[k] for r in rows]) for k in rows[0]}, worker=self.worker)


def _stamp(msg):
    return msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9


def _convert_driver_bag(path, reader, replay, summary, robot, found, grace, progress):
    from . import robots
    converter_class, topics = found
    namespace = _namespace_of(topics)
    stream = _DriverStream(converter_class(), namespace, str(path), replay, (str(path), namespace), summary,
                           robots.get(robot), grace)
    summary.namespaces.setdefault(namespace or '/', f'{robot}, driver topics')
    connections = [c for c in reader.connections if c.topic in topics]
    bar = _bar(progress, sum(c.msgcount for c in connections), path)
    try:
        for connection, timestamp, raw in reader.messages(connections=connections):
            stream.on_message(timestamp * 1e-9, topics[connection.topic],
                              _deserializer(path, reader, connection, timestamp, raw))
            bar.update()
    finally:
        bar.close()
        stream.finish()


def _deserializer(path, reader, connection, timestamp, raw):
    """Return a function that deserializes the message, raising BagError naming it when that fails."""
    def get():
        try:
            return reader.deserialize(raw, connection.msgtype)
        except Exception as e:
            raise BagError(f'{path}: {connection.topic} ({connection.msgtype}) at {timestamp * 1e-9:.3f} s cannot be '
                           f'read: {type(e).__name__}: {e} (is its definition in the bag, or its package '
                           'installed?)') from e
    return get


def _namespace_of(topics):
    """Return the namespace of a converter's {bag topic: relative name}: the bag topic without the name."""
    topic, name = next(iter(topics.items()))
    return topic[:-len(name)].rstrip('/')


# ------------------------------------------------------------------------------------------------ decoding
#
# rosbags' generic deserializer builds an object per message and field (~50 us for a Step), which alone would cap
# the conversion near 10k steps/s. Our own Step and Action are read here from their CDR bytes directly (written by
# hand from Step.msg / Action.msg, little-endian XCDR1 as ROS 2 publishes): a Step's layout (string lengths, keys,
# shapes, encodings) is learnt once from a message that rosbags deserialized and that passed step_to_obs, and every
# later Step whose non-numeric bytes equal it is read with np.frombuffer at the learnt offsets. Anything else (a
# new layout, NaN, an unusual encoding, a bag whose Step definition differs from ours) goes the general way.


class Decoded(NamedTuple):
    """A Step or Action as the conversion needs it; `problem` says why it cannot be stored."""

    episode: int
    step: int
    stamp: float = 0.0         # Step: header stamp, s
    robot: str = ''
    is_first: bool = False
    obs: dict = None           # Step: the observation (space dtypes), with reward and flags
    mode: int = 0              # Action
    action: object = None      # Action: the action array
    problem: str = ''


class _Cdr:
    """A cursor over little-endian CDR bytes (alignment counted from after the 4-byte encapsulation header)."""

    def __init__(self, raw):
        if len(raw) < 4 or raw[1] != 1:
            raise ValueError('not little-endian CDR')
        self.raw, self.pos = raw, 4

    def take(self, size, count=1):
        self.pos += -(self.pos - 4) % size
        start, self.pos = self.pos, self.pos + size * count
        if self.pos > len(self.raw):
            raise ValueError('message ends early')
        return start

    def u32(self):
        return struct.unpack_from('<I', self.raw, self.take(4))[0]

    def string(self):
        n = self.u32()
        start = self.take(1, n)
        return bytes(self.raw[start:start + max(n - 1, 0)]).decode()

    def seq(self, size):
        n = self.u32()
        return self.take(size, n), n


class _StepLayout:
    """Where the numbers of one Step layout are; `matches(raw)` when every other byte is the same."""

    def __init__(self, raw, obs_space):
        r = _Cdr(raw)
        self.stamp = r.take(4, 2)
        r.string()
        self.robot = r.string()
        self.indices, self.reward, self.period = r.take(8, 2), r.take(4), None
        r.take(1, 3)
        self.period = r.take(8)
        variable = [(self.stamp, 8), (self.indices, 16), (self.reward, 7), (self.period, 8)]
        self.keys = {}
        for group in ('vectors', 'images', 'logs'):
            for _ in range(r.u32()):
                key = r.string()
                if group == 'images':
                    stamp = r.take(4, 2)
                    r.string()
                    height, width, encoding = r.u32(), r.u32(), r.string()
                    bigendian, row = raw[r.take(1)], r.u32()
                    offset, size = r.seq(1)
                    space = obs_space.get(key)
                    channels = space.shape[-1] if space is not None and len(space.shape) == 3 else 0
                    if (bigendian or row != width * channels or messages.ENCODING.get(channels) != encoding
                            or space.shape != (height, width, channels) or size != height * row):
                        raise ValueError(f"image '{key}' needs converting")
                    self.keys[key] = (offset, np.dtype(np.uint8), size, space.shape, False)
                    variable += [(stamp, 8), (offset, size)]
                else:
                    shape_at, dims = r.seq(4)
                    offset, size = r.seq(4)
                    variable.append((offset, 4 * size))
                    if group == 'vectors':
                        shape = tuple(int(d) for d in np.frombuffer(raw, '<u4', dims, shape_at))
                        space = obs_space.get(key)
                        if space is None or space.dtype != np.float32 or space.shape != shape:
                            raise ValueError(f"tensor '{key}' needs converting")
                        self.keys[key] = (offset, np.dtype('<f4'), size, shape, True)
        if r.pos != len(raw) or set(self.keys) != set(obs_space) - {'reward', *messages.FLAGS}:
            raise ValueError('keys differ from the observation space')
        self.size, self.raw, self.spans, end = len(raw), bytes(raw), [], 0
        for start, length in sorted(variable):
            if start > end:
                self.spans.append((end, start))
            end = max(end, start + length)
        self.spans.append((end, self.size))
        self.fixed = [(a, b, self.raw[a:b]) for a, b in self.spans if b > a]

    def matches(self, raw):
        if len(raw) != self.size:
            return False
        for a, b, fixed in self.fixed:
            if raw[a:b] != fixed:
                return False
        return True

    def read(self, raw):
        """Return the Step's Decoded from bytes that match (None when a float is not finite: the general way)."""
        sec, nanosec = struct.unpack_from('<iI', raw, self.stamp)
        episode, step = struct.unpack_from('<QQ', raw, self.indices)
        reward, is_first, is_last, is_terminal = struct.unpack_from('<f???', raw, self.reward)
        if not math.isfinite(reward):
            return None
        obs = {'reward': np.float32(reward), 'is_first': np.bool_(is_first), 'is_last': np.bool_(is_last),
               'is_terminal': np.bool_(is_terminal)}
        for key, (offset, dtype, size, shape, floats) in self.keys.items():
            value = np.frombuffer(raw, dtype, size, offset).reshape(shape)
            if floats and not math.isfinite(value.sum()):   # one reduction; an overflow only sends it the long way
                return None
            obs[key] = value
        return Decoded(episode, step, sec + nanosec * 1e-9, self.robot, is_first, obs)


class _Decoder:
    """Our Step and Action topics' raw messages -> Decoded, fast where the layout is known (see above)."""

    def __init__(self, obs_space, act_space, deserialize, fast=True):
        self.obs_space, self.space, self.deserialize, self.fast = obs_space, act_space['action'], deserialize, fast
        self.layout = self.action_layout = None
        self.learn_steps = True   # False once a Step layout proved one only the general way reads
        space = self.space
        self.discrete, self.size = bool(space.discrete), int(np.prod(space.shape))
        self.low, self.high = (int(space.low), int(space.high)) if space.discrete else (0, 0)
        self.action_count = struct.pack('<I', 0 if space.discrete else self.size)   # the action array's length

    def step(self, raw):
        matched = self.layout is not None and self.layout.matches(raw)
        if matched:
            decoded = self.layout.read(raw)
            if decoded is not None:
                return decoded
        msg = self.deserialize(raw, STEP)
        base = {'episode': msg.episode, 'step': msg.step, 'stamp': _stamp(msg), 'robot': msg.robot,
                'is_first': msg.is_first}
        try:
            obs = {k: v for k, v in messages.step_to_obs(msg, self.obs_space).items() if not k.startswith('log_')}
        except BadObservation as e:
            return Decoded(**base, problem=str(e))
        if self.fast and self.learn_steps and not matched:   # a known layout with a NaN needs no new walk
            try:
                self.layout = _StepLayout(raw, self.obs_space)
            except ValueError:   # a layout only the general way reads (e.g. bgr8 images): not tried again
                self.layout, self.learn_steps = None, False
        return Decoded(**base, obs=obs)

    def action(self, raw):
        layout = self.action_layout
        if layout is not None and len(raw) == layout[0] and raw[12:16] == b'\x01\x00\x00\x00':
            size, indices, mode_at, data, index_at = layout
            mode = raw[mode_at]
            if raw[data - 4:data] == self.action_count and mode != MODE_HOLD:
                episode, step = struct.unpack_from('<QQ', raw, indices)
                if self.discrete:
                    index = struct.unpack_from('<i', raw, index_at)[0]
                    if self.low <= index < self.high:
                        return Decoded(episode, step, mode=mode, action=np.int64(index))
                else:
                    value = np.frombuffer(raw, '<f4', self.size, data)
                    if np.isfinite(value.sum()):
                        return Decoded(episode, step, mode=mode, action=value.reshape(self.space.shape))
        msg = self.deserialize(raw, ACTION)
        if self.fast and not msg.header.frame_id:
            r = _Cdr(raw)   # learn where the numbers are (empty frame_id, as our actor sends)
            r.take(4, 2)
            r.string()
            indices, mode_at = r.take(8, 2), r.take(1)
            data, _ = r.seq(4)
            index_at = r.take(4)
            r.take(8)
            if r.pos == len(raw) and len(msg.action) == (0 if self.discrete else self.size):
                self.action_layout = (len(raw), indices, mode_at, data, index_at)
        if msg.mode == MODE_HOLD:
            return Decoded(msg.episode, msg.step, mode=msg.mode)
        try:
            return Decoded(msg.episode, msg.step, mode=msg.mode, action=messages.msg_to_action(msg, self.space))
        except ValueError as e:
            return Decoded(msg.episode, msg.step, mode=msg.mode, problem=str(e))


def namespaces(connections):
    """Return {namespace: (step topic, action topic or None)} of the Step topics among the bag's connections."""
    topics = {c.topic: c.msgtype for c in connections}
    found = {}
    for topic, msgtype in sorted(topics.items()):
        if msgtype == STEP:
            namespace = topic.rsplit('/', 1)[0] if '/' in topic else ''
            action = f'{namespace}/action'
            found[namespace or '/'] = (topic, action if topics.get(action) == ACTION else None)
    return found


def convert(bags, directory, obs_space, act_space, robot='', namespace=None, chunk=1024, grace=1.0, max_gap=60.0,
            distro='jazzy', progress=False, fast=True):
    """
    Convert our step/action topics of `bags` (paths of bag directories or files) into replay chunks in `directory`.

    Each bag is read on its own, in the order given (its episodes are new ones in replay); chunk files hold up to
    `chunk` rows (larger than the actor's: fewer files, which cost more than the rows in them). `robot`: the robot the
    spaces belong to (a Step of another robot is refused); `namespace`: which robot's topics when a bag holds
    several (default: all, each its own replay stream). A bag already converted into `directory` (listed, with its
    files' sizes and times, in its imported_bags.json) is skipped. `fast` False reads every message with rosbags'
    general deserializer (the same rows, slower). Returns a Summary; raises BagError at the first bag that cannot
    be converted, after writing every row converted before it.
    """
    from .replay import Replay
    paths = [Path(b) for b in bags]
    for path in paths:
        if not path.exists():
            raise BagError(f'{path}: no such bag')
    summary = Summary(bags=[str(p) for p in paths])
    start = time.perf_counter()
    window = max(int(chunk), 1)
    replay = Replay(directory, 4 * window, 1, chunk=window, load=False)   # a writer: a few chunks in memory
    store = typestore(distro)
    manifest = Path(directory) / IMPORTED
    imported = _read_manifest(manifest)
    try:
        for path in paths:
            key, identity = str(path.resolve()), _identity(path)
            if imported.get(key, {}).get('identity') == identity:
                summary.skipped.append(str(path))   # converted before, unchanged: its rows are in replay already
                continue
            rows = summary.rows
            _convert_bag(path, replay, store, summary, obs_space, act_space, robot, namespace, grace, max_gap,
                         progress, fast)
            replay.flush()
            imported[key] = {'identity': identity, 'rows': summary.rows - rows}
            _write_manifest(manifest, imported)
    finally:
        replay.flush()
        summary.seconds = time.perf_counter() - start
    return summary


def _identity(path):
    """Return what tells a bag apart from an edited or re-recorded one: its files' names, sizes and times."""
    files = sorted(p for p in ([path] if path.is_file() else path.rglob('*')) if p.is_file())
    return [[p.name, p.stat().st_size, int(p.stat().st_mtime)] for p in files]


def _read_manifest(path):
    import json
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise BagError(f'{path}: unreadable list of imported bags ({e}); move it away to import again') from e


def _write_manifest(path, imported):
    import json
    temp = path.with_name(f'.{path.name}.tmp')
    temp.write_text(json.dumps(imported, indent=1))
    temp.replace(path)


def _open(path, store, summary=None):
    """Return a reader of the bag: rosbags' AnyReader, or for an mcap cut short the records it still holds."""
    from rosbags.highlevel import AnyReader
    reader = AnyReader([path], default_typestore=store)
    try:
        reader.open()
    except Exception as e:   # rosbags' errors: unreadable metadata, an unknown storage, a truncated file
        unknown = re.search(r"type '([^']+)' hash mismatch", str(e))   # rosbags: no definition of a type
        if unknown:
            raise BagError(f'{path}: message type {unknown.group(1)}: its definition is neither in the bag nor '
                           'among the types this conversion knows (daydreamer_interfaces and the ROS 2 standard '
                           'types): record it as mcap, which keeps the definitions') from e
        files = [path] if path.suffix == '.mcap' else sorted(path.glob('*.mcap')) if path.is_dir() else []
        if len(files) == 1 and summary is not None:
            salvaged = _TruncatedMcap(files[0], store)
            if salvaged.connections:
                summary.problems.append(f'{path}: {e}: read as an mcap cut short (a killed recorder?): '
                                        f'{salvaged.count:,} messages up to {salvaged.end:.3f} s, where it ends')
                return salvaged
        raise BagError(f'{path}: cannot open as rosbag2: {type(e).__name__}: {e}') from e
    return reader


class _TruncatedMcap:
    """
    The records an mcap cut short still holds (the mcap library's sequential reader), for `convert`.

    rosbags opens an mcap only with its summary at the end, which a recorder killed mid-write never wrote; the
    chunks before the damage are whole, and so are the rows they make. Messages keep the file's order.
    """

    def __init__(self, path, store):
        from rosbags.typesys import get_types_from_msg
        self.path, self.store = path, store
        self.schemas, self.channels, counts = {}, {}, collections.Counter()
        self.count, self.end = 0, 0.0
        for record in self._records():
            kind = type(record).__name__
            if kind == 'Schema':
                self.schemas[record.id] = record.name
                if record.encoding == 'ros2msg' and record.name not in store.fielddefs:
                    try:
                        store.register(get_types_from_msg(record.data.decode(), record.name))
                    except Exception:   # left to deserialize: it names the type it lacks
                        pass
            elif kind == 'Channel':
                self.channels[record.id] = (record.topic, self.schemas.get(record.schema_id, ''))
            elif kind == 'Message':
                counts[record.channel_id] += 1
                self.count, self.end = self.count + 1, record.log_time * 1e-9
        self.connections = [_Connection(topic, msgtype, counts[i]) for i, (topic, msgtype) in self.channels.items()]
        self.typestore = store

    def _records(self):
        from mcap.exceptions import McapError
        from mcap.stream_reader import StreamReader
        with open(self.path, 'rb') as f:
            try:
                yield from StreamReader(f, emit_chunks=False).records
            except (McapError, EOFError, ValueError, OSError):
                return   # the damage: what came before it is what there is

    def messages(self, connections):
        wanted = {c.topic for c in connections}
        by_id = {i: c for i, c in zip(self.channels, self.connections) if c.topic in wanted}
        for record in self._records():
            if type(record).__name__ == 'Message' and record.channel_id in by_id:
                yield by_id[record.channel_id], record.log_time, record.data

    def deserialize(self, raw, msgtype):
        return self.store.deserialize_cdr(raw, msgtype)

    def close(self):
        pass


class _Connection(NamedTuple):
    topic: str
    msgtype: str
    msgcount: int


def _ours(reader, store):
    """Whether the bag's Step and Action (and their parts) are laid out as ours, which the fast decoding assumes."""
    names = (STEP, ACTION, 'daydreamer_interfaces/msg/Tensor', 'daydreamer_interfaces/msg/NamedImage',
             'sensor_msgs/msg/Image', 'std_msgs/msg/Header', 'builtin_interfaces/msg/Time')
    theirs = getattr(reader, 'typestore', store)
    return all(theirs.fielddefs.get(name, store.fielddefs[name]) == store.fielddefs[name] for name in names)


def _streams(path, reader, store, replay, summary, obs_space, act_space, robot, namespace, grace, max_gap, fast):
    """Return {topic: (stream, is_step)} for the robots' Step and Action topics of one bag."""
    found = namespaces(reader.connections)
    if namespace is not None:
        wanted = '/' + namespace.strip('/') if namespace.strip('/') else '/'
        if wanted not in found:
            raise BagError(f"{path}: no {STEP} topic in namespace '{wanted}' "
                           f"(Step topics: {', '.join(t for t, _ in found.values()) or 'none'})")
        found = {wanted: found[wanted]}
    if not found:
        topics = ', '.join(f'{c.topic} ({c.msgtype})' for c in reader.connections) or 'none'
        raise BagError(f"{path}: no {STEP} topic (a bridge's `step`) and no driver topics this robot's conversion "
                       f"reads{f' ({robot})' if robot else ''}; topics: {topics}")
    by_topic = {}
    for ns, (step_topic, action_topic) in sorted(found.items()):
        if action_topic is None:
            raise BagError(f"{path}: {step_topic} has no {ACTION} topic beside it ({ns.rstrip('/')}/action): "
                           "record the actor's actions too")
        stream = _Stream(ns, str(path), replay, (str(path), ns), obs_space, act_space, robot, summary, grace,
                         max_gap)
        stream.decoder = _Decoder(obs_space, act_space, lambda raw, msgtype: reader.deserialize(raw, msgtype),
                                  fast=fast and _ours(reader, store))
        summary.namespaces.setdefault(ns, robot or '?')
        by_topic[step_topic], by_topic[action_topic] = (stream, True), (stream, False)
    return by_topic


def _convert_bag(path, replay, store, summary, obs_space, act_space, robot, namespace, grace, max_gap, progress,
                 fast):
    reader = _open(path, store, summary)
    try:
        if not namespaces(reader.connections):
            from . import bag_drivers
            found = bag_drivers.find(robot, reader.connections, namespace)
            if found is not None:
                return _convert_driver_bag(path, reader, replay, summary, robot, found, grace, progress)
        by_topic = _streams(path, reader, store, replay, summary, obs_space, act_space, robot, namespace, grace,
                            max_gap, fast)
        connections = [c for c in reader.connections if c.topic in by_topic]
        bar = _bar(progress, sum(c.msgcount for c in connections), path)
        position = None
        try:
            for connection, timestamp, raw in reader.messages(connections=connections):
                position = (connection.topic, timestamp)
                stream, is_step = by_topic[connection.topic]
                try:
                    decoded = stream.decoder.step(raw) if is_step else stream.decoder.action(raw)
                except Exception as e:
                    raise BagError(f'{path}: {connection.topic} ({connection.msgtype}) at {timestamp * 1e-9:.3f} s '
                                   f'cannot be read: {type(e).__name__}: {e}') from e
                if is_step:
                    stream.on_step(timestamp * 1e-9, decoded)
                else:
                    stream.on_action(timestamp * 1e-9, decoded)
                bar.update()
        except BagError:
            raise
        except Exception as e:   # a corrupt chunk ends the read; what came before is kept
            where = f' after {position[0]} at {position[1] * 1e-9:.3f} s' if position else ''
            raise BagError(f'{path}: reading stopped{where}: {type(e).__name__}: {e} (the {summary.rows:,} rows '
                           'converted before are written)') from e
        finally:
            bar.close()
            for stream in {s for s, _ in by_topic.values()}:
                stream.drain(float('inf'), final=True)
    finally:
        reader.close()


# ------------------------------------------------------------------------------------------------ writing


def _header(store, stamp):
    Header, Time = store.types['std_msgs/msg/Header'], store.types['builtin_interfaces/msg/Time']
    sec, nanosec = divmod(int(round(stamp * 1e9)), 1000000000)
    return Header(stamp=Time(sec=sec, nanosec=nanosec), frame_id='')


def step_message(store, obs, *, robot, episode, step, stamp, control_period=0.0):
    """Return a daydreamer_interfaces/Step of `store` (rosbags) for an observation dict, as a bridge sends it."""
    types = store.types
    Tensor, NamedImage = types['daydreamer_interfaces/msg/Tensor'], types['daydreamer_interfaces/msg/NamedImage']
    Image = types['sensor_msgs/msg/Image']
    header = _header(store, stamp)
    vectors, named, logs = [], [], []
    for key, value in obs.items():
        value = np.asarray(value)
        if key == 'reward' or key in messages.FLAGS:
            continue
        if value.dtype == np.uint8 and value.ndim == 3 and value.shape[-1] in messages.ENCODING:
            h, w, c = value.shape
            named.append(NamedImage(key=key, image=Image(
                header=header, height=h, width=w, encoding=messages.ENCODING[c], is_bigendian=0, step=w * c,
                data=np.ascontiguousarray(value).reshape(-1))))
        else:
            tensor = Tensor(key=key, shape=np.array(value.shape, np.uint32),
                            data=np.ascontiguousarray(value, np.float32).reshape(-1))
            (logs if key.startswith('log_') else vectors).append(tensor)
    return types[STEP](header=header, robot=robot, episode=int(episode), step=int(step),
                       reward=float(obs.get('reward', 0.0)), control_period=float(control_period),
                       **{flag: bool(obs.get(flag, False)) for flag in messages.FLAGS},
                       vectors=vectors, images=named, logs=logs)


def action_message(store, action, *, episode, step, stamp, mode=0, weights_version=0):
    """Return a daydreamer_interfaces/Action of `store` (rosbags); `action` None holds (MODE_HOLD)."""
    value = None if action is None else np.asarray(action)
    discrete = value is not None and value.ndim == 0 and value.dtype.kind in 'iu'
    return store.types[ACTION](
        header=_header(store, stamp), episode=int(episode), step=int(step),
        mode=MODE_HOLD if value is None else int(mode), weights_version=int(weights_version),
        action=np.zeros(0, np.float32) if value is None or discrete else value.astype(np.float32).reshape(-1),
        index=int(value) if discrete else -1)


class Writer:
    """
    A rosbag2 bag written with rosbags (no ROS): `write(topic, msgtype, message, stamp)` in time order.

    storage 'mcap' (Jazzy's default) or 'sqlite3'; with `compress`, mcap chunks / sqlite3 messages are zstd.
    """

    def __init__(self, path, storage='mcap', store=None, compress=False):
        from rosbags.rosbag2 import CompressionFormat, CompressionMode, StoragePlugin, Writer as BagWriter
        plugin = {'mcap': StoragePlugin.MCAP, 'sqlite3': StoragePlugin.SQLITE3}[storage]
        self.store = store or typestore()
        self.writer = BagWriter(path, version=9, storage_plugin=plugin)
        if compress:
            self.writer.set_compression(CompressionMode.MESSAGE, CompressionFormat.ZSTD)
        self.connections = {}

    def __enter__(self):
        self.writer.open()
        return self

    def __exit__(self, *exc):
        self.writer.close()

    def write(self, topic, msgtype, message, stamp):
        connection = self.connections.get(topic)
        if connection is None:
            connection = self.connections[topic] = self.writer.add_connection(topic, msgtype, typestore=self.store)
        self.writer.write(connection, int(round(stamp * 1e9)), self.store.serialize_cdr(message, msgtype))


def export(directory, out, robot, namespace=None, control_period=0.05, storage='mcap', start=0.0):
    """
    Write the episodes of a replay directory as a bag of a bridge's Steps and the actor's Actions; return the rows.

    Each row becomes a Step (its observation, reward and flags; episode and step indices counted from 0) and an
    Action answering it with the next row's action (the last row of an episode: zeros), `control_period` seconds
    apart from `start` (bag and header time), so `import` gives the same rows back and Foxglove, PlotJuggler or
    rviz show the episodes. `namespace` defaults to '/<robot>'.
    """
    from .replay import read_episodes
    namespace = '/' + (namespace if namespace is not None else robot).strip('/')
    prefix = namespace.rstrip('/')
    rows, index, t = 0, 0, float(start)
    out = Path(out)
    if out.exists():
        raise BagError(f'{out}: exists; choose a new name for the bag')
    with Writer(out, storage=storage) as writer:
        store = writer.store
        for episode, data in enumerate(read_episodes(directory)):
            actions = data['action']
            for k in range(len(actions)):
                obs = {key: value[k] for key, value in data.items() if key != 'action'}
                answer = actions[k + 1] if k + 1 < len(actions) else np.zeros_like(actions[k])
                writer.write(f'{prefix}/step', STEP, step_message(store, obs, robot=robot, episode=episode,
                                                                  step=index, stamp=t,
                                                                  control_period=control_period), t)
                writer.write(f'{prefix}/action', ACTION, action_message(store, answer, episode=episode, step=index,
                                                                        stamp=t + 1e-3), t + 1e-3)
                index, rows, t = index + 1, rows + 1, t + control_period
    return rows


# ------------------------------------------------------------------------------------------------ helpers


def _bar(enabled, total, path):
    if enabled:
        from tqdm import tqdm
        return tqdm(total=total, unit='msg', desc=Path(path).name, smoothing=0.1)

    class _Silent:

        def update(self, n=1):
            pass

        def close(self):
            pass
    return _Silent()

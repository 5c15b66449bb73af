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

Message definitions: mcap bags (Jazzy's default) and Jazzy's sqlite3 bags carry their own; for bags without
them (Humble's sqlite3) the standard ROS 2 types come from rosbags' type store and ours from the .msg files
shipped with this package (`daydreamer/interfaces`, the daydreamer_interfaces package's own files).

Bad input raises BagError naming the bag, topic or field; replay rows already converted are written first.
"""

import collections
from dataclasses import dataclass, field
from pathlib import Path
import time

import numpy as np

from . import messages
from .envs import BadObservation

INTERFACES = Path(__file__).parent / 'interfaces'
STEP, ACTION = 'daydreamer_interfaces/msg/Step', 'daydreamer_interfaces/msg/Action'
MODE_HOLD = 2   # daydreamer_interfaces/Action MODE_HOLD: the robot held; nothing to learn from


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
    seconds: float = 0.0

    def __str__(self):
        rate = self.rows / self.seconds if self.seconds else 0.0
        robots = ', '.join(f'{ns} ({robot})' for ns, robot in self.namespaces.items()) or 'no robot'
        text = (f'{self.rows:,} rows in {self.episodes:,} episodes from {self.steps:,} steps of {robots} '
                f'in {self.seconds:.1f} s ({rate:,.0f} rows/s)')
        if self.breaks:
            text += '; episodes broken: ' + ', '.join(f'{kind} {n}' for kind, n in sorted(self.breaks.items()))
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

    def on_step(self, t, msg):
        self.summary.steps += 1
        if self.robot and msg.robot and msg.robot != self.robot:
            raise BagError(f"{self.bag}: {self.namespace}/step is from robot '{msg.robot}', expected "
                           f"'{self.robot}' (a bag of another robot? choose the config of '{msg.robot}')")
        self.pending.append((t, msg))
        self.drain(t)

    def on_action(self, t, msg):
        # kept in arrival order, for Steps pending or still to come (a recorder may log an Action first)
        self.answers[(msg.episode, msg.step)] = (t, msg)
        while self.answers and next(iter(self.answers.values()))[0] < t - 10 * self.grace:
            del self.answers[next(iter(self.answers))]   # its Step is long written or never came
        self.drain(t)

    def drain(self, now, final=False):
        while self.pending:
            t, msg = self.pending[0]
            key = (msg.episode, msg.step)
            if key not in self.answers and not final and now - t < self.grace:
                return   # its Action may still come
            self.pending.popleft()
            self._write(t, msg, self.answers.pop(key, (None, None))[1])

    def _write(self, t, msg, answer):
        """Store the Step as the actor did: only when it acted on it, with the action that led to it."""
        problem = None
        if answer is None:
            problem = 'unanswered step', f'no Action answered step {msg.step} within {self.grace} s (bag time)'
        elif answer.mode == MODE_HOLD:
            problem = 'hold', f'the actor held at step {msg.step}'
        else:
            try:
                obs = messages.step_to_obs(msg, self.obs_space)
                action = messages.msg_to_action(answer, self.space)
            except BadObservation as e:
                problem = 'bad step', f'step {msg.step} skipped: {e}'
            except ValueError as e:
                problem = 'bad action', f'{self.namespace}/action for step {msg.step}: {e}'
        if problem:   # not stored, and the next row starts an episode, as the actor does after a gap
            self._break(*problem)
            self.last = None
            return
        previous = self._continues(t, msg)
        if previous is None:
            obs['is_first'] = np.bool_(True)
            previous = np.zeros(self.space.shape, self.space.dtype)
            self.summary.episodes += 1
        row = {k: v for k, v in obs.items() if not k.startswith('log_')}
        row['action'] = previous
        self.replay.add(row, worker=self.worker)
        self.summary.rows += 1
        self.last = None if obs['is_last'] else (msg.episode, msg.step, _stamp(msg), t, action)

    def _continues(self, t, msg):
        """Return the action of the row before `msg` in its episode, or None when `msg` starts one in replay."""
        last = self.last
        if last is None or msg.is_first:
            return None
        episode, step, stamp, logged, action = last
        if msg.episode != episode or msg.step != step + 1:
            return self._break('gap in the step indices', f'step {msg.step} of episode {msg.episode} follows '
                                                          f'step {step} of episode {episode}')
        if _stamp(msg) < stamp:
            return self._break('time jump', f'step {msg.step} is stamped {stamp - _stamp(msg):.3f} s before '
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


def _stamp(msg):
    return msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9


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


def convert(bags, directory, obs_space, act_space, robot='', namespace=None, chunk=64, grace=1.0, max_gap=60.0,
            distro='jazzy', progress=False):
    """
    Convert our step/action topics of `bags` (paths of bag directories or files) into replay chunks in `directory`.

    Each bag is read on its own, in the order given (its episodes are new ones in replay). `robot`: the robot the
    spaces belong to (a Step of another robot is refused); `namespace`: which robot's topics when a bag holds
    several (default: all, each its own replay stream). Returns a Summary; raises BagError at the first bag that
    cannot be converted, after writing every row converted before it.
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
    try:
        for path in paths:
            _convert_bag(path, replay, store, summary, obs_space, act_space, robot, namespace, grace, max_gap,
                         progress)
    finally:
        replay.flush()
        summary.seconds = time.perf_counter() - start
    return summary


def _open(path, store):
    from rosbags.highlevel import AnyReader
    reader = AnyReader([path], default_typestore=store)
    try:
        reader.open()
    except Exception as e:   # rosbags' errors: unreadable metadata, an unknown storage, a truncated file
        hint = (' (an mcap cut short, e.g. by a killed recorder, lacks its index: `mcap recover` rebuilds it)'
                if 'magic' in str(e).lower() or 'summary' in str(e).lower() else '')
        raise BagError(f'{path}: cannot open as rosbag2: {type(e).__name__}: {e}{hint}') from e
    return reader


def _streams(path, reader, replay, summary, obs_space, act_space, robot, namespace, grace, max_gap):
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
        raise BagError(f"{path}: no {STEP} topic (a bridge's `step`); topics: {topics}")
    by_topic = {}
    for ns, (step_topic, action_topic) in sorted(found.items()):
        if action_topic is None:
            raise BagError(f"{path}: {step_topic} has no {ACTION} topic beside it ({ns.rstrip('/')}/action): "
                           "record the actor's actions too")
        stream = _Stream(ns, str(path), replay, (str(path), ns), obs_space, act_space, robot, summary, grace,
                         max_gap)
        summary.namespaces.setdefault(ns, robot or '?')
        by_topic[step_topic], by_topic[action_topic] = (stream, True), (stream, False)
    return by_topic


def _convert_bag(path, replay, store, summary, obs_space, act_space, robot, namespace, grace, max_gap, progress):
    reader = _open(path, store)
    try:
        by_topic = _streams(path, reader, replay, summary, obs_space, act_space, robot, namespace, grace, max_gap)
        connections = [c for c in reader.connections if c.topic in by_topic]
        bar = _bar(progress, sum(c.msgcount for c in connections), path)
        position = None
        try:
            for connection, timestamp, raw in reader.messages(connections=connections):
                position = (connection.topic, timestamp)
                try:
                    msg = reader.deserialize(raw, connection.msgtype)
                except Exception as e:
                    raise BagError(f'{path}: {connection.topic} ({connection.msgtype}) at {timestamp * 1e-9:.3f} s '
                                   f'cannot be read: {type(e).__name__}: {e}') from e
                stream, is_step = by_topic[connection.topic]
                if is_step:
                    stream.on_step(timestamp * 1e-9, msg)
                else:
                    stream.on_action(timestamp * 1e-9, msg)
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

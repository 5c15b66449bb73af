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
The ROS-free half of the robot bridges.

Driver-level data in, agent observations out, agent actions in, driver commands out (the ROS 2 nodes in
src/robot_bridges only move messages to and from these classes).

- `JointMap` picks the robot's joints out of a JointState BY NAME (never by index) and names the missing
  ones in its error. `BadDriverData` is every problem with driver data; a node logs it and drops the message.
- `Episode` counts steps and episodes and sets is_first / is_last (episode_length, scripted resets, pause,
  resume, hard reset), as DayDreamer's TimeLimit and KBReset wrappers do for an env.
- `Watchdog` (no fresh action for `timeout` s -> the safe stop) and `Freshness` (driver data older than
  `stale_timeout` s) take times in seconds from the caller's clock, so sim time works.
- `check_action` sorts an incoming action by the step it answers: act on it, hold (the actor's HOLD mode),
  late or ahead.
- Each robot's task is one class in its module, which its twin and its bridge both run: the arms' is
  `robots.arm.ArmTask` (the discrete action -> Cartesian moves -> joint paths through the arm's kinematic
  model; observation and reward from joints, gripper and camera frames). The Sphero's task is
  `robots.sphero.SpheroTask`, which its twin and its bridge both run, and the A1's is `robots.a1.A1Task` (with
  `robots.a1.LegOdometry`, the bridge's trunk velocity estimate from joint encoders and IMU).
"""

import numpy as np

from .. import images

MODE_EXPLORE, MODE_EVAL, MODE_HOLD = 0, 1, 2  # daydreamer_interfaces/Action modes


class BadDriverData(ValueError):
    """Driver data that cannot be used (missing joints, NaN, wrong image size or encoding, ...)."""


class MissingJoints(BadDriverData):
    pass


class NotFinite(BadDriverData):
    pass


class WrongImage(BadDriverData):
    """An image of the wrong size or encoding."""


class JointMap:
    """Selects `names` (in that order) from JointState-like (names, values) pairs, whatever their order."""

    def __init__(self, names):
        self.names = tuple(names)
        self._index = {}

    def index(self, names):
        key = tuple(names)
        index = self._index.get(key)
        if index is None:
            lookup = {name: i for i, name in enumerate(key)}
            missing = [name for name in self.names if name not in lookup]
            if missing:
                raise MissingJoints(f'joint_states lacks {len(missing)} of the {len(self.names)} joints this robot '
                                    f"needs: {', '.join(missing)} (the message names: {', '.join(key) or 'none'})")
            index = self._index[key] = np.array([lookup[name] for name in self.names])
        return index

    def select(self, names, values, field='position', required=True):
        """
        Return the values of our joints (float64, our order).

        An empty optional field (JointState allows empty velocity / effort) gives None. Raises BadDriverData for missing
        joints, a length mismatch or NaN.
        """
        values = np.asarray(values, np.float64).reshape(-1)
        if not len(values) and not required:
            return None
        if len(values) != len(names):
            raise BadDriverData(f'joint_states has {len(values)} {field} values for {len(names)} joint names')
        out = values[self.index(names)]
        if not np.isfinite(out).all():
            bad = [self.names[i] for i in np.flatnonzero(~np.isfinite(out))]
            raise NotFinite(f"joint_states {field} is not finite (NaN or inf) for {', '.join(bad)}")
        return out


class JointStates:
    """
    The newest position of each joint, merged across JointState messages.

    Real drivers publish an arm and its gripper in separate messages (the UR driver's joint_state_broadcaster and
    the Robotiq's, xarm_ros2's arm and gripper), at rates of their own. `update()` takes one message (a bad one
    raises BadDriverData and changes nothing); `select(names, now, max_age)` returns the named joints' positions
    when each is known and no older than `max_age`, else raises MissingJoints naming the absent or stale ones.
    """

    def __init__(self):
        self._position, self._stamp = {}, {}

    def update(self, names, positions, now):
        positions = np.asarray(positions, np.float64).reshape(-1)
        if len(positions) != len(names):
            raise BadDriverData(f'joint_states has {len(positions)} position values for {len(names)} joint names')
        bad = [name for name, value in zip(names, positions) if not np.isfinite(value)]
        if bad:
            raise NotFinite(f"joint_states position is not finite (NaN or inf) for {', '.join(bad)}")
        for name, value in zip(names, positions):
            self._position[name], self._stamp[name] = float(value), now

    def select(self, names, now, max_age=float('inf')):
        missing = [name for name in names if name not in self._position]
        if missing:
            seen = ', '.join(sorted(self._position)) or 'none'
            raise MissingJoints(f'joint_states lacks {len(missing)} of the {len(names)} joints this robot needs: '
                                f"{', '.join(missing)} (joints seen so far: {seen})")
        stale = [name for name in names if now - self._stamp[name] > max_age]
        if stale:
            raise MissingJoints(f"joint_states has given no position of {', '.join(stale)} for over {max_age:g} s")
        return np.array([self._position[name] for name in names])


class Episode:
    """
    Step and episode bookkeeping of one bridge.

    Call `advance()` once per Step that goes out: it returns the Step's episode, step (strictly increasing
    over the bridge's lifetime), index within the episode and its is_first / is_last flags. After a Step with
    is_last the next one starts a new episode; when `resets` is set, `reset_due` is true in between and the
    bridge runs its scripted reset first (then `reset_done()`). `length` 0 means no limit.
    - `pause()`: the next Step goes out with is_last, then `paused` holds (no Steps, the robot holds).
    - `resume()`: the next Step is is_first of a new episode, without the scripted reset (KBReset's resume).
    - `end()`: the next Step goes out with is_last (ResetEpisode); `hard_reset()`: the current episode is cut
      now and the next Step starts a new one after the scripted reset.
    """

    def __init__(self, length, resets=True):
        self.length, self.resets = int(length), bool(resets)
        self.episode, self.step, self.index = 0, 0, 0
        self.paused = False
        self._first = True        # the next Step is is_first
        self._end = False         # the next Step is is_last (pause / end requested)
        self._pause_after = False
        self._reset = bool(resets)  # a scripted reset is due before the next Step
        self._started = False

    @property
    def reset_due(self):
        return self._reset and not self.paused

    def reset_done(self):
        self._reset = False

    def advance(self):
        if self.paused:
            raise RuntimeError('Episode.advance() while paused')
        if self._first:
            if self._started:
                self.episode += 1
            self._started, self._first, self.index = True, False, 0
            first = True
        else:
            self.index += 1
            first = False
        last = self._end or bool(self.length and self.index >= self.length)
        out = {'episode': self.episode, 'step': self.step, 'index': self.index, 'is_first': first, 'is_last': last}
        self.step += 1
        if last:
            self._end, self._first, self._reset = False, True, self.resets
            if self._pause_after:
                self._pause_after, self.paused = False, True
        return out

    @property
    def ending(self):
        """Tell whether the next Step goes out with is_last (a pause or an end was requested)."""
        return self._end

    @property
    def between(self):
        """Tell whether the last Step had is_last (or none went out yet): nothing is cut by a reset now."""
        return self._first

    def pause(self):
        if self.paused:
            return
        if self.between:
            self.paused = True
        else:
            self._end = self._pause_after = True

    def resume(self):
        """Leaves the pause; the next Step is is_first with no scripted reset. Returns False when not paused."""
        if not self.paused and not self._pause_after:
            return False
        self.paused = self._pause_after = self._end = False
        self._first, self._reset = True, False
        return True

    def end(self):
        """End the episode with the next Step (is_last). Returns the index of the episode that follows."""
        if not self.between:
            self._end = True
        return self.episode + (1 if self._started else 0)

    def hard_reset(self):
        """Cuts the episode now; the next Step is is_first after the scripted reset. Returns its episode index."""
        self.paused = self._pause_after = self._end = False
        self._first, self._reset = True, self.resets
        return self.episode + (1 if self._started else 0)


class Watchdog:
    """Trips when no action was fed for `timeout` seconds (also before the first one)."""

    def __init__(self, timeout):
        self.timeout = float(timeout)
        self.last = None
        self.trips = 0
        self._tripped = True

    def feed(self, now):
        self.last = float(now)
        self._tripped = False

    def expired(self, now):
        expired = self.last is None or float(now) - self.last > self.timeout
        if expired and not self._tripped:
            self._tripped = True
            self.trips += 1
        return expired

    @property
    def tripped(self):
        return self._tripped


class Freshness:
    """When each driver source was last received; `problems(now)` names the missing or stale ones."""

    def __init__(self, timeout, sources):
        self.timeout = float(timeout)
        self.times = dict.fromkeys(sources)

    def mark(self, source, now):
        self.times[source] = float(now)

    def problems(self, now):
        out = []
        for source, time in self.times.items():
            if time is None:
                out.append(f'no {source} received yet')
            elif float(now) - time > self.timeout:
                out.append(f'{source} is {float(now) - time:.2f} s old (stale_timeout {self.timeout:g} s)')
        return out


def check_action(expected_step, step, mode):
    """
    Sort an Action by the Step it answers; return (verdict, message).

    The verdict is 'act', 'hold' (MODE_HOLD: the safe stop), 'late' (it answers an older Step) or 'ahead' (a Step not
    sent yet). Its values are checked where the message is converted (daydreamer_ros.convert.msg_to_action).
    """
    step, expected_step = int(step), int(expected_step)
    if step < expected_step:
        return 'late', f'action for step {step} arrived after step {expected_step} went out; ignored'
    if step > expected_step:
        return 'ahead', f'action for step {step}, but the last step sent is {expected_step}; ignored'
    if int(mode) == MODE_HOLD:
        return 'hold', 'the actor holds (MODE_HOLD)'
    return 'act', ''


def step_obs(obs, reward, flags, logs=None):
    """Return the env-style observation dict of one Step: the observation keys, reward, flags and log_* extras."""
    out = dict(obs)
    out.update({'reward': np.float32(0.0 if flags['is_first'] else reward), 'is_first': bool(flags['is_first']),
                'is_last': bool(flags['is_last']), 'is_terminal': False})
    for key, value in (logs or {}).items():
        out[key if key.startswith('log_') else f'log_{key}'] = np.float32(value)
    return out


def camera_image(image, size, crop=(0, 0, 0, 0), source='camera/image_raw', aspect='crop', nearest=False):
    """
    Return a camera frame of any resolution as the agent's `size`: the `crop` region, centred, resized (images.fit).

    Raises WrongImage naming `source` when the crop does not fit the frame.
    """
    try:
        return images.fit(image, size, crop, aspect, nearest)
    except ValueError as e:
        raise WrongImage(f'{source}: {e}') from None

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
- Per robot, an adapter composes the core's own functions exactly as the MuJoCo twins' agent-level `step`
  does, but from driver data: `A1Adapter` (robots.a1: observation, reward, SafetyFilter, plus `LegOdometry`,
  the trunk velocity from joint encoders and IMU), `ArmAdapter` (robots.arm.PickPlace, the discrete action
  -> Cartesian moves -> joint paths through the arm's kinematic model), `SpheroAdapter` (robots.sphero:
  ball detection, reward, motor command, scripted random drive).
"""

import math

import numpy as np

from . import a1, arm, registry, sphero
from .. import images
from ..space import Space

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


# ---------------------------------------------------------------------------------------------------------
# A1

A1_THIGH_OFFSET, A1_LINK = 0.0838, 0.2  # m (robots/urdf/a1.urdf)
A1_HIPS = np.array([[0.1805, -0.047, 0.0], [0.1805, 0.047, 0.0], [-0.1805, -0.047, 0.0], [-0.1805, 0.047, 0.0]])
A1_SIDE = np.array([-1.0, 1.0, -1.0, 1.0])  # right legs have the thigh offset towards -y


A1_FOOT_RADIUS = 0.02


def a1_feet(q, offset=None):
    """
    Return the (4, 3) foot centres in the trunk frame for the 12 joint angles (legs FR, FL, RR, RL).

    With `offset` (4, 3), return the points at that offset from each foot centre in the calf's frame instead.
    """
    q = np.asarray(q, np.float64).reshape(4, 3)
    hip, thigh, knee = q[:, 0], q[:, 1], q[:, 1] + q[:, 2]
    x = -A1_LINK * (np.sin(thigh) + np.sin(knee))
    z = -A1_LINK * (np.cos(thigh) + np.cos(knee))
    y = A1_SIDE * A1_THIGH_OFFSET
    if offset is not None:  # rotate by Ry(thigh + calf) in the leg plane
        x = x + np.cos(knee) * offset[:, 0] + np.sin(knee) * offset[:, 2]
        y = y + offset[:, 1]
        z = z - np.sin(knee) * offset[:, 0] + np.cos(knee) * offset[:, 2]
    c, s = np.cos(hip), np.sin(hip)
    return A1_HIPS + np.stack([x, c * y - s * z, s * y + c * z], 1)


def _calf_frame(q, vectors):
    """`vectors` (4, 3) in the trunk frame, expressed in each calf's frame: (Rx(hip) Ry(thigh + calf))^T v."""
    q = np.asarray(q, np.float64).reshape(4, 3)
    hip, knee = q[:, 0], q[:, 1] + q[:, 2]
    c, s = np.cos(hip), np.sin(hip)
    x, y, z = vectors[:, 0], c * vectors[:, 1] + s * vectors[:, 2], -s * vectors[:, 1] + c * vectors[:, 2]
    ck, sk = np.cos(knee), np.sin(knee)
    return np.stack([ck * x - sk * z, y, sk * x + ck * z], 1)


class LegOdometry:
    """
    Trunk velocity (world frame) from what the A1 driver reports: joint angles and rates plus the IMU.

    A foot in stance rolls on the floor, so the calf's material point at the contact (the bottom of the
    foot sphere) does not move, and the trunk moves at minus that point's velocity relative to the trunk,
    rotated into the world. The stance feet are those within `stance_band` m of the lowest (JointState
    carries no foot force). `update` is called for every driver sample; `mean()` returns the average since
    its last call (the reward's velocity over one agent step). On its back the estimate is meaningless,
    but then the reward's velocity term is gated off anyway.
    """

    def __init__(self, stance_band=0.005, eps=1e-3):
        self.stance_band, self.eps = stance_band, eps
        self._sum, self._count = np.zeros(3), 0
        self.last = np.zeros(3)

    def update(self, quat, gyro, q, dq):
        q, dq = np.asarray(q, np.float64), np.asarray(dq, np.float64)
        rot = a1.rotation_matrix(quat)
        down = np.broadcast_to(-A1_FOOT_RADIUS * rot[2], (4, 3))   # world down, in the trunk frame
        offset = _calf_frame(q, down)
        contact = a1_feet(q, offset)
        moved = a1_feet(q + self.eps * dq, offset)   # the same calf-fixed points after eps s of joint motion
        point_vel = (moved - contact) / self.eps + np.cross(np.asarray(gyro, np.float64), contact)
        heights = contact @ rot[2]
        stance = heights <= heights.min() + self.stance_band
        self.last = rot @ -point_vel[stance].mean(0)
        self._sum += self.last
        self._count += 1
        return self.last

    def mean(self):
        out = self._sum / self._count if self._count else self.last.copy()
        self._sum, self._count = np.zeros(3), 0
        return out


class A1Adapter:
    """
    The A1 task from its driver: 16-D observation and reward.

    Actions go through the core SafetyFilter, streamed as `repeat` position commands per agent step (command_rate /
    control_rate).
    """

    robot, joints = a1.ROBOT.name, a1.JOINT_NAMES
    obs_space, act_space = a1.ROBOT.obs_space, a1.ROBOT.act_space

    def __init__(self, control_rate=a1.CONTROL_RATE, command_rate=200.0, kp=a1.KP_REAL, torque_stop=a1.TORQUE_STOP,
                 kd=a1.KD):
        self.repeat = max(1, int(round(float(command_rate) / float(control_rate))))
        self.filter = a1.SafetyFilter(kp=kp, kd=kd, repeat=self.repeat, rate=control_rate, torque_stop=torque_stop,
                                      stop_kd=kd)
        self.odometry = LegOdometry()
        self.joint_map = JointMap(self.joints)
        self.substep = 0
        self.holding = False   # the first hold() primes the filter at the measured pose

    def sense(self, q, dq, effort, quat, gyro):
        """
        One driver sample (angles, rates, measured torques or None, IMU quaternion (w, x, y, z), gyro).

        Checks the reported torque against the stop; returns False when the stop is latched.
        """
        if dq is not None:
            self.odometry.update(quat, gyro, q, dq)
        if effort is not None:
            return self.filter.check_torque(effort)
        return not self.filter.stopped

    def observe(self, q, quat, gyro):
        """(obs, reward, logs) of the agent step that just ended."""
        velocity = self.odometry.mean()
        forward = a1.forward_velocity(quat, velocity)
        total, terms = a1.reward(a1.up_z(quat), a1.normalize_angles(q), forward, velocity)
        logs = {f'log_r_{k}': v for k, v in terms.items()}
        logs.update(log_velocity_estimate=forward, log_upright=a1.up_z(quat),
                    log_safety_stop=float(self.filter.stopped), log_holding=float(self.holding))
        return {'vector': a1.observation(quat, gyro, q)}, total, logs

    def act(self, action):
        """Plans an agent action (12 in [-1, 1]) through the low-pass and the interpolation."""
        self.filter.plan(a1.unnormalize_action(action))
        self.substep, self.holding = 0, False

    def hold(self, q):
        """Hold the measured pose as the safe stop (the filter restarts from it, without a jump)."""
        if not self.holding and not self.filter.stopped:
            self.filter.reset(q)   # the pose at the moment of the stop, not one that follows a sagging robot
        self.substep, self.holding = self.repeat - 1, True

    def command(self, q, dq):
        """
        Return the next position command, 12 angles in rad.

        That is the current substep's target, clipped +-0.2 rad around the measured angles; the measured pose itself
        once the stop is latched.
        """
        i = min(self.substep, self.repeat - 1)
        self.substep += 1
        return self.filter.command(i, q, np.zeros(12) if dq is None else dq).copy()

    def rearm(self, q):
        """Clear a latched stop (an operator's hard reset) and hold the measured pose."""
        self.filter.reset(q)
        self.substep, self.holding = self.repeat - 1, True


# ---------------------------------------------------------------------------------------------------------
# UR5 / xArm

class ArmAdapter:
    """
    The pick-and-place task of a real (or simulated) arm from its driver.

    Its inputs are the joint states, the gripper joint and the camera(s). Actions become `robots.arm.Move`s, which
    `path` turns into joint targets along a straight tool line (the arm's kinematic model from its URDF); the bridge
    streams them and waits.

    gripper_open / gripper_closed: the gripper joint's position when open / closed (by default the real
    driver's, `robots.arm.DRIVERS`, which the sim node offers too); `gripper_pos` maps it onto 0..1 like the
    reference.
    """

    def __init__(self, robot, size=(64, 64), seed=None, kinematics=None, speed=0.1, gripper_open=None,
                 gripper_closed=None, crop=(0, 0, 0, 0), workspace=None):
        from ..envs import arm as arm_env   # the kinematic model needs MuJoCo (imported on first use)
        if robot not in arm.DRIVERS:
            raise ValueError(f'robot must be one of {sorted(arm.DRIVERS)}, not {robot!r}')
        spec = registry()[robot]
        self.robot, self.cfg = robot, arm_env.config(robot)
        self.ws = workspace if workspace is not None else spec.task  # calibrated on a real setup
        self.driver = spec.driver
        self.joints = self.driver.joints
        self.gripper_joint = self.driver.gripper_joint
        self.size, self.depth = tuple(int(s) for s in size), bool(self.cfg.depth)
        self.crop = tuple(int(v) for v in crop)  # (x, y, width, height) px of the colour frame; 0: to the edge
        self.obs_space, self.act_space = spec.obs_space, spec.act_space
        self.task = arm.PickPlace(self.ws, np.random.default_rng(seed))
        self.kinematics = kinematics if kinematics is not None else arm_env.ArmKinematics(self.cfg)
        self._orientation = lambda mat: arm_env.orientation(self.cfg, mat)
        self.speed = float(speed)
        self.gripper_open = self.driver.gripper_open if gripper_open is None else float(gripper_open)
        self.gripper_closed = self.driver.gripper_closed if gripper_closed is None else float(gripper_closed)

    def gripper_joint_position(self, closed):
        """Return the gripper joint's position for `closed` (0 open .. 1 closed)."""
        return self.gripper_open + float(closed) * (self.gripper_closed - self.gripper_open)

    def gripper_pos(self, position):
        value = (float(position) - self.gripper_open) / (self.gripper_closed - self.gripper_open)
        return min(1.0, max(0.0, value))

    def tool(self, q):
        return self.kinematics.fk(q)[0]

    def observe(self, q, gripper, rgb, depth_m=None):
        """Return the agent observation from joint angles, the gripper's 0..1 position and the camera frame(s)."""
        pos, mat = self.kinematics.fk(q)
        joints = np.zeros(self.obs_space['joint_positions'].shape, np.float32)
        joints[:len(q)] = q
        gripper_side, grasped_side = self.task.sides(pos)
        rgb = np.asarray(rgb, np.uint8)
        obs = {'image': camera_image(rgb, self.size, self.crop, 'camera/image_raw'),
               'cartesian_position': np.concatenate([pos, self._orientation(mat)]).astype(np.float32),
               'joint_positions': joints, 'gripper_pos': np.array([gripper], np.float32),
               'gripper_side': gripper_side, 'grasped_side': grasped_side}
        if self.depth:
            if depth_m is None:
                raise BadDriverData('no camera/depth/image_raw received (the xArm observation needs depth)')
            depth_m = np.asarray(depth_m, np.float32).reshape(np.shape(depth_m)[:2])
            # The crop is in colour pixels; a depth image of another resolution (not aligned) gets it scaled.
            sy, sx = depth_m.shape[0] / rgb.shape[0], depth_m.shape[1] / rgb.shape[1]
            x, y, w, h = self.crop
            crop = (round(x * sx), round(y * sy), round(w * sx), round(h * sy))
            depth_m = camera_image(depth_m, self.size, crop, 'camera/depth/image_raw', nearest=True)
            obs['depth'] = arm.encode_depth(depth_m, arm.DEPTH_FARTHEST[self.robot])
        return obs

    def act(self, index, q):
        """
        Return (moves, reset) for a discrete action.

        Above neither bin (the reference's arm_side()) the action is replaced by the scripted reset.
        """
        pos = self.tool(q)
        if self.ws.side_of(pos) == arm.OTHER:
            return self.reset_moves(q), True
        return self.task.act(int(index), pos), False

    def reward(self, gripper, q):
        """(reward, follow-up moves) after the moves of an action (the placement routine after +10)."""
        return self.task.reward(gripper, self.tool(q))

    def reset_moves(self, q):
        """Return the scripted reset; from above neither bin it first lifts to hover height."""
        pos = self.tool(q)
        moves = []
        if self.ws.side_of(pos) == arm.OTHER and not self.task.grasped:
            moves.append(arm.Move.to(pos[0], pos[1], self.ws.z_hover))
        return moves + self.task.reset()

    def pause_moves(self):
        return self.task.pause()

    def path(self, q0, target, rate):
        """
        Return joint targets (n, joints) along the straight tool line from the pose at q0 to `target`.

        One target per command at `rate` Hz, with a cosine time profile at a mean tool speed `speed` (the streamed
        forward_position_controller does not respect the driver's speed scaling, so this bounds it).
        """
        waypoints = self.kinematics.line(q0, target)
        start = self.tool(q0)
        dist = float(np.linalg.norm(np.asarray(target, np.float64) - start))
        n = max(1, int(math.ceil(dist / self.speed * float(rate))))
        u = (0.5 - 0.5 * np.cos(np.pi * np.arange(1, n + 1) / n)) * (len(waypoints) - 1)
        i = np.minimum(u.astype(int), len(waypoints) - 2) if len(waypoints) > 1 else np.zeros(n, int)
        if len(waypoints) == 1:
            return waypoints.repeat(n, 0)
        return waypoints[i] + (u - i)[:, None] * (waypoints[i + 1] - waypoints[i])


# ---------------------------------------------------------------------------------------------------------
# Sphero

class SpheroAdapter:
    """
    The Sphero task from an overhead camera.

    Image observation and reward come from the ball's position; actions become raw motor powers (left, right), ints
    out of 255 (the units of the driver's RawMotorCommand).
    """

    robot, obs_space, act_space = sphero.ROBOT.name, sphero.ROBOT.obs_space, sphero.ROBOT.act_space

    def __init__(self, arena_min=sphero.REFERENCE_ARENA_MIN, arena_max=sphero.REFERENCE_ARENA_MAX, crop_columns=None,
                 size=(64, 64), hsv_low=sphero.WHITE_HSV_LOW, hsv_high=sphero.WHITE_HSV_HIGH, seed=None,
                 reset_moves=sphero.RESET_MOVES, reset_move_seconds=sphero.RESET_MOVE_SECONDS,
                 reset_wait_seconds=sphero.RESET_WAIT_SECONDS):
        self.reset_moves, self.reset_move_seconds = int(reset_moves), float(reset_move_seconds)
        self.reset_wait_seconds = float(reset_wait_seconds)
        self.size = tuple(int(s) for s in size)
        self.obs_space = {'image': Space(np.uint8, self.size + (3,), 0, 255)}
        self.crop_columns = crop_columns
        self.tracker = sphero.BallTracker(arena_min, arena_max, low=hsv_low, high=hsv_high)
        self.rng = np.random.default_rng(seed)

    def observe(self, frame):
        """(obs, reward, logs) of an overhead RGB frame (any size: the reference resizes its 640x480 frame)."""
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise BadDriverData(f'overhead_camera/image_raw must be RGB uint8 (H, W, 3), got {frame.dtype} '
                                f'{frame.shape}')
        self.tracker.update(frame)
        value = self.tracker.reward()
        logs = {'log_success': float(sphero.success(value)), 'log_visible': float(self.tracker.visible)}
        return {'image': sphero.observation_image(frame, self.size, self.crop_columns)}, value, logs

    @staticmethod
    def motors(action):
        """Raw motor powers (left, right), ints in [-70, 70] of 255, for an agent action."""
        return sphero.motor_command(action)

    def reset_plan(self):
        """
        Return the scripted reset as [((left, right) raw powers, seconds), ...].

        By default 5 random 1 s drives at +-100, then 4 s stopped.
        """
        plan = [((left, right), self.reset_move_seconds)
                for left, right in sphero.reset_moves(self.rng, self.reset_moves)]
        return plan + [((0, 0), self.reset_wait_seconds)]


# A differential drive [left, right] (fractions of full power) -> a body-frame geometry_msgs/Twist (v, w), for
# the Gazebo model's velocity control (sphero_bridge command_interface gazebo_cmd_vel; not the real driver's
# cmd_vel, which is a heading and a speed). The Sphero twin's constants, measured: full power drives FULL_SPEED
# m/s, and a wheel's lever is TURN_RADIUS m (the sphero_bridge's parameters full_speed and turn_radius).
SPHERO_FULL_SPEED, SPHERO_TURN_RADIUS = 1.64, 0.075


def motors_to_twist(motors, full_speed=SPHERO_FULL_SPEED, turn_radius=SPHERO_TURN_RADIUS):
    """
    Convert wheel powers [left, right] to (linear x m/s, angular z rad/s).

    v = full_speed (l + r) / 2, w = full_speed (r - l) / (2 turn_radius) (counter-clockwise positive, as REP 103).
    """
    left, right = (float(v) for v in motors)
    return full_speed * (left + right) / 2.0, full_speed * (right - left) / (2.0 * turn_radius)

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
Unitree A1 quadruped: joint order, action mapping, safety filter and reward.

The sim (`daydreamer.envs.a1`) and the real ROS 2 bridge use this module. It imports neither
MuJoCo nor ROS. Everything here is computed from what the real robot senses: the IMU orientation and
angular rate, the joint encoders, and an estimate of the trunk velocity. On hardware the velocity comes
from an estimator (the reference uses an IMU + foot-contact Kalman filter). In sim it is the trunk's
displacement over one agent step, divided by the step time. Conventions follow
shared/reference/robot_tasks.md §1.

- Joint order (Unitree `quadruped.h`, also the reference's): FR, FL, RR, RL, each hip (abduction), thigh,
  calf. `JOINT_NAMES` are the URDF and driver names (`FR_hip_joint`, ...).
- Action: 12 numbers in [-1, 1]. `unnormalize_action` clips them, then maps each affinely onto a sub-range
  of its joint (`TARGET_LOW`/`TARGET_HIGH`: the `MOTOR_USED` fractions of the joint limits).
- `SafetyFilter` sits below the agent, at the 1 kHz level. A 20 Hz target goes through a 2nd-order
  Butterworth low-pass (1.5 Hz). The filter is primed with the measured pose at reset. Each substep
  interpolates linearly from the previous filtered target, clips the command to +-0.2 rad around the
  measured angle and then to the joint limits, and runs PD (Kp 100 sim / 80 real; Kd 1 hip, 2
  thigh/calf). A commanded torque over 42 N m latches a safety stop: damping only (Kp = 0, Kd > 0) until
  `reset`. The motor itself saturates at 33.5 N m (`EFFORT_LIMIT`, A1 motor spec and URDF effort).
- `reward` is the reference's gated reward (RMATask, 0.3 m/s). Its value lies in [0, 14]: about 5 when
  lying still, about 8.8 when standing still at the nominal pose, about 14 when walking at 0.3 m/s.
- Quaternions are (w, x, y, z), as in MuJoCo and the Unitree SDK's `IMU.quaternion`. ROS
  `sensor_msgs/Imu` stores x, y, z, w: reorder when converting.
- `A1Task` is the task, the one code path of the twin's agent step (`daydreamer.envs.a1.A1Sim.step`) and the
  real bridge (`robot_bridges.a1_bridge`): action -> the filter's plan -> one position command per substep ->
  observation, reward and logs from the sensed data. `LegOdometry` (with `feet`) is the bridge's trunk
  velocity estimator; the twin supplies the true velocity instead (see `A1Task`).
"""

import math
import os

import numpy as np

from .spec import Robot
from ..space import Space

URDF_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'urdf', 'a1.urdf')

LEGS = ('FR', 'FL', 'RR', 'RL')
PARTS = ('hip', 'thigh', 'calf')
JOINT_NAMES = tuple(f'{leg}_{part}_joint' for leg in LEGS for part in PARTS)
LINK_NAMES = ('trunk',) + tuple(f'{leg}_{part}' for leg in LEGS for part in PARTS + ('foot',))
FOOT_NAMES = tuple(f'{leg}_foot' for leg in LEGS)
NUM_JOINTS = 12

JOINT_LOW = np.tile([-0.803, -1.047, -2.697], 4)
JOINT_HIGH = np.tile([0.803, 4.189, -0.916], 4)
# The fractions of each joint's range that actions use (reference `MOTOR_USED`).
MOTOR_USED_LOW = np.tile([0.01, 0.01, 0.01], 4)
MOTOR_USED_HIGH = np.tile([0.99, 0.90, 0.60], 4)
TARGET_LOW = JOINT_LOW + MOTOR_USED_LOW * (JOINT_HIGH - JOINT_LOW)      # [-0.787, -0.995, -2.679] x 4
TARGET_HIGH = JOINT_LOW + MOTOR_USED_HIGH * (JOINT_HIGH - JOINT_LOW)    # [0.787, 3.665, -1.628] x 4

EFFORT_LIMIT = 33.5       # N m, A1 motor peak torque (the URDF's effort limit); the motor saturates here
TORQUE_STOP = 42.0        # N m, commanded torques above this latch the safety stop (reference)
MAX_DELTA = 0.2           # rad, per-substep clip of the command around the measured angle
KP_SIM, KP_REAL = 100.0, 80.0
KD = np.tile([1.0, 2.0, 2.0], 4)
CONTROL_RATE = 20.0       # Hz, agent actions
EPISODE_LENGTH = 250      # agent steps (12.5 s), cuts of one run: the A1 is not reset between episodes
SUBSTEP = 0.001           # s, the inner loop (1 kHz)
REPEAT = 50               # substeps per agent step
CUTOFF = 1.5              # Hz, the action low-pass

INIT_POSE = np.tile([0.0, 0.9, -1.8], 4)   # the reference's sim start pose (rad)
INIT_HEIGHT = 0.2587                       # m, the reference's sim start height of the trunk
STANDING_POSE = np.tile([0.0, -0.2, 1.0], 4)  # the reward's target pose, in normalised joint angles
DESIRED_SPEED = 0.3       # m/s
_WORST = np.maximum(1 - STANDING_POSE, 1 + STANDING_POSE)   # the largest deviation from the pose in [-1, 1]
_HALF_SPAN = 0.5 * (TARGET_HIGH - TARGET_LOW)


def unnormalize_action(action):
    """Joint targets (rad) for a normalised action: NaN -> 0, clip to [-1, 1], affine onto the target ranges."""
    action = np.asarray(action, np.float64).reshape(NUM_JOINTS)
    if np.isnan(action.sum()):
        action = np.nan_to_num(action)
    action = np.minimum(np.maximum(action, -1.0), 1.0)
    action += 1.0
    action *= _HALF_SPAN
    action += TARGET_LOW
    return action


def normalize_action(target):
    """Return the action (12 in [-1, 1], float32) whose joint targets are `target` (rad), as unnormalize_action."""
    action = (np.asarray(target, np.float64).reshape(NUM_JOINTS) - TARGET_LOW) / _HALF_SPAN - 1.0
    return np.clip(action, -1.0, 1.0).astype(np.float32)


def normalize_angles(angles):
    """Invert `unnormalize_action` (not clipped): joint angles (rad) -> normalised units."""
    return 2.0 * (np.asarray(angles, np.float64) - TARGET_LOW) / (TARGET_HIGH - TARGET_LOW) - 1.0


STAND_ACTION = normalize_angles(INIT_POSE).astype(np.float32)   # the action whose target is INIT_POSE


def butterworth_lowpass(cutoff=CUTOFF, rate=CONTROL_RATE):
    """
    Coefficients (b, a) of a 2nd-order Butterworth low-pass.

    The bilinear transform is prewarped at `cutoff`. They match scipy.signal.butter(2, cutoff, fs=rate); a[0] == 1.
    """
    k = math.tan(math.pi * cutoff / rate)
    norm = 1.0 / (1.0 + math.sqrt(2.0) * k + k * k)
    b0 = k * k * norm
    b = np.array([b0, 2.0 * b0, b0])
    a = np.array([1.0, 2.0 * (k * k - 1.0) * norm, (1.0 - math.sqrt(2.0) * k + k * k) * norm])
    return b, a


class LowPassFilter:
    """A 2nd-order IIR filter (direct form I), vectorised over the channels of its input."""

    def __init__(self, b, a, size=NUM_JOINTS):
        self.b, self.a = np.asarray(b, np.float64), np.asarray(a, np.float64)
        self.x = np.zeros((2, size))  # x[n-1], x[n-2]
        self.y = np.zeros((2, size))  # y[n-1], y[n-2]

    def reset(self, value):
        """Primes the history with a constant input, so that the output continues from `value` without a jump."""
        self.x[:] = value
        self.y[:] = value

    def __call__(self, x):
        """Filter one sample `x` (one value per channel) and return the output."""
        y = self.b[0] * x
        y += self.b[1:] @ self.x
        y -= self.a[1:] @ self.y
        self.x[1] = self.x[0]
        self.x[0] = x
        self.y[1] = self.y[0]
        self.y[0] = y
        return y

    def response(self, frequency, rate=CONTROL_RATE):
        """Return the magnitude of the frequency response at `frequency` (Hz)."""
        z = np.exp(-2j * np.pi * frequency / rate * np.arange(3))
        return float(abs(np.dot(self.b, z) / np.dot(self.a, z)))


class SafetyFilter:
    """
    Filters, interpolates, clips and tracks the agent's joint targets at the substep level, and latches a stop.

    Per agent step, call `plan(targets)` with the 12 targets in radians (see `unnormalize_action`). Then, for
    each substep i in range(repeat), call `command(i, q, dq)` with the measured angles and velocities. It
    returns the position command to send. `kp` and `kd` hold the gains to send with it (a Unitree
    LowCmd: q, dq = 0, Kp, Kd, tau = 0), and `tau` holds the PD torque that this command asks for.

    The torque check trips when max |tau| > `torque_stop`. A tripping command is not sent. From then on the
    filter commands pure damping (Kp = 0, Kd = `stop_kd`, q = measured) until `reset(q)`. `check_torque`
    checks a reported torque instead, e.g. the driver's tauEst. The sim uses it: its motors evaluate the
    same PD, and it checks their torque before saturation after each 1 ms substep. This matches the
    reference, which checks the torque it reads back after applying a command. `stops` counts the trips.
    On hardware nothing clears the stop except a reset (an operator action). The sim may re-arm it after a
    hold time; see `daydreamer.envs.a1`.
    """

    def __init__(self, kp=KP_SIM, kd=KD, repeat=REPEAT, cutoff=CUTOFF, rate=CONTROL_RATE, max_delta=MAX_DELTA,
                 low=JOINT_LOW, high=JOINT_HIGH, torque_stop=TORQUE_STOP, stop_kd=KD, lowpass=True):
        self.repeat = int(repeat)
        self.kp_run = np.broadcast_to(np.asarray(kp, np.float64), (NUM_JOINTS,)).copy()
        self.kd_run = np.broadcast_to(np.asarray(kd, np.float64), (NUM_JOINTS,)).copy()
        self.stop_kd = np.broadcast_to(np.asarray(stop_kd, np.float64), (NUM_JOINTS,)).copy()
        if (self.stop_kd <= 0).any():
            raise ValueError('the safety stop needs damping: stop_kd must be > 0')
        self.max_delta = float(max_delta)
        self._delta = np.full(NUM_JOINTS, self.max_delta)   # arrays: ufuncs convert a scalar bound on every call
        self._neg_delta = -self._delta
        self.low, self.high = np.asarray(low, np.float64), np.asarray(high, np.float64)
        self.torque_stop = float(torque_stop)
        self.lowpass = LowPassFilter(*butterworth_lowpass(cutoff, rate)) if lowpass else None
        self._fraction = (np.arange(1, self.repeat + 1) / self.repeat)[:, None]
        self.targets = np.zeros((self.repeat, NUM_JOINTS))  # this agent step's interpolated targets
        self.previous = np.zeros(NUM_JOINTS)                 # the last filtered target
        self.q_cmd = np.zeros(NUM_JOINTS)
        self.tau = np.zeros(NUM_JOINTS)
        self._e = np.zeros(NUM_JOINTS)
        self._d = np.zeros(NUM_JOINTS)
        self.kp, self.kd = self.kp_run, self.kd_run
        self.stopped = False
        self.stops = 0
        self.reset(np.clip(INIT_POSE, self.low, self.high))

    def reset(self, q):
        """Primes the low-pass and the interpolation with the measured pose `q`, and clears the stop."""
        q = np.asarray(q, np.float64)
        if self.lowpass is not None:
            self.lowpass.reset(q)
        self.previous[:] = q
        self.targets[:] = q
        self.kp, self.kd = self.kp_run, self.kd_run
        self.stopped = False

    def plan(self, target):
        """Low-passes one agent-step target (rad, 12) and lays out the substep targets. Returns the filtered one."""
        target = np.asarray(target, np.float64)
        filtered = self.lowpass(target) if self.lowpass is not None else target
        targets = self.targets
        np.multiply(self._fraction, filtered - self.previous, out=targets)
        targets += self.previous
        np.minimum(targets, self.high, out=targets)   # the joint limits (see `command`)
        np.maximum(targets, self.low, out=targets)
        self.previous[:] = filtered
        return filtered

    def command(self, i, q, dq, out=None, check=True):
        """
        Return the position command for substep `i` (rad), given the measured angles `q` and velocities `dq`.

        The reference clips each substep's target to +-max_delta around `q` and then to the joint limits. Here
        `plan` has already clipped the targets to the limits, and this clips them around `q`. Both orders
        give the same command whenever `q` is within max_delta (0.2 rad) of the joint limits, which the
        hardware's end stops and the sim's limit constraints guarantee. This saves two array operations per
        substep.
        It is written into `out` when given. With `check`, the PD torque of the command is computed into
        `tau` and checked: a trip latches the stop, and the damping command is returned instead. Without
        `check`, the caller checks the torque the motor reports (`check_torque`), as the sim does: MuJoCo
        evaluates the same PD before saturation.
        """
        q_cmd = self.q_cmd if out is None else out
        if self.stopped:
            q_cmd[:] = q
            if check:
                np.multiply(dq, -self.stop_kd, out=self.tau)
            return q_cmd
        e = self._e                                        # clip to +-max_delta around the measured angle
        np.subtract(self.targets[i], q, out=e)
        np.minimum(e, self._delta, out=e)
        np.maximum(e, self._neg_delta, out=e)
        np.add(q, e, out=q_cmd)
        if check:
            tau = self.tau                                 # PD: tau = Kp (q_cmd - q) - Kd dq
            np.subtract(q_cmd, q, out=tau)
            tau *= self.kp
            np.multiply(dq, self.kd, out=self._d)
            tau -= self._d
            if not self.check_torque(tau):
                return self.command(i, q, dq, out, check)
        return q_cmd

    def check_torque(self, tau):
        """
        Check a torque (the commanded one, or the driver's tauEst) and trip the stop if any |tau| > torque_stop.

        Returns False while stopped.
        """
        if not self.stopped and np.dot(tau, tau) > self.torque_stop ** 2 and np.abs(tau).max() > self.torque_stop:
            self.stop()
        return not self.stopped

    def stop(self):
        """Latch the damping-only stop until `reset`: Kp = 0, Kd = stop_kd."""
        if not self.stopped:
            self.stops += 1
        self.stopped = True
        self.kp, self.kd = np.zeros(NUM_JOINTS), self.stop_kd

    def low_cmd(self, i, q, dq):
        """`command` (checked) as a Unitree LowCmd-like dict for the 12 motors: q, dq, kp, kd, tau (feed-forward)."""
        q_cmd = self.command(i, q, dq).copy()
        return {'q': q_cmd, 'dq': np.zeros(NUM_JOINTS), 'kp': self.kp.copy(), 'kd': self.kd.copy(),
                'tau': np.zeros(NUM_JOINTS)}


# --- IMU and velocity helpers (the real bridge computes the same from the IMU and its velocity estimate) ---

def rotation_matrix(quat):
    """Return the 3x3 rotation (body -> world) of a unit quaternion (w, x, y, z)."""
    w, x, y, z = (float(v) for v in quat)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])


def roll_pitch_yaw(quat):
    """
    Return the Euler angles (rad) of a quaternion (w, x, y, z).

    R = Rz(yaw) Ry(pitch) Rx(roll), as in PyBullet and the SDK's rpy.
    """
    w, x, y, z = (float(v) for v in quat)
    roll = math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    pitch = math.asin(max(-1.0, min(1.0, 2 * (w * y - z * x))))
    yaw = math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    return roll, pitch, yaw


def up_z(quat):
    """Return the world z component of the trunk's up axis (1 upright, 0 on its side, -1 on its back)."""
    _, x, y, _ = (float(v) for v in quat)
    return 1 - 2 * (x * x + y * y)


def forward_velocity(quat, velocity):
    """
    Return the velocity (world frame, m/s) along the trunk's heading [R00, R10, 0].

    As in the reference, this heading is not renormalised, so it shrinks when the trunk pitches or rolls.
    """
    w, x, y, z = (float(v) for v in quat)
    return (1 - 2 * (y * y + z * z)) * float(velocity[0]) + 2 * (x * y + w * z) * float(velocity[1])


def observation(quat, angular_velocity, q):
    """
    Return the agent's 'vector' (16,) float32: [roll, pitch, roll_rate, pitch_rate] + 12 joint angles.

    The rates are the body-frame angular velocity about x and y (gyroscope).
    """
    roll, pitch, _ = roll_pitch_yaw(quat)
    out = np.empty(16, np.float32)
    out[0], out[1], out[2], out[3] = roll, pitch, angular_velocity[0], angular_velocity[1]
    out[4:] = q
    return out


def reward(up, joint_angles_normalised, forward_vel, velocity, desired_speed=DESIRED_SPEED):
    """
    Compute the reference's gated reward of RMATask; return (total, terms).

    terms holds upr, hip, sho, kne, vel.

    up: `up_z` of the trunk. joint_angles_normalised: `normalize_angles(q)` (12), the inverse of the action
    mapping, as the reference's `a1.normalize_action` of the motor angles (its STANDING_POSE [0, -0.2, 1]
    is the nominal stance [0, 0.9, -1.8] in those units: thigh -0.19, calf 0.67). forward_vel:
    `forward_velocity`.
    velocity: the trunk velocity vector (any frame; only its norm is used). A zero velocity gives a zero
    forward fraction instead of NaN.
    """
    deviations = np.abs(np.asarray(joint_angles_normalised, np.float64) - STANDING_POSE)
    deviations /= _WORST                         # in [0, 1] after the clip
    np.minimum(deviations, 1.0, out=deviations)
    hip, sho, kne = (float(v) / 4 for v in deviations.reshape(4, 3).sum(0))   # mean deviation per joint type
    forward_vel = float(forward_vel)
    r_upr = float(up) / 2 + 0.5
    r_hip = 1 - hip if r_upr > 0.7 else 0.0
    r_sho = 1 - sho if r_hip > 0.7 else 0.0
    r_kne = 1 - kne if r_sho > 0.7 else 0.0
    speed = math.sqrt(sum(float(v) * float(v) for v in velocity))
    forward_frac = max(0.0, forward_vel) / speed if speed > 1e-9 else 0.0   # no NaN at zero velocity
    forward_going = min(1.0, max(-1.0, forward_vel / desired_speed))
    r_vel = forward_frac * forward_going if r_kne > 0.7 else 0.0
    total = r_upr + r_hip + r_sho + r_kne + 10 * (r_vel + 1) / 2
    return total, {'upr': r_upr, 'hip': r_hip, 'sho': r_sho, 'kne': r_kne, 'vel': r_vel}


# --- the task: one code path for the twin and the real driver ---

class A1Task:
    """
    The A1 task over its driver: the agent's action -> position commands; sensed data -> observation and reward.

    The driver interface is the Unitree low level, which both drivers implement: the MuJoCo twin's motor boards
    (`daydreamer.envs.a1.A1Sim`, 1 ms substeps) and the real driver's topics (`robot_bridges.a1_bridge`: LowCmd /
    LowState of the legged SDK, or ros2_control's joint states, IMU and position commands).

    Told to do (per agent step): `act(action)` plans the step through the `SafetyFilter`; then each call of
    `command(q, dq)` returns the next of `repeat` position commands (rad, 12), to be sent with the gains `kp`, `kd`
    (Kp = 0 once the stop is latched). `hold(q)` holds the measured pose (the bridge's safe stop), `rearm(q)` clears
    a latched stop (an operator's reset) and holds.
    Sensed: `sense(effort)` checks a torque the driver reports against the stop (returns False while stopped);
    `observe(q, quat, gyro, velocity)` returns (obs, reward, logs) of the agent step that just ended, from the joint
    angles, the IMU (quaternion (w, x, y, z), body-frame gyro) and the trunk velocity (world frame, m/s).

    What the two drivers supply differently (parameters of this one class, not different code):
    - `velocity`: the twin passes the trunk's true displacement over the agent step divided by its duration
      (privileged: no sensor measures it); the bridge passes `LegOdometry`'s estimate from the joint encoders and
      the IMU, averaged over the step's samples. Only the reward's velocity term (and log_velocity_estimate)
      see it. `velocity=None` is an observation with no agent step behind it (the twin's first one after a
      reset): reward 0 and zero reward terms.
    - gains: Kp 100 (`KP_SIM`, the twin's motors) vs 80 (`KP_REAL`, sent in the real LowCmd); Kd as configured.
    - `command_rate`: 1 kHz in the twin (`REPEAT` = 50 substeps per step, as the reference), 200 Hz on the bridge
      (10 commands per step; a Python timer cannot hold 1 kHz, the motors' PD holds each target in between).
    - the torque check: the twin checks the motors' PD torque before saturation after each substep (`sense`,
      `check_command=False`: MuJoCo evaluates that PD); the bridge checks both the commanded PD torque
      (`check_command=True`) and the driver's reported tauEst (`sense`).
    - asynchrony: the twin calls act, the `repeat` commands and observe in lock-step; the bridge calls them on
      its timers (observe at 20 Hz, commands at `command_rate`), so a late action repeats the last target.
    Twin-only, outside this class: the start poses and settling (`start` stand / random / mixed; the real A1 is
    reset-free), re-arming a latched stop after `recover_after` s (on hardware an operator resets it), and the
    privileged logs (true forward velocity, height, position). Bridge-only: the safe-stop holds (watchdog, stale
    data, pause) and log_holding.
    """

    joints = JOINT_NAMES

    def __init__(self, kp=KP_REAL, kd=KD, command_rate=200.0, control_rate=CONTROL_RATE, torque_stop=TORQUE_STOP,
                 check_command=True):
        self.repeat = max(1, int(round(float(command_rate) / float(control_rate))))
        self.filter = SafetyFilter(kp=kp, kd=kd, repeat=self.repeat, rate=control_rate, torque_stop=torque_stop,
                                   stop_kd=kd)
        self.check_command = bool(check_command)
        self.substep = 0
        self.holding = False   # the first hold() primes the filter at the measured pose
        self._no_dq = np.zeros(NUM_JOINTS)

    @property
    def kp(self):
        """Return the position gains to send with the commands (0 while the stop is latched)."""
        return self.filter.kp

    @property
    def kd(self):
        """Return the damping gains to send with the commands."""
        return self.filter.kd

    @property
    def stopped(self):
        """Tell whether the torque stop is latched."""
        return self.filter.stopped

    def act(self, action):
        """Plan an agent action (12 in [-1, 1]) through the low-pass and the interpolation."""
        self.plan(unnormalize_action(action))

    def plan(self, target):
        """Plan joint targets in rad (12) for the next `repeat` commands."""
        self.filter.plan(target)
        self.substep, self.holding = 0, False

    def command(self, q, dq, out=None):
        """
        Return the next position command, 12 angles in rad, for the measured angles `q` and velocities `dq`.

        That is the current substep's target, clipped +-0.2 rad around `q` (the last one again once the step's
        `repeat` are used up), or `q` itself once the stop is latched. `dq` None (not reported) counts as 0. Written
        into `out` when given, else a new array.
        """
        i = self.substep if self.substep < self.repeat else self.repeat - 1
        self.substep += 1
        if out is None:
            return self.filter.command(i, q, self._no_dq if dq is None else dq, check=self.check_command).copy()
        return self.filter.command(i, q, self._no_dq if dq is None else dq, out, self.check_command)

    def sense(self, effort):
        """Check a torque the driver reports (N m, 12; None: none) against the stop; False when it is latched."""
        if effort is not None:
            return self.filter.check_torque(effort)
        return not self.filter.stopped

    def observe(self, q, quat, gyro, velocity):
        """
        Return (obs, reward, logs) of the agent step that just ended.

        obs is {'vector': `observation`}; reward is `reward` with the trunk `velocity` (world frame; None: no step
        ended, reward 0); logs are log_r_<term>, log_velocity_estimate (`forward_velocity` of `velocity`),
        log_upright, log_safety_stop and log_stops.
        """
        up = up_z(quat)
        if velocity is None:
            total, forward = 0.0, 0.0
            terms = dict.fromkeys(('upr', 'hip', 'sho', 'kne', 'vel'), 0.0)
        else:
            forward = forward_velocity(quat, velocity)
            total, terms = reward(up, normalize_angles(q), forward, velocity)
        logs = {f'log_r_{k}': v for k, v in terms.items()}
        logs.update(log_velocity_estimate=forward, log_upright=up, log_safety_stop=float(self.filter.stopped),
                    log_stops=float(self.filter.stops))
        return {'vector': observation(quat, gyro, q)}, total, logs

    def hold(self, q):
        """Hold the measured pose as the safe stop (the filter restarts from it, without a jump)."""
        if not self.holding and not self.filter.stopped:
            self.filter.reset(q)   # the pose at the moment of the stop, not one that follows a sagging robot
        self.substep, self.holding = self.repeat - 1, True

    def rearm(self, q):
        """Clear a latched stop (an operator's reset), prime the filter with the measured pose `q` and hold it."""
        self.filter.reset(q)
        self.substep, self.holding = self.repeat - 1, True


# --- the real bridge's trunk velocity estimate (the twin knows the true velocity) ---

THIGH_OFFSET, LINK_LENGTH = 0.0838, 0.2   # m (urdf/a1.urdf)
HIPS = np.array([[0.1805, -0.047, 0.0], [0.1805, 0.047, 0.0], [-0.1805, -0.047, 0.0], [-0.1805, 0.047, 0.0]])
SIDE = np.array([-1.0, 1.0, -1.0, 1.0])  # right legs have the thigh offset towards -y
FOOT_RADIUS = 0.02


def feet(q, offset=None):
    """
    Return the (4, 3) foot centres in the trunk frame for the 12 joint angles (legs FR, FL, RR, RL).

    With `offset` (4, 3), return the points at that offset from each foot centre in the calf's frame instead.
    """
    q = np.asarray(q, np.float64).reshape(4, 3)
    hip, thigh, knee = q[:, 0], q[:, 1], q[:, 1] + q[:, 2]
    x = -LINK_LENGTH * (np.sin(thigh) + np.sin(knee))
    z = -LINK_LENGTH * (np.cos(thigh) + np.cos(knee))
    y = SIDE * THIGH_OFFSET
    if offset is not None:  # rotate by Ry(thigh + calf) in the leg plane
        x = x + np.cos(knee) * offset[:, 0] + np.sin(knee) * offset[:, 2]
        y = y + offset[:, 1]
        z = z - np.sin(knee) * offset[:, 0] + np.cos(knee) * offset[:, 2]
    c, s = np.cos(hip), np.sin(hip)
    return HIPS + np.stack([x, c * y - s * z, s * y + c * z], 1)


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

    The real bridge's `velocity` for `A1Task.observe`. A foot in stance rolls on the floor, so the calf's material
    point at the contact (the bottom of the foot sphere) does not move, and the trunk moves at minus that point's
    velocity relative to the trunk, rotated into the world. The stance feet are those within `stance_band` m of
    the lowest (JointState carries no foot force). `update` is called for every driver sample; `mean()` returns
    the average since its last call (the reward's velocity over one agent step). On its back the estimate is
    meaningless, but then the reward's velocity term is gated off anyway.
    """

    def __init__(self, stance_band=0.005, eps=1e-3):
        self.stance_band, self.eps = stance_band, eps
        self._sum, self._count = np.zeros(3), 0
        self.last = np.zeros(3)

    def update(self, quat, gyro, q, dq):
        q, dq = np.asarray(q, np.float64), np.asarray(dq, np.float64)
        rot = rotation_matrix(quat)
        down = np.broadcast_to(-FOOT_RADIUS * rot[2], (4, 3))   # world down, in the trunk frame
        offset = _calf_frame(q, down)
        contact = feet(q, offset)
        moved = feet(q + self.eps * dq, offset)   # the same calf-fixed points after eps s of joint motion
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


ROBOT = Robot(
    name='a1', obs_space={'vector': Space(np.float32, (16,))}, act_space=Space(np.float32, (NUM_JOINTS,), -1, 1),
    control_rate=CONTROL_RATE, episode_length=EPISODE_LENGTH, resets=False, twin='daydreamer.envs.a1:a1_sim',
    bridge='a1_bridge', urdf='a1.urdf', root_frame='trunk', fixed_base=False, camera='',
    watchdog_timeout=0.25, stale_timeout=0.1,
    # The legged SDK's ROS 2 driver, unitree_ros2_to_real: `ros2 run unitree_legged_real ros2_udp LOWLEVEL` (node
    # node_ros2_udp, root namespace) answers each LowCmd on /low_cmd with one LowState on /low_state. With the
    # bridge's driver_interface:=ros2_control instead, a ros2_control driver started in the robot's namespace
    # (joint_states, imu_sensor_broadcaster/imu, forward_position_controller/commands) needs no remapping.
    real_topics={'low_cmd': '/low_cmd', 'low_state': '/low_state'},
    gazebo_parameters={'driver_interface': 'ros2_control'})   # gz_ros2_control + the IMU bridged from Gazebo

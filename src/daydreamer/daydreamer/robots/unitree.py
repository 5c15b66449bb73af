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
The Unitree legged SDK's low-level interface (LowCmd / LowState), without ROS.

The real A1 driver is unitree_ros2_to_real's `ros2_udp LOWLEVEL` (package unitree_legged_real, node
node_ros2_udp): it subscribes `low_cmd` (ros2_unitree_legged_msgs/LowCmd), sends each command to the robot over
UDP, receives the robot's state and publishes it on `low_state` (LowState), one per command (lock-step). The
messages mirror the SDK's structs (`unitree_legged_sdk/comm.h`):
- LowCmd: head [0xFE, 0xEF], level_flag LOWLEVEL (0xFF), 20 `motor_cmd` slots (mode, q, dq, tau, kp, kd). The
  A1 uses slots 0..11 in the order of `quadruped.h` (FR_0, FR_1, FR_2, FL_0, ..., RL_2: per leg FR, FL, RR, RL
  the hip, thigh and calf), which is `robots.a1.JOINT_NAMES`. Mode 0x0A is servo (PMSM) mode; each motor
  applies tau + kp (q - angle) + kd (dq - velocity). The sentinels PosStopF (q) and VelStopF (dq) switch the
  position / velocity term off; unused slots carry them with kp = kd = 0 (as the SDK's examples do).
- LowState: `motor_state[i]` (q, dq, tau_est), `imu` (quaternion (w, x, y, z), gyroscope, accelerometer, rpy),
  `foot_force`.
This module computes the field values; the ROS nodes copy them into and out of the messages.
"""

import numpy as np

from . import a1
from .bridge import BadDriverData, NotFinite

HEAD = (0xFE, 0xEF)
LOWLEVEL = 0xFF
SERVO = 0x0A                     # motor mode: servo (PMSM); 0x00 is idle (the motor is off)
POS_STOP_F = 2.146e9             # q: no position term (SDK PosStopF)
VEL_STOP_F = 16000.0             # dq: no velocity term (SDK VelStopF)
NUM_MOTORS = 20                  # motor_cmd / motor_state slots in the messages
# SDK motor index of each of our joints (quadruped.h: FR_0 = 0, FR_1 = 1, FR_2 = 2, FL_0 = 3, ..., RL_2 = 11).
MOTOR_INDEX = {name: leg * 3 + part for leg, prefix in enumerate(a1.LEGS)
               for part, name in enumerate(f'{prefix}_{p}_joint' for p in a1.PARTS)}
MOTORS = np.array([MOTOR_INDEX[name] for name in a1.JOINT_NAMES])   # == arange(12)


def _joints(value, name):
    out = np.broadcast_to(np.asarray(value, np.float64), (a1.NUM_JOINTS,))
    if not np.isfinite(out).all():
        raise ValueError(f'{name} must be finite, got {out.tolist()}')
    return out


def low_cmd(q, kp, kd, dq=0.0, tau=0.0):
    """
    Return the 20 motor commands of a LowCmd that asks the A1's 12 motors for servo PD on targets `q`.

    q, kp, kd, dq, tau: 12 values (or scalars) in JOINT_NAMES order. A q of POS_STOP_F (dq of VEL_STOP_F) switches
    that motor's position (velocity) term off. Returns {'mode', 'q', 'dq', 'tau', 'kp', 'kd'}: arrays of 20 in SDK
    motor order; slots 12..19 are unused (mode 0, PosStopF, VelStopF, zero gains and torque).
    """
    out = {'mode': np.zeros(NUM_MOTORS, np.int64), 'q': np.full(NUM_MOTORS, POS_STOP_F),
           'dq': np.full(NUM_MOTORS, VEL_STOP_F), 'tau': np.zeros(NUM_MOTORS), 'kp': np.zeros(NUM_MOTORS),
           'kd': np.zeros(NUM_MOTORS)}
    out['mode'][MOTORS] = SERVO
    for field, value in (('q', q), ('dq', dq), ('tau', tau), ('kp', kp), ('kd', kd)):
        out[field][MOTORS] = _joints(value, field)
    return out


def damping_cmd(kd):
    """Return the motor commands of pure damping (no position term: Kp = 0, q = PosStopF; dq = 0, Kd = `kd`)."""
    return low_cmd(POS_STOP_F, 0.0, kd)


def motor_targets(mode, q, dq, tau, kp, kd):
    """
    Return what a LowCmd's motor commands ask of the A1's 12 motors, in JOINT_NAMES order (the twin's side).

    The arguments are the 20 (or more) slots of the message. Returns {'q', 'dq', 'kp', 'kd', 'tau'} (12 each), as
    `envs.a1.A1Sim.apply_command` takes them. A motor not in servo mode is off (no torque). Raises BadDriverData for
    non-finite values or missing slots.
    """
    fields = {}
    for field, value in (('mode', mode), ('q', q), ('dq', dq), ('tau', tau), ('kp', kp), ('kd', kd)):
        value = np.asarray(value, np.float64).reshape(-1)
        if len(value) <= MOTORS.max():
            raise BadDriverData(f'low_cmd has {len(value)} motor_cmd values of {field}, expected {NUM_MOTORS}')
        fields[field] = value[MOTORS]
    bad = [f for f in ('q', 'dq', 'tau', 'kp', 'kd') if not np.isfinite(fields[f]).all()]
    if bad:
        raise NotFinite(f"low_cmd motor_cmd {', '.join(bad)} not finite (NaN or inf) for the A1's motors 0..11")
    off = fields.pop('mode') != SERVO
    for field in ('kp', 'kd', 'tau'):
        fields[field][off] = 0.0
    return fields


def low_state(q, dq, tau_est, quaternion, gyroscope, max_norm_error=0.1):
    """
    Return (q, dq, effort, quat, gyro) of the A1 from a LowState's fields, in JOINT_NAMES order.

    q, dq, tau_est: the 20 (or more) motor_state slots; quaternion (w, x, y, z) and gyroscope from `imu`. The
    quaternion is normalised. Raises BadDriverData (naming the field and what was expected) for missing slots,
    non-finite values or a quaternion whose norm is off 1 by more than `max_norm_error`.
    """
    motors = {}
    for field, value in (('q', q), ('dq', dq), ('tau_est', tau_est)):
        value = np.asarray(value, np.float64).reshape(-1)
        if len(value) <= MOTORS.max():
            raise BadDriverData(f'low_state has {len(value)} motor_state values, expected {NUM_MOTORS}')
        motors[field] = value[MOTORS]
        if not np.isfinite(motors[field]).all():
            bad = [a1.JOINT_NAMES[i] for i in np.flatnonzero(~np.isfinite(motors[field]))]
            raise NotFinite(f"low_state motor_state {field} must be finite (got NaN or inf for {', '.join(bad)})")
    quat = np.asarray(quaternion, np.float64).reshape(-1)
    gyro = np.asarray(gyroscope, np.float64).reshape(-1)
    norm = float(np.linalg.norm(quat)) if quat.shape == (4,) and np.isfinite(quat).all() else float('nan')
    if gyro.shape != (3,) or not np.isfinite(gyro).all() or not abs(norm - 1.0) <= max_norm_error:
        raise BadDriverData(f'low_state imu: quaternion must be a finite unit quaternion (w, x, y, z) and the '
                            f'gyroscope 3 finite values (got |q| = {norm:.3f}, gyroscope {gyro.tolist()})')
    return motors['q'], motors['dq'], motors['tau_est'], quat / norm, gyro

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

"""The legged SDK's LowCmd / LowState field values (daydreamer.robots.unitree), checked against the SDK's constants."""

import numpy as np
import pytest

from daydreamer.robots import a1, bridge, unitree

# unitree_legged_sdk include/unitree_legged_sdk/quadruped.h: FR_0 = 0, FR_1 = 1, FR_2 = 2, FL_0 = 3, ..., RL_2 = 11
# (leg FR_ 0, FL_ 1, RR_ 2, RL_ 3; joint 0 hip, 1 thigh, 2 calf); comm.h: LOWLEVEL 0xff, PosStopF 2.146E+9f,
# VelStopF 16000.0f; unitree_ros2_to_real src/ros2_position_example.cpp: head 0xFE 0xEF, mode 0x0A (servo).
SDK_INDEX = {'FR_0': 0, 'FR_1': 1, 'FR_2': 2, 'FL_0': 3, 'FL_1': 4, 'FL_2': 5, 'RR_0': 6, 'RR_1': 7, 'RR_2': 8,
             'RL_0': 9, 'RL_1': 10, 'RL_2': 11}


def test_motor_order_and_constants_are_the_sdks():
    for name, index in unitree.MOTOR_INDEX.items():
        leg, part, _ = name.split('_')
        assert SDK_INDEX[f'{leg}_{a1.PARTS.index(part)}'] == index
    assert unitree.MOTORS.tolist() == list(range(12)), 'JOINT_NAMES is the SDK order'
    assert (unitree.HEAD, unitree.LOWLEVEL, unitree.SERVO) == ((0xFE, 0xEF), 0xFF, 0x0A)
    assert np.float32(unitree.POS_STOP_F) == np.float32(2.146e9) and unitree.VEL_STOP_F == 16000.0
    from daydreamer.envs import a1 as twin   # the twin applies the same sentinels
    assert (twin.POS_STOP_F, twin.VEL_STOP_F) == (unitree.POS_STOP_F, unitree.VEL_STOP_F)


def test_low_cmd_servo_pd_for_the_12_motors_and_unused_slots_stopped():
    q = np.linspace(-1, 1, 12)
    cmd = unitree.low_cmd(q, a1.KP_REAL, a1.KD)
    assert all(len(v) == 20 for v in cmd.values())
    assert cmd['mode'][:12].tolist() == [0x0A] * 12 and cmd['mode'][12:].tolist() == [0] * 8
    assert np.array_equal(cmd['q'][:12], q) and (cmd['dq'][:12] == 0).all() and (cmd['tau'] == 0).all()
    assert (cmd['kp'][:12] == 80.0).all() and np.array_equal(cmd['kd'][:12], a1.KD)
    assert (cmd['q'][12:] == unitree.POS_STOP_F).all() and (cmd['dq'][12:] == unitree.VEL_STOP_F).all()
    assert (cmd['kp'][12:] == 0).all() and (cmd['kd'][12:] == 0).all()
    damping = unitree.damping_cmd(a1.KD)
    assert (damping['q'][:12] == unitree.POS_STOP_F).all() and (damping['kp'] == 0).all()
    assert np.array_equal(damping['kd'][:12], a1.KD) and (damping['dq'][:12] == 0).all()
    with pytest.raises(ValueError, match='q must be finite'):
        unitree.low_cmd([np.nan] * 12, 1.0, 1.0)


def test_motor_targets_round_trip_and_motors_off_outside_servo_mode():
    cmd = unitree.low_cmd(np.full(12, 0.5), 60.0, 2.0, tau=0.1)
    out = unitree.motor_targets(**cmd)
    assert np.allclose(out['q'], 0.5) and np.allclose(out['kp'], 60.0) and np.allclose(out['tau'], 0.1)
    cmd['mode'][3] = 0
    out = unitree.motor_targets(**cmd)
    assert out['kp'][3] == out['kd'][3] == out['tau'][3] == 0.0 and out['kp'][4] == 60.0
    cmd['kp'][0] = np.nan
    with pytest.raises(bridge.NotFinite, match='kp'):
        unitree.motor_targets(**cmd)
    with pytest.raises(bridge.BadDriverData, match='expected 20'):
        unitree.motor_targets(*([[0.0] * 4] * 6))


def test_low_state_reads_the_12_motors_and_checks_the_imu():
    q = np.arange(20, dtype=np.float64)
    out_q, dq, effort, quat, gyro = unitree.low_state(q, -q, 2 * q, [2.0, 0, 0, 0.0], [0.1, 0.2, 0.3],
                                                      max_norm_error=1.5)
    assert out_q.tolist() == list(range(12)) and dq.tolist() == [-v for v in range(12)]
    assert effort.tolist() == [2 * v for v in range(12)] and quat.tolist() == [1, 0, 0, 0]
    with pytest.raises(bridge.NotFinite, match='low_state motor_state q must be finite .*FR_hip_joint'):
        unitree.low_state([np.nan] + [0.0] * 19, q, q, [1, 0, 0, 0], [0, 0, 0])
    with pytest.raises(bridge.BadDriverData, match=r'finite unit quaternion \(w, x, y, z\).*\|q\| = 0.500'):
        unitree.low_state(q, q, q, [0.5, 0, 0, 0], [0, 0, 0])
    with pytest.raises(bridge.BadDriverData, match='gyroscope'):
        unitree.low_state(q, q, q, [1, 0, 0, 0], [np.nan, 0, 0])
    with pytest.raises(bridge.BadDriverData, match='expected 20'):
        unitree.low_state(q[:4], q, q, [1, 0, 0, 0], [0, 0, 0])


def test_the_twin_applies_a_low_cmd_as_the_motor_boards_do():
    pytest.importorskip('mujoco')
    from daydreamer.envs.a1 import A1Sim
    env = A1Sim(seed=0, render=False, start='stand')
    try:
        env.reset()
        target = a1.INIT_POSE + np.tile([0.0, 0.2, -0.2], 4)
        for _ in range(100):   # 0.5 s: a 200 Hz command stream, as the bridge sends it
            env.apply_command(unitree.motor_targets(**unitree.low_cmd(target, a1.KP_REAL, a1.KD)))
            env.step_physics(5)
        assert np.abs(env.driver_state()['position'] - target).max() < 0.1
    finally:
        env.close()

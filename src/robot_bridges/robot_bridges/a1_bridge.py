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
a1_bridge: the Unitree A1's driver topics <-> the agent's Step / Action (DayDreamer's A1 task).

Subscribes `joint_states` (sensor_msgs/JointState, joints matched BY NAME: FR_hip_joint ... RL_calf_joint)
and `imu/data` (sensor_msgs/Imu), both with sensor QoS. Every `control_rate` (20 Hz) it publishes a Step:
'vector' (16: roll, pitch, roll rate, pitch rate, 12 joint angles) and the reference's reward (0..14; the
trunk velocity comes from leg odometry on the same data, `daydreamer.robots.bridge.LegOdometry`).
Episodes are reset-free cuts of `episode_length` (250) steps. An Action goes through the core's
SafetyFilter (1.5 Hz low-pass, interpolation, +-0.2 rad clip around the measured angles, joint limits,
torque stop on the driver's reported effort) and is streamed to `forward_position_controller/commands`
(std_msgs/Float64MultiArray, 12 joint targets in JOINT_NAMES order) at `command_rate`.

Inner command rate: 200 Hz by default (10 commands per agent step), not the reference's 1 kHz. A Python
timer cannot hold 1 kHz reliably, and it does not need to: the driver's PD loop runs at 1 kHz on its side
and holds each target, and every streamed target is clipped to +-0.2 rad around the measured angle, which
bounds the PD error (and so the torque) whatever the rate. Lower rates make the interpolation coarser.

Safe stop (holding the measured pose at the moment of the stop): before the first action, when no fresh
action came for `watchdog_timeout` s, on HOLD actions, while paused, and while driver data is missing or
older than `stale_timeout`. A torque over 42 N m latches the filter's stop until `~/hard_reset`. A late
action (answering an older step) is ignored with a warning. `safety_state` (latched) says which holds.

Parameters: control_rate (20.0), command_rate (200.0), episode_length (250), watchdog_timeout (0.25 s),
stale_timeout (0.1 s), kp (80.0: the driver's position gain, used by the torque check).
"""

from daydreamer.robots import a1, bridge
from daydreamer_ros import qos, runner
import numpy as np
from sensor_msgs.msg import Imu, JointState
from std_msgs.msg import Float64MultiArray

from .common import BridgeNode, floats, quaternion_wxyz


class A1Bridge(BridgeNode):

    def __init__(self, **kwargs):
        super().__init__('a1_bridge', 'a1', control_rate=a1.CONTROL_RATE, episode_length=250, resets=False,
                         watchdog_timeout=0.25, stale_timeout=0.1, sources=('joint_states', 'imu/data'), **kwargs)
        self.command_rate = self.param('command_rate', 200.0, 'position commands per second (Hz)')
        kp = self.param('kp', a1.KP_REAL, "the driver's position gain (for the torque check)")
        self.adapter = bridge.A1Adapter(self.control_rate, self.command_rate, kp=kp)
        self.q = self.dq = self.effort = None
        self.quat = self.gyro = None
        self.reason = 'no action yet'
        self.command_pub = self.create_publisher(Float64MultiArray, 'forward_position_controller/commands',
                                                 qos.COMMAND)
        self.create_subscription(JointState, 'joint_states', self.on_joint_states, qos.SENSOR)
        self.create_subscription(Imu, 'imu/data', self.on_imu, qos.SENSOR)
        self.create_timer(1.0 / self.control_rate, self.control_tick)
        self.create_timer(1.0 / self.command_rate, self.command_tick)

    # --- driver data ---

    def on_joint_states(self, msg):
        jm = self.adapter.joint_map
        try:
            q = jm.select(msg.name, msg.position)
            dq = jm.select(msg.name, msg.velocity, 'velocity', required=False)
            effort = jm.select(msg.name, msg.effort, 'effort', required=False)
        except bridge.BadDriverData as e:
            self.problem(f'joint_states {type(e).__name__}', f'joint_states dropped: {e}')
            return
        self.q, self.dq, self.effort = q, dq, effort
        self.fresh.mark('joint_states', self.now())
        if self.quat is not None and not self.adapter.sense(q, dq, effort, self.quat, self.gyro):
            self.set_safety('stopped: torque over the limit (latched until ~/hard_reset)')

    def on_imu(self, msg):
        quat = quaternion_wxyz(msg.orientation)
        gyro = np.array([msg.angular_velocity.x, msg.angular_velocity.y, msg.angular_velocity.z])
        norm = float(np.linalg.norm(quat))
        if not (np.isfinite(quat).all() and np.isfinite(gyro).all()) or abs(norm - 1.0) > 0.1:
            self.problem('imu', f'imu/data dropped: orientation must be a finite unit quaternion and the angular '
                                f'velocity finite (got |q| = {norm:.3f}, gyro {gyro.tolist()})')
            return
        self.quat, self.gyro = quat / norm, gyro
        self.fresh.mark('imu/data', self.now())

    # --- agent steps ---

    def control_tick(self):
        if self.episode.paused:
            self.hold('paused')
            return
        if self.stale('no step sent, holding the pose'):
            self.hold('driver data missing or stale')
            return
        flags = self.episode.advance()
        obs, reward, logs = self.adapter.observe(self.q, self.quat, self.gyro)
        self.send_step(obs, reward, flags, logs)

    def apply(self, action):
        self.adapter.act(action)
        if not self.adapter.filter.stopped:
            self.set_safety('ok')

    def hold(self, reason):
        if self.q is not None:
            self.adapter.hold(self.q)
        self.reason = reason
        if not self.adapter.filter.stopped:
            self.set_safety(f'holding: {reason}')

    def on_hard_reset(self):
        if self.q is not None:
            self.adapter.rearm(self.q)   # the operator's reset clears a latched torque stop
        self.hold('hard reset')

    # --- the inner loop ---

    def command_tick(self):
        if self.q is None:
            return
        if self.fresh.problems(self.now()):
            self.hold('driver data missing or stale')
        elif self.watchdog.expired(self.now()) and not self.adapter.holding:
            if self.last_step is not None:   # before the first Step there is nothing to answer yet
                self.problem('watchdog', f'no fresh action for {self.watchdog_timeout:g} s: holding the pose')
            self.hold('watchdog: no fresh action')
        command = self.adapter.command(self.q, self.dq)
        self.command_pub.publish(Float64MultiArray(data=floats(command)))


def main(args=None):
    runner.run(A1Bridge, args, name='a1_bridge')


if __name__ == '__main__':
    main()

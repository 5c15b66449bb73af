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

Parameter `driver_interface` picks the driver it speaks:
- 'unitree_legged' (default): the legged SDK's low level through unitree_ros2_to_real (`ros2 run
  unitree_legged_real ros2_udp LOWLEVEL`, messages ros2_unitree_legged_msgs). It publishes LowCmd on `low_cmd`
  (reliable, depth 1, as the driver subscribes) at `command_rate`, always: the driver publishes one LowState on
  `low_state` per received command, so the command stream is what brings the state. Each command asks the 12
  motors (SDK order FR, FL, RR, RL x hip, thigh, calf = JOINT_NAMES) for servo mode (0x0A) with q = the safety
  filter's target, dq = 0, tau = 0 and the gains `kp` / `kd` (the filter's damping-only stop: Kp = 0); unused
  slots 12..19 carry PosStopF / VelStopF with zero gains (`daydreamer.robots.unitree`). Before the first state it
  sends pure damping (Kp = 0, q = PosStopF, Kd = `kd`). It reads q, dq, tau_est and the IMU (quaternion w, x, y,
  z and gyroscope) from `low_state` (sensor QoS). For rviz it republishes the joints on `joint_states` at
  `joint_state_rate` (no A1 driver of this kind does). The messages package is needed only here: without it the
  node refuses to start, naming the package and the ros2_control alternative.
- 'ros2_control': a ros2_control system around the SDK. `joint_states` (sensor_msgs/JointState from
  joint_state_broadcaster, joints matched BY NAME and merged across messages), the IMU from
  imu_sensor_broadcaster on `imu_sensor_broadcaster/imu` (sensor_msgs/Imu), both sensor QoS; commands are
  std_msgs/Float64MultiArray on `forward_position_controller/commands` (12 targets in JOINT_NAMES order, the
  controller's `joints`; the system's own PD gains apply).

The task is `daydreamer.robots.a1.A1Task`, the same class the MuJoCo twin's agent step runs (one task path); this
node only moves its inputs and outputs to and from the driver's topics, on its timers. Every `control_rate` (20 Hz)
it publishes a Step: 'vector' (16: roll, pitch, roll rate, pitch rate, 12 joint angles) and the reference's reward
(0..14). The task's trunk velocity is this node's estimate: leg odometry on the same driver data
(`daydreamer.robots.a1.LegOdometry`, averaged over the step's samples), where the twin passes the true one.
Episodes are reset-free cuts of `episode_length` (250) steps. An Action goes through the task's SafetyFilter
(1.5 Hz low-pass, interpolation, +-0.2 rad clip around the measured angles, joint limits, torque stop on the
commanded torque and the driver's reported effort) and is streamed to the driver at `command_rate`.

Inner command rate: 200 Hz by default (10 commands per agent step), not the reference's 1 kHz. A Python
timer cannot hold 1 kHz reliably, and it does not need to: the motors' PD runs on their side and holds each
target, and every streamed target is clipped to +-0.2 rad around the measured angle, which bounds the PD error
(and so the torque) whatever the rate. Lower rates make the interpolation coarser.

Safe stop (holding the measured pose at the moment of the stop): before the first action, when no fresh
action came for `watchdog_timeout` s, on HOLD actions, while paused, and while driver data is missing or
older than `stale_timeout`. A torque over 42 N m latches the filter's stop until `~/hard_reset`. A late
action (answering an older step) is ignored with a warning. `safety_state` (latched) says which holds.
Bad driver data (NaN, missing joints, a quaternion that is not a unit one) is dropped with one throttled
warning per topic and problem that names what was expected.

Parameters: driver_interface ('unitree_legged'), control_rate (20.0), command_rate (200.0), episode_length (250),
watchdog_timeout (0.25 s), stale_timeout (0.1 s), kp (80.0: the position gain sent in LowCmd, and the torque
check's), kd ([1, 2, 2] x 4: the damping gain sent in LowCmd and used by the stop), joint_state_rate (50.0 Hz,
unitree_legged only; 0: off).
"""

from daydreamer.config import ConfigError
from daydreamer.robots import a1, bridge
from daydreamer_ros import qos, runner
import numpy as np
from sensor_msgs.msg import Imu, JointState
from std_msgs.msg import Float64MultiArray

from .common import BridgeNode, floats, quaternion_wxyz

INTERFACES = ('unitree_legged', 'ros2_control')
IMU_TOPIC = 'imu_sensor_broadcaster/imu'   # imu_sensor_broadcaster publishes on ~/imu


def unitree_messages():
    """Return (LowCmd, LowState) of ros2_unitree_legged_msgs, or raise ConfigError saying what to do."""
    try:
        from ros2_unitree_legged_msgs.msg import LowCmd, LowState
    except ImportError as e:
        raise ConfigError(
            f"driver_interface 'unitree_legged' needs the ROS 2 package ros2_unitree_legged_msgs (from "
            f'unitree_ros2_to_real; build it in your workspace and source it), which is missing ({e}); or run the '
            f'bridge with driver_interface:=ros2_control for a ros2_control A1 driver') from None
    return LowCmd, LowState


def check_field(names, values, field):
    """Raise BadDriverData unless a JointState field has one finite value per name."""
    values = np.asarray(values, np.float64).reshape(-1)
    if len(values) != len(names):
        raise bridge.BadDriverData(f'joint_states has {len(values)} {field} values for {len(names)} joint names')
    if not np.isfinite(values).all():
        bad = [name for name, value in zip(names, values) if not np.isfinite(value)]
        raise bridge.NotFinite(f"joint_states {field} is not finite (NaN or inf) for {', '.join(bad)}")


class A1Bridge(BridgeNode):

    def __init__(self, **kwargs):
        super().__init__('a1_bridge', 'a1', sources=(), **kwargs)
        self.interface = self.param('driver_interface', 'unitree_legged', "the driver: 'unitree_legged' (legged SDK "
                                    "LowCmd / LowState through unitree_ros2_to_real) or 'ros2_control'")
        if self.interface not in INTERFACES:
            raise ConfigError(f"driver_interface must be 'unitree_legged' or 'ros2_control', not {self.interface!r}")
        self.command_rate = self.param('command_rate', 200.0, 'position commands per second (Hz)')
        kp = self.param('kp', a1.KP_REAL, "the motors' position gain (sent in LowCmd; the torque check uses it)")
        kd = self.param('kd', [float(v) for v in a1.KD], "the motors' damping gains, 12 in JOINT_NAMES order (sent in "
                        'LowCmd; the safety stop damps with them)')
        if len(kd) != a1.NUM_JOINTS or not all(np.isfinite(kd)) or min(kd) <= 0:
            raise ConfigError(f'kd must be {a1.NUM_JOINTS} finite gains > 0 (JOINT_NAMES order), got {list(kd)}')
        # The task, with the real driver's parameters: Kp 80, `command_rate` commands per second, both the
        # commanded and the reported torque checked.
        self.task = a1.A1Task(kp=kp, kd=np.asarray(kd, np.float64), command_rate=self.command_rate,
                              control_rate=self.control_rate, check_command=True)
        self.odometry = a1.LegOdometry()   # the task's trunk velocity (the twin passes the true one)
        self.q = self.dq = self.effort = None
        self.quat = self.gyro = None
        self.reason = 'no action yet'
        if self.interface == 'unitree_legged':
            from daydreamer.robots import unitree
            self.unitree = unitree
            low_cmd_type, low_state_type = unitree_messages()
            self.fresh = bridge.Freshness(self.stale_timeout, ('low_state',))
            self.low_cmd = low_cmd_type()
            self.low_cmd.head = list(unitree.HEAD)
            self.low_cmd.level_flag = unitree.LOWLEVEL
            self.command_pub = self.create_publisher(low_cmd_type, 'low_cmd', qos.UNITREE)
            self.create_subscription(low_state_type, 'low_state', self.on_low_state, qos.SENSOR)
            rate = self.param('joint_state_rate', 50.0, 'joint_states republished from low_state for rviz (Hz; 0: off)')
            self.joint_state_pub = self.create_publisher(JointState, 'joint_states', qos.SENSOR) if rate > 0 else None
            if self.joint_state_pub is not None:
                self.create_timer(1.0 / rate, self.publish_joint_states)
        else:
            self.fresh = bridge.Freshness(self.stale_timeout, ('joint_states', IMU_TOPIC))
            self.joint_states = {'position': bridge.JointStates(), 'velocity': bridge.JointStates(),
                                 'effort': bridge.JointStates()}
            self.command_pub = self.create_publisher(Float64MultiArray, 'forward_position_controller/commands',
                                                     qos.COMMAND)
            self.create_subscription(JointState, 'joint_states', self.on_joint_states, qos.SENSOR)
            self.create_subscription(Imu, IMU_TOPIC, self.on_imu, qos.SENSOR)
        self.create_timer(1.0 / self.control_rate, self.control_tick)
        self.create_timer(1.0 / self.command_rate, self.command_tick)

    # --- driver data ---

    def on_low_state(self, msg):
        motors = msg.motor_state
        try:
            q, dq, effort, quat, gyro = self.unitree.low_state(
                [m.q for m in motors], [m.dq for m in motors], [m.tau_est for m in motors], msg.imu.quaternion,
                msg.imu.gyroscope)
        except bridge.BadDriverData as e:
            self.problem(f'low_state {type(e).__name__} {str(e)[:24]}', f'low_state dropped: {e}')
            return
        self.quat, self.gyro = quat, gyro
        self.fresh.mark('low_state', self.now())
        self.joints(q, dq, effort)

    def publish_joint_states(self):
        if self.q is None or self.fresh.problems(self.now()):
            return
        msg = JointState(name=list(a1.JOINT_NAMES), position=floats(self.q), velocity=floats(self.dq),
                         effort=floats(self.effort))
        msg.header.stamp = self.get_clock().now().to_msg()
        self.joint_state_pub.publish(msg)

    def on_joint_states(self, msg):
        now, names = self.now(), list(msg.name)
        fields = {'position': msg.position}   # velocity and effort are optional in JointState: empty, not reported
        fields.update({field: getattr(msg, field) for field in ('velocity', 'effort') if len(getattr(msg, field))})
        try:
            for field, values in fields.items():
                check_field(names, values, field)   # the whole message is good before any of it is used
            for field, values in fields.items():
                self.joint_states[field].update(names, values, now)
            q = self.joint_states['position'].select(a1.JOINT_NAMES, now, self.stale_timeout)
        except bridge.BadDriverData as e:
            self.problem(f'joint_states {type(e).__name__}', f'joint_states dropped: {e}')
            return
        dq, effort = (self.latest(field, now) for field in ('velocity', 'effort'))
        self.clear(f'joint_states {bridge.MissingJoints.__name__}')
        self.fresh.mark('joint_states', now)
        self.joints(q, dq, effort)

    def latest(self, field, now):
        try:
            return self.joint_states[field].select(a1.JOINT_NAMES, now, self.stale_timeout)
        except bridge.MissingJoints:
            return None

    def joints(self, q, dq, effort):
        self.q, self.dq, self.effort = q, dq, effort
        if self.quat is None:
            return
        if dq is not None:
            self.odometry.update(self.quat, self.gyro, q, dq)
        if not self.task.sense(effort):
            self.set_safety('stopped: torque over the limit (latched until ~/hard_reset)')

    def on_imu(self, msg):
        quat = quaternion_wxyz(msg.orientation)
        gyro = np.array([msg.angular_velocity.x, msg.angular_velocity.y, msg.angular_velocity.z])
        norm = float(np.linalg.norm(quat))
        if not (np.isfinite(quat).all() and np.isfinite(gyro).all()) or abs(norm - 1.0) > 0.1:
            self.problem('imu', f'{IMU_TOPIC} dropped: orientation must be a finite unit quaternion and the angular '
                                f'velocity finite (got |q| = {norm:.3f}, gyro {gyro.tolist()})')
            return
        self.quat, self.gyro = quat / norm, gyro
        self.fresh.mark(IMU_TOPIC, self.now())

    # --- agent steps ---

    def control_tick(self):
        if self.episode.paused:
            self.hold('paused')
            return
        if self.stale('no step sent, holding the pose'):
            self.hold('driver data missing or stale')
            return
        flags = self.episode.advance()
        obs, reward, logs = self.task.observe(self.q, self.quat, self.gyro, self.odometry.mean())
        logs['log_holding'] = float(self.task.holding)
        self.send_step(obs, reward, flags, logs)

    def apply(self, action):
        self.task.act(action)
        if not self.task.stopped:
            self.set_safety('ok')

    def hold(self, reason):
        if self.q is not None:
            self.task.hold(self.q)
        self.reason = reason
        if not self.task.stopped:
            self.set_safety(f'holding: {reason}')

    def on_hard_reset(self):
        if self.q is not None:
            self.task.rearm(self.q)   # the operator's reset clears a latched torque stop
        self.hold('hard reset')

    # --- the inner loop ---

    def command_tick(self):
        if self.q is None:
            if self.interface == 'unitree_legged':   # the command stream is what brings the driver's state
                self.send_low_cmd(self.unitree.damping_cmd(self.task.filter.stop_kd))
            return
        if self.fresh.problems(self.now()):
            self.hold('driver data missing or stale')
        elif self.watchdog.expired(self.now()) and not self.task.holding:
            if self.last_step is not None:   # before the first Step there is nothing to answer yet
                self.problem('watchdog', f'no fresh action for {self.watchdog_timeout:g} s: holding the pose')
            self.hold('watchdog: no fresh action')
        command = self.task.command(self.q, self.dq)
        if self.interface == 'unitree_legged':   # the task's gains: the configured ones, Kp = 0 once stopped
            self.send_low_cmd(self.unitree.low_cmd(command, self.task.kp, self.task.kd))
        else:
            self.command_pub.publish(Float64MultiArray(data=floats(command)))

    def send_low_cmd(self, fields):
        msg = self.low_cmd
        for i, motor in enumerate(msg.motor_cmd):
            motor.mode = int(fields['mode'][i])
            motor.q, motor.dq, motor.tau = float(fields['q'][i]), float(fields['dq'][i]), float(fields['tau'][i])
            motor.kp, motor.kd = float(fields['kp'][i]), float(fields['kd'][i])
        self.command_pub.publish(msg)


def main(args=None):
    runner.run(A1Bridge, args, name='a1_bridge')


if __name__ == '__main__':
    main()

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
sim: the core's MuJoCo twin of one robot, speaking exactly the real drivers' topics (no agent logic here).

Parameter `robot` (a1 | ur5 | xarm | sphero) picks the twin. Physics advances in a timer at `physics_rate`
Hz by real_time_factor / physics_rate simulated seconds per tick, so the twin runs in real time (or
faster / slower). With `publish_clock` it publishes `/clock` (sim time) and stamps its messages with it;
run the other nodes with use_sim_time then.

Published (sensor QoS, like the drivers):
- a1, per `driver_interface`: 'unitree_legged' (default) exactly as the legged SDK's ROS 2 driver
  (unitree_ros2_to_real `ros2_udp LOWLEVEL`): subscribes `low_cmd` (ros2_unitree_legged_msgs/LowCmd, reliable,
  depth 1), applies its motor commands 0..11 (servo mode 0x0A: tau + kp (q - angle) + kd (dq - velocity); PosStopF
  / VelStopF switch a term off; other modes: motor off) and publishes one `low_state` (LowState: motor q / dq /
  tau_est, imu quaternion (w, x, y, z) / gyroscope / accelerometer / rpy, foot_force) per received command, nothing
  else; 'ros2_control': `joint_states` (12 joints, position / velocity / effort) and `imu_sensor_broadcaster/imu`
  (orientation, gyro, specific force), as joint_state_broadcaster and imu_sensor_broadcaster do.
- ur5, xarm: the real driver's interface (`robot_bridges.arm_driver`: `joint_states` with the gripper's actuated
  joint in its own units, the arm controller's topic, the gripper's action server), and `camera/image_raw` (rgb8,
  image_height x image_width), xarm also `camera/depth/image_raw` (32FC1, metres).
- sphero: `odom` (nav_msgs/Odometry, frame odom -> base_link; reliable, depth 10, as the driver's) and
  `overhead_camera/image_raw` (rgb8, 120x160, a separate camera driver's; the arena's pixel box in that frame,
  for the sphero_bridge's arena_min / arena_max, is logged at start).
Accepted (COMMAND QoS): `forward_position_controller/commands` (Float64MultiArray: a1 with ros2_control 12 joint
targets in JOINT_NAMES order).
Sphero: exactly juehess/sphero_ros2 `sphero_node`'s raw motor interface (`robot_bridges.sphero_driver`):
`raw_motor_command` (sphero_interfaces/msg/RawMotorCommand, int32 left / right clipped to -255..255 with a
throttled warning), each message driven for 0.2 s of sim time and then stopped, later ones queued (depth 10) and
driven one after the other, as the driver's blocking callback does (left and right as meant: not the driver's
right-from-left bug); the `set_stabilization` service (std_srvs/SetBool, recorded, no effect on the twin's
physics). The driver's heading-and-speed `cmd_vel` / `cmd_vel_rel` / `set_heading`, its LEDs and `reset_aim` /
`set_text` are not offered.

Parameters: robot ('a1'), real_time_factor (1.0), publish_clock (False), physics_rate (200.0 Hz),
state_rate (100.0 Hz, joint states / imu / odom), camera_rate (10.0 Hz), seed (0), image_height /
image_width (64, arm camera), start ('stand' | 'random' | 'mixed', A1),
driver_interface ('unitree_legged' | 'ros2_control', A1).
"""

import collections
import os

from builtin_interfaces.msg import Time
from daydreamer import robots
from daydreamer.config import ConfigError
from daydreamer.robots import a1, arm, bridge, sphero
from daydreamer_ros import images, qos, runner
from nav_msgs.msg import Odometry
import numpy as np
from rclpy.node import Node
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import Image, Imu, JointState
from std_msgs.msg import Float64MultiArray

from .common import floats, THROTTLE

# The twins this node drives: the A1's, the Sphero's, and every arm definition's (robots.arm.Twin: envs.arm).
ARMS = tuple(name for name, r in robots.registry().items() if isinstance(r.twin_config, arm.Twin))
ROBOTS = ('a1', *ARMS, 'sphero')


class SimNode(Node):

    def __init__(self, **kwargs):
        super().__init__('sim', **kwargs)
        from rcl_interfaces.msg import ParameterDescriptor

        def p(name, value, text=''):
            return self.declare_parameter(name, value, ParameterDescriptor(description=text)).value
        self.robot = p('robot', 'a1', ' | '.join(ROBOTS))
        if self.robot not in ROBOTS:
            raise ConfigError(f"parameter robot must be one of {', '.join(ROBOTS)}, not {self.robot!r}")
        self.rtf = p('real_time_factor', 1.0, 'simulated seconds per wall-clock second')
        self.publish_clock = p('publish_clock', False, 'publish /clock and stamp messages with sim time')
        self.physics_rate = p('physics_rate', 200.0, 'physics timer (Hz)')
        state_rate = p('state_rate', 100.0, 'joint_states / imu / odom rate (Hz)')
        camera_rate = p('camera_rate', 10.0, 'camera rate (Hz)')
        seed = p('seed', 0, 'random seed of the twin')
        size = (p('image_height', 64, 'arm camera height'), p('image_width', 64, 'arm camera width'))
        start = p('start', 'stand', "A1 start: 'stand', 'random' or 'mixed'")
        interface = p('driver_interface', 'unitree_legged', "A1 driver: 'unitree_legged' (low_cmd -> low_state) or "
                      "'ros2_control' (joint_states, imu_sensor_broadcaster/imu, forward_position_controller)")
        self.state_every = max(1, int(round(self.physics_rate / state_rate)))
        self.camera_every = max(1, int(round(self.physics_rate / camera_rate)))
        self.ticks = 0
        self._reported = {}
        self.motor_queue, self.motor_until = collections.deque(maxlen=sphero.DRIVER_QUEUE_DEPTH), None
        self.stabilization = True
        self.joint_pub = self.imu_pub = self.odom_pub = self.rgb_pub = self.depth_pub = None

        self.low_state_pub = None
        if self.robot == 'a1':
            from daydreamer.envs.a1 import A1Sim
            if interface not in ('unitree_legged', 'ros2_control'):
                raise ConfigError(f"driver_interface must be 'unitree_legged' or 'ros2_control', not {interface!r}")
            self.env = A1Sim(seed=seed, render=False, start=start)
            self.env.reset()
            if interface == 'unitree_legged':
                from robot_bridges.a1_bridge import unitree_messages
                low_cmd_type, low_state_type = unitree_messages()
                self.low_state = low_state_type()
                self.low_state_pub = self.create_publisher(low_state_type, 'low_state', qos.UNITREE)
                self.create_subscription(low_cmd_type, 'low_cmd', self.on_low_cmd, qos.UNITREE)
            else:
                self.joint_pub = self.create_publisher(JointState, 'joint_states', qos.SENSOR)
                self.imu_pub = self.create_publisher(Imu, 'imu_sensor_broadcaster/imu', qos.SENSOR)
                self.create_subscription(Float64MultiArray, 'forward_position_controller/commands',
                                         self.on_joint_command, qos.COMMAND)
        elif self.robot in ARMS:
            from daydreamer.envs.arm import ArmSim
            from .arm_driver import ArmDriver
            driver = robots.get(self.robot).driver
            arm_command = p('arm_command', driver.arm_command, "arms: the arm controller offered, 'forward_position' "
                            "or 'joint_trajectory' (default: the real driver's)")
            gripper_command = p('gripper_command', driver.gripper_command_for(os.environ.get('ROS_DISTRO')),
                                "arms: the gripper interface offered, 'GripperCommand', 'ParallelGripperCommand' or "
                                "'forward_position' (default: the real driver's)")
            self.env = ArmSim(self.robot, seed=seed, size=size)
            self.env.step({'action': np.int64(0), 'reset': True})   # the scene: ball in a bin, arm above it
            self.joint_pub = self.create_publisher(JointState, 'joint_states', qos.SENSOR)
            self.rgb_pub = self.create_publisher(Image, 'camera/image_raw', qos.SENSOR)
            if self.env.cfg.depth:
                self.depth_pub = self.create_publisher(Image, 'camera/depth/image_raw', qos.SENSOR)
            try:
                self.arm_driver = ArmDriver(self, self.env, self.robot, arm_command, gripper_command, qos)
            except (ValueError, AttributeError) as e:
                raise ConfigError(str(e)) from None
        else:
            from daydreamer.envs.sphero import SpheroSim
            self.env = SpheroSim(seed=seed)
            low, high = self.env.arena_box()
            self.get_logger().info(f'overhead camera arena box (pixels): arena_min {low.round(1).tolist()}, '
                                   f'arena_max {high.round(1).tolist()}')
            from std_srvs.srv import SetBool
            from . import sphero_driver
            # the driver's odom publisher: rclpy's default QoS, depth 10 (reliable), as qos.COMMAND
            self.odom_pub = self.create_publisher(Odometry, 'odom', qos.COMMAND)
            self.rgb_pub = self.create_publisher(Image, 'overhead_camera/image_raw', qos.SENSOR)
            self.create_subscription(sphero_driver.raw_motor_command_type(), sphero_driver.COMMAND_TOPIC,
                                     self.on_raw_motor_command, qos.COMMAND)
            self.create_service(SetBool, sphero_driver.STABILIZATION_SERVICE, self.on_set_stabilization)
        self.clock_pub = self.create_publisher(Clock, '/clock', qos.CLOCK) if self.publish_clock else None
        self.create_timer(1.0 / self.physics_rate, self.tick)
        self.get_logger().info(f'{self.robot} twin running at {self.rtf:g}x real time')

    # --- helpers ---

    def problem(self, key, message):
        now = self.get_clock().now().nanoseconds * 1e-9
        if now - self._reported.get(key, -np.inf) >= THROTTLE:
            self._reported[key] = now
            self.get_logger().warning(message)

    def sim_time(self):
        return float(self.env.data.time)

    def stamp(self):
        if self.publish_clock:
            t = self.sim_time()
            return Time(sec=int(t), nanosec=int(round((t - int(t)) * 1e9)) % 1000000000)
        return self.get_clock().now().to_msg()

    def vector(self, msg, size, topic):
        values = np.asarray(msg.data, np.float64)
        if values.shape != (size,) or not np.isfinite(values).all():
            self.problem(topic, f'{topic} dropped: expected {size} finite values, got {values.tolist()}')
            return None
        return values

    # --- commands ---

    def on_joint_command(self, msg):
        """A1 (ros2_control): forward_position_controller targets; the arms' commands go to their ArmDriver."""
        q = self.vector(msg, a1.NUM_JOINTS, 'forward_position_controller/commands')
        if q is not None:
            self.env.apply_command(q)

    def on_low_cmd(self, msg):
        """A1 (unitree_legged): apply a LowCmd to the motor boards and answer with one LowState, as ros2_udp does."""
        from daydreamer.robots import unitree
        if list(msg.head) != list(unitree.HEAD) or msg.level_flag != unitree.LOWLEVEL:
            self.problem('low_cmd head', f'low_cmd ignored: expected head [0xFE, 0xEF] and level_flag 0xFF (LOWLEVEL), '
                                         f'got head {list(msg.head)}, level_flag {msg.level_flag:#x}')
        else:
            m = msg.motor_cmd
            try:
                command = unitree.motor_targets([c.mode for c in m], [c.q for c in m], [c.dq for c in m],
                                                [c.tau for c in m], [c.kp for c in m], [c.kd for c in m])
            except bridge.BadDriverData as e:
                self.problem('low_cmd', f'low_cmd ignored: {e}')
            else:
                self.env.apply_command(command)
        self.publish_low_state()

    def publish_low_state(self):
        from daydreamer.robots import unitree
        s, msg = self.env.driver_state(), self.low_state
        msg.head, msg.level_flag = list(unitree.HEAD), unitree.LOWLEVEL
        msg.tick = int(round(s['stamp'] * 1e6)) % (1 << 32)   # the motion controller's time (us)
        for i, q, dq, tau in zip(unitree.MOTORS, s['position'], s['velocity'], s['effort']):
            motor = msg.motor_state[i]
            motor.mode, motor.q, motor.dq, motor.tau_est = unitree.SERVO, float(q), float(dq), float(tau)
        imu = s['imu']
        msg.imu.quaternion = floats(imu['quaternion'])
        msg.imu.gyroscope = floats(imu['angular_velocity'])
        msg.imu.accelerometer = floats(imu['linear_acceleration'])
        msg.imu.rpy = floats(imu['rpy'])
        msg.foot_force = [int(np.clip(round(f), -32768, 32767)) for f in s['foot_force']]
        self.low_state_pub.publish(msg)

    def on_raw_motor_command(self, msg):
        command = sphero.clip_raw(msg.left, msg.right)
        if command != (msg.left, msg.right):
            self.problem('raw_motor_command', f'raw_motor_command clipped to [-{sphero.RAW_MAX}, {sphero.RAW_MAX}]: '
                                              f'got left {msg.left}, right {msg.right}')
        self.motor_queue.append(command)   # the driver's subscription queue: the oldest is dropped when full
        self.run_motors()

    def run_motors(self):
        """Run the driver's raw motor callback in sim time: each command drives 0.2 s, then the motors stop."""
        now = self.sim_time()
        if self.motor_until is not None and now >= self.motor_until:
            self.env.apply_command(0, 0)
            self.motor_until = None
        if self.motor_until is None and self.motor_queue:
            self.env.apply_command(*self.motor_queue.popleft())
            self.motor_until = now + sphero.DRIVER_COMMAND_SECONDS

    def on_set_stabilization(self, request, response):
        self.stabilization = bool(request.data)   # the twin has no stabilization loop to switch
        response.success, response.message = True, f'Stabilize set to {self.stabilization}'
        return response

    # --- physics ---

    def tick(self):
        dt = self.rtf / self.physics_rate
        if self.robot == 'a1':
            self.env.step_physics(max(1, int(round(dt / a1.SUBSTEP))))
        elif self.robot == 'sphero':
            self.run_motors()
            self.env.simulate(dt)
        else:
            self.arm_driver.tick(self.sim_time())
            self.env.advance(dt)
        self.ticks += 1
        if self.clock_pub is not None:
            self.clock_pub.publish(Clock(clock=self.stamp()))
        if self.ticks % self.state_every == 0 and self.low_state_pub is None:   # the A1's low_state answers low_cmd
            self.publish_state()
        if self.ticks % self.camera_every == 0 and self.rgb_pub is not None:
            self.publish_camera()

    def publish_state(self):
        stamp = self.stamp()
        if self.robot == 'sphero':
            s = self.env.driver_state(image=False)
            msg = Odometry()
            msg.header.stamp, msg.header.frame_id, msg.child_frame_id = stamp, 'odom', 'base_link'
            pose, twist = msg.pose.pose, msg.twist.twist
            pose.position.x, pose.position.y, pose.position.z = (float(v) for v in s['position'])
            o = pose.orientation
            o.x, o.y, o.z, o.w = (float(v) for v in s['orientation'])
            twist.linear.x, twist.linear.y, twist.linear.z = (float(v) for v in s['linear'])
            twist.angular.x, twist.angular.y, twist.angular.z = (float(v) for v in s['angular'])
            self.odom_pub.publish(msg)
            return
        s = self.env.driver_state() if self.robot == 'a1' else self.env.driver_state(images=False)
        if self.robot == 'a1':
            names, position = list(s['joint_names']), floats(s['position'])
            velocity, effort = floats(s['velocity']), floats(s['effort'])
        else:   # with the gripper's actuated joint, as the drivers' joint_state_broadcaster has it
            names, position, velocity, effort = self.arm_driver.joint_state(s)
        msg = JointState(name=names, position=position, velocity=velocity, effort=effort)
        msg.header.stamp = stamp
        self.joint_pub.publish(msg)
        if self.robot == 'a1':
            imu = s['imu']
            msg = Imu()
            msg.header.stamp, msg.header.frame_id = stamp, 'imu_link'
            w, x, y, z = (float(v) for v in imu['quaternion'])
            msg.orientation.x, msg.orientation.y, msg.orientation.z, msg.orientation.w = x, y, z, w
            msg.angular_velocity.x, msg.angular_velocity.y, msg.angular_velocity.z = floats(imu['angular_velocity'])
            acc = msg.linear_acceleration
            acc.x, acc.y, acc.z = floats(imu['linear_acceleration'])
            self.imu_pub.publish(msg)

    def publish_camera(self):
        stamp = self.stamp()
        if self.robot == 'sphero':
            rgb, depth = self.env.render_frame(), None
        else:
            rgb, depth = self.env.render(depth=self.depth_pub is not None)
        msg = images.to_msg(rgb, 'rgb8')
        msg.header.stamp, msg.header.frame_id = stamp, 'camera_color_optical_frame'
        self.rgb_pub.publish(msg)
        if depth is not None:
            msg = images.to_msg(np.asarray(depth, np.float32), '32FC1')
            msg.header.stamp, msg.header.frame_id = stamp, 'camera_depth_optical_frame'
            self.depth_pub.publish(msg)

    def destroy_node(self):
        self.env.close()
        super().destroy_node()


def main(args=None):
    runner.run(SimNode, args, name='sim')


if __name__ == '__main__':
    main()

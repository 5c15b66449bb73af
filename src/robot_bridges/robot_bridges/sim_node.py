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
- a1: `joint_states` (12 joints, position / velocity / effort), `imu/data` (orientation, gyro, specific force).
- ur5, xarm: `joint_states` (6 arm joints + the gripper's finger joint, metres of travel),
  `camera/image_raw` (rgb8, image_height x image_width), xarm also `camera/depth/image_raw` (32FC1, metres).
- sphero: `odom` (nav_msgs/Odometry, frame odom -> base_link) and `overhead_camera/image_raw` (rgb8, 120x160;
  the arena's pixel box in that frame, for the sphero_bridge's arena_min / arena_max, is logged at start).
Accepted (COMMAND QoS): `forward_position_controller/commands` (Float64MultiArray: a1 12 joint targets in
JOINT_NAMES order, arms 6), `gripper_controller/commands` (arms: [0 open .. 1 closed]), `raw_motor`
(sphero: [left, right] in [-1, 1] of full power 255) and `cmd_vel` (sphero, geometry_msgs/Twist: wheel
powers (linear.x -+ turn_radius * angular.z) / full_speed, clipped: `daydreamer.robots.bridge.twist_to_motors`).
The Sphero stops when no command came for `command_timeout` s (the driver convention, cmd_vel_timeout).

Parameters: robot ('a1'), real_time_factor (1.0), publish_clock (False), physics_rate (200.0 Hz),
state_rate (100.0 Hz, joint states / imu / odom), camera_rate (10.0 Hz), seed (0), image_height /
image_width (64, arm camera), start ('stand' | 'random' | 'mixed', A1), command_timeout (1.0 s, Sphero).
"""

from builtin_interfaces.msg import Time
from daydreamer.config import ConfigError
from daydreamer.robots import a1, bridge, sphero
from daydreamer_ros import images, qos, runner
from geometry_msgs.msg import Twist
from nav_msgs.msg import Odometry
import numpy as np
from rclpy.node import Node
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import Image, Imu, JointState
from std_msgs.msg import Float64MultiArray

from .common import floats, THROTTLE

ROBOTS = ('a1', 'ur5', 'xarm', 'sphero')


class SimNode(Node):

    def __init__(self, **kwargs):
        super().__init__('sim', **kwargs)
        from rcl_interfaces.msg import ParameterDescriptor

        def p(name, value, text=''):
            return self.declare_parameter(name, value, ParameterDescriptor(description=text)).value
        self.robot = p('robot', 'a1', 'a1 | ur5 | xarm | sphero')
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
        self.command_timeout = p('command_timeout', 1.0, 'Sphero: stop after this long without a command (s)')
        self.state_every = max(1, int(round(self.physics_rate / state_rate)))
        self.camera_every = max(1, int(round(self.physics_rate / camera_rate)))
        self.ticks = 0
        self._reported = {}
        self.last_command = None
        self.joint_pub = self.imu_pub = self.odom_pub = self.rgb_pub = self.depth_pub = None

        if self.robot == 'a1':
            from daydreamer.envs.a1 import A1Sim
            self.env = A1Sim(seed=seed, render=False, start=start)
            self.env.reset()
            self.joint_pub = self.create_publisher(JointState, 'joint_states', qos.SENSOR)
            self.imu_pub = self.create_publisher(Imu, 'imu/data', qos.SENSOR)
            self.create_subscription(Float64MultiArray, 'forward_position_controller/commands', self.on_joint_command,
                                     qos.COMMAND)
        elif self.robot in ('ur5', 'xarm'):
            from daydreamer.envs.arm import ArmSim
            self.env = ArmSim(self.robot, seed=seed, size=size)
            self.env.step({'action': np.int64(0), 'reset': True})   # the scene: ball in a bin, arm above it
            self.finger = self.env.cfg.finger
            self.joint_pub = self.create_publisher(JointState, 'joint_states', qos.SENSOR)
            self.rgb_pub = self.create_publisher(Image, 'camera/image_raw', qos.SENSOR)
            if self.env.cfg.depth:
                self.depth_pub = self.create_publisher(Image, 'camera/depth/image_raw', qos.SENSOR)
            self.create_subscription(Float64MultiArray, 'forward_position_controller/commands', self.on_joint_command,
                                     qos.COMMAND)
            self.create_subscription(Float64MultiArray, 'gripper_controller/commands', self.on_gripper_command,
                                     qos.COMMAND)
        else:
            from daydreamer.envs.sphero import SpheroSim
            self.env = SpheroSim(seed=seed)
            low, high = self.env.arena_box()
            self.get_logger().info(f'overhead camera arena box (pixels): arena_min {low.round(1).tolist()}, '
                                   f'arena_max {high.round(1).tolist()}')
            self.odom_pub = self.create_publisher(Odometry, 'odom', qos.SENSOR)
            self.rgb_pub = self.create_publisher(Image, 'overhead_camera/image_raw', qos.SENSOR)
            self.create_subscription(Float64MultiArray, 'raw_motor', self.on_raw_motor, qos.COMMAND)
            self.create_subscription(Twist, 'cmd_vel', self.on_cmd_vel, qos.COMMAND)
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
        size = a1.NUM_JOINTS if self.robot == 'a1' else len(self.env.joint_names)
        q = self.vector(msg, size, 'forward_position_controller/commands')
        if q is None:
            return
        if self.robot == 'a1':
            self.env.apply_command(q)
        else:
            self.env.apply_command(joint_positions=q)

    def on_gripper_command(self, msg):
        value = self.vector(msg, 1, 'gripper_controller/commands')
        if value is not None:
            self.env.apply_command(gripper=float(np.clip(value[0], 0.0, 1.0)))

    def on_raw_motor(self, msg):
        value = self.vector(msg, 2, 'raw_motor')
        if value is not None:
            self.drive(value)

    def on_cmd_vel(self, msg):
        motors = bridge.twist_to_motors(msg.linear.x, msg.angular.z)
        if not np.isfinite(motors).all():
            self.problem('cmd_vel', f'cmd_vel dropped: expected finite linear.x and angular.z, got '
                                    f'{msg.linear.x}, {msg.angular.z}')
            return
        self.drive(motors)

    def drive(self, powers):
        left, right = (int(round(float(np.clip(v, -1.0, 1.0)) * sphero.RAW_MAX)) for v in powers)
        self.env.apply_command(left, right)
        self.last_command = self.sim_time()

    # --- physics ---

    def tick(self):
        dt = self.rtf / self.physics_rate
        if self.robot == 'a1':
            self.env.step_physics(max(1, int(round(dt / a1.SUBSTEP))))
        elif self.robot == 'sphero':
            if self.last_command is not None and self.sim_time() - self.last_command > self.command_timeout:
                self.env.apply_command(0, 0)
                self.last_command = None
            self.env.simulate(dt)
        else:
            self.env.advance(dt)
        self.ticks += 1
        if self.clock_pub is not None:
            self.clock_pub.publish(Clock(clock=self.stamp()))
        if self.ticks % self.state_every == 0:
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
        names, position = list(s['joint_names']), floats(s['position'])
        velocity, effort = floats(s['velocity']), floats(s['effort'])
        if self.robot != 'a1':   # the gripper's finger joint, as the drivers' joint_state_broadcaster has it
            names.append(self.finger)
            position.append(float(s['gripper_position']) * self.env.cfg.stroke)
            velocity.append(0.0)
            effort.append(0.0)
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

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
Driver-level bag topics -> replay rows, through the robot's own task code (`daydreamer.bags` reads our topics).

A bag recorded without us (teleoperation, a scripted run, another controller) holds the driver's topics, not
Steps. The conversion plays the bridge's part offline, with the task class the bridge runs:

- Time alignment: agent steps fall at t0 + k / control_rate of bag time, t0 the log time of the message that
  completed the required topics. Step k sees, of each topic, the newest message logged at or before its time
  (zero-order hold) and nothing later. A required topic whose newest message is older than the robot's
  stale_timeout at a step makes no row there and starts a new episode (counted as 'stale').
- Actions: what the agent would have commanded, read back from the commands the driver received: A1 the newest
  position command at or before the step, normalised (`a1.normalize_action`; the task's low-pass and
  interpolation make the commands trail the action, so this is an estimate). Row k carries the action read back
  at step k (the commands since step k - 1, which led to its observation), zeros at an episode's first row; steps
  before the first command make no rows (nothing was commanded: counted as 'no command').
- Episodes: the robot's episode_length rows each (the A1 is reset-free; its bridge cuts a run the same way).

Supported: the A1 over ros2_control (`joint_states`, `imu_sensor_broadcaster/imu`,
`forward_position_controller/commands` with the joints in JOINT_NAMES order, as our controller YAML has them);
the Sphero over sphero_ros2 (`overhead_camera/image_raw` at any size and encoding OpenCV's codec reads,
`raw_motor_command`: the action is the newest command's powers over MAX_CONTROL). A converter takes each message
as a function that deserializes it, so a camera frame is decoded only when a step uses it.
"""

import numpy as np

from . import images
from .robots import a1, bridge, sphero

JOINT_STATE, IMU, FLOAT64_ARRAY = 'sensor_msgs/msg/JointState', 'sensor_msgs/msg/Imu', 'std_msgs/msg/Float64MultiArray'
IMAGE, RAW_MOTOR = 'sensor_msgs/msg/Image', 'sphero_interfaces/msg/RawMotorCommand'


class A1Ros2Control:
    """The A1's ros2_control topics (relative to its namespace) -> observation, reward and action per agent step."""

    robot = 'a1'
    topics = {'joint_states': JOINT_STATE, 'imu_sensor_broadcaster/imu': IMU,
              'forward_position_controller/commands': FLOAT64_ARRAY}
    required = ('joint_states', 'imu_sensor_broadcaster/imu')

    def __init__(self):
        self.task = a1.A1Task()   # observe() only: the reward and observation the bridge computes
        self.positions, self.velocities = bridge.JointStates(), bridge.JointStates()
        self.odometry = a1.LegOdometry()
        self.quat = self.gyro = self.command = None
        self.samples = 0   # odometry samples since the last step

    def on(self, topic, get):
        """Take one message (`get()` deserializes it); return a problem (str) when it is bad and was dropped."""
        msg = get()
        try:
            if topic == 'joint_states':
                names = list(msg.name)
                self.positions.update(names, msg.position, 0.0)
                if len(msg.velocity):
                    self.velocities.update(names, msg.velocity, 0.0)
                if self.quat is not None and len(msg.velocity):
                    q = self.positions.select(a1.JOINT_NAMES, 0.0)
                    self.odometry.update(self.quat, self.gyro, q, self.velocities.select(a1.JOINT_NAMES, 0.0))
                    self.samples += 1
            elif topic == 'imu_sensor_broadcaster/imu':
                o, w = msg.orientation, msg.angular_velocity
                quat, gyro = np.array([o.w, o.x, o.y, o.z]), np.array([w.x, w.y, w.z])
                norm = float(np.linalg.norm(quat))
                if not (np.isfinite(quat).all() and np.isfinite(gyro).all()) or abs(norm - 1.0) > 0.1:
                    raise bridge.BadDriverData(f'orientation must be a finite unit quaternion and the angular '
                                               f'velocity finite (got |q| = {norm:.3f})')
                self.quat, self.gyro = quat / norm, gyro
            else:
                command = np.asarray(msg.data, np.float64)
                if command.shape != (a1.NUM_JOINTS,) or not np.isfinite(command).all():
                    raise bridge.BadDriverData(f'expected {a1.NUM_JOINTS} finite joint positions, got '
                                               f'{command.tolist()}')
                self.command = command
        except bridge.MissingJoints:
            return ''   # not every joint yet: the step says so if it stays that way
        except bridge.BadDriverData as e:
            return str(e)
        return ''

    def step(self, first):
        """Return (obs, reward, action) at a step; `first`: no step before it (no velocity, reward 0)."""
        q = self.positions.select(a1.JOINT_NAMES, 0.0)   # MissingJoints names the absent ones
        velocity = None if first or not self.samples else self.odometry.mean()
        self.samples = 0
        obs, reward, _ = self.task.observe(q, self.quat, self.gyro, velocity)
        action = None if self.command is None else a1.normalize_action(self.command)
        return obs, np.float32(reward), action


class SpheroRaw:
    """The Sphero's sphero_ros2 topics (relative to its namespace) -> observation, reward and action per step."""

    robot = 'sphero'
    topics = {'overhead_camera/image_raw': IMAGE, 'raw_motor_command': RAW_MOTOR}
    required = ('overhead_camera/image_raw',)

    def __init__(self):
        self.task = sphero.SpheroTask()   # observe() only, with the reference's 640x480 arena
        self.frame = self.command = None

    def on(self, topic, get):
        if topic == 'raw_motor_command':
            msg = get()
            self.command = np.array([msg.left, msg.right], np.float64)
        else:
            self.frame = get   # decoded at the step that uses it: most frames are not
        return ''

    def step(self, first):
        msg = self.frame()
        try:
            frame = images.decode(msg.height, msg.width, msg.encoding, msg.is_bigendian, msg.step, msg.data,
                                  desired='rgb8')
            obs, reward, _ = self.task.observe(frame)
        except (ValueError, bridge.BadDriverData) as e:
            raise bridge.BadDriverData(f'overhead_camera/image_raw: {e}') from e
        action = None if self.command is None else np.clip(self.command / sphero.MAX_CONTROL, -1, 1).astype(
            np.float32)
        return obs, np.float32(0.0 if first else reward), action


CONVERTERS = {'a1': A1Ros2Control, 'sphero': SpheroRaw}


def find(robot, connections, namespace=None):
    """
    Return (converter class, {bag topic: its topic}) for the robot's driver topics among a bag's connections.

    The namespace is `namespace` or the one where the bag has the converter's topics (e.g. '/a1'); None when the
    bag has none of them.
    """
    cls = CONVERTERS.get(robot)
    if cls is None:
        return None
    by_name = {c.topic: c.msgtype for c in connections}
    prefixes = [namespace.rstrip('/')] if namespace is not None else sorted(
        {topic[:-len(name)].rstrip('/') for topic in by_name for name in cls.required if topic.endswith(name)})
    for prefix in prefixes:
        found = {f'{prefix}/{name}': name for name, msgtype in cls.topics.items()
                 if by_name.get(f'{prefix}/{name}') == msgtype}
        if all(f'{prefix}/{name}' in found for name in cls.required):
            return cls, found
    return None

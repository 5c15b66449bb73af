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
Gazebo (gz sim, through ros_gz) support for gazebo.launch.py: the robot's URDF plus what Gazebo needs.

The URDFs in share/daydreamer/urdf are plain robot descriptions shared by MuJoCo, robot_state_publisher and
rviz. Gazebo additionally needs: a fixed joint to the world for the arms, a <ros2_control> block and the
gz_ros2_control plugin for the position-commanded joints (the joints come from the controllers file, so they
are listed once), the JointStatePublisher system (joint_states through ros_gz_bridge), the A1's IMU sensor and
the Sphero's velocity control and odometry. The cameras are fixed in the world files (config/gazebo/<robot>.sdf),
as in the MuJoCo twins.

Gazebo Classic (Humble only) differs: gazebo_ros spawn_entity.py instead of `ros_gz_sim create`,
gazebo_ros2_control/GazeboSystem + libgazebo_ros2_control.so instead of gz_ros2_control, and the gazebo_ros
camera / joint-state / IMU plugins publish ROS topics directly (no ros_gz_bridge).
"""

import math
import os

import yaml

from . import FIXED_BASE, ROOT_FRAMES

WORLD = 'daydreamer'          # the world name in config/gazebo/*.sdf (gz topics /world/<WORLD>/...)
SPAWN_HEIGHT = {'a1': 0.35, 'ur5': 0.0, 'xarm': 0.0, 'sphero': 0.05}
# The UR5's controller base frame is base_link turned by pi (as in the MuJoCo twin): bins and camera are given there.
BASE_YAW = {'a1': 0.0, 'ur5': math.pi, 'xarm': 0.0, 'sphero': 0.0}


# Humble's Gazebo is Fortress, with the ros2_control plugin of Humble's release, ign_ros2_control.
HUMBLE_NAMES = (
    ('gz_ros2_control::GazeboSimROS2ControlPlugin', 'ign_ros2_control::IgnitionROS2ControlPlugin'),
    ('gz_ros2_control/GazeboSimSystem', 'ign_ros2_control/IgnitionSystem'),
    ('gz_ros2_control-system', 'ign_ros2_control-system'),
    ('gz-sim-', 'ignition-gazebo-'),
    ('gz::sim::', 'ignition::gazebo::'),
)


def gz_names(text, distro=None):
    """
    Return `text` with the Gazebo plugin names of `distro` (default: $ROS_DISTRO).

    Jazzy (Harmonic) and later: gz-sim-* systems and gz_ros2_control; Humble (Fortress): ignition-gazebo-* systems
    and ign_ros2_control (ign_ros2_control-system, IgnitionROS2ControlPlugin, IgnitionSystem).
    """
    if (distro if distro is not None else os.environ.get('ROS_DISTRO', '')) != 'humble':
        return text
    for jazzy, humble in HUMBLE_NAMES:
        text = text.replace(jazzy, humble)
    return text


def commanded_joints(controllers_file):
    """Return the joints of the forward command controllers in a controllers file, in order, each once."""
    with open(controllers_file) as f:
        params = yaml.safe_load(f) or {}
    joints = []
    for key, node in params.items():
        if key.endswith('controller_manager'):
            continue
        for joint in node['ros__parameters']['joints']:
            if joint not in joints:
                joints.append(joint)
    return joints


def description(robot, urdf, controllers_file, namespace):
    """Return the URDF text for Gazebo. `controllers_file` may be None (no commanded joints: the Sphero)."""
    blocks = []
    if FIXED_BASE[robot]:
        blocks.append(f'<link name="world"/><joint name="world_joint" type="fixed"><parent link="world"/>'
                      f'<child link="{ROOT_FRAMES[robot]}"/><origin xyz="0 0 0" rpy="0 0 {BASE_YAW[robot]}"/>'
                      f'</joint>')
    if controllers_file:
        joints = ''.join(f'<joint name="{j}"><command_interface name="position"/><state_interface name="position"/>'
                         f'<state_interface name="velocity"/></joint>' for j in commanded_joints(controllers_file))
        blocks.append(f'<ros2_control name="GazeboSimSystem" type="system"><hardware>'
                      f'<plugin>gz_ros2_control/GazeboSimSystem</plugin></hardware>{joints}</ros2_control>')
        blocks.append(f'<gazebo><plugin filename="gz_ros2_control-system" '
                      f'name="gz_ros2_control::GazeboSimROS2ControlPlugin"><parameters>{controllers_file}</parameters>'
                      f'<ros><namespace>{namespace}</namespace></ros></plugin></gazebo>')
    blocks.append('<gazebo><plugin filename="gz-sim-joint-state-publisher-system" '
                  'name="gz::sim::systems::JointStatePublisher"/></gazebo>')
    if robot == 'a1':
        blocks.append('<gazebo reference="imu_link"><sensor name="imu" type="imu"><always_on>1</always_on>'
                      '<update_rate>200</update_rate><topic>/a1/imu</topic></sensor></gazebo>')
    if robot == 'sphero':
        # The drive wheels sit inside the shell, so Gazebo moves the ball by velocity (Twist on /sphero/cmd_vel,
        # bridged from cmd_vel) and reports odometry on /sphero/odom (bridged to odom): an approximation.
        blocks.append('<gazebo><plugin filename="gz-sim-velocity-control-system" '
                      'name="gz::sim::systems::VelocityControl"><topic>/sphero/cmd_vel</topic></plugin>'
                      '<plugin filename="gz-sim-odometry-publisher-system" name="gz::sim::systems::OdometryPublisher">'
                      '<odom_frame>odom</odom_frame><robot_base_frame>base_link</robot_base_frame>'
                      '<odom_topic>/sphero/odom</odom_topic><dimensions>2</dimensions></plugin></gazebo>')
    head, tail = urdf.rsplit('</robot>', 1)
    return gz_names(head + '\n  '.join([''] + blocks) + '\n</robot>' + tail)

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
A real robot: bridge (remapped onto the real driver's topics), actor, learner and, with rviz:=true, rviz2.

Start the robot's driver first (see README, "ROS 2 quick start"), e.g. for the UR5:

  ros2 launch ur_robot_driver ur_control.launch.py ur_type:=ur5 robot_ip:=<ip> \
      initial_joint_controller:=forward_position_controller
  ros2 launch daydreamer_bringup ur5_real.launch.py learner_device:=cuda

The driver publishes robot_description and TF itself; description:=true starts robot_state_publisher with our
URDF instead. learner:=false leaves the learner to another machine (learner.launch.py there).
"""

from daydreamer_bringup import agent_arguments, agent_includes, as_bool, robot_state_publisher, urdf_path
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, GroupAction, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import PushRosNamespace


def description(context):
    def arg(name):
        return LaunchConfiguration(name).perform(context)

    if not as_bool(arg('description')):
        return []
    with open(urdf_path(arg('robot'))) as f:
        urdf = f.read()
    return [GroupAction([PushRosNamespace(arg('namespace')), robot_state_publisher(urdf, False)])]


def generate_launch_description():
    return LaunchDescription([
        *agent_arguments('a1'),
        DeclareLaunchArgument('description', default_value='false', choices=['true', 'false'],
                              description='start robot_state_publisher with our URDF (the driver usually does)'),
        DeclareLaunchArgument('remap', default_value='', description="extra bridge remappings 'from:=to,...'"),
        OpaqueFunction(function=description),
        *agent_includes('false', 'real'),
    ])

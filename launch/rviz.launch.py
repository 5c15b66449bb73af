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
rviz2 on the robot's namespace: the robot model, its camera and the learner's imagination.

It shows the robot model (robot_description + TF), its camera and the learner's imagination (open-loop world-model
predictions next to reality). Runs on any machine on the same ROS_DOMAIN_ID:

  ros2 launch daydreamer_bringup rviz.launch.py robot:=ur5
"""

from daydreamer_bringup import as_bool, CAMERAS, ROBOTS, ROOT_FRAMES
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, GroupAction, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node, PushRosNamespace
from launch_ros.substitutions import FindPackageShare


def rviz(context):
    def arg(name):
        return LaunchConfiguration(name).perform(context)

    robot = arg('robot')
    # rviz/daydreamer.rviz shows camera/image_raw; point it at this robot's camera.
    camera = [('camera/image_raw', CAMERAS[robot])] if CAMERAS[robot] not in ('', 'camera/image_raw') else []
    return [GroupAction([
        PushRosNamespace(arg('namespace')),
        Node(package='rviz2', executable='rviz2', name='rviz2', output='screen',
             arguments=['-d', arg('rviz_config'), '-f', ROOT_FRAMES[robot]], remappings=camera,
             parameters=[{'use_sim_time': as_bool(arg('use_sim_time'))}]),
    ])]


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument('robot', default_value='a1', choices=list(ROBOTS), description='which robot'),
        DeclareLaunchArgument('namespace', default_value=LaunchConfiguration('robot'),
                              description="default: the robot's name"),
        DeclareLaunchArgument('use_sim_time', default_value='false', choices=['true', 'false']),
        DeclareLaunchArgument('rviz_config', description='rviz2 configuration',
                              default_value=PathJoinSubstitution([FindPackageShare('daydreamer_bringup'),
                                                                  'rviz', 'daydreamer.rviz'])),
        OpaqueFunction(function=rviz),
    ])

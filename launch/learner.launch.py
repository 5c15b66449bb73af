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
The learner alone: trains on the experience the actor streams and publishes policy weights.

For two machines: run this on the GPU workstation and actor.launch.py (actor + bridge) on the robot computer,
both with the same ROS_DOMAIN_ID, robot, namespace and configs/overrides:

  ros2 launch daydreamer_bringup learner.launch.py robot:=a1 device:=cuda logdir:=~/daydreamer/logdir/a1

Parameters: config/learner.yaml (tunables), then the launch arguments below (run choices).
"""

from daydreamer_bringup import as_bool, ROBOTS, words
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, GroupAction, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node, PushRosNamespace
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare


def learner(context):
    def arg(name):
        return LaunchConfiguration(name).perform(context)

    def text(name):
        return ParameterValue(arg(name), value_type=str)  # never YAML-parsed ('1' stays a string)

    return [GroupAction([
        PushRosNamespace(arg('namespace')),
        Node(package='daydreamer_learner', executable='learner', name='learner', output='screen', parameters=[
            arg('learner_params_file'),
            {'configs': words(arg('configs')), 'overrides': text('overrides'), 'task': text('task'),
             'logdir': text('logdir'), 'device': text('device'), 'use_sim_time': as_bool(arg('use_sim_time')),
             'bags': words(arg('bags')) or ['']},
        ]),
    ])]


def generate_launch_description():
    robot = LaunchConfiguration('robot')
    return LaunchDescription([
        DeclareLaunchArgument('robot', default_value='a1', choices=list(ROBOTS), description='which robot'),
        DeclareLaunchArgument('namespace', default_value=robot,
                              description="ROS namespace of the robot's nodes (default: the robot's name)"),
        DeclareLaunchArgument('configs', default_value=robot, description="config blocks, e.g. 'a1 debug'"),
        DeclareLaunchArgument('overrides', default_value='', description="e.g. '--batch_size 16 --rssm.deter 64'"),
        DeclareLaunchArgument('task', default_value=[robot, '_dummy'],
                              description='task for the spaces only (the spaces-only twin needs no simulator)'),
        DeclareLaunchArgument('logdir', default_value=['~/daydreamer/logdir/', robot],
                              description='replay, checkpoints and metrics; a restart resumes from here'),
        DeclareLaunchArgument('device', default_value='auto', description='auto | cpu | cuda | cuda:N'),
        DeclareLaunchArgument('use_sim_time', default_value='false', choices=['true', 'false']),
        DeclareLaunchArgument('bags', default_value='',
                              description='rosbag2 bags of the robot (step/action topics) to train on too, e.g. '
                                          "'~/daydreamer/logdir/a1/bags/a1_20261207_101500'"),
        DeclareLaunchArgument('learner_params_file', description='learner parameter file',
                              default_value=PathJoinSubstitution([FindPackageShare('daydreamer_bringup'),
                                                                  'config', 'learner.yaml'])),
        OpaqueFunction(function=learner),
    ])

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
The actor and, by default, the robot's bridge: the part that runs on the robot computer.

For two machines: run this next to the robot and learner.launch.py on the GPU workstation, both with the same
ROS_DOMAIN_ID, robot, namespace and configs/overrides:

  ros2 launch daydreamer_bringup actor.launch.py robot:=a1

The actor acts at the control rate on its CPU, streams experience (spooled to disk while no learner listens)
and swaps in the weights the learner publishes. Parameters: config/actor.yaml, then the launch arguments.
"""

from daydreamer_bringup import as_bool, BRIDGE_PARAMS_FILE, DRIVERS, ROBOTS, words
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, GroupAction, IncludeLaunchDescription, OpaqueFunction
from launch.conditions import IfCondition
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node, PushRosNamespace
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare


def actor(context):
    def arg(name):
        return LaunchConfiguration(name).perform(context)

    def text(name):
        return ParameterValue(arg(name), value_type=str)

    return [GroupAction([
        PushRosNamespace(arg('namespace')),
        Node(package='daydreamer_actor', executable='actor', name='actor', output='screen', parameters=[
            arg('actor_params_file'),
            {'configs': words(arg('configs')), 'overrides': text('overrides'), 'task': text('task'),
             'device': text('device'), 'mode': text('mode'), 'use_sim_time': as_bool(arg('use_sim_time'))},
        ]),
    ])]


def generate_launch_description():
    robot = LaunchConfiguration('robot')
    forward = ('robot', 'namespace', 'use_sim_time', 'driver', 'remap', 'bridge_params_file')
    return LaunchDescription([
        DeclareLaunchArgument('robot', default_value='a1', choices=list(ROBOTS), description='which robot'),
        DeclareLaunchArgument('namespace', default_value=robot, description="default: the robot's name"),
        DeclareLaunchArgument('configs', default_value=robot, description="config blocks, e.g. 'a1 debug'"),
        DeclareLaunchArgument('overrides', default_value='', description="e.g. '--rssm.deter 64'"),
        DeclareLaunchArgument('task', default_value=[robot, '_dummy'], description='task for the spaces only'),
        DeclareLaunchArgument('device', default_value='cpu', description='the policy runs here: cpu | cuda'),
        DeclareLaunchArgument('mode', default_value='explore', choices=['explore', 'eval', 'hold']),
        DeclareLaunchArgument('use_sim_time', default_value='false', choices=['true', 'false']),
        DeclareLaunchArgument('bridge', default_value='true', choices=['true', 'false'],
                              description="also start the robot's bridge"),
        DeclareLaunchArgument('driver', default_value='real', choices=list(DRIVERS),
                              description='bridge: what publishes the driver topics (sim | gazebo | real)'),
        DeclareLaunchArgument('remap', default_value='', description="bridge: extra remappings 'from:=to,...'"),
        DeclareLaunchArgument('bridge_params_file', default_value='', description='bridge: ' + BRIDGE_PARAMS_FILE),
        DeclareLaunchArgument('actor_params_file', description='actor parameter file',
                              default_value=PathJoinSubstitution([FindPackageShare('daydreamer_bringup'),
                                                                  'config', 'actor.yaml'])),
        OpaqueFunction(function=actor),
        GroupAction([IncludeLaunchDescription(
            PythonLaunchDescriptionSource(PathJoinSubstitution([FindPackageShare('daydreamer_bringup'), 'launch',
                                                                'bridge.launch.py'])),
            launch_arguments={name: LaunchConfiguration(name) for name in forward}.items())],
            condition=IfCondition(LaunchConfiguration('bridge'))),
    ])

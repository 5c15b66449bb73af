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
A robot in Gazebo (gz sim: Fortress on Humble, Harmonic on Jazzy, through ros_gz) with the whole learning loop.

Gazebo publishes the same driver-level topics as the MuJoCo twin and the real drivers, so the bridge is unchanged:

  gz sim world config/gazebo/<robot>.sdf (ros_gz_sim gz_sim.launch.py; the fixed cameras live in the world)
  robot_state_publisher  robot_description = our URDF + Gazebo additions (daydreamer_bringup.gazebo)
  ros_gz_sim create      spawns the robot from robot_description
  ros_gz_bridge          config/gazebo/<robot>_bridge.yaml: /clock, joint_states, the A1's IMU, camera images, odom
  gz_ros2_control        config/gazebo/<robot>_controllers.yaml: forward_position_controller (+ gripper_controller)
  bridge, actor, learner (and rviz2), all on sim time

  ros2 launch daydreamer_bringup a1_gazebo.launch.py gui:=false

Gazebo Classic (Humble only, end of life) differs: gazebo_ros's gazebo.launch.py and spawn_entity.py, the
gazebo_ros camera / joint-state / IMU plugins instead of ros_gz_bridge, and gazebo_ros2_control.
"""

import os
import tempfile

from daydreamer_bringup import agent_arguments, agent_includes, as_bool, config_path, robot_state_publisher, urdf_path
from daydreamer_bringup.gazebo import description, gz_names, SPAWN_HEIGHT
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, GroupAction, IncludeLaunchDescription, OpaqueFunction
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node, PushRosNamespace
from launch_ros.substitutions import FindPackageShare


def world_file(path):
    """Return the world as Gazebo on this distro names its plugins (a rewritten copy on Humble's Fortress)."""
    with open(path) as f:
        text = f.read()
    if gz_names(text) == text:
        return path
    fd, copy = tempfile.mkstemp(prefix='daydreamer_', suffix='.sdf')
    with os.fdopen(fd, 'w') as f:
        f.write(gz_names(text))
    return copy


def gazebo(context):
    def arg(name):
        return LaunchConfiguration(name).perform(context)

    robot, namespace = arg('robot'), '/' + arg('namespace').strip('/')
    controllers = config_path('gazebo', robot + '_controllers.yaml') if robot != 'sphero' else None
    with open(urdf_path(robot)) as f:
        urdf = description(robot, f.read(), controllers, namespace)
    manager = namespace.rstrip('/') + '/controller_manager'
    arm = ['forward_position_controller', 'gripper_controller']
    names = {'a1': ['forward_position_controller'], 'ur5': arm, 'xarm': arm, 'sphero': []}[robot]
    spawners = [Node(package='controller_manager', executable='spawner', output='screen',
                     arguments=[name, '--controller-manager', manager, '--controller-manager-timeout', '120'])
                for name in names]
    gz_args = '-r ' + world_file(arg('world') or config_path('gazebo', robot + '.sdf'))
    if not as_bool(arg('gui')):
        gz_args += ' -s'  # server only
    return [
        GroupAction([IncludeLaunchDescription(
            PythonLaunchDescriptionSource(PathJoinSubstitution([FindPackageShare('ros_gz_sim'), 'launch',
                                                                'gz_sim.launch.py'])),
            launch_arguments={'gz_args': gz_args}.items())]),
        GroupAction([
            PushRosNamespace(arg('namespace')),
            robot_state_publisher(urdf, True),
            Node(package='ros_gz_sim', executable='create', output='screen',
                 arguments=['-topic', 'robot_description', '-name', robot, '-z', str(SPAWN_HEIGHT[robot])]),
            Node(package='ros_gz_bridge', executable='parameter_bridge', name='gz_bridge', output='screen',
                 parameters=[{'config_file': config_path('gazebo', robot + '_bridge.yaml'), 'use_sim_time': True}]),
            *spawners,
        ]),
    ]


def generate_launch_description():
    return LaunchDescription([
        *agent_arguments('a1'),
        DeclareLaunchArgument('gui', default_value='true', choices=['true', 'false'], description='Gazebo GUI'),
        DeclareLaunchArgument('world', default_value='', description='world SDF (default: config/gazebo/<robot>.sdf)'),
        OpaqueFunction(function=gazebo),
        *agent_includes('true', 'gazebo'),
    ])

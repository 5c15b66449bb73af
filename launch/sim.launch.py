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
A robot's MuJoCo twin with the whole learning loop.

It runs the sim node (driver-level topics, like the real driver), robot_state_publisher (the same URDF), bridge,
actor, learner and, with rviz:=true, rviz2.

  ros2 launch daydreamer_bringup sim.launch.py robot:=ur5 rviz:=true      (or ur5_sim.launch.py rviz:=true)

With use_sim_time:=true the sim publishes /clock and every node runs on sim time (one simulated robot per ROS
domain then, because /clock is global). Parameters: config/sim.yaml and those of the included launch files.
"""

from daydreamer_bringup import agent_arguments, agent_includes, as_bool, config_path, robot_state_publisher, urdf_path
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, GroupAction, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node, PushRosNamespace


def simulation(context):
    def arg(name):
        return LaunchConfiguration(name).perform(context)

    robot, use_sim_time = arg('robot'), as_bool(arg('use_sim_time'))
    with open(urdf_path(robot)) as f:
        description = f.read()
    return [GroupAction([
        PushRosNamespace(arg('namespace')),
        # The sim keeps wall time itself; it is the source of /clock when use_sim_time is on.
        Node(package='robot_bridges', executable='sim', name='sim', output='screen',
             parameters=[config_path('sim.yaml'), {'robot': robot, 'publish_clock': use_sim_time}]),
        robot_state_publisher(description, use_sim_time),
    ])]


def generate_launch_description():
    return LaunchDescription([
        *agent_arguments('a1'),
        DeclareLaunchArgument('use_sim_time', default_value='false', choices=['true', 'false'],
                              description='run every node on the simulated /clock'),
        OpaqueFunction(function=simulation),
        *agent_includes(LaunchConfiguration('use_sim_time'), 'sim'),
    ])

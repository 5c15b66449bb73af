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
The robot's bridge alone: driver topics <-> the agent's Step and Action (included by actor.launch.py).

  a1 -> a1_bridge, ur5 | xarm -> arm_bridge (parameter robot), sphero -> sphero_bridge

Parameters: config/<bridge>.yaml, then config/<bridge>_sim.yaml where it exists for driver:=sim|gazebo (the
twins' cameras differ from the real ones; the Gazebo worlds copy the twins' cameras). With driver:=real the
bridge's relative driver topics are remapped onto the real driver's names (daydreamer_bringup.REAL_TOPICS) and
the real driver's parameters set (REAL_PARAMETERS: the arms' gripper actions at their global names); with
driver:=gazebo the arms take Gazebo's forward command controllers (GAZEBO_PARAMETERS);
remap:='from:=to,from2:=to2' adds or replaces remappings. bridge_params_file:=<yaml> is applied last: its values
win over all of these (e.g. a gripper action in another namespace, a calibrated workspace).
"""

import os
import tempfile

from daydreamer_bringup import (as_bool, BRIDGE_PARAMS_FILE, BRIDGES, config_path, DRIVERS, GAZEBO_PARAMETERS,
                                REAL_PARAMETERS, REAL_TOPICS, ROBOTS)
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, GroupAction, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node, PushRosNamespace
import yaml


def remappings(robot, real, extra):
    rules = dict(REAL_TOPICS[robot]) if real else {}
    for rule in filter(None, (r.strip() for r in extra.split(','))):
        source, sep, target = rule.partition(':=')
        if not sep or not source or not target:
            raise ValueError(f"remap: expected 'from:=to[,from:=to...]', got '{rule}'")
        rules[source] = target
    return list(rules.items())


def bridge(context):
    def arg(name):
        return LaunchConfiguration(name).perform(context)

    robot, driver, executable = arg('robot'), arg('driver'), BRIDGES[arg('robot')]
    files = [config_path(executable + '.yaml')]
    twin = config_path(executable + '_sim.yaml')
    if driver != 'real' and os.path.exists(twin):
        files.append(twin)
    overrides = {'use_sim_time': as_bool(arg('use_sim_time'))}
    if executable == 'arm_bridge':
        overrides['robot'] = robot
    if driver == 'real':
        overrides.update(REAL_PARAMETERS.get(robot, {}))
    if driver == 'gazebo':
        overrides.update(GAZEBO_PARAMETERS.get(robot, {}))
    # As a file for all nodes ('/**'), as the others: rcl lets a node's own key win over '/**' whatever the file
    # order, and launch_ros writes a dict under the node's key; so a dict here would beat the user's file below.
    with tempfile.NamedTemporaryFile('w', prefix='launch_params_', suffix='.yaml', delete=False) as f:
        yaml.safe_dump({'/**': {'ros__parameters': overrides}}, f)
    files.append(f.name)
    files.extend(filter(None, [arg('bridge_params_file')]))   # last: its values win
    return [GroupAction([
        PushRosNamespace(arg('namespace')),
        Node(package='robot_bridges', executable=executable, name=executable, output='screen',
             parameters=files, remappings=remappings(robot, driver == 'real', arg('remap'))),
    ])]


def generate_launch_description():
    robot = LaunchConfiguration('robot')
    return LaunchDescription([
        DeclareLaunchArgument('robot', default_value='a1', choices=list(ROBOTS), description='which robot'),
        DeclareLaunchArgument('namespace', default_value=robot, description="default: the robot's name"),
        DeclareLaunchArgument('use_sim_time', default_value='false', choices=['true', 'false']),
        DeclareLaunchArgument('driver', default_value='real', choices=list(DRIVERS),
                              description="what publishes the driver topics (real: remap onto the driver's names)"),
        DeclareLaunchArgument('remap', default_value='', description="extra remappings 'from:=to,...'"),
        DeclareLaunchArgument('bridge_params_file', default_value='', description=BRIDGE_PARAMS_FILE),
        OpaqueFunction(function=bridge),
    ])

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
What the launch files of daydreamer_bringup need to know about each robot.

The launch files in launch/ import this module (it is installed with the package). The per-robot facts (which
bridge executable speaks the robot, its URDF in share/daydreamer/urdf, the root frame rviz fixes on, the camera,
the real driver's topics the bridge is remapped onto in `real.launch.py` and the driver's parameters) are read
from each robot's one definition, `daydreamer.robots` (robots/<name>.py's ROBOT).
"""

import os

from daydreamer import robots as _robots

# Every robot's facts come from its one definition (daydreamer.robots: robots/<name>.py's ROBOT).
_ROBOTS = _robots.registry()
ROBOTS = tuple(_ROBOTS)
DRIVERS = ('sim', 'gazebo', 'real')  # what publishes the driver-level topics the bridge reads
BRIDGES = {name: r.bridge for name, r in _ROBOTS.items()}
URDFS = {name: r.urdf for name, r in _ROBOTS.items()}
ROOT_FRAMES = {name: r.root_frame for name, r in _ROBOTS.items()}
# Arms are bolted to the table; the A1 and the Sphero move freely (Gazebo spawns them free).
FIXED_BASE = {name: r.fixed_base for name, r in _ROBOTS.items()}
# The robot's camera topic shown in rviz ('' = none: the A1 has none on the real robot).
CAMERAS = {name: r.camera for name, r in _ROBOTS.items()}
# Our relative topic -> the real driver's topic. The bridge runs in the robot's namespace and the vendor drivers
# publish at their own names, so real.launch.py remaps; remap:='from:=to,...' adds or replaces. Cameras are not
# remapped: the camera driver publishes into the robot's namespace (camera/image_raw, rgb8 or bgr8 of any size;
# the xArm's camera/depth/image_raw, 16UC1 or 32FC1), or remap:= points the bridge at it.
REAL_TOPICS = {name: dict(r.real_topics) for name, r in _ROBOTS.items()}
# Bridge parameters with the real driver (e.g. the arms' gripper action at its global name) and under Gazebo
# (driver:=gazebo: its forward command controllers, the Sphero's velocity-driven model), beyond
# config/<bridge>.yaml.
REAL_PARAMETERS = {name: dict(r.real_parameters) for name, r in _ROBOTS.items()}
GAZEBO_PARAMETERS = {name: dict(r.gazebo_parameters) for name, r in _ROBOTS.items()}
# What record:=true keeps, relative to the robot's namespace: enough to train from (`daydreamer import --bag`) and to
# see what happened; driver-level topics (cameras at full resolution) are the user's choice (record_topics).
RECORDED = ('step', 'action', 'safety_state', 'diagnostics')
BRIDGE_PARAMS_FILE = ("the bridge's parameter file of your own, applied after config/<bridge>.yaml and the driver's "
                      'parameters (REAL_PARAMETERS): its values win')


def words(text):
    """Return a launch argument that holds a list ('a1 debug' or 'a1,debug') as a list of strings."""
    return text.replace(',', ' ').split()


def as_bool(text):
    """Return a launch argument as a bool, with the same spellings launch's IfCondition accepts."""
    value = text.strip().lower()
    if value not in ('true', 'false', '1', '0'):
        raise ValueError(f"expected true|false|1|0, got '{text}'")
    return value in ('true', '1')


def urdf_path(robot):
    """Return the robot's URDF as installed by the daydreamer package (share/daydreamer/urdf)."""
    from ament_index_python.packages import get_package_share_directory
    return os.path.join(get_package_share_directory('daydreamer'), 'urdf', URDFS[robot])


def config_path(*names):
    """Return a file under this package's share/daydreamer_bringup/config."""
    from ament_index_python.packages import get_package_share_directory
    return os.path.join(get_package_share_directory('daydreamer_bringup'), 'config', *names)


def include(file_name, condition=None, **arguments):
    """
    Include a launch file of this package in its own scope.

    Its argument defaults do not leak into the others' (the learner's device default must not become the actor's).
    Found through the package share, not ThisLaunchFileDir: on Humble an earlier include (e.g. gz_sim.launch.py)
    leaves its directory in that local.
    """
    from launch.actions import GroupAction, IncludeLaunchDescription
    from launch.launch_description_sources import PythonLaunchDescriptionSource
    from launch.substitutions import PathJoinSubstitution
    from launch_ros.substitutions import FindPackageShare
    source = PythonLaunchDescriptionSource(PathJoinSubstitution([FindPackageShare('daydreamer_bringup'), 'launch',
                                                                 file_name]))
    return GroupAction([IncludeLaunchDescription(source, launch_arguments=arguments.items())], condition=condition)


def robot_state_publisher(description, use_sim_time):
    """robot_state_publisher with the URDF text: publishes robot_description (latched) and TF from joint_states."""
    from launch_ros.actions import Node
    from launch_ros.parameter_descriptions import ParameterValue
    return Node(package='robot_state_publisher', executable='robot_state_publisher', name='robot_state_publisher',
                output='screen', parameters=[{'robot_description': ParameterValue(description, value_type=str),
                                              'use_sim_time': use_sim_time}])


def agent_arguments(default_robot):
    """Return the launch arguments sim, gazebo and real launches share (the robot files fix `robot`)."""
    from launch.actions import DeclareLaunchArgument
    from launch.substitutions import LaunchConfiguration
    robot = LaunchConfiguration('robot')
    return [
        DeclareLaunchArgument('robot', default_value=default_robot, choices=list(ROBOTS), description='which robot'),
        DeclareLaunchArgument('namespace', default_value=robot,
                              description="ROS namespace of the robot's nodes (default: the robot's name)"),
        DeclareLaunchArgument('configs', default_value=robot, description="config blocks, e.g. 'a1 debug'"),
        DeclareLaunchArgument('overrides', default_value='', description="e.g. '--batch_size 16 --rssm.deter 64'"),
        DeclareLaunchArgument('task', default_value=[robot, '_dummy'],
                              description='task for the spaces only (the spaces-only twin needs no simulator)'),
        DeclareLaunchArgument('logdir', default_value=['~/daydreamer/logdir/', robot],
                              description='replay, checkpoints and metrics; a restart resumes from here'),
        DeclareLaunchArgument('learner_device', default_value='auto', description='auto | cpu | cuda | cuda:N'),
        DeclareLaunchArgument('actor_device', default_value='cpu', description='the policy runs here'),
        DeclareLaunchArgument('mode', default_value='explore', choices=['explore', 'eval', 'hold'],
                              description='actor mode at start (service ~/set_mode switches it)'),
        DeclareLaunchArgument('learner', default_value='true', choices=['true', 'false'],
                              description='start the learner here (false: it runs on another machine)'),
        DeclareLaunchArgument('rviz', default_value='false', choices=['true', 'false'], description='start rviz2'),
        DeclareLaunchArgument('bridge_params_file', default_value='', description=BRIDGE_PARAMS_FILE),
        DeclareLaunchArgument('record', default_value='false', choices=['true', 'false'],
                              description=f"ros2 bag record (mcap) of {', '.join(RECORDED)} into <logdir>/bags"),
        DeclareLaunchArgument('record_topics', default_value='',
                              description="more topics to record, e.g. '/joint_states /camera/image_raw'"),
        DeclareLaunchArgument('bags', default_value='',
                              description='learner: rosbag2 bags of this robot to train on too (daydreamer import)'),
    ]


def agent_includes(use_sim_time, driver):
    """learner.launch.py, actor.launch.py (with the bridge), with rviz:=true rviz.launch.py, with record:=true a bag."""
    from launch.actions import OpaqueFunction
    from launch.conditions import IfCondition
    from launch.substitutions import LaunchConfiguration as Arg
    common = {'robot': Arg('robot'), 'namespace': Arg('namespace'), 'use_sim_time': use_sim_time}
    agent = dict(common, configs=Arg('configs'), overrides=Arg('overrides'), task=Arg('task'))
    return [
        include('learner.launch.py', IfCondition(Arg('learner')), **agent, logdir=Arg('logdir'),
                device=Arg('learner_device'), bags=Arg('bags')),
        include('actor.launch.py', **agent, device=Arg('actor_device'), mode=Arg('mode'), driver=driver),
        include('rviz.launch.py', IfCondition(Arg('rviz')), **common),
        OpaqueFunction(function=recorder),
    ]


def recorder(context):
    """With record:=true, `ros2 bag record` (mcap) of the robot's RECORDED topics into <logdir>/bags/<robot>_<time>."""
    import time
    from launch.actions import ExecuteProcess
    from launch.substitutions import LaunchConfiguration

    def arg(name):
        return LaunchConfiguration(name).perform(context)

    if not as_bool(arg('record')):
        return []
    namespace = arg('namespace').strip('/')
    topics = [f'/{namespace}/{topic}' if namespace else f'/{topic}' for topic in RECORDED] + words(arg('record_topics'))
    output = os.path.join(os.path.expanduser(arg('logdir')), 'bags', time.strftime(f"{arg('robot')}_%Y%m%d_%H%M%S"))
    sim_time = ['--use-sim-time'] if as_bool(context.launch_configurations.get('use_sim_time', 'false')) else []
    return [ExecuteProcess(cmd=['ros2', 'bag', 'record', '--storage', 'mcap', '--output', output, *sim_time, *topics],
                           name='recorder', output='screen')]

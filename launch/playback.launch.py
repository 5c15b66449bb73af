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
A recorded session played back through the bridge and the actor: a policy evaluated or debugged on recorded data.

  ros2 launch daydreamer_bringup playback.launch.py robot:=a1 bag:=~/daydreamer/logdir/a1/bags/a1_20261207_101500

`ros2 bag play --clock` publishes the bag's driver-level topics (those the session recorded with record_topics,
e.g. /a1/low_state of the A1's twin or driver, /ur5/joint_states and /ur5/camera/image_raw) and /clock from the
bag's time; the bridge (driver:=sim for a twin's bag, real for a real driver's: remapped as when recorded) turns
them into Steps on that clock and the actor answers them (mode eval; its weights from the learner with
learner:=true and the run's logdir, else random). The agent's own topics in the bag (step, action, safety_state,
diagnostics, experience, policy_weights, ...) are not played: the bridge and the actor make them anew. The
bridge's commands reach no driver. rviz:=true shows the recorded camera next to the learner's imagination.
"""

import os

from daydreamer_bringup import agent_arguments, agent_includes, DRIVERS
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess, OpaqueFunction
from launch.substitutions import LaunchConfiguration
import yaml

# Published by our nodes (and by launch / ROS itself): never played back over the live ones.
OURS = ('step', 'action', 'safety_state', 'diagnostics', 'experience', 'experience_ack', 'policy_weights',
        'learner/imagination', 'clock', 'rosout', 'parameter_events', 'tf', 'tf_static', 'robot_description')


def played_topics(bag):
    """Return the topics of the bag (its metadata.yaml) that are not ours: what the driver published."""
    with open(os.path.join(bag, 'metadata.yaml')) as f:
        info = yaml.safe_load(f)['rosbag2_bagfile_information']
    topics = [t['topic_metadata']['name'] for t in info.get('topics_with_message_count', [])]
    return sorted(t for t in topics if not any(t == f'/{name}' or t.endswith(f'/{name}') for name in OURS))


def player(context):
    def arg(name):
        return LaunchConfiguration(name).perform(context)

    bag = os.path.expanduser(arg('bag'))
    if not os.path.isfile(os.path.join(bag, 'metadata.yaml')):
        raise RuntimeError(f'bag:={bag}: not a rosbag2 bag directory (no metadata.yaml)')
    topics = played_topics(bag)
    if not topics:
        raise RuntimeError(f"bag:={bag} holds only the agent's topics: record the driver's too "
                           "(record_topics:='/a1/low_state', for example) to play them back")
    rate = ['--rate', arg('rate')] if float(arg('rate')) != 1.0 else []
    return [ExecuteProcess(cmd=['ros2', 'bag', 'play', bag, '--clock', *rate, '--topics', *topics],
                           name='player', output='screen')]


def generate_launch_description():
    return LaunchDescription([
        *[a for a in agent_arguments('a1') if a.name not in ('mode', 'learner', 'record', 'record_topics')],
        DeclareLaunchArgument('bag', description='the recorded session (a rosbag2 directory)'),
        DeclareLaunchArgument('driver', default_value='sim', choices=list(DRIVERS),
                              description='who published the driver topics when recorded: sim (a twin), real or '
                                          'gazebo (the bridge is remapped as it was then)'),
        DeclareLaunchArgument('rate', default_value='1.0', description='playback speed factor'),
        DeclareLaunchArgument('mode', default_value='eval', choices=['explore', 'eval', 'hold'],
                              description='actor mode (eval: greedy)'),
        DeclareLaunchArgument('learner', default_value='false', choices=['true', 'false'],
                              description='run the learner on logdir: its weights (and imagination) for the actor'),
        DeclareLaunchArgument('record', default_value='false', choices=['false'], description='(not here)'),
        DeclareLaunchArgument('record_topics', default_value=''),
        OpaqueFunction(function=player),
        *agent_includes('true', LaunchConfiguration('driver')),
    ])

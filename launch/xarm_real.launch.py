"""The xArm: real robot (its driver running) with the bridge, actor and learner.
All arguments of real.launch.py apply:

  ros2 launch daydreamer_bringup xarm_real.launch.py --show-args
"""

from launch import LaunchDescription

from daydreamer_bringup import include


def generate_launch_description():
    return LaunchDescription([include('real.launch.py', robot='xarm')])

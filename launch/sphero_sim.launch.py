"""The Sphero: MuJoCo twin with the whole learning loop.
All arguments of sim.launch.py apply:

  ros2 launch daydreamer_bringup sphero_sim.launch.py --show-args
"""

from launch import LaunchDescription

from daydreamer_bringup import include


def generate_launch_description():
    return LaunchDescription([include('sim.launch.py', robot='sphero')])

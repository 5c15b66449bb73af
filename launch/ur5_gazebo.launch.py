"""The UR5: Gazebo (gz sim, through ros_gz) world with the whole learning loop.
All arguments of gazebo.launch.py apply:

  ros2 launch daydreamer_bringup ur5_gazebo.launch.py --show-args
"""

from launch import LaunchDescription

from daydreamer_bringup import include


def generate_launch_description():
    return LaunchDescription([include('gazebo.launch.py', robot='ur5')])

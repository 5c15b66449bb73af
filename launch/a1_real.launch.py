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
The Unitree A1: real robot (its driver running) with the bridge, actor and learner.

The driver is the legged SDK's ROS 2 node from unitreerobotics/unitree_ros2_to_real, at low level:

  ros2 run unitree_legged_real ros2_udp LOWLEVEL

It answers each ros2_unitree_legged_msgs/LowCmd on /low_cmd with one LowState on /low_state; the bridge
(driver_interface: unitree_legged in config/a1_bridge.yaml) is remapped onto those (daydreamer_bringup.REAL_TOPICS)
and streams LowCmd at command_rate. For a ros2_control A1 driver in the robot's namespace set driver_interface:
ros2_control there. All arguments of real.launch.py apply:

  ros2 launch daydreamer_bringup a1_real.launch.py --show-args
"""

from daydreamer_bringup import include
from launch import LaunchDescription


def generate_launch_description():
    return LaunchDescription([include('real.launch.py', robot='a1')])

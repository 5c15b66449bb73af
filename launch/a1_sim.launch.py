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
The Unitree A1: MuJoCo twin with the whole learning loop.

The twin speaks what the real driver speaks (unitree_ros2_to_real's `ros2_udp LOWLEVEL`, as in
a1_real.launch.py): it answers each LowCmd on low_cmd with one LowState on low_state, and the bridge streams
LowCmd (driver_interface: unitree_legged in config/sim.yaml and config/a1_bridge.yaml; ros2_control in both
switches to joint_states, imu_sensor_broadcaster/imu and forward_position_controller/commands). The bridge
republishes the joints on joint_states for robot_state_publisher. All arguments of sim.launch.py apply:

  ros2 launch daydreamer_bringup a1_sim.launch.py --show-args
"""

from daydreamer_bringup import include
from launch import LaunchDescription


def generate_launch_description():
    return LaunchDescription([include('sim.launch.py', robot='a1')])

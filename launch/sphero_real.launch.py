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
The Sphero: real robot with the bridge, actor and learner.

Start the driver first, juehess/sphero_ros2 in its namespace /sphero, and an overhead camera node publishing
/sphero/overhead_camera/image_raw; the bridge's raw_motor_command and set_stabilization are remapped onto
/sphero/... (daydreamer_bringup.REAL_TOPICS), so any namespace:= works:

  ros2 launch sphero_node sphero_launch.py
  ros2 launch daydreamer_bringup sphero_real.launch.py

All arguments of real.launch.py apply:

  ros2 launch daydreamer_bringup sphero_real.launch.py --show-args
"""

from daydreamer_bringup import include
from launch import LaunchDescription


def generate_launch_description():
    return LaunchDescription([include('real.launch.py', robot='sphero')])

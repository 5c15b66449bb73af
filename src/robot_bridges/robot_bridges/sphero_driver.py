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
The Sphero's ROS 2 driver, juehess/sphero_ros2 `sphero_node`, as the bridge and the sim node speak it.

It drives a Sphero Bolt over BLE through pysphero.

Read from its source (`sphero_node/sphero_node_pysphero.py`, the `sphero` executable; `sphero_launch.py` starts it
in the namespace `sphero`):

- subscribes `raw_motor_command` (sphero_interfaces/msg/RawMotorCommand: int32 left, int32 right; clipped to
  -255..255, negative drives backwards). Its callback drives for 0.2 s with a blocking sleep and then stops the
  motors, so messages arriving meanwhile wait in the subscription queue (depth 10) and are driven one after the
  other. Its right wheel's power is computed from msg.left (a driver bug: right_speed = abs(clip(msg.left))); the
  direction does come from msg.right. Until it is fixed, the real ball only follows commands with |left| == |right|;
  the sim node implements left and right as meant.
- subscribes `cmd_vel` and `cmd_vel_rel` (geometry_msgs/Twist read as a heading atan2 and a speed |linear| * 255,
  not a differential drive) and `set_heading` (std_msgs/Float32); not used here.
- publishes `odom` (nav_msgs/Odometry, frame odom -> base_link, reliable, depth 10) at 10 Hz.
- serves `set_stabilization` (std_srvs/SetBool), `reset_aim` (std_srvs/SetBool), `set_text`
  (sphero_interfaces/srv/SetText).

Units and timing (the ROS-free part) live in `daydreamer.robots.sphero`: motor_command, clip_raw,
DRIVER_COMMAND_SECONDS, DRIVER_QUEUE_DEPTH.
"""

from daydreamer.config import ConfigError

COMMAND_TOPIC = 'raw_motor_command'
STABILIZATION_SERVICE = 'set_stabilization'
PACKAGE = 'sphero_interfaces'
MISSING = (f"the Sphero driver's message package '{PACKAGE}' (sphero_interfaces/msg/RawMotorCommand) is not "
           'installed: build it from https://github.com/juehess/sphero_ros2 (colcon build --packages-select '
           f'{PACKAGE}) and source its install/setup.bash')


def raw_motor_command_type():
    """Return sphero_interfaces.msg.RawMotorCommand; raise ConfigError naming the package when it is missing."""
    try:
        from sphero_interfaces.msg import RawMotorCommand
    except ImportError as e:
        raise ConfigError(MISSING) from e
    return RawMotorCommand

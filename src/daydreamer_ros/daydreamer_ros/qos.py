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
The QoS profile of every DayDreamer topic, in one place so publishers and subscribers always match.

Every profile names its liveliness (automatic) rather than leaving it to the system default, which real rmw
reports as a possible incompatibility. Control topics (`step`, `action`) keep only the newest message: a stale
observation or action is worse than none. `experience` is reliable with a deep queue because losing rows loses
training data; its delivery is acknowledged on `experience_ack` (reliable, a deep queue: one ack per stored batch).
`policy_weights` and `safety_state` are latched (transient local), so a late joiner gets the newest at once. Sensor
subscriptions are best effort, which connects to both best-effort and reliable drivers.
"""

from rclpy.qos import DurabilityPolicy, HistoryPolicy, LivelinessPolicy, QoSProfile, ReliabilityPolicy


def _profile(depth, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.VOLATILE):
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth, reliability=reliability, durability=durability,
                      liveliness=LivelinessPolicy.AUTOMATIC)


STEP = _profile(1)
ACTION = _profile(1)
EXPERIENCE = _profile(1000)
EXPERIENCE_ACK = _profile(100)
WEIGHTS = _profile(1, durability=DurabilityPolicy.TRANSIENT_LOCAL)
LATCHED = _profile(1, durability=DurabilityPolicy.TRANSIENT_LOCAL)
COMMAND = _profile(10)
# The Unitree legged SDK's ROS 2 driver (unitree_ros2_to_real ros2_udp): low_cmd / low_state, reliable, depth 1.
UNITREE = _profile(1)
IMAGINATION = _profile(1)
DIAGNOSTICS = _profile(10)
CLOCK = _profile(1)
# The values of rclpy.qos.qos_profile_sensor_data, as our own instance: the predefined ones are shared and mutable.
SENSOR = _profile(5, reliability=ReliabilityPolicy.BEST_EFFORT)

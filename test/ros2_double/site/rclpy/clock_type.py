"""rclpy.clock_type (J: an IntEnum module; H has the pybind enum in rclpy.clock)."""

from enum import IntEnum


class ClockType(IntEnum):
    UNINITIALIZED = 0
    ROS_TIME = 1
    SYSTEM_TIME = 2
    STEADY_TIME = 3

"""rclpy.qos_event (H name; J moved it to rclpy.event_handler)."""

from .event_handler import *  # noqa: F401,F403

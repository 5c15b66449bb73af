"""launch_ros test double."""

from . import actions, parameter_descriptions, substitutions  # noqa: F401

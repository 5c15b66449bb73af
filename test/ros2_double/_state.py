"""Process-wide state of the double: the log record list and the reset hooks of the fake packages."""

LOGS = []          # every emitted log record: dict(severity=int, name=str, message=str, time=float)
RESET_HOOKS = []   # callables run by ros2_double.reset()


def distro():
    import os
    return os.environ.get('ROS2_DOUBLE_DISTRO', 'humble').lower()


def jazzy():
    return distro() == 'jazzy'

"""rclpy.logging: LoggingSeverity, get_logger, set_logger_level, get_logger_effective_level."""

from enum import IntEnum

from .impl.rcutils_logger import RcutilsLogger, _LEVELS


class LoggingSeverity(IntEnum):
    UNSET = 0
    DEBUG = 10
    INFO = 20
    WARN = 30
    ERROR = 40
    FATAL = 50


_root_logger = RcutilsLogger()


def get_logger(name):
    if not name:
        raise ValueError('Logger name must not be empty.')
    return _root_logger.get_child(name) if _root_logger.name else RcutilsLogger(name)


def initialize():
    pass


def shutdown():
    pass


def clear_config():
    _LEVELS.clear()


def set_logger_level(name, level, detailed_error=False):
    _LEVELS[name] = LoggingSeverity(level)


def get_logger_effective_level(name):
    return RcutilsLogger(name).get_effective_level()


def get_logging_severity_from_string(log_severity):
    return LoggingSeverity[log_severity.upper()]


def get_logging_directory():
    import os
    return os.path.expanduser('~/.ros/log')

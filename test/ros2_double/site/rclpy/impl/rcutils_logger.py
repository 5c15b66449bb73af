"""rclpy.impl.rcutils_logger.RcutilsLogger with rclpy's per-call-site filter contexts.

Every emitted record is appended to ros2_double._state.LOGS (severity, name, message) and printed to stderr.
"""

import inspect
import os
import sys
import time as _time
from collections import namedtuple

from ros2_double._state import LOGS

from ..clock import Clock
from ..clock_type import ClockType

_LEVELS = {}  # logger name -> LoggingSeverity set with set_level


def _severity():
    from ..logging import LoggingSeverity
    return LoggingSeverity


CallerId = namedtuple('CallerId', ['function_name', 'file_path', 'line_number', 'last_index'])


def _caller_id(depth):
    frame = sys._getframe(depth)
    return CallerId(frame.f_code.co_name, os.path.abspath(frame.f_code.co_filename), frame.f_lineno, frame.f_lasti)


class Once:
    name = 'once'
    params = ('once',)

    @staticmethod
    def initialize_context(context, **kwargs):
        context['has_been_logged_once'] = False

    @staticmethod
    def should_log(context):
        logged = context['has_been_logged_once']
        context['has_been_logged_once'] = True
        return not logged


class Throttle:
    name = 'throttle'
    params = ('throttle_duration_sec', 'throttle_time_source_type')

    @staticmethod
    def initialize_context(context, **kwargs):
        context['throttle_duration_sec'] = kwargs['throttle_duration_sec']
        context['throttle_time_source_type'] = kwargs.get('throttle_time_source_type', Clock())
        context['throttle_last_logged'] = None

    @staticmethod
    def should_log(context):
        clock = context['throttle_time_source_type']
        now = clock.now().nanoseconds if isinstance(clock, Clock) else _time.monotonic_ns()
        last = context['throttle_last_logged']
        if last is None or now >= last + int(context['throttle_duration_sec'] * 1e9):
            context['throttle_last_logged'] = now
            return True
        return False


class SkipFirst:
    name = 'skip_first'
    params = ('skip_first',)

    @staticmethod
    def initialize_context(context, **kwargs):
        context['first_has_been_skipped'] = False

    @staticmethod
    def should_log(context):
        skipped = context['first_has_been_skipped']
        context['first_has_been_skipped'] = True
        return skipped


supported_filters = {'throttle': Throttle, 'skip_first': SkipFirst, 'once': Once}


def get_filters_from_kwargs(**kwargs):
    detected = []
    all_params = [p for f in supported_filters.values() for p in f.params] + ['name']
    for kwarg in kwargs:
        if kwarg == 'name':
            continue
        for name, f in supported_filters.items():
            if kwarg in f.params:
                if kwarg == f.params[0] and kwargs[kwarg]:
                    detected.append(name)
                break
        else:
            raise TypeError(f'parameter "{kwarg}" is not one of the recognized logging options "{all_params}"')
    return [f for f in supported_filters if f in detected]


class RcutilsLogger:
    def __init__(self, name=''):
        self.name = name
        self.contexts = {}

    def get_child(self, name):
        if not name:
            raise ValueError('Child logger name must not be empty.')
        if not self.name:
            raise ValueError('Logger must have a name to get a child logger.')
        return RcutilsLogger(f'{self.name}.{name}')

    def set_level(self, level):
        _LEVELS[self.name] = _severity()(level)
        return True

    def get_effective_level(self):
        name = self.name
        while True:
            if name in _LEVELS and _LEVELS[name] != 0:
                return _LEVELS[name]
            if '.' not in name:
                break
            name = name.rsplit('.', 1)[0]
        default = _LEVELS.get('', 0)
        return _severity()(default or 20)

    def is_enabled_for(self, severity):
        return _severity()(severity) >= self.get_effective_level()

    def log(self, message, severity, **kwargs):
        return self._log(message, severity, 3, **kwargs)

    def _log(self, message, severity, depth, **kwargs):
        severity = _severity()(severity)
        if not self.is_enabled_for(severity):
            return False
        name = kwargs.pop('name', self.name)
        detected = get_filters_from_kwargs(**kwargs)
        caller = _caller_id(depth)
        context = self.contexts.get(caller)
        if context is None:
            context = {'name': name, 'severity': severity}
            for f in detected:
                supported_filters[f].initialize_context(context, **kwargs)
            context['filters'] = detected
            self.contexts[caller] = context
        else:
            if severity != context['severity']:
                raise ValueError('Logger severity cannot be changed between calls.')
            if name != context['name']:
                raise ValueError('Logger name cannot be changed between calls.')
            if detected != context['filters']:
                raise ValueError('Requested logging filters cannot be changed between calls.')
            for f in detected:
                if any(context[p] != kwargs.get(p) for p in supported_filters[f].params if p in kwargs):
                    raise ValueError('Logging filter parameters cannot be changed between calls.')
        if not isinstance(message, str):
            # the C function takes const char*: pybind11 rejects anything else
            raise TypeError('rclpy_logging_rcutils_log(): incompatible function arguments. The following argument '
                            f'types are supported: (severity, name: str, message: str, ...); got message {message!r}')
        for f in context['filters']:
            if not supported_filters[f].should_log(context):
                return False
        LOGS.append({'severity': severity, 'name': name, 'message': message, 'time': _time.time(),
                     'file': caller.file_path, 'line': caller.line_number})
        if os.environ.get('ROS2_DOUBLE_QUIET') != '1':
            print(f'[{severity.name}] [{_time.time():.9f}] [{name}]: {message}', file=sys.stderr)
        return True

    def debug(self, message, **kwargs):
        return self._log(message, 10, 3, **kwargs)

    def info(self, message, **kwargs):
        return self._log(message, 20, 3, **kwargs)

    def warning(self, message, **kwargs):
        return self._log(message, 30, 3, **kwargs)

    def warn(self, message, **kwargs):
        return self._log(message, 30, 3, **kwargs)

    def error(self, message, **kwargs):
        return self._log(message, 40, 3, **kwargs)

    def fatal(self, message, **kwargs):
        return self._log(message, 50, 3, **kwargs)


__all__ = ['RcutilsLogger', 'ClockType', 'inspect']

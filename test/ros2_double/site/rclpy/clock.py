"""rclpy.clock: Clock, ROSClock (sim-time override driven by the node's TimeSource), ClockType re-export."""

import threading
import time as _time

from .clock_type import ClockType
from .duration import Duration
from .time import Time

__all__ = ['Clock', 'ROSClock', 'ClockType', 'JumpThreshold', 'TimeJump', 'JumpHandle', 'ClockChange']


class ClockChange:
    ROS_TIME_NO_CHANGE = 1
    ROS_TIME_ACTIVATED = 2
    ROS_TIME_DEACTIVATED = 3
    SYSTEM_TIME_NO_CHANGE = 4


class JumpThreshold:
    def __init__(self, *, min_forward, min_backward, on_clock_change=True):
        self.min_forward, self.min_backward, self.on_clock_change = min_forward, min_backward, on_clock_change


class TimeJump:
    def __init__(self, clock_change, delta):
        self.clock_change, self.delta = clock_change, delta


class JumpHandle:
    def __init__(self, clock, callback):
        self._clock, self._callback = clock, callback

    def unregister(self):
        if self._callback in self._clock._jump_callbacks:
            self._clock._jump_callbacks.remove(self._callback)


class Clock:
    def __new__(cls, *, clock_type=ClockType.SYSTEM_TIME):
        if not isinstance(clock_type, ClockType):
            raise TypeError('Clock type must be a ClockType enum')
        if clock_type is ClockType.ROS_TIME and cls is Clock:
            self = super().__new__(ROSClock)
        else:
            self = super().__new__(cls)
        self._clock_type = clock_type
        self._ros_time_active = False
        self._ros_time = 0
        self._jump_callbacks = []
        self._cond = threading.Condition()
        return self

    @property
    def clock_type(self):
        return self._clock_type

    def __repr__(self):
        return f'Clock(clock_type={self.clock_type.name})'

    def now(self):
        if self._clock_type == ClockType.ROS_TIME and self._ros_time_active:
            ns = self._ros_time
        elif self._clock_type == ClockType.STEADY_TIME:
            ns = _time.monotonic_ns()
        else:
            ns = _time.time_ns()
        return Time(nanoseconds=ns, clock_type=self._clock_type)

    def create_jump_callback(self, threshold, *, pre_callback=None, post_callback=None):
        cb = post_callback
        self._jump_callbacks.append(cb)
        return JumpHandle(self, cb)

    def sleep_until(self, until, context=None):
        from .utilities import get_default_context
        context = context or get_default_context()
        if not isinstance(until, Time):
            raise TypeError('Time must be specified as rclpy.time.Time')
        if until.clock_type != self._clock_type:
            raise ValueError("until's clock type does not match this clock's type")
        while context.ok() and self.now() < until:
            with self._cond:
                self._cond.wait(0.01)
        return context.ok()

    def sleep_for(self, rel_time, context=None):
        return self.sleep_until(self.now() + rel_time, context)


class ROSClock(Clock):
    def __new__(cls):
        return super().__new__(cls, clock_type=ClockType.ROS_TIME)

    @property
    def ros_time_is_active(self):
        return self._ros_time_active

    def _set_ros_time_is_active(self, enabled):
        self._ros_time_active = bool(enabled)

    def set_ros_time_override(self, time):
        if not isinstance(time, Time):
            raise TypeError('Time must be specified as rclpy.time.Time')
        old = self._ros_time
        self._ros_time = time.nanoseconds
        if self._ros_time_active:
            for cb in list(self._jump_callbacks):
                if cb:
                    cb(TimeJump(ClockChange.ROS_TIME_NO_CHANGE, Duration(nanoseconds=self._ros_time - old)))
        with self._cond:
            self._cond.notify_all()

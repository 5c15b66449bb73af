"""rclpy.timer.Timer (period in ns, callback with no args, node clock incl. sim time) and Rate."""

import threading

from ros2_double._state import jazzy

from ._graph import GRAPH
from .clock_type import ClockType
from .exceptions import InvalidHandle, ROSInterruptException


class Timer:
    def __init__(self, callback, callback_group, timer_period_ns, clock, *, context=None, autostart=True):
        from .utilities import get_default_context
        self._context = get_default_context() if context is None else context
        self._clock = clock
        self.callback = callback
        self.callback_group = callback_group
        if callback_group is not None:
            callback_group.add_entity(self)
        self._period_ns = int(timer_period_ns)
        self._canceled = False
        self._destroyed = False
        self._node = None
        self._restart()
        if not autostart:
            self._canceled = True

    def _mode(self):
        return (self._clock.clock_type, getattr(self._clock, '_ros_time_active', False))

    def _restart(self):
        self._mode_seen = self._mode()
        self._last_call = self._clock.now().nanoseconds
        self._next_call = self._last_call + self._period_ns

    @property
    def handle(self):
        self._check()
        return self

    def _check(self):
        if self._destroyed:
            raise InvalidHandle('Tried to use a handle that has been destroyed.')

    @property
    def clock(self):
        return self._clock

    @property
    def timer_period_ns(self):
        self._check()
        return self._period_ns

    @timer_period_ns.setter
    def timer_period_ns(self, value):
        self._check()
        self._period_ns = int(value)
        self._next_call = self._last_call + self._period_ns
        GRAPH.notify()

    def is_ready(self):
        self._check()
        return self._double_ready()

    def is_canceled(self):
        self._check()
        return self._canceled

    def cancel(self):
        self._check()
        self._canceled = True

    def reset(self):
        self._check()
        self._canceled = False
        self._restart()
        GRAPH.notify()

    def time_since_last_call(self):
        self._check()
        return self._clock.now().nanoseconds - self._last_call

    def time_until_next_call(self):
        self._check()
        if self._canceled:
            return None
        return self._next_call - self._clock.now().nanoseconds

    def destroy(self):
        if self._node is not None:
            self._node.destroy_timer(self)
        else:
            self._destroyed = True

    # ---- double internals

    def _now(self):
        now = self._clock.now().nanoseconds
        if self._mode() != self._mode_seen or now < self._last_call:
            # rcl resets timers when ROS time is (de)activated or jumps backwards
            self._restart()
            now = self._clock.now().nanoseconds
        return now

    def _double_ready(self):
        return not self._canceled and not self._destroyed and self._now() >= self._next_call

    def _double_wait_s(self):
        if self._canceled or self._destroyed:
            return None
        if self._clock.clock_type == ClockType.ROS_TIME and getattr(self._clock, '_ros_time_active', False):
            return None  # sim time: woken when /clock moves
        return (self._next_call - self._now()) / 1e9

    def _double_take(self, executor):
        now = self._now()
        self._last_call = now
        missed = (now - self._next_call) // self._period_ns if self._period_ns > 0 else 0
        self._next_call += self._period_ns * (missed + 1)
        if self._period_ns == 0:
            self._next_call = now
        return self.callback

    def _double_destroy(self):
        self._destroyed = True
        GRAPH.notify()


class Rate:
    """Sleeps until the rate's timer fires; needs another thread spinning the node."""

    def __init__(self, timer, *, context):
        self._timer = timer
        self._context = context
        self._event = threading.Event()
        self._is_shutdown = False
        self._is_destroyed = False
        self._timer.callback = self._timer_callback
        context.on_shutdown(self._on_shutdown)

    def _timer_callback(self):
        self._event.set()

    def _on_shutdown(self):
        self._is_shutdown = True
        self._event.set()

    def destroy(self):
        self._is_destroyed = True
        self._event.set()

    def sleep(self):
        if self._is_shutdown:
            raise ROSInterruptException()
        if self._is_destroyed:
            raise RuntimeError('Rate was destroyed')
        self._event.clear()
        self._event.wait()
        if self._is_shutdown:
            raise ROSInterruptException()


__all__ = ['Timer', 'Rate', 'jazzy']

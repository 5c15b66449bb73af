"""rclpy.context.Context: init once, ok, shutdown (raises when never initialized), on_shutdown callbacks."""

import inspect
import sys
import threading
import weakref

from ros2_double._state import jazzy

from ._arguments import Arguments
from ._graph import GRAPH


class Context:
    def __init__(self):
        self._lock = threading.RLock()
        self._callbacks = []
        self._logging_initialized = False
        self.__initialized = False   # init() was called (ever)
        self.__ok = False
        self._domain_id = None
        self._arguments = Arguments()

    @property
    def handle(self):
        return self if self.__initialized else None

    def init(self, args=None, *, initialize_logging=True, domain_id=None):
        with self._lock:
            if self.__initialized:
                raise RuntimeError('Context.init() must only be called once')
            if domain_id is not None and domain_id < 0:
                raise RuntimeError(f'Domain ID must be non-negative, got {domain_id}')
            if args is not None and (isinstance(args, str) or not all(isinstance(a, str) for a in args)):
                raise TypeError('args must be a list of strings')
            self._arguments = Arguments(sys.argv if args is None else args)
            self._domain_id = 0 if domain_id is None else domain_id
            self.__initialized = True
            self.__ok = True
            from .impl.rcutils_logger import _LEVELS
            from .logging import LoggingSeverity
            for name, level in self._arguments.log_levels:
                _LEVELS[name] = LoggingSeverity[level.upper()]

    def ok(self):
        with self._lock:
            return self.__ok

    def _call_on_shutdown_callbacks(self):
        for weak_method in self._callbacks:
            callback = weak_method()
            if callback is not None:
                callback()
        self._callbacks = []

    def shutdown(self):
        with self._lock:
            if not self.__initialized:
                raise RuntimeError('Context must be initialized before it can be shutdown')
            if not self.__ok:
                raise RuntimeError('Failed to shutdown: rcl_shutdown already called on the given context')
            self.__ok = False
            self._call_on_shutdown_callbacks()
        GRAPH.notify()

    def try_shutdown(self):
        with self._lock:
            if self.__ok:
                self.__ok = False
                self._call_on_shutdown_callbacks()
        GRAPH.notify()

    def _remove_callback(self, weak_method):
        self._callbacks.remove(weak_method)

    def on_shutdown(self, callback):
        if not callable(callback):
            raise TypeError('callback should be a callable, got {}'.format(type(callback)))
        if not jazzy() and not self.__initialized:
            raise RuntimeError('Context must be initialized before adding on_shutdown callbacks')
        with self._lock:
            if self.__initialized and not self.__ok:
                callback()
            elif inspect.ismethod(callback):
                self._callbacks.append(weakref.WeakMethod(callback, self._remove_callback))
            else:
                self._callbacks.append(lambda c=callback: c)

    def get_domain_id(self):
        with self._lock:
            if not self.__initialized:
                raise RuntimeError('Context must be initialized before it can have a domain id')
            return self._domain_id

    def track_node(self, node):
        pass

    def untrack_node(self, node):
        pass

    if jazzy():
        def __enter__(self):
            self.init()
            return self

        def __exit__(self, exc_type, exc_val, exc_tb):
            self.try_shutdown()

"""rclpy.utilities: default context, ok/shutdown/try_shutdown helpers, remove_ros_args, timeout conversion."""

import threading

from ._arguments import remove_ros_args as _remove_ros_args

g_default_context = None
g_context_lock = threading.Lock()


def get_default_context(*, shutting_down=False):
    global g_default_context
    with g_context_lock:
        if g_default_context is None and not shutting_down:
            from .context import Context
            g_default_context = Context()
        return g_default_context


def remove_ros_args(args=None):
    import sys
    return _remove_ros_args(sys.argv if args is None else args)


def ok(*, context=None):
    if context is None:
        context = get_default_context()
    return context.ok()


def shutdown(*, context=None, uninstall_handlers=None):
    global g_default_context
    if context is None:
        with g_context_lock:
            context = g_default_context if g_default_context is not None else None
            g_default_context = None
        if context is None:
            from .context import Context
            context = Context()
    context.shutdown()


def try_shutdown(*, context=None):
    global g_default_context
    if context is None:
        with g_context_lock:
            context = g_default_context
            g_default_context = None
        if context is None:
            return
    context.try_shutdown()


def get_rmw_implementation_identifier():
    return 'rmw_ros2_double'


def timeout_sec_to_nsec(timeout_sec):
    if timeout_sec is None or timeout_sec < 0:
        return -1
    return int(float(timeout_sec) * 1e9)


def get_available_rmw_implementations():
    return {'rmw_ros2_double'}


def _reset():
    global g_default_context
    with g_context_lock:
        g_default_context = None


from ros2_double._state import RESET_HOOKS  # noqa: E402
RESET_HOOKS.append(_reset)

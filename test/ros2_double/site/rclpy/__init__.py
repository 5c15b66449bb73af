"""rclpy test double (in-process graph). Module-level API: init, shutdown, try_shutdown, ok, create_node, spin*."""

from ros2_double._state import jazzy

from .context import Context  # noqa: F401
from .parameter import Parameter  # noqa: F401
from .signals import SignalHandlerOptions
from .task import Future
from .utilities import get_default_context, get_rmw_implementation_identifier  # noqa: F401
from .utilities import ok, remove_ros_args, shutdown, try_shutdown  # noqa: F401

__executor = None


def init(*, args=None, context=None, domain_id=None, signal_handler_options=None):
    context = get_default_context() if context is None else context
    if signal_handler_options is None:
        signal_handler_options = SignalHandlerOptions.ALL if context is get_default_context() else \
            SignalHandlerOptions.NO
    context.init(args, domain_id=domain_id)
    if context is get_default_context():
        context.on_shutdown(_shutdown_global_executor)
    return None


def _shutdown_global_executor():
    global __executor
    if __executor is not None:
        __executor.shutdown()
    __executor = None


def get_global_executor():
    global __executor
    if __executor is None:
        from .executors import SingleThreadedExecutor
        __executor = SingleThreadedExecutor()
    return __executor


def create_node(node_name, *, context=None, cli_args=None, namespace=None, use_global_arguments=True,
                enable_rosout=True, start_parameter_services=True, parameter_overrides=None,
                allow_undeclared_parameters=False, automatically_declare_parameters_from_overrides=False,
                **kwargs):
    from .node import Node
    return Node(node_name, context=context, cli_args=cli_args, namespace=namespace,
                use_global_arguments=use_global_arguments, enable_rosout=enable_rosout,
                start_parameter_services=start_parameter_services, parameter_overrides=parameter_overrides,
                allow_undeclared_parameters=allow_undeclared_parameters,
                automatically_declare_parameters_from_overrides=automatically_declare_parameters_from_overrides,
                **kwargs)


def spin_once(node, *, executor=None, timeout_sec=None):
    executor = get_global_executor() if executor is None else executor
    try:
        executor.add_node(node)
        executor.spin_once(timeout_sec=timeout_sec)
    finally:
        executor.remove_node(node)


def spin(node, executor=None):
    executor = get_global_executor() if executor is None else executor
    try:
        executor.add_node(node)
        while executor.context.ok():
            executor.spin_once()
    finally:
        executor.remove_node(node)


def spin_until_future_complete(node, future, executor=None, timeout_sec=None):
    executor = get_global_executor() if executor is None else executor
    try:
        executor.add_node(node)
        executor.spin_until_future_complete(future, timeout_sec)
    finally:
        executor.remove_node(node)


def _reset():
    global __executor
    __executor = None


from ros2_double._state import RESET_HOOKS  # noqa: E402
RESET_HOOKS.append(_reset)
__all__ = ['init', 'shutdown', 'try_shutdown', 'ok', 'create_node', 'spin', 'spin_once',
           'spin_until_future_complete', 'get_global_executor', 'Parameter', 'Future', 'jazzy']

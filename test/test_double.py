"""The ROS 2 test double rejects what real rclpy / rosidl_generator_py reject, and delivers what they deliver.

Runs only against the double (skipped where real rclpy is installed). Fast: every spin is bounded.
"""

import array
import threading
import warnings

import numpy as np
import pytest

ros2_double = pytest.importorskip('ros2_double')
pytestmark = pytest.mark.skipif(not ros2_double.active(), reason='real rclpy present; these test the double')
# J generates messages with field checks off unless ROS_PYTHON_CHECK_FIELDS=1 (publish still validates)
strict_fields = pytest.mark.skipif(
    ros2_double.jazzy() and __import__('os').environ.get('ROS_PYTHON_CHECK_FIELDS') != '1',
    reason='Jazzy without ROS_PYTHON_CHECK_FIELDS=1 does not check fields on assignment')


@pytest.fixture
def rclpy(ros):
    return ros


def spin(nodes, seconds=0.1):
    ros2_double.spin_for(nodes, seconds)


# ------------------------------------------------------------------------------------------------ messages

def test_message_module_layout_and_metaclass():
    from std_msgs.msg import Header
    from std_msgs.msg._header import Header as H2
    import rclpy.type_support as ts
    assert Header is H2 and type(Header).__name__ == 'Metaclass_Header'
    ts.check_is_valid_msg_type(Header)
    assert type(Header)._TYPE_SUPPORT is not None
    assert repr(Header()) == "std_msgs.msg.Header(stamp=builtin_interfaces.msg.Time(sec=0, nanosec=0), frame_id='')"


@strict_fields
def test_float32_field_rejects_int():
    from daydreamer_interfaces.msg import Step
    with pytest.raises(AssertionError, match="The 'reward' field must be of type 'float'"):
        Step(reward=1)
    step = Step()
    step.reward = np.float64(0.5)   # subclass of float: accepted
    with pytest.raises(AssertionError):
        step.reward = np.float32(0.5)


@strict_fields
def test_bool_field_rejects_int_and_numpy_bool():
    from daydreamer_interfaces.msg import Step
    with pytest.raises(AssertionError, match="'is_first' field must be of type 'bool'"):
        Step(is_first=1)
    with pytest.raises(AssertionError):
        Step(is_last=np.bool_(True))


@strict_fields
def test_uint8_sequence_accepts_bytes_and_array_but_not_numpy():
    from sensor_msgs.msg import Image
    img = Image()
    img.data = b'\x01\x02'
    assert isinstance(img.data, array.array) and img.data.typecode == 'B' and list(img.data) == [1, 2]
    img.data = array.array('B', [3])
    with pytest.raises(AssertionError, match="The 'data' field must be a set or sequence"):
        img.data = np.zeros(3, np.uint8)
    with pytest.raises(AssertionError, match="type code of 'B'"):
        img.data = array.array('b', [1])


@strict_fields
def test_unknown_kwarg_and_positional_args_rejected():
    from std_msgs.msg import String
    with pytest.raises(AssertionError, match='Invalid arguments passed to constructor: foo'):
        String(foo='x')
    with pytest.raises(TypeError):
        String('x')


@strict_fields
def test_ints_are_range_checked_and_floats_rejected():
    from std_msgs.msg import Int32
    with pytest.raises(AssertionError, match=r'integer in \[-2147483648, 2147483647\]'):
        Int32(data=2 ** 31)
    with pytest.raises(AssertionError):
        Int32(data=1.0)
    with pytest.raises(AssertionError):
        Int32(data=np.int64(1))


@strict_fields
def test_fixed_array_is_numpy_and_checked():
    from sensor_msgs.msg import CameraInfo
    info = CameraInfo()
    assert isinstance(info.k, np.ndarray) and info.k.dtype == np.float64 and info.k.shape == (9,)
    with pytest.raises(AssertionError, match='with length 9'):
        info.k = [1.0] * 8
    with pytest.raises(AssertionError, match="dtype of 'numpy.float64'"):
        info.k = np.zeros(9, np.float32)
    info.k = [1.0] * 9
    assert info.k.sum() == 9.0


def test_jazzy_lax_fields_still_fail_at_publish(rclpy):
    from rclpy.node import Node
    from daydreamer_interfaces.msg import Step
    pub = Node('n').create_publisher(Step, 'step', 1)
    step = Step(check_fields=False) if ros2_double.jazzy() else Step()
    if ros2_double.jazzy():
        step.reward = 1       # accepted by a J message with checks off...
    else:
        step._reward = 1      # (H: only by bypassing the setter)
    with pytest.raises(AssertionError, match="publish: Step.reward: The 'reward' field must be of type 'float'"):
        pub.publish(step)     # ...but the C converter would abort: the double raises


def test_constants_and_defaults_are_read_only():
    from daydreamer_interfaces.msg import Action
    from diagnostic_msgs.msg import DiagnosticStatus
    from geometry_msgs.msg import Quaternion
    assert Action.MODE_HOLD == 2 and DiagnosticStatus.ERROR == b'\x02'
    assert Quaternion().w == 1.0 and Quaternion.W__DEFAULT == 1.0
    with pytest.raises(AttributeError):
        Action.MODE_HOLD = 3
    with pytest.raises(AttributeError):
        Action().MODE_HOLD = 3
    with pytest.raises(AttributeError):
        Action().not_a_field = 1


@strict_fields
def test_byte_field_needs_bytes():
    from diagnostic_msgs.msg import DiagnosticStatus
    with pytest.raises(AssertionError, match="'level' field must be of type 'bytes'"):
        DiagnosticStatus(level=2)
    assert DiagnosticStatus(level=DiagnosticStatus.WARN).level == b'\x01'


@strict_fields
def test_nested_field_rejects_dict_and_sequence_of_messages_checked():
    from daydreamer_interfaces.msg import Step, Tensor
    with pytest.raises(AssertionError, match="sub message of type 'Header'"):
        Step(header={})
    with pytest.raises(AssertionError, match="each value of type 'Tensor'"):
        Step(vectors=[{'key': 'x'}])
    assert Step(vectors=[Tensor(key='x')]).vectors[0].key == 'x'


def test_eq_quirk_and_unhashable():
    from sensor_msgs.msg import CameraInfo
    a, b = CameraInfo(), CameraInfo()
    b.k = np.array([1.0] + [0.0] * 8)
    assert a == b          # rosidl quirk: fixed arrays differ only when every element differs
    b.k = np.ones(9)
    assert a != b
    with pytest.raises(TypeError):
        hash(a)


def test_services_cannot_be_instantiated_and_have_request_response():
    from daydreamer_interfaces.srv import SetActorMode
    with pytest.raises(NotImplementedError):
        SetActorMode()
    assert SetActorMode.Request.MODE_EVAL == 1
    assert SetActorMode.Response().previous_mode == 0


def test_fields_and_types_introspection():
    from sensor_msgs.msg import JointState, CameraInfo
    assert JointState.get_fields_and_field_types()['position'] == 'sequence<double>'
    assert CameraInfo.get_fields_and_field_types()['k'] == 'double[9]'
    assert JointState.get_fields_and_field_types()['header'] == 'std_msgs/Header'


# ------------------------------------------------------------------------------------------------ init / node

def test_init_args_keyword_only_and_twice(ros):
    import sys
    import rclpy
    with pytest.raises(TypeError):
        rclpy.init(sys.argv)
    with pytest.raises(RuntimeError, match='must only be called once'):
        rclpy.init(args=[])


def test_with_init_is_not_a_context_manager():
    import rclpy
    with pytest.raises((AttributeError, TypeError)):
        with rclpy.init(args=[]):
            pass
    rclpy.try_shutdown()
    ros2_double.reset()


def test_shutdown_twice_raises_try_shutdown_does_not():
    import rclpy
    rclpy.init(args=[])
    rclpy.shutdown()
    with pytest.raises(RuntimeError):
        rclpy.shutdown()
    rclpy.try_shutdown()
    ros2_double.reset()


def test_node_before_init_raises():
    from rclpy.exceptions import NotInitializedException
    from rclpy.node import Node
    with pytest.raises(NotInitializedException):
        Node('n')


def test_node_name_and_namespace_validation(rclpy):
    from rclpy.exceptions import InvalidNamespaceException, InvalidNodeNameException
    from rclpy.node import Node
    with pytest.raises(InvalidNodeNameException):
        Node('my-node')
    with pytest.raises(InvalidNamespaceException):
        Node('n', namespace='/a//b')
    node = Node('n', namespace='robot1')
    assert node.get_namespace() == '/robot1' and node.get_fully_qualified_name() == '/robot1/n'
    assert node.get_logger().name == 'robot1.n'


def test_qos_profile_is_required_and_typed(rclpy):
    from rclpy.node import Node
    from std_msgs.msg import String
    node = Node('n')
    with pytest.raises(TypeError):
        node.create_publisher(String, 'x')
    with pytest.raises(TypeError, match='Expected QoSProfile or int'):
        node.create_publisher(String, 'x', 10.0)
    with pytest.raises(ValueError):
        node.create_subscription(String, 'x', lambda m: None, -1)
    assert node.create_publisher(String, 'x', 3).qos_profile.depth == 3


def test_qos_profile_checks():
    from rclpy.qos import InvalidQoSProfileException, QoSProfile
    with pytest.raises(InvalidQoSProfileException):
        QoSProfile()
    with pytest.raises(AssertionError):
        QoSProfile(depth=1, bogus=2)


def test_topic_names_expand_and_validate(rclpy):
    from rclpy.exceptions import InvalidTopicNameException
    from rclpy.node import Node
    from std_msgs.msg import String
    node = Node('bridge', namespace='/a1')
    assert node.create_publisher(String, 'step', 1).topic_name == '/a1/step'
    assert node.create_publisher(String, '~/imagination', 1).topic_name == '/a1/bridge/imagination'
    for bad in ('', '1abc', 'a/', 'a b', 'x~'):
        with pytest.raises(InvalidTopicNameException):
            node.create_publisher(String, bad, 1)


def test_publish_type_checked_and_fields_revalidated(rclpy):
    from rclpy.node import Node
    from std_msgs.msg import Float64MultiArray, String
    node = Node('n')
    pub = node.create_publisher(String, 'x', 1)
    with pytest.raises(TypeError, match='Expected'):
        pub.publish('hello')
    fpub = node.create_publisher(Float64MultiArray, 'f', 1)
    msg = Float64MultiArray()
    msg.layout.dim.append({'label': 'x'})     # mutating a list bypasses the setter
    with pytest.raises(AssertionError, match='publish: Float64MultiArray.layout.dim'):
        fpub.publish(msg)


def test_pubsub_two_nodes_one_executor_gets_new_copy(rclpy):
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from std_msgs.msg import Float32
    a, b = Node('a'), Node('b')
    got = []
    b.create_subscription(Float32, '/x', got.append, 10)
    pub = a.create_publisher(Float32, '/x', 10)
    sent = Float32(data=0.1)
    pub.publish(sent)
    ex = SingleThreadedExecutor()
    ex.add_node(a)
    ex.add_node(b)
    spin(ex, 0.05)
    assert len(got) == 1 and got[0] is not sent
    assert got[0].data == float(np.float32(0.1)) != 0.1   # deserialized float32 precision
    assert a.count_subscribers('/x') == 1 and pub.get_subscription_count() == 1


def test_keep_last_drops_oldest(rclpy):
    from rclpy.node import Node
    from std_msgs.msg import Int32
    node = Node('n')
    got = []
    node.create_subscription(Int32, 'x', lambda m: got.append(m.data), 2)
    pub = node.create_publisher(Int32, 'x', 10)
    for i in range(5):
        pub.publish(Int32(data=i))
    spin(node, 0.05)
    assert got == [3, 4]


def test_incompatible_qos_no_delivery_and_warning(rclpy):
    from rclpy.node import Node
    from rclpy.qos import qos_profile_sensor_data
    from std_msgs.msg import Int32
    node = Node('n')
    got = []
    node.create_subscription(Int32, 'x', got.append, 10)              # RELIABLE
    pub = node.create_publisher(Int32, 'x', qos_profile_sensor_data)  # BEST_EFFORT
    pub.publish(Int32(data=1))
    spin(node, 0.05)
    assert got == []
    assert ros2_double.logs(severity=30, contains='incompatible QoS')


def test_qos_check_compatible():
    from rclpy.qos import QoSCompatibility, QoSProfile, qos_check_compatible, qos_profile_sensor_data
    assert qos_check_compatible(qos_profile_sensor_data, QoSProfile(depth=1))[0] == QoSCompatibility.ERROR
    assert qos_check_compatible(QoSProfile(depth=1), qos_profile_sensor_data)[0] == QoSCompatibility.OK


def test_transient_local_late_joiner(rclpy):
    from rclpy.node import Node
    from rclpy.qos import DurabilityPolicy, QoSProfile
    from std_msgs.msg import String
    latched = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    node = Node('n')
    pub = node.create_publisher(String, 'w', latched)
    pub.publish(String(data='v1'))
    pub.publish(String(data='v2'))
    late, volatile = [], []
    node.create_subscription(String, 'w', late.append, latched)
    node.create_subscription(String, 'w', volatile.append, 1)
    spin(node, 0.05)
    assert [m.data for m in late] == ['v2'] and volatile == []


def test_different_types_on_one_topic_do_not_connect(rclpy):
    from rclpy.node import Node
    from std_msgs.msg import Int32, String
    node = Node('n')
    got = []
    node.create_subscription(Int32, 'x', got.append, 1)
    node.create_publisher(String, 'x', 1).publish(String(data='a'))
    spin(node, 0.05)
    assert got == []


def test_publish_from_another_thread_wakes_executor(rclpy):
    import time
    from rclpy.node import Node
    from std_msgs.msg import Int32
    node = Node('n')
    got = []
    node.create_subscription(Int32, 'x', got.append, 10)
    pub = node.create_publisher(Int32, 'x', 10)
    threading.Timer(0.05, lambda: pub.publish(Int32(data=1))).start()
    t0 = time.monotonic()
    assert ros2_double.spin_until(node, lambda: got, timeout=2.0)
    assert time.monotonic() - t0 < 0.5


def test_timers_fire_with_no_args_and_cancel(rclpy):
    from rclpy.node import Node
    node = Node('n')
    calls = []
    timer = node.create_timer(0.02, lambda: calls.append(1))
    assert timer.timer_period_ns == 20_000_000
    spin(node, 0.15)
    assert 4 <= len(calls) <= 8
    timer.cancel()
    n = len(calls)
    spin(node, 0.06)
    assert len(calls) == n and timer.is_canceled()


def test_spin_once_timeout_is_keyword_only(rclpy):
    import rclpy as r
    from rclpy.node import Node
    node = Node('n')
    with pytest.raises(TypeError):
        r.spin_once(node, 0.01)
    r.spin_once(node, timeout_sec=0.0)


def test_single_threaded_executor_reraises_callback_errors(rclpy):
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    node = Node('n')
    node.create_timer(0.001, lambda: 1 / 0)
    ex = SingleThreadedExecutor()
    ex.add_node(node)
    with pytest.raises(ZeroDivisionError):
        ex.spin_once(timeout_sec=1.0)


def test_external_shutdown_exception_from_spin(rclpy):
    import rclpy as r
    from rclpy.executors import ExternalShutdownException
    from rclpy.node import Node
    node = Node('n')
    threading.Timer(0.05, r.try_shutdown).start()
    with pytest.raises(ExternalShutdownException):
        r.spin(node)


def test_multithreaded_executor_runs_reentrant_callbacks_in_parallel(rclpy):
    import time
    from rclpy.callback_groups import ReentrantCallbackGroup
    from rclpy.executors import MultiThreadedExecutor
    from rclpy.node import Node
    node = Node('n')
    group = ReentrantCallbackGroup()
    running, peak = [0], [0]
    lock = threading.Lock()

    def slow():
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
    node.create_timer(0.01, slow, callback_group=group)
    node.create_timer(0.01, slow, callback_group=group)
    ex = MultiThreadedExecutor(num_threads=4)
    ex.add_node(node)
    spin(ex, 0.2)
    ex.shutdown()
    assert peak[0] >= 2


def test_nodes_added_and_removed_while_another_thread_spins(rclpy):
    # Real executors allow it from any thread; the double once deadlocked here (remove_node woke the graph
    # while holding its node lock, which the spinning thread takes in the opposite order).
    import time
    from rclpy.executors import MultiThreadedExecutor
    from rclpy.node import Node
    from std_msgs.msg import Int32
    talker, listener = Node('talker'), Node('listener')
    pub = talker.create_publisher(Int32, 'x', 10)
    talker.create_timer(0.001, lambda: pub.publish(Int32(data=1)))
    got = []
    listener.create_subscription(Int32, 'x', got.append, 10)
    ex = MultiThreadedExecutor(num_threads=4)
    ex.add_node(listener)
    thread = threading.Thread(target=ex.spin, daemon=True)
    thread.start()
    for _ in range(20):
        ex.add_node(talker)
        time.sleep(0.005)
        ex.remove_node(talker)
    time.sleep(0.05)  # messages the talker queued before its removal may still be delivered
    seen = len(got)
    time.sleep(0.1)
    ex.shutdown()
    thread.join(timeout=5.0)
    assert not thread.is_alive(), 'the executor hung while nodes came and went'
    assert seen > 0 and len(got) == seen, 'a removed node must stop running its timers'


# ------------------------------------------------------------------------------------------------ services

def test_service_roundtrip_and_future(rclpy):
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from std_srvs.srv import SetBool

    def handle(request, response):
        response.success = request.data
        response.message = 'set'
        return response
    server, caller = Node('server'), Node('caller')
    server.create_service(SetBool, '~/enable', handle)
    client = caller.create_client(SetBool, '/server/enable')
    assert client.wait_for_service(timeout_sec=1.0)
    with pytest.raises(TypeError):
        client.call_async(SetBool.Response())
    future = client.call_async(SetBool.Request(data=True))
    assert not future.done()
    ex = SingleThreadedExecutor()
    ex.add_node(server)
    ex.add_node(caller)
    ex.spin_until_future_complete(future, timeout_sec=2.0)
    assert future.done() and future.result().success and future.result().message == 'set'


def test_service_callback_returning_none_raises_type_error(rclpy):
    from rclpy.node import Node
    from std_srvs.srv import Trigger
    node = Node('n')
    node.create_service(Trigger, 'bad', lambda request, response: None)
    future = node.create_client(Trigger, 'bad').call_async(Trigger.Request())
    with pytest.raises(TypeError):
        ros2_double.spin_for(node, 0.2)
    assert not future.done()


def test_wait_for_service_times_out(rclpy):
    from rclpy.node import Node
    from std_srvs.srv import Trigger
    client = Node('n').create_client(Trigger, 'nobody')
    assert not client.service_is_ready()
    assert client.wait_for_service(timeout_sec=0.0) is False


def test_future_cancel_quirk():
    from rclpy.task import Future
    f = Future()
    called = []
    f.add_done_callback(called.append)
    f.cancel()
    assert f.cancelled() and not f.done() and called == [f]


def test_service_type_checked(rclpy):
    from rclpy.node import Node
    from std_msgs.msg import String
    from std_srvs.srv import Trigger
    node = Node('n')
    with pytest.raises(RuntimeError, match='service type provided is not valid'):
        node.create_service(String, 's', lambda a, b: b)
    with pytest.raises(RuntimeError, match='message type provided is not valid'):
        node.create_publisher(Trigger, 't', 1)


# ------------------------------------------------------------------------------------------------ parameters

def test_use_sim_time_is_predeclared(rclpy):
    from rclpy.exceptions import ParameterAlreadyDeclaredException
    from rclpy.node import Node
    node = Node('n')
    with pytest.raises(ParameterAlreadyDeclaredException):
        node.declare_parameter('use_sim_time', False)


def test_yaml_int_for_double_parameter_is_a_type_error(rclpy, tmp_path):
    from rclpy.exceptions import InvalidParameterTypeException
    from rclpy.node import Node
    f = tmp_path / 'p.yaml'
    f.write_text('/**:\n  ros__parameters:\n    rate: 10\nn:\n  ros__parameters:\n    name: yaml\n')
    node = Node('n', cli_args=['--ros-args', '--params-file', str(f)])
    with pytest.raises(InvalidParameterTypeException):
        node.declare_parameter('rate', 10.0)
    assert node.declare_parameter('name', 'default').value == 'yaml'
    other = Node('other', namespace='/ns', cli_args=['--ros-args', '--params-file', str(f)])
    assert other.declare_parameter('name', 'default').value == 'default'   # 'n' matches only /n


def test_cli_params_and_overrides_order(rclpy):
    from rclpy.node import Node
    from rclpy.parameter import Parameter
    node = Node('n', cli_args=['--ros-args', '-p', 'gain:=0.5', '-p', 'names:=[a, b]'],
                parameter_overrides=[Parameter('depth', value=3)])
    assert node.declare_parameter('gain', 1.0).value == 0.5
    assert node.declare_parameter('names', ['x']).value == ['a', 'b']
    assert node.declare_parameter('depth', 1).value == 3


def test_declare_parameters_tuple_rules(rclpy):
    from rcl_interfaces.msg import ParameterDescriptor
    from rclpy.node import Node
    from rclpy.parameter import Parameter
    node = Node('n')
    with pytest.raises(TypeError):
        node.declare_parameters('', [('a', 1, 'not a descriptor')])
    with pytest.raises(TypeError):
        node.declare_parameters('', [(1, 2)])
    with pytest.raises(ValueError):
        node.declare_parameter('t', Parameter.Type.NOT_SET)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        node.declare_parameter('dyn')
    assert caught
    params = node.declare_parameters('ns', [('a', 1), ('b', 'x', ParameterDescriptor())])
    assert [p.name for p in params] == ['ns.a', 'ns.b']


def test_static_typing_and_set_parameters_results(rclpy):
    from rcl_interfaces.msg import IntegerRange, ParameterDescriptor
    from rclpy.exceptions import ParameterNotDeclaredException
    from rclpy.node import Node
    from rclpy.parameter import Parameter
    node = Node('n')
    node.declare_parameter('rate', 10.0)
    limits = IntegerRange(from_value=0, to_value=10, step=1)
    node.declare_parameter('k', 5, ParameterDescriptor(integer_range=[limits]))
    node.declare_parameter('ro', 'x', ParameterDescriptor(read_only=True))
    r = node.set_parameters([Parameter('rate', value=10)])[0]
    assert not r.successful and r.reason.startswith('Wrong parameter type')
    assert not node.set_parameters([Parameter('k', value=11)])[0].successful
    assert 'read-only' in node.set_parameters([Parameter('ro', value='y')])[0].reason
    with pytest.raises(ParameterNotDeclaredException):
        node.set_parameters([Parameter('nope', value=1)])
    assert node.set_parameters([Parameter('rate', value=20.0)])[0].successful
    assert node.get_parameter('rate').value == 20.0


def test_on_set_callback_runs_on_declare_and_rejects(rclpy):
    from rcl_interfaces.msg import SetParametersResult
    from rclpy.exceptions import InvalidParameterValueException
    from rclpy.node import Node
    from rclpy.parameter import Parameter
    node = Node('n')
    node.add_on_set_parameters_callback(
        lambda params: SetParametersResult(successful=all(p.value != 'bad' for p in params), reason='no bad'))
    with pytest.raises(InvalidParameterValueException):
        node.declare_parameter('mode', 'bad')
    node.declare_parameter('mode2', 'ok')
    assert node.set_parameters([Parameter('mode2', value='bad')])[0].reason == 'no bad'


def test_parameter_value_agreement():
    from rclpy.parameter import Parameter
    with pytest.raises(ValueError):
        Parameter('x', Parameter.Type.DOUBLE, 1)
    assert Parameter('x', value=[]).type_ == Parameter.Type.BYTE_ARRAY
    with pytest.raises(TypeError):
        Parameter('x', value={'a': 1})


def test_unknown_ros_args_rejected():
    import rclpy
    with pytest.raises(RuntimeError, match='unknown ROS arguments'):
        rclpy.init(args=['prog', '--ros-args', '--bogus'])
    ros2_double.reset()


# ------------------------------------------------------------------------------------------------ sim time

def test_sim_time_drives_clock_and_timers(rclpy):
    from rclpy.clock_type import ClockType
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.parameter import Parameter
    from rosgraph_msgs.msg import Clock
    sim = Node('sim')
    node = Node('n', parameter_overrides=[Parameter('use_sim_time', value=True)])
    ticks = []
    node.create_timer(0.5, lambda: ticks.append(node.get_clock().now().nanoseconds))
    clock_pub = sim.create_publisher(Clock, '/clock', 1)
    ex = SingleThreadedExecutor()
    ex.add_node(sim)
    ex.add_node(node)
    spin(ex, 0.1)
    assert ticks == [] and node.get_clock().now().nanoseconds == 0
    for t in (0.5, 1.0, 1.5):
        ros2_double.publish_clock(clock_pub, t)
        spin(ex, 0.03)
    assert ticks == [500_000_000, 1_000_000_000, 1_500_000_000]
    assert node.get_clock().now().clock_type == ClockType.ROS_TIME


# ------------------------------------------------------------------------------------------------ logging

def test_logging_records_and_throttle(rclpy):
    from rclpy.node import Node
    node = Node('n')
    for _ in range(5):
        node.get_logger().warning('dropped bad step', throttle_duration_sec=5.0)
    assert len(ros2_double.logs(severity=30, name='n', contains='dropped bad step')) == 1


def test_logger_rejects_non_str_and_unknown_kwargs(rclpy):
    from rclpy.node import Node
    log = Node('n').get_logger()
    with pytest.raises(TypeError):
        log.info(42)
    with pytest.raises(TypeError, match='not one of the recognized logging options'):
        log.info('x', throttle=1.0)
    assert log.debug('below level') is False


def test_logger_call_site_cannot_change_filters(rclpy):
    from rclpy.node import Node
    log = Node('n').get_logger()
    with pytest.raises(ValueError, match='cannot be changed between calls'):
        for period in (1.0, 2.0):
            log.warning('x', throttle_duration_sec=period)


# ------------------------------------------------------------------------------------------------ time

def test_time_and_duration_rules():
    from rclpy.duration import Duration
    from rclpy.time import Time
    with pytest.raises(TypeError):
        Time(1)
    with pytest.raises(ValueError):
        Time(seconds=-1)
    t = Time(seconds=1, nanoseconds=5)
    assert (t + Duration(seconds=1)).nanoseconds == 2_000_000_005
    assert not hasattr(Duration(seconds=1), 'seconds')
    assert t.to_msg().sec == 1 and t.to_msg().nanosec == 5


def test_destroyed_node_raises_invalid_handle(rclpy):
    from rclpy.exceptions import InvalidHandle
    from rclpy.node import Node
    from std_msgs.msg import String
    node = Node('n')
    pub = node.create_publisher(String, 'x', 1)
    node.destroy_node()
    with pytest.raises(InvalidHandle):
        pub.publish(String())
    with pytest.raises(InvalidHandle):
        node.create_publisher(String, 'y', 1)


def test_subscription_callback_arity_per_distro(rclpy):
    from rclpy.node import Node
    from std_msgs.msg import Int32
    node = Node('n')
    got = []
    pub = node.create_publisher(Int32, 'x', 1)
    if ros2_double.jazzy():
        node.create_subscription(Int32, 'x', lambda msg, info: got.append(info['publication_sequence_number']), 1)
        with pytest.raises(RuntimeError, match='callback should be either be callable with one argument'):
            node.create_subscription(Int32, 'x', lambda a, b, c: None, 1)
        pub.publish(Int32(data=1))
        spin(node, 0.05)
        assert got == [1]
    else:
        node.create_subscription(Int32, 'x', lambda msg, info: None, 1)   # H: only fails when called
        pub.publish(Int32(data=1))
        with pytest.raises(TypeError):
            spin(node, 0.05)


# ------------------------------------------------------------------------------------------------ launch

LAUNCH = """
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, GroupAction, IncludeLaunchDescription, TimerAction
from launch.conditions import IfCondition
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution, PythonExpression
from launch_ros.actions import Node, PushRosNamespace
from launch_ros.substitutions import FindPackageShare


def generate_launch_description():
    robot = LaunchConfiguration('robot')
    return LaunchDescription([
        DeclareLaunchArgument('robot', default_value='a1', choices=['a1', 'ur5']),
        DeclareLaunchArgument('with_learner', default_value='true'),
        DeclareLaunchArgument('rate', default_value='10'),
        GroupAction([
            PushRosNamespace(robot),
            Node(package='robot_bridges', executable='sim', name='sim',
                 parameters=[{'robot': robot, 'control_rate': LaunchConfiguration('rate'), 'nested': {'a': 1}}],
                 remappings=[('joint_states', 'sim/joint_states')]),
            TimerAction(period=2.0, actions=[Node(package='daydreamer_actor', executable='actor', name='actor')]),
        ]),
        Node(package='daydreamer_learner', executable='learner', name='learner',
             condition=IfCondition(LaunchConfiguration('with_learner')),
             parameters=[PathJoinSubstitution([FindPackageShare('pkg'), 'config', 'learner.yaml'])]),
        IncludeLaunchDescription(PythonLaunchDescriptionSource(
            PathJoinSubstitution([FindPackageShare('pkg'), 'launch', 'child.launch.py'])),
            launch_arguments={'who': PythonExpression(["'", robot, "' + '_x'"])}.items()),
    ])
"""

CHILD = """
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess
from launch.substitutions import LaunchConfiguration


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument('who'),
        ExecuteProcess(cmd=['echo', LaunchConfiguration('who')], output='screen'),
    ])
"""


@pytest.fixture
def launch_pkg(tmp_path, monkeypatch):
    share = tmp_path / 'src' / 'pkg'
    (share / 'launch').mkdir(parents=True)
    (share / 'config').mkdir()
    (share / 'config' / 'learner.yaml').write_text('learner:\n  ros__parameters:\n    batch_size: 16\n')
    (share / 'launch' / 'main.launch.py').write_text(LAUNCH)
    (share / 'launch' / 'child.launch.py').write_text(CHILD)
    prefix = ros2_double.ament_prefix(tmp_path / 'install', {'pkg': share})
    monkeypatch.setenv('AMENT_PREFIX_PATH', prefix)
    return share


def test_launch_eval_finds_processes(launch_pkg):
    procs = ros2_double.launch_eval(launch_pkg / 'launch' / 'main.launch.py', {'robot': 'ur5', 'rate': '20.0'})
    by_name = {p['name'] or p['cmd'][0]: p for p in procs}
    sim = by_name['sim']
    assert sim['namespace'] == '/ur5' and sim['kind'] == 'node' and sim['package'] == 'robot_bridges'
    assert sim['parameters'] == [{'robot': 'ur5', 'control_rate': 20.0, 'nested.a': 1}]
    assert sim['remappings'] == [('joint_states', 'sim/joint_states')]
    assert '-r' in sim['cmd'] and '__ns:=/ur5' in sim['cmd']
    assert by_name['actor']['namespace'] == '/ur5' and by_name['actor']['delay'] == 2.0
    assert by_name['learner']['namespace'] is None
    assert by_name['learner']['parameters'][0].endswith('config/learner.yaml')
    assert by_name['echo']['cmd'] == ['echo', 'ur5_x']
    no_learner = ros2_double.launch_eval(launch_pkg / 'launch' / 'main.launch.py', {'with_learner': 'false'})
    assert 'learner' not in [p['name'] for p in no_learner]


def test_launch_param_file_drives_a_node(launch_pkg, rclpy):
    from rclpy.exceptions import InvalidParameterTypeException
    from rclpy.node import Node
    procs = ros2_double.launch_eval(launch_pkg / 'launch' / 'main.launch.py', {'rate': '10'})
    sim = next(p for p in procs if p['name'] == 'sim')
    node = Node('whatever', cli_args=sim['cmd'][1:])
    assert node.get_fully_qualified_name() == '/a1/sim'
    assert node.declare_parameter('robot', 'x').value == 'a1'
    with pytest.raises(InvalidParameterTypeException):   # launch YAML-parses '10' into an int
        node.declare_parameter('control_rate', 10.0)


def test_launch_argument_errors(launch_pkg):
    main = launch_pkg / 'launch' / 'main.launch.py'
    with pytest.raises(RuntimeError, match='is not valid'):
        ros2_double.launch_eval(main, {'robot': 'xarm'})
    with pytest.raises(RuntimeError, match="missing required argument 'who'"):
        ros2_double.launch_eval(launch_pkg / 'launch' / 'child.launch.py', {})
    bad = launch_pkg / 'launch' / 'bad.launch.py'
    bad.write_text('x = 1\n')
    from launch import InvalidPythonLaunchFileError
    with pytest.raises(InvalidPythonLaunchFileError, match='generate_launch_description'):
        ros2_double.launch_eval(bad, {})


def test_launch_constructor_checks():
    from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription, TimerAction
    from launch.conditions import IfCondition
    from launch.substitutions import TextSubstitution
    from launch_ros.actions import Node
    with pytest.raises(TypeError):
        Node(package='p', executable='e', parameters=({'a': 1},))
    with pytest.raises(TypeError):
        Node(package='p', executable='e', remappings=[['a', 'b']])
    with pytest.raises(TypeError):
        Node(package='p', node_executable='e')
    with pytest.raises(TypeError):
        TimerAction(period=5, actions=[])
    with pytest.raises(TypeError):
        TextSubstitution('x')
    with pytest.raises(RuntimeError):
        DeclareLaunchArgument('a', default_value='c', choices=['a', 'b'])
    with pytest.raises(TypeError):
        DeclareLaunchArgument('a', 'default')
    with pytest.raises(TypeError):
        IfCondition(True)
    include = IncludeLaunchDescription('x.launch.py', launch_arguments={'robot': 'a1'})   # keys only: wrong
    from launch import LaunchContext
    with pytest.raises((ValueError, Exception)):
        include.visit(LaunchContext())


def test_condition_strings_are_strict(tmp_path):
    from launch import LaunchContext
    from launch.conditions import IfCondition, InvalidConditionExpressionError
    assert IfCondition('True').evaluate(LaunchContext())
    with pytest.raises(InvalidConditionExpressionError):
        IfCondition('yes').evaluate(LaunchContext())


def test_push_ros_namespace_name_per_distro():
    import launch_ros.actions as actions
    assert hasattr(actions, 'PushRosNamespace')
    assert hasattr(actions, 'PushROSNamespace') == ros2_double.jazzy()

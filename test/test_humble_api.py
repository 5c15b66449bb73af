# Copyright 2026 DayDreamer for ROS 2 team
#
# Permission is hereby granted, free of charge, to any person obtaining a copy
# of this software and associated documentation files (the "Software"), to deal
# in the Software without restriction, including without limitation the rights
# to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
# copies of the Software, and to permit persons to whom the Software is
# furnished to do so, subject to the following conditions:
#
# The above copyright notice and this permission notice shall be included in
# all copies or substantial portions of the Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
# IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
# FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL
# THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
# LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
# OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
# THE SOFTWARE.

"""
Product code uses no rclpy or launch API that Jazzy has and Humble lacks.

The project supports Humble and Jazzy, but only Jazzy runs here (../shared/ros2), so the tests on real ROS 2 cannot
see a call that works on Jazzy and fails on Humble. This test reads the product code (every Python file of src/*/
outside test directories, and launch/*.py) as syntax trees, without ROS, and applies one rule per difference of
shared/reference/ros2_api.md (the Humble vs Jazzy fact sheet) that a reader of the code can see. Each rule is named
after the fact sheet's section and fires on a small bad snippet in `test_rule_fires_on_its_bad_snippet`.

Not encoded, because only running code shows them: Humble's strict message field checks (Jazzy skips them unless
ROS_PYTHON_CHECK_FIELDS=1, §6.3), Humble's `Time == non-Time` TypeError (§2.6), `Context.on_shutdown` on an
uninitialised context (§1.2) and the exception texts (§1.3).
"""

import ast
from dataclasses import dataclass
import os
from pathlib import Path
import re
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {'test', 'tests', 'build', 'install', 'log', 'resource', '__pycache__'}


def product_files():
    """Return every Python file of src/*/ outside test directories and build outputs, and launch/*.py."""
    files = []
    for pkg in sorted(p for p in (ROOT / 'src').iterdir() if (p / 'package.xml').is_file()):
        for dirpath, dirnames, filenames in os.walk(pkg):
            dirnames[:] = sorted(d for d in dirnames
                                 if d not in SKIP_DIRS and not d.startswith('.') and not d.endswith('.egg-info'))
            files += [Path(dirpath) / f for f in sorted(filenames) if f.endswith('.py')]
    return files + sorted((ROOT / 'launch').glob('*.py'))


class Source:
    """One parsed file and the names its imports bind."""

    def __init__(self, text, name='<snippet>'):
        self.name = name
        self.tree = ast.parse(text, name)
        self.imported = {}  # local name -> dotted name it stands for
        self.defs = {}  # function and method names -> their FunctionDef nodes
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.imported[alias.asname] = alias.name
                    else:
                        top = alias.name.split('.')[0]
                        self.imported[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    self.imported[alias.asname or alias.name] = f'{node.module}.{alias.name}'
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.defs.setdefault(node.name, []).append(node)

    def qualname(self, node):
        """Return the dotted name an expression stands for (`rclpy.qos.ReliabilityPolicy.X`), or None."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.imported:
            return None
        return '.'.join([self.imported[node.id]] + parts[::-1])

    def calls(self):
        return (node for node in ast.walk(self.tree) if isinstance(node, ast.Call))

    def method_calls(self, *names):
        """Yield the calls `<anything>.name(...)` of the given method names."""
        return (c for c in self.calls() if isinstance(c.func, ast.Attribute) and c.func.attr in names)

    def keyword_calls(self, keyword):
        return (c for c in self.calls() if any(kw.arg == keyword for kw in c.keywords))

    def with_items(self):
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    yield node, item.context_expr

    def bound_to(self, produces):
        """Return the names (`x`, `self.x`) assigned the result of a call for which `produces(call)` is true."""
        bound = set()
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                if any(isinstance(n, ast.Call) and produces(n) for n in ast.walk(node.value)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    bound |= {ast.unparse(t) for t in targets}
            elif isinstance(node, ast.NamedExpr) and isinstance(node.value, ast.Call) and produces(node.value):
                bound.add(node.target.id)
        return bound

    def uses(self, dotted):
        """Yield the imports and expressions that name one of the dotted names (or something inside one)."""
        def hit(name):
            return name is not None and any(name == d or name.startswith(d + '.') for d in dotted)
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import) and any(hit(a.name) for a in node.names):
                yield node
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if hit(node.module) or any(hit(f'{node.module}.{a.name}') for a in node.names):
                    yield node
            elif isinstance(node, ast.Attribute) and hit(self.qualname(node)) \
                    and not hit(self.qualname(node.value)):  # report a.b.c once, not again for a.b
                yield node


def required_positional(fn):
    args = fn.args.posonlyargs + fn.args.args
    return len(args) - len(fn.args.defaults)


@dataclass(frozen=True)
class Rule:
    """One Humble/Jazzy difference: what it finds and a snippet it must find (and one it must not)."""

    section: str
    why: str
    find: Callable
    bad: str
    good: str


# -- the rules, in the fact sheet's order ---------------------------------------------------------------------------

def init_as_context_manager(src):
    for _, expr in src.with_items():
        if isinstance(expr, ast.Call) and src.qualname(expr.func) in ('rclpy.init', 'rclpy.utilities.init'):
            yield expr


CONTEXT = ('rclpy.context.Context', 'rclpy.Context')


def context_as_context_manager(src):
    bound = src.bound_to(lambda call: src.qualname(call.func) in CONTEXT)
    for _, expr in src.with_items():
        if (isinstance(expr, ast.Call) and src.qualname(expr.func) in CONTEXT) or ast.unparse(expr) in bound:
            yield expr


def enable_logger_service(src):
    yield from src.keyword_calls('enable_logger_service')


def defined_here(src, name):
    return name in src.defs


JAZZY_NODE_METHODS = ('count_clients', 'count_services', 'wait_for_node', 'get_fully_qualified_node_names',
                      'list_parameters')


def jazzy_node_methods(src):
    for call in src.method_calls(*JAZZY_NODE_METHODS):
        if not defined_here(src, call.func.attr):  # a method of our own that happens to share the name
            yield call


def two_argument_subscription_callback(src):
    for call in src.method_calls('create_subscription'):
        callback = call.args[2] if len(call.args) > 2 else next(
            (kw.value for kw in call.keywords if kw.arg == 'callback'), None)
        if isinstance(callback, ast.Lambda):
            if required_positional(callback) == 2:
                yield call
        elif isinstance(callback, ast.Name):
            if any(required_positional(fn) == 2 for fn in src.defs.get(callback.id, ())):
                yield call
        elif isinstance(callback, ast.Attribute) and isinstance(callback.value, ast.Name) \
                and callback.value.id == 'self':
            if any(required_positional(fn) == 3 for fn in src.defs.get(callback.attr, ())):  # self, msg, msg_info
                yield call


def create_timer_autostart(src):
    for call in src.method_calls('create_timer'):
        if len(call.args) >= 5 or any(kw.arg == 'autostart' for kw in call.keywords):
            yield call


def clients(src):
    return src.bound_to(lambda call: isinstance(call.func, ast.Attribute) and call.func.attr == 'create_client')


def client_call_timeout(src):
    bound = clients(src)
    for call in src.method_calls('call'):
        if any(kw.arg == 'timeout_sec' for kw in call.keywords) \
                or (len(call.args) >= 2 and ast.unparse(call.func.value) in bound):
            yield call


def client_service_name(src):
    bound = clients(src)
    for node in ast.walk(src.tree):
        if isinstance(node, ast.Attribute) and node.attr == 'service_name' and ast.unparse(node.value) in bound:
            yield node


def subscription_publisher_count(src):
    yield from src.method_calls('get_publisher_count')


SET_PARAMETERS_CALLBACKS = ('add_pre_set_parameters_callback', 'add_post_set_parameters_callback',
                            'remove_pre_set_parameters_callback', 'remove_post_set_parameters_callback')


def pre_post_set_parameters_callbacks(src):
    for call in src.method_calls(*SET_PARAMETERS_CALLBACKS):
        if not defined_here(src, call.func.attr):
            yield call


def parameter_dict_from_yaml_file(src):
    yield from src.uses(['rclpy.parameter.parameter_dict_from_yaml_file'])
    for node in ast.walk(src.tree):
        if isinstance(node, ast.Name) and node.id == 'parameter_dict_from_yaml_file' and node.id not in src.imported \
                and not defined_here(src, node.id):
            yield node


def clock_type_module(src):
    yield from src.uses(['rclpy.clock_type'])


QOS_POLICIES = ('ReliabilityPolicy', 'DurabilityPolicy', 'LivelinessPolicy', 'QoSReliabilityPolicy',
                'QoSDurabilityPolicy', 'QoSLivelinessPolicy')


def best_available_qos(src):
    yield from src.uses(['rclpy.qos.qos_profile_best_available', 'rclpy.qos.qos_profile_default',
                         'rclpy.qos.QoSPresetProfiles.DEFAULT', 'rclpy.qos.QoSPresetProfiles.BEST_AVAILABLE']
                        + [f'rclpy.qos.{p}.BEST_AVAILABLE' for p in QOS_POLICIES])
    for node in ast.walk(src.tree):  # an alias the imports do not show (e.g. a policy passed in)
        if isinstance(node, ast.Attribute) and node.attr == 'BEST_AVAILABLE' and src.qualname(node) is None:
            yield node


def event_handler_module(src):
    yield from src.uses(['rclpy.event_handler'])


def is_executor(src, call):
    name = src.qualname(call.func) or ''
    return name.startswith('rclpy.executors.') and name.endswith('Executor')


def executor_as_context_manager(src):
    bound = src.bound_to(lambda call: is_executor(src, call))
    for _, expr in src.with_items():
        if (isinstance(expr, ast.Call) and is_executor(src, expr)) or ast.unparse(expr) in bound:
            yield expr


SERVICE_PARTS = re.compile(r'_(Request|Response|Event)$')


def service_parts_imported(src):
    services = set()
    for node in ast.walk(src.tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split('.')[-1] == 'srv':
            if any(SERVICE_PARTS.search(a.name) for a in node.names):
                yield node
            services |= {a.asname or a.name for a in node.names}
    for node in ast.walk(src.tree):
        if isinstance(node, ast.Attribute) and node.attr == 'Event' and isinstance(node.value, ast.Name) \
                and node.value.id in services:
            yield node


def message_check_fields(src):
    yield from src.keyword_calls('check_fields')


def push_ros_namespace_spelling(src):
    for node in ast.walk(src.tree):
        if isinstance(node, ast.ImportFrom) and (node.module or '').startswith('launch_ros') \
                and any(a.name == 'PushROSNamespace' for a in node.names):
            yield node
        elif isinstance(node, ast.Attribute) and node.attr == 'PushROSNamespace':
            yield node


def respawn_max_retries(src):
    yield from src.keyword_calls('respawn_max_retries')


def python_expression_modules(src):
    for call in src.calls():
        name = src.qualname(call.func) or ''
        if name.startswith('launch.') and name.endswith('.PythonExpression'):
            if len(call.args) >= 2 or any(kw.arg == 'python_modules' for kw in call.keywords):
                yield call


JAZZY_SUBSTITUTIONS = ('EqualsSubstitution', 'NotEqualsSubstitution', 'IfElseSubstitution', 'FileContent',
                       'AllSubstitution', 'AnySubstitution', 'LaunchLogDir')


def jazzy_substitutions(src):
    for node in ast.walk(src.tree):
        if isinstance(node, ast.ImportFrom) and (node.module or '').split('.')[0] in ('launch', 'launch_ros') \
                and any(a.name in JAZZY_SUBSTITUTIONS for a in node.names):
            yield node
        elif isinstance(node, ast.Attribute) and node.attr in JAZZY_SUBSTITUTIONS \
                and (src.qualname(node) or '').split('.')[0] in ('launch', 'launch_ros'):
            yield node


RULES = [
    Rule('1.1 rclpy.init returns None',
         "`with rclpy.init():` fails on Humble (and Jazzy): init returns None; the context manager is Kilted's. "
         'Call rclpy.init(args=...) and rclpy.try_shutdown() in a finally',
         init_as_context_manager,
         'import rclpy\nwith rclpy.init(args=None):\n    pass\n',
         'import rclpy\nrclpy.init(args=None)\ntry:\n    pass\nfinally:\n    rclpy.try_shutdown()\n'),
    Rule('1.2 Context as a context manager',
         'Context is a context manager on Jazzy only (Humble has no __enter__): call init() and try_shutdown()',
         context_as_context_manager,
         'from rclpy.context import Context\nctx = Context()\nwith ctx:\n    pass\n',
         'from rclpy.context import Context\nctx = Context()\nctx.init()\nctx.try_shutdown()\n'),
    Rule('2.1 Node(enable_logger_service=...)',
         'Node and create_node take enable_logger_service on Jazzy only',
         enable_logger_service,
         'from rclpy.node import Node\nNode("n", enable_logger_service=True)\n',
         'from rclpy.node import Node\nNode("n", start_parameter_services=False)\n'),
    Rule('2.1 Node methods added in Jazzy',
         f'Node.{"/".join(JAZZY_NODE_METHODS)} exist on Jazzy only',
         jazzy_node_methods,
         'def f(node):\n    return node.count_services("/x")\n',
         'def f(node):\n    return node.count_publishers("/x")\n'),
    Rule('2.2 subscription callback (msg, msg_info)',
         'a subscription callback with two arguments gets (msg, msg_info) on Jazzy only; Humble calls callback(msg)',
         two_argument_subscription_callback,
         'class N:\n    def __init__(self):\n        self.create_subscription(T, "t", self.on_msg, 10)\n\n'
         '    def on_msg(self, msg, info):\n        pass\n',
         'class N:\n    def __init__(self):\n        self.create_subscription(T, "t", self.on_msg, 10)\n'
         '        self.create_subscription(T, "u", lambda msg: None, 10)\n\n'
         '    def on_msg(self, msg):\n        pass\n'),
    Rule('2.3 create_timer(autostart=...)',
         'create_timer takes autostart on Jazzy only: create the timer when it should start, or cancel() it',
         create_timer_autostart,
         'def f(node, cb):\n    return node.create_timer(1.0, cb, autostart=False)\n',
         'def f(node, cb, group):\n    return node.create_timer(1.0, cb, callback_group=group)\n'),
    Rule('2.3 Client.call(request, timeout_sec)',
         'Client.call takes timeout_sec on Jazzy only (and never call() inside a callback): use call_async',
         client_call_timeout,
         'def f(node, T, req):\n    cli = node.create_client(T, "s")\n    return cli.call(req, 2.0)\n',
         'def f(node, T, req):\n    cli = node.create_client(T, "s")\n    return cli.call_async(req)\n'),
    Rule('2.3 Client.service_name',
         'Client.service_name exists on Jazzy only; Humble (and Jazzy) have srv_name',
         client_service_name,
         'def f(node, T):\n    cli = node.create_client(T, "s")\n    return cli.service_name\n',
         'def f(node, T):\n    cli = node.create_client(T, "s")\n    return cli.srv_name\n'),
    Rule('2.3 Subscription.get_publisher_count()',
         'Subscription.get_publisher_count() exists on Jazzy only; node.count_publishers(topic) is on both',
         subscription_publisher_count,
         'def f(sub):\n    return sub.get_publisher_count()\n',
         'def f(node, pub):\n    return node.count_publishers("/t") + pub.get_subscription_count()\n'),
    Rule('2.4 pre/post set-parameters callbacks',
         'add_/remove_pre_set_parameters_callback and ..._post_... exist on Jazzy only; '
         'add_on_set_parameters_callback is on both',
         pre_post_set_parameters_callbacks,
         'def f(node, cb):\n    node.add_post_set_parameters_callback(cb)\n',
         'def f(node, cb):\n    node.add_on_set_parameters_callback(cb)\n'),
    Rule('2.4 parameter_dict_from_yaml_file',
         'rclpy.parameter.parameter_dict_from_yaml_file exists on Jazzy only',
         parameter_dict_from_yaml_file,
         'from rclpy.parameter import parameter_dict_from_yaml_file\n',
         'from rclpy.parameter import Parameter\n'),
    Rule('2.6 rclpy.clock_type',
         'rclpy.clock_type is a Jazzy module; import ClockType from rclpy.clock (both)',
         clock_type_module,
         'from rclpy.clock_type import ClockType\n',
         'from rclpy.clock import ClockType\n'),
    Rule('3 BEST_AVAILABLE QoS',
         'BEST_AVAILABLE policies, qos_profile_best_available, qos_profile_default and QoSPresetProfiles.DEFAULT / '
         'BEST_AVAILABLE are Jazzy only',
         best_available_qos,
         'from rclpy.qos import QoSProfile, ReliabilityPolicy\nQoSProfile(depth=1, '
         'reliability=ReliabilityPolicy.BEST_AVAILABLE)\n',
         'from rclpy.qos import QoSProfile, ReliabilityPolicy\nQoSProfile(depth=1, '
         'reliability=ReliabilityPolicy.BEST_EFFORT)\n'),
    Rule('3 rclpy.event_handler',
         'rclpy.event_handler is the Jazzy module; Humble has rclpy.qos_event (which Jazzy still has, with a warning)',
         event_handler_module,
         'from rclpy.event_handler import SubscriptionEventCallbacks\n',
         'from rclpy.qos_event import SubscriptionEventCallbacks\n'),
    Rule('4 Executor as a context manager',
         'an Executor is a context manager on Jazzy only: call shutdown() in a finally',
         executor_as_context_manager,
         'from rclpy.executors import MultiThreadedExecutor, SingleThreadedExecutor\n'
         'ex = MultiThreadedExecutor(2) if n else SingleThreadedExecutor()\nwith ex:\n    pass\n',
         'from rclpy.executors import SingleThreadedExecutor\nex = SingleThreadedExecutor()\n'
         'try:\n    ex.spin()\nfinally:\n    ex.shutdown()\n'),
    Rule('6.1 service Request/Response/Event classes',
         'a .srv module exports X_Request, X_Response and X_Event (and X.Event) on Jazzy only: use X.Request / '
         'X.Response',
         service_parts_imported,
         'from std_srvs.srv import Trigger_Request\n',
         'from std_srvs.srv import Trigger\nTrigger.Request()\n'),
    Rule('6.2 check_fields',
         'generated message classes take check_fields on Jazzy only',
         message_check_fields,
         'from std_msgs.msg import String\nString(data="x", check_fields=True)\n',
         'from std_msgs.msg import String\nString(data="x")\n'),
    Rule('7 PushROSNamespace',
         'launch_ros.actions.PushROSNamespace is the Jazzy name; PushRosNamespace works on both',
         push_ros_namespace_spelling,
         'from launch_ros.actions import PushROSNamespace\n',
         'from launch_ros.actions import PushRosNamespace\n'),
    Rule('7 respawn_max_retries',
         'ExecuteProcess / Node take respawn_max_retries on Jazzy only',
         respawn_max_retries,
         'from launch_ros.actions import Node\nNode(executable="x", respawn=True, respawn_max_retries=3)\n',
         'from launch_ros.actions import Node\nNode(executable="x", respawn=True, respawn_delay=1.0)\n'),
    Rule('7 PythonExpression(python_modules)',
         'PythonExpression takes python_modules on Jazzy only (Humble evaluates over math only)',
         python_expression_modules,
         'from launch.substitutions import PythonExpression\nPythonExpression(["1 + 1"], ["os"])\n',
         'from launch.substitutions import PythonExpression\nPythonExpression(["1 + 1"])\n'),
    Rule('7 substitutions added in Jazzy',
         f'launch substitutions {", ".join(JAZZY_SUBSTITUTIONS)} exist on Jazzy only',
         jazzy_substitutions,
         'from launch.substitutions import EqualsSubstitution, LaunchConfiguration\n',
         'from launch.substitutions import LaunchConfiguration, PythonExpression\n'),
]


@pytest.fixture(scope='module')
def sources():
    return [Source(path.read_text(encoding='utf-8'), str(path.relative_to(ROOT))) for path in product_files()]


def test_product_files_are_found(sources):
    names = {s.name for s in sources}
    # src/daydreamer_bringup/launch is a link to launch/, which os.walk does not follow: each file is read once.
    assert any(n.startswith('launch/') for n in names), 'no launch/*.py found'
    assert 'src/daydreamer_ros/daydreamer_ros/runner.py' in names
    assert not any('/test/' in n for n in names), 'test code is not product code'


@pytest.mark.parametrize('rule', RULES, ids=[r.section for r in RULES])
def test_product_code_runs_on_humble(rule, sources):
    problems = [f'{src.name}:{getattr(node, "lineno", 0)}: {rule.why}' for src in sources for node in rule.find(src)]
    assert not problems, f'{rule.section} (shared/reference/ros2_api.md):\n' + '\n'.join(problems)


@pytest.mark.parametrize('rule', RULES, ids=[r.section for r in RULES])
def test_rule_fires_on_its_bad_snippet(rule):
    assert list(rule.find(Source(rule.bad))), f'{rule.section} misses its bad snippet:\n{rule.bad}'
    assert not list(rule.find(Source(rule.good))), f'{rule.section} fires on its good snippet:\n{rule.good}'


def test_rules_see_through_aliases():
    """The rules follow `import x as y`, `from x import y as z` and names bound to a call's result."""
    src = Source('import rclpy as r\nimport rclpy.qos as q\nfrom rclpy.executors import SingleThreadedExecutor as E\n'
                 'from rclpy import context as c\n'
                 'with r.init():\n    pass\n'
                 'q.QoSProfile(depth=1, durability=q.DurabilityPolicy.BEST_AVAILABLE)\n'
                 'with E():\n    pass\n'
                 'class N:\n    def start(self):\n        self.ctx = c.Context()\n        with self.ctx:\n'
                 '            pass\n'
                 '        self.create_subscription(T, "t", lambda msg, info: None, 10)\n')
    assert len(list(init_as_context_manager(src))) == 1
    assert len(list(best_available_qos(src))) == 1
    assert len(list(executor_as_context_manager(src))) == 1
    assert len(list(context_as_context_manager(src))) == 1
    assert len(list(two_argument_subscription_callback(src))) == 1
    own = Source('class Registry:\n    def count_services(self):\n        return 0\n\n'
                 'def f(r):\n    return r.count_services()\n')
    assert not list(jazzy_node_methods(own)), 'a method of our own with a Jazzy name is not rclpy'

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
Fast source checks that the ament linters do not make.

The ament linters themselves run in test_copyright.py, test_flake8.py and test_pep257.py.

- Every Python file under src/ parses with the Python 3.10 grammar and uses no standard-library
  name that is newer than 3.10 (the project supports Python 3.10 to 3.12).
- Nothing under src/daydreamer imports rclpy or a ROS message/launch module: the core is ROS-free. The one
  exception: the ament linter tests (test/test_copyright.py, ...) import their linter.
- Product code (everything under src/ outside test directories) does not unpickle: no pickle imports,
  torch.load only with weights_only=True, np.load never with allow_pickle=True.
"""

import ast
import functools
import os
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1]  # src/daydreamer
SRC = PACKAGE.parent  # src/
SKIP_DIRS = {'__pycache__', 'build', 'install', 'log', '.pytest_cache', '.git', '.venv'}
TEST_DIRS = {'test', 'tests'}


def python_files(root):
    """Every .py file below `root`, skipping build outputs and caches."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith('.egg-info'))
        found += [Path(dirpath) / f for f in sorted(filenames) if f.endswith('.py')]
    return found


def is_test_file(path):
    return bool(TEST_DIRS & set(path.relative_to(SRC).parts[:-1])) or path.name in ('conftest.py', 'setup.py')


@functools.lru_cache(maxsize=None)
def parse(path):
    return ast.parse(path.read_text(encoding='utf-8'), str(path), feature_version=(3, 10))


def where(path, node):
    return f'{path.relative_to(SRC.parent)}:{getattr(node, "lineno", 0)}'


def imported_modules(tree):
    """(node, absolute module name) for every import, including importlib.import_module('x') / __import__('x')."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node, node.module
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, 'id', None)
            if name in ('import_module', '__import__') and isinstance(node.args[0].value, str):
                yield node, node.args[0].value


def module_aliases(tree, module):
    """Local names bound to `module` by `import module [as x]`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.asname or alias.name for alias in node.names if alias.name == module}
    return names


def names_from(tree, module, name):
    """Local names bound to `module.name` by `from module import name [as x]`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == module:
            names |= {alias.asname or alias.name for alias in node.names if alias.name == name}
    return names


def calls_of(tree, module, function):
    """Yield the calls of module.function, whether spelled `alias.function(...)` or `from module import function`."""
    aliases, direct = module_aliases(tree, module), names_from(tree, module, function)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr == function and isinstance(func.value, ast.Name)
                and func.value.id in aliases) or (isinstance(func, ast.Name) and func.id in direct):
            yield node


def keyword_is(call, name, value):
    """Tell whether `call` passes name=<literal value> (a **kwargs makes it unknowable: False)."""
    for kw in call.keywords:
        if kw.arg == name:
            return isinstance(kw.value, ast.Constant) and kw.value.value is value
    return False


# ------------------------------------------------------------------------------------------------


def test_python_files_parse_with_python_310_grammar():
    problems = []
    for path in python_files(SRC):
        try:
            parse(path)
        except SyntaxError as e:
            problems.append(f'{path.relative_to(SRC.parent)}:{e.lineno}: {e.msg}')
    assert not problems, 'not valid Python 3.10:\n' + '\n'.join(problems)


# Standard-library names added after Python 3.10 (an import guarded by try/except or a
# sys.version_info check is fine).
NEWER_THAN_PY310 = {
    'tomllib': None,  # the whole module
    'wsgiref.types': None,
    'typing': {'Self', 'LiteralString', 'Never', 'assert_never', 'assert_type', 'reveal_type', 'TypeVarTuple',
               'Unpack', 'Required', 'NotRequired', 'dataclass_transform', 'get_overloads', 'clear_overloads',
               'override', 'TypeAliasType', 'ReadOnly', 'TypeIs', 'NoDefault'},
    'datetime': {'UTC'},
    'enum': {'StrEnum', 'ReprEnum', 'EnumCheck', 'FlagBoundary', 'verify', 'member', 'nonmember', 'global_enum',
             'show_flag_values'},
    'itertools': {'batched'},
    'asyncio': {'TaskGroup', 'Runner', 'timeout', 'timeout_at', 'Timeout', 'Barrier'},
    'contextlib': {'chdir'},
    'math': {'exp2', 'cbrt', 'sumprod'},
    'hashlib': {'file_digest'},
    'operator': {'call'},
}
NEWER_BUILTINS = {'ExceptionGroup', 'BaseExceptionGroup'}


def _guarded_nodes(tree):
    """Nodes inside `try:` bodies that handle an exception, or under an `if` that tests sys.version_info."""
    guarded = set()
    for node in ast.walk(tree):
        body = []
        if isinstance(node, ast.Try) and node.handlers:
            body = node.body
        elif isinstance(node, ast.If) and 'version_info' in ast.dump(node.test):
            body = node.body + node.orelse
        for statement in body:
            guarded |= {id(n) for n in ast.walk(statement)}
    return guarded


def test_no_standard_library_names_newer_than_python_310():
    problems = []
    for path in python_files(SRC):
        tree = parse(path)
        guarded = _guarded_nodes(tree)
        defined = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        defined |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
        for node in ast.walk(tree):
            if id(node) in guarded:
                continue
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in NEWER_THAN_PY310 and NEWER_THAN_PY310[alias.name] is None:
                        problems.append(f'{where(path, node)}: module {alias.name} is newer than Python 3.10')
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in NEWER_THAN_PY310:
                new = NEWER_THAN_PY310[node.module]
                for alias in node.names:
                    if new is None or alias.name in new:
                        problems.append(f'{where(path, node)}: {node.module}.{alias.name} is newer than Python 3.10')
            elif isinstance(node, ast.Name) and node.id in NEWER_BUILTINS and node.id not in defined:
                problems.append(f'{where(path, node)}: builtin {node.id} is newer than Python 3.10')
        aliases = {}  # local name -> module, for `import module [as name]` of the modules above
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                aliases.update({a.asname or a.name: a.name for a in node.names if NEWER_THAN_PY310.get(a.name)})
        for node in ast.walk(tree) if aliases else ():
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr in NEWER_THAN_PY310[aliases[node.value.id]] and id(node) not in guarded):
                problems.append(f'{where(path, node)}: {aliases[node.value.id]}.{node.attr} is newer than Python 3.10')
    assert not problems, 'the project supports Python 3.10:\n' + '\n'.join(problems)


ROS_MODULES = {'rclpy', 'rcl_interfaces', 'rcl_logging_interface', 'launch', 'launch_ros', 'launch_testing',
               'launch_testing_ros', 'launch_xml', 'launch_yaml', 'ament_index_python', 'tf2_ros', 'tf2_py',
               'message_filters', 'cv_bridge', 'rosbag2_py', 'ros2cli', 'image_transport', 'rmw'}
ROS_PREFIXES = ('rosidl_', 'rclpy_', 'ament_', 'launch_', 'rmw_')
ROS_SUFFIXES = ('_msgs', '_srvs', '_actions', '_interfaces')


def is_ros_module(name):
    top = name.split('.')[0]
    return top in ROS_MODULES or top.startswith(ROS_PREFIXES) or top.endswith(ROS_SUFFIXES)


# What the ament linter tests (test/test_copyright.py, test_flake8.py, test_pep257.py) import.
AMENT_LINTERS = {'ament_copyright', 'ament_flake8', 'ament_pep257'}


def test_core_does_not_import_ros():
    problems = []
    for path in python_files(PACKAGE):
        for node, module in imported_modules(parse(path)):
            if is_test_file(path) and module.split('.')[0] in AMENT_LINTERS:
                continue
            if is_ros_module(module):
                problems.append(f'{where(path, node)}: imports {module}')
    assert not problems, ('src/daydreamer is the ROS-free core (see shared/design/ARCHITECTURE.md); '
                          'ROS code belongs in the ROS packages:\n' + '\n'.join(problems))


PICKLE_MODULES = {'pickle', '_pickle', 'cPickle', 'cloudpickle', 'dill', 'shelve'}


def test_product_code_never_unpickles():
    problems = []
    for path in python_files(SRC):
        if is_test_file(path):
            continue
        tree = parse(path)
        for node, module in imported_modules(tree):
            if module.split('.')[0] in PICKLE_MODULES:
                problems.append(f'{where(path, node)}: imports {module}')
        for module, function in (('torch', 'load'), ('torch.serialization', 'load')):
            for call in calls_of(tree, module, function):
                if not keyword_is(call, 'weights_only', True):
                    problems.append(f'{where(path, call)}: torch.load without weights_only=True')
        for call in calls_of(tree, 'numpy', 'load'):
            if any(kw.arg == 'allow_pickle' for kw in call.keywords) and not keyword_is(call, 'allow_pickle', False):
                problems.append(f'{where(path, call)}: np.load with allow_pickle')
    assert not problems, ('loading must never unpickle (weights and experience may come from another machine):\n'
                          + '\n'.join(problems))


def test_checks_catch_what_they_look_for():
    """The checks above would be worthless if they silently matched nothing."""
    ros = 'rcl' + 'py'  # spelled apart so that text searches for ROS imports do not hit this test
    tree = ast.parse(f'import torch as th\nimport numpy as np\nfrom {ros}.node import Node\nimport pickle\n'
                     'import importlib\nimportlib.import_module("sensor_msgs.msg")\n'
                     'th.load("x")\nth.load("x", weights_only=True)\nnp.load("x", allow_pickle=True)\n')
    modules = [m for _, m in imported_modules(tree)]
    assert [m for m in modules if is_ros_module(m)] == ['rclpy.node', 'sensor_msgs.msg']
    assert not any(is_ros_module(m) for m in ('rosbags', 'rosbags.rosbag2', 'numpy', 'daydreamer.envs', 'torch'))
    assert 'pickle' in modules
    loads = list(calls_of(tree, 'torch', 'load'))
    assert [keyword_is(c, 'weights_only', True) for c in loads] == [False, True]
    assert [keyword_is(c, 'allow_pickle', False) for c in calls_of(tree, 'numpy', 'load')] == [False]
    with pytest.raises(SyntaxError):
        ast.parse('try:\n    pass\nexcept* ValueError:\n    pass\n', feature_version=(3, 10))

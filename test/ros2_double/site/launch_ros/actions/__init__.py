"""launch_ros.actions: Node (keyword-only, parameters must be a list, remappings 2-tuples), PushRosNamespace
(J: PushROSNamespace), SetParameter, SetRemap. Node records what `ros2 launch` would start, including its
command line with the temporary --params-file files launch_ros writes for parameter dicts."""

import os
import pathlib
import tempfile

import yaml
from launch._core import Action, Substitution, normalize_to_list_of_substitutions, perform_substitutions
from launch.actions import ExecuteProcess, ensure_argument_type
from ros2_double._state import jazzy

from ..parameter_descriptions import Parameter as ParameterDescription
from ..parameter_descriptions import ParameterFile, ParameterValue


def _perform(context, value):
    return perform_substitutions(context, normalize_to_list_of_substitutions(value))


def prefix_namespace(base_ns, ns):
    if ns is not None and ns.startswith('/'):
        return ns
    if not base_ns:
        return ns
    if not ns:
        return base_ns
    return base_ns.rstrip('/') + '/' + ns


def make_namespace_absolute(ns):
    if ns is None:
        return None
    return ns if ns.startswith('/') else '/' + ns


class PushRosNamespace(Action):
    def __init__(self, namespace, **kwargs):
        super().__init__(**kwargs)
        self.namespace = normalize_to_list_of_substitutions(namespace)

    def execute(self, context):
        pushed = perform_substitutions(context, self.namespace)
        previous = context.launch_configurations.get('ros_namespace', None)
        ns = make_namespace_absolute(prefix_namespace(previous, pushed))
        if ns != '/' and ns is not None:
            ns = ns.rstrip('/')
        context.launch_configurations['ros_namespace'] = ns


if jazzy():
    PushROSNamespace = PushRosNamespace
    PushROSNamespace.__name__ = 'PushROSNamespace'


class SetParameter(Action):
    def __init__(self, name, value, **kwargs):
        super().__init__(**kwargs)
        self.name = normalize_to_list_of_substitutions(name)
        self.value = value

    def execute(self, context):
        global_params = context.launch_configurations.setdefault('global_params', [])
        name = perform_substitutions(context, self.name)
        global_params.append((name, _evaluate_value(context, self.value, name)))


class SetRemap(Action):
    def __init__(self, src, dst, **kwargs):
        super().__init__(**kwargs)
        self.src, self.dst = normalize_to_list_of_substitutions(src), normalize_to_list_of_substitutions(dst)

    def execute(self, context):
        context.launch_configurations.setdefault('ros_remaps', []).append(
            (perform_substitutions(context, self.src), perform_substitutions(context, self.dst)))


def _evaluate_scalar_subst(context, value, name):
    text = _perform(context, value)
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError:
        raise TypeError(f'Unable to parse the value of parameter {name} as yaml. If the parameter is meant to be a '
                        'string, try wrapping it in launch_ros.parameter_descriptions.ParameterValue(value, '
                        'value_type=str)')
    if parsed is None:
        return text
    if isinstance(parsed, dict):
        raise TypeError(f'Allowed value types are bytes, bool, int, float, str, and lists of those; got a dict for '
                        f'{name}')
    return parsed


def _evaluate_value(context, value, name):
    """launch_ros evaluate_parameter_dict: strings/substitutions are YAML-parsed; lists are normalised."""
    if value is None:
        raise TypeError('Unexpected type for parameter value None')
    if isinstance(value, ParameterValue):
        return value.evaluate(context)
    if isinstance(value, (str, Substitution)):
        return _evaluate_scalar_subst(context, value, name)
    if isinstance(value, (bool, int, float, bytes)):
        return value
    if isinstance(value, (list, tuple)):
        items = []
        for v in value:
            if isinstance(v, (str, Substitution)):
                items.append(_perform(context, v))
            elif isinstance(v, (bool, int, float, bytes)):
                items.append(v)
            elif isinstance(v, ParameterValue):
                items.append(v.evaluate(context))
            else:
                raise TypeError(f'Unexpected type for parameter value {v!r}')
        if all(isinstance(v, bool) for v in items):
            return items
        if all(isinstance(v, int) and not isinstance(v, bool) for v in items):
            return items
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in items):
            return [float(v) for v in items]
        return [str(v) for v in items]
    raise TypeError(f'Unexpected type for parameter value {value!r}')


def _flatten(d, prefix, context):
    out = {}
    for k, v in d.items():
        key = _perform(context, k) if isinstance(k, (str, Substitution, list, tuple)) else str(k)
        full = f'{prefix}{key}'
        if isinstance(v, dict):
            out.update(_flatten(v, full + '.', context))
        else:
            out[full] = _evaluate_value(context, v, full)
    return out


class Node(ExecuteProcess):
    def __init__(self, *, executable, package=None, name=None, namespace=None, exec_name=None, parameters=None,
                 remappings=None, ros_arguments=None, arguments=None, **kwargs):
        if parameters is not None:
            ensure_argument_type(parameters, (list), 'parameters', 'Node')
        if remappings is not None:
            remappings = list(remappings)
            for rule in remappings:
                ensure_argument_type(rule, (tuple), 'remap_rule', 'Node')
                if len(rule) != 2:
                    raise TypeError(f'Node: remapping rules must be (from, to) pairs, got {rule!r}')
        self.__package = package
        self.__executable = executable
        cmd = [executable]
        super().__init__(cmd=cmd, **kwargs)
        self.__node_name = name
        self.__node_namespace = namespace
        self.__parameters = parameters or []
        self.__remappings = remappings or []
        self.__ros_arguments = ros_arguments or []
        self.__arguments = arguments or []
        self.__exec_name = exec_name

    @property
    def node_package(self):
        return self.__package

    @property
    def node_executable(self):
        return self.__executable

    def execute(self, context):
        package = None if self.__package is None else _perform(context, self.__package)
        executable = _perform(context, self.__executable)
        name = None if self.__node_name is None else _perform(context, self.__node_name)
        base_ns = context.launch_configurations.get('ros_namespace', None)
        ns = None if self.__node_namespace is None else _perform(context, self.__node_namespace)
        ns = make_namespace_absolute(prefix_namespace(base_ns, ns))
        if ns is not None and ns != '/':
            ns = ns.rstrip('/')
        fqn = None
        if name is not None and ns is not None:
            fqn = ns.rstrip('/') + '/' + name
        params = []
        global_params = context.launch_configurations.get('global_params', [])
        if global_params:
            params.append(dict(global_params))
        for entry in self.__parameters:
            if isinstance(entry, dict):
                params.append(_flatten(entry, '', context))
            elif isinstance(entry, ParameterDescription):
                pname = _perform(context, entry.name)
                params.append(('param', pname, entry.value.evaluate(context)))
            elif isinstance(entry, ParameterFile):
                params.append(entry.evaluate(context))
            elif isinstance(entry, (str, Substitution, pathlib.Path)):
                params.append(str(entry) if isinstance(entry, pathlib.Path) else _perform(context, entry))
            elif isinstance(entry, (list, tuple)):
                params.append(_perform(context, entry))
            else:
                raise TypeError(f'Unexpected type for parameters entry {entry!r}')
        remaps = list(context.launch_configurations.get('ros_remaps', []))
        remaps += [(_perform(context, a), _perform(context, b)) for a, b in self.__remappings]
        arguments = [_perform(context, a) for a in self.__arguments]
        ros_arguments = [_perform(context, a) for a in self.__ros_arguments]
        if package is not None:
            try:
                from ament_index_python.packages import get_package_prefix
                exe_path = os.path.join(get_package_prefix(package), 'lib', package, executable)
            except Exception:
                exe_path = executable
        else:
            exe_path = executable
        cmd = [exe_path, *arguments]
        if ros_arguments:
            cmd += ['--ros-args', *ros_arguments]
        cmd += ['--ros-args']
        if name is not None:
            cmd += ['-r', f'__node:={name}']
        if ns is not None:
            cmd += ['-r', f'__ns:={ns}']
        out_params = []
        for p in params:
            if isinstance(p, dict):
                key = fqn if fqn is not None else '/**'
                fd, path = tempfile.mkstemp(prefix='launch_params_', suffix='.yaml')
                with os.fdopen(fd, 'w') as f:
                    yaml.safe_dump({key: {'ros__parameters': p}}, f)
                cmd += ['--params-file', path]
                out_params.append(p)
            elif isinstance(p, tuple):
                cmd += ['-p', f'{p[1]}:={yaml.safe_dump(p[2], default_flow_style=True).strip().rstrip(".").strip()}'
                        if not isinstance(p[2], str) else f'{p[1]}:={p[2]}']
                out_params.append({p[1]: p[2]})
            else:
                if not os.path.isfile(p):
                    raise RuntimeError(f'ros2_double: parameter file {p!r} does not exist')
                cmd += ['--params-file', p]
                out_params.append(p)
        for a, b in remaps:
            cmd += ['-r', f'{a}:={b}']
        if cmd[-1] == '--ros-args':
            cmd.pop()
        context._double_processes.append(self._double_record(
            context, kind='node', package=package, executable=executable, name=name, namespace=ns,
            parameters=out_params, remappings=remaps, arguments=arguments, ros_arguments=ros_arguments, cmd=cmd,
            deferred=getattr(context, '_double_deferred', False)))


class LifecycleNode(Node):
    pass


__all__ = ['Node', 'PushRosNamespace', 'SetParameter', 'SetRemap', 'LifecycleNode']
if jazzy():
    __all__.append('PushROSNamespace')

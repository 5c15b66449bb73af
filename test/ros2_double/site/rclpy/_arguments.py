"""Parsing of `--ros-args ... [--]` sections (remaps, -p params, --params-file, log levels) like rcl_arguments."""

import yaml


class UnknownROSArgsError(RuntimeError):
    pass


class RCLError(RuntimeError):
    pass


FLAGS_WITH_VALUE = {'-r', '--remap', '-p', '--param', '--params-file', '--log-level', '-e', '--enclave',
                    '--log-config-file', '--log-file-name'}
FLAGS = {'--disable-rosout-logs', '--enable-rosout-logs', '--disable-stdout-logs', '--enable-stdout-logs',
         '--disable-external-lib-logs', '--enable-external-lib-logs'}


class Arguments:
    def __init__(self, args=None):
        self.remaps = []        # (node or None, from, to)
        self.params = []        # ('param', node or None, name, value) | ('file', path) in order
        self.log_levels = []    # (logger name or '', level str)
        self.unparsed = []
        self.ros_args = []
        if args:
            self.parse(list(args))

    def parse(self, args):
        i, in_ros, unknown = 0, False, []
        while i < len(args):
            a = args[i]
            if a == '--ros-args':
                in_ros = True
            elif a == '--' and in_ros:
                in_ros = False
            elif not in_ros:
                self.unparsed.append(a)
            elif a in FLAGS_WITH_VALUE:
                if i + 1 >= len(args):
                    raise RCLError(f"Couldn't parse trailing {a} flag. No value given.")
                value = args[i + 1]
                self.ros_args += [a, value]
                self._rule(a, value)
                i += 1
            elif a in FLAGS:
                self.ros_args.append(a)
            else:
                unknown.append(a)
            i += 1
        if unknown:
            raise UnknownROSArgsError(f'Found unknown ROS arguments: {unknown}')

    def _rule(self, flag, value):
        if flag in ('-r', '--remap'):
            if ':=' not in value:
                raise RCLError(f"Couldn't parse remap rule: '{value}'")
            lhs, rhs = value.split(':=', 1)
            node = None
            if ':' in lhs and not lhs.startswith('rostopic:') and not lhs.startswith('rosservice:'):
                node, lhs = lhs.split(':', 1)
            self.remaps.append((node, lhs, rhs))
        elif flag in ('-p', '--param'):
            if ':=' not in value:
                raise RCLError(f"Couldn't parse parameter override rule: '{value}'")
            lhs, rhs = value.split(':=', 1)
            node = None
            if ':' in lhs:
                node, lhs = lhs.split(':', 1)
            self.params.append(('param', node, lhs, parse_value(rhs)))
        elif flag == '--params-file':
            self.params.append(('file', value))
        elif flag == '--log-level':
            if ':=' in value:
                name, level = value.split(':=', 1)
            else:
                name, level = '', value
            self.log_levels.append((name, level))


def parse_value(text):
    """A -p value as rcl reads it: YAML scalars/lists, anything else a string."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if value is None:
        return text
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list) and all(isinstance(v, (bool, int, float, str)) for v in value):
        return value
    return text


def remove_ros_args(args):
    out, in_ros = [], False
    for a in args:
        if a == '--ros-args':
            in_ros = True
        elif a == '--' and in_ros:
            in_ros = False
        elif not in_ros:
            out.append(a)
    return out


def yaml_params_for(path, fqn):
    """Parameters (name -> python value) of a --params-file that apply to the node `fqn`, in file order."""
    with open(path) as f:
        content = yaml.safe_load(f) or {}
    if not isinstance(content, dict):
        raise RCLError(f'Failed to parse parameters from file {path}: the top level must be a map')
    out = {}
    for pattern, body in _node_entries(content, []):
        if _match(pattern, fqn):
            out.update(_flatten(body, ''))
    return out


def _node_entries(d, prefix):
    for key, value in d.items():
        if not isinstance(value, dict):
            raise RCLError(f"Failed to parse parameters: expected a map under '{key}'")
        tokens = [t for t in str(key).split('/') if t]
        if 'ros__parameters' in value:
            yield prefix + tokens, value['ros__parameters'] or {}
        else:
            yield from _node_entries(value, prefix + tokens)


def _match(pattern, fqn):
    names = [t for t in fqn.split('/') if t]

    def rec(p, n):
        if not p:
            return not n
        if p[0] == '**':
            return any(rec(p[1:], n[k:]) for k in range(len(n) + 1))
        if not n:
            return False
        return (p[0] == '*' or p[0] == n[0]) and rec(p[1:], n[1:])
    return rec(pattern, names)


def _flatten(d, prefix):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f'{prefix}{k}.'))
        else:
            if isinstance(v, list) and v and len({type(x) for x in v}) > 1:
                if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
                    raise RCLError(f"Sequence should be of same type. Value type 'double' do not belong at '{k}'")
                raise RCLError(f"Sequence should be of same type at parameter '{prefix}{k}'")
            out[f'{prefix}{k}'] = v
    return out

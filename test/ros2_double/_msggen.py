"""Message and service classes generated at import time from .msg/.srv files, behaving like rosidl_generator_py's.

A meta-path finder serves `<pkg>`, `<pkg>.msg` and `<pkg>.srv` for every package with interface files under
test/ros2_double/interfaces/ or src/<pkg>/{msg,srv}. Classes follow the generated code (H and J-with-checks):
metaclass with _TYPE_SUPPORT & co, read-only constants and FIELD__DEFAULTs, __slots__, kwargs-only __init__, property
setters with the assert checks, numpy fixed arrays, array.array sequences, the `all(a != b)` __eq__ quirk, no hash.
"""

import array
import importlib
import importlib.abc
import importlib.machinery
import math
import os
import re
import sys
import threading
import types
from collections import UserList, UserString
from collections.abc import ByteString, Sequence, Set
from pathlib import Path

import numpy
import rosidl_parser.definition as idl
from rosidl_adapter.parser import parse_message_file, parse_service_file, MessageSpecification

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

NUMERIC = {  # idl typename -> (array.array typecode, numpy dtype)
    'float': ('f', numpy.float32), 'double': ('d', numpy.float64),
    'int8': ('b', numpy.int8), 'uint8': ('B', numpy.uint8), 'int16': ('h', numpy.int16),
    'uint16': ('H', numpy.uint16), 'int32': ('i', numpy.int32), 'uint32': ('I', numpy.uint32),
    'int64': ('q', numpy.int64), 'uint64': ('Q', numpy.uint64)}
IDL_NAMES = {'float32': 'float', 'float64': 'double', 'bool': 'boolean', 'byte': 'octet', 'char': 'uint8'}
PY_TYPE = {'boolean': bool, 'octet': bytes, 'float': float, 'double': float, 'string': str, 'wstring': str}
FLOAT_BOUND = {'float': 3.402823466e+38, 'double': 1.7976931348623157e+308}


def distro():
    return os.environ.get('ROS2_DOUBLE_DISTRO', 'humble').lower()


def jazzy():
    return distro() == 'jazzy'


def module_name(stem):
    """rosidl's convert_camel_case_to_lower_case_underscore: 'IMUData' -> '_imu_data'."""
    value = re.sub('(.)([A-Z][a-z]+)', r'\1_\2', stem)
    value = re.sub('([a-z0-9])([A-Z])', r'\1_\2', value)
    return '_' + value.lower()


# --------------------------------------------------------------------------------------------- interface files

def interface_dirs():
    """{pkg: {'msg': {Name: path}, 'srv': {Name: path}}} over the double's definitions and the workspace's."""
    found = {}
    roots = [p for p in (HERE / 'interfaces').iterdir() if p.is_dir()]
    roots += [p for p in (ROOT / 'src').iterdir() if (p / 'package.xml').exists()] if (ROOT / 'src').is_dir() else []
    for pkg_dir in roots:
        for kind in ('msg', 'srv'):
            for f in sorted((pkg_dir / kind).glob(f'*.{kind}')):
                found.setdefault(pkg_dir.name, {'msg': {}, 'srv': {}})[kind][f.stem] = f
    return found


INTERFACES = interface_dirs()
CLASSES = {}  # (pkg, 'msg'|'srv', Name) -> class
_LOCK = threading.RLock()


def resolve(pkg, ns, name):
    key = (pkg, ns, name)
    if key not in CLASSES:
        importlib.import_module(f'{pkg}.{ns}')
    return CLASSES[key]


# --------------------------------------------------------------------------------------------- field model

class Field:
    """One member: idl basic typename / 'string' / 'wstring' / nested (pkg, ns, Name), plus array shape."""

    def __init__(self, name, base, pkg=None, ns='msg', array_kind=None, size=None, string_bound=None,
                 default=None, has_default=False):
        self.name, self.base, self.pkg, self.ns = name, base, pkg, ns
        self.array_kind, self.size, self.string_bound = array_kind, size, string_bound  # array_kind: fixed|bounded|seq
        self.default, self.has_default = default, has_default
        self.nested = pkg is not None
        self.numeric_nested = array_kind is not None and base in NUMERIC

    @classmethod
    def from_adapter(cls, f):
        t = f.type
        kind = None
        if t.is_array:
            kind = 'fixed' if t.is_fixed_size_array() else ('bounded' if t.is_upper_bound else 'seq')
        if t.is_primitive_type():
            base, pkg = IDL_NAMES.get(t.type, t.type), None
        else:
            base, pkg = t.type, t.pkg_name
        default = f.default_value
        return cls(f.name, base, pkg, 'msg', kind, t.array_size, t.string_upper_bound, default, default is not None)

    def pytype(self):
        if self.nested:
            return resolve(self.pkg, self.ns, self.base)
        return PY_TYPE.get(self.base, int)

    def type_string(self):
        if self.nested:
            s = f'{self.pkg}/{self.base}'
        elif self.base in ('string', 'wstring'):
            s = self.base + (f'<{self.string_bound}>' if self.string_bound else '')
        else:
            s = self.base
        if self.array_kind == 'fixed':
            return f'{s}[{self.size}]'
        if self.array_kind == 'bounded':
            return f'sequence<{s}, {self.size}>'
        if self.array_kind == 'seq':
            return f'sequence<{s}>'
        return s

    def slot_type(self):
        if self.nested:
            v = idl.NamespacedType([self.pkg, self.ns], self.base)
        elif self.base == 'string':
            v = idl.BoundedString(self.string_bound) if self.string_bound else idl.UnboundedString()
        elif self.base == 'wstring':
            v = idl.BoundedWString(self.string_bound) if self.string_bound else idl.UnboundedWString()
        else:
            v = idl.BasicType(self.base)
        if self.array_kind == 'fixed':
            return idl.Array(v, self.size)
        if self.array_kind == 'bounded':
            return idl.BoundedSequence(v, self.size)
        if self.array_kind == 'seq':
            return idl.UnboundedSequence(v)
        return v

    # ---- checks (the generated setters' asserts)

    def scalar_ok(self, v):
        b = self.base
        if self.nested:
            return isinstance(v, self.pytype())
        if b == 'boolean':
            return isinstance(v, bool)
        if b == 'octet':
            return isinstance(v, (bytes, ByteString)) and len(v) == 1
        if b in ('string', 'wstring'):
            if self.string_bound:
                return isinstance(v, (str, UserString)) and len(v) <= self.string_bound
            return isinstance(v, str)
        if b in FLOAT_BOUND:
            return isinstance(v, float) and (not (v < -FLOAT_BOUND[b] or v > FLOAT_BOUND[b]) or math.isinf(v))
        lo, hi = int_range(b)
        return isinstance(v, int) and lo <= v <= hi

    def check(self, value):
        """Raise AssertionError with the generated message when `value` is not acceptable for this field."""
        n = self.name
        if self.numeric_nested:
            tc, dtype = NUMERIC[self.base]
            if self.array_kind == 'fixed' and isinstance(value, numpy.ndarray):
                assert value.dtype == dtype, \
                    f"The '{n}' numpy.ndarray() must have the dtype of 'numpy.{dtype.__name__}'"
                assert value.size == self.size, f"The '{n}' numpy.ndarray() must have a size of {self.size}"
                return
            if self.array_kind != 'fixed' and isinstance(value, array.array):
                assert value.typecode == tc, f"The '{n}' array.array() must have the type code of '{tc}'"
                if self.array_kind == 'bounded':
                    assert len(value) <= self.size, f"The '{n}' array.array() must have a size <= {self.size}"
                return
        if self.array_kind:
            ok = ((isinstance(value, (Sequence, Set, UserList)))
                  and not isinstance(value, (str, UserString)))
            parts = ['a set or sequence']
            if self.array_kind == 'fixed':
                ok = ok and len(value) == self.size
                parts.append(f'with length {self.size}')
            elif self.array_kind == 'bounded':
                ok = ok and len(value) <= self.size
                parts.append(f'with length <= {self.size}')
            if self.string_bound:
                parts.append(f'and each string value not longer than {self.string_bound}')
            tname = self.base if self.nested else self.pytype().__name__
            parts.append(f"and each value of type '{tname}'")
            if not self.nested and self.base in NUMERIC:
                if self.base in FLOAT_BOUND:
                    bound = FLOAT_BOUND[self.base]
                    parts.append(f'and each {self.base} in [{-bound:f}, {bound:f}]')
                else:
                    lo, hi = int_range(self.base)
                    parts.append(f"and each {'unsigned ' if lo == 0 else ''}integer in [{lo}, {hi}]")
            ok = ok and all(self.element_ok(v) for v in value)
            assert ok, f"The '{n}' field must be {' '.join(parts)}"
            return
        if self.nested:
            assert isinstance(value, self.pytype()), f"The '{n}' field must be a sub message of type '{self.base}'"
        elif self.base == 'octet':
            assert self.scalar_ok(value), f"The '{n}' field must be of type 'bytes' or 'ByteString' with length 1"
        elif self.base in ('string', 'wstring') and self.string_bound:
            assert self.scalar_ok(value), f"The '{n}' field must be string value not longer than {self.string_bound}"
        elif self.base in FLOAT_BOUND:
            assert isinstance(value, float), f"The '{n}' field must be of type 'float'"
            b = FLOAT_BOUND[self.base]
            assert self.scalar_ok(value), f"The '{n}' field must be a {self.base} in [{-b}, {b}]"
        elif self.base in NUMERIC:
            assert isinstance(value, int), f"The '{n}' field must be of type 'int'"
            lo, hi = int_range(self.base)
            unsigned = 'an unsigned integer' if lo == 0 else 'an integer'
            assert lo <= value <= hi, f"The '{n}' field must be {unsigned} in [{lo}, {hi}]"
        else:
            assert self.scalar_ok(value), f"The '{n}' field must be of type '{self.pytype().__name__}'"

    def element_ok(self, v):
        if self.nested:
            return isinstance(v, self.pytype())
        if self.base in ('string', 'wstring'):
            return isinstance(v, str) and (not self.string_bound or len(v) <= self.string_bound)
        if self.base == 'octet':
            return isinstance(v, bytes)
        return self.scalar_ok(v)

    def store(self, value):
        if self.numeric_nested:
            tc, dtype = NUMERIC[self.base]
            if self.array_kind == 'fixed':
                return value if isinstance(value, numpy.ndarray) else numpy.array(value, dtype=dtype)
            return value if isinstance(value, array.array) and value.typecode == tc else array.array(tc, value)
        return value

    def initial(self, cls, kwargs):
        """The value __init__ assigns (through the setter) when building a message."""
        if self.has_default:
            return kwargs.get(self.name, getattr(cls, self.name.upper() + '__DEFAULT'))
        if self.array_kind == 'fixed':
            if self.numeric_nested:
                dtype = NUMERIC[self.base][1]
                if self.name not in kwargs:
                    return numpy.zeros(self.size, dtype=dtype)
                value = numpy.array(kwargs[self.name], dtype=dtype)
                assert value.shape == (self.size, )
                return value
            if self.base == 'octet':
                return kwargs.get(self.name, [bytes([0]) for _ in range(self.size)])
            return kwargs.get(self.name, [self.pytype()() for _ in range(self.size)])
        if self.array_kind:
            if self.numeric_nested:
                return array.array(NUMERIC[self.base][0], kwargs.get(self.name, []))
            return kwargs.get(self.name, [])
        if self.base == 'octet':
            return kwargs.get(self.name, bytes([0]))
        if self.name in kwargs:
            return kwargs[self.name]
        return self.pytype()()


def int_range(base):
    bits = int(base.lstrip('uint'))
    if base.startswith('u'):
        return 0, 2 ** bits - 1
    return -2 ** (bits - 1), 2 ** (bits - 1) - 1


def constant_value(const):
    t = IDL_NAMES.get(const.type, const.type)
    if t == 'octet':
        return bytes([const.value])
    return const.value


def default_value(f):
    if f.base == 'octet':
        return [bytes([v]) for v in f.default] if f.array_kind else bytes([f.default])
    return f.default


# --------------------------------------------------------------------------------------------- class building

def _check_fields_default():
    return os.getenv('ROS_PYTHON_CHECK_FIELDS', default='') == '1'


def make_message(pkg, ns, name, fields, constants, module):
    """Build Metaclass_<name> and <name> the way rosidl_generator_py's template does."""
    consts = dict(constants)
    defaults = {f.name.upper() + '__DEFAULT': default_value(f) for f in fields if f.has_default}
    is_j = jazzy()
    check_default = _check_fields_default() if is_j else True

    def import_type_support(cls):
        # stands in for the C extension: non-None handles so rclpy's type checks pass
        cls._CREATE_ROS_MESSAGE = cls._CONVERT_FROM_PY = cls._CONVERT_TO_PY = ('typesupport', pkg, name)
        cls._DESTROY_ROS_MESSAGE = cls._TYPE_SUPPORT = ('typesupport', pkg, name)

    meta_ns = {'_CREATE_ROS_MESSAGE': None, '_CONVERT_FROM_PY': None, '_CONVERT_TO_PY': None,
               '_DESTROY_ROS_MESSAGE': None, '_TYPE_SUPPORT': None,
               '__import_type_support__': classmethod(import_type_support),
               '__doc__': f"Metaclass of message '{name}'."}
    for k, v in {**consts, **defaults}.items():
        meta_ns[k] = property(lambda self, v=v: v)
    meta = type(f'Metaclass_{name}', (type,), meta_ns)

    slots = ['_' + f.name for f in fields] + (['_check_fields'] if is_j else [])
    by_name = {f.name: f for f in fields}

    def __init__(self, **kwargs):
        if is_j:
            self._check_fields = kwargs.pop('check_fields', check_default)
            checks = self._check_fields
        else:
            checks = True
        if checks:
            assert all('_' + key in self.__slots__ for key in kwargs.keys()), \
                'Invalid arguments passed to constructor: %s' % \
                ', '.join(sorted(k for k in kwargs.keys() if '_' + k not in self.__slots__))
        for f in fields:
            setattr(self, f.name, f.initial(type(self), kwargs))

    def __repr__(self):
        typename = self.__class__.__module__.split('.')
        typename.pop()
        typename.append(self.__class__.__name__)
        args = []
        for f in fields:
            value = getattr(self, f.name)
            text = repr(value)
            if f.numeric_nested and f.array_kind != 'fixed':
                text = '[]' if len(value) == 0 else repr(list(value))
            args.append(f'{f.name}={text}')
        return '%s(%s)' % ('.'.join(typename), ', '.join(args))

    def __eq__(self, other):
        if not isinstance(other, self.__class__):
            return False
        for f in fields:
            a, b = getattr(self, f.name), getattr(other, f.name)
            if f.numeric_nested and f.array_kind == 'fixed':
                if all(a != b):  # the generated code's quirk: unequal only when every element differs
                    return False
            elif a != b:
                return False
        return True

    ns_dict = {'__slots__': slots, '__module__': module, '__qualname__': name,
               '_fields_and_field_types': {f.name: f.type_string() for f in fields},
               'SLOT_TYPES': tuple(f.slot_type() for f in fields),
               '__init__': __init__, '__repr__': __repr__, '__eq__': __eq__, '__hash__': None,
               'get_fields_and_field_types': classmethod(lambda cls: dict(cls._fields_and_field_types)),
               '_double_fields': fields, '_double_pkg': pkg, '_double_name': name,
               '__doc__': f"Message class '{name}'."}
    ns_dict.update(consts)
    ns_dict.update(defaults)
    for f in fields:
        ns_dict[f.name] = _field_property(f, is_j)
    cls = meta(name, (), ns_dict)
    CLASSES[(pkg, ns, name)] = cls
    cls._double_by_name = by_name
    return cls


def _field_property(f, is_j):
    slot = '_' + f.name

    def getter(self):
        return getattr(self, slot)

    def setter(self, value):
        if (not is_j or self._check_fields) and __debug__:
            f.check(value)
        setattr(self, slot, f.store(value))
    return property(getter, setter, doc=f"Message field '{f.name}'.")


def fields_of(spec):
    return [Field.from_adapter(f) for f in spec.fields if f.name != 'structure_needs_at_least_one_member']


def build_msg_module(pkg, module):
    for name, path in INTERFACES[pkg]['msg'].items():
        spec = parse_message_file(pkg, str(path))
        sub = types.ModuleType(f'{pkg}.msg.{module_name(name)}')
        cls = make_message(pkg, 'msg', name, fields_of(spec), [(c.name, constant_value(c)) for c in spec.constants],
                           sub.__name__)
        setattr(sub, name, cls)
        setattr(sub, f'Metaclass_{name}', type(cls))
        sys.modules[sub.__name__] = sub
        setattr(module, module_name(name), sub)
        setattr(module, name, cls)


def build_srv_module(pkg, module):
    is_j = jazzy()
    for name, path in INTERFACES[pkg]['srv'].items():
        spec = parse_service_file(pkg, str(path))
        sub = types.ModuleType(f'{pkg}.srv.{module_name(name)}')
        parts = {}
        for suffix, part in (('Request', spec.request), ('Response', spec.response)):
            cls = make_message(pkg, 'srv', f'{name}_{suffix}', fields_of(part),
                               [(c.name, constant_value(c)) for c in part.constants], sub.__name__)
            parts[suffix] = cls
        if is_j:
            event_fields = [Field('info', 'ServiceEventInfo', 'service_msgs'),
                            Field('request', f'{name}_Request', pkg, 'srv', 'bounded', 1),
                            Field('response', f'{name}_Response', pkg, 'srv', 'bounded', 1)]
            parts['Event'] = make_message(pkg, 'srv', f'{name}_Event', event_fields, [], sub.__name__)

        def import_type_support(cls):
            cls._TYPE_SUPPORT = ('typesupport', pkg, name)
        meta = type(f'Metaclass_{name}', (type,),
                    {'_TYPE_SUPPORT': None, '__import_type_support__': classmethod(import_type_support)})

        def __init__(self):
            raise NotImplementedError('Service classes can not be instantiated')
        srv = meta(name, (), {'__module__': sub.__name__, '__init__': __init__, **parts})
        CLASSES[(pkg, 'srv', name)] = srv
        for suffix, cls in parts.items():
            setattr(sub, cls.__name__, cls)
        setattr(sub, name, srv)
        setattr(sub, f'Metaclass_{name}', meta)
        sys.modules[sub.__name__] = sub
        setattr(module, module_name(name), sub)
        setattr(module, name, srv)
        if is_j:
            for cls in parts.values():
                setattr(module, cls.__name__, cls)


# --------------------------------------------------------------------------------------------- import hook

class _Loader(importlib.abc.Loader):
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        parts = module.__name__.split('.')
        with _LOCK:
            if len(parts) == 1:
                module.__path__ = []
            elif parts[1] == 'msg':
                module.__path__ = []
                build_msg_module(parts[0], module)
            elif parts[1] == 'srv':
                module.__path__ = []
                build_srv_module(parts[0], module)


class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        parts = fullname.split('.')
        if parts[0] not in INTERFACES or len(parts) > 2:
            return None
        if len(parts) == 2 and parts[1] not in ('msg', 'srv'):
            return None
        return importlib.machinery.ModuleSpec(fullname, _Loader(), is_package=True)


FINDER = Finder()


def install():
    if FINDER not in sys.meta_path:
        sys.meta_path.insert(0, FINDER)


# --------------------------------------------------------------------------------------------- middleware helpers

def validate(msg, path=None):
    """Re-run every field's checks (the C converter would abort on a wrong type); AssertionError names the field."""
    cls = type(msg)
    path = path or cls.__name__
    for f in cls._double_fields:
        value = getattr(msg, f.name)
        try:
            f.check(value)
        except AssertionError as e:
            raise AssertionError(f'publish: {path}.{f.name}: {e}') from None
        if f.nested:
            if f.array_kind:
                for i, item in enumerate(value):
                    validate(item, f'{path}.{f.name}[{i}]')
            else:
                validate(value, f'{path}.{f.name}')


def copy_message(msg):
    """A fresh instance as the middleware would deserialize it: new objects, float32 rounded."""
    cls = type(msg)
    out = cls.__new__(cls)
    if '_check_fields' in cls.__slots__:
        out._check_fields = getattr(msg, '_check_fields', False)
    for f in cls._double_fields:
        v = getattr(msg, f.name)
        if f.nested:
            v = [copy_message(x) for x in v] if f.array_kind else copy_message(v)
        elif f.numeric_nested:
            tc, dtype = NUMERIC[f.base]
            v = numpy.array(v, dtype=dtype) if f.array_kind == 'fixed' else array.array(tc, v)
        elif f.array_kind:
            v = list(v)
        elif f.base == 'float':
            v = float(numpy.float32(v))
        elif f.base == 'octet':
            v = bytes(v)
        setattr(out, '_' + f.name, v)
    return out


__all__ = ['install', 'validate', 'copy_message', 'resolve', 'MessageSpecification']

"""rclpy.parameter.Parameter (type inference, agreement checks, msg conversions) and YAML/arg value helpers."""

import array
from enum import Enum

PARAMETER_SEPARATOR_STRING = '.'


class Parameter:
    class Type(Enum):
        NOT_SET = 0
        BOOL = 1
        INTEGER = 2
        DOUBLE = 3
        STRING = 4
        BYTE_ARRAY = 5
        BOOL_ARRAY = 6
        INTEGER_ARRAY = 7
        DOUBLE_ARRAY = 8
        STRING_ARRAY = 9

        @classmethod
        def from_parameter_value(cls, parameter_value):
            if parameter_value is None:
                return Parameter.Type.NOT_SET
            if isinstance(parameter_value, bool):
                return Parameter.Type.BOOL
            if isinstance(parameter_value, int):
                return Parameter.Type.INTEGER
            if isinstance(parameter_value, float):
                return Parameter.Type.DOUBLE
            if isinstance(parameter_value, str):
                return Parameter.Type.STRING
            if isinstance(parameter_value, (list, tuple, array.array)):
                if all(isinstance(v, bytes) for v in parameter_value):
                    return Parameter.Type.BYTE_ARRAY
                if all(isinstance(v, bool) for v in parameter_value):
                    return Parameter.Type.BOOL_ARRAY
                if all(isinstance(v, int) for v in parameter_value):
                    return Parameter.Type.INTEGER_ARRAY
                if all(isinstance(v, float) for v in parameter_value):
                    return Parameter.Type.DOUBLE_ARRAY
                if all(isinstance(v, str) for v in parameter_value):
                    return Parameter.Type.STRING_ARRAY
                raise TypeError(f'The given value is not a list of one of the allowed types '
                                f"'{parameter_value}'.")
            raise TypeError(f"The given value is not one of the allowed types '{parameter_value}'.")

        def check(self, parameter_value):
            T = Parameter.Type
            if T.NOT_SET == self:
                return parameter_value is None
            if T.BOOL == self:
                return isinstance(parameter_value, bool)
            if T.INTEGER == self:
                return isinstance(parameter_value, int)
            if T.DOUBLE == self:
                return isinstance(parameter_value, float)
            if T.STRING == self:
                return isinstance(parameter_value, str)
            seq = isinstance(parameter_value, (list, tuple, array.array))
            if T.BYTE_ARRAY == self:
                return seq and all(isinstance(v, bytes) and len(v) == 1 for v in parameter_value)
            if T.BOOL_ARRAY == self:
                return seq and all(isinstance(v, bool) for v in parameter_value)
            if T.INTEGER_ARRAY == self:
                return seq and all(isinstance(v, int) for v in parameter_value)
            if T.DOUBLE_ARRAY == self:
                return seq and all(isinstance(v, float) for v in parameter_value)
            if T.STRING_ARRAY == self:
                return seq and all(isinstance(v, str) for v in parameter_value)
            return False

    @classmethod
    def from_parameter_msg(cls, param_msg):
        value = parameter_value_to_python(param_msg.value)
        type_ = Parameter.Type(param_msg.value.type)
        if type_ == Parameter.Type.BYTE_ARRAY:
            value = list(value)
        return cls(param_msg.name, type_, value)

    def __init__(self, name, type_=None, value=None):
        if type_ is None:
            type_ = Parameter.Type.from_parameter_value(value)
        if not isinstance(type_, Parameter.Type):
            raise TypeError("type must be an instance of '{}'".format(repr(Parameter.Type)))
        if not type_.check(value):
            raise ValueError("Type '{}' and value '{}' do not agree".format(type_, value))
        self._type_ = type_
        self._name = name
        self._value = value

    @property
    def name(self):
        return self._name

    @property
    def type_(self):
        return self._type_

    @property
    def value(self):
        return self._value

    def __repr__(self):
        return f'Parameter(name={self._name!r}, type_={self._type_}, value={self._value!r})'

    def get_parameter_value(self):
        from rcl_interfaces.msg import ParameterValue
        T = Parameter.Type
        v = ParameterValue(type=self.type_.value)
        if T.BOOL == self.type_:
            v.bool_value = self.value
        elif T.INTEGER == self.type_:
            v.integer_value = self.value
        elif T.DOUBLE == self.type_:
            v.double_value = self.value
        elif T.STRING == self.type_:
            v.string_value = self.value
        elif T.BYTE_ARRAY == self.type_:
            v.byte_array_value = list(self.value)
        elif T.BOOL_ARRAY == self.type_:
            v.bool_array_value = list(self.value)
        elif T.INTEGER_ARRAY == self.type_:
            v.integer_array_value = list(self.value)
        elif T.DOUBLE_ARRAY == self.type_:
            v.double_array_value = list(self.value)
        elif T.STRING_ARRAY == self.type_:
            v.string_array_value = list(self.value)
        return v

    def to_parameter_msg(self):
        from rcl_interfaces.msg import Parameter as ParameterMsg
        return ParameterMsg(name=self.name, value=self.get_parameter_value())


def get_parameter_value(string_value):
    """A ParameterValue msg from a YAML-ish command line string (like ros2 param set)."""
    import yaml
    try:
        value = yaml.safe_load(string_value)
    except yaml.YAMLError:
        value = string_value
    return Parameter('tmp', value=_normalize(value)).get_parameter_value()


def _normalize(value):
    if isinstance(value, (list, tuple)):
        return list(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def parameter_value_to_python(parameter_value):
    from rcl_interfaces.msg import ParameterType
    t = parameter_value.type
    if t == ParameterType.PARAMETER_BOOL:
        return parameter_value.bool_value
    if t == ParameterType.PARAMETER_INTEGER:
        return parameter_value.integer_value
    if t == ParameterType.PARAMETER_DOUBLE:
        return parameter_value.double_value
    if t == ParameterType.PARAMETER_STRING:
        return parameter_value.string_value
    if t == ParameterType.PARAMETER_BYTE_ARRAY:
        return list(parameter_value.byte_array_value)
    if t == ParameterType.PARAMETER_BOOL_ARRAY:
        return list(parameter_value.bool_array_value)
    if t == ParameterType.PARAMETER_INTEGER_ARRAY:
        return list(parameter_value.integer_array_value)
    if t == ParameterType.PARAMETER_DOUBLE_ARRAY:
        return list(parameter_value.double_array_value)
    if t == ParameterType.PARAMETER_STRING_ARRAY:
        return list(parameter_value.string_array_value)
    if t == ParameterType.PARAMETER_NOT_SET:
        return None
    raise RuntimeError(f'unexpected parameter type {t}')


def parameter_dict_from_yaml_file(parameter_file, use_wildcard=False, target_nodes=None, namespace=''):
    import yaml
    with open(parameter_file, 'r') as f:
        param_file = yaml.safe_load(f)
    out = {}
    for key, body in (param_file or {}).items():
        if not isinstance(body, dict) or 'ros__parameters' not in body:
            raise RuntimeError(f'Missing ros__parameters in {parameter_file}')
        for name, value in flatten(body['ros__parameters']).items():
            out[name] = Parameter(name, value=_normalize(value)).to_parameter_msg()
    return out


def flatten(d, prefix=''):
    out = {}
    for k, v in d.items():
        name = f'{prefix}{k}'
        if isinstance(v, dict):
            out.update(flatten(v, name + PARAMETER_SEPARATOR_STRING))
        else:
            out[name] = v
    return out

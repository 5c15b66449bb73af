"""launch_ros.parameter_descriptions: ParameterValue, ParameterFile, Parameter."""

from launch._core import Substitution, normalize_to_list_of_substitutions, perform_substitutions


class ParameterValue:
    def __init__(self, value, *, value_type=None):
        self.value = value
        self.value_type = value_type

    def evaluate(self, context):
        from .actions import _evaluate_value
        if self.value_type is str:
            return perform_substitutions(context, normalize_to_list_of_substitutions(self.value)) \
                if isinstance(self.value, (str, Substitution, list)) else str(self.value)
        value = _evaluate_value(context, self.value, 'value')
        if self.value_type is not None and self.value_type is not str:
            if self.value_type is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, self.value_type):
                raise TypeError(f'value {value!r} is not of the expected type {self.value_type}')
        return value


class ParameterFile:
    def __init__(self, param_file, *, allow_substs=False):
        self.param_file = param_file
        self.allow_substs = allow_substs

    def evaluate(self, context):
        f = self.param_file
        if isinstance(f, (str, Substitution, list)):
            return perform_substitutions(context, normalize_to_list_of_substitutions(f))
        return str(f)


class Parameter:
    def __init__(self, name, value, *, value_type=None):
        self.name = name
        self.value = ParameterValue(value, value_type=value_type)

"""Core of the launch double: context with scoped configurations, substitutions, actions, conditions.

The double evaluates a description statically: every action's `visit(context)` returns sub-entities; processes
(ExecuteProcess, launch_ros Node) are recorded in `context._double_processes` instead of started.
"""

import collections.abc
import os
import warnings

from ros2_double._state import jazzy


class SubstitutionFailure(RuntimeError):
    pass


class InvalidConditionExpressionError(RuntimeError):
    def __init__(self, predicate_expression_text, valid_expressions):
        super().__init__(f"invalid condition expression '{predicate_expression_text}', "
                         f'expected one of: {valid_expressions}')


class InvalidPythonLaunchFileError(Exception):
    pass


class InvalidLaunchFileError(Exception):
    pass


class LaunchContext:
    def __init__(self, *, argv=None, noninteractive=False):
        self.argv = argv or []
        self.noninteractive = noninteractive
        self.launch_configurations = {}
        self._config_stack = []
        self.environment = dict(os.environ)
        self._env_stack = []
        self.locals = _Locals()
        self._locals_stack = []
        self._double_processes = []
        self._double_delay = 0.0
        self.is_shutdown = False

    def perform_substitution(self, substitution):
        return substitution.perform(self)

    def extend_locals(self, extensions):
        self.locals.__dict__.update(extensions)

    def extend_globals(self, extensions):
        self.locals.__dict__.update(extensions)

    def get_locals_as_dict(self):
        return dict(self.locals.__dict__)

    def _push_locals(self):
        self._locals_stack.append(dict(self.locals.__dict__))

    def _pop_locals(self):
        self.locals.__dict__.clear()
        self.locals.__dict__.update(self._locals_stack.pop())

    def _push_launch_configurations(self):
        self._config_stack.append(dict(self.launch_configurations))

    def _pop_launch_configurations(self):
        if not self._config_stack:
            raise RuntimeError('launch_configurations stack unexpectedly empty')
        self.launch_configurations = self._config_stack.pop()

    def _push_environment(self):
        self._env_stack.append(dict(self.environment))

    def _pop_environment(self):
        self.environment = self._env_stack.pop()


class _Locals:
    pass


# ------------------------------------------------------------------------------------------------ substitutions

class Substitution:
    def describe(self):
        return repr(self)

    def perform(self, context):
        raise NotImplementedError()


class TextSubstitution(Substitution):
    def __init__(self, *, text):
        if not isinstance(text, str):
            raise TypeError(f"TextSubstitution expected Text object got '{type(text)}' instead.")
        self.text = text

    def perform(self, context):
        return self.text

    def describe(self):
        return f"'{self.text}'"


def normalize_to_list_of_substitutions(subs):
    def normalize(x):
        if isinstance(x, Substitution):
            return x
        if isinstance(x, str):
            return TextSubstitution(text=x)
        raise TypeError(f"Failed to normalize given item of type '{type(x)}', when only 'str' or "
                        "'launch.Substitution' were expected.")
    if isinstance(subs, str):
        return [TextSubstitution(text=subs)]
    if isinstance(subs, Substitution):
        return [subs]
    if not isinstance(subs, collections.abc.Iterable):
        raise TypeError(f"'{type(subs).__name__}' object is not iterable")
    return [normalize(y) for y in subs]


def perform_substitutions(context, subs):
    return ''.join(context.perform_substitution(s) for s in subs)


def _perform(context, value):
    return perform_substitutions(context, normalize_to_list_of_substitutions(value))


class LaunchConfiguration(Substitution):
    def __init__(self, variable_name, *, default=None):
        self.variable_name = normalize_to_list_of_substitutions(variable_name)
        if default is None:
            self.default = None
        elif isinstance(default, (str, Substitution)) or (
                isinstance(default, collections.abc.Iterable) and
                all(isinstance(d, (str, Substitution)) for d in default)):
            self.default = normalize_to_list_of_substitutions(default)
        else:
            self.default = normalize_to_list_of_substitutions(str(default))

    def perform(self, context):
        name = perform_substitutions(context, self.variable_name)
        if name in context.launch_configurations:
            return context.launch_configurations[name]
        if self.default is None:
            raise SubstitutionFailure(f"launch configuration '{name}' does not exist")
        return perform_substitutions(context, self.default)


class PathJoinSubstitution(Substitution):
    def __init__(self, substitutions):
        self.substitutions = [normalize_to_list_of_substitutions(s) for s in substitutions]

    def perform(self, context):
        return os.path.join(*[perform_substitutions(context, s) for s in self.substitutions])


class PythonExpression(Substitution):
    def __init__(self, expression, python_modules=('math',)):
        self.expression = normalize_to_list_of_substitutions(expression)
        self.python_modules = python_modules

    def perform(self, context):
        import math
        return str(eval(perform_substitutions(context, self.expression), {}, math.__dict__))


class EnvironmentVariable(Substitution):
    def __init__(self, name, *, default_value=None):
        self.name = normalize_to_list_of_substitutions(name)
        self.default_value = None if default_value is None else normalize_to_list_of_substitutions(default_value)

    def perform(self, context):
        name = perform_substitutions(context, self.name)
        value = context.environment.get(name)
        if value is None:
            if self.default_value is None:
                raise SubstitutionFailure(f"environment variable '{name}' does not exist")
            return perform_substitutions(context, self.default_value)
        return value


class Command(Substitution):
    def __init__(self, command, *, on_stderr='fail'):
        self.command = normalize_to_list_of_substitutions(command)
        self.on_stderr = on_stderr

    def perform(self, context):
        import shlex
        import subprocess
        cmd = shlex.split(perform_substitutions(context, self.command))
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, env=context.environment)
        except OSError as e:
            raise SubstitutionFailure(f'Command failed: {e}')
        if result.returncode != 0:
            raise SubstitutionFailure(f'executed command failed. Command: {cmd}\nCaptured stderr output: '
                                      f'{result.stderr}')
        return result.stdout


class FindExecutable(Substitution):
    def __init__(self, *, name):
        self.name = normalize_to_list_of_substitutions(name)

    def perform(self, context):
        import shutil
        name = perform_substitutions(context, self.name)
        path = shutil.which(name, path=context.environment.get('PATH'))
        if path is None:
            raise SubstitutionFailure(f"executable '{name}' not found on the PATH")
        return path


class ThisLaunchFileDir(Substitution):
    def perform(self, context):
        d = getattr(context.locals, 'current_launch_file_directory', None)
        if d is None:
            raise SubstitutionFailure('ThisLaunchFileDir used outside of a launch file (in a script)')
        return d


class ThisLaunchFile(Substitution):
    def perform(self, context):
        p = getattr(context.locals, 'current_launch_file_path', None)
        if p is None:
            raise SubstitutionFailure('ThisLaunchFile used outside of a launch file (in a script)')
        return p


class AnonName(Substitution):
    def __init__(self, name):
        self.name = normalize_to_list_of_substitutions(name)

    def perform(self, context):
        import random
        name = perform_substitutions(context, self.name)
        key = f'anon{name}'
        if key not in context.launch_configurations:
            context.launch_configurations[key] = f'{name}_{random.randint(0, 2**31)}'
        return context.launch_configurations[key]


def _bool(text):
    t = text.strip().lower()
    if t in ('true', '1'):
        return True
    if t in ('false', '0'):
        return False
    raise SubstitutionFailure(f'invalid boolean value: {text}')


def _bool_text(v):
    return str(v).lower()


class NotSubstitution(Substitution):
    def __init__(self, value):
        self.value = normalize_to_list_of_substitutions(value)

    def perform(self, context):
        return _bool_text(not _bool(perform_substitutions(context, self.value)))


class AndSubstitution(Substitution):
    def __init__(self, left, right):
        self.left, self.right = normalize_to_list_of_substitutions(left), normalize_to_list_of_substitutions(right)

    def perform(self, context):
        left = _bool(perform_substitutions(context, self.left))
        return _bool_text(left and _bool(perform_substitutions(context, self.right)))


class OrSubstitution(AndSubstitution):
    def perform(self, context):
        left = _bool(perform_substitutions(context, self.left))
        return _bool_text(left or _bool(perform_substitutions(context, self.right)))


class EqualsSubstitution(Substitution):
    def __init__(self, left, right):
        self.left = normalize_to_list_of_substitutions('' if left is None else str(left) if isinstance(
            left, (bool, int, float)) else left)
        self.right = normalize_to_list_of_substitutions('' if right is None else str(right) if isinstance(
            right, (bool, int, float)) else right)

    def perform(self, context):
        a, b = perform_substitutions(context, self.left), perform_substitutions(context, self.right)
        for x, y in ((a, b),):
            try:
                return _bool_text(_bool(x) == _bool(y))
            except SubstitutionFailure:
                pass
            try:
                return _bool_text(float(x) == float(y))
            except ValueError:
                pass
        return _bool_text(a == b)


class NotEqualsSubstitution(EqualsSubstitution):
    def perform(self, context):
        return _bool_text(not _bool(super().perform(context)))


class IfElseSubstitution(Substitution):
    def __init__(self, condition, if_value='', else_value=''):
        self.condition = normalize_to_list_of_substitutions(condition)
        self.if_value = normalize_to_list_of_substitutions(if_value)
        self.else_value = normalize_to_list_of_substitutions(else_value)

    def perform(self, context):
        chosen = self.if_value if _bool(perform_substitutions(context, self.condition)) else self.else_value
        return perform_substitutions(context, chosen)


# ------------------------------------------------------------------------------------------------ conditions

class Condition:
    def __init__(self, *, predicate=None):
        self._predicate = predicate

    def evaluate(self, context):
        return self._predicate(context) if self._predicate else False


VALID_TRUE = ['true', '1']
VALID_FALSE = ['false', '0']


def evaluate_condition_expression(context, expression):
    text = perform_substitutions(context, expression).strip().lower()
    if text in VALID_TRUE:
        return True
    if text in VALID_FALSE:
        return False
    raise InvalidConditionExpressionError(text, VALID_TRUE + VALID_FALSE)


class IfCondition(Condition):
    def __init__(self, predicate_expression):
        self._expr = normalize_to_list_of_substitutions(predicate_expression)
        super().__init__(predicate=lambda context: evaluate_condition_expression(context, self._expr))


class UnlessCondition(Condition):
    def __init__(self, predicate_expression):
        self._expr = normalize_to_list_of_substitutions(predicate_expression)
        super().__init__(predicate=lambda context: not evaluate_condition_expression(context, self._expr))


class LaunchConfigurationEquals(Condition):
    def __init__(self, launch_configuration_name, expected_value):
        self._name = launch_configuration_name
        self._expected = None if expected_value is None else normalize_to_list_of_substitutions(expected_value)
        if jazzy():
            warnings.warn('The LaunchConfigurationEquals condition is deprecated. Use IfCondition with '
                          'EqualsSubstitution instead.')
        super().__init__(predicate=self._eval)

    def _eval(self, context):
        expected = None if self._expected is None else perform_substitutions(context, self._expected)
        return context.launch_configurations.get(self._name) == expected


class LaunchConfigurationNotEquals(LaunchConfigurationEquals):
    def _eval(self, context):
        return not super()._eval(context)


# ------------------------------------------------------------------------------------------------ entities

class LaunchDescriptionEntity:
    def visit(self, context):
        return None

    def get_sub_entities(self):
        return []


class Action(LaunchDescriptionEntity):
    def __init__(self, *, condition=None):
        self.__condition = condition

    @property
    def condition(self):
        return self.__condition

    def visit(self, context):
        if self.__condition is None or self.__condition.evaluate(context):
            return self.execute(context)
        return None

    def execute(self, context):
        return None


class LaunchDescription(LaunchDescriptionEntity):
    def __init__(self, initial_entities=None, *, deprecated_reason=None):
        self.__entities = list(initial_entities) if initial_entities is not None else []
        for e in self.__entities:
            if not isinstance(e, LaunchDescriptionEntity):
                raise TypeError(f'LaunchDescription entities must be LaunchDescriptionEntity, got {type(e)}')
        self.__deprecated_reason = deprecated_reason

    @property
    def entities(self):
        return self.__entities

    @property
    def deprecated(self):
        return self.__deprecated_reason is not None

    def add_entity(self, entity):
        self.__entities.append(entity)

    def add_action(self, action):
        self.add_entity(action)

    def visit(self, context):
        return self.__entities

    def get_sub_entities(self):
        return self.__entities

    def get_launch_arguments(self, conditional_inclusion=False):
        from .actions import DeclareLaunchArgument, IncludeLaunchDescription
        declared = []
        seen = set()

        def walk(entities, nested_conditional):
            for e in entities:
                if isinstance(e, DeclareLaunchArgument):
                    if e.name not in seen:
                        seen.add(e.name)
                        e._conditionally_included = nested_conditional or e.condition is not None
                        declared.append(e)
                elif isinstance(e, IncludeLaunchDescription):
                    continue
                else:
                    cond = nested_conditional or getattr(e, 'condition', None) is not None
                    walk(e.get_sub_entities(), cond)
        walk(self.__entities, False)
        return declared


def visit_all(entity, context):
    """Depth-first evaluation like LaunchService: visit, then visit the returned entities in order."""
    subs = entity.visit(context)
    for sub in subs or []:
        visit_all(sub, context)

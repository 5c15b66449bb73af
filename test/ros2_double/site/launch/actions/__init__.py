"""launch.actions of the double (constructor checks as in launch 1.0.x / 3.4.x; processes are recorded)."""

import collections.abc
import os
import warnings

from ros2_double._state import jazzy

from .._core import (Action, LaunchDescriptionEntity, Substitution, normalize_to_list_of_substitutions,
                     perform_substitutions)


def ensure_argument_type(argument, types, argument_name, caller=None):
    if not isinstance(types, (list, tuple)):
        types = [types]
    if not any(isinstance(argument, t) for t in types):
        raise TypeError(f"{caller or 'unknown'}: Expected '{argument_name}' to be one of "
                        f"{[getattr(t, '__name__', t) for t in types]}, but got '{type(argument)}'")


class DeclareLaunchArgument(Action):
    def __init__(self, name, *, default_value=None, description=None, choices=None, **kwargs):
        super().__init__(**kwargs)
        self.__name = name
        self.__default_value = None if default_value is None else normalize_to_list_of_substitutions(default_value)
        if choices is not None:
            if len(choices) == 0:
                raise RuntimeError('Provided choices arg is empty. Use None to ignore the choice list.')
            if isinstance(default_value, str) and default_value not in choices:
                raise RuntimeError(f"Provided default_value '{default_value}' is not in provided choices "
                                   f"'{choices}'.")
        self.__choices = choices
        if description is None:
            description = 'no description given'
        if choices is not None:
            description += ' Valid choices are: ' + str(choices)
        self.__description = description
        self._conditionally_included = False

    @property
    def name(self):
        return self.__name

    @property
    def default_value(self):
        return self.__default_value

    @property
    def description(self):
        return self.__description

    @property
    def choices(self):
        return self.__choices

    def execute(self, context):
        if self.__name not in context.launch_configurations:
            if self.__default_value is None:
                raise RuntimeError(f'Required launch argument "{self.__name}" (description: '
                                   f'"{self.__description}") was not provided')
            context.launch_configurations[self.__name] = perform_substitutions(context, self.__default_value)
        value = context.launch_configurations[self.__name]
        if self.__choices is not None and value not in self.__choices:
            raise RuntimeError(f"Argument '{self.__name}' provided value '{value}' is not valid. "
                               f'Valid options are: {self.__choices}')


class SetLaunchConfiguration(Action):
    def __init__(self, name, value, **kwargs):
        super().__init__(**kwargs)
        self.__name = normalize_to_list_of_substitutions(name)
        self.__value = normalize_to_list_of_substitutions(value)

    def execute(self, context):
        context.launch_configurations[perform_substitutions(context, self.__name)] = \
            perform_substitutions(context, self.__value)


class UnsetLaunchConfiguration(Action):
    def __init__(self, name, **kwargs):
        super().__init__(**kwargs)
        self.__name = normalize_to_list_of_substitutions(name)

    def execute(self, context):
        context.launch_configurations.pop(perform_substitutions(context, self.__name), None)


class PushLaunchConfigurations(Action):
    def execute(self, context):
        context._push_launch_configurations()


class PopLaunchConfigurations(Action):
    def execute(self, context):
        context._pop_launch_configurations()


class ResetLaunchConfigurations(Action):
    def __init__(self, launch_configurations=None, **kwargs):
        super().__init__(**kwargs)
        self.__configs = launch_configurations

    def execute(self, context):
        keep = {}
        for k, v in (self.__configs or {}).items():
            keep[_perform(context, k)] = _perform(context, v)
        context.launch_configurations.clear()
        context.launch_configurations.update(keep)


class PushEnvironment(Action):
    def execute(self, context):
        context._push_environment()


class PopEnvironment(Action):
    def execute(self, context):
        context._pop_environment()


def _perform(context, value):
    return perform_substitutions(context, normalize_to_list_of_substitutions(value))


class GroupAction(Action):
    def __init__(self, actions, *, scoped=True, forwarding=True, launch_configurations=None, **kwargs):
        super().__init__(**kwargs)
        self.__actions = list(actions)
        self.__scoped = scoped
        self.__forwarding = forwarding
        self.__launch_configurations = launch_configurations or {}

    def get_sub_entities(self):
        return self.__actions

    def execute(self, context):
        sets = [SetLaunchConfiguration(k, v) for k, v in self.__launch_configurations.items()]
        if not self.__scoped:
            return sets + self.__actions
        head = [PushLaunchConfigurations(), PushEnvironment()]
        if not self.__forwarding:
            head.append(ResetLaunchConfigurations(self.__launch_configurations))
        return head + sets + self.__actions + [PopEnvironment(), PopLaunchConfigurations()]


class IncludeLaunchDescription(Action):
    def __init__(self, launch_description_source, *, launch_arguments=None, **kwargs):
        super().__init__(**kwargs)
        from ..launch_description_sources import AnyLaunchDescriptionSource, LaunchDescriptionSource
        if not isinstance(launch_description_source, LaunchDescriptionSource):
            launch_description_source = AnyLaunchDescriptionSource(launch_description_source)
        self.__source = launch_description_source
        self.__launch_arguments = () if launch_arguments is None else tuple(launch_arguments)

    @property
    def launch_arguments(self):
        return self.__launch_arguments

    def get_sub_entities(self):
        return []

    def execute(self, context):
        description = self.__source.get_launch_description(context)
        location = self.__source.location
        performed = []
        for pair in self.__launch_arguments:
            name, value = pair   # a bare dict passes only its keys: unpacking then fails, as in real launch
            performed.append((_perform(context, name), _perform(context, value)))
        names = [n for n, _ in performed]
        for argument in description.get_launch_arguments():
            if argument._conditionally_included or argument.default_value is not None:
                continue
            if argument.name not in names and argument.name not in context.launch_configurations:
                raise RuntimeError(
                    f"Included launch description missing required argument '{argument.name}' "
                    f"(description: '{argument.description}'), given: [{', '.join(names)}]")
        sets = [SetLaunchConfiguration(n, v) for n, v in performed]
        context.extend_locals({'current_launch_file_path': location,
                               'current_launch_file_directory': os.path.dirname(location)})
        return sets + [description]


class TimerAction(Action):
    def __init__(self, *, period, actions, cancel_on_shutdown=True, **kwargs):
        super().__init__(**kwargs)
        ensure_argument_type(period, (float, str, Substitution, collections.abc.Iterable), 'period',
                             'TimerAction')
        if isinstance(period, str):
            warnings.warn('The period argument as a string is deprecated; use a float', DeprecationWarning)
        self.__period = period
        self.__actions = list(actions)
        self.cancel_on_shutdown = cancel_on_shutdown

    @property
    def period(self):
        return self.__period

    def get_sub_entities(self):
        return self.__actions

    def execute(self, context):
        period = self.__period if isinstance(self.__period, float) else float(_perform(context, self.__period))
        return [_Delay(period)] + self.__actions + [_Delay(-period)]


class _Delay(Action):
    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def execute(self, context):
        context._double_delay += self.seconds


class ExecuteLocal(Action):
    pass


class ExecuteProcess(ExecuteLocal):
    def __init__(self, *, cmd, prefix=None, name=None, cwd=None, env=None, additional_env=None, shell=False,
                 sigterm_timeout=5, sigkill_timeout=5, emulate_tty=False, output='log',
                 output_format='[{this.process_description.final_name}] {line}', cached_output=False,
                 log_cmd=False, on_exit=None, respawn=False, respawn_delay=None, **kwargs):
        if 'respawn_max_retries' in kwargs and jazzy():
            self.respawn_max_retries = kwargs.pop('respawn_max_retries')
        super().__init__(**kwargs)
        self.cmd = [normalize_to_list_of_substitutions(c) for c in cmd]
        self.prefix = None if prefix is None else normalize_to_list_of_substitutions(prefix)
        self.name = None if name is None else normalize_to_list_of_substitutions(name)
        self.cwd, self.env, self.additional_env, self.shell = cwd, env, additional_env, shell
        self.output = output
        self.respawn, self.respawn_delay, self.emulate_tty = respawn, respawn_delay, emulate_tty
        self.on_exit = on_exit

    def _double_record(self, context, **extra):
        record = {'kind': 'process', 'package': None, 'executable': None, 'name': None, 'namespace': None,
                  'parameters': [], 'remappings': [], 'arguments': [],
                  'cmd': [perform_substitutions(context, c) for c in self.cmd],
                  'output': _perform(context, self.output) if not isinstance(self.output, dict) else self.output,
                  'respawn': _perform(context, self.respawn) if not isinstance(self.respawn, bool)
                  else self.respawn,
                  'delay': context._double_delay, 'env': dict(context.environment)}
        if self.name is not None:
            record['name'] = perform_substitutions(context, self.name)
        record.update(extra)
        return record

    def execute(self, context):
        context._double_processes.append(self._double_record(context))


class OpaqueFunction(Action):
    def __init__(self, *, function, args=None, kwargs=None, **left_over_kwargs):
        super().__init__(**left_over_kwargs)
        if not callable(function):
            raise TypeError("OpaqueFunction expected a callable for 'function', got '{}'".format(type(function)))
        self.function, self.args, self.kwargs = function, args or [], kwargs or {}

    def execute(self, context):
        return self.function(context, *self.args, **self.kwargs)


class LogInfo(Action):
    def __init__(self, *, msg, **kwargs):
        super().__init__(**kwargs)
        self.msg = normalize_to_list_of_substitutions(msg)

    def execute(self, context):
        from ros2_double._state import LOGS
        LOGS.append({'severity': 20, 'name': 'launch.user', 'message': perform_substitutions(context, self.msg),
                     'time': 0.0})


class SetEnvironmentVariable(Action):
    def __init__(self, name, value, **kwargs):
        super().__init__(**kwargs)
        self.name = normalize_to_list_of_substitutions(name)
        self.value = normalize_to_list_of_substitutions(value)

    def execute(self, context):
        context.environment[perform_substitutions(context, self.name)] = perform_substitutions(context, self.value)


class UnsetEnvironmentVariable(Action):
    def __init__(self, name, **kwargs):
        super().__init__(**kwargs)
        self.name = normalize_to_list_of_substitutions(name)

    def execute(self, context):
        context.environment.pop(perform_substitutions(context, self.name), None)


class AppendEnvironmentVariable(Action):
    def __init__(self, name, value, *, prepend=False, separator=os.pathsep, **kwargs):
        super().__init__(**kwargs)
        self.name = normalize_to_list_of_substitutions(name)
        self.value = normalize_to_list_of_substitutions(value)
        self.prepend, self.separator = prepend, separator

    def execute(self, context):
        name = perform_substitutions(context, self.name)
        value = perform_substitutions(context, self.value)
        old = context.environment.get(name)
        if old:
            value = f'{value}{self.separator}{old}' if self.prepend else f'{old}{self.separator}{value}'
        context.environment[name] = value


class RegisterEventHandler(Action):
    """Event handlers never fire in a static evaluation; their start/exit entities are recorded as deferred."""

    def __init__(self, event_handler, **kwargs):
        super().__init__(**kwargs)
        self.event_handler = event_handler

    def execute(self, context):
        entities = getattr(self.event_handler, '_double_entities', [])
        return [_Deferred(True)] + list(entities) + [_Deferred(False)]


class _Deferred(Action):
    def __init__(self, on):
        super().__init__()
        self.on = on

    def execute(self, context):
        context._double_deferred = self.on


class Shutdown(Action):
    def __init__(self, *, reason='reason not given', **kwargs):
        super().__init__(**kwargs)
        self.reason = reason


class EmitEvent(Action):
    def __init__(self, *, event, **kwargs):
        super().__init__(**kwargs)
        self.event = event


__all__ = ['DeclareLaunchArgument', 'SetLaunchConfiguration', 'UnsetLaunchConfiguration', 'GroupAction',
           'IncludeLaunchDescription', 'TimerAction', 'ExecuteProcess', 'ExecuteLocal', 'OpaqueFunction', 'LogInfo',
           'SetEnvironmentVariable', 'UnsetEnvironmentVariable', 'AppendEnvironmentVariable',
           'RegisterEventHandler', 'Shutdown', 'EmitEvent', 'PushLaunchConfigurations', 'PopLaunchConfigurations',
           'ResetLaunchConfigurations', 'LaunchDescriptionEntity']

"""rclpy.node.Node over the in-process graph: entities, names, parameters (exact rclpy semantics), time source."""

import math
import re
import warnings
import weakref

from ros2_double._state import jazzy

from . import _arguments
from ._graph import GRAPH
from ._names import (expand_topic_name, normalize_namespace, validate_full_topic_name, validate_namespace,
                     validate_node_name)
from .callback_groups import MutuallyExclusiveCallbackGroup
from .client import Client
from .clock import ROSClock
from .clock_type import ClockType
from .exceptions import (InvalidHandle, InvalidParameterTypeException, InvalidParameterValueException,
                         NotInitializedException, ParameterAlreadyDeclaredException, ParameterImmutableException,
                         ParameterNotDeclaredException, ParameterUninitializedException)
from .exceptions import InvalidParameterException
from .guard_condition import GuardCondition
from .impl.rcutils_logger import RcutilsLogger
from .parameter import Parameter, PARAMETER_SEPARATOR_STRING, parameter_value_to_python
from .publisher import Publisher, connected
from .qos import (QoSProfile, ReliabilityPolicy, incompatible_policy, qos_profile_parameter_events,
                  qos_profile_services_default)
from .service import Service
from .subscription import Subscription
from .time import Time
from .timer import Rate, Timer
from .type_support import check_is_valid_msg_type, check_is_valid_srv_type
from .utilities import get_default_context

USE_SIM_TIME_NAME = 'use_sim_time'
CLOCK_TOPIC = '/clock'


class Node:
    PARAM_REL_TOL = 1e-6

    def __init__(self, node_name, *, context=None, cli_args=None, namespace=None, use_global_arguments=True,
                 enable_rosout=True, start_parameter_services=True, parameter_overrides=None,
                 allow_undeclared_parameters=False, automatically_declare_parameters_from_overrides=False,
                 **kwargs):
        if kwargs and not (jazzy() and set(kwargs) <= {'enable_logger_service'}):
            raise TypeError(f"Node.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")
        self.__handle = None
        self._double_destroyed = False
        self._context = get_default_context() if context is None else context
        self._parameters = {}
        self._descriptors = {}
        self.__publishers = []
        self.__subscriptions = []
        self.__clients = []
        self.__services = []
        self.__timers = []
        self.__guards = []
        self.__waitables = []
        self._parameters_callbacks = []
        self._pre_set_parameters_callbacks = []
        self._post_set_parameters_callbacks = []
        self._rate_group = None
        self._allow_undeclared_parameters = allow_undeclared_parameters
        self._default_callback_group = MutuallyExclusiveCallbackGroup()
        self.__executor = None

        if not self._context.ok():
            raise NotInitializedException('cannot create node')
        if cli_args is not None and (isinstance(cli_args, str) or not all(isinstance(a, str) for a in cli_args)):
            raise TypeError('cli_args must be a list of strings')
        args = _arguments.Arguments()
        if use_global_arguments:
            g = self._context._arguments
            args.remaps += g.remaps
            args.params += g.params
        local = _arguments.Arguments(cli_args or [])
        args.remaps += local.remaps
        args.params += local.params
        self._arguments = args

        # __node / __ns remaps apply before validation, like rcl
        for node, lhs, rhs in args.remaps:
            if node in (None, node_name):
                if lhs == '__node' or lhs == '__name':
                    node_name = rhs
                elif lhs == '__ns':
                    namespace = rhs
        validate_node_name(node_name)
        namespace = normalize_namespace(namespace)
        validate_namespace(namespace)
        self._name, self._namespace = node_name, namespace
        self.__handle = self
        self._logger = RcutilsLogger(self._logger_name())
        self.__node_weakref = weakref.ref(self)

        # parameter overrides: global args, then cli_args, then parameter_overrides (later wins)
        self._parameter_overrides = {}
        fqn = self.get_fully_qualified_name()
        for item in args.params:
            if item[0] == 'file':
                for name, value in _arguments.yaml_params_for(item[1], fqn).items():
                    self._parameter_overrides[name] = Parameter(name, value=_param_value(value))
            elif item[1] in (None, node_name):
                self._parameter_overrides[item[2]] = Parameter(item[2], value=_param_value(item[3]))
        for p in parameter_overrides or []:
            if not isinstance(p, Parameter):
                raise TypeError('parameter_overrides must be a list of rclpy.parameter.Parameter')
            self._parameter_overrides[p.name] = p

        with GRAPH.lock:
            GRAPH.nodes.append(self)
        from rcl_interfaces.msg import ParameterEvent
        self._parameter_event_publisher = self.create_publisher(
            ParameterEvent, '/parameter_events', qos_profile_parameter_events)
        self._rosout = None
        if enable_rosout:
            from rcl_interfaces.msg import Log
            self._rosout = Publisher((self, '/rosout'), _valid(Log), '/rosout',
                                     QoSProfile(depth=1000, durability=1), None, None)
            with GRAPH.lock:
                GRAPH.publishers.append(self._rosout)

        if automatically_declare_parameters_from_overrides:
            self.declare_parameters('', [(name, p.value) for name, p in self._parameter_overrides.items()],
                                    ignore_override=True)

        self._clock = ROSClock()
        self._time_source = _TimeSource(self)
        if jazzy() and not self.has_parameter('start_type_description_service'):
            from rcl_interfaces.msg import ParameterDescriptor
            self.declare_parameter('start_type_description_service', True,
                                   ParameterDescriptor(read_only=True))
        if start_parameter_services:
            _ParameterService(self)

    # ------------------------------------------------------------------------------------------ basics

    def _logger_name(self):
        ns = self._namespace.strip('/').replace('/', '.')
        return f'{ns}.{self._name}' if ns else self._name

    def _check(self):
        if self._double_destroyed:
            raise InvalidHandle('Tried to use a handle that has been destroyed.')

    @property
    def handle(self):
        self._check()
        return self.__handle

    @handle.setter
    def handle(self, value):
        raise AttributeError('handle cannot be modified after node creation')

    @property
    def context(self):
        return self._context

    @property
    def executor(self):
        return self.__executor

    @executor.setter
    def executor(self, new_executor):
        current = self.__executor
        if current is new_executor:
            return
        if current is not None:
            current.remove_node(self)
        if new_executor is None:
            self.__executor = None
        else:
            new_executor.add_node(self)
            self.__executor = new_executor

    @property
    def default_callback_group(self):
        return self._default_callback_group

    @property
    def publishers(self):
        yield from self.__publishers

    @property
    def subscriptions(self):
        yield from self.__subscriptions

    @property
    def clients(self):
        yield from self.__clients

    @property
    def services(self):
        yield from self.__services

    @property
    def timers(self):
        yield from self.__timers

    @property
    def guards(self):
        yield from self.__guards

    @property
    def waitables(self):
        yield from self.__waitables

    def _double_entities(self):
        return [*self.__timers, *self.__subscriptions, *self.__guards, *self.__clients, *self.__services]

    def get_name(self):
        self._check()
        return self._name

    def get_namespace(self):
        self._check()
        return self._namespace

    def get_fully_qualified_name(self):
        ns = self._namespace.rstrip('/')
        return f'{ns}/{self._name}'

    def get_clock(self):
        return self._clock

    def get_logger(self):
        return self._logger

    # ------------------------------------------------------------------------------------------ names

    def resolve_topic_name(self, topic, *, only_expand=False):
        return self._resolve(topic, False, only_expand)

    def resolve_service_name(self, service, *, only_expand=False):
        return self._resolve(service, True, only_expand)

    def _resolve(self, name, is_service, only_expand=False):
        expanded = expand_topic_name(name, self._name, self._namespace, is_service=is_service)
        if only_expand:
            return expanded
        for node, lhs, rhs in self._arguments.remaps:
            if node not in (None, self._name) or lhs.startswith('__'):
                continue
            try:
                if expand_topic_name(lhs, self._name, self._namespace, is_service=is_service) == expanded:
                    return expand_topic_name(rhs, self._name, self._namespace, is_service=is_service)
            except Exception:
                continue
        return expanded

    # ------------------------------------------------------------------------------------------ entities

    def _qos(self, qos_profile):
        if isinstance(qos_profile, QoSProfile):
            return qos_profile
        if isinstance(qos_profile, int):
            if qos_profile < 0:
                raise ValueError('history depth must be greater than or equal to zero')
            return QoSProfile(depth=qos_profile)
        raise TypeError('Expected QoSProfile or int, but received {!r}'.format(type(qos_profile)))

    def create_publisher(self, msg_type, topic, qos_profile, *, callback_group=None, event_callbacks=None,
                         qos_overriding_options=None, publisher_class=Publisher):
        self._check()
        qos_profile = self._qos(qos_profile)
        callback_group = callback_group or self.default_callback_group
        check_is_valid_msg_type(msg_type)
        full = self._resolve(topic, False)
        pub = publisher_class((self, full), msg_type, topic, qos_profile, event_callbacks, callback_group)
        with GRAPH.lock:
            GRAPH.publishers.append(pub)
            subs = [s for s in GRAPH.subscriptions if s.topic_name == full]
        self.__publishers.append(pub)
        for sub in subs:
            _warn_incompatible(pub, sub, new_is_publisher=True)
        GRAPH.notify()
        return pub

    def create_subscription(self, msg_type, topic, callback, qos_profile, *, callback_group=None,
                            event_callbacks=None, qos_overriding_options=None, raw=False):
        self._check()
        qos_profile = self._qos(qos_profile)
        callback_group = callback_group or self.default_callback_group
        check_is_valid_msg_type(msg_type)
        full = self._resolve(topic, False)
        sub = Subscription((self, full), msg_type, topic, callback, callback_group, qos_profile, raw,
                           event_callbacks)
        with GRAPH.lock:
            pubs = [p for p in GRAPH.publishers if p.topic_name == full]
            for pub in pubs:
                # transient local: a late joiner gets the publisher's stored messages
                if pub._history and connected(pub, sub) and sub.qos_profile.durability == 1:
                    for msg, stamp, seq in pub._history:
                        from ros2_double._msggen import copy_message
                        sub._double_enqueue(copy_message(msg), stamp, seq)
            GRAPH.subscriptions.append(sub)
        self.__subscriptions.append(sub)
        for pub in pubs:
            _warn_incompatible(pub, sub, new_is_publisher=False)
        GRAPH.notify()
        return sub

    def create_client(self, srv_type, srv_name, *, qos_profile=qos_profile_services_default, callback_group=None):
        self._check()
        if callback_group is None:
            callback_group = self.default_callback_group
        check_is_valid_srv_type(srv_type)
        full = self._resolve(srv_name, True)
        client = Client(self.context, (self, full), srv_type, srv_name, qos_profile, callback_group)
        with GRAPH.lock:
            GRAPH.clients.append(client)
        self.__clients.append(client)
        return client

    def create_service(self, srv_type, srv_name, callback, *, qos_profile=qos_profile_services_default,
                       callback_group=None):
        self._check()
        if callback_group is None:
            callback_group = self.default_callback_group
        check_is_valid_srv_type(srv_type)
        full = self._resolve(srv_name, True)
        service = Service((self, full), srv_type, srv_name, callback, callback_group, qos_profile)
        with GRAPH.lock:
            GRAPH.services.append(service)
        self.__services.append(service)
        GRAPH.notify()
        return service

    def create_timer(self, timer_period_sec, callback, callback_group=None, clock=None, autostart=True):
        self._check()
        timer_period_nsec = int(float(timer_period_sec) * 1e9)
        if callback_group is None:
            callback_group = self.default_callback_group
        if clock is None:
            clock = self._clock
        timer = Timer(callback, callback_group, timer_period_nsec, clock, context=self.context,
                      autostart=autostart)
        timer._node = self
        self.__timers.append(timer)
        GRAPH.notify()
        return timer

    def create_guard_condition(self, callback, callback_group=None):
        self._check()
        if callback_group is None:
            callback_group = self.default_callback_group
        guard = GuardCondition(callback, callback_group, context=self.context)
        guard._node = self
        self.__guards.append(guard)
        return guard

    def create_rate(self, frequency, clock=None):
        if frequency <= 0:
            raise ValueError('frequency must be > 0')
        from .callback_groups import ReentrantCallbackGroup
        if self._rate_group is None:
            self._rate_group = ReentrantCallbackGroup()
        timer = self.create_timer(1.0 / frequency, lambda: None, callback_group=self._rate_group, clock=clock)
        return Rate(timer, context=self.context)

    def destroy_publisher(self, publisher):
        if publisher in self.__publishers:
            self.__publishers.remove(publisher)
            publisher._double_destroy()
            return True
        return False

    def destroy_subscription(self, subscription):
        if subscription in self.__subscriptions:
            self.__subscriptions.remove(subscription)
            subscription._double_destroy()
            return True
        return False

    def destroy_client(self, client):
        if client in self.__clients:
            self.__clients.remove(client)
            client._double_destroy()
            return True
        return False

    def destroy_service(self, service):
        if service in self.__services:
            self.__services.remove(service)
            service._double_destroy()
            return True
        return False

    def destroy_timer(self, timer):
        if timer in self.__timers:
            self.__timers.remove(timer)
            timer._double_destroy()
            return True
        return False

    def destroy_guard_condition(self, guard):
        if guard in self.__guards:
            self.__guards.remove(guard)
            guard._double_destroy()
            return True
        return False

    def destroy_rate(self, rate):
        rate.destroy()
        return self.destroy_timer(rate._timer)

    def destroy_node(self):
        for entity in [*self.__publishers, *self.__subscriptions, *self.__clients, *self.__services,
                       *self.__timers, *self.__guards]:
            entity._double_destroy()
        self.__publishers, self.__subscriptions, self.__clients = [], [], []
        self.__services, self.__timers, self.__guards = [], [], []
        if self._rosout is not None:
            self._rosout._double_destroy()
        with GRAPH.lock:
            if self in GRAPH.nodes:
                GRAPH.nodes.remove(self)
        if self.__executor is not None:
            self.__executor.remove_node(self)
        self._double_destroyed = True
        GRAPH.notify()

    # ------------------------------------------------------------------------------------------ graph

    def count_publishers(self, topic_name):
        self._check()
        full = expand_topic_name(topic_name, self._name, self._namespace)
        validate_full_topic_name(full)
        with GRAPH.lock:
            return sum(1 for p in GRAPH.publishers if p._topic_name == full and not p._destroyed)

    def count_subscribers(self, topic_name):
        self._check()
        full = expand_topic_name(topic_name, self._name, self._namespace)
        validate_full_topic_name(full)
        with GRAPH.lock:
            return sum(1 for s in GRAPH.subscriptions if s._topic_name == full and not s._destroyed)

    if jazzy():
        def count_clients(self, service_name):
            self._check()
            full = expand_topic_name(service_name, self._name, self._namespace, is_service=True)
            with GRAPH.lock:
                return sum(1 for c in GRAPH.clients if c._service_name == full)

        def count_services(self, service_name):
            self._check()
            full = expand_topic_name(service_name, self._name, self._namespace, is_service=True)
            with GRAPH.lock:
                return sum(1 for s in GRAPH.services if s._service_name == full)

        def get_fully_qualified_node_names(self):
            with GRAPH.lock:
                return [n.get_fully_qualified_name() for n in GRAPH.nodes]

        def wait_for_node(self, fully_qualified_node_name, timeout_sec):
            import time
            if not fully_qualified_node_name.startswith('/'):
                fully_qualified_node_name = f'/{fully_qualified_node_name}'
            end = time.monotonic() + timeout_sec
            while time.monotonic() < end:
                if fully_qualified_node_name in self.get_fully_qualified_node_names():
                    return True
                time.sleep(0.1)
            return fully_qualified_node_name in self.get_fully_qualified_node_names()

    def get_node_names(self):
        with GRAPH.lock:
            return [n._name for n in GRAPH.nodes]

    def get_node_names_and_namespaces(self):
        with GRAPH.lock:
            return [(n._name, n._namespace) for n in GRAPH.nodes]

    def get_topic_names_and_types(self, no_demangle=False):
        out = {}
        with GRAPH.lock:
            for e in [*GRAPH.publishers, *GRAPH.subscriptions]:
                out.setdefault(e._topic_name, set()).add(_type_name(e.msg_type, 'msg'))
        return sorted((k, sorted(v)) for k, v in out.items())

    def get_service_names_and_types(self):
        out = {}
        with GRAPH.lock:
            for s in GRAPH.services:
                out.setdefault(s._service_name, set()).add(_type_name(s.srv_type, 'srv'))
        return sorted((k, sorted(v)) for k, v in out.items())

    def get_publishers_info_by_topic(self, topic_name, no_mangle=False):
        full = self.resolve_topic_name(topic_name)
        with GRAPH.lock:
            return [_EndpointInfo(p) for p in GRAPH.publishers if p._topic_name == full]

    def get_subscriptions_info_by_topic(self, topic_name, no_mangle=False):
        full = self.resolve_topic_name(topic_name)
        with GRAPH.lock:
            return [_EndpointInfo(s) for s in GRAPH.subscriptions if s._topic_name == full]

    # ------------------------------------------------------------------------------------------ parameters

    def declare_parameter(self, name, value=None, descriptor=None, ignore_override=False):
        if value is None and descriptor is None:
            args = (name, )
        else:
            from rcl_interfaces.msg import ParameterDescriptor
            descriptor = ParameterDescriptor() if descriptor is None else descriptor
            args = (name, value, descriptor)
        return self.declare_parameters('', [args], ignore_override)[0]

    def declare_parameters(self, namespace, parameters, ignore_override=False):
        from rcl_interfaces.msg import ParameterDescriptor, ParameterValue, ParameterType
        parameter_list = []
        descriptors = {}
        for index, parameter_tuple in enumerate(parameters):
            if len(parameter_tuple) < 1 or len(parameter_tuple) > 3:
                raise TypeError(
                    'Invalid parameter tuple length at index {index} in parameters list: '
                    '{parameter_tuple}; expecting length between 1 and 3'.format_map(locals()))
            value = None
            name = parameter_tuple[0]
            second_arg = parameter_tuple[1] if 1 < len(parameter_tuple) else None
            descriptor = parameter_tuple[2] if 2 < len(parameter_tuple) else ParameterDescriptor()
            if not isinstance(name, str):
                raise TypeError(f'First element {name} at index {index} in parameters list is not a str.')
            if not isinstance(descriptor, ParameterDescriptor):
                raise TypeError(
                    f'Third element {descriptor} at index {index} in parameters list '
                    'is not a rcl_interfaces.msg.ParameterDescriptor.')
            if len(parameter_tuple) == 1:
                warnings.warn(
                    f"when declaring parameter named '{name}', "
                    'declaring a parameter only providing its name is deprecated. '
                    'You have to either:\n'
                    '\t- Pass a name and a default value different to "PARAMETER NOT SET"'
                    ' (and optionally a descriptor).\n'
                    '\t- Pass a name and a parameter type.\n'
                    '\t- Pass a name and a descriptor with `dynamic_typing=True')
                descriptor.dynamic_typing = True
            if isinstance(second_arg, Parameter.Type):
                if second_arg == Parameter.Type.NOT_SET:
                    raise ValueError(f'Cannot declare parameter {{{name}}} as statically typed of type NOT_SET')
                if descriptor.dynamic_typing is True:
                    raise ValueError(
                        f'When declaring parameter {{{name}}} passing a descriptor with'
                        '`dynamic_typing=True` is not allowed when the parameter type is provided')
                descriptor.type = second_arg.value
            else:
                value = second_arg
                if not descriptor.dynamic_typing and value is not None:
                    if not isinstance(value, ParameterValue):
                        descriptor.type = Parameter.Type.from_parameter_value(value).value
                    else:
                        if value.type == ParameterType.PARAMETER_NOT_SET:
                            raise ValueError(
                                'Cannot declare a Parameter from a ParameterValue without it being initialized')
                        descriptor.type = value.type
            full_name = namespace + PARAMETER_SEPARATOR_STRING + name if namespace else name
            if not full_name:
                raise InvalidParameterException(full_name)
            # H looks the override up before adding the namespace prefix (a bug J fixed)
            override_key = full_name if jazzy() else name
            if not ignore_override and override_key in self._parameter_overrides:
                value = self._parameter_overrides[override_key].value
            else:
                if isinstance(value, ParameterValue):
                    value = parameter_value_to_python(value)
                if jazzy() and value is None and not descriptor.dynamic_typing and \
                        not isinstance(second_arg, Parameter.Type):
                    raise ValueError('Cannot declare a statically typed parameter with default value '
                                     'of type PARAMETER_NOT_SET')
            parameter_list.append(Parameter(full_name, value=value))
            descriptors.update({full_name: descriptor})

        already = [p.name for p in parameter_list if p.name in self._parameters]
        if any(already):
            raise ParameterAlreadyDeclaredException(already)
        self._declare_parameter_common(parameter_list, descriptors)
        return [self._parameters[p.name] for p in parameter_list]

    def _declare_parameter_common(self, parameter_list, descriptors):
        for parameter in parameter_list:
            result = self._set_parameters_atomically_common([parameter], descriptors, allow_not_set_type=True)
            if not result.successful:
                if result.reason.startswith('Wrong parameter type'):
                    raise InvalidParameterTypeException(parameter, re.sub(r'\(.*?\)', '', result.reason))
                raise InvalidParameterValueException(parameter.name, parameter.value, result.reason)
            for cb in self._post_set_parameters_callbacks:
                cb([parameter])

    def undeclare_parameter(self, name):
        if self.has_parameter(name):
            if self._descriptors[name].read_only:
                raise ParameterImmutableException(name)
            del self._parameters[name]
            del self._descriptors[name]
        else:
            raise ParameterNotDeclaredException(name)

    def has_parameter(self, name):
        return name in self._parameters

    def get_parameter_types(self, names):
        types = []
        for name in names:
            if self.has_parameter(name):
                types.append(self._parameters[name].type_.value)
            else:
                types.append(Parameter.Type.NOT_SET.value)
        return types

    def get_parameter_type(self, name):
        self._check_undeclared_parameters([Parameter(name)])
        return self._parameters[name].type_.value if self.has_parameter(name) else Parameter.Type.NOT_SET.value

    def get_parameters(self, names):
        if not all(isinstance(name, str) for name in names):
            raise TypeError('All names must be instances of type str')
        return [self.get_parameter(name) for name in names]

    def get_parameter(self, name):
        if self.has_parameter(name):
            parameter = self._parameters[name]
            if parameter.type_ != Parameter.Type.NOT_SET or self._descriptors[name].dynamic_typing:
                return parameter
            raise ParameterUninitializedException(name)
        if self._allow_undeclared_parameters:
            return Parameter(name, Parameter.Type.NOT_SET, None)
        raise ParameterNotDeclaredException(name)

    def get_parameter_or(self, name, alternative_value=None):
        if alternative_value is None:
            alternative_value = Parameter(name, Parameter.Type.NOT_SET)
        if not self.has_parameter(name) or self._parameters[name].type_ == Parameter.Type.NOT_SET:
            return alternative_value
        return self._parameters[name]

    def get_parameters_by_prefix(self, prefix):
        parameters_with_prefix = {}
        if prefix:
            prefix = prefix + PARAMETER_SEPARATOR_STRING
        prefix_len = len(prefix)
        for parameter_name in self._parameters:
            if parameter_name.startswith(prefix):
                parameters_with_prefix.update({parameter_name[prefix_len:]: self._parameters.get(parameter_name)})
        return parameters_with_prefix

    def set_parameters(self, parameter_list):
        results = []
        for param in parameter_list:
            if not isinstance(param, Parameter):
                raise TypeError("parameter must be instance of type '{}'".format(repr(Parameter)))
            results.append(self.set_parameters_atomically([param]))
        return results

    def set_parameters_atomically(self, parameter_list):
        self._check_undeclared_parameters(parameter_list)
        if self._pre_set_parameters_callbacks:
            for cb in self._pre_set_parameters_callbacks:
                parameter_list = cb(parameter_list)
            if not parameter_list:
                from rcl_interfaces.msg import SetParametersResult
                return SetParametersResult(
                    successful=False,
                    reason='parameter list cannot be empty, this might be due to pre_set_parameters_callback '
                           'modifying the original parameters list.')
        result = self._set_parameters_atomically_common(parameter_list)
        if result.successful:
            for cb in self._post_set_parameters_callbacks:
                cb(parameter_list)
        return result

    def _set_parameters_atomically_common(self, parameter_list, descriptors=None, allow_not_set_type=False):
        from rcl_interfaces.msg import ParameterEvent, SetParametersResult
        if descriptors is not None:
            for parameter in parameter_list:
                if parameter.name not in descriptors:
                    return SetParametersResult(successful=False,
                                               reason='Attempted to set parameter without a descriptor')
            result = self._apply_descriptors(parameter_list, descriptors, False)
        else:
            result = self._apply_descriptors(parameter_list, self._descriptors, True)
        if not result.successful:
            return result
        for callback in self._parameters_callbacks:
            result = callback(parameter_list)
            if not result.successful:
                return result
        result = SetParametersResult(successful=True)
        parameter_event = ParameterEvent()
        parameter_event.node = self.get_fully_qualified_name()
        for param in parameter_list:
            if Parameter.Type.NOT_SET == param.type_ and not allow_not_set_type:
                parameter_event.deleted_parameters.append(param.to_parameter_msg())
                self._parameters.pop(param.name, None)
                self._descriptors.pop(param.name, None)
            else:
                from rcl_interfaces.msg import ParameterDescriptor
                if descriptors is not None:
                    self._descriptors[param.name] = descriptors[param.name]
                elif param.name not in self._descriptors:
                    self._descriptors[param.name] = ParameterDescriptor(dynamic_typing=True)
                if Parameter.Type.NOT_SET == self.get_parameter_or(param.name).type_:
                    parameter_event.new_parameters.append(param.to_parameter_msg())
                else:
                    parameter_event.changed_parameters.append(param.to_parameter_msg())
                self._parameters[param.name] = param
        parameter_event.stamp = self._clock_now_msg()
        if not self._double_destroyed:
            self._parameter_event_publisher.publish(parameter_event)
        return result

    def _clock_now_msg(self):
        clock = getattr(self, '_clock', None)
        if clock is None:
            from builtin_interfaces.msg import Time as TimeMsg
            return TimeMsg()
        return clock.now().to_msg()

    def add_on_set_parameters_callback(self, callback):
        self._parameters_callbacks.insert(0, callback)

    def remove_on_set_parameters_callback(self, callback):
        self._parameters_callbacks.remove(callback)

    if jazzy():
        def add_pre_set_parameters_callback(self, callback):
            self._pre_set_parameters_callbacks.insert(0, callback)

        def remove_pre_set_parameters_callback(self, callback):
            self._pre_set_parameters_callbacks.remove(callback)

        def add_post_set_parameters_callback(self, callback):
            self._post_set_parameters_callbacks.insert(0, callback)

        def remove_post_set_parameters_callback(self, callback):
            self._post_set_parameters_callbacks.remove(callback)

        def list_parameters(self, prefixes, depth):
            return _list_parameters(self, prefixes, depth)

    def _apply_descriptors(self, parameter_list, descriptors, check_read_only=True):
        from rcl_interfaces.msg import ParameterDescriptor, SetParametersResult
        for param in parameter_list:
            descriptor = descriptors.get(param.name)
            if descriptor is None:
                descriptor = ParameterDescriptor(dynamic_typing=True)
            result = self._apply_descriptor(param, descriptor, check_read_only)
            if not result.successful:
                return result
        return SetParametersResult(successful=True)

    def _apply_descriptor(self, parameter, descriptor=None, check_read_only=True):
        from rcl_interfaces.msg import SetParametersResult
        if descriptor is None:
            descriptor = self.describe_parameter(parameter.name)
        if check_read_only and descriptor.read_only:
            return SetParametersResult(successful=False,
                                       reason='Trying to set a read-only parameter: {}.'.format(parameter.name))
        if descriptor.dynamic_typing:
            descriptor.type = parameter.type_.value
        elif self.has_parameter(parameter.name) and parameter.type_ == Parameter.Type.NOT_SET:
            return SetParametersResult(successful=False, reason='Static parameter cannot be undeclared')
        elif parameter.type_ != Parameter.Type.NOT_SET and parameter.type_.value != descriptor.type:
            return SetParametersResult(
                successful=False,
                reason=("Wrong parameter type, expected '{}' got '{}'".format(
                    Parameter.Type(descriptor.type), parameter.type_)))
        if parameter.type_ == Parameter.Type.INTEGER and descriptor.integer_range:
            return self._apply_integer_range(parameter, descriptor.integer_range[0])
        if parameter.type_ == Parameter.Type.DOUBLE and descriptor.floating_point_range:
            return self._apply_floating_point_range(parameter, descriptor.floating_point_range[0])
        return SetParametersResult(successful=True)

    def _apply_integer_range(self, parameter, integer_range):
        from rcl_interfaces.msg import SetParametersResult
        min_value = min(integer_range.from_value, integer_range.to_value)
        max_value = max(integer_range.from_value, integer_range.to_value)
        if parameter.value == min_value or parameter.value == max_value:
            return SetParametersResult(successful=True)
        if not min_value < parameter.value < max_value:
            return SetParametersResult(
                successful=False,
                reason='Parameter {} out of range. Min: {}, Max: {}, value: {}'.format(
                    parameter.name, min_value, max_value, parameter.value))
        if integer_range.step != 0 and (parameter.value - min_value) % integer_range.step:
            return SetParametersResult(
                successful=False, reason='The parameter value is not a valid step from the minimum value')
        return SetParametersResult(successful=True)

    def _apply_floating_point_range(self, parameter, floating_point_range):
        from rcl_interfaces.msg import SetParametersResult
        min_value = min(floating_point_range.from_value, floating_point_range.to_value)
        max_value = max(floating_point_range.from_value, floating_point_range.to_value)
        if math.isclose(parameter.value, min_value, rel_tol=self.PARAM_REL_TOL) or \
                math.isclose(parameter.value, max_value, rel_tol=self.PARAM_REL_TOL):
            return SetParametersResult(successful=True)
        if not min_value < parameter.value < max_value:
            return SetParametersResult(
                successful=False,
                reason='Parameter {} out of range Min: {}, Max: {}, value: {}'.format(
                    parameter.name, min_value, max_value, parameter.value))
        if floating_point_range.step != 0.0:
            distance_int_steps = round((parameter.value - min_value) / floating_point_range.step)
            if not math.isclose(min_value + distance_int_steps * floating_point_range.step, parameter.value,
                                rel_tol=self.PARAM_REL_TOL):
                return SetParametersResult(
                    successful=False, reason='The parameter value is not a valid step from the minimum value')
        return SetParametersResult(successful=True)

    def _check_undeclared_parameters(self, parameter_list):
        if not all(isinstance(parameter, Parameter) for parameter in parameter_list):
            raise TypeError("parameter must be instance of type '{}'".format(repr(Parameter)))
        undeclared = [p.name for p in parameter_list if p.name not in self._parameters]
        if not self._allow_undeclared_parameters and any(undeclared):
            raise ParameterNotDeclaredException(undeclared)

    def describe_parameter(self, name):
        from rcl_interfaces.msg import ParameterDescriptor
        try:
            return self._descriptors[name]
        except KeyError:
            if self._allow_undeclared_parameters:
                return ParameterDescriptor()
            raise ParameterNotDeclaredException(name)

    def describe_parameters(self, names):
        return [self.describe_parameter(name) for name in names]

    def set_descriptor(self, name, descriptor, alternative_value=None):
        if not self.has_parameter(name):
            raise ParameterNotDeclaredException(name)
        if self.describe_parameter(name).read_only:
            raise ParameterImmutableException(name)
        current_parameter = self.get_parameter(name)
        if alternative_value is None:
            alternative_parameter = current_parameter
        else:
            alternative_parameter = Parameter(name=name, value=parameter_value_to_python(alternative_value))
        if descriptor.dynamic_typing:
            descriptor.type = alternative_parameter.type_.value
        elif descriptor.type != alternative_parameter.type_.value:
            raise InvalidParameterTypeException(
                alternative_parameter, Parameter.Type(descriptor.type).name)
        result = self._apply_descriptor(alternative_parameter, descriptor, False)
        if not result.successful:
            raise InvalidParameterValueException(name, alternative_parameter.value, result.reason)
        self._descriptors[name] = descriptor
        self._parameters[name] = alternative_parameter
        return alternative_parameter.get_parameter_value()


def _param_value(value):
    """Override values from YAML / -p as rclpy builds them (lists stay lists)."""
    return list(value) if isinstance(value, tuple) else value


def _valid(msg_type):
    check_is_valid_msg_type(msg_type)
    return msg_type


def _type_name(t, kind):
    return f'{getattr(t, "_double_pkg", "?")}/{kind}/{getattr(t, "_double_name", t.__name__)}'


class _EndpointInfo:
    def __init__(self, e):
        self.node_name = e._node._name if e._node else ''
        self.node_namespace = e._node._namespace if e._node else '/'
        self.topic_type = _type_name(e.msg_type, 'msg')
        self.qos_profile = e.qos_profile


def _warn_incompatible(pub, sub, new_is_publisher):
    from .qos import QoSCompatibility, qos_check_compatible
    from ._graph import same_type
    if not same_type(pub.msg_type, sub.msg_type):
        return
    if qos_check_compatible(pub.qos_profile, sub.qos_profile)[0] != QoSCompatibility.ERROR:
        return
    policy = incompatible_policy(pub.qos_profile, sub.qos_profile)
    if pub._node is not None and not pub._node._double_destroyed:
        pub._node.get_logger().warning(
            f"New subscription discovered on topic '{pub.topic_name}', requesting incompatible QoS. "
            f'No messages will be sent to it. Last incompatible policy: {policy}')
    if sub._node is not None and not sub._node._double_destroyed:
        sub._node.get_logger().warning(
            f"New publisher discovered on topic '{sub.topic_name}', offering incompatible QoS. "
            f'No messages will be sent to it. Last incompatible policy: {policy}')


def _list_parameters(node, prefixes, depth):
    from rcl_interfaces.msg import ListParametersResult
    result = ListParametersResult()
    separator_less_than_depth = lambda s: s.count(PARAMETER_SEPARATOR_STRING) < depth
    recursive = depth == 0
    for param_name in node._parameters.keys():
        if not prefixes and (recursive or separator_less_than_depth(param_name)):
            result.names.append(param_name)
            continue
        for prefix in prefixes:
            if param_name == prefix or param_name.startswith(prefix + PARAMETER_SEPARATOR_STRING) and \
                    (recursive or separator_less_than_depth(param_name[len(prefix + '.'):])):
                result.names.append(param_name)
                break
    for name in result.names:
        if PARAMETER_SEPARATOR_STRING in name:
            p = name.rsplit(PARAMETER_SEPARATOR_STRING, 1)[0]
            if p not in result.prefixes:
                result.prefixes.append(p)
    return result


class _TimeSource:
    """rclpy.time_source.TimeSource: use_sim_time drives the node clock from /clock."""

    def __init__(self, node):
        self._node_weak_ref = weakref.ref(node)
        self._clock_sub = None
        self._ros_time_is_active = False
        if not node.has_parameter(USE_SIM_TIME_NAME):
            node.declare_parameter(USE_SIM_TIME_NAME, False)
        param = node.get_parameter(USE_SIM_TIME_NAME)
        if param.type_ != Parameter.Type.NOT_SET:
            if param.type_ == Parameter.Type.BOOL:
                self.ros_time_is_active = param.value
            else:
                node.get_logger().error(
                    "Invalid type for parameter '{}' {!r} should be bool".format(USE_SIM_TIME_NAME, param.type_))
        node.add_on_set_parameters_callback(self._on_parameter_event)

    @property
    def ros_time_is_active(self):
        return self._ros_time_is_active

    @ros_time_is_active.setter
    def ros_time_is_active(self, enabled):
        if self._ros_time_is_active == enabled:
            return
        self._ros_time_is_active = enabled
        node = self._node_weak_ref()
        node._clock._set_ros_time_is_active(enabled)
        if enabled:
            from rosgraph_msgs.msg import Clock as ClockMsg
            self._clock_sub = node.create_subscription(
                ClockMsg, CLOCK_TOPIC, self.clock_callback,
                QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT))
        elif self._clock_sub is not None:
            node.destroy_subscription(self._clock_sub)
            self._clock_sub = None
        GRAPH.notify()

    def clock_callback(self, msg):
        node = self._node_weak_ref()
        if node is not None:
            node._clock.set_ros_time_override(Time.from_msg(msg.clock, clock_type=ClockType.ROS_TIME))
            GRAPH.notify()

    def _on_parameter_event(self, parameter_list):
        from rcl_interfaces.msg import SetParametersResult
        for parameter in parameter_list:
            if parameter.name == USE_SIM_TIME_NAME:
                if parameter.type_ == Parameter.Type.BOOL:
                    self.ros_time_is_active = parameter.value
                else:
                    return SetParametersResult(
                        successful=False, reason='{} parameter set to something besides a bool'.format(
                            USE_SIM_TIME_NAME))
        return SetParametersResult(successful=True)


class _ParameterService:
    """The six parameter services (served through the executor like any service)."""

    def __init__(self, node):
        from rcl_interfaces.srv import (DescribeParameters, GetParameters, GetParameterTypes, ListParameters,
                                        SetParameters, SetParametersAtomically)
        self._node = weakref.ref(node)
        name = node.get_name()
        for srv_type, suffix, cb in (
                (DescribeParameters, 'describe_parameters', self._describe),
                (GetParameters, 'get_parameters', self._get),
                (GetParameterTypes, 'get_parameter_types', self._get_types),
                (ListParameters, 'list_parameters', self._list),
                (SetParameters, 'set_parameters', self._set),
                (SetParametersAtomically, 'set_parameters_atomically', self._set_atomically)):
            node.create_service(srv_type, f'{name}/{suffix}', cb,
                                qos_profile=QoSProfile(depth=1000))

    def _describe(self, request, response):
        node = self._node()
        for name in request.names:
            try:
                d = node.describe_parameter(name)
            except ParameterNotDeclaredException:
                from rcl_interfaces.msg import ParameterDescriptor
                d = ParameterDescriptor()
            d.name = name
            response.descriptors.append(d)
        return response

    def _get(self, request, response):
        node = self._node()
        for name in request.names:
            try:
                response.values.append(node.get_parameter(name).get_parameter_value())
            except Exception:
                return response
        return response

    def _get_types(self, request, response):
        response.types = self._node().get_parameter_types(request.names)
        return response

    def _list(self, request, response):
        response.result = _list_parameters(self._node(), list(request.prefixes), request.depth)
        return response

    def _set(self, request, response):
        from rcl_interfaces.msg import SetParametersResult
        node = self._node()
        for p in request.parameters:
            param = Parameter.from_parameter_msg(p)
            try:
                result = node.set_parameters_atomically([param])
            except ParameterNotDeclaredException as e:
                result = SetParametersResult(successful=False, reason=str(e))
            response.results.append(result)
        return response

    def _set_atomically(self, request, response):
        from rcl_interfaces.msg import SetParametersResult
        node = self._node()
        try:
            response.result = node.set_parameters_atomically(
                [Parameter.from_parameter_msg(p) for p in request.parameters])
        except ParameterNotDeclaredException as e:
            response.result = SetParametersResult(successful=False, reason=str(e))
        return response


# H's create_timer has no autostart
if not jazzy():
    def _create_timer(self, timer_period_sec, callback, callback_group=None, clock=None):
        self._check()
        timer_period_nsec = int(float(timer_period_sec) * 1e9)
        if callback_group is None:
            callback_group = self.default_callback_group
        if clock is None:
            clock = self._clock
        timer = Timer(callback, callback_group, timer_period_nsec, clock, context=self.context)
        timer._node = self
        self._Node__timers.append(timer)
        GRAPH.notify()
        return timer
    Node.create_timer = _create_timer

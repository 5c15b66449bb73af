"""rclpy.exceptions (H: multi-arg Exception.__init__ forms; J: '<text>: <names>' strings)."""

from ros2_double._state import jazzy


class NotInitializedException(Exception):
    def __init__(self, msg=None):
        if jazzy():
            super().__init__('rclpy.init() has not been called' + ('' if msg is None else f'. msg:{msg}'))
        else:
            super().__init__('rclpy.init() has not been called', msg)


class NoTypeSupportImportedException(Exception):
    def __init__(self):
        super().__init__('Failed to import type support for the message type')


class NameValidationException(Exception):
    def __init__(self, name_type, name, error_msg, invalid_index):
        msg = f"Invalid {name_type}: {error_msg}:\n  '{name}'\n   {' ' * invalid_index}^"
        super().__init__(msg)


class InvalidNodeNameException(NameValidationException):
    def __init__(self, *args):
        NameValidationException.__init__(self, 'node name', *args)


class InvalidNamespaceException(NameValidationException):
    def __init__(self, *args):
        NameValidationException.__init__(self, 'namespace', *args)


class InvalidTopicNameException(NameValidationException):
    def __init__(self, *args):
        NameValidationException.__init__(self, 'topic name', *args)


class InvalidServiceNameException(NameValidationException):
    def __init__(self, *args):
        NameValidationException.__init__(self, 'service name', *args)


class ParameterException(Exception):
    def __init__(self, error_msg, parameters, *args):
        if jazzy():
            Exception.__init__(self, f'{error_msg}: {parameters}', *args)
        else:
            Exception.__init__(self, error_msg, parameters, *args)


def _exc(default_text):
    def __init__(self, parameters, *args):
        if jazzy():
            Exception.__init__(self, f'{default_text}: {parameters}', *args)
        else:
            Exception.__init__(self, default_text, parameters, *args)
    return __init__


class ParameterNotDeclaredException(ParameterException):
    __init__ = _exc('Invalid access to undeclared parameter(s)')


class ParameterAlreadyDeclaredException(ParameterException):
    __init__ = _exc('Parameter(s) already declared')


class InvalidParameterException(ParameterException):
    __init__ = _exc('Invalid parameter name')


class InvalidParameterTypeException(ParameterException):
    def __init__(self, desired_parameter, *args):
        if jazzy():
            Exception.__init__(self, f"Trying to set parameter '{desired_parameter.name}' to "
                                     f"'{desired_parameter.value}' of type '{desired_parameter.type_.name}'", *args)
        else:
            # H: no name in the args, only the attempted value and its type
            Exception.__init__(self, f"Trying to set a parameter of type '{desired_parameter.type_.name}' "
                                     f"with value '{desired_parameter.value}'", *args)


class InvalidParameterValueException(ParameterException):
    def __init__(self, parameter, value, reason, *args):
        if jazzy():
            Exception.__init__(self, f"Invalid parameter value ({value}) for parameter. Reason: {reason}: {parameter}",
                               *args)
        else:
            Exception.__init__(self, 'Invalid parameter value ({value}) for parameter. Reason: {reason}'.format(
                value=value, reason=reason), parameter, *args)


class ParameterImmutableException(ParameterException):
    __init__ = _exc('Attempted to modify read-only parameter')


class ParameterUninitializedException(ParameterException):
    def __init__(self, parameter_name, *args):
        if jazzy():
            Exception.__init__(self, f"The parameter '{parameter_name}' is not initialized", *args)
        else:
            Exception.__init__(self, f"The parameter '{parameter_name}' is not initialized", *args)


class ROSInterruptException(Exception):
    def __init__(self):
        Exception.__init__(self, 'rclpy.shutdown() has been called')


class InvalidHandle(Exception):
    """Raised (like the pybind class) when a destroyed entity is used."""

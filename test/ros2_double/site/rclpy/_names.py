"""Node/namespace/topic name validation (rmw/rcl rules) and expansion."""

import re

from .exceptions import (InvalidNamespaceException, InvalidNodeNameException, InvalidServiceNameException,
                         InvalidTopicNameException)


def validate_node_name(name):
    if not name:
        raise InvalidNodeNameException(name, 'node name must not be empty', 0)
    for i, c in enumerate(name):
        if not (c.isascii() and (c.isalnum() or c == '_')):
            raise InvalidNodeNameException(
                name, "node name must not contain characters other than alphanumerics or '_'", i)
    if name[0].isdigit():
        raise InvalidNodeNameException(name, 'node name must not start with a number', 0)
    if len(name) > 255:
        raise InvalidNodeNameException(name, 'node name should not exceed 255 characters', 254)
    return True


def normalize_namespace(ns):
    if ns is None or ns == '':
        return '/'
    if not ns.startswith('/'):
        ns = '/' + ns
    return ns


def validate_namespace(ns):
    if ns == '/':
        return True
    if not ns.startswith('/'):
        raise InvalidNamespaceException(ns, "namespace must be absolute, it must lead with a '/'", 0)
    if ns.endswith('/'):
        raise InvalidNamespaceException(ns, "namespace must not end with a '/', unless only a '/'", len(ns) - 1)
    for i, c in enumerate(ns):
        if not (c.isascii() and (c.isalnum() or c in '_/')):
            raise InvalidNamespaceException(
                ns, "namespace must not contain characters other than alphanumerics, '_', or '/'", i)
    if '//' in ns:
        raise InvalidNamespaceException(ns, "namespace must not contain repeated '/'", ns.index('//') + 1)
    for m in re.finditer(r'/(\d)', ns):
        raise InvalidNamespaceException(ns, 'namespace must not have a token that starts with a number', m.start(1))
    if len(ns) > 246:
        raise InvalidNamespaceException(ns, 'namespace should not exceed 246 characters', 245)
    return True


def validate_topic_name(name, *, is_service=False):
    exc = InvalidServiceNameException if is_service else InvalidTopicNameException
    kind = 'service name' if is_service else 'topic name'
    if not name:
        raise exc(name, f'{kind} must not be empty', 0)
    if name.endswith('/'):
        raise exc(name, f'{kind} must not end with a forward slash', len(name) - 1)
    if name[0].isdigit():
        raise exc(name, f'{kind} must not start with a numeric character', 0)
    in_sub = False
    for i, c in enumerate(name):
        if c == '{':
            if in_sub:
                raise exc(name, f'{kind} must not have nested curly braces', i)
            in_sub = True
        elif c == '}':
            if not in_sub:
                raise exc(name, f'{kind} must not have unmatched (unbalanced) curly braces', i)
            in_sub = False
        elif c == '~':
            if i != 0:
                raise exc(name, f"{kind} must not have a tilde '~' unless it is the first character", i)
            if len(name) > 1 and name[1] != '/':
                raise exc(name, f"{kind} must not have a tilde '~' that is not followed by a forward slash", 1)
        elif not (c.isascii() and (c.isalnum() or c in '_/')):
            raise exc(name, f"{kind} must not contain characters other than alphanumerics, '_', '~', '{{', or '}}'", i)
    if in_sub:
        raise exc(name, f'{kind} must not have unmatched (unbalanced) curly braces', len(name) - 1)
    for m in re.finditer(r'/(\d)', name):
        raise exc(name, f'{kind} must not have a token that starts with a number', m.start(1))
    return True


def validate_full_topic_name(name, *, is_service=False):
    exc = InvalidServiceNameException if is_service else InvalidTopicNameException
    kind = 'service name' if is_service else 'topic name'
    if not name.startswith('/'):
        raise exc(name, f"{kind} must be absolute, it must lead with a '/'", 0)
    validate_topic_name(name, is_service=is_service)
    if '~' in name or '{' in name:
        raise exc(name, f"{kind} must not contain characters other than alphanumerics, '_', or '/'", 0)
    if '//' in name:
        raise exc(name, f"{kind} must not contain repeated '/'", name.index('//') + 1)
    if len(name) > 247:
        raise exc(name, f'{kind} length should not exceed 247 characters', 246)
    return True


def expand_topic_name(name, node_name, node_namespace, *, is_service=False):
    validate_topic_name(name, is_service=is_service)
    ns = node_namespace.rstrip('/')
    if name.startswith('~'):
        expanded = f'{ns}/{node_name}' + name[1:]
    elif name.startswith('/'):
        expanded = name
    else:
        expanded = f'{ns}/{name}'
    expanded = expanded.replace('{node}', node_name).replace('{ns}', node_namespace).replace(
        '{namespace}', node_namespace)
    if '{' in expanded:
        exc = InvalidServiceNameException if is_service else InvalidTopicNameException
        raise exc(name, 'unknown substitution', expanded.index('{'))
    validate_full_topic_name(expanded, is_service=is_service)
    return expanded

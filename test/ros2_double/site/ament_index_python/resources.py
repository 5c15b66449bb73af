import os

from .search_paths import get_search_paths

RESOURCE_INDEX_SUBFOLDER = os.path.join('share', 'ament_index', 'resource_index')


def get_resources(resource_type):
    out = {}
    for prefix in get_search_paths():
        d = os.path.join(prefix, RESOURCE_INDEX_SUBFOLDER, resource_type)
        if os.path.isdir(d):
            for name in os.listdir(d):
                if not name.startswith('.') and name not in out:
                    out[name] = prefix
    return out


def get_resource(resource_type, resource_name):
    for prefix in get_search_paths():
        path = os.path.join(prefix, RESOURCE_INDEX_SUBFOLDER, resource_type, resource_name)
        if os.path.isfile(path):
            with open(path) as f:
                return f.read(), prefix
    raise LookupError(f"Could not find the resource '{resource_name}' of type '{resource_type}'")


def has_resource(resource_type, resource_name):
    for prefix in get_search_paths():
        if os.path.isfile(os.path.join(prefix, RESOURCE_INDEX_SUBFOLDER, resource_type, resource_name)):
            return prefix
    return None

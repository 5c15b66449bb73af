import os
import pathlib

from .resources import get_resources, has_resource
from .search_paths import get_search_paths


class PackageNotFoundError(KeyError):
    pass


def get_packages_with_prefixes():
    return get_resources('packages')


def get_package_prefix(package_name):
    if '/' in package_name or not package_name:
        raise ValueError(f"'{package_name}' is not a valid package name")
    try:
        prefix = has_resource('packages', package_name)
    except EnvironmentError:
        prefix = None
    if prefix is None:
        try:
            paths = get_search_paths()
        except EnvironmentError:
            paths = []
        raise PackageNotFoundError(f"package '{package_name}' not found, searching: {paths}")
    return prefix


def get_package_share_directory(package_name, print_warning=True):
    return os.path.join(get_package_prefix(package_name), 'share', package_name)


def get_package_share_path(package_name, print_warning=True):
    return pathlib.Path(get_package_share_directory(package_name, print_warning))

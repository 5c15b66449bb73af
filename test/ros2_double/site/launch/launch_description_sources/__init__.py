"""Launch description sources: Python files (generate_launch_description) and the extension dispatcher."""

import importlib.machinery
import importlib.util
import os

from .._core import (InvalidLaunchFileError, InvalidPythonLaunchFileError, LaunchDescription,
                     normalize_to_list_of_substitutions, perform_substitutions)


def load_python_launch_file_as_module(python_launch_file_path):
    loader = importlib.machinery.SourceFileLoader('python_launch_file', python_launch_file_path)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def get_launch_description_from_python_launch_file(python_launch_file_path):
    launch_file_module = load_python_launch_file_as_module(python_launch_file_path)
    if not hasattr(launch_file_module, 'generate_launch_description'):
        raise InvalidPythonLaunchFileError(
            "launch file at '{}' does not contain the required function '{}'".format(
                python_launch_file_path, 'generate_launch_description()'))
    description = launch_file_module.generate_launch_description()
    if not isinstance(description, LaunchDescription):
        raise InvalidPythonLaunchFileError(
            f"generate_launch_description() in '{python_launch_file_path}' returned {type(description)}, "
            'expected a LaunchDescription')
    return description


class LaunchDescriptionSource:
    def __init__(self, launch_description=None, location='<script>', method='interpreted python launch file'):
        self._launch_description = launch_description
        self._location = normalize_to_list_of_substitutions(location)
        self._method = method
        self._performed_location = None

    @property
    def location(self):
        if self._performed_location is None:
            raise RuntimeError('location not yet performed')
        return self._performed_location

    def try_get_launch_description_without_context(self):
        return self._launch_description

    def get_launch_description(self, context):
        self._performed_location = perform_substitutions(context, self._location)
        if self._launch_description is None:
            self._launch_description = self._load(self._performed_location)
        return self._launch_description

    def _load(self, location):
        raise NotImplementedError()


class PythonLaunchDescriptionSource(LaunchDescriptionSource):
    def __init__(self, launch_file_path):
        super().__init__(None, launch_file_path, 'interpreted python launch file')

    def _load(self, location):
        if not os.path.exists(location):
            raise InvalidLaunchFileError(f"launch file '{location}' does not exist")
        return get_launch_description_from_python_launch_file(location)


class AnyLaunchDescriptionSource(LaunchDescriptionSource):
    def __init__(self, launch_file_path):
        super().__init__(None, launch_file_path, 'interpreted launch file')

    def _load(self, location):
        if location.endswith('.py'):
            if not os.path.exists(location):
                raise InvalidLaunchFileError(f"launch file '{location}' does not exist")
            return get_launch_description_from_python_launch_file(location)
        raise InvalidLaunchFileError(f'ros2_double: only Python launch files are supported, got {location}')


class FrontendLaunchDescriptionSource(AnyLaunchDescriptionSource):
    pass

"""launch_ros.substitutions: FindPackageShare / FindPackagePrefix / ExecutableInPackage via ament_index."""

import os

from launch._core import Substitution, normalize_to_list_of_substitutions, perform_substitutions


class FindPackage(Substitution):
    def __init__(self, package):
        self.package = normalize_to_list_of_substitutions(package)

    def find(self, package_name):
        raise NotImplementedError()

    def perform(self, context):
        return self.find(perform_substitutions(context, self.package))


class FindPackagePrefix(FindPackage):
    def find(self, package_name):
        from ament_index_python.packages import get_package_prefix
        return get_package_prefix(package_name)


class FindPackageShare(FindPackage):
    def find(self, package_name):
        from ament_index_python.packages import get_package_share_directory
        return get_package_share_directory(package_name)


class ExecutableInPackage(FindPackagePrefix):
    def __init__(self, executable, package):
        super().__init__(package)
        self.executable = normalize_to_list_of_substitutions(executable)

    def perform(self, context):
        executable = perform_substitutions(context, self.executable)
        package = perform_substitutions(context, self.package)
        path = os.path.join(self.find(package), 'lib', package, executable)
        return path

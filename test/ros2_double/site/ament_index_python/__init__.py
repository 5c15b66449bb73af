"""ament_index_python test double: resolves packages through AMENT_PREFIX_PATH like the real one."""

from .packages import (PackageNotFoundError, get_package_prefix, get_package_share_directory,  # noqa: F401
                       get_package_share_path, get_packages_with_prefixes)
from .resources import get_resource, get_resources, has_resource  # noqa: F401

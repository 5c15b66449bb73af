"""launch.substitutions of the double."""

from ros2_double._state import jazzy

from ._core import (AndSubstitution, AnonName, Command, EnvironmentVariable, FindExecutable,  # noqa: F401
                    LaunchConfiguration, NotSubstitution, OrSubstitution, PathJoinSubstitution, PythonExpression,
                    SubstitutionFailure, TextSubstitution, ThisLaunchFile, ThisLaunchFileDir)

if jazzy():
    from ._core import EqualsSubstitution, IfElseSubstitution, NotEqualsSubstitution  # noqa: F401

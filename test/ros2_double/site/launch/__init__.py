"""launch test double: build and statically evaluate launch descriptions (see ros2_double.launch_eval)."""

from . import actions, conditions, event_handlers, launch_description_sources, substitutions  # noqa: F401
from ._core import (Action, Condition, InvalidLaunchFileError, InvalidPythonLaunchFileError,  # noqa: F401
                    LaunchContext, LaunchDescription, LaunchDescriptionEntity, Substitution, SubstitutionFailure)
from .launch_description_sources import LaunchDescriptionSource  # noqa: F401
from typing import Iterable, Text, Union

SomeSubstitutionsType = Union[Text, Substitution, Iterable[Union[Text, Substitution]]]
SomeSubstitutionsType_types_tuple = (str, Substitution, Iterable)


class LaunchService:
    def __init__(self, *, argv=None, noninteractive=False, debug=False):
        self.context = LaunchContext(argv=argv, noninteractive=noninteractive)
        self._descriptions = []

    def include_launch_description(self, launch_description):
        self._descriptions.append(launch_description)

    def run(self, *, shutdown_when_idle=True):
        from ._core import visit_all
        for d in self._descriptions:
            visit_all(d, self.context)
        return 0

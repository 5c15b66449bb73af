"""Task registry: `make(name, **kwargs)` builds an Env by task name.

`TASKS` maps each name to a 'module:factory' string, imported only when the task is made, so that
tasks needing a simulator or ROS 2 cost nothing until used. By convention a factory returns the env with
its own episode length as an outermost TimeLimit; `wrap` applies the run's config on top.
"""

import difflib
import importlib

from .base import (ActionRepeat, BadObservation, ClipAction, Env, TimeLimit, Wrapper, check_obs, validate_obs,
                   wrap)

TASKS = {
    'point_vector': 'daydreamer.envs.point:point_vector',
    'point_image': 'daydreamer.envs.point:point_image',
    **{f'{robot}_dummy': f'daydreamer.envs.dummy:{robot}_dummy' for robot in ('a1', 'ur5', 'xarm', 'sphero')},
}


def register(name, factory):
    """Adds a task: `factory` is a callable or a 'module:attribute' string."""
    TASKS[name] = factory


def make(name, **kwargs):
    if name not in TASKS:
        close = difflib.get_close_matches(name, TASKS, n=1, cutoff=0.0)
        hint = f"; closest match: '{close[0]}'" if close else ''
        raise ValueError(f"unknown task '{name}'; valid tasks: {', '.join(sorted(TASKS))}{hint}")
    factory = TASKS[name]
    if isinstance(factory, str):
        module, attr = factory.split(':')
        factory = getattr(importlib.import_module(module), attr)
    return factory(**kwargs)


__all__ = ['TASKS', 'make', 'register', 'wrap', 'Env', 'Wrapper', 'TimeLimit', 'ActionRepeat', 'ClipAction',
           'BadObservation', 'validate_obs', 'check_obs']

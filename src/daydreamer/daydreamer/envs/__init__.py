# Copyright 2026 DayDreamer for ROS 2 team
#
# Permission is hereby granted, free of charge, to any person obtaining a copy
# of this software and associated documentation files (the "Software"), to deal
# in the Software without restriction, including without limitation the rights
# to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
# copies of the Software, and to permit persons to whom the Software is
# furnished to do so, subject to the following conditions:
#
# The above copyright notice and this permission notice shall be included in
# all copies or substantial portions of the Software.
#
# THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
# IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
# FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL
# THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
# LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
# OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
# THE SOFTWARE.

"""
Task registry: `make(name, **kwargs)` builds an Env by task name.

`TASKS` maps each name to a 'module:factory' string, imported only when the task is made, so that
tasks needing a simulator or ROS 2 cost nothing until used. By convention a factory returns the env with
its own episode length as an outermost TimeLimit; `wrap` applies the run's config on top.
"""

import difflib
import functools
import importlib
import inspect
import re

from . import dummy
from .base import (ActionRepeat, BadObservation, check_obs, ClipAction, Env, TimeLimit, validate_obs, wrap,
                   Wrapper)
from .. import robots

TASKS = {
    'point_vector': 'daydreamer.envs.point:point_vector',
    'point_image': 'daydreamer.envs.point:point_image',
    # DeepMind Control Suite, for comparison with published Dreamer scores.
    **{f'dmc_{name}{suffix}': f'daydreamer.envs.dmc:dmc_{name}{suffix}'
       for name in ('walker_walk', 'cartpole_swingup', 'cheetah_run', 'reacher_easy') for suffix in ('', '_proprio')},
}


_TWINS = {}   # '<robot>_sim' -> robot: a twin factory (spec.Robot.twin) takes its robot's name first


def _add_robot_tasks():
    """Add `<robot>_dummy` (its spaces only) and `<robot>_sim` (its MuJoCo twin) for every robot definition."""
    for name, robot in robots.registry().items():
        TASKS.setdefault(f'{name}_dummy', dummy.factory(name))
        if robot.twin and f'{name}_sim' not in TASKS:
            TASKS[f'{name}_sim'], _TWINS[f'{name}_sim'] = robot.twin, name


_add_robot_tasks()


def register(name, factory):
    """Add a task: `factory` is a callable or a 'module:attribute' string."""
    TASKS[name] = factory
    _TWINS.pop(name, None)   # it replaces a robot's twin: its own signature, no robot name


def factory(name):
    """Return the callable that builds task `name` (imports its module on first use)."""
    if name not in TASKS:
        _add_robot_tasks()   # a robot definition added since (robots.registry() was refreshed)
    if name not in TASKS:
        close = difflib.get_close_matches(name, TASKS, n=1, cutoff=0.0)
        hint = f"; closest match: '{close[0]}'" if close else ''
        raise ValueError(f"unknown task '{name}'; valid tasks: {', '.join(sorted(TASKS))}{hint}")
    fn = TASKS[name]
    if isinstance(fn, str):
        module, attr = fn.split(':')
        fn = getattr(importlib.import_module(module), attr)
        if name in _TWINS:
            fn = functools.partial(fn, _TWINS[name])
    return fn


def parameters(name):
    """
    Return the names of the keyword arguments task `name` accepts.

    For example `repeat` for a task that runs its own physics substeps, `size` for a camera task.
    """
    return set(inspect.signature(factory(name)).parameters)


def make(name, **kwargs):
    return factory(name)(**kwargs)


def from_config(config, index=0, mode='train'):
    """
    Build the configured task, wrapped.

    A task that takes `repeat` runs its own substeps (A1: 50 physics steps at 1 kHz per 20 Hz action, behind its safety
    filter) instead of an ActionRepeat wrapper.
    """
    seed = config.seed * 1000 + index + (500 if mode == 'eval' else 0)
    accepts = parameters(config.task)
    kwargs = {'seed': seed}
    if 'size' in accepts:
        kwargs['size'] = tuple(config.env.size)
    wrapping = {'length': config.env.length, 'repeat': config.env.repeat, 'resets': config.env.resets}
    if 'repeat' in accepts:
        kwargs['repeat'], wrapping['repeat'] = config.env.repeat, 1
    if 'render' in accepts:  # a camera no network reads (A1) would only fill the replay
        patterns = (config.encoder.cnn_keys, config.decoder.cnn_keys)
        kwargs['render'] = any(re.match(pattern, 'image') for pattern in patterns)
    return wrap(make(config.task, **kwargs), wrapping)


__all__ = ['TASKS', 'make', 'from_config', 'factory', 'parameters', 'register', 'wrap', 'Env', 'Wrapper', 'TimeLimit',
           'ActionRepeat', 'ClipAction',
           'BadObservation', 'validate_obs', 'check_obs']

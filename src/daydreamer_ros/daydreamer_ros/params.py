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
Parameters shared by the actor and the learner.

This module declares a block of them, and builds the agent config from `configs` (block names) and `overrides` (a
command-line fragment such as '--batch_size 16').
"""

import shlex

from daydreamer.config import ConfigError, parse_args


def declare(node, defaults):
    """Declare every {name: default} (the type follows the default) and return {name: value}."""
    for name, value in defaults.items():
        node.declare_parameter(name, value)
    return {name: node.get_parameter(name).value for name in defaults}


def agent_config(configs, overrides=''):
    """Return the merged core config; ConfigError (naming the key and the valid ones) for an unknown block or key."""
    try:
        words = shlex.split(overrides)
    except ValueError as e:
        raise ConfigError(f'overrides {overrides!r}: {e}') from None
    config, rest = parse_args([*words, '--configs', *configs] if configs else words)  # blocks apply first
    if rest:
        raise ConfigError(f"overrides: expected '--key value' pairs, got {' '.join(rest)!r}")
    return config

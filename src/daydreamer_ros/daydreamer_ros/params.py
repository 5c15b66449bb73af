"""Parameters shared by the actor and the learner: declaring a block of them, and building the agent config
from `configs` (block names) and `overrides` (a command-line fragment such as '--batch_size 16')."""

import shlex

from daydreamer.config import ConfigError, parse_args


def declare(node, defaults):
    """Declares every {name: default} (the type follows the default) and returns {name: value}."""
    for name, value in defaults.items():
        node.declare_parameter(name, value)
    return {name: node.get_parameter(name).value for name in defaults}


def agent_config(configs, overrides=''):
    """The merged core config. ConfigError (naming the key and the valid ones) for an unknown block or key."""
    try:
        words = shlex.split(overrides)
    except ValueError as e:
        raise ConfigError(f'overrides {overrides!r}: {e}') from None
    config, rest = parse_args([*words, '--configs', *configs] if configs else words)  # blocks apply first
    if rest:
        raise ConfigError(f"overrides: expected '--key value' pairs, got {' '.join(rest)!r}")
    return config

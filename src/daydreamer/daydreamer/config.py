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
Immutable nested configuration: `defaults` + named blocks from configs.yaml + overrides.

    config = load_config(['a1', 'debug'], {'rssm.deter': 512})
    config, rest = parse_args(['--configs', 'a1', 'debug', '--rssm.deter', '512'])
    config.rssm.deter == config['rssm']['deter'] == config['rssm.deter'] == config.flat['rssm.deter']

Every new value must convert to the type of the value it replaces (so types come from `defaults`).
Lists are stored as tuples. Only the groups in OPEN_MAPPINGS accept new keys.
"""
from __future__ import annotations

from collections.abc import Mapping
import difflib
import os
import pathlib
import re
import sys
import textwrap

import yaml

OPEN_MAPPINGS = {'loss_scales': float}  # groups that accept new keys, and the type of their values
_TRUE, _FALSE = ('true', '1', 'yes'), ('false', '0', 'no')

# PyYAML follows YAML 1.1, which reads `1e10` and `1.0e8` as strings; resolve them as floats.
_Loader = type('_Loader', (yaml.SafeLoader,), {})
_Dumper = type('_Dumper', (yaml.SafeDumper,), {})
for _cls in (_Loader, _Dumper):
    _cls.add_implicit_resolver('tag:yaml.org,2002:float', re.compile(
        r'^[-+]?(?:[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?'
        r'|[0-9][0-9_]*[eE][-+]?[0-9]+|\.(?:inf|Inf|INF|nan|NaN|NAN))$'), list('-+0123456789.'))


def _yaml_load(text):
    return yaml.load(text, Loader=_Loader)


class ConfigError(ValueError):
    """A bad config key, value or block name; the message is self-contained (one or two lines)."""


def defaults_path() -> pathlib.Path:
    """Return the path of the packaged configs.yaml (`defaults` plus the named blocks)."""
    return pathlib.Path(__file__).resolve().parent / 'configs.yaml'


def _freeze(value, path=''):
    if isinstance(value, Mapping):
        return Config(value, path)
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v, path) for v in value)
    return value


def _thaw(value):
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_thaw(v) for v in value]
    return value


def _convert(key, value, default):
    """Convert `value` (a CLI string or a YAML/Python value) to the type of `default`."""
    kind = type(default).__name__
    if isinstance(default, tuple):
        kind = 'list of ' + (type(default[0]).__name__ if default else 'str')
    fail = ConfigError(f'{key}: expected {kind}, got {value!r}')
    if isinstance(value, str) and not isinstance(default, (str, tuple)):
        value = value.strip()
    if default is None:
        return _freeze(value)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, (str, int)) and str(value).lower() in _TRUE + _FALSE:
            return str(value).lower() in _TRUE
    elif isinstance(default, int):
        if isinstance(value, str):  # '16', and '1e4' or '1.0e10' when integral
            try:
                value = int(value)
            except ValueError:
                try:
                    value = float(value)
                except ValueError:
                    raise fail from None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif isinstance(default, float):
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            try:
                return float(value)
            except ValueError:
                pass
    elif isinstance(default, str):
        if isinstance(value, bool):  # YAML reads unquoted off/no/yes as bools: never turn them into 'False'
            raise ConfigError(f"{key}: expected str, got {value!r} (quote it in YAML, e.g. 'off')")
        if isinstance(value, (str, int, float)):
            return str(value)
    elif isinstance(default, tuple):
        if isinstance(value, str):
            text = value.strip()
            try:
                value = _yaml_load(text) if text.startswith('[') else \
                    [x.strip() for x in text.split(',')] if text else []
            except yaml.YAMLError:
                raise fail from None
        if isinstance(value, (list, tuple)):
            try:
                return tuple(_convert(key, v, default[0] if default else '') for v in value)
            except ConfigError:
                pass
    raise fail


def _suggest(key, keys):
    """Close matches by the whole dotted key or by its last component (`deter` -> `rssm.deter`)."""
    ratio = lambda a, b: difflib.SequenceMatcher(None, a, b).ratio()  # noqa: E731
    leaf = key.rsplit('.', 1)[-1]
    scores = {k: max(ratio(key, k), ratio(leaf, k.rsplit('.', 1)[-1])) for k in keys}
    best = max(scores.values(), default=0.0)
    found = sorted((k for k, s in scores.items() if s >= max(0.75, best - 0.1)), key=lambda k: -scores[k])
    return f'; did you mean {" or ".join(found[:6])}?' if found else ''


def _unknown(key, flat):
    group = key.rsplit('.', 1)[0] + '.' if '.' in key else None
    hint = _suggest(key, flat)
    names = [k[len(group):] for k in flat if k.startswith(group)] if group else []
    if not hint and names:
        hint = f'; valid keys in {group[:-1]}: {", ".join(names)}'
    return ConfigError(f"unknown config key '{key}'{hint}")


def _flatten(tree, leaves, prefix=''):
    """Yield (dotted key, value); recurses into mappings unless the key is a known leaf."""
    for k, v in tree.items():
        key = f'{prefix}{k}'
        if isinstance(v, Mapping) and key not in leaves:
            yield from _flatten(v, leaves, key + '.')
        else:
            yield key, v


class Config(Mapping):
    """
    Immutable nested mapping with attribute access (`config.rssm.deter`); lists are tuples.

    Methods shadow keys of the same name for attribute access; use `config['items']` for those.
    """

    def __init__(self, data=None, _path=''):
        data = {} if data is None else data
        object.__setattr__(self, '_data', {str(k): _freeze(v, f'{_path}{k}.') for k, v in data.items()})
        object.__setattr__(self, '_path', _path)
        object.__setattr__(self, '_flat', None)

    def __getitem__(self, key):
        if key in self._data:
            return self._data[key]
        head, dot, rest = key.partition('.') if isinstance(key, str) else ('', '', '')
        if dot and isinstance(self._data.get(head), Config):
            return self._data[head][rest]
        raise KeyError(key)

    def __getattr__(self, name):
        if name.startswith('_'):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            full = self._path + name
            hint = _suggest(full, [self._path + k for k in self.flat])
            raise AttributeError(f"config has no key '{full}'{hint}") from None

    def __setattr__(self, name, value):
        raise AttributeError(f'Config is immutable; use config.update({name}=...)')

    __delattr__ = __setattr__

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __reduce__(self):
        return (Config, (self.to_dict(),))

    @property
    def flat(self) -> dict:
        """{'rssm.deter': 1024, ...} (a fresh dict)."""
        if self._flat is None:
            object.__setattr__(self, '_flat', dict(_flatten(self, ())))
        return dict(self._flat)

    def to_dict(self) -> dict:
        """Nested plain dicts and lists."""
        return _thaw(self)

    def update(self, overrides: Mapping | None = None, **kw) -> Config:
        """
        Return a new Config with `overrides` and `kw` applied.

        Keys may be dotted or nested; values are converted and checked like CLI strings.

        Setting a group merges into it; only OPEN_MAPPINGS groups accept new keys.
        """
        flat, tree = self.flat, self.to_dict()
        todo = list(_flatten(overrides or {}, flat)) + list(_flatten(kw, flat))
        while todo:
            key, value = todo.pop(0)
            group = key.rsplit('.', 1)[0] if '.' in key else ''
            if key in flat:
                value = _convert(key, value, flat[key])
            elif group in OPEN_MAPPINGS:
                value = _convert(key, value, OPEN_MAPPINGS[group]())
            elif key in OPEN_MAPPINGS or any(k.startswith(key + '.') for k in flat):
                try:  # an open mapping can be given whole as a YAML string: --loss_scales '{depth: 2}'
                    parsed = _yaml_load(value) if key in OPEN_MAPPINGS and isinstance(value, str) else None
                except yaml.YAMLError:
                    parsed = None
                if isinstance(parsed, Mapping):
                    todo[:0] = [(f'{key}.{k}', v) for k, v in parsed.items()]
                    continue
                example = next((k for k in flat if k.startswith(key + '.')), key + '.<name>')
                raise ConfigError(f'{key}: is a group of keys; set them one by one, e.g. {example}')
            else:
                raise _unknown(key, flat)
            node = tree
            for part in key.split('.')[:-1]:
                node = node.setdefault(part, {})
            node[key.rsplit('.', 1)[-1]] = _thaw(value)
        return Config(tree)

    def save(self, path):
        """Write YAML atomically (temporary file in the same folder, then rename)."""
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f'.{path.name}.tmp{os.getpid()}')
        try:
            with open(tmp, 'w') as f:
                yaml.dump(self.to_dict(), f, Dumper=_Dumper, sort_keys=False, width=100)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    @classmethod
    def load(cls, path) -> Config:
        """Read a YAML file written by save(); values keep the types they were saved with."""
        data = _yaml_load(pathlib.Path(path).read_text())
        if not isinstance(data, Mapping):
            raise ConfigError(f'{path}: expected a YAML mapping of config keys')
        return cls(data)

    def pretty(self, width=100) -> str:
        """Compact grouped text for the startup banner: top-level scalars, then one group per line."""
        def fmt(v):
            if isinstance(v, tuple):
                return ','.join(fmt(x) for x in v) if v else '[]'
            text = f'{v:g}' if isinstance(v, float) else str(v)
            return text if text and ' ' not in text else repr(v)
        groups = {'': [f'{k}={fmt(v)}' for k, v in self.items() if not isinstance(v, Config)]}
        groups.update({k: [f'{kk}={fmt(vv)}' for kk, vv in v.flat.items()]
                       for k, v in self.items() if isinstance(v, Config)})
        pad = max(len(k) for k in groups) + 2
        lines = []
        for name, items in groups.items():
            if not name and not items:
                continue
            label = f'{name}:'.ljust(pad) if name else ''
            lines += textwrap.wrap(' '.join(items) or '-', width, initial_indent=label, break_on_hyphens=False,
                                   subsequent_indent=' ' * len(label), break_long_words=False) or [label]
        return '\n'.join(lines)

    __str__ = pretty

    def __repr__(self):
        return f'Config({self.to_dict()!r})'


def load_config(configs=(), overrides=None, path=None, base=None) -> Config:
    """
    Merge `defaults`, the named blocks and `overrides` into one Config.

    `defaults` (updated with `base`, if given) comes first, then each named block in order (a block sets only the keys
    it names), then `overrides`. `path` is the YAML with the blocks (default: defaults_path()).
    """
    path = pathlib.Path(path) if path else defaults_path()
    blocks = _yaml_load(path.read_text()) or {}
    if not isinstance(blocks.get('defaults'), Mapping):
        raise ConfigError(f"{path}: no 'defaults' block")
    configs = configs.replace(',', ' ').split() if isinstance(configs, str) else configs
    config = Config(blocks['defaults'])
    if base is not None:  # a logdir's saved config: keys added to the defaults since it was written keep their defaults
        config = config.update(base.to_dict())
    for name in configs:
        if name == 'defaults' or name not in blocks:
            available = ', '.join(k for k in blocks if k != 'defaults')
            raise ConfigError(f"unknown config block '{name}'; available: {available}")
        try:
            config = config.update(blocks[name] or {})
        except ConfigError as e:
            raise ConfigError(f"config block '{name}': {e}") from None
    return config.update(overrides) if overrides else config


def parse_args(argv=None, base=None, path=None) -> tuple[Config, list[str]]:
    """
    `--configs a1 debug` (or `--configs=a1,debug`) and `--key value` / `--key=value` overrides.

    Blocks apply first, in order, on `base` (default: `defaults`), then the overrides. Every `--x` must be
    a config key. Returns (config, positionals); tokens after a bare `--` are positional. The names after
    `--configs` run up to the next `-...` token, so put positionals first.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    names, overrides, rest, i = [], {}, [], 0
    while i < len(argv):
        arg, i = argv[i], i + 1
        if arg == '--':
            rest += argv[i:]
            break
        if not arg.startswith('--'):
            rest.append(arg)
            continue
        key, eq, value = arg[2:].partition('=')
        if key == 'configs':
            new = value.replace(',', ' ').split()
            while not eq and i < len(argv) and not argv[i].startswith('-'):
                new, i = new + argv[i].replace(',', ' ').split(), i + 1
            if not new:
                raise ConfigError('--configs: expected one or more config block names')
            names += new
            continue
        if not eq:
            if i >= len(argv) or argv[i].startswith('--'):
                raise ConfigError(f'--{key}: missing value')
            value, i = argv[i], i + 1
        overrides[key] = value
    return load_config(names, overrides, path=path, base=base), rest

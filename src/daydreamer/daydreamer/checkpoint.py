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
Pickle-free checkpoints: nested state in one safetensors file, written atomically.

Tensor and numpy leaves are stored as safetensors tensors (named by their path in
the state, e.g. ``model/encoder.weight``, so the file is readable by other tools).
Everything else -- the nesting, dict keys (str or int), tuples, scalars, strings,
None -- is encoded as JSON in the safetensors metadata, together with a format
version, a sha256 over the tensors and the user's ``meta`` dict.

The hash covers every tensor in name order (name, dtype, shape, raw bytes), so it
is independent of how safetensors lays the payload out on disk.
"""

from collections import OrderedDict
import hashlib
import json
import logging
import math
import os
from pathlib import Path
import re
import secrets
import struct
import time

import numpy as np
import safetensors
import safetensors.torch
import torch

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_KEY = 'daydreamer.'  # prefix of our safetensors metadata entries


class CorruptCheckpoint(ValueError):
    """A checkpoint file that cannot be trusted: truncated, garbage, tampered or incomplete."""

    def __init__(self, path, reason):
        self.path, self.reason = Path(path), reason
        super().__init__(f'corrupt checkpoint {self.path}: {reason}')


# ---------------------------------------------------------------------------- encoding

def _encode(obj, path, tensors, seen_storage):
    """Return the JSON node for `obj`, moving tensor/array leaves into `tensors`."""
    if isinstance(obj, torch.Tensor):
        return {'T': _put(tensors, path, _cpu_tensor(obj, seen_storage))}
    if isinstance(obj, (np.ndarray, np.generic)):
        arr = np.asarray(obj)
        if arr.dtype.hasobject:
            raise TypeError(f'checkpoint: object array at {"/".join(map(str, path))} is not supported')
        arr = arr.astype(arr.dtype.newbyteorder('='), copy=False)
        if not (arr.flags.c_contiguous and arr.flags.writeable):  # from_numpy warns on read-only
            arr = arr.copy(order='C')  # (np.ascontiguousarray would turn 0-d into 1-d)
        node = {'N': _put(tensors, path, _cpu_tensor(torch.from_numpy(arr), seen_storage))}
        if isinstance(obj, np.generic):
            node['scalar'] = True
        return node
    if isinstance(obj, dict):
        node = {'D': [[_key(k, path), _encode(v, path + (k,), tensors, seen_storage)]
                      for k, v in obj.items()]}
        if isinstance(getattr(obj, '_metadata', None), dict):  # module state_dict version info
            node['meta'] = [[k, v] for k, v in obj._metadata.items()]
        return node
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, path + (i,), tensors, seen_storage) for i, v in enumerate(obj)]
        return {'U': items} if isinstance(obj, tuple) else {'L': items}
    if isinstance(obj, float) and not math.isfinite(obj):
        return {'F': repr(obj)}  # 'nan', 'inf', '-inf': strict JSON has no such numbers
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f'checkpoint: unsupported leaf {type(obj).__name__} at {"/".join(map(str, path))}')


def _key(k, path):
    if k is None or isinstance(k, (bool, int, str)) or (isinstance(k, float) and math.isfinite(k)):
        return k
    raise TypeError(f'checkpoint: unsupported dict key {k!r} at {"/".join(map(str, path))}')


def _put(tensors, path, tensor):
    name = '/'.join(map(str, path)) or 'tensor'
    unique, i = name, 1
    while unique in tensors:  # e.g. key 'a/b' next to nested a -> b
        unique, i = f'{name}#{i}', i + 1
    tensors[unique] = tensor
    return unique


def _cpu_tensor(t, seen_storage):
    t = t.detach().to('cpu').contiguous()
    # safetensors refuses tensors that share memory (tied weights, views of one buffer).
    ptr = t.untyped_storage().data_ptr()
    if ptr in seen_storage:
        t = t.clone()
    seen_storage.add(ptr)
    return t


def _decode(node, tensors, device):
    if isinstance(node, list) or not isinstance(node, dict):
        return node
    if 'T' in node:
        return tensors[node['T']].to(device)
    if 'N' in node:
        arr = tensors[node['N']].numpy()
        return arr[()] if node.get('scalar') else arr
    if 'D' in node:
        out = {k: _decode(v, tensors, device) for k, v in node['D']}
        if 'meta' in node:
            out = OrderedDict(out)
            out._metadata = OrderedDict((k, v) for k, v in node['meta'])
        return out
    if 'L' in node:
        return [_decode(v, tensors, device) for v in node['L']]
    if 'U' in node:
        return tuple(_decode(v, tensors, device) for v in node['U'])
    if 'F' in node:
        return float(node['F'])
    raise KeyError(f'unknown node {sorted(node)}')


def _digest(tensors):
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name]
        h.update(f'{name}\0{t.dtype}\0{tuple(t.shape)}\0'.encode())
        h.update(memoryview(t.reshape(-1).view(torch.uint8).numpy()))
    return h.hexdigest()


# ---------------------------------------------------------------------------- save / load

def save(path, state, meta=None):
    """Write `state` (nested dicts/lists/tuples of tensors, arrays, scalars) atomically to `path`."""
    path = Path(path)
    if meta is not None and not all(isinstance(k, str) for k in meta):
        raise TypeError('checkpoint meta must be a dict with string keys')
    tensors = {}
    structure = _encode(state, (), tensors, set())
    metadata = {
        _KEY + 'format': str(FORMAT_VERSION),
        _KEY + 'structure': json.dumps(structure, allow_nan=False, separators=(',', ':')),
        _KEY + 'sha256': _digest(tensors),
        _KEY + 'meta': json.dumps({} if meta is None else meta, allow_nan=False),
    }
    tmp = path.parent / f'.{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}'
    try:
        safetensors.torch.save_file(tensors, tmp, metadata=metadata)
        with open(tmp, 'rb+') as f:  # save_file does not fsync
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass  # directories cannot be fsynced on some platforms


def load(path, device='cpu'):
    """
    Return `(state, meta)` from a file written by `save`; tensors go to `device`.

    Raises CorruptCheckpoint for anything but a complete, intact checkpoint and
    FileNotFoundError when the file does not exist.
    """
    path = Path(path)
    metadata = _read_header(path)
    if metadata.get(_KEY + 'format') != str(FORMAT_VERSION):
        raise CorruptCheckpoint(path, f'missing or unsupported format version '
                                      f'{metadata.get(_KEY + "format")!r} (expected {FORMAT_VERSION})')
    try:
        with safetensors.safe_open(str(path), framework='pt', device='cpu') as f:
            tensors = {name: f.get_tensor(name) for name in f.keys()}
        structure = json.loads(metadata[_KEY + 'structure'])
        user_meta = json.loads(metadata[_KEY + 'meta'])
        expected = metadata[_KEY + 'sha256']
    except Exception as e:  # safetensors raises its own error types
        if not path.exists():
            raise FileNotFoundError(path) from e  # removed while we read it: not corrupt
        raise CorruptCheckpoint(path, f'unreadable ({type(e).__name__}: {e})') from e
    actual = _digest(tensors)
    if actual != expected:
        raise CorruptCheckpoint(path, f'sha256 mismatch: tensor payload hashes to {actual[:16]}..., '
                                      f'metadata says {expected[:16]}...')
    try:
        state = _decode(structure, tensors, device)
    except (KeyError, TypeError, ValueError) as e:
        raise CorruptCheckpoint(path, f'structure does not match tensors ({e})') from e
    return state, user_meta


def _read_header(path):
    """Validate the safetensors framing ourselves so that errors name what is wrong."""
    with open(path, 'rb') as f:
        size = os.fstat(f.fileno()).st_size  # of the file we opened, even if renamed over since
        head = f.read(8)
        if len(head) < 8:
            raise CorruptCheckpoint(path, f'truncated: {size} bytes, shorter than the 8-byte header length')
        (n,) = struct.unpack('<Q', head)
        if n > size - 8:
            raise CorruptCheckpoint(path, f'truncated or not a safetensors file: header claims {n} bytes, '
                                          f'file has {size - 8} after the length')
        raw = f.read(n)
    try:
        header = json.loads(raw)
        metadata = header.pop('__metadata__', None) or {}
        end = max((int(v['data_offsets'][1]) for v in header.values()), default=0)
    except Exception as e:
        raise CorruptCheckpoint(path, f'garbage header, not a safetensors file ({type(e).__name__})') from e
    if size != 8 + n + end:
        what = 'truncated' if size < 8 + n + end else 'trailing bytes'
        raise CorruptCheckpoint(path, f'{what}: expected {8 + n + end} bytes, file has {size}')
    missing = [k for k in ('format', 'structure', 'sha256', 'meta') if _KEY + k not in metadata]
    if missing:
        raise CorruptCheckpoint(path, f'missing metadata {", ".join(_KEY + k for k in missing)}')
    return metadata


# ---------------------------------------------------------------------------- directory

class CheckpointDir:
    """
    Versioned checkpoints `<prefix>-<version:012d>.safetensors` in one directory.

    Several processes may use the directory at once (a learner saving, actors loading):
    files appear by atomic rename, so readers only ever see complete files, and temp
    files (dot-prefixed) never match the checkpoint name pattern.
    """

    STALE_TEMP_S = 3600.0  # temp files untouched this long were left by a crashed writer

    def __init__(self, directory, prefix='ckpt', keep=3):
        if keep is not None and keep < 1:
            raise ValueError(f'keep must be >= 1 or None (keep all), got {keep}')
        self.directory, self.prefix, self.keep = Path(directory), prefix, keep
        self.directory.mkdir(parents=True, exist_ok=True)
        self._pattern = re.compile(rf'{re.escape(prefix)}-(\d{{12,}})\.safetensors')

    def path(self, version):
        return self.directory / f'{self.prefix}-{int(version):012d}.safetensors'

    def versions(self):
        """Versions present on disk, ascending (from file names only)."""
        found = (self._pattern.fullmatch(p.name) for p in self.directory.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def latest_version(self):
        versions = self.versions()
        return versions[-1] if versions else None

    def save(self, version, state, meta=None):
        path = self.path(version)
        save(path, state, meta)
        if self.keep is not None:
            for old in self.versions()[:-self.keep]:
                self.path(old).unlink(missing_ok=True)  # a concurrent pruner may beat us to it
        self._sweep_temps()
        return path

    def latest(self, device='cpu'):
        """
        `(state, meta, path)` of the newest intact checkpoint, or None.

        Corrupt files are set aside as `<name>.corrupt` (never deleted) with a warning.
        """
        tried = set()
        while True:  # relist each time: files may come and go under a concurrent writer
            candidates = [v for v in self.versions() if v not in tried]
            if not candidates:
                return None
            path = self.path(candidates[-1])
            tried.add(candidates[-1])
            try:
                state, meta = load(path, device)
            except FileNotFoundError:
                continue  # pruned by a writer since we listed
            except CorruptCheckpoint as e:
                log.warning('corrupt checkpoint %s (%s): renamed to .corrupt, trying the previous one', path, e.reason)
                self._quarantine(path)
                continue
            return state, meta, path

    def _quarantine(self, path):
        target, i = path.with_name(path.name + '.corrupt'), 1
        while target.exists():
            target, i = path.with_name(f'{path.name}.corrupt-{i}'), i + 1
        try:
            os.replace(path, target)
        except FileNotFoundError:
            pass  # another reader already moved it

    def _sweep_temps(self):
        cutoff = time.time() - self.STALE_TEMP_S
        for p in self.directory.iterdir():
            if not (p.name.startswith(f'.{self.prefix}-') and '.safetensors.tmp-' in p.name):
                continue
            try:
                if p.stat().st_mtime < cutoff:
                    p.unlink()
            except FileNotFoundError:
                pass

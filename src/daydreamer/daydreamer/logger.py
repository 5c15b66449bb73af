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
Training metrics: averaged scalars, videos and a live status line.

Scalars go to metrics.jsonl and TensorBoard, videos as tiled PNG images, and a compact live status line to the console.

metrics.jsonl holds one JSON object per write(): {"step": int, "time": unix seconds,
<name>: mean, ...}. It is strict JSON: non-finite means are written as the strings
"nan", "inf" and "-inf" (``float()`` parses them back). The file is appended to, so a
resumed run continues the same file.
"""

import json
import math
from pathlib import Path
import re
import shutil
import struct
import sys
import time
import warnings
import zlib

import numpy as np
import torch

_clock = time.monotonic  # module-level so tests can substitute a fake clock
_tensorboard_warned = False


class Logger:

    def __init__(self, logdir, tensorboard=True, console=True, print_every=10.0):
        self.logdir = Path(logdir)
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.console, self.print_every = console, print_every
        self._scalars = {}  # name -> [sum, count] since the last write()
        self._videos = {}  # name -> tiled uint8 image (H, W, C)
        self._jsonl = _open_append(self.logdir / 'metrics.jsonl')
        self._tb = _summary_writer(self.logdir) if tensorboard else None
        self._last_print = None  # (clock, step) of the last console line, for fps
        self._line_open = False  # a '\r' status line sits on the terminal without a newline

    def scalar(self, name, value):
        """Accumulate a number (Python, numpy or torch); arrays contribute every element."""
        values = _as_float_array(value, name)
        acc = self._scalars.setdefault(name, [0.0, 0])
        acc[0] += float(values.sum())  # nan/inf propagate into the mean, deliberately
        acc[1] += values.size

    def add(self, metrics, prefix=None):
        """Accumulate many scalars; nested dicts become 'outer/inner' names."""
        for key, value in metrics.items():
            name = f'{prefix}/{key}' if prefix else str(key)
            if isinstance(value, dict):
                self.add(value, name)
            else:
                self.scalar(name, value)

    def video(self, name, frames):
        """
        Queue frames (T, H, W, C) or a batch (B, T, H, W, C), C in {1, 3}, for the next write.

        uint8 frames are used as is; float frames are taken to be in [0, 1].
        """
        self._videos[name] = tile_video(frames)

    def write(self, step):
        """Flush the means of everything accumulated since the last call, and the queued videos."""
        step = int(step)
        means = {name: total / count for name, (total, count) in self._scalars.items() if count}
        self._scalars.clear()
        if means:
            record = {'step': step, 'time': round(time.time(), 3)}
            record.update((k, _json_number(v)) for k, v in means.items() if k not in record)
            self._jsonl.write(json.dumps(record, allow_nan=False) + '\n')
            self._jsonl.flush()
        for name, image in self._videos.items():
            safe = re.sub(r'[^\w.-]+', '_', name)  # 'eval/openl' -> 'eval_openl'
            write_png(self.logdir / 'videos' / f'{safe}-{step}.png', image)
        if self._tb is not None:
            for name, value in means.items():
                self._tb.add_scalar(name, value, step)
            for name, image in self._videos.items():
                self._tb.add_image(name, image, step, dataformats='HWC')
            self._tb.flush()
        self._videos.clear()

    def progress(self, step, force=False, **fields):
        """
        Print `step N | F fps | key value | ...`, at most every `print_every` seconds unless forced.

        fps is measured between console lines; the first line has none. On a terminal the
        line is rewritten in place; otherwise (CI logs, files) each call prints a new line.
        """
        if not self.console:
            return
        now = _clock()
        if self._last_print is not None:
            last_time, last_step = self._last_print
            if not force and now - last_time < self.print_every:
                return
            if 'fps' not in fields and now > last_time and step >= last_step:
                fields = {'fps': (step - last_step) / (now - last_time), **fields}
        self._last_print = (now, step)
        parts = [f'step {int(step):,}']
        parts += [f'{_fmt(v)} fps' if k == 'fps' else f'{k} {_fmt(v)}' for k, v in fields.items()]
        line, out = ' | '.join(parts), sys.stdout
        if getattr(out, 'isatty', lambda: False)():
            width = shutil.get_terminal_size().columns - 1  # a wrapped line cannot be rewritten
            out.write('\r' + line[:width] + '\x1b[K')
            self._line_open = True
        else:
            out.write(line + '\n')
        out.flush()

    def close(self):
        """Close files. Values accumulated since the last write() are dropped."""
        if self._line_open:
            sys.stdout.write('\n')
            self._line_open = False
        if not self._jsonl.closed:
            self._jsonl.close()
        if self._tb is not None:
            self._tb.close()
            self._tb = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def tile_video(frames):
    """(T, H, W, C) or (B, T, H, W, C) -> uint8 image (B*H, T*W, C): time across, batch down."""
    if isinstance(frames, torch.Tensor):
        frames = frames.detach().cpu().numpy()
    frames = np.asarray(frames)
    if frames.ndim == 4:
        frames = frames[None]
    if frames.ndim != 5 or frames.shape[-1] not in (1, 3) or 0 in frames.shape:
        raise ValueError(f'video frames must be (T, H, W, C) or (B, T, H, W, C) with C in {{1, 3}}, '
                         f'got shape {frames.shape}')
    if np.issubdtype(frames.dtype, np.floating):
        frames = np.clip(np.nan_to_num(frames), 0.0, 1.0) * 255.0 + 0.5
    frames = np.clip(frames, 0, 255).astype(np.uint8)
    b, t, h, w, c = frames.shape
    return np.ascontiguousarray(frames.transpose(0, 2, 1, 3, 4).reshape(b * h, t * w, c))


def write_png(path, image):
    """Encode an 8-bit (H, W, 1) grey or (H, W, 3) RGB image as PNG, without an image library."""
    image = np.ascontiguousarray(image, np.uint8)
    h, w, c = image.shape
    rows = np.concatenate([np.zeros((h, 1), np.uint8), image.reshape(h, w * c)], axis=1)  # filter 0

    def chunk(tag, data):
        return struct.pack('>I', len(data)) + tag + data + struct.pack('>I', zlib.crc32(tag + data))

    header = struct.pack('>IIBBBBB', w, h, 8, {1: 0, 3: 2}[c], 0, 0, 0)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header)
                     + chunk(b'IDAT', zlib.compress(rows.tobytes(), 6)) + chunk(b'IEND', b''))


def _as_float_array(value, name):
    if isinstance(value, torch.Tensor):
        value = value.detach().float().cpu().numpy()
    if isinstance(value, (str, bytes)):
        raise TypeError(f'metric {name!r} must be numeric, got {type(value).__name__}')
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f'metric {name!r} must be numeric, got {type(value).__name__}') from None


def _json_number(x):
    return x if math.isfinite(x) else repr(x)  # 'nan', 'inf', '-inf'


def _fmt(value):
    """Compact console number: 12,400 / 183 / 41.2 / 3.21 / 0.00123 / nan."""
    if isinstance(value, (torch.Tensor, np.ndarray, np.generic)):
        value = _as_float_array(value, '')
        value = value.item() if value.size == 1 else float(value.mean())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f'{value:,}'
    if not math.isfinite(value):
        return repr(value)
    if abs(value) >= 1000:
        return f'{value:,.0f}'
    return f'{value:.3g}'


def _open_append(path):
    # A run killed mid-write can leave a partial last line; start ours on a fresh one.
    if path.exists() and path.stat().st_size:
        with open(path, 'rb') as f:
            f.seek(-1, 2)
            torn = f.read(1) != b'\n'
    else:
        torn = False
    f = open(path, 'a', encoding='utf-8')
    if torn:
        f.write('\n')
    return f


def _summary_writer(logdir):
    global _tensorboard_warned
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as e:
        if not _tensorboard_warned:
            warnings.warn(f'TensorBoard unavailable ({e}); logging to metrics.jsonl and console only')
            _tensorboard_warned = True
        return None
    return SummaryWriter(str(logdir))

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

import json
import math
import struct
import zlib

import numpy as np
import pytest
import torch

from daydreamer import logger as logger_mod
from daydreamer.logger import Logger, tile_video, write_png


def _lines(logdir):
    return [json.loads(line) for line in (logdir / 'metrics.jsonl').read_text().splitlines()]


def _read_png(path):
    data = path.read_bytes()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    pos, chunks = 8, {}
    while pos < len(data):
        (n,) = struct.unpack('>I', data[pos:pos + 4])
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        assert struct.unpack('>I', data[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(tag + body)
        chunks[tag] = chunks.get(tag, b'') + body
        pos += 12 + n
    w, h, depth, color = struct.unpack('>IIBB', chunks[b'IHDR'][:10])
    c = {0: 1, 2: 3}[color]
    rows = np.frombuffer(zlib.decompress(chunks[b'IDAT']), np.uint8).reshape(h, 1 + w * c)
    assert depth == 8 and not rows[:, 0].any()
    return rows[:, 1:].reshape(h, w, c)


def test_write_means_to_jsonl(tmp_path):
    with Logger(tmp_path, tensorboard=False, console=False) as log:
        log.scalar('loss', 1.0)
        log.scalar('loss', torch.tensor(3.0))
        log.add({'a': np.float32(2.0), 'b': np.array([1.0, 2.0, 6.0]), 'n': {'c': 5}}, prefix='train')
        log.write(10)
        log.write(11)  # nothing accumulated: no line
        log.scalar('loss', 7)
        log.write(20)
    first, second = _lines(tmp_path)
    assert first['step'] == 10 and isinstance(first['time'], float)
    assert first['loss'] == 2.0 and first['train/a'] == 2.0 and first['train/b'] == 3.0
    assert first['train/n/c'] == 5.0
    assert second == {'step': 20, 'time': second['time'], 'loss': 7.0}


def test_non_finite_values_keep_json_valid(tmp_path):
    with Logger(tmp_path, tensorboard=True, console=False) as log:
        log.add({'nan': math.nan, 'inf': np.inf, 'ninf': torch.tensor(-math.inf), 'ok': 1.0})
        log.scalar('mixed', 1.0)
        log.scalar('mixed', math.nan)
        log.write(1)
        log.progress(1, loss=math.nan, force=True)
    text = (tmp_path / 'metrics.jsonl').read_text()
    record = json.loads(text, parse_constant=lambda c: pytest.fail(f'non-standard JSON {c}'))
    assert record['nan'] == 'nan' and record['inf'] == 'inf' and record['ninf'] == '-inf'
    assert record['mixed'] == 'nan' and record['ok'] == 1.0
    assert math.isnan(float(record['nan']))


def test_rejects_non_numeric(tmp_path):
    with Logger(tmp_path, tensorboard=False, console=False) as log:
        with pytest.raises(TypeError, match="'phase'"):
            log.scalar('phase', 'train')


def test_tensorboard_scalars_and_images(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    with Logger(tmp_path, console=False) as log:
        for step in (1, 2):
            log.scalar('model_loss', 0.5 * step)
            log.scalar('model_loss', 1.5 * step)
            log.write(step)
        log.video('policy/video', np.zeros((3, 8, 6, 3), np.uint8))
        log.write(3)
    assert list(tmp_path.glob('events.out.tfevents.*'))
    acc = EventAccumulator(str(tmp_path), size_guidance={'images': 0, 'scalars': 0})
    acc.Reload()
    scalars = acc.Scalars('model_loss')
    assert [(s.step, s.value) for s in scalars] == [(1, 1.0), (2, 2.0)]
    (image,) = acc.Images('policy/video')
    assert image.step == 3 and (image.width, image.height) == (18, 8)


def test_video_tiling_and_png(tmp_path):
    frames = np.zeros((2, 4, 5, 6, 3), np.uint8)  # B, T, H, W, C
    for b in range(2):
        for t in range(4):
            frames[b, t] = 10 * b + t
    image = tile_video(frames)
    assert image.shape == (2 * 5, 4 * 6, 3) and image.dtype == np.uint8
    assert image[0, 0, 0] == 0 and image[0, 6 * 3, 0] == 3 and image[5, 6, 0] == 11
    assert tile_video(torch.rand(7, 5, 6, 1)).shape == (5, 42, 1)  # float in [0, 1], grey
    with pytest.raises(ValueError, match='shape'):
        tile_video(np.zeros((4, 5, 6, 4), np.uint8))

    with Logger(tmp_path, tensorboard=False, console=False) as log:
        log.video('eval/openl', frames)
        log.video('grey', np.full((3, 4, 4, 1), 200, np.uint8))
        log.write(100)
    np.testing.assert_array_equal(_read_png(tmp_path / 'videos' / 'eval_openl-100.png'), image)
    assert (_read_png(tmp_path / 'videos' / 'grey-100.png') == 200).all()


def test_write_png_round_trip(tmp_path):
    image = np.random.default_rng(0).integers(0, 256, (7, 9, 3), dtype=np.uint8)
    write_png(tmp_path / 'x.png', image)
    np.testing.assert_array_equal(_read_png(tmp_path / 'x.png'), image)


def test_progress_line_not_tty(tmp_path, capsys, monkeypatch):
    now = [100.0]
    monkeypatch.setattr(logger_mod, '_clock', lambda: now[0])
    log = Logger(tmp_path, tensorboard=False, print_every=10.0)
    log.progress(12000, **{'return': 41.23})
    now[0] += 5.0
    log.progress(12500, model_loss=3.2)  # rate-limited: nothing printed
    now[0] += 5.0
    log.progress(14000, **{'return': 41.234, 'model_loss': torch.tensor(3.2109), 'episodes': 7})
    now[0] += 1.0
    log.progress(14100, force=True)
    log.close()
    lines = capsys.readouterr().out.splitlines()
    assert lines == ['step 12,000 | return 41.2',
                     'step 14,000 | 200 fps | return 41.2 | model_loss 3.21 | episodes 7',
                     'step 14,100 | 100 fps']
    assert '\r' not in ''.join(lines)


def test_progress_tty_rewrites_line(tmp_path, monkeypatch):
    class FakeTTY:

        def __init__(self):
            self.text = ''

        def write(self, s):
            self.text += s

        def flush(self):
            pass

        def isatty(self):
            return True

    tty = FakeTTY()
    monkeypatch.setattr(logger_mod.sys, 'stdout', tty)
    log = Logger(tmp_path, tensorboard=False)
    log.progress(1)
    log.progress(2, force=True)
    log.close()
    assert tty.text.startswith('\rstep 1') and '\rstep 2' in tty.text and tty.text.endswith('\n')
    assert tty.text.count('\n') == 1


def test_console_off_prints_nothing(tmp_path, capsys):
    with Logger(tmp_path, tensorboard=False, console=False) as log:
        log.progress(5, force=True)
    assert capsys.readouterr().out == ''


def test_appends_across_restarts(tmp_path):
    with Logger(tmp_path, tensorboard=False, console=False) as log:
        log.scalar('x', 1)
        log.write(1)
    with open(tmp_path / 'metrics.jsonl', 'a') as f:
        f.write('{"step": 2, "x"')  # a run killed mid-line
    with Logger(tmp_path, tensorboard=False, console=False) as log:
        log.scalar('x', 3)
        log.write(3)
    lines = (tmp_path / 'metrics.jsonl').read_text().splitlines()
    assert len(lines) == 3
    assert json.loads(lines[0])['x'] == 1 and json.loads(lines[2]) | {'time': 0} == {'step': 3, 'time': 0, 'x': 3}


def test_number_formatting():
    fmt = logger_mod._fmt
    assert [fmt(v) for v in (12400, 183.4, 41.23, 3.2109, 0.00123, 12345.6, math.nan, -math.inf, 0.0)] == [
        '12,400', '183', '41.2', '3.21', '0.00123', '12,346', 'nan', '-inf', '0']
    assert fmt(np.int64(7)) == '7' and fmt('ok') == 'ok' and fmt(True) == 'True'


def test_without_tensorboard_warns_once(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__('sys').modules, 'torch.utils.tensorboard', None)  # import fails
    monkeypatch.setattr(logger_mod, '_tensorboard_warned', False)
    with pytest.warns(UserWarning, match='TensorBoard unavailable'):
        log = Logger(tmp_path / 'a', console=False)
    with log, Logger(tmp_path / 'b', console=False) as log2:  # no second warning
        log.scalar('x', 1.0)
        log.video('v', np.zeros((2, 3, 3, 3), np.uint8))
        log.write(1)
        log2.write(1)
    assert _lines(tmp_path / 'a')[0]['x'] == 1.0 and (tmp_path / 'a/videos/v-1.png').exists()
    assert not list((tmp_path / 'a').glob('events.*'))

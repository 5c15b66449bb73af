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
import logging
import math
import os
import pathlib
import struct
import threading

import numpy as np
import pytest
import torch

from daydreamer import checkpoint
from daydreamer.checkpoint import CheckpointDir, CorruptCheckpoint, load, save


def _train(model, opt, steps, seed):
    gen = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(steps):
        x = torch.randn(8, 4, generator=gen)
        loss = (model(x) - x.sum(-1, keepdim=True)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def _make(seed=0):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.LayerNorm(16), torch.nn.ELU(),
                                torch.nn.Linear(16, 1))
    return model, torch.optim.Adam(model.parameters(), lr=1e-2, betas=(0.9, 0.99), eps=1e-6)


def test_module_and_adam_round_trip_continue_identically(tmp_path):
    model, opt = _make()
    _train(model, opt, 5, seed=1)
    save(tmp_path / 'c.safetensors', {'model': model.state_dict(), 'opt': opt.state_dict(), 'step': 5},
         meta={'run': 'x'})

    state, meta = load(tmp_path / 'c.safetensors')
    assert meta == {'run': 'x'} and state['step'] == 5
    assert list(state['opt']['state']) == list(opt.state_dict()['state'])  # int keys stay ints
    assert state['opt']['param_groups'] == opt.state_dict()['param_groups']  # betas tuple etc.
    model2, opt2 = _make(seed=123)  # different init, overwritten by the load
    model2.load_state_dict(state['model'])
    opt2.load_state_dict(state['opt'])
    for a, b in zip(model.parameters(), model2.parameters()):
        assert torch.equal(a, b)
    assert _train(model, opt, 3, seed=2) == _train(model2, opt2, 3, seed=2)
    for a, b in zip(model.parameters(), model2.parameters()):
        assert torch.equal(a, b)


def test_leaf_types_round_trip(tmp_path):
    state = {
        'arr': np.arange(6, dtype=np.float32).reshape(2, 3),
        'u8': np.zeros((2, 2, 3), np.uint8), 'flags': np.array([True, False]),
        'big_endian': np.array([1.5, 2.5], dtype='>f8'),
        'zero_d': np.array(2.0), 'strided': np.arange(10)[::3], 'readonly': np.frombuffer(b'ab', np.uint8),
        'np_scalar': np.int64(7), 'np_float': np.float32(0.25),
        'int': 3, 'neg': -2**62, 'float': 0.1, 'nan': math.nan, 'inf': -math.inf,
        'str': 'héllo', 'none': None, 'bool': True,
        'nested': [1, [2.5, {'a': np.ones(2)}], (3, 'x'), []],
        5: 'int key', 'empty': {},
        'bf16': torch.ones(3, dtype=torch.bfloat16), 'scalar_tensor': torch.tensor(4.0),
        'a/b': torch.zeros(1), 'a': {'b': torch.ones(1)},  # colliding tensor names
    }
    save(tmp_path / 'c.safetensors', state)
    out, meta = load(tmp_path / 'c.safetensors')
    assert meta == {}
    assert set(out) == set(state)
    assert isinstance(out['arr'], np.ndarray) and out['arr'].dtype == np.float32
    np.testing.assert_array_equal(out['arr'], state['arr'])
    assert out['u8'].dtype == np.uint8 and out['u8'].shape == (2, 2, 3)
    assert out['flags'].dtype == bool and out['flags'].tolist() == [True, False]
    assert out['big_endian'].tolist() == [1.5, 2.5]
    assert out['zero_d'].shape == () and out['strided'].tolist() == [0, 3, 6, 9]
    assert out['readonly'].tolist() == [97, 98]
    assert type(out['np_scalar']) is np.int64 and out['np_scalar'] == 7
    assert type(out['np_float']) is np.float32 and out['np_float'] == 0.25
    assert out['int'] == 3 and out['neg'] == -2**62 and out['float'] == 0.1
    assert math.isnan(out['nan']) and out['inf'] == -math.inf
    assert out['str'] == 'héllo' and out['none'] is None and out['bool'] is True
    assert out['nested'][:1] == [1] and out['nested'][1][0] == 2.5
    np.testing.assert_array_equal(out['nested'][1][1]['a'], np.ones(2))
    assert out['nested'][2] == (3, 'x') and out['nested'][3] == []
    assert out[5] == 'int key' and out['empty'] == {}
    assert out['bf16'].dtype == torch.bfloat16 and out['scalar_tensor'].shape == ()
    assert out['a/b'].item() == 0 and out['a']['b'].item() == 1


def test_shared_and_tied_tensors(tmp_path):
    base = torch.arange(10.0)
    arr = np.arange(4.0)
    save(tmp_path / 'c.safetensors', {'w': base, 'tied': base, 'view': base[2:5],
                                      'arr': arr, 'arr_view': arr[1:]})
    out, _ = load(tmp_path / 'c.safetensors')
    assert torch.equal(out['tied'], base) and out['view'].tolist() == [2, 3, 4]
    assert out['arr_view'].tolist() == [1, 2, 3]


def test_module_metadata_is_kept(tmp_path):
    model = torch.nn.BatchNorm1d(3)
    save(tmp_path / 'c.safetensors', model.state_dict())
    out, _ = load(tmp_path / 'c.safetensors')
    assert out._metadata == model.state_dict()._metadata
    torch.nn.BatchNorm1d(3).load_state_dict(out)


def test_no_tensors_and_unsupported_leaf(tmp_path):
    save(tmp_path / 'c.safetensors', {'step': 1})
    assert load(tmp_path / 'c.safetensors') == ({'step': 1}, {})
    with pytest.raises(TypeError, match='bad'):
        save(tmp_path / 'd.safetensors', {'bad': object()})
    assert not list(tmp_path.glob('.d*'))  # temp file removed on failure


def _write(tmp_path):
    path = tmp_path / 'c.safetensors'
    save(path, {'w': torch.arange(100.0), 'step': 1})
    return path


def test_truncated_file(tmp_path):
    path = _write(tmp_path)
    data = path.read_bytes()
    for cut in (len(data) - 7, 20, 3, 0):
        path.write_bytes(data[:cut])
        with pytest.raises(CorruptCheckpoint, match='truncated') as e:
            load(path)
        assert str(path) in str(e.value) and e.value.path == path
        assert isinstance(e.value, ValueError)


def test_garbage_and_missing_metadata(tmp_path):
    path = tmp_path / 'c.safetensors'
    path.write_bytes(b'this is not a checkpoint at all')
    with pytest.raises(CorruptCheckpoint, match=str(path)):
        load(path)
    header = b'{"__metadata__": {"x": "y"}}'
    path.write_bytes(struct.pack('<Q', len(header)) + header)
    with pytest.raises(CorruptCheckpoint, match='missing metadata'):
        load(path)
    header = b'{not json}'
    path.write_bytes(struct.pack('<Q', len(header)) + header)
    with pytest.raises(CorruptCheckpoint, match='garbage'):
        load(path)


def test_flipped_payload_byte_is_detected(tmp_path):
    path = _write(tmp_path)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x01  # last bytes are tensor payload
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptCheckpoint, match='sha256 mismatch'):
        load(path)


def test_missing_file_is_not_corrupt(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / 'nope.safetensors')


def test_metadata_is_plain_json(tmp_path):
    path = _write(tmp_path)
    (n,) = struct.unpack('<Q', path.read_bytes()[:8])
    meta = json.loads(path.read_bytes()[8:8 + n])['__metadata__']
    assert meta['daydreamer.format'] == str(checkpoint.FORMAT_VERSION)
    assert len(meta['daydreamer.sha256']) == 64
    json.loads(meta['daydreamer.structure'])


def test_checkpoint_dir_keep_and_versions(tmp_path):
    ckpts = CheckpointDir(tmp_path, prefix='actor', keep=2)
    assert ckpts.latest() is None and ckpts.latest_version() is None
    for v in (1, 2, 3, 4):
        path = ckpts.save(v, {'v': torch.tensor(v)}, meta={'version': v})
    assert path.name == 'actor-000000000004.safetensors'
    assert ckpts.versions() == [3, 4] and ckpts.latest_version() == 4
    state, meta, path = ckpts.latest()
    assert state['v'].item() == 4 and meta == {'version': 4} and path == ckpts.path(4)
    assert CheckpointDir(tmp_path, prefix='other').versions() == []


def test_checkpoint_dir_falls_back_from_corrupt(tmp_path, caplog):
    ckpts = CheckpointDir(tmp_path, keep=3)
    for v in (10, 20):
        ckpts.save(v, {'v': torch.tensor(v)})
    newest = ckpts.path(20)
    newest.write_bytes(newest.read_bytes()[:-5])
    with caplog.at_level(logging.WARNING):
        state, _, path = ckpts.latest()
    assert state['v'].item() == 10 and path == ckpts.path(10)
    assert newest.name in caplog.text and 'truncated' in caplog.text
    assert not newest.exists() and newest.with_name(newest.name + '.corrupt').exists()
    assert ckpts.versions() == [10]
    # Corrupt files are never pruned, and a second corrupt copy does not overwrite the first.
    for v in (20, 30, 40, 50):
        ckpts.save(v, {'v': torch.tensor(v)})
    ckpts.path(50).write_bytes(b'garbage')
    assert ckpts.latest()[0]['v'].item() == 40
    assert sorted(p.name for p in tmp_path.glob('*.corrupt*')) == [
        'ckpt-000000000020.safetensors.corrupt', 'ckpt-000000000050.safetensors.corrupt']


def test_checkpoint_dir_all_corrupt(tmp_path):
    ckpts = CheckpointDir(tmp_path)
    ckpts.save(1, {'x': 1})
    ckpts.path(1).write_bytes(b'')
    assert ckpts.latest() is None


def test_crashed_writer_temp_file_is_ignored(tmp_path):
    ckpts = CheckpointDir(tmp_path)
    ckpts.save(1, {'v': torch.tensor(1)})
    # What a writer killed before os.replace leaves behind: a partial, dot-prefixed temp file.
    tmp = tmp_path / '.ckpt-000000000002.safetensors.tmp-999-abcd'
    tmp.write_bytes(ckpts.path(1).read_bytes()[:30])
    assert ckpts.versions() == [1]
    assert ckpts.latest()[0]['v'].item() == 1 and tmp.exists()
    ckpts.save(3, {'v': torch.tensor(3)})
    assert tmp.exists()  # fresh temp files may belong to a live writer
    old = tmp.stat().st_mtime - 2 * CheckpointDir.STALE_TEMP_S
    os.utime(tmp, (old, old))
    ckpts.save(4, {'v': torch.tensor(4)})
    assert not tmp.exists()  # stale ones are swept


def test_save_is_atomic_replace(tmp_path, monkeypatch):
    path = _write(tmp_path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint.os, 'replace', crash)
    with pytest.raises(KeyboardInterrupt):
        save(path, {'w': torch.zeros(3)})
    assert path.read_bytes() == before and os.listdir(tmp_path) == ['c.safetensors']


def test_device_argument(tmp_path):
    save(tmp_path / 'c.safetensors', {'t': torch.ones(2), 'a': np.ones(2)})
    out, _ = load(tmp_path / 'c.safetensors', device='meta')
    assert out['t'].device.type == 'meta' and isinstance(out['a'], np.ndarray)


def test_concurrent_writer_and_reader(tmp_path):
    writer_dir, reader_dir = CheckpointDir(tmp_path, keep=2), CheckpointDir(tmp_path, keep=2)
    writer_dir.save(0, {'v': torch.tensor(0), 'w': torch.randn(2000)})
    done = threading.Event()

    def write():
        for v in range(1, 40):
            writer_dir.save(v, {'v': torch.tensor(v), 'w': torch.randn(2000)})
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    seen = []
    while not done.is_set():
        state, _, path = reader_dir.latest()
        seen.append(state['v'].item())
    thread.join()
    assert seen == sorted(seen) and not list(tmp_path.glob('*.corrupt*'))
    assert reader_dir.latest()[0]['v'].item() == 39 and reader_dir.versions() == [38, 39]


def test_no_pickle():
    source = pathlib.Path(checkpoint.__file__).read_text()
    assert 'import pickle' not in source and 'torch.load' not in source

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

"""Resume after SIGKILL: step counter, weights and every fully written replay chunk come back."""

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from daydreamer import checkpoint, loops
from daydreamer.config import load_config

ARGS = ['--configs', 'point', 'debug', '--run.train_fill', '200', '--run.save_every', '1.0',
        '--replay.chunk', '16', '--run.log_seconds', '1.0']


def command(logdir, steps):
    return [sys.executable, '-m', 'daydreamer.cli', 'train', '--logdir', str(logdir), *ARGS,
            '--steps', str(steps)]  # the rerun below must stop there: `train` honours --steps


def wait_for(predicate, timeout, proc):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.2)
    raise AssertionError('timed out')


def test_sigkill_then_resume(tmp_path):
    logdir = tmp_path / 'run'
    proc = subprocess.Popen(command(logdir, 10 ** 9), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        ckpts = logdir / 'checkpoints'
        wait_for(lambda: len(list(ckpts.glob('ckpt-*.safetensors'))) >= 2, 180, proc)
        time.sleep(1.5)  # let it run on past a checkpoint, so that the kill lands mid-training
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    # What a killed run leaves: complete chunk files (temp files of an interrupted write start with '.').
    files = sorted((logdir / 'replay').glob('*.npz'))
    assert files
    rows = sum(int(re.search(r'-(\d+)\.npz$', f.name).group(1)) for f in files)
    state, _, path = checkpoint.CheckpointDir(logdir / 'checkpoints', 'ckpt').latest()
    counters = state['counters']
    assert counters['step'] > 0 and counters['updates'] > 0

    config = load_config(['point', 'debug'], {'run.train_fill': 200, 'replay.chunk': 16})
    session = loops.Session(config, logdir)
    assert session.resumed
    assert session.counters == {k: int(v) for k, v in counters.items()}
    saved = state['agent']['agent']
    for name, value in session.agent.state_dict().items():
        assert torch.equal(value, saved[name]), name
    assert len(session.replay) == rows
    assert session.replay.stats['replay_corrupt_files'] == 0
    for opt in session.agent.opts.values():  # optimiser moments are back too
        assert opt.opt.state, 'optimiser state missing'
    window = session.replay.sample(4)
    assert np.isfinite(window['vector']).all()

    # Rerunning the same command continues from the saved step instead of starting over.
    result = subprocess.run(command(logdir, counters['step'] + 100), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Resuming point_vector in {logdir}: step {counters['step']:,}" in result.stdout
    newest = checkpoint.CheckpointDir(logdir / 'checkpoints', 'ckpt').latest()[0]['counters']
    assert newest['step'] >= counters['step'] + 100
    assert newest['updates'] > counters['updates']


def test_stop_signals_ask_once_then_interrupt():
    previous = signal.getsignal(signal.SIGTERM)
    stop = loops.StopSignals()
    try:
        assert not stop
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)  # the handler runs in the main thread between bytecodes
        assert stop and stop.received == 'SIGTERM'
        with pytest.raises(KeyboardInterrupt):  # a second signal does not wait for the loop
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)
    finally:
        stop.restore()
    assert signal.getsignal(signal.SIGTERM) is previous


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT], ids=['SIGTERM', 'SIGINT'])
def test_signal_stops_train_cleanly_with_everything_written(tmp_path, signum):
    """Ctrl-C or kill: the loop finishes its step, writes a checkpoint and every replay row, and exits 0."""
    logdir = tmp_path / 'run'
    proc = subprocess.Popen(command(logdir, 10 ** 9), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: list((logdir / 'checkpoints').glob('ckpt-*.safetensors')), 180, proc)
    finally:
        proc.send_signal(signum)
        out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, out
    assert f'{signal.Signals(signum).name}: stopping: writing a checkpoint and the open replay chunks' in out, out
    state = checkpoint.CheckpointDir(logdir / 'checkpoints', 'ckpt').latest()[0]
    files = sorted((logdir / 'replay').glob('*.npz'))
    rows = sum(int(re.search(r'-(\d+)\.npz$', f.name).group(1)) for f in files)
    # Every row the step counter counts is in a complete chunk file, none in a half-written temp file.
    assert rows == int(state['counters']['step']), (rows, state['counters'])
    assert not [f for f in (logdir / 'replay').iterdir() if f.name.startswith('.')]

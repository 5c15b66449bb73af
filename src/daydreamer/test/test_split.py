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

"""`daydreamer act` and `daydreamer learn` as two processes that share only a logdir."""

import json
import subprocess
import sys
import time

from daydreamer import checkpoint

ARGS = ['--configs', 'point', 'debug', '--run.train_fill', '200', '--run.sync_every', '1.0',
        '--run.save_every', '2.0', '--replay.chunk', '16', '--run.log_seconds', '2.0']


def start(command, logdir, *extra):
    return subprocess.Popen([sys.executable, '-m', 'daydreamer.cli', command, '--logdir', str(logdir), '-v',
                             *ARGS, *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_actor_and_learner_processes_exchange_experience_and_weights(tmp_path):
    learner = start('learn', tmp_path)
    actor = start('act', tmp_path)
    weights = checkpoint.CheckpointDir(tmp_path / 'weights', 'policy')
    versions = []
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            assert learner.poll() is None and actor.poll() is None
            version = weights.latest_version()
            if version is not None and (not versions or version != versions[-1]):
                versions.append(version)
            if len(versions) >= 3:
                break
            time.sleep(0.5)
        time.sleep(3.0)  # give the actor a moment to pick up the newest version
    finally:
        actor.terminate()
        learner.terminate()
        actor_out, learner_out = actor.communicate(timeout=60)[0], learner.communicate(timeout=60)[0]
    # SIGTERM asks each loop to finish its step, then write what it holds, and exit cleanly.
    assert actor.returncode == 0 and 'SIGTERM: stopping: writing the open replay chunks' in actor_out, actor_out
    assert learner.returncode == 0 and 'SIGTERM: stopping: writing a checkpoint' in learner_out, learner_out
    assert len(versions) >= 3, learner_out
    assert versions == sorted(versions)  # published weights are versioned by update count and only go up
    assert 'acting with weights version' in actor_out, actor_out
    counters = json.loads((tmp_path / 'actor.json').read_text())
    assert counters['step'] > 200
    state = checkpoint.CheckpointDir(tmp_path / 'checkpoints', 'ckpt').latest()[0]
    # The learner held the train ratio against the actor's steps: never more updates than were due.
    config_ratio, rows_per_update, fill = 32, 8 * 16, 200
    due = 1 + (counters['step'] - fill) * config_ratio / rows_per_update
    assert 0 < state['counters']['updates'] <= due + 1
    assert list((tmp_path / 'replay').glob('*.npz'))


def test_train_holds_the_train_ratio(tmp_path):
    """In `train` the learner runs exactly the updates that fall due: pretrain + (steps - fill) * ratio / (B T)."""
    from daydreamer import loops
    from daydreamer.config import load_config
    config = load_config(['point', 'debug'], {'run.train_fill': 200, 'run.steps': 700, 'run.eval_every': 0,
                                              'run.train_ratio': 64})
    counters = loops.train(config, tmp_path)
    due = config.run.pretrain + (counters['step'] - 200) * 64 // (config.batch_size * config.replay_chunk)
    assert counters['step'] >= 700
    assert due - 1 <= counters['updates'] <= due


def test_learn_stops_at_the_actors_step_budget(tmp_path):
    """
    `learn --steps N` means the actor's N env steps, as in act and train.

    Once the actor has written them and the updates due for them are done, the learner saves and exits (it used to count
    updates).
    """
    from daydreamer import loops
    from daydreamer.config import load_config
    config = load_config(['point', 'debug'], {'run.train_fill': 200, 'run.steps': 300, 'run.eval_every': 0,
                                              'run.train_ratio': 32, 'replay.chunk': 16})
    assert loops.act(config, tmp_path)['step'] >= 300
    learner = start('learn', tmp_path, '--steps', '300', '--run.train_ratio', '32')
    try:
        out = learner.communicate(timeout=120)[0]
    finally:
        learner.kill()
    assert learner.returncode == 0, out
    due = loops.due_updates(300, config)
    assert due == 1 + 100 * 32 // (8 * 16)
    assert checkpoint.CheckpointDir(tmp_path / 'checkpoints', 'ckpt').latest()[0]['counters']['updates'] == due

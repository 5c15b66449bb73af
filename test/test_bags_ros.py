"""
record:=true on real ROS 2: `ros2 bag record` (rosbag2, mcap) of a twin's graph, converted by `daydreamer import`.

`a1_sim.launch.py record:=true learner:=false` runs the sim node, bridge, actor and the recorder; a probe watches
the Steps and Actions. After Ctrl-C the bag under <logdir>/bags converts (daydreamer.bags, without ROS) into the
rows the actor stored: each row's observation is a Step the probe saw, in order, and its action the Action that
answered the Step before it. Then `daydreamer offline` trains on them (tiny networks) and `daydreamer eval` runs
the result in the twin (the MuJoCo A1). Last, `playback.launch.py` plays the bag's driver topic (the twin's
/a1/low_state, recorded with record_topics) on the bag's clock to a new bridge and actor, with the learner on the
offline run's logdir: Steps come from the recorded data and the actor answers them greedily with the trained
weights.
"""

from pathlib import Path

import numpy as np
from test_launch_graph import Launch, Probe, write_parameter_files


def test_record_a_twin_graph_import_the_bag_train_offline_and_evaluate(tmp_path):
    from daydreamer import bags, exchange
    from daydreamer.config import load_config
    from daydreamer_interfaces.msg import Action, Step
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    deep = QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE)
    probe = Probe('/a1', name='bag_probe')
    steps, actions = probe.record(Step, '/a1/step', deep), probe.record(Action, '/a1/action', deep)
    actor_params, _ = write_parameter_files(tmp_path)
    logdir = tmp_path / 'logdir'
    launch = Launch(['a1_sim.launch.py', 'record:=true', 'record_topics:=/a1/low_state', 'learner:=false',
                     'configs:=a1 debug',
                     'overrides:=--threads 1', f'logdir:={logdir}', f'actor_params_file:={actor_params}'],
                    tmp_path / 'launch.log')
    probe.alive = launch.running
    try:
        try:
            probe.wait(lambda: sum(a.mode == Action.MODE_EXPLORE for _, a in actions) >= 80, 180.0,
                       '80 Actions of the actor')
        except AssertionError as e:
            raise AssertionError(f'{e}\n--- launch:\n{launch.text()[-4000:]}') from None
        code, _ = launch.interrupt()
        assert code == 0, launch.text()[-3000:]
    finally:
        launch.close()
        probe.close()
    (bag,) = (logdir / 'bags').iterdir()
    assert list(bag.glob('*.mcap')) and (bag / 'metadata.yaml').exists(), sorted(bag.iterdir())

    obs_space, act_space = exchange.spaces(load_config(['a1', 'debug']), 'a1_dummy')
    summary = bags.convert([bag], tmp_path / 'replay', obs_space, act_space, robot='a1')
    answered = {(a.episode, a.step): a for _, a in actions if a.mode == Action.MODE_EXPLORE}
    seen = [s for _, s in steps if (s.episode, s.step) in answered]
    assert summary.rows >= 0.9 * len(seen) - 2, (summary, len(seen))
    assert set(summary.breaks) <= {'unanswered step'}, summary   # the Steps before the actor came up

    chunks = sorted(Path(tmp_path / 'replay').glob('*.npz'), key=lambda p: (p.name.split('-')[1], p.name.split('-')[2]))
    rows = {}
    for path in chunks:
        with np.load(path) as data:
            for key in ('vector', 'action', 'is_first'):
                rows.setdefault(key, []).append(data[key])
    rows = {key: np.concatenate(value) for key, value in rows.items()}
    vectors = [np.asarray(next(v.data for v in s.vectors if v.key == 'vector'), np.float32) for s in seen]
    first = next(i for i, v in enumerate(vectors) if np.array_equal(v, rows['vector'][0]))
    for k in range(summary.rows):   # the rows are the Steps the actor acted on, in order, with their actions
        assert np.array_equal(rows['vector'][k], vectors[first + k]), f'row {k}'
        if k and not rows['is_first'][k]:
            before = seen[first + k - 1]
            assert np.allclose(rows['action'][k], np.asarray(answered[(before.episode, before.step)].action)), k
    assert rows['is_first'][0] and not rows['action'][0].any()

    # train offline on the imported rows (tiny networks), then evaluate the result in the twin
    from daydreamer import cli
    from daydreamer.config import parse_args
    run = tmp_path / 'run'
    args = ['--configs', 'a1', 'debug', '--rssm.deter', '16', '--rssm.units', '16', '--rssm.stoch', '4',
            '--rssm.classes', '4', '--batch_size', '2', '--replay_chunk', '8', '--threads', '1',
            '--env.length', '50']
    assert cli.main(['offline', *args, '--logdir', str(run), '--bag', str(bag), '--updates', '5']) == 0
    config = parse_args(args)[0]
    from daydreamer import loops
    result = loops.evaluate(config, run, episodes=1)
    assert result['source'] == 'checkpoint' and result['updates'] == 5 and np.isfinite(result['return_mean'])

    # play the session back: the recorded driver topic drives a new bridge and actor on the bag's clock, with the
    # offline run's weights (the learner resumes its checkpoint and publishes them)
    probe = Probe('/a1', name='playback_probe')
    steps, actions = probe.record(Step, '/a1/step', deep), probe.record(Action, '/a1/action', deep)
    overrides = ' '.join(args[3:])
    playback = Launch(['playback.launch.py', f'bag:={bag}', 'learner:=true', 'configs:=a1 debug',
                       f'overrides:={overrides}', f'logdir:={run}', 'learner_device:=cpu',
                       f'actor_params_file:={actor_params}'], tmp_path / 'playback.log')
    probe.alive = playback.running
    try:
        try:
            probe.wait(lambda: any(a.weights_version == 5 for _, a in actions), 180.0,
                       'Actions with the offline weights (v5)')
            probe.wait(lambda: len(steps) >= 20, 60.0, '20 Steps from the played data')
        except AssertionError as e:
            raise AssertionError(f'{e}\n--- playback:\n{playback.text()[-4000:]}') from None
        with probe.cond:
            played = [s for _, s in steps]
            modes = {a.mode for _, a in actions}
        start = min(s.header.stamp.sec + s.header.stamp.nanosec * 1e-9 for s in seen)
        stamps = [s.header.stamp.sec + s.header.stamp.nanosec * 1e-9 for s in played]
        assert all(start - 5.0 <= t <= start + 600.0 for t in stamps), "Steps on the bag's clock"
        assert modes == {Action.MODE_EVAL}, modes
        assert 'Traceback' not in playback.text(), playback.text()[-3000:]
    finally:
        playback.close()
        probe.close()

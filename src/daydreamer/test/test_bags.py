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
rosbag2 bags of our step/action topics -> replay, without ROS (daydreamer.bags, `daydreamer import`).

Bags are written here with rosbags (mcap, sqlite3, zstd-compressed), as `ros2 bag record` would keep a bridge's
Steps and the actor's Actions; the conversion must give the rows the actor itself stores, and every bad input a
clear error or a counted, reported episode break, with nothing converted before it lost.
"""

from pathlib import Path

import numpy as np
import pytest

from daydreamer import bags, cli, exchange
from daydreamer.config import load_config

FLAGS = ('reward', 'is_first', 'is_last', 'is_terminal')


@pytest.fixture(scope='module')
def spaces():
    return {robot: exchange.spaces(load_config([robot]), f'{robot}_dummy') for robot in ('a1', 'ur5')}


def episode(obs_space, length, seed=0):
    """Return the observations of one episode of `length` steps (random in the space), rewards 0, 1, 2."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(length):
        obs = {k: s.sample(rng) for k, s in obs_space.items() if k not in FLAGS}
        obs.update(reward=np.float32(i), is_first=i == 0, is_last=i == length - 1, is_terminal=False)
        out.append(obs)
    return out


def write(path, robot, steps, actions, storage='mcap', compress=False, extra=()):
    """
    Write a bag of `steps` [(t, obs, episode, step)] and `actions` [(t, action or None, episode, step)].

    `extra`: more (topic, msgtype, message, t) to write.
    """
    store = bags.typestore()
    records = [(t, f'/{robot}/step', bags.STEP,
                bags.step_message(store, obs, robot=robot, episode=ep, step=i, stamp=t, control_period=0.05))
               for t, obs, ep, i in steps]
    records += [(t, f'/{robot}/action', bags.ACTION, bags.action_message(store, a, episode=ep, step=i, stamp=t))
                for t, a, ep, i in actions]
    records += [(t, topic, msgtype, msg) for topic, msgtype, msg, t in extra]
    with bags.Writer(path, storage=storage, store=store, compress=compress) as writer:
        for t, topic, msgtype, msg in sorted(records, key=lambda r: r[0]):
            writer.write(topic, msgtype, msg, t)
    return path


def session(obs_space, act_space, lengths, start=0.0, period=0.05, seed=0):
    """Return the Steps and answering Actions of consecutive episodes; each Action 10 ms after its Step."""
    rng = np.random.default_rng(seed)
    steps, actions, index = [], [], 0
    t = start
    for ep, length in enumerate(lengths):
        for obs in episode(obs_space, length, seed=seed + ep):
            steps.append((t, obs, ep, index))
            actions.append((t + 0.01, act_space['action'].sample(rng), ep, index))
            index += 1
            t += period
    return steps, actions


def replay_rows(directory):
    """All rows of the replay chunk files in `directory`, per episode in file order: {uuid: {key: array}}."""
    episodes = {}
    for path in sorted(Path(directory).glob('*.npz'), key=lambda p: (p.name.split('-')[1], p.name.split('-')[2])):
        uid = path.name.split('-')[1]
        with np.load(path) as data:
            chunk = {k: data[k] for k in data.files}
        if uid in episodes:
            episodes[uid] = {k: np.concatenate([episodes[uid][k], chunk[k]]) for k in chunk}
        else:
            episodes[uid] = chunk
    return sorted(episodes.values(), key=lambda e: (float(e['reward'][0]), len(e['reward'])))


@pytest.mark.parametrize('storage,compress', [('mcap', False), ('sqlite3', False), ('mcap', True)])
def test_rows_are_what_the_actor_stores(spaces, tmp_path, storage, compress):
    obs_space, act_space = spaces['ur5']
    steps, actions = session(obs_space, act_space, [30, 20])
    bag = write(tmp_path / 'bag', 'ur5', steps, actions, storage=storage, compress=compress)
    summary = bags.convert([bag], tmp_path / 'replay', obs_space, act_space, robot='ur5', chunk=8)
    assert (summary.steps, summary.rows, summary.episodes) == (50, 50, 2) and not summary.breaks, summary
    first, second = sorted(replay_rows(tmp_path / 'replay'), key=lambda e: -len(e['reward']))
    for rows, offset in ((first, 0), (second, 30)):
        n = len(rows['reward'])
        assert n == (30 if offset == 0 else 20)
        assert rows['is_first'].tolist() == [True] + [False] * (n - 1)
        assert rows['is_last'].tolist() == [False] * (n - 1) + [True]
        # row k carries the Action that answered step k - 1 (zeros at the first row), as the actor stores it
        expected = [0] + [int(actions[offset + k - 1][1]) for k in range(1, n)]
        assert rows['action'].tolist() == expected
        for k in (0, n // 2, n - 1):
            obs = steps[offset + k][1]
            for key in obs_space:
                assert np.array_equal(rows[key][k], np.asarray(obs[key], obs_space[key].dtype)), key


@pytest.mark.parametrize('robot', ['a1', 'ur5'])
def test_the_fast_decoding_gives_the_rows_of_rosbags_deserializer(spaces, tmp_path, robot):
    obs_space, act_space = spaces[robot]
    steps, actions = session(obs_space, act_space, [30, 25], seed=3)
    bad = dict(steps[7][1], **{key: np.full(space.shape, np.nan, np.float32) for key, space in obs_space.items()
                               if key not in FLAGS and space.dtype == np.float32})
    steps[7] = (steps[7][0], bad, *steps[7][2:])   # a NaN: the general way names it
    bag = write(tmp_path / 'bag', robot, steps, actions)
    fast = bags.convert([bag], tmp_path / 'fast', obs_space, act_space, robot=robot)
    slow = bags.convert([bag], tmp_path / 'slow', obs_space, act_space, robot=robot, fast=False)
    assert (fast.rows, fast.episodes, fast.breaks, fast.problems) == (slow.rows, slow.episodes, slow.breaks,
                                                                      slow.problems) == (54, 3, fast.breaks,
                                                                                         fast.problems)
    assert 'NaN' in fast.problems[0]
    for a, b in zip(replay_rows(tmp_path / 'fast'), replay_rows(tmp_path / 'slow')):
        assert set(a) == set(b) and all(np.array_equal(a[k], b[k]) and a[k].dtype == b[k].dtype for k in a)


def test_continuous_actions_late_actions_holds_and_gaps(spaces, tmp_path):
    obs_space, act_space = spaces['a1']
    steps, actions = session(obs_space, act_space, [40])
    actions[5] = (steps[7][0] + 0.2, *actions[5][1:])     # logged after two more Steps: still paired
    actions[10] = (actions[10][0], None, *actions[10][2:])  # the actor held at step 10
    del actions[20]                                        # no answer to step 20
    steps[29] = (*steps[29][:3], 129)                      # a gap in the step indices: 28, 129, 30
    actions[28] = (*actions[28][:3], 129)
    bag = write(tmp_path / 'bag', 'a1', steps, actions)
    summary = bags.convert([bag], tmp_path / 'replay', obs_space, act_space, robot='a1', chunk=8)
    assert summary.rows == 38 and summary.episodes == 5, summary
    assert dict(summary.breaks) == {'hold': 1, 'unanswered step': 1, 'gap in the step indices': 2}, summary
    episodes = replay_rows(tmp_path / 'replay')
    rows = {k: np.concatenate([e[k] for e in episodes]) for k in ('reward', 'action', 'is_first')}
    order = np.argsort(rows['reward'], kind='stable')
    reward, action, is_first = rows['reward'][order], rows['action'][order], rows['is_first'][order]
    assert 10 not in reward and 20 not in reward, 'held and unanswered Steps are not stored, as by the actor'
    assert reward[is_first].tolist() == [0, 11, 21, 29, 30]
    assert np.array_equal(action[reward == 6][0], actions[5][1]), 'the late Action of step 5 is the action of row 6'
    assert not action[reward == 11].any() and not action[reward == 21].any(), 'a new episode: a zero action'
    assert np.array_equal(action[reward == 12][0], actions[11][1])
    assert len(summary.problems) == 3 and all(str(bag) in p for p in summary.problems), summary.problems


def test_bad_steps_and_time_jumps_break_episodes_and_keep_the_rest(spaces, tmp_path):
    obs_space, act_space = spaces['a1']
    steps, actions = session(obs_space, act_space, [30])
    bad = dict(steps[10][1], vector=np.full(obs_space['vector'].shape, np.nan, np.float32))
    steps[10] = (steps[10][0], bad, 0, 10)
    steps[20] = (steps[20][0], dict(steps[20][1]), 0, 20)
    bag = tmp_path / 'bag'
    store = bags.typestore()
    with bags.Writer(bag, store=store) as writer:
        for (t, obs, ep, i), (ta, a, _, _) in zip(steps, actions):
            stamp = t - 5.0 if i == 20 else t   # the bridge's clock jumped back 5 s at step 20
            writer.write('/a1/step', bags.STEP, bags.step_message(store, obs, robot='a1', episode=ep, step=i,
                                                                  stamp=stamp), t)
            writer.write('/a1/action', bags.ACTION, bags.action_message(store, a, episode=ep, step=i, stamp=ta), ta)
    summary = bags.convert([bag], tmp_path / 'replay', obs_space, act_space, robot='a1')
    assert summary.rows == 29 and dict(summary.breaks) == {'bad step': 1, 'time jump': 1}, summary
    assert any("'vector'" in p and 'step 10' in p for p in summary.problems), summary.problems


def test_bad_bags_are_named_and_nothing_converted_is_lost(spaces, tmp_path):
    obs_space, act_space = spaces['a1']
    steps, actions = session(obs_space, act_space, [200, 200])
    with pytest.raises(bags.BagError, match="robot 'a1', expected 'ur5'"):
        bags.convert([write(tmp_path / 'a1', 'a1', steps[:5], actions[:5])], tmp_path / 'r0', obs_space, act_space,
                     robot='ur5')
    with pytest.raises(bags.BagError, match=r'/a1/step has no .*Action topic'):
        bags.convert([write(tmp_path / 'no_actions', 'a1', steps[:5], [])], tmp_path / 'r1', obs_space, act_space)
    store = bags.typestore()
    String = store.types['std_msgs/msg/String']
    other = write(tmp_path / 'other', 'a1', [], [], extra=[('/chatter', 'std_msgs/msg/String', String(data='hi'), 1.0)])
    with pytest.raises(bags.BagError, match=r'no daydreamer_interfaces/msg/Step topic .*/chatter'):
        bags.convert([other], tmp_path / 'r2', obs_space, act_space)
    with pytest.raises(bags.BagError, match='no such bag'):
        bags.convert([tmp_path / 'nowhere'], tmp_path / 'r3', obs_space, act_space)
    with pytest.raises(bags.BagError, match="namespace '/ur5'"):
        bags.convert([write(tmp_path / 'ns', 'a1', steps[:5], actions[:5])], tmp_path / 'r4', obs_space, act_space,
                     namespace='ur5')

    # an mcap cut short (a recorder killed mid-write): what its whole 1 MB chunks hold is converted, and said so
    camera_obs, camera_act = spaces['ur5']   # 12.5 kB Steps: a few chunks
    whole = write(tmp_path / 'cut', 'ur5', *session(camera_obs, camera_act, [150, 150]))
    (mcap,) = whole.glob('*.mcap')
    mcap.write_bytes(mcap.read_bytes()[:int(mcap.stat().st_size * 0.6)])
    summary = bags.convert([whole], tmp_path / 'r5', camera_obs, camera_act, robot='ur5')
    assert 60 <= summary.rows < 300 and str(whole) in summary.problems[0] and 'cut short' in summary.problems[0]
    assert sum(len(e['reward']) for e in replay_rows(tmp_path / 'r5')) == summary.rows
    # a bag that is no bag at all, after a good one: named, and the good one is converted
    good = write(tmp_path / 'good', 'a1', steps, actions)
    junk = tmp_path / 'junk'
    junk.mkdir()
    (junk / 'metadata.yaml').write_text('rosbag2_bagfile_information: {version: 99}\n')
    with pytest.raises(bags.BagError, match=f'{junk}: cannot open as rosbag2'):
        bags.convert([good, junk], tmp_path / 'r6', obs_space, act_space, robot='a1')
    assert sum(len(e['reward']) for e in replay_rows(tmp_path / 'r6')) == 400, 'the good bag is kept'


def test_cli_import_writes_the_replay_train_reads(spaces, tmp_path, capsys):
    obs_space, act_space = spaces['a1']
    steps, actions = session(obs_space, act_space, [30, 30])
    bag = write(tmp_path / 'bag', 'a1', steps, actions, storage='sqlite3')
    code = cli.main(['import', '--bag', str(bag), '--configs', 'a1', '--task', 'a1_dummy', '--logdir',
                     str(tmp_path / 'run')])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert '60 rows in 2 episodes' in out.out, out.out
    from daydreamer.replay import Replay
    replay = Replay(tmp_path / 'run' / 'replay', 1000, 8)
    assert len(replay) == 60 and replay.ready()
    # again: the bag is in replay already (imported_bags.json), nothing is added twice
    assert cli.main(['import', '--bag', str(bag), '--configs', 'a1', '--task', 'a1_dummy', '--logdir',
                     str(tmp_path / 'run')]) == 0
    assert '0 rows' in capsys.readouterr().out and len(Replay(tmp_path / 'run' / 'replay', 1000, 8)) == 60
    assert cli.main(['import', '--configs', 'a1', '--task', 'a1_dummy', '--logdir', str(tmp_path / 'x')]) == 2
    code = cli.main(['import', '--bag', str(tmp_path / 'missing'), '--configs', 'a1', '--task', 'a1_dummy',
                     '--logdir', str(tmp_path / 'y')])
    assert code == 1 and 'no such bag' in capsys.readouterr().err


def test_offline_trains_on_imported_bags_and_online_training_goes_on_from_there(spaces, tmp_path, capsys):
    from daydreamer import loops
    from daydreamer.config import parse_args
    obs_space, act_space = spaces['a1']
    steps, actions = session(obs_space, act_space, [40, 40])
    bag = write(tmp_path / 'bag', 'a1', steps, actions)
    args = ['--configs', 'a1', 'debug', '--task', 'a1_dummy', '--threads', '1', '--run.save_every', '1000']
    run = tmp_path / 'run'
    assert cli.main(['offline', *args, '--logdir', str(run)]) == 2, 'offline needs --updates'
    with pytest.raises(SystemExit, match='no episode of'):
        cli.main(['offline', *args, '--logdir', str(run), '--updates', '2'])
    assert cli.main(['offline', *args, '--logdir', str(run), '--updates', '3', '--bag', str(bag)]) == 0
    assert '80 rows in 2 episodes' in capsys.readouterr().out
    config = parse_args(args)[0]
    with loops.make_env(config) as env:
        learner = loops.Learner(config, run, 'cpu', env)
    counters = learner.counters
    assert learner.session.resumed and counters['updates'] == counters['offline_updates'] == 3
    assert sorted(p.name for p in (run / 'weights').iterdir())[-1].endswith('000000000003.safetensors')
    # online, the train ratio asks for updates per env step on top of the offline ones
    counters['step'] = step = config.run.train_fill + 10 * config.batch_size * config.replay_chunk
    assert loops.due_updates(step, config) > 3
    assert learner.due() - counters['updates'] == loops.due_updates(step, config)


@pytest.mark.parametrize('robot', ['a1', 'ur5'])
def test_export_writes_a_bag_that_imports_to_the_same_rows(spaces, tmp_path, robot):
    obs_space, act_space = spaces[robot]
    steps, actions = session(obs_space, act_space, [30, 12], seed=5)
    bags.convert([write(tmp_path / 'bag', robot, steps, actions)], tmp_path / 'replay', obs_space, act_space)
    out = tmp_path / 'exported'
    code = cli.main(['export', '--configs', robot, '--task', f'{robot}_dummy', '--logdir', str(tmp_path),
                     '--out', str(out)])
    assert code == 0 and list(out.glob('*.mcap'))
    summary = bags.convert([out], tmp_path / 'again', obs_space, act_space, robot=robot)
    assert (summary.rows, summary.episodes, dict(summary.breaks)) == (42, 2, {}), summary
    for a, b in zip(replay_rows(tmp_path / 'replay'), replay_rows(tmp_path / 'again')):
        assert set(a) == set(b) and all(np.array_equal(a[k], b[k]) for k in a)
    assert cli.main(['export', '--configs', robot, '--task', f'{robot}_dummy', '--logdir', str(tmp_path),
                     '--out', str(out)]) == 1, 'an existing bag is not overwritten'


# ------------------------------------------------------------------------------------------------ driver topics


def a1_driver_bag(path, seconds=3.0, joint_rate=100.0, imu_gap=None, names=None, start=50.0):
    """
    Write an A1 ros2_control bag: joint_states and IMU at `joint_rate`, position commands at 50 Hz, in /a1.

    Joint positions identify their message: INIT_POSE + 1e-4 * (message number); commands: 0.3 rad off it.
    """
    from daydreamer.robots import a1
    store = bags.typestore()
    types = store.types
    JointState, Imu, Float64MultiArray = (types[f'{m}'] for m in (
        'sensor_msgs/msg/JointState', 'sensor_msgs/msg/Imu', 'std_msgs/msg/Float64MultiArray'))
    Quaternion, Vector3 = types['geometry_msgs/msg/Quaternion'], types['geometry_msgs/msg/Vector3']
    MultiArrayLayout = types['std_msgs/msg/MultiArrayLayout']
    order = list(names or a1.JOINT_NAMES)[::-1]   # the broadcaster's own order, not ours
    records = []
    for i in range(int(seconds * joint_rate)):
        t = start + i / joint_rate
        q = a1.INIT_POSE + 1e-4 * i
        position = [q[list(a1.JOINT_NAMES).index(n)] if n in a1.JOINT_NAMES else 0.0 for n in order]
        header = bags._header(store, t)
        records.append((t, '/a1/joint_states', 'sensor_msgs/msg/JointState', JointState(
            header=header, name=order, position=np.array(position), velocity=np.zeros(12), effort=np.zeros(12))))
        if imu_gap is None or not imu_gap[0] <= t - start < imu_gap[1]:
            records.append((t + 1e-4, '/a1/imu_sensor_broadcaster/imu', 'sensor_msgs/msg/Imu', Imu(
                header=header, orientation=Quaternion(x=0.0, y=0.0, z=0.0, w=1.0), orientation_covariance=np.zeros(9),
                angular_velocity=Vector3(x=0.1, y=0.0, z=0.0), angular_velocity_covariance=np.zeros(9),
                linear_acceleration=Vector3(x=0.0, y=0.0, z=9.81), linear_acceleration_covariance=np.zeros(9))))
    for i in range(int(seconds * 50)):
        t = start + i / 50 + 0.005
        records.append((t, '/a1/forward_position_controller/commands', 'std_msgs/msg/Float64MultiArray',
                        Float64MultiArray(layout=MultiArrayLayout(dim=[], data_offset=0),
                                          data=a1.INIT_POSE + 0.3 + 1e-3 * i)))
    with bags.Writer(path, store=store) as writer:
        for t, topic, msgtype, msg in sorted(records, key=lambda r: r[0]):
            writer.write(topic, msgtype, msg, t)
    return path


def test_a1_driver_topics_go_through_the_task_at_the_control_rate(spaces, tmp_path):
    from daydreamer.robots import a1
    obs_space, act_space = spaces['a1']
    bag = a1_driver_bag(tmp_path / 'bag', seconds=14.0)
    summary = bags.convert([bag], tmp_path / 'replay', obs_space, act_space, robot='a1')
    assert summary.namespaces == {'/a1': 'a1, driver topics'}, summary
    assert summary.episodes == 2, summary
    first, second = sorted(replay_rows(tmp_path / 'replay'), key=lambda e: -len(e['reward']))
    assert summary.rows == len(first['reward']) + len(second['reward']) == 279, summary
    assert len(first['reward']) == a1.EPISODE_LENGTH and first['is_last'][-1] and not first['is_last'][:-1].any()
    rows = {k: np.concatenate([first[k], second[k]]) for k in first}
    # step j is at t0 + j / 20 s, t0 = 50.0001 s (the first IMU message completes the topics); step 0 makes no row
    # (no command yet: counted); row k is step j = k + 1, and sees joint message number 5 j (100 Hz), whose
    # positions tell which one it is
    assert dict(summary.breaks) == {'no command': 1}, summary
    j = np.arange(len(rows['reward'])) + 1
    seen = np.rint((rows['vector'][:, 4:] - a1.INIT_POSE) / 1e-4)
    assert (seen == (5 * j)[:, None]).all(), 'zero-order hold at the step times'
    # the action that led to row k: the newest command at its step (50 Hz, logged 5 ms after each 20 ms)
    newest = np.floor((j * 0.05 + 1e-4 - 0.005) / 0.02).astype(int)
    expected = np.stack([a1.normalize_action(a1.INIT_POSE + 0.3 + 1e-3 * i) for i in newest])
    assert np.allclose(rows['action'][1:a1.EPISODE_LENGTH], expected[1:a1.EPISODE_LENGTH], atol=1e-6)
    assert not rows['action'][0].any() and not rows['action'][a1.EPISODE_LENGTH].any(), 'zeros at is_first'
    assert np.allclose(rows['vector'][:, 2], 0.1), 'the IMU rate'
    assert np.isfinite(rows['reward']).all() and rows['reward'][0] == 0


def test_a1_driver_bags_stale_topics_mismatched_joints_and_other_robots(spaces, tmp_path):
    obs_space, act_space = spaces['a1']
    bag = a1_driver_bag(tmp_path / 'gap', seconds=3.0, imu_gap=(1.0, 1.5))
    summary = bags.convert([bag], tmp_path / 'r0', obs_space, act_space, robot='a1')
    assert summary.breaks['stale'] >= 5 and summary.episodes == 2, summary
    assert any('imu_sensor_broadcaster/imu for over 0.1 s' in p for p in summary.problems), summary.problems
    renamed = a1_driver_bag(tmp_path / 'renamed', seconds=1.0, names=[f'leg_{i}' for i in range(12)])
    with pytest.raises(bags.BagError, match=r'renamed: /a1/joint_states: .*lacks 12 of the 12 joints.*FR_hip_joint'):
        bags.convert([renamed], tmp_path / 'r1', obs_space, act_space, robot='a1')
    ur5_obs, ur5_act = spaces['ur5']
    with pytest.raises(bags.BagError, match=r'no driver topics .*\(ur5\); topics: /a1/joint_states'):
        bags.convert([bag], tmp_path / 'r2', ur5_obs, ur5_act, robot='ur5')


RAW_MOTOR = 'sphero_interfaces/msg/RawMotorCommand'


def sphero_driver_bag(path, seconds=20.0, storage='mcap', definitions=True):
    """
    Write a Sphero bag as sphero_ros2 and an overhead camera give it, in /sphero.

    640x480 rgb8 frames at 2 Hz with a white ball moving across the arena; raw_motor_command (left, right) at 4 Hz.
    """
    from rosbags.rosbag2 import StoragePlugin, Writer
    from rosbags.typesys import get_types_from_msg
    store = bags.typestore()
    store.register(get_types_from_msg('int32 left\nint32 right', RAW_MOTOR))
    Image, Motor = store.types['sensor_msgs/msg/Image'], store.types[RAW_MOTOR]
    frames = []
    records = []
    for i in range(int(seconds * 2)):
        t = 10.0 + 0.5 * i
        frame = np.zeros((480, 640, 3), np.uint8)
        x = 200 + (7 * i) % 260
        frame[200:216, x:x + 16] = 255   # the ball, in the reference's arena (193..480, 67..370)
        frames.append(frame)
        records.append((t, '/sphero/overhead_camera/image_raw', 'sensor_msgs/msg/Image', Image(
            header=bags._header(store, t), height=480, width=640, encoding='rgb8', is_bigendian=0, step=1920,
            data=frame.reshape(-1))))
    for i in range(int(seconds * 4)):
        t = 10.1 + 0.25 * i
        records.append((t, '/sphero/raw_motor_command', RAW_MOTOR, Motor(left=(i * 9) % 141 - 70, right=35)))
    writer = Writer(path, version=8 if not definitions else 9,
                    storage_plugin=StoragePlugin.MCAP if storage == 'mcap' else StoragePlugin.SQLITE3)
    writer.open()
    connections = {}
    for t, topic, msgtype, msg in sorted(records, key=lambda r: r[0]):
        if topic not in connections:
            connections[topic] = writer.add_connection(topic, msgtype, typestore=store) if definitions or \
                msgtype != RAW_MOTOR else writer.add_connection(topic, msgtype, msgdef='',
                                                                rihs01=store.hash_rihs01(msgtype))
        writer.write(connections[topic], int(round(t * 1e9)), store.serialize_cdr(msg, msgtype))
    writer.close()
    return path, frames


def test_sphero_driver_topics_go_through_the_task_and_unknown_types_are_named(tmp_path):
    from daydreamer.robots import sphero
    obs_space, act_space = exchange.spaces(load_config(['sphero']), 'sphero_dummy')
    bag, frames = sphero_driver_bag(tmp_path / 'bag')
    summary = bags.convert([bag], tmp_path / 'replay', obs_space, act_space, robot='sphero')
    assert summary.namespaces == {'/sphero': 'sphero, driver topics'} and summary.rows >= 35, summary
    (rows,) = replay_rows(tmp_path / 'replay')
    # step j at 10.1 s + j / 2 (the first command completes nothing: the camera alone is required, so step 0 is at
    # the first frame, 10.0 s, and has no command yet): row k is step k + 1, frame k + 1, command 2 k + 1
    task = sphero.SpheroTask()
    for k in (0, 5, 20):
        obs, reward, _ = task.observe(frames[k + 1])
        assert np.array_equal(rows['image'][k], obs['image']), k
        if k:
            assert rows['reward'][k] == np.float32(reward)
            command = np.array([((2 * k + 1) * 9) % 141 - 70, 35]) / sphero.MAX_CONTROL
            assert np.allclose(rows['action'][k], command, atol=1e-6), (k, rows['action'][k], command)
    assert dict(summary.breaks) == {'no command': 1}, summary

    # a sqlite3 bag without the driver's message definitions: the type is named
    bare, _ = sphero_driver_bag(tmp_path / 'bare', seconds=3.0, storage='sqlite3', definitions=False)
    with pytest.raises(bags.BagError, match=f'{RAW_MOTOR}: its definition is neither in the bag nor among'):
        bags.convert([bare], tmp_path / 'r1', obs_space, act_space, robot='sphero')

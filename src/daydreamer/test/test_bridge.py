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
The ROS-free half of the robot bridges (`daydreamer.robots.bridge`).

Joint mapping by name, episode bookkeeping, watchdog, staleness, action sorting, and the per-robot adapters driven
through the MuJoCo twins' driver-level interfaces (what the ROS sim node publishes), so that the bridge composes the
core functions as the agent-level envs do.
"""

import numpy as np
import pytest

from daydreamer.robots import a1, bridge
from daydreamer.sim import import_mujoco


def need_mujoco():
    try:
        return import_mujoco()
    except (ImportError, RuntimeError) as e:
        pytest.skip(f'mujoco unavailable: {e}')


# --- joint mapping ---

def test_joint_map_selects_by_name_in_any_order():
    jm = bridge.JointMap(['a', 'b', 'c'])
    assert jm.select(['c', 'x', 'a', 'b'], [3.0, 9.0, 1.0, 2.0]).tolist() == [1.0, 2.0, 3.0]
    assert jm.select(['c', 'x', 'a', 'b'], [], 'velocity', required=False) is None


def test_joint_map_names_missing_joints_and_nan():
    jm = bridge.JointMap(a1.JOINT_NAMES)
    names = list(a1.JOINT_NAMES[:10])
    with pytest.raises(bridge.MissingJoints, match='lacks 2 of the 12 joints.*RL_thigh_joint, RL_calf_joint'):
        jm.select(names, np.zeros(10))
    values = np.zeros(12)
    values[4] = np.nan
    with pytest.raises(bridge.BadDriverData, match='not finite.*FL_thigh_joint'):
        jm.select(a1.JOINT_NAMES, values)
    with pytest.raises(bridge.BadDriverData, match='11 position values for 12'):
        jm.select(a1.JOINT_NAMES, np.zeros(11))


# --- episodes ---

def run(ep, n):
    return [ep.advance() for _ in range(n)]


def test_episode_length_and_reset_free_continuation():
    ep = bridge.Episode(3, resets=False)
    assert not ep.reset_due
    steps = run(ep, 8)
    assert [s['step'] for s in steps] == list(range(8))
    assert [(s['episode'], s['is_first'], s['is_last']) for s in steps] == [
        (0, True, False), (0, False, False), (0, False, False), (0, False, True),
        (1, True, False), (1, False, False), (1, False, False), (1, False, True)]
    assert not ep.reset_due


def test_episode_scripted_reset_is_due_at_start_and_after_the_last_step():
    ep = bridge.Episode(2, resets=True)
    assert ep.reset_due
    ep.reset_done()
    steps = run(ep, 3)
    assert steps[-1]['is_last'] and ep.reset_due
    ep.reset_done()
    assert ep.advance()['is_first']


def test_pause_ends_the_episode_then_holds_and_resume_starts_without_reset():
    ep = bridge.Episode(100, resets=True)
    ep.reset_done()
    run(ep, 5)
    ep.pause()
    assert not ep.paused
    last = ep.advance()
    assert last['is_last'] and ep.paused and not ep.reset_due
    with pytest.raises(RuntimeError):
        ep.advance()
    assert ep.resume()
    assert not ep.reset_due   # KBReset's resume skips the scripted reset
    first = ep.advance()
    assert first['is_first'] and first['episode'] == last['episode'] + 1 and first['step'] == last['step'] + 1
    assert not ep.resume()    # not paused


def test_end_and_hard_reset():
    ep = bridge.Episode(100, resets=True)
    ep.reset_done()
    run(ep, 3)
    assert ep.end() == 1
    assert ep.advance()['is_last'] and ep.reset_due
    ep.reset_done()
    ep.advance()
    assert ep.hard_reset() == 2 and ep.reset_due   # cut now: the next Step is is_first after the reset
    ep.reset_done()
    assert ep.advance() == {'episode': 2, 'step': 5, 'index': 0, 'is_first': True, 'is_last': False}


# --- watchdog, freshness, actions ---

def test_watchdog_trips_before_the_first_action_and_after_the_timeout():
    dog = bridge.Watchdog(0.5)
    assert dog.expired(0.0)
    dog.feed(1.0)
    assert not dog.expired(1.4) and not dog.tripped
    assert dog.expired(1.6) and dog.expired(1.7) and dog.trips == 1
    dog.feed(2.0)
    assert not dog.expired(2.1)


def test_freshness_names_missing_and_stale_sources():
    fresh = bridge.Freshness(0.2, ['joint_states', 'imu/data'])
    assert fresh.problems(0.0) == ['no joint_states received yet', 'no imu/data received yet']
    fresh.mark('joint_states', 1.0)
    fresh.mark('imu/data', 0.5)
    assert fresh.problems(1.1) == ['imu/data is 0.60 s old (stale_timeout 0.2 s)']


def test_check_action_sorts_by_step_and_mode():
    assert bridge.check_action(5, 5, bridge.MODE_EXPLORE)[0] == 'act'
    assert bridge.check_action(5, 5, bridge.MODE_HOLD)[0] == 'hold'
    verdict, message = bridge.check_action(5, 4, bridge.MODE_EVAL)
    assert verdict == 'late' and 'step 4' in message
    assert bridge.check_action(5, 6, bridge.MODE_EVAL)[0] == 'ahead'


def test_step_obs_zeroes_the_first_reward_and_prefixes_logs():
    obs = bridge.step_obs({'vector': np.zeros(16, np.float32)}, 3.0, {'is_first': True, 'is_last': False},
                          {'log_a': 1, 'b': 2})
    assert obs['reward'] == 0 and obs['is_first'] and not obs['is_terminal'] and obs['log_b'] == 2
    obs = bridge.step_obs({}, 3.0, {'is_first': False, 'is_last': True})
    assert obs['reward'] == 3.0 and obs['is_last']


def test_camera_image_takes_any_size_and_names_the_topic_of_a_bad_crop():
    assert bridge.camera_image(np.zeros((480, 640, 3), np.uint8), (64, 64)).shape == (64, 64, 3)
    with pytest.raises(bridge.WrongImage, match='camera/image_raw: crop .* does not fit in a 640x480 image'):
        bridge.camera_image(np.zeros((480, 640, 3), np.uint8), (64, 64), crop=(600, 0, 100, 0))


# --- arms: their task is robots.arm.ArmTask (test_arm.py) ---


# --- Sphero: its task is robots.sphero.SpheroTask (test_sphero.py) ---


def test_bad_driver_data_kinds_are_distinct():
    jm = bridge.JointMap(['a', 'b'])
    with pytest.raises(bridge.MissingJoints):
        jm.select(['a'], [0.0])
    with pytest.raises(bridge.NotFinite):
        jm.select(['a', 'b'], [0.0, np.inf])
    with pytest.raises(bridge.WrongImage):
        bridge.camera_image(np.zeros((48, 48, 3)), (64, 64), crop=(0, 0, 100, 0))
    assert issubclass(bridge.WrongImage, bridge.BadDriverData) and issubclass(bridge.NotFinite, ValueError)


def test_episode_ending_is_set_by_pause_and_end_until_the_last_step():
    episode = bridge.Episode(0, resets=False)
    episode.advance()
    assert not episode.ending
    episode.end()
    assert episode.ending
    assert episode.advance()['is_last'] and not episode.ending
    episode.advance()
    episode.pause()
    assert episode.ending and not episode.paused
    episode.advance()
    assert episode.paused and not episode.ending


def test_joint_states_merge_messages_by_name_and_name_what_is_missing_or_stale():
    states = bridge.JointStates()
    states.update(['b', 'a'], [2.0, 1.0], now=0.0)
    with pytest.raises(bridge.MissingJoints, match=r'lacks 1 of the 3 joints this robot needs: g \(joints seen so '
                                                   r'far: a, b\)'):
        states.select(['a', 'b', 'g'], now=0.0)
    states.update(['g'], [0.5], now=0.1)   # the gripper in a message of its own
    assert states.select(['a', 'b', 'g'], now=0.2).tolist() == [1.0, 2.0, 0.5]
    with pytest.raises(bridge.MissingJoints, match='no position of a, b for over 0.5 s'):
        states.select(['a', 'b', 'g'], now=0.55, max_age=0.5)
    with pytest.raises(bridge.NotFinite, match='not finite .* for a'):
        states.update(['a', 'g'], [np.nan, 0.7], now=1.0)
    with pytest.raises(bridge.BadDriverData, match='1 position values for 2 joint names'):
        states.update(['a', 'g'], [0.7], now=1.0)
    assert states.select(['g'], now=1.0).tolist() == [0.5], 'a bad message changes nothing'

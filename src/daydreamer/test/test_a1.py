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
The simulated Unitree A1 (`a1_sim`) and the shared A1 core (`daydreamer.robots.a1`).

The core tests (URDF, action mapping, filter, clip, torque stop, reward) need only numpy. The sim tests need
mujoco and skip without it; the rendering test also needs a headless GL backend (EGL or OSMesa).
"""

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from daydreamer import envs
from daydreamer.robots import a1
from daydreamer.sim import import_mujoco
from daydreamer.space import Space


def need_mujoco():
    """
    Import mujoco through import_mujoco, or skip.

    A plain `import mujoco` first would pick a GL backend that needs a display.
    """
    try:
        return import_mujoco()
    except (ImportError, RuntimeError) as e:
        pytest.skip(f'mujoco unavailable: {e}')


def stand_still(env, steps):
    obs = None
    for _ in range(steps):
        obs = env.step({'action': a1.STAND_ACTION, 'reset': False})
    return obs


# --- URDF and joint names ---

def test_urdf_matches_core():
    root = ET.parse(a1.URDF_PATH).getroot()
    assert root.tag == 'robot'
    joints = {j.get('name'): j for j in root.iter('joint')}
    links = {link.get('name'): link for link in root.iter('link')}
    revolute = [name for name, j in joints.items() if j.get('type') == 'revolute']
    assert revolute == list(a1.JOINT_NAMES) and len(revolute) == 12
    assert a1.JOINT_NAMES[:3] == ('FR_hip_joint', 'FR_thigh_joint', 'FR_calf_joint')
    assert set(a1.LINK_NAMES) <= set(links)
    for link in links.values():  # rviz / Gazebo need these on every link
        assert link.find('inertial/mass') is not None and link.find('inertial/inertia') is not None
    for name in a1.LINK_NAMES:
        assert links[name].find('visual') is not None and links[name].find('collision') is not None
    mass = {name: float(link.find('inertial/mass').get('value')) for name, link in links.items()}
    assert mass['trunk'] == pytest.approx(4.713, abs=0.01)
    assert 11.5 < sum(mass.values()) < 13
    size = [float(v) for v in links['trunk'].find('collision/geometry/box').get('size').split()]
    assert size == pytest.approx([0.267, 0.194, 0.114])
    assert float(links['FR_foot'].find('collision/geometry/sphere').get('radius')) == 0.02
    for i, name in enumerate(a1.JOINT_NAMES):
        limit = joints[name].find('limit')
        assert float(limit.get('lower')) == pytest.approx(a1.JOINT_LOW[i])
        assert float(limit.get('upper')) == pytest.approx(a1.JOINT_HIGH[i])
        assert float(limit.get('effort')) == a1.EFFORT_LIMIT == 33.5
    origin = lambda name: [float(v) for v in joints[name].find('origin').get('xyz').split()]
    assert origin('FR_hip_joint') == pytest.approx([0.1805, -0.047, 0])
    assert origin('RL_hip_joint') == pytest.approx([-0.1805, 0.047, 0])
    assert origin('FL_thigh_joint') == pytest.approx([0, 0.0838, 0])
    assert origin('RR_calf_joint') == pytest.approx([0, 0, -0.2]) == origin('RR_foot_joint')
    assert [float(v) for v in joints['FR_hip_joint'].find('axis').get('xyz').split()] == [1, 0, 0]
    assert [float(v) for v in joints['FR_calf_joint'].find('axis').get('xyz').split()] == [0, 1, 0]


# --- action mapping, filter, clip, torque stop ---

def test_action_mapping_hits_reference_ranges():
    low, high = a1.unnormalize_action(-np.ones(12)), a1.unnormalize_action(np.ones(12))
    np.testing.assert_allclose(low, np.tile([-0.787, -0.995, -2.679], 4), atol=1e-3)
    np.testing.assert_allclose(high, np.tile([0.787, 3.665, -1.628], 4), atol=1e-3)
    np.testing.assert_allclose(a1.unnormalize_action(5 * np.ones(12)), high)   # clipped first
    np.testing.assert_allclose(a1.unnormalize_action(np.full(12, np.nan)), (low + high) / 2)
    np.testing.assert_allclose(a1.unnormalize_action(a1.STAND_ACTION), a1.INIT_POSE, atol=1e-6)
    np.testing.assert_allclose(a1.normalize_angles(high), np.ones(12))


def test_lowpass_unit_dc_gain_and_attenuation():
    b, a = a1.butterworth_lowpass(1.5, 20.0)
    lowpass = a1.LowPassFilter(b, a, 1)
    assert lowpass.response(0.0) == pytest.approx(1.0)
    assert lowpass.response(1.5) == pytest.approx(2 ** -0.5, abs=1e-6)   # -3 dB at the cutoff
    assert lowpass.response(5.0) < 0.07
    lowpass.reset(np.zeros(1))
    out = [lowpass(np.ones(1))[0] for _ in range(60)]                   # step response settles at 1
    assert out[-1] == pytest.approx(1.0, abs=1e-4) and max(out) < 1.1
    lowpass.reset(np.zeros(1))
    wave = [lowpass(np.array([np.sin(2 * np.pi * 5.0 * k / 20.0 + 0.3)]))[0] for k in range(200)]
    assert np.abs(wave[100:]).max() < 0.07
    try:
        from scipy import signal
    except ImportError:
        return
    sb, sa = signal.butter(2, 1.5, fs=20.0)
    np.testing.assert_allclose(b, sb, rtol=1e-12)
    np.testing.assert_allclose(a, sa, rtol=1e-12)


def test_filter_primed_with_pose_and_interpolates():
    f = a1.SafetyFilter(repeat=50)
    q = a1.INIT_POSE + 0.1
    f.reset(q)
    f.plan(q)                                     # constant input at the primed pose: no motion
    np.testing.assert_allclose(f.targets, np.broadcast_to(q, (50, 12)))
    target = q + 0.3
    filtered = f.plan(target)
    assert np.all(np.abs(filtered - q) < 0.3)      # the low-pass lags
    np.testing.assert_allclose(f.targets[-1], filtered)
    steps = np.diff(np.vstack([q, f.targets]), axis=0)
    np.testing.assert_allclose(steps, np.broadcast_to(steps[0], steps.shape))   # linear interpolation


def test_per_substep_clip_holds():
    f = a1.SafetyFilter(lowpass=False)
    f.reset(a1.INIT_POSE)
    f.plan(a1.TARGET_HIGH)                          # far away from the pose
    rng = np.random.default_rng(0)
    for i in range(50):
        q = np.clip(a1.INIT_POSE + rng.uniform(-0.3, 0.3, 12), a1.JOINT_LOW, a1.JOINT_HIGH)
        cmd = f.command(i, q, np.zeros(12)).copy()
        assert np.all(np.abs(cmd - q) <= a1.MAX_DELTA + 1e-12)
        assert np.all(cmd >= a1.JOINT_LOW) and np.all(cmd <= a1.JOINT_HIGH)
        np.testing.assert_allclose(f.tau, a1.KP_SIM * (cmd - q))
    f.plan(np.full(12, 100.0))                       # a target beyond the limits
    q = a1.JOINT_HIGH - 0.05
    cmd = f.command(49, q, np.zeros(12))
    np.testing.assert_allclose(cmd, a1.JOINT_HIGH)
    assert not f.stopped


def test_torque_stop_triggers_and_damps():
    f = a1.SafetyFilter()
    f.reset(a1.INIT_POSE)
    f.plan(a1.INIT_POSE)
    f.command(0, a1.INIT_POSE, np.zeros(12))
    assert not f.stopped and f.check_torque(np.full(12, 41.0))
    dq = np.zeros(12)
    dq[2] = 15.0                                    # calf: Kd 2 x 15 rad/s = 30 N m of damping ...
    q = a1.INIT_POSE.copy()
    q[2] += 0.15                                    # ... plus Kp 100 x 0.15 rad = 45 N m in total
    cmd = f.command(1, q, dq)
    assert f.stopped and f.stops == 1
    np.testing.assert_array_equal(f.kp, 0.0)
    assert np.all(f.kd > 0)
    np.testing.assert_allclose(cmd, q)              # no position term ...
    np.testing.assert_allclose(f.tau, -f.kd * dq)   # ... only damping, which opposes the motion
    f.plan(a1.TARGET_HIGH)                          # later targets are ignored until reset
    f.command(2, a1.INIT_POSE, np.zeros(12))
    assert f.stopped and np.all(f.tau == 0)
    assert not f.check_torque(np.zeros(12))
    f.reset(a1.INIT_POSE)
    assert not f.stopped and np.all(f.kp == a1.KP_SIM)
    assert not f.check_torque(np.r_[np.zeros(11), -43.0]) and f.stops == 2


# --- reward ---

def test_reward_terms():
    total, terms = a1.reward(-1.0, a1.normalize_angles(a1.INIT_POSE), 0.0, np.zeros(3))   # lying on its back
    assert total == pytest.approx(5.0) and terms['hip'] == 0 and terms['vel'] == 0
    total, _ = a1.reward(0.0, a1.normalize_angles(a1.INIT_POSE), 0.01, [0.01, 0.02, 0])     # on its side
    assert 5.0 <= total <= 5.6
    stand, terms = a1.reward(1.0, a1.normalize_angles(a1.INIT_POSE), 0.0, np.zeros(3))
    assert 8.0 < stand < 9.0 and np.isfinite(stand) and terms['vel'] == 0
    walk, terms = a1.reward(1.0, a1.normalize_angles(a1.INIT_POSE), 0.3, [0.3, 0, 0])
    assert walk == pytest.approx(14.0, abs=0.25) and terms['vel'] == pytest.approx(1.0)
    assert a1.reward(1.0, a1.STANDING_POSE, 0.3, [0.3, 0, 0])[0] == pytest.approx(14.0)
    assert a1.reward(1.0, a1.STANDING_POSE, -0.3, [-0.3, 0, 0])[0] == pytest.approx(9.0)    # backwards: no bonus
    sideways, _ = a1.reward(1.0, a1.STANDING_POSE, 0.15, [0.15, 0.26, 0])
    assert 9.0 < sideways < 11.5
    for up in np.linspace(-1, 1, 9):
        for v in (0.0, 0.3, -1.0, 2.0):
            total, _ = a1.reward(up, np.random.default_rng(0).uniform(-2, 2, 12), v, [v, 0.1, 0])
            assert 0.0 <= total <= 14.0


def test_imu_helpers():
    half = np.pi / 4
    on_side = np.array([np.cos(half), np.sin(half), 0, 0])     # rolled by 90 degrees
    assert a1.up_z(on_side) == pytest.approx(0.0, abs=1e-12)
    assert a1.roll_pitch_yaw(on_side)[0] == pytest.approx(np.pi / 2)
    assert a1.up_z([0, 1, 0, 0]) == pytest.approx(-1.0)
    yawed = np.array([np.cos(half), 0, 0, np.sin(half)])      # heading +y
    assert a1.forward_velocity(yawed, [0, 0.3, 0]) == pytest.approx(0.3)
    assert a1.forward_velocity(yawed, [0.3, 0, 0]) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(a1.rotation_matrix(yawed) @ [1, 0, 0], [0, 1, 0], atol=1e-12)
    vec = a1.observation(on_side, [0.1, 0.2, 0.3], a1.INIT_POSE)
    assert vec.dtype == np.float32 and vec.shape == (16,)
    np.testing.assert_allclose(vec[:4], [np.pi / 2, 0, 0.1, 0.2], atol=1e-6)


# --- the simulation ---

@pytest.fixture(scope='module')
def standing():
    need_mujoco()
    env = envs.make('a1_sim', seed=0, render=False, start='stand')
    env.step({'action': a1.STAND_ACTION, 'reset': True})
    yield env
    env.close()


def test_spaces_match_reference():
    need_mujoco()
    assert 'repeat' in envs.parameters('a1_sim') and 'size' in envs.parameters('a1_sim')
    env = envs.make('a1_sim', seed=0, repeat=50, size=(64, 64))
    assert env.length == 250 and env.realtime is False
    assert env.obs_space['vector'] == Space(np.float32, (16,))
    assert env.obs_space['image'] == Space(np.uint8, (64, 64, 3), 0, 255)
    assert env.obs_space['reward'] == Space(np.float32, (), 0, 14)
    assert set(env.obs_space) == {'vector', 'image', 'reward', 'is_first', 'is_last', 'is_terminal'}
    assert env.act_space == {'action': Space(np.float32, (12,), -1, 1), 'reset': Space(bool)}
    dummy = envs.make('a1_dummy')
    assert dummy.act_space == env.act_space and dummy.obs_space['vector'] == env.obs_space['vector']
    fast = envs.make('a1_sim', render=False)
    assert 'image' not in fast.obs_space and fast.obs_space['vector'] == env.obs_space['vector']
    # The a1 config's wrapping: the task runs its own 50 substeps (no ActionRepeat), 250 steps, no resets.
    wrapped = envs.wrap(env, {'length': 250, 'repeat': 1, 'resets': False})
    assert isinstance(wrapped, envs.TimeLimit) and not wrapped.resets and wrapped.length == 250
    assert isinstance(wrapped.env, envs.ClipAction) and wrapped.env.env is env.env


def test_model_from_urdf():
    need_mujoco()
    from daydreamer.envs.a1 import build_model
    m = build_model()
    assert m.opt.timestep == a1.SUBSTEP and m.nu == 12 and m.nq == 19 and m.jnt_type[0] == 0   # free joint
    assert [m.joint(i + 1).name for i in range(12)] == list(a1.JOINT_NAMES)
    assert [m.actuator(i).trnid[0] for i in range(12)] == list(range(1, 13))
    assert sum(m.body_mass) == pytest.approx(12.454, abs=0.01)
    np.testing.assert_allclose(m.jnt_range[1:], np.stack([a1.JOINT_LOW, a1.JOINT_HIGH], 1))
    np.testing.assert_allclose(m.jnt_actfrcrange[1:], np.tile([-33.5, 33.5], (12, 1)))
    assert m.camera('track').id >= 0 and m.site('imu').id >= 0 and m.geom('floor').id >= 0
    assert m.npair == m.ngeom - 1   # every robot geom touches the floor, nothing else


def test_no_implicit_damping_keeps_physics_identical():
    """
    build_model turns MuJoCo's implicit damping off (a speed-up) without changing the motion.

    With no joint damping to integrate, the motion under random actions, falls and contacts included, is bit-identical
    to the default.
    """
    mujoco = need_mujoco()
    from daydreamer.envs.a1 import A1Sim
    flag = int(mujoco.mjtDisableBit.mjDSBL_EULERDAMP)

    def rollout(disable):
        env = A1Sim(seed=3, render=False, start='random')
        assert env.model.opt.disableflags & flag
        if not disable:
            env.model.opt.disableflags &= ~flag
        rng = np.random.default_rng(0)
        env.step({'action': a1.STAND_ACTION, 'reset': True})
        return np.stack([env.step({'action': rng.uniform(-1, 1, 12)})['vector'] for _ in range(60)])

    np.testing.assert_array_equal(rollout(True), rollout(False))


def test_standing_pose_held(standing):
    obs = stand_still(standing, 40)   # 2 s
    assert obs['log_upright'] > 0.99 and 0.23 < obs['log_height'] < 0.28
    assert np.abs(obs['vector'][:4]).max() < 0.02
    np.testing.assert_allclose(obs['vector'][4:], a1.INIT_POSE, atol=0.08)
    assert 8.0 < obs['reward'] < 9.0 and not obs['log_safety_stop']
    assert envs.validate_obs(obs, standing.obs_space) == []


def test_driver_interface(standing):
    stand_still(standing, 2)
    state = standing.driver_state()
    assert state['joint_names'] == list(a1.JOINT_NAMES)
    assert state['stamp'] == pytest.approx(standing.data.time)
    assert all(state[k].shape == (12,) for k in ('position', 'velocity', 'effort'))
    assert np.abs(state['effort']).max() < a1.EFFORT_LIMIT
    imu = state['imu']
    assert imu['quaternion'][0] > 0.99 and np.linalg.norm(imu['quaternion']) == pytest.approx(1)
    assert imu['linear_acceleration'][2] == pytest.approx(9.81, abs=0.3)
    assert np.abs(imu['angular_velocity']).max() < 0.05
    assert state['foot_force'].sum() == pytest.approx(12.45 * 9.81, rel=0.05) and state['foot_force'].min() > 15
    # Raw motor commands (no safety filter): a LowCmd with the position term off and no damping drops it.
    z = standing.data.qpos[2]
    from daydreamer.envs.a1 import POS_STOP_F
    standing.apply_command({'q': POS_STOP_F, 'kd': 0.0})
    standing.step_physics(300)
    assert standing.data.qpos[2] < z - 0.08
    assert np.abs(standing.driver_state()['effort']).max() < 1e-9
    standing.apply_command(a1.INIT_POSE)   # a raw jump back to the pose (it hops): the motors saturate ...
    standing.step_physics(1)
    assert np.abs(standing.driver_state()['effort']).max() == pytest.approx(a1.EFFORT_LIMIT)
    standing.step_physics(1000)               # ... and then hold the pose
    np.testing.assert_allclose(standing.driver_state()['position'], a1.INIT_POSE, atol=0.05)
    standing.step({'action': a1.STAND_ACTION, 'reset': False})   # the agent step restores its own gains
    np.testing.assert_allclose(standing.model.actuator_gainprm[:, 0], a1.KP_SIM)
    np.testing.assert_array_equal(standing.model.actuator_biasprm[:, 0], 0.0)
    standing.step({'action': a1.STAND_ACTION, 'reset': True})


def test_safety_stop_in_sim():
    need_mujoco()
    env = envs.make('a1_sim', seed=0, render=False, start='stand', recover_after=0.5).env
    env.step({'action': a1.STAND_ACTION, 'reset': True})
    env.data.qvel[6:] = 25.0   # a violent kick: Kd x 25 rad/s > 42 N m on the thigh and calf motors
    obs = env.step({'action': a1.STAND_ACTION, 'reset': False})
    assert obs['log_safety_stop'] and env.filter.stops == 1
    np.testing.assert_array_equal(env.model.actuator_gainprm[:, 0], 0.0)   # damping only
    assert np.abs(env.data.qvel[6:]).max() < 25.0
    for _ in range(12):
        obs = env.step({'action': a1.STAND_ACTION, 'reset': False})
    assert not obs['log_safety_stop'] and env.filter.stops == 1            # re-armed after 0.5 s
    np.testing.assert_array_equal(env.model.actuator_gainprm[:, 0], a1.KP_SIM)


def test_random_policy_reward_is_low():
    need_mujoco()
    env = envs.make('a1_sim', seed=1, render=False, start='random')
    rng = np.random.default_rng(0)
    obs = env.step({'action': np.zeros(12, np.float32), 'reset': True})
    rewards = []
    for _ in range(100):
        obs = env.step({'action': env.act_space['action'].sample(rng), 'reset': False})
        assert envs.validate_obs(obs, env.obs_space) == []
        rewards.append(obs['reward'])
    assert 4.0 < np.mean(rewards) < 8.0 and max(rewards) < 12.0


def test_rendering_headless():
    need_mujoco()
    env = envs.make('a1_sim', seed=0, size=(64, 64), start='stand')
    try:
        obs = env.step({'action': a1.STAND_ACTION, 'reset': True})
    except RuntimeError as e:
        pytest.skip(f'no headless GL: {e}')
    try:
        image = obs['image']
        assert image.shape == (64, 64, 3) and image.dtype == np.uint8
        assert image.std() > 10 and len(np.unique(image.reshape(-1, 3), axis=0)) > 20
        later = env.step({'action': -np.ones(12, np.float32), 'reset': False})['image']
        assert not np.array_equal(image, later)
    finally:
        env.close()


def test_no_resets_across_time_limit():
    need_mujoco()
    env = envs.wrap(envs.make('a1_sim', seed=3, render=False, length=5), {'length': 5, 'resets': False})
    sim = env.env.env
    obs = env.step({'action': np.zeros(12, np.float32), 'reset': False})
    assert obs['is_first']
    rng = np.random.default_rng(0)
    for step in range(5):
        obs = env.step({'action': rng.uniform(-1, 1, 12).astype(np.float32), 'reset': False})
    assert obs['is_last'] and not obs['is_terminal']
    time, qpos, vector = sim.data.time, sim.data.qpos.copy(), obs['vector'].copy()
    first = env.step({'action': np.ones(12, np.float32), 'reset': False})
    assert first['is_first'] and first['reward'] == 0 and not first['is_last']
    np.testing.assert_array_equal(first['vector'], vector)
    assert sim.data.time == time and np.array_equal(sim.data.qpos, qpos)   # not reset, not stepped
    nxt = env.step({'action': np.ones(12, np.float32), 'reset': False})
    assert not nxt['is_first'] and sim.data.time == pytest.approx(time + 0.05)
    assert np.abs(nxt['vector'][4:] - vector[4:]).max() < 0.25              # continues from the same pose


def test_scripted_trot_walks_forward():
    need_mujoco()
    from daydreamer.envs.a1 import trot_action
    env = envs.make('a1_sim', seed=0, render=False, start='stand')
    env.step({'action': a1.STAND_ACTION, 'reset': True})
    rewards, velocities = [], []
    for k in range(100):
        obs = env.step({'action': trot_action(k), 'reset': False})
        rewards.append(obs['reward'])
        velocities.append(obs['log_forward_velocity'])
    assert obs['log_upright'] > 0.9 and np.mean(velocities[40:]) > 0.1
    assert np.mean(rewards[40:]) > 9.5 and obs['log_x'] > 0.5


# --- the task (A1Task): one code path for the twin and the bridge ---

def test_feet_are_below_the_hips_at_the_standing_pose():
    feet = a1.feet(a1.INIT_POSE)
    assert np.allclose(feet[:, 2], feet[0, 2]) and -0.3 < feet[0, 2] < -0.2
    assert np.all(np.sign(feet[:, 1]) == a1.SIDE)


def test_task_observation_reward_and_logs_are_the_cores_functions():
    task = a1.A1Task()
    quat, gyro, q = np.array([0.99, 0.05, -0.1, 0.02]), np.array([0.3, -0.2, 0.1]), a1.INIT_POSE + 0.05
    quat /= np.linalg.norm(quat)
    velocity = np.array([0.25, 0.05, 0.0])
    obs, reward, logs = task.observe(q, quat, gyro, velocity)
    np.testing.assert_array_equal(obs['vector'], a1.observation(quat, gyro, q))
    forward = a1.forward_velocity(quat, velocity)
    want, terms = a1.reward(a1.up_z(quat), a1.normalize_angles(q), forward, velocity)
    assert reward == want and logs['log_velocity_estimate'] == forward and logs['log_r_vel'] == terms['vel']
    assert logs['log_upright'] == a1.up_z(quat) and logs['log_safety_stop'] == 0 and logs['log_stops'] == 0
    _, reward, logs = task.observe(q, quat, gyro, None)   # no agent step behind it (the twin after a reset)
    assert reward == 0 and logs['log_r_upr'] == 0 and logs['log_velocity_estimate'] == 0


def test_task_driver_side_parameters():
    real, twin = a1.A1Task(), a1.A1Task(kp=a1.KP_SIM, command_rate=1000.0, check_command=False)
    assert real.repeat == 10 and twin.repeat == a1.REPEAT
    np.testing.assert_array_equal(real.kp, a1.KP_REAL)
    np.testing.assert_array_equal(twin.kp, a1.KP_SIM)
    q = a1.INIT_POSE.copy()
    for task in (real, twin):
        task.rearm(q)
        task.act(np.ones(12, np.float32))
    dq = np.full(12, 30.0)   # Kd x 30 rad/s > 42 N m: the commanded torque trips the real filter only
    real.command(q, dq)
    twin.command(q, dq)
    assert real.stopped and not twin.stopped
    effort = np.zeros(12)
    effort[4] = 45.0         # a reported (or, in the twin, the motors' PD) torque trips both
    assert not twin.sense(effort) and twin.stopped and np.all(twin.kp == 0)


@pytest.fixture
def a1_env():
    need_mujoco()
    from daydreamer.envs.a1 import A1Sim
    env = A1Sim(seed=0, render=False, start='stand', kp=a1.KP_SIM)
    env.step({'action': a1.STAND_ACTION, 'reset': True})
    yield env
    env.close()


def test_the_twin_step_is_the_task_run_over_its_driver_interface(a1_env):
    """
    A driver loop outside the twin (as the bridge's: act, one command per substep, sense, observe) gives its steps.

    Two twins from the same start: one steps itself, the other is driven through its driver interface only
    (`driver_state`, `apply_command`, `step_physics`) by a separate `A1Task` with the twin's parameters, fed the true
    velocity as the twin feeds it. Observations, rewards and the task's logs are equal, to the bit.
    """
    from daydreamer.envs.a1 import A1Sim, trot_action
    assert isinstance(a1_env.task, a1.A1Task) and a1_env.filter is a1_env.task.filter
    driven = A1Sim(seed=0, render=False, start='stand', kp=a1.KP_SIM)
    driven.step({'action': a1.STAND_ACTION, 'reset': True})
    task = a1.A1Task(kp=a1.KP_SIM, command_rate=a1.REPEAT * a1.CONTROL_RATE, check_command=False)
    task.rearm(driven.driver_state()['position'])
    # The twin's start (twin-only) settled its filter on the start pose, not on the settled one: start from there.
    task.filter.lowpass.x[:], task.filter.lowpass.y[:] = driven.filter.lowpass.x, driven.filter.lowpass.y
    task.filter.previous[:] = driven.filter.previous
    rng = np.random.default_rng(0)
    try:
        for k in range(60):
            action = trot_action(k) if k % 3 else rng.uniform(-0.3, 0.3, 12).astype(np.float32) + a1.STAND_ACTION
            want = a1_env.step({'action': action, 'reset': False})
            task.act(action)
            start = driven.data.qpos[:3].copy()   # privileged, as the twin's velocity
            for _ in range(task.repeat):
                state = driven.driver_state()
                driven.apply_command({'q': task.command(state['position'], state['velocity']), 'kp': task.kp,
                                      'kd': task.kd})
                driven.step_physics(1)
                task.sense(driven._force)   # the motors' PD torque before saturation, as the twin checks
            state = driven.driver_state()
            velocity = (driven.data.qpos[:3] - start) / (task.repeat * a1.SUBSTEP)
            obs, reward, logs = task.observe(state['position'], state['imu']['quaternion'],
                                             state['imu']['angular_velocity'], velocity)
            np.testing.assert_array_equal(obs['vector'], want['vector'])
            assert np.float32(reward) == want['reward'], k
            assert {key: np.float32(v) for key, v in logs.items()} == {key: want[key] for key in logs}
        assert a1_env.filter.stops == task.filter.stops == 0 and want['log_forward_velocity'] > 0.05
    finally:
        driven.close()


def drive(env, task, odometry, policy, steps, rate=200):
    """
    Run the A1 twin through its driver interface the way the a1_bridge does.

    Sense at `rate` Hz, stream one command per sample, observe once per agent step with the leg-odometry velocity.
    Returns the task's (obs, reward, logs) per step and the env-style forward velocity truth.
    """
    sub = int(round(1000 / rate))
    out = []
    for t in range(steps):
        state = env.driver_state()
        task.act(policy(t)) if policy is not None else task.hold(state['position'])
        pos = env.data.qpos[:3].copy()
        for _ in range(task.repeat):
            state = env.driver_state()
            imu = state['imu']
            odometry.update(imu['quaternion'], imu['angular_velocity'], state['position'], state['velocity'])
            task.sense(state['effort'])
            env.apply_command(task.command(state['position'], state['velocity']))
            env.step_physics(sub)
        state = env.driver_state()
        imu = state['imu']
        obs, reward, logs = task.observe(state['position'], imu['quaternion'], imu['angular_velocity'],
                                         odometry.mean())
        velocity = (env.data.qpos[:3] - pos) / (task.repeat * sub * 1e-3)
        out.append((obs, reward, logs, a1.forward_velocity(imu['quaternion'], velocity)))
    return out


def test_task_on_the_bridge_stands_like_the_twin_and_walks_with_a_velocity_estimate(a1_env):
    from daydreamer.envs.a1 import trot_action
    task, odometry = a1.A1Task(kp=a1.KP_SIM), a1.LegOdometry()
    task.rearm(a1_env.driver_state()['position'])
    stand = drive(a1_env, task, odometry, lambda t: a1.STAND_ACTION, 40)
    rewards = [r for _, r, _, _ in stand[10:]]
    assert 8.3 < np.mean(rewards) < 9.2   # the env's standing action scores ~8.8 per step
    trot = drive(a1_env, task, odometry, trot_action, 120)[20:]
    estimate, truth = np.array([lg['log_velocity_estimate'] for _, _, lg, _ in trot]), np.array([t[3] for t in trot])
    assert truth.mean() > 0.1   # it walks
    assert np.corrcoef(estimate, truth)[0, 1] > 0.9 and 0.4 * truth.mean() < estimate.mean() < 1.2 * truth.mean()
    assert np.mean([r for _, r, _, _ in trot]) > np.mean(rewards)


def test_task_commands_stay_within_the_clip_and_hold_the_pose(a1_env):
    task = a1.A1Task(kp=a1.KP_SIM)
    state = a1_env.driver_state()
    q = state['position']
    task.rearm(q)
    task.act(np.ones(12, np.float32))   # far away from the pose
    for _ in range(task.repeat):
        cmd = task.command(q, state['velocity'])
        assert np.all(np.abs(cmd - q) <= a1.MAX_DELTA + 1e-9) and np.all(cmd >= a1.JOINT_LOW - 1e-9)
    task.hold(q)
    assert np.allclose(task.command(q, state['velocity']), q)
    assert np.allclose(task.command(q + 0.05, state['velocity']), q)  # held where it stopped, not following


def test_task_latches_the_stop_on_a_reported_torque(a1_env):
    task = a1.A1Task()
    state = a1_env.driver_state()
    q = state['position']
    effort = np.zeros(12)
    effort[3] = 50.0
    assert not task.sense(effort)
    task.act(np.ones(12, np.float32))
    assert np.allclose(task.command(q, state['velocity']), q)  # the stop holds the measured pose
    task.rearm(q)
    assert not task.stopped

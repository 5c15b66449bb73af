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
UR5 / xArm pick-and-place: the shared task logic, the URDFs and the MuJoCo twins.

The task logic is daydreamer/robots/arm.py (`ArmTask`, which the twins and the arm bridge both run), the twins are
in daydreamer/envs/arm.py.
"""

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from daydreamer import robots
from daydreamer.envs import make, parameters, validate_obs
from daydreamer.robots import arm as logic, bridge
from daydreamer.robots.arm import LEFT, Move, OTHER, RIGHT
from daydreamer.space import Space

UR5, XARM = robots.get('ur5').task, robots.get('xarm').task   # the arms' workspaces
URDF_DIR = logic.__file__.rsplit('/', 1)[0] + '/urdf'
UR_JOINTS = ['shoulder_pan_joint', 'shoulder_lift_joint', 'elbow_joint', 'wrist_1_joint', 'wrist_2_joint',
             'wrist_3_joint']
XARM_JOINTS = [f'joint{i}' for i in range(1, 7)]


def xy(moves):
    (move,) = moves
    assert move.kind == 'move'
    return np.round(move.target, 6)


# ------------------------------------------------------------------------------------------------ URDFs

@pytest.mark.parametrize('name, joints, tool', [
    ('ur5.urdf', UR_JOINTS, 'tool0'), ('xarm6.urdf', XARM_JOINTS, 'link_eef')])
def test_urdf_joint_names_and_structure(name, joints, tool):
    root = ET.parse(f'{URDF_DIR}/{name}').getroot()
    links = {link.get('name') for link in root.findall('link')}
    revolute = [j.get('name') for j in root.findall('joint') if j.get('type') == 'revolute']
    assert revolute == joints  # the real drivers' names, in chain order
    assert tool in links
    children = []
    for joint in root.findall('joint'):
        parent, child = joint.find('parent').get('link'), joint.find('child').get('link')
        assert parent in links and child in links
        children.append(child)
        if joint.get('type') in ('revolute', 'prismatic'):
            limit = joint.find('limit')
            assert float(limit.get('lower')) < float(limit.get('upper'))
            assert float(limit.get('effort')) > 0 and float(limit.get('velocity')) > 0
    assert len(children) == len(set(children)) == len(links) - 1  # a tree with one root
    prismatic = [j for j in root.findall('joint') if j.get('type') == 'prismatic']
    assert len(prismatic) == 2 and prismatic[1].find('mimic').get('joint') == prismatic[0].get('name')
    for link in root.findall('link'):
        inertial = link.find('inertial')
        if inertial is not None:
            assert float(inertial.find('mass').get('value')) > 0
            i = {k: float(v) for k, v in inertial.find('inertia').attrib.items()}
            tensor = np.array([[i['ixx'], i['ixy'], i['ixz']], [i['ixy'], i['iyy'], i['iyz']],
                               [i['ixz'], i['iyz'], i['izz']]])
            eig = np.linalg.eigvalsh(tensor)
            assert eig.min() > 0 and eig.max() <= eig.sum() - eig.max() + 1e-12  # triangle inequality


def test_urdf_kinematics():
    """
    At zero angles the tool sits at the published pose of each arm.

    UR5 tool0 at the published (-0.817, -0.191, -0.005) in the controller's base frame; xArm6 link_eef at its SDK home
    (0.207, 0, 0.112), pointing down.
    """
    from daydreamer.sim import import_mujoco
    mujoco = import_mujoco()
    for name, tool, frame, expected in [('ur5.urdf', 'tool0', 'base', (-0.81725, -0.19145, -0.005491)),
                                        ('xarm6.urdf', 'link_eef', None, (0.207, 0.0, 0.112))]:
        spec = mujoco.MjSpec.from_file(f'{URDF_DIR}/{name}')
        spec.compiler.fusestatic = False
        model = spec.compile()
        data = mujoco.MjData(model)
        mujoco.mj_forward(model, data)
        pos = data.xpos[model.body(tool).id]
        if frame:
            base = model.body(frame).id
            pos = data.xmat[base].reshape(3, 3).T @ (pos - data.xpos[base])
        np.testing.assert_allclose(pos, expected, atol=1e-5)


# ------------------------------------------------------------------------------------------------ decoder

def test_workspace_constants_follow_the_reference():
    assert UR5.left_safe_min == pytest.approx((-0.025, -0.56)) and UR5.left_safe_max == pytest.approx((0.008, -0.44))
    assert UR5.right_safe_min == pytest.approx((-0.415, -0.56))
    assert UR5.right_safe_max == pytest.approx((-0.40, -0.44))  # the reference's bug, kept
    assert XARM.left_safe_min == pytest.approx((0.332, 0.125)) and XARM.left_safe_max == pytest.approx((0.443, 0.135))
    assert XARM.right_safe_min == pytest.approx((0.332, -0.13)) and XARM.right_safe_max == pytest.approx((0.443, -0.15))
    assert (UR5.axis, XARM.axis) == (0, 1)
    assert UR5.toward(LEFT) == 0 and UR5.toward(RIGHT) == 1  # UR5: the right bin lies at -x
    assert XARM.toward(LEFT) == 2 and XARM.toward(RIGHT) == 3  # xArm: the right bin lies at -y


def test_sides_and_hover():
    assert XARM.side_of((0.4, 0.12)) == LEFT and XARM.side_of((0.4, -0.1)) == RIGHT
    assert XARM.side_of((0.4, 0.0)) == OTHER
    assert XARM.side_of((0.4, 0.0835)) == LEFT  # within the 2 mm margin
    assert XARM.side_of((0.4, 0.082)) == OTHER
    assert UR5.side_of((0.0, -0.5)) == LEFT and UR5.side_of((-0.4, -0.5)) == RIGHT
    assert XARM.is_hover(0.29) and not XARM.is_hover(0.182) and not XARM.is_hover(0.235)
    assert UR5.is_hover(0.12) and not UR5.is_hover(-0.01)


@pytest.mark.parametrize('action, expected', [(0, (0.40, 0.12)), (1, (0.48, 0.12)), (2, (0.44, 0.085)),
                                              (3, (0.44, 0.16))])
def test_moves_at_table(action, expected):
    pos = (0.44, 0.12, XARM.z_table)
    moves = logic.decode_action(XARM, action, pos, gripper_open=True, grasped=False)
    np.testing.assert_allclose(xy(moves), (*expected, XARM.z_table), atol=1e-9)


def test_grid_snapping_and_the_unmoved_coordinate():
    # x: 0.4613 + 0.04 = 0.5013 -> grid 0.52; y is not moved, so it keeps its off-grid value
    np.testing.assert_allclose(logic.target_xy(XARM, 1, (0.4613, 0.1234, 0.182), False), (0.52, 0.1234))
    # -x from 0.4613: 0.4213 -> 0.44 (a grid step can be shorter than 4 cm)
    np.testing.assert_allclose(logic.target_xy(XARM, 0, (0.4613, 0.1234, 0.182), False), (0.44, 0.1234))
    np.testing.assert_allclose(logic.target_xy(UR5, 2, (-0.0012, -0.5, -0.01), False), (-0.0012, -0.56), atol=1e-9)


def test_clipping_to_the_bin_box():
    # at the table: the full box
    np.testing.assert_allclose(logic.target_xy(XARM, 1, (0.52, 0.12, 0.182), False), (0.523, 0.12))
    np.testing.assert_allclose(logic.target_xy(XARM, 3, (0.44, 0.16, 0.182), False), (0.44, 0.175))
    np.testing.assert_allclose(logic.target_xy(UR5, 1, (0.04, -0.5, -0.01), False), (0.048, -0.5))
    # hovering: the safe box
    np.testing.assert_allclose(logic.target_xy(XARM, 1, (0.44, 0.125, 0.29), False), (0.443, 0.125))
    np.testing.assert_allclose(logic.target_xy(UR5, 3, (0.0, -0.44, 0.12), False), (0.0, -0.44))
    # the xArm's inverted right safe box puts every hover y at -0.15
    np.testing.assert_allclose(logic.target_xy(XARM, 0, (0.44, -0.15, 0.29), False), (0.40, -0.15))
    np.testing.assert_allclose(logic.target_xy(XARM, 3, (0.44, -0.15, 0.29), False), (0.44, -0.15))


def test_crossing_needs_the_object_and_hover():
    hover_left = (0.44, 0.125, XARM.z_hover)
    np.testing.assert_allclose(logic.target_xy(XARM, 2, hover_left, grasped=True), (0.44, -0.15))
    np.testing.assert_allclose(logic.target_xy(XARM, 2, hover_left, grasped=False), (0.44, 0.125))
    np.testing.assert_allclose(logic.target_xy(XARM, 2, (0.44, 0.125, XARM.z_table), grasped=True), (0.44, 0.085))
    np.testing.assert_allclose(logic.target_xy(XARM, 3, (0.44, -0.15, XARM.z_hover), grasped=True), (0.44, 0.125))
    # moving away from the other bin never crosses
    np.testing.assert_allclose(logic.target_xy(XARM, 3, hover_left, grasped=True), (0.44, 0.135))
    # UR5 crosses along x: left -> right clips into the right safe box (x in [-0.415, -0.40])
    np.testing.assert_allclose(logic.target_xy(UR5, 0, (0.0, -0.48, UR5.z_hover), grasped=True), (-0.40, -0.48))
    np.testing.assert_allclose(logic.target_xy(UR5, 1, (-0.40, -0.48, UR5.z_hover), grasped=True), (-0.025, -0.48))
    np.testing.assert_allclose(logic.target_xy(UR5, 0, (0.0, -0.48, UR5.z_hover), grasped=False), (-0.025, -0.48))
    with pytest.raises(ValueError):
        logic.target_xy(XARM, 0, (0.44, 0.0, 0.29), True)  # above neither bin


def test_gripper_and_z_actions():
    assert logic.decode_action(XARM, 4, (0.44, 0.12, 0.182), True, False) == [Move.gripper(False)]
    assert logic.decode_action(XARM, 4, (0.44, 0.12, 0.182), False, True) == [Move.gripper(True)]
    assert logic.decode_action(XARM, 5, (0.44, 0.12, 0.29), True, False) == [Move.to(0.44, 0.12, 0.182)]
    assert logic.decode_action(XARM, 5, (0.44, 0.12, 0.182), True, False) == []  # nothing to lift: no-op
    lift = logic.decode_action(XARM, 5, (0.52, 0.16, 0.182), False, True)
    assert [m.kind for m in lift] == ['move', 'move']  # into the safe box, then up
    np.testing.assert_allclose([m.target for m in lift], [(0.443, 0.135, 0.182), (0.443, 0.135, 0.29)])
    with pytest.raises(ValueError):
        logic.decode_action(XARM, 6, (0.44, 0.12, 0.182), True, False)


def test_random_cell_is_a_grid_cell_of_the_safe_box():
    rng = np.random.default_rng(0)
    for ws in (UR5, XARM):
        for side in (LEFT, RIGHT):
            low, high = ws.box(side, hover=True)
            for _ in range(50):
                cell = ws.random_cell(side, rng)
                clipped = logic.clip(cell, low, high)
                np.testing.assert_allclose(cell, clipped)
                on_grid = np.isclose(cell, np.round(cell / 0.04) * 0.04)
                on_grid |= np.isclose(cell, low) | np.isclose(cell, high)
                assert on_grid.all(), cell
                assert ws.side_of(cell) == side
    np.testing.assert_allclose([XARM.random_cell(RIGHT, rng)[1] for _ in range(20)], -0.15)


# ------------------------------------------------------------------------------------------------ reward

def test_grasp_threshold():
    assert not logic.is_grasped(0.0) and not logic.is_grasped(0.015) and logic.is_grasped(0.016)
    assert logic.is_grasped(0.984) and not logic.is_grasped(0.985) and not logic.is_grasped(np.array([1.0]))


def test_reward_of_a_pick_and_place():
    task = logic.PickPlace(XARM, np.random.default_rng(0))
    table, hover = (0.44, 0.12, XARM.z_table), (0.44, 0.125, XARM.z_hover)
    assert task.act(4, table) == [Move.gripper(False)] and not task.gripper_open
    assert task.reward(0.48, table) == (1.0, [])  # new grasp
    assert task.grasped and task.grasped_bin == LEFT
    np.testing.assert_array_equal(task.sides(table)[0], [0, 1, 0])  # gripper_side: the grasp's bin
    assert task.reward(0.48, hover) == (0.0, [])  # holding
    over_right = (0.44, -0.15, XARM.z_hover)
    reward, moves = task.reward(0.49, over_right)
    assert reward == 10.0 and task.object_side == RIGHT and not task.grasped and task.gripper_open
    assert moves[0] == Move.gripper(True) and moves[1] == Move.to(0.44, -0.15, XARM.z_table)
    assert moves[2].kind == 'move' and moves[2].target[2] == XARM.z_table
    assert XARM.side_of(moves[2].target) == RIGHT
    np.testing.assert_array_equal(task.sides(over_right)[0], [0, 1, 0])  # kept until the next grasp (reference)
    np.testing.assert_array_equal(task.sides(over_right)[1], [0, 0, 1])  # grasped_side: where the arm is now
    assert task.reward(0.0, moves[2].target) == (0.0, [])


def test_drop_and_empty_closes():
    task = logic.PickPlace(UR5, np.random.default_rng(0))
    pos = (0.0, -0.48, UR5.z_hover)
    assert task.reward(1.0, pos) == (0.0, [])  # closed on nothing
    assert task.reward(0.5, pos) == (1.0, [])
    reward, moves = task.reward(1.0, pos)  # the fingers closed fully: the object fell out
    assert reward == -1.0 and moves == [Move.to(0.0, -0.48, UR5.z_table)]
    assert task.grasped_bin == OTHER and not task.grasped
    total = sum(task.reward(g, p)[0] for g, p in [(0.5, pos), (0.5, (-0.40, -0.48, 0.12)), (0.0, (-0.4, -0.5, -0.01))])
    assert total == 11.0  # one full pick-and-place


def test_reset_routine():
    task = logic.PickPlace(UR5, np.random.default_rng(0))
    task.reward(0.5, (0.0, -0.48, UR5.z_table))  # holding
    task.gripper_open = False
    moves = task.reset()
    assert moves[0].kind == 'move' and moves[0].target[2] == UR5.z_hover and UR5.side_of(moves[0].target) == LEFT
    assert moves[1] == Move.gripper(True)
    corners = [m.target for m in moves[2:6]]
    assert sorted(corners) == sorted([(x, y, UR5.z_table) for x in (-0.125, 0.048) for y in (-0.64, -0.36)])
    assert moves[-1].target[2] == UR5.z_table and UR5.side_of(moves[-1].target) == LEFT
    assert task.gripper_open and not task.grasped and task.grasped_bin == OTHER
    xarm = logic.PickPlace(XARM, np.random.default_rng(0))
    moves = xarm.reset()  # not holding, no corner sweep
    assert [m.kind for m in moves] == ['gripper', 'gripper', 'move'] and moves[-1].target[2] == XARM.z_table


# ------------------------------------------------------------------------------------------------ camera helpers

def test_encode_depth():
    depth = np.array([[0.3, 0.425, 0.7, 1.0, 1.1, np.nan]])
    out = logic.encode_depth(depth, logic.DEPTH_FARTHEST['xarm'])
    assert out.shape == (1, 6, 1) and out.dtype == np.uint8
    assert out[0, 0, 0] == 0 and out[0, 4, 0] == 255 and out[0, 5, 0] == 0
    assert out[0, 1, 0] < out[0, 2, 0] < out[0, 3, 0] < 255
    # 0.7 m: 700 mm * 0.03 = 21 -> 21 / 255 = 0.0824 -> (0.0824 - 0.05) / 0.07 = 0.462 -> 117
    assert out[0, 2, 0] == 117
    assert logic.encode_depth(np.full((4, 4, 1), 1.4), logic.DEPTH_FARTHEST['ur5']).shape == (4, 4, 1)


def test_color_finder():
    image = np.full((64, 64, 3), 180, np.uint8)
    image[..., 2] = 120  # a tan table
    assert logic.ColorFinder().find(image) == (False, None, 0)
    image[10:14, 40:44] = (230, 20, 15)
    found, (row, col), count = logic.ColorFinder().find(image)
    assert found and count == 16 and (row, col) == (11.5, 41.5)
    hue, sat, val = logic.rgb_to_hsv(np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [128, 128, 128]], np.uint8))
    np.testing.assert_allclose(hue, [0, 120, 240, 0])
    np.testing.assert_allclose(sat, [1, 1, 1, 0])
    np.testing.assert_allclose(val, [1, 1, 1, 128 / 255])


# ------------------------------------------------------------------------------------------------ MuJoCo twins

@pytest.fixture(scope='module', params=['ur5', 'xarm'])
def sim(request):
    from daydreamer.envs.arm import ArmSim
    env = ArmSim(request.param, seed=0)
    yield env
    env.close()


def reset(env):
    return env.step({'action': np.int64(0), 'reset': True})


def test_registry_and_spaces_equal_dummy():
    for task, robot in (('ur5_sim', 'ur5'), ('xarm_sim', 'xarm')):
        assert {'seed', 'size', 'length'} <= parameters(task)
        env = make(task, seed=0)
        try:
            spec = robots.get(robot)
            obs_space, act, length = spec.obs_space, spec.act_space, spec.episode_length
            flags = ('reward', 'is_first', 'is_last', 'is_terminal')
            assert {k: v for k, v in env.obs_space.items() if k not in flags} == obs_space
            assert env.act_space == {'action': act, 'reset': Space(bool)}
            assert act == Space(np.int64, (), 0, 6)
            assert env.length == length == 100 and env.realtime is False
        finally:
            env.close()


def test_reset_state_and_rendering(sim):
    obs = reset(sim)
    assert validate_obs(obs, sim.obs_space) == []
    assert obs['is_first'] and obs['reward'] == 0
    assert obs['gripper_pos'][0] < logic.GRASP_LOW  # open
    assert abs(obs['cartesian_position'][2] - sim.ws.z_table) < 1e-3  # at table height
    side = sim.ws.side_of(obs['cartesian_position'])
    assert side in (LEFT, RIGHT) and obs['grasped_side'][side] == 1 and obs['gripper_side'][OTHER] == 1
    assert obs['image'].std() > 10  # not a constant frame
    if sim.cfg.depth:
        assert obs['depth'].std() > 5 and np.isfinite(sim.last_depth_m).all()
    # the colour detector finds the ball where the camera can see it, and not when it is gone
    sim.place_ball(sim.ws.other(side))
    sim.advance(0.1)
    rgb, _ = sim.render(depth=False)
    assert sim.finder.find(rgb)[0]
    qpos = sim.data.qpos.copy()
    sim.data.qpos[sim._ball_q + 2] = -5.0
    sim._mj.mj_forward(sim.model, sim.data)
    assert not sim.finder.find(sim.render(depth=False)[0])[0]
    sim.data.qpos[:] = qpos
    reset(sim)
    assert sim.ball_side() in (LEFT, RIGHT)  # the reset put the ball back into a bin


def test_observation_conventions(sim):
    obs = reset(sim)
    if sim.robot == 'ur5':
        np.testing.assert_allclose(obs['cartesian_position'][3:], [-2.2214, -2.2214, 0.0], atol=2e-3)
        assert obs['joint_positions'].shape == (6,)
    else:
        np.testing.assert_allclose(np.abs(obs['cartesian_position'][3]), np.pi, atol=2e-3)
        np.testing.assert_allclose(obs['cartesian_position'][4:], [0, 0], atol=2e-3)
        assert obs['joint_positions'].shape == (7,) and obs['joint_positions'][6] == 0
    np.testing.assert_allclose(obs['joint_positions'][:6], sim.driver_state(images=False)['position'], atol=1e-6)


@pytest.mark.parametrize('task', ['ur5_sim', 'xarm_sim'])
def test_scripted_policy_places_and_random_does_not(task):
    """
    A fresh env (seed 0, so the result does not depend on the test order).

    Over 10 episodes the scripted policy averages 17.7 (UR5) / 25.4 (xArm) placements and 11 per placement; random
    returns are ~0.
    """
    from daydreamer.envs.arm import measure_returns
    env = make(task, seed=0)
    try:
        (scripted, placements, grasps, drops), = measure_returns(env, episodes=1, policy='scripted')
        assert placements >= 5 and scripted >= 11 * placements
        assert grasps >= placements and scripted == grasps - drops + 10 * placements  # the counts are the rewards
        (random, placed, grasps, drops), = measure_returns(env, episodes=1, policy='random')
        assert abs(random) <= 11 and placed <= 1  # grasps and drops cancel, placements are rare
        assert random == grasps - drops + 10 * placed
    finally:
        env.close()


def test_driver_interface(sim):
    reset(sim)
    state = sim.driver_state()
    assert state['joint_names'] == (UR_JOINTS if sim.robot == 'ur5' else XARM_JOINTS)
    for key in ('position', 'velocity', 'effort'):
        assert state[key].shape == (6,) and state[key].dtype == np.float64
    assert state['rgb'].shape == (64, 64, 3) and state['depth'].shape == (64, 64)
    assert 0.2 < np.median(state['depth']) < 3.0 and isinstance(state['stamp'], float)
    target = state['position'] + np.array([0.1, -0.05, 0.05, 0.0, 0.0, 0.1])
    sim.apply_command(dict(zip(state['joint_names'], target)), gripper=1.0)
    sim.advance(0.5)
    after = sim.driver_state(images=False)
    np.testing.assert_allclose(after['position'], target, atol=2e-3)
    assert after['stamp'] == pytest.approx(state['stamp'] + 0.5) and after['gripper_position'] > 0.3
    sim.apply_command(state['position'], gripper=0.0)
    sim.advance(0.5)
    np.testing.assert_allclose(sim.driver_state(images=False)['position'], state['position'], atol=2e-3)


def test_a_calibrated_workspace_moves_the_safe_boxes_with_their_bins():
    ws = XARM.calibrated(left_bin=[0.262, 0.095, 0.533, 0.185], z_hover=0.30)
    assert ws.left_min == pytest.approx((0.262, 0.095)) and ws.left_max == pytest.approx((0.533, 0.185))
    assert np.allclose(np.subtract(ws.left_safe_min, XARM.left_safe_min), 0.01)  # the margins stay
    assert np.allclose(np.subtract(ws.left_safe_max, XARM.left_safe_max), 0.01)
    assert ws.right_safe_max == XARM.right_safe_max and ws.z_hover == 0.30 and ws.z_table == XARM.z_table
    assert UR5.calibrated() == UR5
    with pytest.raises(ValueError, match=r'right_bin must be \[x_min, y_min, x_max, y_max\]'):
        UR5.calibrated(right_bin=[0.0, 0.0, 0.1])
    with pytest.raises(ValueError, match='z levels must rise'):
        UR5.calibrated(z_table=0.5)


# ------------------------------------------------------------------------------------------------ one task path

def test_the_twin_runs_the_task_that_the_bridge_runs(sim):
    """
    The twin's step is `ArmTask` over the twin's driver level, the code the arm bridge runs.

    A task built as the bridge builds it (its own kinematic model compiled from the URDF, its own beliefs, here
    copied from the twin's before each step) and fed the twin's sensed joints, closure and frames gives the moves
    the twin executed, its rewards and follow-up moves, and its observations.
    """
    import copy
    reset(sim)
    assert type(sim.task) is logic.ArmTask and sim.task.kinematics is sim.kinematics
    task = logic.ArmTask(sim.robot, seed=0)   # as arm_bridge makes it
    assert task.kinematics is not sim.kinematics
    executed, execute = [], sim.execute

    def spy(moves):
        execute(moves)
        executed.append((list(moves), sim.sensed_joints(), sim.gripper_position()))

    sim.execute, rewards = spy, []
    try:
        for step in range(40):
            action = sim.scripted_action() if step % 5 else 4 - step % 2   # mostly pick and place
            for key in ('grasped', 'grasped_bin', 'object_side', 'gripper_open'):
                setattr(task.pickplace, key, getattr(sim.beliefs, key))
            task.pickplace.rng = copy.deepcopy(sim.beliefs.rng)
            moves, replaced = task.act(action, sim.sensed_joints())
            executed.clear()
            obs = sim.step({'action': np.int64(action), 'reset': False})
            assert not replaced and [m.kind for m in executed[0][0]] == [m.kind for m in moves]
            np.testing.assert_allclose([m.target for m in executed[0][0] if m.kind == 'move'],
                                       [m.target for m in moves if m.kind == 'move'], atol=1e-9)
            reward, follow = task.reward(executed[0][2], executed[0][1])
            assert reward == obs['reward'] and follow == (executed[1][0] if len(executed) > 1 else [])
            rgb, depth = sim.render()
            mine = {**task.observe(sim.sensed_joints(), sim.gripper_position(), rgb, depth), **task.logs(reward)}
            for key, value in mine.items():
                if np.issubdtype(value.dtype, np.floating):
                    np.testing.assert_allclose(value, obs[key], rtol=1e-6, atol=1e-7, err_msg=key)
                else:
                    np.testing.assert_array_equal(value, obs[key], err_msg=key)
            rewards.append(reward)
    finally:
        sim.execute = execute
    assert 1.0 in rewards, 'the rollout grasped (the reward path ran)'


def test_task_observation_from_driver_data_matches_the_twin(sim):
    reset(sim)
    task = logic.ArmTask(sim.robot, seed=0)
    state = sim.driver_state()
    gripper = task.driver.closure(task.driver.joint_position(state['gripper_position']))
    obs = task.observe(state['position'], gripper, state['rgb'], state['depth'])
    env_obs = sim._obs(0.0, False)
    for key in ('cartesian_position', 'joint_positions', 'gripper_pos'):
        assert np.allclose(obs[key], env_obs[key], atol=1e-5), key
    assert np.array_equal(obs['image'], env_obs['image']) and set(obs) == set(task.obs_space)
    big = np.zeros((480, 640, 3), np.uint8)  # a camera at its own resolution: centre square, area-resized
    big[:, 80:560] = 120
    assert (task.observe(state['position'], gripper, big, np.ones((480, 640)))['image'] == 120).all()
    cropping = logic.ArmTask(sim.robot, seed=0, crop=(700, 0, 0, 0))
    with pytest.raises(bridge.WrongImage, match='camera/image_raw: crop'):
        cropping.observe(state['position'], gripper, big, np.ones((480, 640)))


def stream(env, task, moves, rate=100.0):
    """Execute moves as the arm bridge does: joint paths streamed as servo targets, gripper commands."""
    for move in moves:
        if move.kind == 'gripper':
            env.set_gripper(move.target)
            continue
        for target in task.path(env.driver_state(images=False)['position'], move.target, rate):
            env.apply_command(target)
            env.advance(1.0 / rate)
        env.advance(0.3)


def test_task_path_moves_the_tool_one_grid_cell_as_the_bridge_streams_it(sim):
    reset(sim)
    task = logic.ArmTask(sim.robot, seed=0)
    q = sim.driver_state(images=False)['position']
    start = task.tool(q)
    side = task.ws.side_of(start)
    action = 1 if sim.ws.box(side, False)[1][0] - start[0] > 0.05 else 0
    moves, reset_ = task.act(action, q)
    assert not reset_ and len(moves) == 1 and moves[0].kind == 'move'
    path = task.path(q, moves[0].target, 100.0)
    assert len(path) >= 30   # 4 cm at 0.1 m/s: bounded speed
    assert np.abs(np.diff(path, axis=0)).max() < 0.05
    stream(sim, task, moves)
    end = task.tool(sim.driver_state(images=False)['position'])
    assert np.allclose(end, moves[0].target, atol=2e-3)
    reset(sim)   # the twin's beliefs and pose again agree for the tests that follow


def test_task_above_neither_bin_replaces_the_action_by_the_reset_with_a_lift_first():
    task = logic.ArmTask('ur5', seed=0)
    q = task.kinematics.ik((0.3, 0.3, UR5.z_table), task.cfg.home)   # nowhere near the bins
    assert UR5.side_of(task.tool(q)) == OTHER
    moves, replaced = task.act(1, q)
    assert replaced and moves[0] == Move.to(*task.tool(q)[:2], UR5.z_hover) and moves[1] == Move.gripper(True)
    assert UR5.side_of(moves[-1].target) == LEFT and task.pickplace.gripper_open


def test_task_xarm_needs_depth_of_any_size():
    task = logic.ArmTask('xarm', seed=0)
    q = np.zeros(6)
    rgb = np.zeros((64, 64, 3), np.uint8)
    with pytest.raises(bridge.BadDriverData, match='depth'):
        task.observe(q, 0.0, rgb)
    obs = task.observe(q, 0.0, rgb, np.full((64, 64), 0.8, np.float32))
    assert obs['depth'].shape == (64, 64, 1) and obs['depth'].dtype == np.uint8
    assert obs['joint_positions'].shape == (7,)
    assert obs['depth'][0, 0, 0] == logic.encode_depth(np.full((1, 1), 0.8), logic.DEPTH_FARTHEST['xarm'])[0, 0, 0]
    # A 640x480 colour frame with a 320x240 depth image: the colour crop, scaled, picks the same region of both.
    cropped = logic.ArmTask('xarm', seed=0, crop=(320, 0, 320, 240))
    depth = np.full((240, 320), 0.8, np.float32)
    depth[:120, 160:] = 0.5
    obs = cropped.observe(q, 0.0, np.zeros((480, 640, 3), np.uint8), depth)
    assert (obs['depth'] == logic.encode_depth(np.full((1, 1), 0.5), logic.DEPTH_FARTHEST['xarm'])[0, 0, 0]).all()
    with pytest.raises(ValueError, match='robot must be one of'):
        logic.ArmTask('a1')

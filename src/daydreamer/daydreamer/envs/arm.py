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
MuJoCo twins of the UR5 and xArm visual pick-and-place tasks (`ur5_sim`, `xarm_sim`).

The scene is built from the robots' URDFs (daydreamer/robots/urdf/{ur5,xarm6}.urdf) with
`mujoco.MjSpec.from_file`, without forking them: the builder adds a table, the two bins at the reference's
workspace coordinates, a red ball (radius 2.5 cm, 50 g), a fixed RGB(-D) camera looking at the bins, lights,
position servos on the six arm joints and on the gripper, and gravity compensation on the robot's links (an
industrial arm's controller holds its pose). The world frame is the robot's Cartesian base frame (UR: the
controller's `base`, REP-103 `base_link` turned by pi; xArm: `link_base`), so the bins' coordinates in
daydreamer/robots/arm.py are world coordinates.

Motion. The task lives in `daydreamer.robots.arm.ArmTask`, which the arm bridge runs too: `step()` asks it for
moves, executes them here, and hands it the sensed joints, gripper closure and camera frames for the reward, the
follow-up moves and the observation; this module only executes the moves (`execute`: `move_to`, `set_gripper`). A
move is a straight Cartesian line at the fixed downward tool orientation: IK waypoints 2 cm apart (damped least
squares on MuJoCo's Jacobian, warm started, cached per target), joint-interpolated with a cosine time profile (mean
tool speed at most 1 m/s, peak acceleration 50 m/s^2, in simulated time; the real arms take ~1.6 s per move). The
arm follows that path kinematically: its joint positions and velocities are set at every 2 ms physics step (its
servo targets move along, so it holds the final pose; a large joint armature makes it coast along the path within a
step), while the fingers and the ball are simulated. A 4 cm move costs 32 physics steps, a lift 54, a gripper
action 20-50. The physics is deterministic for a given seed.

Grasping is physical, not a weld: only the fingers and the palm collide with the ball (the links never collide
with anything; the bin walls and the table only with the ball), the fingers close with a force-limited (20 N)
position servo (the right finger mimics the left through an equality constraint, from the URDF's <mimic>),
and the ball is carried by contact friction (elliptic cones, impratio 10). Like the real grippers, the
fingers are not back-drivable while the arm moves: they only move towards their command (a ball pinched
against a bin wall cannot push an open gripper closed, a held ball cannot push it open, and a closed gripper
keeps closing when the ball slips out). `gripper_pos` is the finger closure (0 open, 1 closed): ~0.48 on the
ball and 1.0 on nothing, which is what the reference's grasp test (0.015 < gripper_pos < 0.985) reads.

Observations equal envs/dummy.py's ROBOTS['ur5'] / ROBOTS['xarm']:
- image (64, 64, 3) uint8 from the fixed camera; xArm also depth (64, 64, 1) uint8 encoded like the
  reference (`robots.arm.encode_depth`: RealSense millimetres -> convertScaleAbs(alpha=0.03) -> the band
  [0.05, 0.12] of that 8-bit scale, i.e. 0.425-1.02 m, stretched to 0-255).
- cartesian_position (6,): tool flange position (m) in the base frame and orientation as the real APIs report
  it: UR5 `getl()` rotation vector (tool0; canonical sign near (-2.22, -2.22, 0)), xArm `get_position()` roll,
  pitch, yaw (link_eef).
- joint_positions: UR5 the six joints (rad); xArm the SDK's 7-vector `get_servo_angle()`, whose 7th entry is
  0 on a 6-DOF arm (the gripper is in gripper_pos).
- gripper_pos (1,), gripper_side (3,) = one-hot of the bin the object was grasped in, grasped_side (3,) =
  one-hot of the arm's current bin (the reference's swapped names; order OTHER, LEFT, RIGHT).
Logging extras (never modelled; per step, so that the episode's `sum_log_*` are counts and `mean_log_*`
rates): `log_grasp`, `log_drop` and `log_placement` flag the +1, -1 and +10 rewards (sensed); privileged,
for evaluation only, `log_object_in_target_bin` flags a placement after which the ball really lay in the
new bin and `log_object_visible` a frame in which the colour detector finds the ball.

Sim-only differences from the real robots (see ArmTask for all of them): the reset puts the ball back into a bin
if it left both, and it re-syncs the task's belief of the ball's bin with the true one, so that no episode starts
in an empty bin (on hardware a person fixes this); the scene settles after a reset and a placement; the privileged
logs and `scripted_action` (a policy that reads the ball's true position) exist only here. The UR5's reset sweep of
the bin corners is kept, without its sleeps.

Driver-level interface, for a ROS 2 simulation node: `driver_state()` (JointState-like joint names, positions,
velocities and efforts with the real drivers' joint names, the gripper, the camera frames, the flange pose and
the sim time as stamp), `apply_command(joint_positions, gripper)` (position targets like a
forward_position_controller; gripper 0 open .. 1 closed) and `advance(seconds)`. The agent-level `step()`
senses the same state (`sensed_joints`, `gripper_position`, `render`) but executes whole moves kinematically.

Rendering: 64x64 without multisampling (3-4x cheaper on Mesa's software renderer, and like the reference's
cv2.resize of 640x480 frames, which has no anti-aliasing prefilter either); the xArm's RGB and depth come from
one render pass.

Speed on one core of the build box (`taskset -c 0`, 64x64 rendering, EGL/llvmpipe, measure_returns over 5
episodes): xArm 504 env steps/s with random actions and 245 with the scripted policy (whose long carrying
moves cost more physics); UR5 460 and 218.

Returns over 100-step episodes (`measure_returns(env, 10, policy)` on one `ur5_sim` / `xarm_sim` env with
seed 0; the random policy samples with np.random.RandomState(0)): see RANDOM_RETURN, SCRIPTED_RETURN and
SCRIPTED_PLACEMENTS below. Every scripted episode earns 11 per placement (a drop after a grasp nets 0).
Random actions do grasp, but let go again in the same bin: over 1,000 steps (seed 0) the UR5 grasped 6
times and dropped 6 (return 0), the xArm grasped 15 times, dropped 13 and placed once. So the reward is in
random-prefill replay; returns above ~1 need a policy that holds on and carries.
"""

import math
from pathlib import Path

import numpy as np

from .base import Env, TimeLimit
from .. import robots
from ..robots import arm as logic
from ..space import Space

URDF_DIR = Path(__file__).resolve().parents[1] / 'robots' / 'urdf'
BALL_RADIUS, BALL_MASS = 0.025, 0.05
BALL_RGBA = (0.9, 0.08, 0.06, 1.0)
WALL_HEIGHT, WALL_THICKNESS, BIN_MARGIN = 0.05, 0.01, 0.02
TIMESTEP = 0.002
ARM_ARMATURE = 5.0  # kg m^2 (reflected motor inertia of the arm joints)
WAYPOINT = 0.02  # m between IK waypoints
MOVE_SPEED, MAX_ACCEL = 1.0, 50.0  # mean tool speed (m/s) and peak acceleration (m/s^2) of a move
GRIPPER_PRELOAD = 0.003  # m past the end stops that the gripper servo aims for when fully open / closed
GRIP_FORCE, HOLD_FORCE = 20.0, 200.0  # N: closing force limit; force that holds the fingers open

# Mean over 10 episodes (see the module docstring). Random: UR5 all 0; xArm std 3.3 (one accidental placement).
# Scripted: UR5 std 64 (one episode lost its ball out of the bins early: 11), xArm std 16.
RANDOM_RETURN = {'ur5': 0.0, 'xarm': 1.2}
SCRIPTED_RETURN = {'ur5': 195.0, 'xarm': 280.2}
SCRIPTED_PLACEMENTS = {'ur5': 17.7, 'xarm': 25.4}


def _rot_z(angle):
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


class RobotConfig:
    """What differs between the arms: their definition (robots/<arm>.py's ROBOT) and its twin_config."""

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


def config(name):
    """Return the twin's RobotConfig of the arm definition `name` (a Robot whose twin_config is a robots.arm.Twin)."""
    robot = robots.get(name)
    twin = robot.twin_config
    if not isinstance(twin, logic.Twin):
        raise ValueError(f"robot '{name}' is not an arm (its definition has no robots.arm.Twin twin_config)")
    return RobotConfig(name=robot.name, urdf=robot.urdf, workspace=robot.task, root=robot.root_frame,
                       joints=robot.driver.joints, **{**vars(twin), 'tool_rot': np.array(twin.tool_rot),
                                                      'home': np.array(twin.home)})


CONFIGS = {name: config(name) for name, robot in robots.registry().items()
           if isinstance(robot.twin_config, logic.Twin)}


def _look_at_quat(mujoco, pos, target):
    forward = np.asarray(target, float) - np.asarray(pos, float)
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, [0, 0, 1.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    mat = np.stack([right, up, -forward], 1)  # camera x, y, z (it looks along -z)
    quat = np.zeros(4)
    mujoco.mju_mat2Quat(quat, mat.reshape(-1))
    return quat


def table_height(cfg):
    """Table top z: at Z_TABLE the finger-pad centre is level with the ball's centre."""
    return cfg.workspace.z_table - cfg.pad - BALL_RADIUS


def bin_inner(cfg, side):
    """
    Return the (low, high) xy of a bin's inside.

    That is the tool box plus BIN_MARGIN, so the ball's centre always lies within the tool's reach.
    """
    low, high = cfg.workspace.box(side, hover=False)
    return low - BIN_MARGIN, high + BIN_MARGIN


def build_spec(cfg):
    """Build the MjSpec of the scene: the URDF plus table, bins, ball, camera, lights and actuators."""
    from ..sim import import_mujoco
    mujoco = import_mujoco()
    spec = mujoco.MjSpec.from_file(str(URDF_DIR / cfg.urdf))
    spec.modelname = f'{cfg.name}_pickplace'
    spec.compiler.fusestatic = False  # keep the tool frames (tool0, link_eef) as bodies
    spec.option.timestep = TIMESTEP
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    spec.option.cone = mujoco.mjtCone.mjCONE_ELLIPTIC  # with impratio: stiff friction, no creep out of a grasp
    spec.option.impratio = 10.0
    # No multisampling: 3-4x cheaper 64x64 frames on a software renderer, and closer to the reference's
    # frames (cv2.resize from 640x480 without an anti-aliasing prefilter).
    spec.visual.quality.offsamples = 0
    spec.visual.headlight.ambient = [0.35, 0.35, 0.35]
    spec.visual.headlight.diffuse = [0.45, 0.45, 0.45]
    spec.visual.headlight.specular = [0.05, 0.05, 0.05]
    root = spec.body(cfg.root)
    quat = np.zeros(4)
    mujoco.mju_mat2Quat(quat, _rot_z(cfg.root_yaw).reshape(-1))
    root.quat = quat
    finger_joints = [j for j in spec.joints if j.type == mujoco.mjtJoint.mjJNT_SLIDE]
    finger_bodies = [j.parent.name for j in finger_joints]
    palm = finger_joints[0].parent.parent.name
    for body in spec.bodies:
        if body.name != 'world':
            body.gravcomp = 1.0
    for geom in spec.geoms:  # every geom so far belongs to the robot
        gripper = geom.parent.name in finger_bodies or geom.parent.name == palm
        geom.contype, geom.conaffinity = (1, 1) if gripper else (0, 0)
        if geom.parent.name in finger_bodies:
            geom.friction = [1.2, 0.01, 0.001]
            geom.condim = 4
    spec.add_exclude(bodyname1=finger_bodies[0], bodyname2=finger_bodies[1])
    for name in cfg.joints:
        # Geared-motor inertia: large, so that within a physics step the arm coasts along its kinematic path
        # (velocity-dependent forces barely change its speed); the servos' gains scale with it.
        spec.joint(name).armature = ARM_ARMATURE
        spec.joint(name).actfrclimited = False  # the URDF's effort limit: the twin's servos are ideal
    for joint in finger_joints:
        joint.armature = 0.1
        joint.actfrclimited = False  # the gripper actuator's own force range applies
        joint.solref_limit = [0.004, 2.0]  # firm, overdamped end stops: no bounce at open / closed

    world = spec.worldbody
    ztab = table_height(cfg)

    def static_box(name, center, half, rgba):
        geom = world.add_geom(name=name, type=mujoco.mjtGeom.mjGEOM_BOX, pos=center, size=half, rgba=rgba)
        geom.contype, geom.conaffinity = 2, 2
        return geom

    ws = cfg.workspace
    lo = np.minimum(ws.left_min, ws.right_min) - 0.25
    hi = np.maximum(ws.left_max, ws.right_max) + 0.25
    lo, hi = np.minimum(lo, [-0.15, -0.15]), np.maximum(hi, [0.15, 0.15])  # under the robot too
    center, half = (lo + hi) / 2, (hi - lo) / 2
    static_box('table', [center[0], center[1], ztab - 0.02], [half[0], half[1], 0.02], [0.62, 0.52, 0.4, 1])
    floor = world.add_geom(name='floor', type=mujoco.mjtGeom.mjGEOM_PLANE, pos=[0, 0, ztab - 0.75],
                           size=[3, 3, 0.1], rgba=[0.3, 0.3, 0.32, 1])
    floor.contype, floor.conaffinity = 2, 2
    if ztab < -0.01:  # the UR5 stands on a pedestal
        ped = world.add_geom(name='pedestal', type=mujoco.mjtGeom.mjGEOM_BOX, pos=[0, 0, ztab / 2],
                             size=[0.1, 0.1, -ztab / 2], rgba=[0.25, 0.25, 0.27, 1])
        ped.contype, ped.conaffinity = 0, 0
    colors = {logic.LEFT: [0.35, 0.5, 0.75, 1], logic.RIGHT: [0.35, 0.65, 0.45, 1]}
    for side, label in ((logic.LEFT, 'left'), (logic.RIGHT, 'right')):
        (x0, y0), (x1, y1) = bin_inner(cfg, side)
        t, h = WALL_THICKNESS, WALL_HEIGHT
        cx, cy, zc = (x0 + x1) / 2, (y0 + y1) / 2, ztab + h / 2
        hx, hy = (x1 - x0) / 2 + t, (y1 - y0) / 2 + t
        static_box(f'{label}_bin_xlo', [x0 - t / 2, cy, zc], [t / 2, hy, h / 2], colors[side])
        static_box(f'{label}_bin_xhi', [x1 + t / 2, cy, zc], [t / 2, hy, h / 2], colors[side])
        static_box(f'{label}_bin_ylo', [cx, y0 - t / 2, zc], [hx, t / 2, h / 2], colors[side])
        static_box(f'{label}_bin_yhi', [cx, y1 + t / 2, zc], [hx, t / 2, h / 2], colors[side])

    ball = world.add_body(name='ball', pos=[0, 0, ztab + BALL_RADIUS])
    ball.add_freejoint(name='ball')
    geom = ball.add_geom(name='ball', type=mujoco.mjtGeom.mjGEOM_SPHERE, size=[BALL_RADIUS, 0, 0],
                         mass=BALL_MASS, rgba=list(BALL_RGBA))
    geom.contype, geom.conaffinity, geom.condim = 3, 3, 6
    geom.friction = [1.0, 0.01, 0.002]
    geom.solref = [0.004, 1.0]  # stiffer than the default: a 50 g ball squeezed by 20 N

    world.add_camera(name='scene', pos=list(cfg.camera_pos), quat=_look_at_quat(mujoco, cfg.camera_pos,
                                                                                cfg.camera_target), fovy=cfg.fovy)
    light = world.add_light(name='sun', pos=[0.3, 0.0, 2.0], dir=[0.2, 0.1, -1.0], diffuse=[0.55, 0.55, 0.55])
    light.type = mujoco.mjtLightType.mjLIGHT_DIRECTIONAL
    light.castshadow = False

    for name in cfg.joints:
        act = spec.add_actuator(name=name, target=name, trntype=mujoco.mjtTrn.mjTRN_JOINT)
        act.set_to_position(kp=1.0, kv=0.0)  # gains are set per joint after compiling (see ArmSim)
        act.ctrlrange = spec.joint(name).range
        act.ctrllimited = True
    act = spec.add_actuator(name='gripper', target=cfg.finger, trntype=mujoco.mjtTrn.mjTRN_JOINT)
    # Stiff, and asymmetrically force-limited: it squeezes with at most GRIP_FORCE but holds the fingers open
    # with up to HOLD_FORCE, so a pushed ball does not back-drive an open gripper past the grasp threshold.
    act.set_to_position(kp=20000.0, kv=30.0)
    act.ctrlrange = [-GRIPPER_PRELOAD, cfg.stroke + GRIPPER_PRELOAD]
    act.ctrllimited = True
    act.forcerange = [-HOLD_FORCE, GRIP_FORCE]
    act.forcelimited = True
    return spec


def rotvec(mat, reference=None):
    """Rotation vector of a 3x3 rotation; near pi the sign is chosen closest to `reference`."""
    mat = np.asarray(mat, np.float64).reshape(3, 3)
    cos = np.clip((np.trace(mat) - 1) / 2, -1.0, 1.0)
    angle = math.acos(cos)
    if angle < 1e-8:
        return np.zeros(3)
    if angle > math.pi - 1e-3:
        axis = np.sqrt(np.maximum((np.diag(mat) + 1) / 2, 0.0))
        k = int(np.argmax(axis))
        for i in range(3):
            if i != k:
                axis[i] = math.copysign(axis[i], mat[k, i] + mat[i, k])
        axis /= np.linalg.norm(axis)
    else:
        axis = np.array([mat[2, 1] - mat[1, 2], mat[0, 2] - mat[2, 0], mat[1, 0] - mat[0, 1]]) / (2 * math.sin(angle))
    vec = axis * angle
    if reference is not None and angle > math.pi / 2 and np.dot(vec, reference) < 0:
        vec = -axis * (2 * math.pi - angle)  # the same rotation, the other way round
    return vec


def rpy(mat):
    """Roll, pitch, yaw with mat = Rz(yaw) Ry(pitch) Rx(roll) (the xArm SDK's convention)."""
    mat = np.asarray(mat, np.float64).reshape(3, 3)
    pitch = math.asin(-np.clip(mat[2, 0], -1.0, 1.0))
    roll = math.atan2(mat[2, 1], mat[2, 2])
    yaw = math.atan2(mat[1, 0], mat[0, 0])
    return np.array([roll, pitch, yaw])


def orientation(cfg, mat):
    """
    Return the tool orientation as the robot's API reports it.

    That is the rotation vector of UR5 `getl()`, or the xArm's roll/pitch/yaw.
    """
    if cfg.orientation == 'rotvec':
        return rotvec(mat, reference=np.array([-2.2213, -2.2213, 0.0]))
    return rpy(mat)


class ArmKinematics:
    """
    Forward and inverse kinematics of one arm on the scene's MuJoCo model.

    The world frame is the robot's Cartesian base frame. Shared by the twin (`ArmSim.ik`) and the real arm bridge, which
    builds it without a renderer: `ArmKinematics(CONFIGS['ur5'])`.
    """

    def __init__(self, cfg, model=None):
        from ..sim import import_mujoco
        self._mj = import_mujoco()
        self.cfg = cfg
        self.model = m = build_spec(cfg).compile() if model is None else model
        self.data = self._mj.MjData(m)
        qadr = np.array([m.jnt_qposadr[m.joint(n).id] for n in cfg.joints])
        vadr = np.array([m.jnt_dofadr[m.joint(n).id] for n in cfg.joints])
        self._qslice = slice(int(qadr[0]), int(qadr[-1]) + 1)
        self._vslice = slice(int(vadr[0]), int(vadr[-1]) + 1)
        self.limits = np.array([m.jnt_range[m.joint(n).id] for n in cfg.joints])
        self._ee = m.body(cfg.ee).id
        self._cache = {}

    def fk(self, q):
        """(position (3,), rotation (3, 3)) of the tool flange for joint angles q."""
        self.data.qpos[self._qslice] = q
        self._mj.mj_kinematics(self.model, self.data)
        return self.data.xpos[self._ee].copy(), self.data.xmat[self._ee].reshape(3, 3).copy()

    def ik(self, target, q0, iters=100, tol=1e-5):
        """
        Return joint angles that put the flange at `target` with the tool pointing down.

        Damped least squares on MuJoCo's Jacobian, warm started at q0. Solutions are cached by target (0.1 mm), which
        keeps every visit of a grid cell on the same joint configuration.
        """
        key = tuple(np.round(np.asarray(target, np.float64), 4))
        if key in self._cache:
            return self._cache[key]
        mj, m, d = self._mj, self.model, self.data
        q = np.array(q0, np.float64)
        target, rot = np.asarray(target, np.float64), self.cfg.tool_rot
        jacp, jacr = np.zeros((3, m.nv)), np.zeros((3, m.nv))
        damping = 1e-4 * np.eye(6)
        err = np.zeros(6)
        for _ in range(iters):
            d.qpos[self._qslice] = q
            mj.mj_kinematics(m, d)
            err[:3] = target - d.xpos[self._ee]
            turn = rot @ d.xmat[self._ee].reshape(3, 3).T  # current -> goal, world frame
            err[3:] = 0.5 * np.array([turn[2, 1] - turn[1, 2], turn[0, 2] - turn[2, 0], turn[1, 0] - turn[0, 1]])
            if np.abs(err[:3]).max() < tol and np.abs(err[3:]).max() < 10 * tol:
                break
            mj.mj_comPos(m, d)
            mj.mj_jacBody(m, d, jacp, jacr, self._ee)
            jac = np.concatenate([jacp[:, self._vslice], jacr[:, self._vslice]])
            dq = jac.T @ np.linalg.solve(jac @ jac.T + damping, err)
            scale = np.abs(dq).max() / 0.3
            q = np.clip(q + (dq / scale if scale > 1 else dq), self.limits[:, 0], self.limits[:, 1])
        if len(self._cache) > 50000:
            self._cache.clear()
        self._cache[key] = q
        return q

    def line(self, q0, target, spacing=WAYPOINT):
        """
        Return IK waypoints (n + 1, joints) of a straight tool line from the pose at q0 to `target` (x, y, z).

        The waypoints are `spacing` apart; the first row is q0.
        """
        start, _ = self.fk(q0)
        target = np.asarray(target, np.float64)
        n = max(1, int(math.ceil(float(np.linalg.norm(target - start)) / spacing)))
        qs, q = [np.asarray(q0, np.float64)], np.asarray(q0, np.float64)
        for i in range(1, n + 1):
            q = self.ik(start + (target - start) * (i / n), q)
            qs.append(q)
        return np.array(qs)


class ArmSim(Env):
    """The simulated pick-and-place task of one arm ('ur5' or 'xarm'), without an episode limit."""

    realtime = False

    def __init__(self, robot='ur5', seed=None, size=(64, 64)):
        self.cfg = cfg = config(robot)   # a clear error for a robot that is not an arm
        from ..sim import Camera, import_mujoco
        self._mj = import_mujoco()
        self.robot = robot
        self.ws = cfg.workspace
        self.size = tuple(int(s) for s in size)
        self._rng = np.random.default_rng(seed)
        self.finder = logic.ColorFinder()
        self.joint_names = cfg.joints

        mj = self._mj
        self.spec = build_spec(cfg)
        self.model = m = self.spec.compile()
        self.data = mj.MjData(m)
        self.kinematics = ArmKinematics(cfg, m)
        self._ik_data = self.kinematics.data
        # The task, as the arm bridge runs it; its rng is the twin's (the ball's placements draw from it too) and its
        # kinematic model the scene's, so its forward kinematics is the sensed pose of the flange.
        self.task = logic.ArmTask(robot, self.size, rng=self._rng, kinematics=self.kinematics)
        self.beliefs = self.task.pickplace
        self._qadr = np.array([m.jnt_qposadr[m.joint(n).id] for n in cfg.joints])
        self._vadr = np.array([m.jnt_dofadr[m.joint(n).id] for n in cfg.joints])
        assert np.all(np.diff(self._qadr) == 1) and np.all(np.diff(self._vadr) == 1), 'arm joints not contiguous'
        self._qslice = slice(int(self._qadr[0]), int(self._qadr[-1]) + 1)
        self._vslice = slice(int(self._vadr[0]), int(self._vadr[-1]) + 1)
        self._jrange = np.array([m.jnt_range[m.joint(n).id] for n in cfg.joints])
        self._arm_act = np.array([m.actuator(n).id for n in cfg.joints])
        self._grip_act = m.actuator('gripper').id
        slides = [j for j in range(m.njnt) if m.jnt_type[j] == mj.mjtJoint.mjJNT_SLIDE]
        fq, fv = [m.jnt_qposadr[j] for j in slides], [m.jnt_dofadr[j] for j in slides]  # both fingers
        assert len(slides) == 2 and fq[1] == fq[0] + 1 and fv[1] == fv[0] + 1, 'finger joints not contiguous'
        self._fq, self._fv = slice(fq[0], fq[0] + 2), slice(fv[0], fv[0] + 2)
        self._finger_q = m.jnt_qposadr[m.joint(cfg.finger).id]
        self._closing, self._fingers = False, np.zeros(2)
        self._finger_v = m.jnt_dofadr[m.joint(cfg.finger).id]
        self._ee = m.body(cfg.ee).id
        ball = m.joint('ball')
        self._ball_q, self._ball_v = m.jnt_qposadr[ball.id], m.jnt_dofadr[ball.id]
        self._table_z = table_height(cfg)
        self._set_gains()

        self.camera = Camera(m, 'scene', self.size)
        obs_space = logic.observation_space(cfg.n_joint_obs, cfg.depth, self.size)
        self.obs_space = {**obs_space, 'reward': Space(np.float32), 'is_first': Space(bool),
                          'is_last': Space(bool), 'is_terminal': Space(bool)}
        self.act_space = {'action': logic.action_space(), 'reset': Space(bool)}
        self._started = False
        self._in_target_bin = False  # after a placement: the ball really lies in the new bin
        self.last_depth_m = None

    # ------------------------------------------------------------------------------------------------
    # Driver level.

    def _set_gains(self, omega=60.0):
        """Critically damped joint servos at `omega` rad/s for the arm's inertia at home."""
        mj, m, d = self._mj, self.model, self._ik_data
        d.qpos[self._qadr] = self.cfg.home
        mj.mj_forward(m, d)
        full = np.zeros((m.nv, m.nv))
        mj.mj_fullM(m, d, full)
        for act, dof in zip(self._arm_act, self._vadr):
            inertia = full[dof, dof]
            m.actuator_gainprm[act, 0] = inertia * omega ** 2
            m.actuator_biasprm[act, 1] = -inertia * omega ** 2
            m.actuator_biasprm[act, 2] = -2 * inertia * omega
        self._kv_over_kp = 2 / omega

    def apply_command(self, joint_positions=None, gripper=None):
        """
        Set the servo targets: joint positions and the gripper (0 open .. 1 closed).

        Joint positions are in rad, a sequence in `joint_names` order or a {name: value} mapping, clipped to the joint
        limits.
        """
        if joint_positions is not None:
            if isinstance(joint_positions, dict):
                current = self.data.ctrl[self._arm_act].copy()
                index = {n: i for i, n in enumerate(self.joint_names)}
                for name, value in joint_positions.items():
                    current[index[name]] = value
                joint_positions = current
            q = np.asarray(joint_positions, np.float64).reshape(len(self.joint_names))
            self.data.ctrl[self._arm_act] = np.clip(q, self._jrange[:, 0], self._jrange[:, 1])
        if gripper is not None:
            # 0 and 1 press the fingers against their end stops (the servo saturates at its force limit)
            target = float(np.clip(gripper, 0.0, 1.0))
            preload = GRIPPER_PRELOAD * (1 if target >= 1 else -1 if target <= 0 else 0)
            ctrl = target * self.cfg.stroke + preload
            self._closing = ctrl > self.data.qpos[self._finger_q]
            self.data.ctrl[self._grip_act] = ctrl

    def advance(self, seconds=None, steps=None):
        """Run the physics for `seconds` (or `steps` steps of TIMESTEP)."""
        steps = int(round(seconds / TIMESTEP)) if steps is None else int(steps)
        if steps > 0:
            self._mj.mj_step(self.model, self.data, nstep=steps)

    def gripper_position(self):
        """Finger closure, 0 open .. 1 closed (the reference's normalised gripper_pos)."""
        return float(np.clip(self.data.qpos[self._finger_q] / self.cfg.stroke, 0.0, 1.0))

    def tool_pose(self):
        """(position (3,), rotation (3, 3)) of the tool flange in the base frame."""
        self._mj.mj_kinematics(self.model, self.data)
        return self.data.xpos[self._ee].copy(), self.data.xmat[self._ee].reshape(3, 3).copy()

    def render(self, depth=None):
        """
        Render the RGB frame, and with depth also the depth in metres.

        `depth` defaults to whether the robot's observation has depth. Depth is the distance along the optical axis,
        like a RealSense z16 frame.
        """
        want_depth = self.cfg.depth if depth is None else depth
        return self.camera.call(self._render, want_depth)

    def _render(self, want_depth):  # on the camera's GL thread
        renderer = self.camera.renderer
        renderer.update_scene(self.data, camera=self.camera.camera)
        if not want_depth:
            return renderer.render(), None
        try:
            return self._render_rgbd(renderer)
        except AttributeError:  # mujoco.Renderer internals changed: two passes through its public API
            rgb = renderer.render()
            renderer.enable_depth_rendering()
            try:
                return rgb, renderer.render().copy()
            finally:
                renderer.disable_depth_rendering()

    def _render_rgbd(self, renderer):
        """RGB and depth from one render pass (mujoco.Renderer needs two), converted like Renderer.render."""
        mj = self._mj
        rgb = np.empty(self.size + (3,), np.uint8)
        raw = np.empty(self.size, np.float32)
        renderer._gl_context.make_current()
        mj.mjr_render(renderer._rect, renderer._scene, renderer._mjr_context)
        mj.mjr_readPixels(rgb, raw, renderer._rect, renderer._mjr_context)
        extent = self.model.stat.extent
        near = np.float32(self.model.vis.map.znear * extent)
        far = np.float32(self.model.vis.map.zfar * extent)
        c_coef = np.float32(-0.5) * (-(far + near) / (far - near)) - np.float32(0.5)  # reversed z
        d_coef = np.float32(-0.5) * (-(np.float32(2) * far * near) / (far - near))
        depth = (d_coef / (raw.astype(np.float64) + c_coef)).astype(np.float32)
        return np.flipud(rgb), np.flipud(depth)

    def driver_state(self, images=True):
        """Return what the real drivers publish, JointState-like (the real drivers' joint names)."""
        d = self.data
        pos, mat = self.tool_pose()
        state = {
            'stamp': float(d.time),
            'joint_names': list(self.joint_names),
            'position': d.qpos[self._qadr].copy(),
            'velocity': d.qvel[self._vadr].copy(),
            'effort': d.qfrc_actuator[self._vadr].copy(),
            'gripper_position': self.gripper_position(),
            'tool_position': pos,
            'tool_orientation': self._orientation(mat),
        }
        if images:
            state['rgb'], state['depth'] = self.render(depth=True)
        return state

    # ------------------------------------------------------------------------------------------------
    # Motion.

    def ik(self, target, q0=None, iters=100, tol=1e-5):
        """`ArmKinematics.ik`, warm started at q0 (default: the current servo targets)."""
        return self.kinematics.ik(target, self.data.ctrl[self._arm_act] if q0 is None else q0, iters, tol)

    def move_to(self, target, speed=MOVE_SPEED):
        """
        Move the tool on a straight line from the current pose to `target` (x, y, z) at fixed orientation.

        The arm follows the line kinematically (joint positions and velocities are set every physics step
        from IK waypoints 2 cm apart, with a smooth cosine time profile, so it ends exactly on target and
        at rest); the ball is simulated, so the fingers push or carry it by contact. The servo targets
        follow along, so the arm holds the final pose afterwards.
        """
        d = self.data
        start, _ = self.tool_pose()
        target = np.asarray(target, np.float64)
        dist = float(np.linalg.norm(target - start))
        q0 = d.qpos[self._qslice].copy()
        if dist < 1e-5:
            return
        qs = self.kinematics.line(q0, target)
        n_wp = len(qs) - 1
        duration = max(dist / speed, math.pi * math.sqrt(dist / (2 * MAX_ACCEL)))  # cosine profile limits
        n = max(2, int(math.ceil(duration / TIMESTEP)))
        u = (0.5 - 0.5 * np.cos(np.pi * np.arange(1, n + 1) / n)) * n_wp
        i = np.minimum(u.astype(int), n_wp - 1)
        path = qs[i] + (u - i)[:, None] * (qs[i + 1] - qs[i])
        vel = np.diff(np.concatenate([q0[None], path]), axis=0) / TIMESTEP
        vel[-1] = 0.0
        # Servo targets that cancel the servo's damping at the path velocity, so that within a physics step
        # the arm coasts along the path (the fingers and the ball see the motion the arm really makes).
        ctrl = path + vel * self._kv_over_kp
        mj, m, qs_, vs_ = self._mj, self.model, self._qslice, self._vslice
        self._fingers = d.qpos[self._fq].copy()
        for k in range(n):
            d.qpos[qs_] = path[k]
            d.qvel[vs_] = vel[k]
            d.ctrl[self._arm_act] = ctrl[k]
            mj.mj_step(m, d)
            self._ratchet()
        d.qpos[qs_] = path[-1]
        d.qvel[vs_] = 0.0
        d.ctrl[self._arm_act] = path[-1]

    def _ratchet(self):
        """
        Keep the fingers from moving against their command, as on the real grippers.

        The real grippers are not back-drivable: the fingers move only towards their command.

        An open gripper pushed by a ball pinched against a bin wall does not close, and a closed one keeps closing when
        the ball slips out (so the grasp test sees the drop), but a held ball cannot push it open.
        """
        q, v, lock = self.data.qpos[self._fq], self.data.qvel[self._fv], self._fingers  # views
        if self._closing:
            np.maximum(q, lock, out=lock)
            np.maximum(v, 0.0, out=v)
        else:
            np.minimum(q, lock, out=lock)
            np.minimum(v, 0.0, out=v)
        q[:] = lock

    def set_gripper(self, open_, min_time=0.03, max_time=0.4):
        """Open or close the gripper and wait until the fingers stop (on the ball or at the limit)."""
        self.apply_command(gripper=0.0 if open_ else 1.0)
        steps = int(min_time / TIMESTEP)
        self.advance(steps=steps)
        while steps * TIMESTEP < max_time:
            self.advance(steps=5)
            steps += 5
            if abs(self.data.qvel[self._finger_v]) < 0.01:  # m/s
                break

    def execute(self, moves):
        for move in moves:
            if move.kind == 'gripper':
                self.set_gripper(move.target)
            else:
                self.move_to(move.target)

    def teleport(self, q, gripper=0.0):
        """Put the arm at joint angles q at rest (and the servos' targets there)."""
        d = self.data
        d.qpos[self._qadr] = q
        d.qvel[self._vadr] = 0
        self.apply_command(q, gripper)
        d.qpos[self._fq] = gripper * self.cfg.stroke
        d.qvel[self._fv] = 0
        self._mj.mj_forward(self.model, d)

    # ------------------------------------------------------------------------------------------------
    # Privileged state.

    def ball_position(self):
        return self.data.qpos[self._ball_q:self._ball_q + 3].copy()

    def ball_side(self):
        """Return the bin the ball lies in (privileged), or OTHER."""
        pos = self.ball_position()
        if not self._table_z < pos[2] < self._table_z + WALL_HEIGHT + 0.15:
            return logic.OTHER
        for side in (logic.LEFT, logic.RIGHT):
            low, high = bin_inner(self.cfg, side)
            if np.all(low <= pos[:2]) and np.all(pos[:2] <= high):
                return side
        return logic.OTHER

    def place_ball(self, side):
        low, high = bin_inner(self.cfg, side)
        xy = self._rng.uniform(low + BALL_RADIUS, high - BALL_RADIUS)
        d = self.data
        d.qpos[self._ball_q:self._ball_q + 7] = [xy[0], xy[1], self._table_z + BALL_RADIUS + 0.002, 1, 0, 0, 0]
        d.qvel[self._ball_v:self._ball_v + 6] = 0

    # ------------------------------------------------------------------------------------------------
    # Agent level.

    def _orientation(self, mat):
        return orientation(self.cfg, mat)

    def _start(self):
        """Run the constructor's routine of the reference: arm up at Z_RESET over the object's bin."""
        self._mj.mj_resetData(self.model, self.data)
        self.beliefs.object_side = logic.LEFT
        self.place_ball(logic.LEFT)
        self.teleport(self.cfg.home)
        (target,) = self.beliefs.start()
        self.teleport(self.ik(target.target, self.cfg.home))
        self.advance(steps=50)
        self._started = True

    def sensed_joints(self):
        """Return the arm's joint positions (rad, `joint_names` order): what the task reads as the driver's `q`."""
        return self.data.qpos[self._qadr].copy()

    def _reset(self):
        if not self._started:
            self._start()
        # Sim only: a ball that left both bins goes back into one, and the task's belief of its bin follows the
        # true one (on hardware a person does this), so that no episode starts with an empty bin.
        side = self.ball_side()
        if side == logic.OTHER:
            if self.beliefs.grasped or self.gripper_position() < logic.GRASP_HIGH:
                self.set_gripper(True)
            side = self.beliefs.object_side
            self.place_ball(side)
            self.advance(steps=50)
        self.beliefs.object_side = side
        self.execute(self.task.reset_moves(self.sensed_joints()))
        self.advance(steps=100)  # the reference sleeps 1 s for the scene to settle
        return self._obs(0.0, True)

    def step(self, action):
        """
        Run one agent step of the task (`robots.arm.ArmTask`, as the arm bridge does) on the twin's driver level.

        The task's moves are executed here (`execute`), the task reads the sensed joints, closure and frames back.
        """
        if action.get('reset', False) or not self._started:
            if action.get('manual_resume', False) and self._started:
                return self._obs(0.0, True)
            return self._reset()
        moves, _ = self.task.act(int(np.asarray(action['action'])), self.sensed_joints())
        self.execute(moves)   # above neither bin (arm_side()): the scripted reset instead of the action
        reward, moves = self.task.reward(self.gripper_position(), self.sensed_joints())
        if moves:
            self.execute(moves)
        if reward == 10.0:
            self.advance(steps=25)   # sim only: let the ball land, for the privileged log below
            self._in_target_bin = self.ball_side() == self.beliefs.object_side
        if action.get('manual_pause', False):
            self.execute(self.task.pause_moves())  # KBReset's pause: the arms open the gripper
        return self._obs(reward, False)

    def _obs(self, reward, first):
        self._mj.mj_kinematics(self.model, self.data)   # the frames show the arm where move_to left it
        rgb, depth_m = self.render()
        self.last_depth_m = depth_m
        obs = self.task.observe(self.sensed_joints(), self.gripper_position(), rgb, depth_m)
        depth = obs.pop('depth', None)
        found, _, _ = self.finder.find(rgb)
        obs.update({
            'reward': np.float32(reward),
            'is_first': np.bool_(first),
            'is_last': np.bool_(False),
            'is_terminal': np.bool_(False),
            **self.task.logs(reward),
            # privileged, sim only (evaluation): where the ball really is, whether the camera shows it
            'log_object_in_target_bin': np.float32(reward == 10.0 and self._in_target_bin),
            'log_object_visible': np.float32(found),
        })
        if depth is not None:
            obs['depth'] = depth
        return obs

    def scripted_action(self):
        """
        Return the action of a privileged pick-and-place policy.

        The policy goes to the grid cell nearest the ball (an offset across the finger pads counts double: the fingers
        centre the ball along their closing axis, not across), closes, lifts and crosses to the other bin.
        """
        pos, _ = self.tool_pose()
        task, ws = self.beliefs, self.ws
        hover = ws.is_hover(pos[2])
        if task.grasped:
            return 5 if not hover else ws.toward(ws.side_of(pos))
        if hover:
            return 5
        if not task.gripper_open:
            return 4
        ball = self.ball_position()[:2]
        weight = 1 + np.abs(self.cfg.tool_rot[:2, 0])  # tool x: across the pads

        def cost(xy):
            return float(np.linalg.norm(weight * (ball - xy)))

        best, best_cost = 4, cost(pos[:2]) - 0.005
        for action in range(4):
            value = cost(logic.target_xy(ws, action, pos, task.grasped))
            if value < best_cost:
                best, best_cost = action, value
        return best

    def close(self):
        self.camera.close()


def arm_sim(robot, seed=None, size=(64, 64), length=None):
    """Make the twin of an arm definition (`robot`: its name), with its episode length as a TimeLimit."""
    return TimeLimit(ArmSim(robot, seed, size), length or robots.get(robot).episode_length)


def ur5_sim(seed=None, size=(64, 64), length=None):
    return arm_sim('ur5', seed, size, length)


def xarm_sim(seed=None, size=(64, 64), length=None):
    return arm_sim('xarm', seed, size, length)


def measure_returns(env, episodes=10, policy='random', seed=0):
    """Per-episode (return, placements, grasps, drops) of the uniform random policy or of `scripted_action`."""
    rng, out = np.random.RandomState(seed), []
    obs = env.step({'action': np.int64(0), 'reset': True})
    while len(out) < episodes:
        counts = np.zeros(4)
        while not obs['is_last']:
            act = env.act_space['action'].sample(rng) if policy == 'random' else env.scripted_action()
            obs = env.step({'action': np.int64(act), 'reset': False})
            counts += [obs['reward'], obs['log_placement'], obs['log_grasp'], obs['log_drop']]
        out.append(counts)
        obs = env.step({'action': np.int64(0), 'reset': True})
    return np.array(out)

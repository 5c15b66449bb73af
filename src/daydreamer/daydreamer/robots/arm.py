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
Pick-and-place logic of the UR5 and xArm tasks, shared by the MuJoCo twins and the real-robot bridges.

No simulator and no ROS here: this module turns the six discrete actions into Cartesian goals, keeps the
task's beliefs (is the object grasped, in which bin was it grasped, which bin holds it), computes the reward
from what the real robot senses (gripper position and tool position), scripts the resets, encodes depth
like the RealSense pipeline, and finds the coloured object in a camera image. `ArmTask` is the whole task over
the driver's data (joints, gripper, camera frames), the one code path of the twins' `step` and the arm bridge
(its kinematic model, `envs.arm.ArmKinematics`, needs MuJoCo and is imported when an ArmTask is made). It follows
DayDreamer's `embodied/envs/robot_interface.py` (`PickPlace`, `UR5SimpleRobotWrapper`, `XArmSimpleRobotWrapper`),
see shared/reference/robot_tasks.md section 2.

Actions (index: effect; moves are 4 cm on a 4 cm grid and clipped to the current bin's box):

    0 / 1: -x / +x     2 / 3: -y / +y     4: toggle the gripper
    5: hover -> table; at the table with the object grasped: clip into the safe box and lift to hover;
       otherwise a no-op

At hover the box is the bin's "safe" box, at the table its full box. Only while the object is grasped and
the arm hovers, a move that would leave the bin by more than 1 cm towards the other bin (along the
workspace's `axis`) jumps into the other bin's safe box.

Reward (`PickPlace.reward`): the object counts as grasped iff 0.015 < gripper_pos < 0.985 (0 open, 1
closed). +1 for a new grasp; -1 for losing it (a drop, always in the bin where it was grasped); +10 when the
arm holds it over the other bin, after which the env opens the gripper, lowers to the table and moves to a
random grid cell of the new bin. One full pick-and-place earns 11.

Quirks kept from the reference on purpose (the twins must behave like the real robots):
- UR5 `RIGHT_SAFE_XY_MAX` uses the bin's y bound for x, so the UR5's right safe box is 1.5 cm wide in x.
- xArm `RIGHT_SAFE_XY_MAX` y (-0.150) lies below `RIGHT_SAFE_XY_MIN` y (-0.130); like `np.clip`, `clip`
  below then puts every hover position in the right bin at y = -0.150.
- After a placement `grasped_bin` keeps the old bin until the next grasp or reset.
- The observation key `gripper_side` holds the bin the object was grasped in and `grasped_side` the bin
  the arm is in now (the names are swapped in the reference; the one-hot order is OTHER, LEFT, RIGHT).
"""

import dataclasses
import math
from typing import NamedTuple

import numpy as np

OTHER, LEFT, RIGHT = 0, 1, 2  # one-hot positions of gripper_side / grasped_side
SIDE_NAMES = ('other', 'left', 'right')
GRASP_LOW, GRASP_HIGH = 0.015, 0.985
ACTIONS = ('-x', '+x', '-y', '+y', 'gripper', 'z')
DELTAS = ((-1, 0), (1, 0), (0, -1), (0, 1))
CROSS_SLACK = 0.01  # a move must be clipped by more than this towards the other bin to cross


def clip(value, low, high):
    """
    Clip as np.clip does it, spelled out: max with `low`, then min with `high`.

    So `high` wins when the bounds are inverted, as in the xArm's right safe box.
    """
    return np.minimum(np.maximum(value, low), high)


@dataclasses.dataclass(frozen=True)
class Workspace:
    """
    Bins, z levels and grid of one robot, in metres in the robot's base frame.

    That is the frame its Cartesian poses are reported in: the UR controller's `base`, the xArm's `link_base`.
    """

    name: str
    left_min: tuple
    left_max: tuple
    right_min: tuple
    right_max: tuple
    left_safe_min: tuple
    left_safe_max: tuple
    right_safe_min: tuple
    right_safe_max: tuple
    z_table: float
    z_hover: float
    z_reset: float
    axis: int  # the coordinate along which the bins lie side by side
    sweep_corners: bool  # the UR5's reset pushes the object out of the bin's corners
    step: float = 0.04  # EnvConfig.max_delta_m: grid and step size
    side_margin: float = -0.002  # arm_side(): a negative margin widens the boxes

    def box(self, side, hover):
        """(xy_min, xy_max) of a bin: the safe box when hovering, the full box at the table."""
        if side == LEFT:
            box = (self.left_safe_min, self.left_safe_max) if hover else (self.left_min, self.left_max)
        elif side == RIGHT:
            box = (self.right_safe_min, self.right_safe_max) if hover else (self.right_min, self.right_max)
        else:
            raise ValueError(f'no box for side {side!r}')
        return np.asarray(box[0], np.float64), np.asarray(box[1], np.float64)

    def side_of(self, xy):
        """Return the bin the tool is above (RIGHT is tested first, as in the reference), or OTHER."""
        xy = np.asarray(xy, np.float64)[:2]
        for side in (RIGHT, LEFT):
            low, high = self.box(side, hover=False)
            if np.all(low + self.side_margin <= xy) and np.all(high - self.side_margin >= xy):
                return side
        return OTHER

    def is_hover(self, z):
        return float(z) > (self.z_hover + self.z_table) / 2

    def snap(self, xy):
        return np.round(np.asarray(xy, np.float64) / self.step) * self.step

    def random_cell(self, side, rng):
        """Return a random grid cell of a bin's safe box (`random_xy_grid`)."""
        low, high = self.box(side, hover=True)
        xy = low + (high - low) * np.array([rng.random(), rng.random()])  # like np.random.uniform: low > high is fine
        return clip(self.snap(xy), low, high)

    def other(self, side):
        return {LEFT: RIGHT, RIGHT: LEFT}[side]

    def calibrated(self, left_bin=None, right_bin=None, z_table=None, z_hover=None, z_reset=None):
        """
        Return this workspace with bins measured on a real setup: [x_min, y_min, x_max, y_max] m, z levels in m.

        The safe (hover) boxes move with their bin's corners by the same offsets, so the reference's margins (and
        its quirks) stay. Raises ValueError naming a bin that is not 4 numbers with min < max.
        """
        changes = {}
        for side, box in (('left', left_bin), ('right', right_bin)):
            if box is None:
                continue
            box = tuple(float(v) for v in box)
            if len(box) != 4 or not (box[0] < box[2] and box[1] < box[3]):
                raise ValueError(f'{side}_bin must be [x_min, y_min, x_max, y_max] with min < max, not {list(box)}')
            low, high = np.array(box[:2]), np.array(box[2:])
            shift_low = low - np.asarray(getattr(self, f'{side}_min'))
            shift_high = high - np.asarray(getattr(self, f'{side}_max'))
            changes.update({
                f'{side}_min': tuple(low), f'{side}_max': tuple(high),
                f'{side}_safe_min': tuple(np.asarray(getattr(self, f'{side}_safe_min')) + shift_low),
                f'{side}_safe_max': tuple(np.asarray(getattr(self, f'{side}_safe_max')) + shift_high)})
        for name, value in (('z_table', z_table), ('z_hover', z_hover), ('z_reset', z_reset)):
            if value is not None:
                changes[name] = float(value)
        calibrated = dataclasses.replace(self, **changes)
        if not calibrated.z_table < calibrated.z_hover <= calibrated.z_reset:
            raise ValueError(f'z levels must rise: z_table ({calibrated.z_table}) < z_hover ({calibrated.z_hover}) '
                             f'<= z_reset ({calibrated.z_reset})')
        return calibrated

    def toward(self, side):
        """Return the action that moves from `side` towards the other bin."""
        left_is_higher = self.left_min[self.axis] > self.right_min[self.axis]
        lower = 2 * self.axis  # action 0 is -x, action 2 is -y
        return lower if (side == LEFT) == left_is_higher else lower + 1


ARM_COMMANDS = ('forward_position', 'joint_trajectory')
GRIPPER_COMMANDS = ('GripperCommand', 'ParallelGripperCommand', 'forward_position', 'joint_trajectory')


@dataclasses.dataclass(frozen=True)
class Driver:
    """
    The real driver's ROS interface of an arm: what the bridge reads and commands, and what the sim node offers.

    Names are relative (the bridge and the sim node run in the robot's namespace; a real launch remaps them onto
    the driver's global names). arm_command: 'forward_position' streams Float64MultiArray joint targets on
    `<arm_controller>/commands`; 'joint_trajectory' sends each move as one trajectory_msgs/JointTrajectory on
    `<arm_controller>/joint_trajectory`. gripper_command: a control_msgs action ('GripperCommand',
    'ParallelGripperCommand') served at `gripper_action`, or a topic of `gripper_controller`
    ('forward_position': Float64MultiArray, 'joint_trajectory'). Gripper positions are the joint's own units.
    """

    joints: tuple               # the arm's joints, in the controller's order
    arm_controller: str
    arm_command: str
    gripper_joint: str          # the gripper's actuated joint, as joint_states names it
    gripper_open: float         # its position when open / closed
    gripper_closed: float
    gripper_command: str
    gripper_action: str = ''
    gripper_controller: str = 'gripper_controller'
    gripper_command_humble: str = ''   # where Humble's controller speaks another action

    def gripper_command_for(self, distro):
        return self.gripper_command_humble if distro == 'humble' and self.gripper_command_humble \
            else self.gripper_command

    def joint_position(self, closure):
        """Return the gripper joint's position for a closure 0 open .. 1 closed."""
        return self.gripper_open + float(closure) * (self.gripper_closed - self.gripper_open)

    def closure(self, position):
        """Return the closure 0..1 of a gripper joint position, clipped, like the reference's gripper_pos."""
        value = (float(position) - self.gripper_open) / (self.gripper_closed - self.gripper_open)
        return min(1.0, max(0.0, value))


@dataclasses.dataclass(frozen=True)
class Twin:
    """What the MuJoCo twin (`envs.arm`) needs beyond the robot's definition: our URDF's gripper, tool and camera."""

    finger: str                 # our URDF's finger joint (prismatic), 0 open .. stroke m closed
    stroke: float
    ee: str                     # the flange body
    pad: float                  # m from the flange to the finger pads' centre
    root_yaw: float             # the base's yaw in the scene
    tool_rot: tuple             # the tool's rotation matrix (rows) during the task: tool z down
    orientation: str            # how the real API reports the tool's orientation: 'rotvec' (UR) or 'rpy' (xArm)
    home: tuple                 # joint positions (rad) of the scripted start
    camera_pos: tuple           # the fixed camera (m, the robot's base frame) and what it looks at
    camera_target: tuple
    fovy: float
    n_joint_obs: int            # length of the joint_positions observation (the xArm's reference pads to 7)
    depth: bool                 # whether the camera gives depth too


def observation_space(joints, depth, size=(64, 64)):
    """Return the agent's observation spaces of an arm with `joints` joint positions (and a depth image)."""
    from ..space import Space
    obs = {'image': Space(np.uint8, tuple(size) + (3,), 0, 255), 'cartesian_position': Space(np.float32, (6,)),
           'joint_positions': Space(np.float32, (joints,)), 'gripper_pos': Space(np.float32, (1,), 0, 1),
           'gripper_side': Space(np.float32, (3,), 0, 1), 'grasped_side': Space(np.float32, (3,), 0, 1)}
    if depth:
        obs['depth'] = Space(np.uint8, tuple(size) + (1,), 0, 255)
    return obs


def action_space():
    """Return the arms' action space: the six discrete actions (ACTIONS)."""
    from ..space import Space
    return Space(np.int64, (), 0, len(ACTIONS))


def real_topics(driver):
    """Return the bridge's relative driver topics -> the driver's global names (its stock launch files' names)."""
    command = 'commands' if driver.arm_command == 'forward_position' else 'joint_trajectory'
    return {'joint_states': '/joint_states',
            f'{driver.arm_controller}/{command}': f'/{driver.arm_controller}/{command}'}


def gazebo_parameters(finger, stroke):
    """Return the arm bridge's parameters under Gazebo: our URDF's finger joint (metres) on forward controllers."""
    return {'arm_command': 'forward_position', 'arm_controller': 'forward_position_controller',
            'gripper_command': 'forward_position', 'gripper_controller': 'gripper_controller',
            'gripper_joint': finger, 'gripper_open': 0.0, 'gripper_closed': stroke}


def robot(name, *, urdf, root_frame, workspace, driver, twin, **overrides):
    """
    Return the `Robot` of an arm doing this pick-and-place task, with what every arm shares derived once.

    An arm's definition module states only its own facts: its `Workspace`, `Driver` and `Twin`, its URDF and root
    frame; `overrides` replaces any other `Robot` field.
    """
    from .spec import Robot
    return dataclasses.replace(Robot(
        name=name, obs_space=observation_space(twin.n_joint_obs, twin.depth), act_space=action_space(),
        control_rate=20.0, episode_length=100, resets=True, twin='daydreamer.envs.arm:arm_sim', bridge='arm_bridge',
        urdf=urdf, root_frame=root_frame, fixed_base=True, camera='camera/image_raw',
        watchdog_timeout=10.0, stale_timeout=0.5,
        real_topics=real_topics(driver), real_parameters={'gripper_action': '/' + driver.gripper_action},
        gazebo_parameters=gazebo_parameters(twin.finger, twin.stroke), driver=driver, task=workspace,
        twin_config=twin), **overrides)


def arms():
    """Return {name: Robot} of the arm definitions (those whose driver is a `Driver`): the robots ArmTask runs."""
    from . import registry
    return {name: spec for name, spec in registry().items() if isinstance(spec.driver, Driver)}


class Move(NamedTuple):
    """
    One blocking motion for the robot layer.

    Kind 'move' has a target (x, y, z) (a straight line at fixed tool orientation); kind 'gripper' has target True
    (open) / False (close).
    """

    kind: str
    target: object

    @staticmethod
    def to(x, y, z):
        return Move('move', (float(x), float(y), float(z)))

    @staticmethod
    def gripper(open_):
        return Move('gripper', bool(open_))


def is_grasped(gripper_pos):
    """`check_grasped_object_ur`: the fingers stopped between open and closed, so they hold something."""
    value = float(np.asarray(gripper_pos).reshape(-1)[0])
    return GRASP_LOW < value < GRASP_HIGH


def target_xy(ws, action, pos, grasped):
    """`compute_arm_position` for actions 0-3: the xy goal from the tool position `pos` (x, y, z)."""
    delta = np.asarray(DELTAS[int(action)], np.float64)
    pos = np.asarray(pos, np.float64)
    side, hover = ws.side_of(pos), ws.is_hover(pos[2])
    if side == OTHER:
        raise ValueError(f'the tool at {pos[:2]} is above neither bin of {ws.name}')
    low, high = ws.box(side, hover)
    desired = ws.snap(pos[:2] + delta * ws.step)
    target = clip(desired, low, high)
    if grasped and hover:
        k = ws.axis
        if side == LEFT and desired[k] + CROSS_SLACK < target[k]:
            target = clip(target, *ws.box(RIGHT, hover=True))
        if side == RIGHT and desired[k] - CROSS_SLACK > target[k]:
            target = clip(target, *ws.box(LEFT, hover=True))
    for i in range(2):
        if delta[i] == 0:
            target[i] = pos[i]  # the other coordinate stays where it is (not snapped)
    return target


def decode_action(ws, action, pos, gripper_open, grasped):
    """
    Return the moves for one discrete action.

    They depend on the tool position, the commanded gripper state and whether the task believes the object is grasped.
    An empty list is a no-op.
    """
    action = int(action)
    pos = np.asarray(pos, np.float64)
    if not 0 <= action < len(ACTIONS):
        raise ValueError(f'action {action} is not in [0, {len(ACTIONS)})')
    if action < 4:
        x, y = target_xy(ws, action, pos, grasped)
        return [Move.to(x, y, pos[2])]
    if action == 4:
        return [Move.gripper(not gripper_open)]
    if ws.is_hover(pos[2]):
        return [Move.to(pos[0], pos[1], ws.z_table)]
    if grasped:
        side = LEFT if ws.side_of(pos) == LEFT else RIGHT  # as the reference: anything but LEFT is RIGHT
        x, y = clip(pos[:2], *ws.box(side, hover=True))
        return [Move.to(x, y, ws.z_table), Move.to(x, y, ws.z_hover)]
    return []


def one_hot(side):
    out = np.zeros(3, np.float32)
    out[side] = 1.0
    return out


class PickPlace:
    """
    The task's beliefs and rules (`PickPlace` in the reference), independent of how moves are executed.

    The robot layer calls `act` for an action and executes the returned moves, then calls `reward` with the
    measured gripper position and tool position and executes the moves it returns (the placement routine),
    then builds the observation with `sides`. `reset` returns the scripted reset's moves.
    """

    def __init__(self, ws, rng=None):
        self.ws = ws
        self.rng = rng if rng is not None else np.random.default_rng()
        self.grasped = False  # grasped_object
        self.grasped_bin = OTHER  # where the current (or last) grasp happened
        self.object_side = LEFT  # _ball_side: the bin the object was last placed in
        self.gripper_open = True  # the commanded gripper state (_gripper_state_open)

    def _track(self, moves):
        for move in moves:
            if move.kind == 'gripper':
                self.gripper_open = move.target
        return moves

    def act(self, action, pos):
        return self._track(decode_action(self.ws, action, pos, self.gripper_open, self.grasped))

    def reward(self, gripper_pos, pos):
        """(reward, follow-up moves) after a step (`get_reward`)."""
        pos = np.asarray(pos, np.float64)
        old, new = self.grasped, is_grasped(gripper_pos)
        self.grasped = new
        side = self.ws.side_of(pos)
        if old and new and side != self.grasped_bin and side != OTHER:
            self.object_side, self.grasped = side, False
            x, y = self.ws.random_cell(side, self.rng)
            return 10.0, self._track([Move.gripper(True), Move.to(pos[0], pos[1], self.ws.z_table),
                                      Move.to(x, y, self.ws.z_table)])
        if not old and new:
            self.grasped_bin = side
            return 1.0, []
        if old and not new:
            self.grasped_bin = OTHER
            return -1.0, [Move.to(pos[0], pos[1], self.ws.z_table)]
        return 0.0, []

    def reset(self):
        """
        Return the moves of the scripted reset, `_reset` in the reference.

        Back into the object's bin if holding it, open the gripper, (UR5) sweep the bin's corners at table height, then
        a random grid cell at table height.
        """
        ws, moves = self.ws, []
        if self.grasped:
            x, y = ws.random_cell(self.object_side, self.rng)
            moves.append(Move.to(x, y, ws.z_hover))
        moves.append(Move.gripper(True))
        self.grasped_bin, self.grasped = OTHER, False
        if ws.sweep_corners:
            low, high = ws.box(self.object_side, hover=False)
            for cx, cy in ((1, 0), (0, 0), (0, 1), (1, 1)):
                moves.append(Move.to(high[0] if cx else low[0], high[1] if cy else low[1], ws.z_table))
        moves.append(Move.gripper(True))
        x, y = ws.random_cell(self.object_side, self.rng)
        moves.append(Move.to(x, y, ws.z_table))
        return self._track(moves)

    def pause(self):
        """Return the moves of a manual pause, KBReset's `manual_pause`: open the gripper."""
        return self._track([Move.gripper(True)])

    def start(self):
        """Return the moves of the env's constructor before its first reset: up to Z_RESET above a random cell."""
        x, y = self.ws.random_cell(self.object_side, self.rng)
        return [Move.to(x, y, self.ws.z_reset)]

    def sides(self, pos):
        """(gripper_side, grasped_side) one-hots: the grasp's bin and the arm's current bin."""
        return one_hot(self.grasped_bin), one_hot(self.ws.side_of(pos))


class ArmTask:
    """
    The pick-and-place task of one arm over its driver: the code that the MuJoCo twin and the arm bridge both run.

    Driver interface. What the driver senses: `q`, the arm's joint positions (rad, in `joints` order, the real
    driver's names); `gripper`, the gripper's closure 0 open .. 1 closed (`driver.closure` maps the gripper
    joint's own position onto it); `rgb`, a colour frame (H, W, 3) uint8 of any size; `depth_m`, a depth frame
    (H', W') in metres (xArm). What it is told: `Move`s, executed blocking in order: 'move' a straight tool line at
    the fixed downward orientation to (x, y, z) in the base frame, 'gripper' open (True) or close (False). The twin
    executes them on its physics (`envs.arm.ArmSim.move_to` / `set_gripper`); the bridge streams `path`'s joint
    targets (or sends them as one trajectory) and `driver.joint_position` to the real driver's controllers and
    waits for them to settle. `driver` is the definition's, with the gripper's units as calibrated on a real setup.

    One agent step: `act(action, q)` gives the moves (the scripted reset instead when the tool is above neither
    bin, the reference's arm_side() rule); after them `reward(gripper, q)` gives the reward and its follow-up moves
    (the placement routine after +10); after those `observe(q, gripper, rgb, depth_m)` and `logs(reward)` give
    the observation. An episode begins with `reset_moves(q)`, a pause runs `pause_moves()`. The tool pose is the
    forward kinematics of `q` on the arm's model (`envs.arm.ArmKinematics`, our URDF; the twin passes its own
    compiled scene, the bridge compiles the same one), so twin and bridge read the same pose from the same joints.
    `pickplace` holds the beliefs (`PickPlace`: grasped, grasped_bin, object_side, gripper_open).

    Differences that remain between the twin and the real robot, outside this class: the twin's moves run at 1 m/s
    in simulated time, the bridge's at its `speed` (the forward controllers ignore the driver's speed scaling); the
    twin's gripper move ends when the fingers stop, the bridge's when the joint has not moved for a while; the twin
    (only) starts above a random cell at z_reset (`PickPlace.start`, which draws from the rng), puts a ball that
    left both bins back and re-syncs `object_side` with it at a reset (a person does this on hardware), lets the
    scene settle after a reset (the reference sleeps 1 s) and after a placement (to check, privileged, where the
    ball landed), and opens the gripper of a pause before its last observation (the bridge sends the Step with
    is_last first: the Episode bookkeeping is the bridge's); its privileged logs (`log_object_in_target_bin`,
    `log_object_visible`) are added by the twin on top of `logs`. On hardware the URDF's kinematics is only as
    good as the robot's calibration; the twin's is exact by construction.
    """

    def __init__(self, robot, size=(64, 64), seed=None, rng=None, kinematics=None, speed=0.1, gripper_open=None,
                 gripper_closed=None, crop=(0, 0, 0, 0), workspace=None):
        from ..envs import arm as arm_env   # the kinematic model needs MuJoCo (imported on first use)
        specs = arms()
        if robot not in specs:
            raise ValueError(f'robot must be one of {sorted(specs)}, not {robot!r}')
        spec = specs[robot]
        self.robot, self.cfg = robot, arm_env.config(robot)
        self.ws = workspace if workspace is not None else spec.task  # calibrated on a real setup
        self.driver = dataclasses.replace(  # with the gripper's units as calibrated on a real setup
            spec.driver, gripper_open=spec.driver.gripper_open if gripper_open is None else float(gripper_open),
            gripper_closed=spec.driver.gripper_closed if gripper_closed is None else float(gripper_closed))
        self.joints = self.driver.joints
        self.gripper_joint = self.driver.gripper_joint
        self.size, self.depth = tuple(int(s) for s in size), bool(self.cfg.depth)
        self.crop = tuple(int(v) for v in crop)  # (x, y, width, height) px of the colour frame; 0: to the edge
        self.obs_space, self.act_space = observation_space(self.cfg.n_joint_obs, self.depth, self.size), spec.act_space
        self.pickplace = PickPlace(self.ws, rng if rng is not None else np.random.default_rng(seed))
        self.kinematics = kinematics if kinematics is not None else arm_env.ArmKinematics(self.cfg)
        self._orientation = lambda mat: arm_env.orientation(self.cfg, mat)
        self.speed = float(speed)

    def tool(self, q):
        """Return the tool flange's position (x, y, z) in the base frame for the joint positions q."""
        return self.kinematics.fk(q)[0]

    # --- the task ---

    def act(self, index, q):
        """
        Return (moves, reset) for a discrete action.

        Above neither bin (the reference's arm_side()) the action is replaced by the scripted reset (reset True).
        """
        pos = self.tool(q)
        if self.ws.side_of(pos) == OTHER:
            return self.reset_moves(q), True
        return self.pickplace.act(int(index), pos), False

    def reward(self, gripper, q):
        """(reward, follow-up moves) after the moves of an action (the placement routine after +10)."""
        return self.pickplace.reward(gripper, self.tool(q))

    def reset_moves(self, q):
        """Return the scripted reset; from above neither bin it first lifts to hover height."""
        pos = self.tool(q)
        moves = []
        if self.ws.side_of(pos) == OTHER and not self.pickplace.grasped:
            moves.append(Move.to(pos[0], pos[1], self.ws.z_hover))
        return moves + self.pickplace.reset()

    def pause_moves(self):
        """Return the moves of a manual pause (open the gripper)."""
        return self.pickplace.pause()

    def observe(self, q, gripper, rgb, depth_m=None):
        """Return the agent observation from joint angles, the gripper's 0..1 closure and the camera frame(s)."""
        from .bridge import BadDriverData, camera_image
        pos, mat = self.kinematics.fk(q)
        joints = np.zeros(self.obs_space['joint_positions'].shape, np.float32)
        joints[:len(q)] = q
        gripper_side, grasped_side = self.pickplace.sides(pos)
        rgb = np.asarray(rgb, np.uint8)
        obs = {'image': camera_image(rgb, self.size, self.crop, 'camera/image_raw'),
               'cartesian_position': np.concatenate([pos, self._orientation(mat)]).astype(np.float32),
               'joint_positions': joints, 'gripper_pos': np.array([gripper], np.float32),
               'gripper_side': gripper_side, 'grasped_side': grasped_side}
        if self.depth:
            if depth_m is None:
                raise BadDriverData('no camera/depth/image_raw received (the xArm observation needs depth)')
            depth_m = np.asarray(depth_m, np.float32).reshape(np.shape(depth_m)[:2])
            # The crop is in colour pixels; a depth image of another resolution (not aligned) gets it scaled.
            sy, sx = depth_m.shape[0] / rgb.shape[0], depth_m.shape[1] / rgb.shape[1]
            x, y, w, h = self.crop
            crop = (round(x * sx), round(y * sy), round(w * sx), round(h * sy))
            depth_m = camera_image(depth_m, self.size, crop, 'camera/depth/image_raw', nearest=True)
            obs['depth'] = encode_depth(depth_m, DEPTH_FARTHEST[self.robot])
        return obs

    @staticmethod
    def logs(reward):
        """Return the step's sensed log flags: a grasp (+1), a drop (-1), a placement (+10)."""
        return {'log_grasp': np.float32(reward == 1.0), 'log_drop': np.float32(reward == -1.0),
                'log_placement': np.float32(reward == 10.0)}

    def path(self, q0, target, rate):
        """
        Return joint targets (n, joints) along the straight tool line from the pose at q0 to `target`.

        One target per command at `rate` Hz, with a cosine time profile at a mean tool speed `speed` (the streamed
        forward_position_controller does not respect the driver's speed scaling, so this bounds it).
        """
        waypoints = self.kinematics.line(q0, target)
        start = self.tool(q0)
        dist = float(np.linalg.norm(np.asarray(target, np.float64) - start))
        n = max(1, int(math.ceil(dist / self.speed * float(rate))))
        if len(waypoints) == 1:
            return waypoints.repeat(n, 0)
        u = (0.5 - 0.5 * np.cos(np.pi * np.arange(1, n + 1) / n)) * (len(waypoints) - 1)
        i = np.minimum(u.astype(int), len(waypoints) - 2)
        return waypoints[i] + (u - i)[:, None] * (waypoints[i + 1] - waypoints[i])


# ---------------------------------------------------------------------------------------------------------
# Camera helpers.

DEPTH_ALPHA, DEPTH_NEAREST = 0.03, 0.050
DEPTH_FARTHEST = {'ur5': 0.180, 'xarm': 0.120}


def encode_depth(depth_m, farthest):
    """
    Convert depth in metres to uint8 like the reference.

    z16 millimetres -> `cv2.convertScaleAbs(alpha=0.03)` (round, saturate to 0-255: 8.5 m full scale, 3.3 cm steps) ->
    /255 -> the band [0.05, farthest] of that scale stretched to 0-255 (xArm: 0.425-1.02 m, UR5: 0.425-1.53 m; nearer is
    darker). The reference resizes the 8-bit image to 64x64 in between; a renderer at 64x64 skips that. Missing depth
    (0, or non-finite) maps to 0.
    """
    depth = np.nan_to_num(np.asarray(depth_m, np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    scaled = np.clip(np.rint(np.abs(depth * 1000.0 * DEPTH_ALPHA)), 0, 255) / 255
    scaled = (scaled - DEPTH_NEAREST) / (farthest - DEPTH_NEAREST)
    out = (255 * np.clip(scaled, 0, 1)).astype(np.uint8)
    return out if out.ndim == 3 else out[..., None]


def rgb_to_hsv(image):
    """uint8 RGB (..., 3) -> float hue in degrees [0, 360), saturation and value in [0, 1]."""
    rgb = np.asarray(image, np.float32) / 255.0
    value = rgb.max(-1)
    low = rgb.min(-1)
    chroma = value - low
    sat = np.where(value > 0, chroma / np.maximum(value, 1e-6), 0.0)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    safe = np.maximum(chroma, 1e-6)
    hue = np.where(value == r, ((g - b) / safe) % 6, np.where(value == g, (b - r) / safe + 2, (r - g) / safe + 4))
    hue = np.where(chroma > 0, hue * 60.0, 0.0)
    return hue, sat, value


class ColorFinder:
    """
    HSV threshold and centroid (like DayDreamer's `hsv_finder.py`), in numpy.

    `hue` is (low, high) in degrees and may wrap around 0 (e.g. (340, 20) for red). `find(image)` returns
    (found, (row, col) centroid in pixels or None, pixel count); found needs at least `min_pixels`.
    """

    def __init__(self, hue=(340.0, 20.0), min_sat=0.5, min_val=0.25, min_pixels=3):
        self.hue, self.min_sat, self.min_val, self.min_pixels = hue, min_sat, min_val, min_pixels

    def mask(self, image):
        rgb = np.asarray(image)
        high_, low_ = rgb.max(-1), rgb.min(-1)
        # saturation and value first (cheap, integer), hue only for the pixels that pass
        mask = ((high_.astype(np.int16) - low_) >= self.min_sat * high_) & (high_ >= self.min_val * 255) & (high_ > 0)
        if mask.any():
            hue, _, _ = rgb_to_hsv(rgb[mask])
            low, high = self.hue
            mask[mask] = (hue >= low) & (hue <= high) if low <= high else (hue >= low) | (hue <= high)
        return mask

    def find(self, image):
        mask = self.mask(image)
        count = int(np.count_nonzero(mask))
        if count < self.min_pixels:
            return False, None, count
        rows, cols = np.nonzero(mask)
        return True, (float(rows.mean()), float(cols.mean())), count

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
Sphero navigation in MuJoCo: the simulated twin of DayDreamer's Sphero task (robot_tasks.md §3).

The robot is `robots/urdf/sphero.urdf` (a 73 mm, 0.2 kg ball whose drive carriage carries two wheels)
placed in an arena built with `mujoco.MjSpec`: a dark floor, walls around a 1.5 x 1.2 m inside, and an
overhead camera looking straight down (image right = +x, image up = +y) whose frame plays the part of
the reference's RealSense frame. The task is `daydreamer.robots.sphero.SpheroTask`, the same class the
real bridge runs: `step` asks it for the drives (the reset's, or the action's), executes them on this twin's
driver level (`apply_command`, `simulate`) and hands it the frame (`driver_state()['image']`) for the
observation, reward and logs:

- obs 'image' uint8 (64, 64, 3): the frame area-resized (no other observation key, as the reference's
  encoder sees only the image);
- reward = -||pos - goal|| with pos the white-threshold centroid of the ball in the frame, normalised by
  the arena's pixel box (the inside corners projected at the ball-centre height), goal (0.825, 0.165);
- logging only: log_success (reward > -0.1, uint8; the task's) and log_distance (privileged, added here: the
  true ball centre's distance to the goal in the same normalised units). The task's log_visible, which the
  bridge sends, is left out (the recorded twin rollouts have no such key). SpheroTask's docstring lists the
  other differences between this twin and the robot.

Action: float32 (2,) in [-1, 1], left/right motor power x 70 of 255, held 0.5 s (2 Hz agent). Reset: the
ball stays where the last episode left it (as a real arena does), then the reference's scripted random
drive (5 random 1 s moves at power +-100 per wheel) and a 4 s wait. Episodes last 100 steps; never
terminal.

Dynamics (parameters chosen, not identified on a real Sphero). A ball rolling without slip moves like a
point mass m + I/r^2 (I of the shell), so the carriage body slides in x and y (world axes, the
rolling-inertia term as joint armature, rolling resistance as joint damping) and turns about z (its
heading). Each wheel is a DC motor on the inner shell: a velocity actuator at its contact point pushing
along the heading, F = KV (v_cmd - v) with v_cmd = V_FULL * power / 255 and |F| <= FORCE_MAX. Equal powers
roll the ball along the heading (about 0.45 m/s at action (1, 1)); opposite powers turn the carriage in
place (about 6 rad/s at action (-1, 1)), and sideways momentum after a turn persists (the heading is not
visible on the white shell: the agent must infer it from motion). The wheels' own joints are cosmetic.
"""

import math
import os

import numpy as np

from .base import Env, TimeLimit
from ..robots import sphero as robot
from ..space import Space

URDF = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'robots', 'urdf', 'sphero.urdf')

RADIUS = 0.0365
ARENA = (1.5, 1.2)                  # inside size x, y (m), centred on the origin
WALL_HEIGHT, WALL_THICKNESS = 0.08, 0.04
CAMERA_HEIGHT = 2.0                 # m above the floor
FRAME = (120, 160)                  # overhead frame (H, W): a 640x480 camera at 1/4 resolution
FRAME_VIEW = 1.36                   # m of floor the frame spans vertically (arena + walls + margin)
TIMESTEP = 0.004
V_FULL = 1.8                        # m/s wheel speed command at raw power 255
KV = 0.8                            # N per m/s of wheel speed error (per wheel)
FORCE_MAX = 0.6                     # N per wheel
ROLL_DAMPING = 0.2                  # N per m/s (rolling resistance)
YAW_DAMPING = 0.002                 # N m per rad/s (carriage against shell)
TRACK = 0.021                       # wheel contact offset from the centre line (m)
CONTACT_Z = -0.0274                 # wheel contact height below the centre (m)

# Measured with `measure(20, policy)` (seed 0, 20 episodes of 100 steps): mean reward per step and the
# fraction of episodes whose last step succeeds, for the uniform random policy and the privileged
# go-to-goal controller `scripted_action`. The reference's real curve starts near -0.7 and DayDreamer
# reaches about -0.15 to -0.25 there (robot_tasks.md §6).
RANDOM_REWARD, RANDOM_SUCCESS = -0.53, 0.10
SCRIPTED_REWARD, SCRIPTED_SUCCESS = -0.03, 1.0


class SpheroSim(Env):
    """The raw task without an episode limit (use `sphero_sim`, or `make('sphero_sim')`)."""

    def __init__(self, seed=None, size=(64, 64), frame=FRAME):
        from ..sim import Camera, import_mujoco
        self._mj = mujoco = import_mujoco()
        self.size, self.frame_size = tuple(int(s) for s in size), tuple(int(s) for s in frame)
        self._rng = np.random.default_rng(seed)
        self.model = build_model(mujoco, self.frame_size)
        self.data = mujoco.MjData(self.model)
        self._joints = [self.model.joint(n).qposadr[0] for n in ('sphero_x', 'sphero_y', 'sphero_yaw')]
        self._dofs = [self.model.joint(n).dofadr[0] for n in ('sphero_x', 'sphero_y', 'sphero_yaw')]
        self._body = self.model.body('sphero/base_link').id
        self._camera = Camera(self.model, 'overhead', self.frame_size)
        self.arena_min, self.arena_max = self.arena_box()
        self.command = (0, 0)
        self.frame = None
        # Start anywhere inside, facing anywhere; later episodes start where the last one ended.
        half = np.array(ARENA) / 2 - RADIUS - 0.05
        self.data.qpos[self._joints] = [*self._rng.uniform(-half, half), self._rng.uniform(-np.pi, np.pi)]
        self._mj.mj_forward(self.model, self.data)
        # The task: the reset's random moves continue this rng's draws, after the initial pose's.
        self.task = robot.SpheroTask(self.arena_min, self.arena_max, size=self.size, rng=self._rng)
        self._started = False
        self.obs_space = {'image': Space(np.uint8, self.size + (3,), 0, 255), 'reward': Space(np.float32),
                          'is_first': Space(bool), 'is_last': Space(bool), 'is_terminal': Space(bool)}
        self.act_space = {'action': Space(np.float32, (2,), -1, 1), 'reset': Space(bool)}

    # -- the env protocol ------------------------------------------------------------------------

    def step(self, action):
        """Run the task: its drives (the reset's on an episode's first step, else the action's), then its obs."""
        first = not self._started or bool(action.get('reset', False))
        self._started = True
        self.drive(self.task.reset_plan() if first else self.task.act(action['action']))
        self.frame = self.driver_state()['image']
        obs, reward, logs = self.task.observe(self.frame)
        return {**obs, 'reward': np.float32(0.0 if first else reward),
                'is_first': np.bool_(first), 'is_last': np.bool_(False), 'is_terminal': np.bool_(False),
                'log_success': np.uint8(logs['log_success']), 'log_distance': np.float32(self.distance)}

    def scripted_reset(self):
        """Drive the task's scripted reset: 5 random 1 s moves at power +-100 per wheel, then a 4 s wait."""
        self.drive(self.task.reset_plan())

    def drive(self, plan):
        """Execute the task's drives, [((left, right) raw powers, seconds), ...], one after the other."""
        for (left, right), seconds in plan:
            self.apply_command(left, right)
            self.simulate(seconds)

    @property
    def tracker(self):
        """Return the task's ball tracker."""
        return self.task.tracker

    def close(self):
        if self._camera is not None:
            self._camera.close()
            self._camera = None

    # -- driver-level interface (what a ROS node for the simulated Sphero publishes and subscribes) --

    def apply_command(self, left, right):
        """
        Set the raw motor powers; they are held until the next command.

        Powers are in spherov2 `raw_motor` units, clipped to [-255, 255].
        """
        left, right = (int(np.clip(v, -robot.RAW_MAX, robot.RAW_MAX)) for v in (left, right))
        self.command = (left, right)
        self.data.ctrl[:] = [V_FULL * left / robot.RAW_MAX, V_FULL * right / robot.RAW_MAX]

    def simulate(self, seconds):
        """Advances the physics by `seconds` under the current command."""
        for _ in range(max(1, int(round(seconds / self.model.opt.timestep)))):
            self._mj.mj_step(self.model, self.data)

    def driver_state(self, image=True):
        """
        Return the odometry-like state.

        That is the stamp (s of sim time); the pose in the arena frame `odom` (origin at the arena centre, x right and y
        up in the overhead image): position (x, y, z), yaw, orientation quaternion (x, y, z, w, ROS order); the twist in
        `base_link` (x forward, y left): linear (3,), angular (3,); the last raw motor command; and the overhead RGB
        frame (H, W, 3) when `image`.
        """
        x, y, yaw = self.data.qpos[self._joints]
        vx, vy, wz = self.data.qvel[self._dofs]
        c, s = math.cos(yaw), math.sin(yaw)
        state = {'stamp': float(self.data.time), 'position': np.array([x, y, RADIUS]), 'yaw': float(yaw),
                 'orientation': np.array([0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2)]),
                 'linear': np.array([c * vx + s * vy, -s * vx + c * vy, 0.0]), 'angular': np.array([0.0, 0.0, wz]),
                 'command': self.command}
        if image:
            state['image'] = self.render_frame()
        return state

    def set_pose(self, x, y, yaw=0.0):
        """Places the ball at rest at (x, y) m with heading `yaw` (a simulator-only teleport)."""
        self.data.qpos[self._joints] = [x, y, yaw]
        self.data.qvel[:] = 0
        self._mj.mj_forward(self.model, self.data)

    def render_frame(self):
        """Render the overhead camera frame, RGB uint8 `frame_size` + (3,)."""
        return self._camera.render(self.data)

    # -- privileged state, for logging and tests -----------------------------------------------------

    @property
    def position(self):
        """Return the ball centre (x, y) in metres."""
        return self.data.qpos[self._joints[:2]].copy()

    @property
    def heading(self):
        return float(self.data.qpos[self._joints[2]])

    @property
    def velocity(self):
        return self.data.qvel[self._dofs[:2]].copy()

    def normalised(self, xy=None):
        """Arena coordinates (x right, y down, 0..1 over the inside) of a point (default: the ball)."""
        x, y = self.position if xy is None else xy
        return np.array([(x + ARENA[0] / 2) / ARENA[0], (ARENA[1] / 2 - y) / ARENA[1]])

    def world(self, pos):
        """Inverse of `normalised`: the (x, y) in metres of a normalised arena position."""
        return np.array([pos[0] * ARENA[0] - ARENA[0] / 2, ARENA[1] / 2 - pos[1] * ARENA[1]])

    @property
    def distance(self):
        """Privileged distance of the ball centre to the goal, in normalised arena units."""
        return -robot.reward(self.normalised())

    def project(self, point):
        """Pixel-index coordinates (x = column, y = row) of a world point in the overhead frame."""
        h, w = self.frame_size
        cam = self.model.cam('overhead')
        focal = (h / 2) / math.tan(math.radians(cam.fovy[0]) / 2)
        depth = CAMERA_HEIGHT - point[2]
        return np.array([w / 2 + focal * point[0] / depth - 0.5, h / 2 - focal * point[1] / depth - 0.5])

    def arena_box(self):
        """Return the arena's inside corners at ball-centre height in pixel-index coordinates: (min, max)."""
        hx, hy = ARENA[0] / 2, ARENA[1] / 2
        return self.project((-hx, hy, RADIUS)), self.project((hx, -hy, RADIUS))

    def scripted_action(self, goal=robot.GOAL):
        """
        Return the action of a go-to-goal controller on privileged state.

        The controller turns in place toward the goal (leading for the current velocity), then drives at a speed that
        falls with the distance.
        """
        target = self.world(goal) - 0.4 * self.velocity
        delta = target - self.position
        dist = float(np.hypot(*delta))
        error = (math.atan2(delta[1], delta[0]) - self.heading + np.pi) % (2 * np.pi) - np.pi
        if dist < 0.03:
            return np.zeros(2, np.float32)
        if abs(error) > 0.6:
            turn = float(np.clip(error / 3.0, -1, 1))
            return np.array([-turn, turn], np.float32)
        forward, turn = float(np.clip(dist / 0.25, 0.2, 1.0)), float(np.clip(error / 3.0, -0.3, 0.3))
        return np.clip([forward - turn, forward + turn], -1, 1).astype(np.float32)


def build_model(mujoco, frame=FRAME):
    """Build the arena with the URDF robot in it, compiled (its offscreen buffer fits a `frame` (H, W) image)."""
    with open(URDF) as f:
        urdf = f.read()
    # MuJoCo maps a URDF's root link onto the world; a dummy root keeps `base_link` a body of its own,
    # and the compiler options keep the visual shapes (colours) and the static links' names.
    extra = ('<mujoco><compiler discardvisual="false" fusestatic="false"/></mujoco><link name="world"/>'
             '<joint name="world_joint" type="fixed"><parent link="world"/><child link="base_link"/></joint>')
    urdf = urdf.replace('<robot name="sphero">', '<robot name="sphero">' + extra, 1)
    robot_spec = mujoco.MjSpec.from_string(urdf)

    spec = mujoco.MjSpec()
    spec.modelname = 'sphero_arena'
    spec.option.timestep = TIMESTEP
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    spec.option.gravity = [0, 0, -9.81]
    spec.visual.global_.offheight = max(spec.visual.global_.offheight, int(frame[0]))
    spec.visual.global_.offwidth = max(spec.visual.global_.offwidth, int(frame[1]))
    spec.visual.headlight.ambient = [0.35, 0.35, 0.35]
    spec.visual.headlight.diffuse = [0.3, 0.3, 0.3]
    spec.visual.headlight.specular = [0.0, 0.0, 0.0]
    world = spec.worldbody
    box, plane = mujoco.mjtGeom.mjGEOM_BOX, mujoco.mjtGeom.mjGEOM_PLANE
    world.add_geom(name='floor', type=plane, size=[3, 3, 0.1], rgba=[0.12, 0.12, 0.14, 1], contype=0,
                   conaffinity=0)
    hx, hy, t = ARENA[0] / 2, ARENA[1] / 2, WALL_THICKNESS
    wood = [0.45, 0.3, 0.18, 1]
    walls = (('wall_north', (0, hy + t / 2), (hx + t, t / 2)), ('wall_south', (0, -hy - t / 2), (hx + t, t / 2)),
             ('wall_east', (hx + t / 2, 0), (t / 2, hy)), ('wall_west', (-hx - t / 2, 0), (t / 2, hy)))
    for name, pos, size in walls:
        world.add_geom(name=name, type=box, pos=[*pos, WALL_HEIGHT / 2], size=[*size, WALL_HEIGHT / 2], rgba=wood,
                       contype=1, conaffinity=1, condim=1)
    world.add_light(name='overhead_light', pos=[0, 0, 3], dir=[0, 0, -1], diffuse=[0.6, 0.6, 0.6],
                    specular=[0.1, 0.1, 0.1], castshadow=False)
    fovy = math.degrees(2 * math.atan(FRAME_VIEW / 2 / CAMERA_HEIGHT))
    world.add_camera(name='overhead', pos=[0, 0, CAMERA_HEIGHT], quat=[1, 0, 0, 0], fovy=fovy)

    shell_mass = robot_spec.body('shell').mass
    base = world.add_frame(pos=[0, 0, RADIUS]).attach_body(robot_spec.body('base_link'), 'sphero/', '')
    # Planar joints: world-aligned slides (declared before the hinge, so they do not turn with it).
    for name, axis in (('sphero_x', [1, 0, 0]), ('sphero_y', [0, 1, 0])):
        base.add_joint(name=name, type=mujoco.mjtJoint.mjJNT_SLIDE, axis=axis, damping=[ROLL_DAMPING, 0, 0],
                       armature=2.0 / 3.0 * shell_mass)
    base.add_joint(name='sphero_yaw', type=mujoco.mjtJoint.mjJNT_HINGE, axis=[0, 0, 1], damping=[YAW_DAMPING, 0, 0])
    for geom in base.find_all(mujoco.mjtObj.mjOBJ_GEOM):
        if geom.name == 'sphero/shell_collision':
            geom.condim, geom.group, geom.contype, geom.conaffinity = 1, 3, 1, 1
    for joint in base.find_all(mujoco.mjtObj.mjOBJ_JOINT):
        if joint.name.endswith('wheel_joint'):
            joint.damping = [1e-4, 0, 0]
    for side, y in (('left', TRACK), ('right', -TRACK)):
        base.add_site(name=f'sphero/{side}_contact', pos=[0, y, CONTACT_Z], size=[0.003, 0, 0], group=4)
        act = spec.add_actuator(name=f'{side}_motor', trntype=mujoco.mjtTrn.mjTRN_SITE, target=f'sphero/{side}_contact',
                                gear=[1, 0, 0, 0, 0, 0])
        act.set_to_velocity(kv=KV)
        act.forcelimited = mujoco.mjtLimited.mjLIMITED_TRUE
        act.forcerange = [-FORCE_MAX, FORCE_MAX]
    return spec.compile()


def sphero_sim(robot_name='sphero', seed=None, size=(64, 64), length=robot.EPISODE_LENGTH):
    """Make the Sphero task; `robot_name` is the twin factories' first argument (spec.Robot.twin), unused here."""
    return TimeLimit(SpheroSim(seed, size), length)


def measure(episodes=20, policy='random', seed=0, length=robot.EPISODE_LENGTH):
    """
    Measure the mean reward per step and the mean final success over `episodes` episodes.

    The policy is uniform random or `scripted_action`.
    """
    env = sphero_sim(seed=seed, length=length)
    rng = np.random.RandomState(seed)
    rewards, successes = [], []
    for _ in range(episodes):
        obs = env.step({'action': np.zeros(2, np.float32), 'reset': True})
        while not obs['is_last']:
            act = env.act_space['action'].sample(rng) if policy == 'random' else env.scripted_action()
            obs = env.step({'action': act, 'reset': False})
            rewards.append(float(obs['reward']))
        successes.append(float(obs['log_success']))
    env.close()
    return float(np.mean(rewards)), float(np.mean(successes))

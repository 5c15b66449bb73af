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
Simulated Unitree A1 (`a1_sim`): the reference's A1 task in MuJoCo, reset-free.

Model. `build_model` loads the robot's own URDF (`daydreamer/robots/urdf/a1.urdf`, the one description that
rviz and Gazebo also use) with `mujoco.MjSpec.from_file`. It then adds, in code, only what MuJoCo needs:
- a free joint on the root link `trunk`. The URDF compiler's `fusestatic` stays on: it folds `imu_link`
  into the trunk and the feet into the calves. Without the free joint it would also weld the trunk to the
  world;
- a checkered floor, a light, an `imu` site at the trunk origin and a `track` camera that follows the
  trunk (TRACKCOM);
- contacts: explicit floor pairs for all 17 robot geoms (friction 1, condim 3). There is no dynamic
  collision and so no self-collision; explicit pairs skip the broad phase, which is ~15% of the step;
- a reflected rotor inertia (`ARMATURE`) on the 12 joints;
- 12 "motor board" actuators. Each is an affine PD, tau = Kp (q_des - q) - Kd (qd - dq_des) + tau_ff,
  which is what the Unitree LowCmd asks of a motor. The joints saturate it at the URDF effort limit of
  33.5 N m (`actuatorfrcrange`). `data.actuator_force` keeps the torque before saturation, which the
  42 N m check reads;
- a 1 ms timestep, the Euler integrator and the Newton solver (MuJoCo defaults).
URDF visuals are discarded (the URDF compiler default). The collision shapes are the same primitives, and
they are recoloured per link for the camera.

Speed (one core, random actions): the physics is ~10-20 us per 1 ms substep, and the per-substep filter
(4 numpy ops plus the torque check) adds a few us. That is roughly 800-1000 agent steps/s (40-50k
substeps/s) without rendering. A 64x64 frame costs ~1 ms more on EGL/llvmpipe: multisampling is off and
the floor is a finite plane.

Agent interface (the reference table, shared/reference/robot_tasks.md §1):
- obs 'vector' float32 (16,): [roll, pitch, roll_rate, pitch_rate] + 12 joint angles (FR, FL, RR, RL x
  hip, thigh, calf). Plus 'image' uint8 (H, W, 3) from the tracking camera, only with `render=True`
  (logging only: the a1 config encodes no image).
- action 'action' float32 (12,) in [-1, 1] at 20 Hz. Each step maps it onto the joint target ranges and runs
  `repeat` (50) substeps of 1 ms through `robots.a1.SafetyFilter`: 1.5 Hz Butterworth, interpolation,
  a +-0.2 rad clip around the measured angle, the joint limits, PD (Kp 100, Kd 1/2/2) and the 42 N m stop.
- reward: `robots.a1.reward`, in [0, 14]. The velocity estimate is the trunk displacement over the agent step
  divided by its duration (the real bridge uses an estimator instead).
- `log_*` extras: the task's (reward terms, velocity estimate, upright, safety stop) plus privileged sim state
  for evaluation (true forward velocity, height, position).
- Resets: the first step (or an explicit `reset` action) starts the robot. With `start='stand'` it is in the
  reference's sim start pose (joints [0, 0.9, -1.8] x 4, feet on the floor). With `start='random'` it is
  dropped from just above the floor in a uniformly random orientation (often on its side or back), with
  random joint targets. The default `start='mixed'` draws each of the two with probability 1/2. The robot
  then settles for `settle` seconds under the PD. After that nothing resets it: with the config's
  `resets: false`, the TimeLimit cuts episodes while the state carries on.
- Safety stop: the stop latches as on hardware. In sim no operator is there to reset the robot, so after
  `recover_after` seconds of damping the filter is re-armed from the current pose (counted in `stops`;
  `log_safety_stop` flags the steps spent stopped). Pass None to latch until an explicit reset.

Mean return per 250-step episode from the standing start (3 seeds): uniform random actions about 1330
(5.3 per step; the robot ends on its back), the standing action (`scripted_action`) 2190 (8.76 per step),
and the open-loop `trot_action` 2636 (10.55 per step, 0.22 m/s). Walking upright at 0.3 m/s scores up to 14
per step.

One task path: `step` runs `robots.a1.A1Task`, the same class the real bridge (`robot_bridges.a1_bridge`) runs
over the driver's topics. The task plans the action, gives the command of each 1 ms substep, which goes to the
motor boards (the driver level of `apply_command`, written in place for speed) before `step_physics(1)`; the
motors' torque goes back to the task's stop check, and the sensed joint angles, IMU and velocity to its
observation and reward. What the twin supplies differently from the real driver (see `A1Task`): the true trunk
velocity (privileged; the bridge estimates it by leg odometry), Kp 100 instead of 80, 1 kHz commands instead of
200 Hz, and the torque check on the motors' PD torque before saturation. Twin-only: the resets (start poses,
settling), re-arming the stop after `recover_after` s, and the privileged logs.

Driver interface: the ROS 2 sim node publishes what the real driver publishes, from the same pieces that
the agent step uses.
- `driver_state()` returns joint names, position, velocity and effort (like sensor_msgs/JointState), the IMU,
  foot forces and the sim time stamp.
- `apply_command(q or LowCmd-like dict)` sets the motor boards.
- `step_physics(n)` advances the physics by n ms.
"""

import numpy as np

from .base import Env, TimeLimit
from ..robots import a1
from ..sim import Camera, import_mujoco
from ..space import Space

ARMATURE = 0.005          # kg m^2, reflected rotor inertia per joint (not expressible in URDF)
FRICTION = 1.0            # floor-foot sliding friction
CAMERA = 'track'
POS_STOP_F, VEL_STOP_F = 2.146e9, 16000.0   # Unitree SDK sentinels: no position / no velocity term
LINK_RGBA = {'trunk': (0.95, 0.5, 0.1, 1), 'hip': (0.15, 0.15, 0.15, 1), 'thigh': (0.6, 0.6, 0.6, 1),
             'calf': (0.15, 0.15, 0.15, 1), 'foot': (0.1, 0.1, 0.1, 1)}


def build_model(urdf=a1.URDF_PATH, kp=a1.KP_SIM, kd=a1.KD, armature=ARMATURE, friction=FRICTION):
    """Compiles the MuJoCo model from the A1 URDF (see the module docstring for what is added)."""
    mujoco = import_mujoco()
    spec = mujoco.MjSpec.from_file(str(urdf))
    spec.modelname = 'a1'
    # The URDF parser has already dropped the URDF visuals (discardvisual, its default). Turn the flag off
    # for compiling, which would otherwise also drop the floor's material and the geoms that only collide
    # through explicit pairs.
    spec.compiler.discardvisual = False
    spec.option.timestep = a1.SUBSTEP
    spec.visual.headlight.ambient = [0.4, 0.4, 0.4]
    spec.visual.headlight.diffuse = [0.6, 0.6, 0.6]
    trunk = spec.body('trunk')
    if trunk is None:
        raise ValueError(f'{urdf}: no link named trunk')
    trunk.add_freejoint(name='root')
    trunk.add_site(name='imu', pos=[0, 0, 0])
    angle = np.arctan2(1.0, 0.45)  # look down at the trunk from 1 m to its right side, 0.45 m up
    trunk.add_camera(name=CAMERA, mode=mujoco.mjtCamLight.mjCAMLIGHT_TRACKCOM, pos=[0, -1.0, 0.45],
                     quat=[np.cos(angle / 2), np.sin(angle / 2), 0, 0], fovy=50)
    robot = [geom.name for geom in spec.geoms]
    for geom in spec.geoms:  # explicit robot-floor pairs below; no dynamic collision (or self-collision)
        geom.contype, geom.conaffinity = 0, 0
        part = geom.name.replace('_collision', '').split('_')[-1]
        geom.rgba = LINK_RGBA.get(part, LINK_RGBA['trunk'])
    spec.add_texture(name='grid', type=mujoco.mjtTexture.mjTEXTURE_2D, builtin=mujoco.mjtBuiltin.mjBUILTIN_CHECKER,
                     rgb1=[0.2, 0.25, 0.3], rgb2=[0.5, 0.55, 0.6], width=256, height=256)
    material = spec.add_material(name='grid', texrepeat=[4, 4], texuniform=True)
    material.textures[mujoco.mjtTextureRole.mjTEXROLE_RGB] = 'grid'
    # A plane collides as infinite whatever its size; the size (50 m, 2 m grid) only bounds the drawing,
    # which costs ~10x more as an infinite plane on a software (llvmpipe) renderer.
    spec.worldbody.add_geom(name='floor', type=mujoco.mjtGeom.mjGEOM_PLANE, size=[50, 50, 2], material='grid',
                            contype=0, conaffinity=0)
    for name in robot:
        spec.add_pair(geomname1='floor', geomname2=name, condim=3, friction=[friction, friction, 0.005, 1e-4, 1e-4])
    spec.visual.quality.offsamples = 0   # no multisampling: 64x64 logging frames, ~4x cheaper on llvmpipe
    spec.worldbody.add_light(name='sun', pos=[0, 0, 4], dir=[0, 0, -1], diffuse=[0.5, 0.5, 0.5],
                             castshadow=False)
    kd = np.broadcast_to(np.asarray(kd, np.float64), (a1.NUM_JOINTS,))
    for i, name in enumerate(a1.JOINT_NAMES):
        joint = spec.joint(name)
        if joint is None:
            raise ValueError(f'{urdf}: no joint named {name}')
        joint.armature = armature
        joint.actfrclimited, joint.actfrcrange = True, [-a1.EFFORT_LIMIT, a1.EFFORT_LIMIT]  # motor saturation
        motor = spec.add_actuator(name=name.replace('_joint', '_motor'), target=name,
                                  trntype=mujoco.mjtTrn.mjTRN_JOINT)
        motor.gaintype, motor.biastype = mujoco.mjtGain.mjGAIN_FIXED, mujoco.mjtBias.mjBIAS_AFFINE
        motor.gainprm = [kp] + [0] * 9
        motor.biasprm = [0, -kp, -kd[i]] + [0] * 7
    model = spec.compile()
    if not model.dof_damping.any():
        # Implicit damping has nothing to integrate without joint damping (the motors' Kd is actuator bias),
        # yet costs a factorisation per substep: off, the physics is bit-identical and ~25% faster.
        model.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_EULERDAMP
    return model


class A1Sim(Env):
    """The simulated A1 without an episode limit (use `a1_sim`)."""

    realtime = False

    def __init__(self, seed=None, repeat=a1.REPEAT, size=(64, 64), render=True, start='mixed', kp=a1.KP_SIM,
                 recover_after=1.0, settle=1.0, urdf=a1.URDF_PATH):
        if start not in ('mixed', 'stand', 'random'):
            raise ValueError(f"start must be 'mixed', 'stand' or 'random', not {start!r}")
        self.mujoco = import_mujoco()
        self.repeat, self.size, self.rendering, self.start = int(repeat), tuple(int(s) for s in size), render, start
        self.recover_after, self.settle = recover_after, float(settle)
        self.model = build_model(urdf, kp)
        self.data = self.mujoco.MjData(self.model)
        m, d = self.model, self.data
        self._q, self._dq, self._ctrl = d.qpos[7:], d.qvel[6:], d.ctrl   # views into MjData
        self._force = d.actuator_force   # the motors' PD torque before saturation (the joints clamp it)
        self._imu = m.site('imu').id
        self._feet = np.array([m.geom(f'{foot}_collision').id for foot in a1.FOOT_NAMES])
        # The task, with the twin's driver-side parameters: Kp 100, `repeat` commands per agent step (1 kHz), the
        # torque checked on the motors' PD torque (`_act`) instead of the commanded one.
        self.task = a1.A1Task(kp=kp, command_rate=self.repeat * a1.CONTROL_RATE, check_command=False)
        self.filter = self.task.filter
        self._gains = (self.filter.kp, self.filter.kd)  # the gains the motor boards hold now
        self._rng = np.random.default_rng(seed)
        self._camera = None
        self._started = False
        self._stopped_since = None
        self._pos = np.zeros(3)
        self.obs_space = {'vector': Space(np.float32, (16,))}
        if render:
            self.obs_space['image'] = Space(np.uint8, self.size + (3,), 0, 255)
        self.obs_space.update({'reward': Space(np.float32, (), 0, 14), 'is_first': Space(bool),
                               'is_last': Space(bool), 'is_terminal': Space(bool)})
        self.act_space = {'action': Space(np.float32, (12,), -1, 1), 'reset': Space(bool)}

    # --- agent interface ---

    def step(self, action):
        """
        Run one agent step of the task (`robots.a1.A1Task`) on the twin's driver level.

        The action -> the task's plan -> `repeat` substeps (the task's command -> the motor boards -> 1 ms of
        physics -> the motors' torque to the task's stop check) -> the task's observation, reward and logs from
        the sensed joints, IMU and the true trunk velocity, plus the twin's privileged logs.
        """
        if not self._started or action.get('reset', False):
            self.reset()
            return self._obs(None, True)   # no agent step behind it: reward 0
        self.task.act(action['action'])
        self._pos[:] = self.data.qpos[:3]
        self._act()
        velocity = (self.data.qpos[:3] - self._pos) / (self.repeat * a1.SUBSTEP)   # true, over the agent step
        self._check_recovery()
        return self._obs(velocity, False)

    def reset(self):
        """Start the robot (see `start`), prime the safety filter and let it settle."""
        mujoco, m, d = self.mujoco, self.model, self.data
        mujoco.mj_resetData(m, d)
        stand = self.start == 'stand' or (self.start == 'mixed' and self._rng.uniform() < 0.5)
        if stand:
            d.qpos[3:7] = (1, 0, 0, 0)
            self._q[:] = a1.INIT_POSE
            clearance = 0.001
        else:
            quat = self._rng.normal(size=4)
            d.qpos[3:7] = quat / np.linalg.norm(quat)
            self._q[:] = self._rng.uniform(a1.TARGET_LOW, a1.TARGET_HIGH)
            clearance = 0.02
        # The lowest point of any geom sits `clearance` above the floor (feet on the floor for 'stand').
        d.qpos[2] = 0.0
        mujoco.mj_kinematics(m, d)
        robot = np.arange(m.ngeom) != m.geom('floor').id
        lowest = self._lowest_point(robot)
        d.qpos[2] = max(a1.INIT_HEIGHT, clearance - lowest) if stand else clearance - lowest
        mujoco.mj_forward(m, d)
        self.task.rearm(self._q)
        self._stopped_since = None
        self._set_gains(self.filter.kp, self.filter.kd)
        hold = self._q.copy()
        for _ in range(int(round(self.settle / (self.repeat * a1.SUBSTEP)))):
            self.task.plan(hold)
            self._act()
            self._check_recovery()
        self._started = True

    def scripted_action(self):
        """Return the action whose target is the reference's standing pose [0, 0.9, -1.8] x 4."""
        return a1.STAND_ACTION.copy()

    def render_frame(self):
        if self._camera is None:
            self._camera = Camera(self.model, CAMERA, self.size)
        return self._camera.render(self.data)

    def close(self):
        if self._camera is not None:
            self._camera.close()
            self._camera = None

    # --- driver interface (what the real A1 driver publishes and accepts) ---

    def driver_state(self):
        """
        Return the robot state as the driver reports it (LowState / JointState / Imu).

        joint_names, position (rad), velocity (rad/s) and effort (N m, the applied motor torque) are in
        `JOINT_NAMES` order. imu holds quaternion (w, x, y, z), angular_velocity (body frame, rad/s),
        linear_acceleration (body frame, m/s^2, specific force: +9.81 z at rest) and rpy (rad).
        foot_force holds the normal contact force per foot (N; FR, FL, RR, RL), stamp the sim time (s),
        and safety_stopped the state of the agent-level filter.
        """
        mujoco, m, d = self.mujoco, self.model, self.data
        mujoco.mj_rnePostConstraint(m, d)
        acc = np.zeros(6)
        mujoco.mj_objectAcceleration(m, d, mujoco.mjtObj.mjOBJ_SITE, self._imu, acc, 1)
        return {'stamp': float(d.time), 'joint_names': list(a1.JOINT_NAMES), 'position': self._q.copy(),
                'velocity': self._dq.copy(), 'effort': d.qfrc_actuator[6:].copy(),
                'imu': {'quaternion': d.qpos[3:7].copy(), 'angular_velocity': d.qvel[3:6].copy(),
                        'linear_acceleration': acc[3:].copy(), 'rpy': np.array(a1.roll_pitch_yaw(d.qpos[3:7]))},
                'foot_force': self.foot_forces(), 'safety_stopped': bool(self.filter.stopped)}

    def foot_forces(self):
        """Return the normal contact force (N) on each foot: FR, FL, RR, RL."""
        mujoco, m, d = self.mujoco, self.model, self.data
        out, wrench = np.zeros(4), np.zeros(6)
        for i in range(d.ncon):
            contact = d.contact[i]
            for k, geom in enumerate(self._feet):
                if geom in (contact.geom1, contact.geom2):
                    mujoco.mj_contactForce(m, d, i, wrench)
                    out[k] += wrench[0]
        return out

    def apply_command(self, command):
        """
        Set the 12 motor boards, which hold the command until the next one (as the Unitree LowCmd does).

        `command` is 12 position targets (rad; with the default gains Kp, Kd) or a dict with any of q, dq,
        kp, kd, tau (arrays of 12 or scalars; defaults q = current angles, dq = 0, kp/kd = default gains,
        tau = 0). The SDK sentinels PosStopF (q) and VelStopF (dq) switch the position / velocity term off.
        Each motor applies clip(kp (q - angle) + kd (dq - velocity) + tau, +-33.5 N m).
        This is the raw driver level: no safety filter.
        """
        n = a1.NUM_JOINTS
        if not isinstance(command, dict):
            command = {'q': command}
        q = np.broadcast_to(np.asarray(command.get('q', self._q), np.float64), (n,)).copy()
        dq = np.broadcast_to(np.asarray(command.get('dq', 0.0), np.float64), (n,)).copy()
        kp = np.broadcast_to(np.asarray(command.get('kp', self.filter.kp_run), np.float64), (n,)).copy()
        kd = np.broadcast_to(np.asarray(command.get('kd', self.filter.kd_run), np.float64), (n,)).copy()
        tau = np.broadcast_to(np.asarray(command.get('tau', 0.0), np.float64), (n,))
        kp[q >= POS_STOP_F], q[q >= POS_STOP_F] = 0.0, 0.0
        kd[dq >= VEL_STOP_F], dq[dq >= VEL_STOP_F] = 0.0, 0.0
        self._set_gains(kp, kd)
        self.model.actuator_biasprm[:, 0] = kd * dq + tau
        self._ctrl[:] = q

    def step_physics(self, n=1):
        """Advances the physics by `n` substeps of 1 ms with the motor commands held."""
        self.mujoco.mj_step(self.model, self.data, nstep=int(n))

    # --- internals ---

    def _act(self):
        """Run the planned agent step: per substep the task's command -> the motor boards -> 1 ms of physics."""
        task, f, q, dq, ctrl, force = self.task, self.filter, self._q, self._dq, self._ctrl, self._force
        m, d, mj_step, limit = self.model, self.data, self.mujoco.mj_step, a1.TORQUE_STOP ** 2
        command, sense = task.command, task.sense
        if self.model.actuator_biasprm[:, 0].any():
            self.model.actuator_biasprm[:, 0] = 0.0   # no feed-forward from an earlier apply_command
        for _ in range(self.repeat):
            command(q, dq, ctrl)                          # = apply_command({'q': ..., 'kp': f.kp, 'kd': f.kd})
            if f.kp is not self._gains[0]:
                self._set_gains(f.kp, f.kd)
            mj_step(m, d)                                 # = step_physics(1)
            if force.dot(force) > limit:                  # cheap pre-check of max |tau| > 42
                sense(force)                              # the motors' PD torque before saturation

    def _set_gains(self, kp, kd):
        self._gains = (kp, kd)
        self.model.actuator_gainprm[:, 0] = kp
        self.model.actuator_biasprm[:, 1] = -np.asarray(kp)
        self.model.actuator_biasprm[:, 2] = -np.asarray(kd)

    def _check_recovery(self):
        if not self.filter.stopped:
            self._stopped_since = None
            return
        if self._stopped_since is None:
            self._stopped_since = self.data.time
        elif self.recover_after is not None and self.data.time - self._stopped_since >= self.recover_after:
            self.task.rearm(self._q)   # the sim's stand-in for an operator reset
            self._set_gains(self.filter.kp, self.filter.kd)
            self._stopped_since = None

    def _lowest_point(self, mask):
        """Return the lowest world z over the geoms in `mask` (exact for the spheres, boxes and cylinders used)."""
        m, d = self.model, self.data
        lowest = np.inf
        for g in np.flatnonzero(mask):
            size, rot, z = m.geom_size[g], d.geom_xmat[g].reshape(3, 3), d.geom_xpos[g][2]
            kind = m.geom_type[g]
            if kind == self.mujoco.mjtGeom.mjGEOM_SPHERE:
                low = z - size[0]
            elif kind == self.mujoco.mjtGeom.mjGEOM_BOX:
                low = z - np.abs(rot[2]) @ size
            elif kind == self.mujoco.mjtGeom.mjGEOM_CYLINDER:
                axis = abs(rot[2, 2])
                low = z - size[1] * axis - size[0] * np.sqrt(max(0.0, 1 - axis * axis))
            else:
                low = z - m.geom_rbound[g]
            lowest = min(lowest, low)
        return lowest

    def _obs(self, velocity, first):
        """Return the task's observation, reward and logs (sensed state and `velocity`) plus the privileged logs."""
        d, quat = self.data, self.data.qpos[3:7]
        task_obs, reward, logs = self.task.observe(self._q, quat, d.qvel[3:6], velocity)
        obs = dict(task_obs, reward=np.float32(reward), is_first=np.bool_(first), is_last=np.bool_(False),
                   is_terminal=np.bool_(False))
        if self.rendering:
            obs['image'] = self.render_frame()
        w, x, y, z = quat
        hx, hy = 1 - 2 * (y * y + z * z), 2 * (x * y + w * z)      # the heading: body x in the world, flattened
        norm = max(np.hypot(hx, hy), 1e-9)
        obs.update({key: np.float32(value) for key, value in logs.items()})
        obs.update({   # privileged: no sensor of the real A1 measures these
            'log_forward_velocity': np.float32((hx * d.qvel[0] + hy * d.qvel[1]) / norm),   # true, unit heading
            'log_height': np.float32(d.qpos[2]), 'log_x': np.float32(d.qpos[0]), 'log_y': np.float32(d.qpos[1])})
        return obs


def a1_sim(robot='a1', seed=None, repeat=a1.REPEAT, size=(64, 64), length=a1.EPISODE_LENGTH, render=True, **kwargs):
    """
    Make the A1 task: `A1Sim` with a 250-step (12.5 s) TimeLimit; the run's config sets `resets: false`.

    `robot` is the twin factories' first argument (spec.Robot.twin); this twin is the A1's alone.
    """
    return TimeLimit(A1Sim(seed=seed, repeat=repeat, size=size, render=render, **kwargs), length)


def trot_action(step, frequency=1.5, swing=0.35, lift=0.3):
    """
    Return the action of a scripted open-loop trot at agent step `step` (20 Hz).

    Diagonal pairs (FR+RL, FL+RR) swing the thigh by +-`swing` rad around the standing pose, in antiphase,
    and bend the calf by up to `lift` rad while the leg swings forward. It is a baseline, not a controller.
    From the standing start it walks at about 0.2 m/s and scores about 10.5 per step (standing still scores
    about 8.8).
    """
    phase = 2 * np.pi * frequency * step / a1.CONTROL_RATE + np.array([0, np.pi, np.pi, 0])
    q = a1.INIT_POSE.reshape(4, 3).copy()
    q[:, 1] += swing * np.sin(phase)
    q[:, 2] -= lift * np.maximum(0.0, -np.cos(phase))
    return a1.normalize_angles(q.reshape(12)).astype(np.float32)

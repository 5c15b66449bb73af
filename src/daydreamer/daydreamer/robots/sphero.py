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
Sphero navigation: the parts shared by the simulated twin and the real bridge (no simulator, no ROS).

Follows DayDreamer's `embodied/envs/sphero.py` (shared/reference/robot_tasks.md §3):

- **Action.** A 2-D motor command a in [-1, 1]^2 becomes raw left/right motor powers int(a * 70) out of
  255 (`MAX_CONTROL`), held for 0.5 s (2 Hz). The reference does not clip, so an unbounded policy sample
  could exceed 70; `motor_command` clips to [-1, 1] first by default (the bridge's safety rule). These
  integers are also the units of the ROS 2 driver's command (juehess/sphero_ros2 `sphero_node`:
  sphero_interfaces/msg/RawMotorCommand, int32 left / right in -255..255, each message driven for
  `DRIVER_COMMAND_SECONDS` and then stopped); `clip_raw` is the driver's clipping.
- **Ball position.** The ball is found in the overhead RGB frame by an HSV threshold (`white_mask`: a
  binary opening removes specks), its mask centroid in pixel-index coordinates (pixel i has coordinate
  i, as in the reference's `np.arange(640)`), normalised by the arena's pixel box: 0 at `arena_min`,
  1 at `arena_max`, x along image columns (right), y along image rows (down). When the ball is not
  found, `BallTracker` keeps the last position (as the reference does).
- **Reward.** -||pos - goal|| with goal (0.825, 0.165) in those normalised coordinates;
  success = reward > -0.1.
- **Observation.** The frame, optionally column-cropped (the reference crops columns 80:-30 of its
  640x480 RealSense frame), area-resized to 64x64 RGB.
- **Reset.** The reference drives 5 random 1 s moves at raw power +-100 per wheel (`reset_moves`), then
  waits 4 s for the ball to settle.

- **Task.** `SpheroTask` is the task, ROS-free and written once over the driver interface (the overhead
  frame in, raw motor drives out): the MuJoCo twin's `step` (daydreamer.envs.sphero) and the sphero_bridge
  node both run it.

Images are RGB uint8 (H, W, 3) everywhere (the reference converts BGR itself). HSV follows OpenCV's
8-bit convention (H in [0, 180), S and V in [0, 255]) so that calibrated OpenCV thresholds carry over.
"""


import numpy as np

from . import bridge
from .spec import Robot
from .. import images
from ..space import Space

MAX_CONTROL = 70          # raw motor power at |action| = 1, out of RAW_MAX
RAW_MAX = 255
CONTROL_HZ = 2.0
STEP_SECONDS = 1.0 / CONTROL_HZ
EPISODE_LENGTH = 100      # agent steps (50 s)
GOAL = (0.825, 0.165)     # normalised arena coordinates (x right, y down in the image)
SUCCESS_THRESHOLD = 0.1
RESET_POWER, RESET_MOVES, RESET_MOVE_SECONDS, RESET_WAIT_SECONDS = 100, 5, 1.0, 4.0
# sphero_ros2's sphero_node drives each RawMotorCommand for this long (a blocking sleep in its callback), then
# stops the motors; messages that arrive meanwhile wait in its subscription queue (depth DRIVER_QUEUE_DEPTH).
DRIVER_COMMAND_SECONDS, DRIVER_QUEUE_DEPTH = 0.2, 10

# The reference's real setup: a 640x480 RealSense colour frame, the arena's pixel box in that frame, the
# columns kept for the observation, and its HSV thresholds (called white there; calibrated to its camera
# and lighting, so recalibrate for another setup).
REFERENCE_FRAME = (480, 640)
REFERENCE_ARENA_MIN, REFERENCE_ARENA_MAX = (193, 67), (480, 370)
REFERENCE_CROP_COLUMNS = (80, -30)
REFERENCE_HSV_LOW, REFERENCE_HSV_HIGH = (94, 87, 83), (129, 255, 171)
# A white ball under even light on a dark floor (the simulated arena): any hue, low saturation, bright.
WHITE_HSV_LOW, WHITE_HSV_HIGH = (0, 0, 170), (180, 70, 255)


def motor_command(action, max_control=MAX_CONTROL, clip=True):
    """(left, right) raw motor powers (ints) for an action in [-1, 1]^2; NaN counts as 0."""
    action = np.nan_to_num(np.asarray(action, np.float64).reshape(2))
    if clip:
        action = np.clip(action, -1.0, 1.0)
    left, right = (int(a * max_control) for a in action)  # int() truncates toward zero, as the reference
    return left, right


def clip_raw(left, right):
    """(left, right) raw motor powers clipped to [-RAW_MAX, RAW_MAX] as ints (what the driver does)."""
    return tuple(int(max(-RAW_MAX, min(RAW_MAX, int(v)))) for v in (left, right))


def reset_moves(rng, moves=RESET_MOVES, power=RESET_POWER):
    """Plan the scripted random drive of a reset: `moves` (left, right) raw powers, each wheel +-`power`."""
    return [tuple(int(s) * power for s in rng.choice([-1, 1], 2)) for _ in range(moves)]


def rgb_to_hsv(image):
    """uint8 RGB (..., 3) -> uint8 HSV in OpenCV's 8-bit convention (H in [0, 180), S, V in [0, 255])."""
    rgb = np.asarray(image, np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    v = rgb.max(-1)
    delta = v - rgb.min(-1)
    s = np.where(v > 0, delta * 255.0 / np.maximum(v, 1e-6), 0.0)
    safe = np.maximum(delta, 1e-6)
    h = np.where(v == r, (g - b) / safe, np.where(v == g, 2.0 + (b - r) / safe, 4.0 + (r - g) / safe))
    h = np.where(delta > 0, (h * 30.0) % 180.0, 0.0)  # 60 degrees per sector, halved to fit a byte
    return np.stack([np.round(h) % 180, np.round(s), v], -1).astype(np.uint8)


def white_mask(image, low=WHITE_HSV_LOW, high=WHITE_HSV_HIGH, opening=1):
    """
    Return a boolean (H, W) mask of the pixels inside the HSV box [low, high].

    The mask is opened: `opening` iterations of a 3x3 binary erosion followed by as many dilations (the reference uses 2
    on 640x480 frames).
    """
    image = np.asarray(image)
    # max over the channel axis as two elementwise maxima: the same values, ~10x faster than max(-1) on (H, W, 3)
    value = np.maximum(np.maximum(image[..., 0], image[..., 1]), image[..., 2])
    low, high = np.asarray(low), np.asarray(high)
    mask = (value >= low[2]) & (value <= high[2])  # V first: cheap, and it rejects most of a dark arena
    candidates = image[mask]
    hsv = rgb_to_hsv(candidates)
    mask[mask] = np.all((hsv >= low) & (hsv <= high), -1)
    for _ in range(opening):
        mask = _erode(mask)
    for _ in range(opening):
        mask = _dilate(mask)
    return mask


def _morph(mask, erode):
    """One 3x3 erosion (AND over the neighbourhood) or dilation (OR); outside the image counts as False."""
    padded = np.pad(mask, 1, constant_values=False)
    out = np.ones_like(mask) if erode else np.zeros_like(mask)
    h, w = mask.shape
    for dy in range(3):
        for dx in range(3):
            window = padded[dy:dy + h, dx:dx + w]
            out = out & window if erode else out | window
    return out


def _erode(mask):
    return _morph(mask, erode=True)


def _dilate(mask):
    return _morph(mask, erode=False)


def ball_pixel(image, low=WHITE_HSV_LOW, high=WHITE_HSV_HIGH, opening=1):
    """
    Return the (x, y) centroid of the thresholded ball, or None when no pixel passes.

    The coordinates are pixel indices (x = column, y = row).
    """
    mask = white_mask(image, low, high, opening)
    rows, cols = np.nonzero(mask)
    if not len(rows):
        return None
    return np.array([cols.mean(), rows.mean()])


def normalise(pixel, arena_min, arena_max):
    """Pixel-index coordinates -> arena coordinates: 0 at `arena_min`, 1 at `arena_max`, per axis."""
    arena_min, arena_max = np.asarray(arena_min, np.float64), np.asarray(arena_max, np.float64)
    return (np.asarray(pixel, np.float64) - arena_min) / (arena_max - arena_min)


def detect_ball(image, arena_min=REFERENCE_ARENA_MIN, arena_max=REFERENCE_ARENA_MAX, low=WHITE_HSV_LOW,
                high=WHITE_HSV_HIGH, opening=1):
    """Normalised (2,) ball position in the arena box, or None when the ball is not visible."""
    pixel = ball_pixel(image, low, high, opening)
    return None if pixel is None else normalise(pixel, arena_min, arena_max)


def reward(pos, goal=GOAL):
    """-||pos - goal|| in normalised arena coordinates."""
    return -float(np.hypot(*(np.asarray(pos, np.float64) - np.asarray(goal, np.float64))))


def success(value, threshold=SUCCESS_THRESHOLD):
    """Return the reference's log_success: reward above -threshold."""
    return bool(value > -threshold)


def observation_image(frame, size=(64, 64), crop_columns=None):
    """Return the agent's image: `frame` (RGB) with columns [start, stop) kept (None: all), resized to `size`."""
    start, stop = (0, frame.shape[1]) if crop_columns is None else slice(*crop_columns).indices(frame.shape[1])[:2]
    return images.fit(frame, size, crop=(start, 0, stop - start, 0), aspect='stretch')


class BallTracker:
    """
    Ball position and reward from successive frames; keeps the last position while the ball is hidden.

    `update(frame)` returns the normalised position (None until the ball has been seen once).
    """

    def __init__(self, arena_min=REFERENCE_ARENA_MIN, arena_max=REFERENCE_ARENA_MAX, goal=GOAL,
                 low=WHITE_HSV_LOW, high=WHITE_HSV_HIGH, opening=1):
        self.arena_min, self.arena_max, self.goal = arena_min, arena_max, goal
        self.low, self.high, self.opening = low, high, opening
        self.pos, self.visible = None, False

    def update(self, frame):
        pos = detect_ball(frame, self.arena_min, self.arena_max, self.low, self.high, self.opening)
        self.visible = pos is not None
        if self.visible:
            self.pos = pos
        return self.pos

    def reward(self):
        """Return the reward of the last position (the worst corner's distance while the ball was never seen)."""
        if self.pos is None:
            return -float(np.hypot(max(self.goal[0], 1 - self.goal[0]), max(self.goal[1], 1 - self.goal[1])))
        return reward(self.pos, self.goal)


ROBOT = Robot(
    name='sphero', obs_space={'image': Space(np.uint8, (64, 64, 3), 0, 255)}, act_space=Space(np.float32, (2,), -1, 1),
    control_rate=CONTROL_HZ, episode_length=EPISODE_LENGTH, resets=True, twin='daydreamer.envs.sphero:sphero_sim',
    bridge='sphero_bridge', urdf='sphero.urdf', root_frame='base_link', fixed_base=False,
    camera='overhead_camera/image_raw', watchdog_timeout=1.5, stale_timeout=0.5,
    # juehess/sphero_ros2: `ros2 launch sphero_node sphero_launch.py` starts the driver in the namespace /sphero
    # (raw_motor_command, set_stabilization, odom); absolute names, so the bridge reaches it from any namespace.
    real_topics={'raw_motor_command': '/sphero/raw_motor_command', 'set_stabilization': '/sphero/set_stabilization'},
    # The Gazebo model moves by velocity (its drive wheels sit inside the shell): a body-frame Twist on cmd_vel.
    gazebo_parameters={'command_interface': 'gazebo_cmd_vel'})


class SpheroTask:
    """
    The Sphero task, written once over the driver interface: the twin's `step` and the sphero_bridge both run it.

    The driver interface, which both implementations provide:
    - what the driver senses: the overhead camera's RGB uint8 frame (H, W, 3), any size (the twin's
      `driver_state()['image']`; the bridge's `overhead_camera/image_raw`);
    - what it is told: drives, [((left, right), seconds), ...]: raw motor powers, ints out of 255 (the driver's
      RawMotorCommand units), each held for `seconds` (the twin: `apply_command` then `simulate`; the bridge: on
      its motor timer, RawMotorCommand republished every motor_period, or a Twist for Gazebo).

    Per agent step: the drives of `reset_plan()` (an episode's scripted reset, before its first step) or of
    `act(action)`, then `observe(frame)`: (obs, reward, logs) with logs log_success and log_visible. The reward is
    the frame's; the reward of an episode's first step is 0 on both sides (the twin's `step`, the bridge's
    `bridge.step_obs`), and log_success is that of the frame's reward there too. The reset's random moves come from
    `rng` (a seed or a numpy Generator: the twin passes its own, which drew the initial pose first).

    Differences that remain between the twin and the robot, and why:
    - the twin holds a drive for all of its seconds; the real driver (sphero_ros2) drives each RawMotorCommand for
      0.2 s, so the bridge republishes every motor_period (0.25 s) and a 0.5 s action drives about 0.4 s;
    - the twin's frame is rendered after the drives and the physics has stopped; the bridge takes the latest camera
      frame at its control timer while the next action may already drive;
    - the twin steps when the agent steps (no watchdog, no staleness, no pause); those are the bridge's
      (`bridge.Episode`, `Watchdog`, `Freshness`);
    - logs: the twin reports log_success as uint8 and adds the privileged log_distance (the true ball centre's
      distance to the goal); it leaves out log_visible, which the bridge sends (the recorded twin rollouts have no
      such key); the bridge sends logs as float32 (`bridge.step_obs`);
    - the arena box and the crop: the twin's arena box is projected from its camera and it keeps all columns;
      the bridge takes both as parameters (by default the reference's 640x480 setup, no crop).
    """

    robot, obs_space, act_space = ROBOT.name, ROBOT.obs_space, ROBOT.act_space

    def __init__(self, arena_min=REFERENCE_ARENA_MIN, arena_max=REFERENCE_ARENA_MAX, crop_columns=None, size=(64, 64),
                 hsv_low=WHITE_HSV_LOW, hsv_high=WHITE_HSV_HIGH, rng=None, reset_moves=RESET_MOVES,
                 reset_move_seconds=RESET_MOVE_SECONDS, reset_wait_seconds=RESET_WAIT_SECONDS,
                 action_seconds=STEP_SECONDS):
        self.reset_moves, self.reset_move_seconds = int(reset_moves), float(reset_move_seconds)
        self.reset_wait_seconds, self.action_seconds = float(reset_wait_seconds), float(action_seconds)
        self.size = tuple(int(s) for s in size)
        self.obs_space = {'image': Space(np.uint8, self.size + (3,), 0, 255)}
        self.crop_columns = crop_columns
        self.tracker = BallTracker(arena_min, arena_max, low=hsv_low, high=hsv_high)
        self.rng = np.random.default_rng(rng)   # a Generator passed in is used as it is (its draws continue)

    def reset_plan(self):
        """
        Return the scripted reset's drives, [((left, right) raw powers, seconds), ...].

        By default 5 random 1 s drives at +-100 per wheel, then 4 s stopped.
        """
        plan = [((left, right), self.reset_move_seconds) for left, right in reset_moves(self.rng, self.reset_moves)]
        return plan + [((0, 0), self.reset_wait_seconds)]

    @staticmethod
    def motors(action):
        """Raw motor powers (left, right), ints in [-70, 70] of 255, for an agent action (clipped; NaN is 0)."""
        return motor_command(action)

    def act(self, action):
        """Return an agent action's drives: [((left, right) raw powers, action_seconds)]."""
        return [(self.motors(action), self.action_seconds)]

    def observe(self, frame):
        """
        Return (obs, reward, logs) of an overhead RGB frame (any size: the reference resizes its 640x480 frame).

        Raises bridge.BadDriverData when the frame is not RGB uint8 (H, W, 3).
        """
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise bridge.BadDriverData(f'overhead_camera/image_raw must be RGB uint8 (H, W, 3), got {frame.dtype} '
                                       f'{frame.shape}')
        self.tracker.update(frame)
        value = self.tracker.reward()
        logs = {'log_success': float(success(value)), 'log_visible': float(self.tracker.visible)}
        return {'image': observation_image(frame, self.size, self.crop_columns)}, value, logs


# A differential drive [left, right] (fractions of full power) -> a body-frame geometry_msgs/Twist (v, w), for
# the Gazebo model's velocity control (sphero_bridge command_interface gazebo_cmd_vel; not the real driver's
# cmd_vel, which is a heading and a speed). The Sphero twin's constants, measured: full power drives FULL_SPEED
# m/s, and a wheel's lever is TURN_RADIUS m (the sphero_bridge's parameters full_speed and turn_radius).
FULL_SPEED, TURN_RADIUS = 1.64, 0.075


def motors_to_twist(motors, full_speed=FULL_SPEED, turn_radius=TURN_RADIUS):
    """
    Convert wheel powers [left, right] to (linear x m/s, angular z rad/s).

    v = full_speed (l + r) / 2, w = full_speed (r - l) / (2 turn_radius) (counter-clockwise positive, as REP 103).
    """
    left, right = (float(v) for v in motors)
    return full_speed * (left + right) / 2.0, full_speed * (right - left) / (2.0 * turn_radius)

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
Reading daydreamer_interfaces messages into the core's numpy types, whoever deserialized them.

The functions read fields only, so they take rclpy's messages (the nodes, through daydreamer_ros.convert) and the
rosbags library's (bags read without ROS, `daydreamer.bags`) alike: numeric arrays may be array.array, numpy
arrays, bytes or lists.

- Step -> observation dict: `Tensor`s (float32 with a shape) for vectors and scalars, `NamedImage`s for uint8
  (H, W, C) images, `log_*` keys in `logs`, reward and the three flags in their own fields. `step_to_obs`
  validates against the observation space and raises BadObservation naming every problem.
- Action -> action array: a continuous vector in `action` (index -1) or a discrete `index`.
- Experience -> replay rows (observation keys plus `action`, the action that led to the row; zeros at is_first).
"""

import numpy as np

from . import images
from .envs import BadObservation, validate_obs

FLAGS = ('is_first', 'is_last', 'is_terminal')
META = ('episode', 'step')  # Step indices a row may carry for the Experience message; not stored in replay
ENCODING = {1: 'mono8', 3: 'rgb8', 4: 'rgba8'}  # uint8 image encoding by channel count
# What a received image may be converted from, by the encoding the observation space implies.
ACCEPTED = {'mono8': ('mono8', '8UC1'), 'rgb8': ('rgb8', 'bgr8', 'rgba8', 'bgra8', '8UC3'),
            'rgba8': ('rgba8', 'bgra8', 'rgb8', 'bgr8')}


def buffer(data, dtype):
    """Return a numeric field as a new numpy array of `dtype` (array.array and numpy without a Python loop)."""
    try:
        return np.frombuffer(data, dtype).copy()
    except (TypeError, ValueError):
        return np.asarray(data, dtype)


def image_to_array(msg, encoding='passthrough'):
    """Return a sensor_msgs/Image as an (H, W, C) array; `encoding` converts colour images (bgr8 -> 'rgb8')."""
    return images.decode(msg.height, msg.width, msg.encoding, msg.is_bigendian, msg.step, msg.data,
                         desired=encoding)


def from_tensor(msg):
    """Return the Tensor's data as a float32 array of its shape; ValueError when the sizes disagree."""
    data = buffer(msg.data, np.float32)
    shape = tuple(int(s) for s in msg.shape)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"tensor '{msg.key}' has {data.size} values for shape {shape}")
    return data.reshape(shape)


def step_to_obs(msg, obs_space, to_array=image_to_array):
    """
    Return the observation dict of a Step, with the space's dtypes. Raises BadObservation listing every problem.

    `to_array(image message, encoding)` decodes the images (the nodes pass cv_bridge's when it is installed).
    """
    problems, obs = [], {'reward': np.float32(msg.reward), **{flag: np.bool_(getattr(msg, flag)) for flag in FLAGS}}
    for tensor in list(msg.vectors) + list(msg.logs):
        if tensor.key in obs:
            problems.append(f"observation key '{tensor.key}' appears twice")
            continue
        try:
            obs[tensor.key] = from_tensor(tensor)
        except ValueError as e:
            problems.append(str(e))
    for tensor in msg.logs:
        if not tensor.key.startswith('log_'):
            problems.append(f"log key '{tensor.key}' must start with 'log_'")
    for named in msg.images:
        key, encoding, space = named.key, named.image.encoding, obs_space.get(named.key)
        if key in obs:
            problems.append(f"observation key '{key}' appears twice")
            continue
        want = ENCODING.get(space.shape[-1]) if space is not None and len(space.shape) == 3 else None
        if want is not None and encoding not in ACCEPTED[want]:
            problems.append(f"image '{key}' has encoding '{encoding}', expected {want} "
                            f"({space.dtype.name} {'x'.join(str(s) for s in space.shape)})")
            continue
        try:
            obs[key] = to_array(named.image, want or 'passthrough')
        except ValueError as e:
            problems.append(f"image '{key}': {e}")
    problems += [p for p in validate_obs(obs, obs_space) if not any(f"'{k}'" in p for k in _named(problems))]
    if problems:
        raise BadObservation('; '.join(problems))
    return {k: (np.asarray(v, obs_space[k].dtype) if k in obs_space else v) for k, v in obs.items()}


def _named(problems):
    """Keys a problem already names (so validate_obs does not report them again as missing)."""
    return {p.split("'")[1] for p in problems if p.count("'") >= 2}


def msg_to_action(msg, space):
    """
    Return the action array of an Action for an action Space (or an act_space dict with key 'action').

    ValueError when it does not fit the space: wrong length, NaN, index out of range.
    """
    space = space['action'] if isinstance(space, dict) else space
    if space.discrete:
        if not int(space.low) <= msg.index < int(space.high):
            raise ValueError(f'action index {msg.index} is outside [{int(space.low)}, {int(space.high)})')
        return np.asarray(msg.index, space.dtype)
    value = buffer(msg.action, np.float32)
    if value.size != int(np.prod(space.shape)):
        raise ValueError(f'action has {value.size} values, expected {int(np.prod(space.shape))} {space.shape}')
    if not np.isfinite(value).all():
        raise ValueError(f'action contains non-finite values: {value.tolist()}')
    return value.reshape(space.shape).astype(space.dtype)


def experience_to_rows(msg, obs_space, act_space, to_array=image_to_array):
    """Replay rows of an Experience. Raises BadObservation (or ValueError for an action) naming the row."""
    if len(msg.steps) != len(msg.actions):
        raise ValueError(f'experience from {msg.actor_id} #{msg.sequence} has {len(msg.steps)} steps '
                         f'but {len(msg.actions)} actions')
    space = act_space['action'] if isinstance(act_space, dict) else act_space
    rows = []
    for i, (step, action) in enumerate(zip(msg.steps, msg.actions)):
        try:
            obs = step_to_obs(step, obs_space, to_array)
            value = np.zeros(space.shape, space.dtype) if step.is_first else msg_to_action(action, space)
        except ValueError as e:  # BadObservation is a ValueError
            raise type(e)(f'experience from {msg.actor_id} #{msg.sequence}, row {i}: {e}') from e
        rows.append({**{k: v for k, v in obs.items() if not k.startswith('log_')}, 'action': value})
    return rows

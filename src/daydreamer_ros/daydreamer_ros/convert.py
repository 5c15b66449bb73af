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
daydreamer_interfaces messages <-> the core's numpy types, used by every node.

- Step <-> observation dict: vectors and scalars travel as Tensor (float32, with shape), uint8 (H, W, C)
  images as NamedImage (rgb8, mono8 or rgba8 by channel count), `log_*` keys in `logs`, reward and the
  three flags in their own fields. `step_to_obs` validates against the observation space and raises
  BadObservation naming every problem (missing key, wrong shape, NaN, wrong encoding, ...).
- Action <-> action array: a continuous vector in `action` (index -1) or a discrete `index` (action empty).
- rows <-> Experience: a row is what replay stores (observation keys plus `action`, the action that led
  to it); rows may also carry the Step indices `episode` and `step`, which `experience_to_rows` drops.
- weights <-> PolicyWeights: a safetensors blob with its sha256 (`daydreamer.exchange`).

Large arrays are handed to the generated messages as `array.array`, which the setters take without a
per-element check (bytes or lists are checked element by element in Python).
"""

import array

from daydreamer.envs import BadObservation, validate_obs
from daydreamer_interfaces.msg import Action, Experience, NamedImage, PolicyWeights, Step, Tensor
import numpy as np
from std_msgs.msg import Header

from . import images

FLAGS = ('is_first', 'is_last', 'is_terminal')
META = ('episode', 'step')  # Step indices a row may carry for the Experience message; not stored in replay
ENCODING = {1: 'mono8', 3: 'rgb8', 4: 'rgba8'}  # uint8 image encoding by channel count
# What a received image may be converted from, by the encoding the observation space implies.
ACCEPTED = {'mono8': ('mono8', '8UC1'), 'rgb8': ('rgb8', 'bgr8', 'rgba8', 'bgra8', '8UC3'),
            'rgba8': ('rgba8', 'bgra8', 'rgb8', 'bgr8')}


# ------------------------------------------------------------------------------------------------ tensors


def floats(value):
    """Return a float32[] field value (array('f')) from anything array-like."""
    out = array.array('f')
    out.frombytes(np.ascontiguousarray(value, np.float32).tobytes())
    return out


def to_tensor(key, value):
    value = np.asarray(value, np.float32)
    return Tensor(key=key, shape=array.array('I', value.shape), data=floats(value))


def from_tensor(msg):
    """Return the Tensor's data as a float32 array of its shape; ValueError when the sizes disagree."""
    data = _buffer(msg.data, np.float32)
    shape = tuple(int(s) for s in msg.shape)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"tensor '{msg.key}' has {data.size} values for shape {shape}")
    return data.reshape(shape)


def _buffer(data, dtype):
    try:
        return np.frombuffer(data, dtype).copy()  # array.array of the right typecode: no Python loop
    except (TypeError, ValueError):
        return np.asarray(data, dtype)


def _header(header):
    return header if header is not None else Header()


# ------------------------------------------------------------------------------------------------ Step


def is_image(value):
    value = np.asarray(value)
    return value.dtype == np.uint8 and value.ndim == 3 and value.shape[-1] in ENCODING


def obs_to_step(obs, *, robot, episode, step, control_period, header=None):
    """Return the Step message for an observation dict (as an Env returns it)."""
    msg = Step(header=_header(header), robot=robot, episode=int(episode), step=int(step),
               reward=float(obs.get('reward', 0.0)), control_period=float(control_period),
               **{flag: bool(obs.get(flag, False)) for flag in FLAGS})
    vectors, named, logs = [], [], []
    for key, value in obs.items():
        if key == 'reward' or key in FLAGS:
            continue
        if key.startswith('log_'):
            logs.append(to_tensor(key, value))
        elif is_image(value):
            value = np.asarray(value)
            named.append(NamedImage(key=key, image=images.to_msg(value, ENCODING[value.shape[-1]], msg.header)))
        else:
            vectors.append(to_tensor(key, value))
    msg.vectors, msg.images, msg.logs = vectors, named, logs
    return msg


def step_to_obs(msg, obs_space):
    """Return the observation dict of a Step, with the space's dtypes. Raises BadObservation listing every problem."""
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
            obs[key] = images.to_array(named.image, want or 'passthrough')
        except ValueError as e:
            problems.append(f"image '{key}': {e}")
    problems += [p for p in validate_obs(obs, obs_space) if not any(f"'{k}'" in p for k in _named(problems))]
    if problems:
        raise BadObservation('; '.join(problems))
    return {k: (np.asarray(v, obs_space[k].dtype) if k in obs_space else v) for k, v in obs.items()}


def _named(problems):
    """Keys a problem already names (so validate_obs does not report them again as missing)."""
    return {p.split("'")[1] for p in problems if p.count("'") >= 2}


# ------------------------------------------------------------------------------------------------ Action


def action_to_msg(action, *, episode, step, mode, weights_version=0, header=None):
    """
    Return the Action answering Step (episode, step).

    `action` None (e.g. for HOLD) sends neither vector nor index.
    """
    msg = Action(header=_header(header), episode=int(episode), step=int(step), mode=int(mode),
                 weights_version=int(weights_version), index=-1)
    if action is not None:
        action = np.asarray(action)
        if action.ndim == 0 and action.dtype.kind in 'iu':
            msg.index = int(action)
        else:
            msg.action = floats(action)
    return msg


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
    value = _buffer(msg.action, np.float32)
    if value.size != int(np.prod(space.shape)):
        raise ValueError(f'action has {value.size} values, expected {int(np.prod(space.shape))} {space.shape}')
    if not np.isfinite(value).all():
        raise ValueError(f'action contains non-finite values: {value.tolist()}')
    return value.reshape(space.shape).astype(space.dtype)


# ------------------------------------------------------------------------------------------------ Experience


def rows_to_experience(rows, *, actor_id, sequence, stream='', first_unacknowledged=None, robot='', header=None):
    """
    Return an Experience from rows (dicts of observation keys, 'action' and optionally 'episode'/'step').

    `first_unacknowledged` defaults to `sequence` (nothing older is held).
    """
    steps, actions = [], []
    for row in rows:
        episode, index = (int(row.get(k, 0)) for k in META)
        obs = {k: v for k, v in row.items() if k != 'action' and k not in META}
        step = obs_to_step(obs, robot=robot, episode=episode, step=index, control_period=0.0, header=header)
        steps.append(step)
        actions.append(action_to_msg(row['action'], episode=episode, step=index, mode=Action.MODE_EXPLORE,
                                     header=step.header))
    first = sequence if first_unacknowledged is None else first_unacknowledged
    return Experience(header=_header(header), actor_id=actor_id, stream=stream, sequence=int(sequence),
                      first_unacknowledged=int(first), steps=steps, actions=actions)


def experience_to_rows(msg, obs_space, act_space):
    """Replay rows of an Experience. Raises BadObservation (or ValueError for an action) naming the row."""
    if len(msg.steps) != len(msg.actions):
        raise ValueError(f'experience from {msg.actor_id} #{msg.sequence} has {len(msg.steps)} steps '
                         f'but {len(msg.actions)} actions')
    space = act_space['action'] if isinstance(act_space, dict) else act_space
    rows = []
    for i, (step, action) in enumerate(zip(msg.steps, msg.actions)):
        try:
            obs = step_to_obs(step, obs_space)
            value = np.zeros(space.shape, space.dtype) if step.is_first else msg_to_action(action, space)
        except ValueError as e:  # BadObservation is a ValueError
            raise type(e)(f'experience from {msg.actor_id} #{msg.sequence}, row {i}: {e}') from e
        rows.append({**{k: v for k, v in obs.items() if not k.startswith('log_')}, 'action': value})
    return rows


# ------------------------------------------------------------------------------------------------ weights


def weights_to_msg(data, sha256, *, version, env_steps=0, config='', header=None):
    """Return a PolicyWeights message for a safetensors blob (from daydreamer.exchange.encode_weights)."""
    return PolicyWeights(header=_header(header), version=int(version), env_steps=int(env_steps), config=config,
                         format='safetensors', data=array.array('B', data), sha256=sha256)


def msg_to_weights(msg, device='cpu'):
    """Return the state dict of a PolicyWeights message; ValueError when the format or the digest is wrong."""
    from daydreamer import exchange  # imports torch: only where weights are handled
    if msg.format != 'safetensors':
        raise ValueError(f"policy weights v{msg.version} have format '{msg.format}', expected 'safetensors'")
    data = msg.data.tobytes() if isinstance(msg.data, array.array) else bytes(msg.data)
    return exchange.decode_weights(data, msg.sha256, device=device)


# ------------------------------------------------------------------------------------------------ diagnostics


def diagnostics(name, values, *, level=0, message='', hardware_id='', header=None):
    """
    Return a DiagnosticArray with one status.

    `values` {key: number or text} become KeyValues; level 0 OK, 1 WARN, 2 ERROR, 3 STALE.
    """
    from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
    pairs = [KeyValue(key=str(k), value=f'{v:.6g}' if isinstance(v, float) else str(v)) for k, v in values.items()]
    status = DiagnosticStatus(level=bytes([level]), name=name, message=message, hardware_id=hardware_id,
                              values=pairs)
    return DiagnosticArray(header=_header(header), status=[status])

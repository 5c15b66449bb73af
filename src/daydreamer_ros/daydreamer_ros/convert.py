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

The reading half (message -> numpy) is the core's `daydreamer.messages`, which bags read without ROS share; this
module adds the writing half and decodes images with cv_bridge when it is installed. Large arrays are handed to
the generated messages as `array.array`, which the setters take without a per-element check (bytes or lists are
checked element by element in Python).
"""

import array

from daydreamer import messages
from daydreamer.messages import ACCEPTED, ENCODING, FLAGS, from_tensor, META, msg_to_action  # noqa: F401
from daydreamer_interfaces.msg import Action, Experience, NamedImage, PolicyWeights, Step, Tensor
import numpy as np
from std_msgs.msg import Header

from . import images


# ------------------------------------------------------------------------------------------------ tensors


def floats(value):
    """Return a float32[] field value (array('f')) from anything array-like."""
    out = array.array('f')
    out.frombytes(np.ascontiguousarray(value, np.float32).tobytes())
    return out


def to_tensor(key, value):
    value = np.asarray(value, np.float32)
    return Tensor(key=key, shape=array.array('I', value.shape), data=floats(value))


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
    """Return the observation dict of a Step (`daydreamer.messages.step_to_obs`, images through cv_bridge)."""
    return messages.step_to_obs(msg, obs_space, images.to_array)


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
    """Replay rows of an Experience (`daydreamer.messages.experience_to_rows`, images through cv_bridge)."""
    return messages.experience_to_rows(msg, obs_space, act_space, images.to_array)


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

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
sensor_msgs/Image <-> numpy arrays for every node.

The conversion uses cv_bridge when it is importable, else the core codec (`daydreamer.images`). Arrays are always
(H, W, C); errors are always ValueError naming the problem.
"""

import array

from daydreamer import images as codec
import numpy as np
from sensor_msgs.msg import Image
from std_msgs.msg import Header

try:
    from cv_bridge import CvBridge
    _BRIDGE = CvBridge()
except Exception:  # not installed, or built against another numpy: the core codec does the same job
    _BRIDGE = None


def to_array(msg, encoding='passthrough'):
    """Return the image of `msg` as an (H, W, C) array; `encoding` converts colour images (e.g. bgr8 -> 'rgb8')."""
    if _BRIDGE is not None:
        try:
            image = _BRIDGE.imgmsg_to_cv2(msg, desired_encoding=encoding)
        except Exception as e:  # CvBridgeError derives from TypeError; callers handle one error type
            raise ValueError(f'{msg.encoding} image {msg.height}x{msg.width}: {e}') from e
        return image[..., None] if image.ndim == 2 else image
    return codec.decode(msg.height, msg.width, msg.encoding, msg.is_bigendian, msg.step, msg.data,
                        desired=encoding)


def to_msg(array_, encoding, header=None):
    """Return a sensor_msgs/Image holding `array_` ((H, W) or (H, W, C)) in `encoding`."""
    header = header if header is not None else Header()
    if _BRIDGE is not None:
        dtype, _ = codec.spec(encoding)
        image = np.asarray(array_)
        if image.dtype != dtype and (np.can_cast(image.dtype, dtype, 'safe') or dtype.kind == image.dtype.kind == 'f'):
            image = image.astype(dtype)
        try:
            return _BRIDGE.cv2_to_imgmsg(np.ascontiguousarray(image), encoding=encoding, header=header)
        except Exception as e:
            raise ValueError(f'{encoding} image of shape {image.shape} dtype {image.dtype}: {e}') from e
    fields = codec.encode(array_, encoding)
    # array('B') is taken as is by the generated setter; bytes would be checked element by element.
    fields['data'] = array.array('B', fields['data'])
    return Image(header=header, **fields)

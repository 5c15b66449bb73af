"""sensor_msgs/Image <-> numpy arrays for every node: cv_bridge when it is importable, else the core codec
(`daydreamer.images`). Arrays are always (H, W, C); errors are always ValueError naming the problem."""

import array

import numpy as np
from daydreamer import images as codec
from sensor_msgs.msg import Image
from std_msgs.msg import Header

try:
    from cv_bridge import CvBridge
    _BRIDGE = CvBridge()
except Exception:  # not installed, or built against another numpy: the core codec does the same job
    _BRIDGE = None


def to_array(msg, encoding='passthrough'):
    """The image of `msg` as an (H, W, C) array; `encoding` converts colour images (e.g. bgr8 -> 'rgb8')."""
    if _BRIDGE is not None:
        try:
            image = _BRIDGE.imgmsg_to_cv2(msg, desired_encoding=encoding)
        except Exception as e:  # CvBridgeError derives from TypeError; callers handle one error type
            raise ValueError(f"{msg.encoding} image {msg.height}x{msg.width}: {e}") from e
        return image[..., None] if image.ndim == 2 else image
    return codec.decode(msg.height, msg.width, msg.encoding, msg.is_bigendian, msg.step, msg.data,
                        desired=encoding)


def to_msg(array_, encoding, header=None):
    """A sensor_msgs/Image holding `array_` ((H, W) or (H, W, C)) in `encoding`."""
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

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
A codec for the fields of a sensor_msgs/Image, without ROS.

`decode` turns (height, width, encoding, is_bigendian, step, data) into an HxWxC numpy array, `encode` does the reverse.

Rows may carry padding (`step` > width * channels * itemsize, as some camera drivers send) and 16/32-bit
data may be big-endian; both are handled. Problems raise ValueError naming the encoding and the sizes.
`decode(..., desired='rgb8')` also reorders or drops colour channels (bgr8 -> rgb8, rgba8 -> rgb8, ...)
the way cv_bridge's `desired_encoding` does for these encodings; other conversions are refused.
"""

import sys

import numpy as np

# encoding -> (dtype, channels)
ENCODINGS = {
    'rgb8': (np.uint8, 3), 'bgr8': (np.uint8, 3), 'rgba8': (np.uint8, 4), 'bgra8': (np.uint8, 4),
    'mono8': (np.uint8, 1), 'mono16': (np.uint16, 1), '8UC1': (np.uint8, 1), '8UC3': (np.uint8, 3),
    '16UC1': (np.uint16, 1), '32FC1': (np.float32, 1),
}
# Channel order of the colour encodings, for conversions between them.
_ORDER = {'rgb8': 'rgb', 'bgr8': 'bgr', 'rgba8': 'rgba', 'bgra8': 'bgra', '8UC3': 'rgb'}


def spec(encoding):
    """(dtype, channels) of a supported encoding; ValueError listing the supported ones otherwise."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unsupported image encoding '{encoding}'; supported: {', '.join(ENCODINGS)}")
    dtype, channels = ENCODINGS[encoding]
    return np.dtype(dtype), channels


def decode(height, width, encoding, is_bigendian, step, data, desired=None):
    """
    Decode the image into a new (writable, contiguous) array (height, width, channels) in native byte order.

    `desired`: an encoding to convert colour images into (None or 'passthrough' keeps it).
    """
    dtype, channels = spec(encoding)
    height, width, step = int(height), int(width), int(step)
    if height < 0 or width < 0:
        raise ValueError(f'{encoding} image has a negative size {height}x{width}')
    row = width * channels * dtype.itemsize
    if step < row:
        raise ValueError(f'{encoding} image {height}x{width}: step {step} is shorter than a row '
                         f'({width} px * {channels} ch * {dtype.itemsize} B = {row} B)')
    try:
        raw = np.frombuffer(data, np.uint8)  # bytes, bytearray, array.array('B'), memoryview
    except (TypeError, ValueError):
        raw = np.asarray(data, np.uint8).reshape(-1)  # a plain list of ints
    if raw.size < step * height:
        raise ValueError(f'{encoding} image {height}x{width} (step {step}) needs {step * height} bytes, '
                         f'got {raw.size}')
    order = '>' if is_bigendian else '<'
    rows = raw[:step * height].reshape(height, step)[:, :row]
    image = np.ascontiguousarray(rows).view(dtype.newbyteorder(order) if dtype.itemsize > 1 else dtype)
    image = image.reshape(height, width, channels).astype(dtype, copy=True)  # native order, owns its data
    if desired in (None, 'passthrough', encoding):
        return image
    return convert(image, encoding, desired)


def convert(image, encoding, desired):
    """
    Reorder or drop colour channels (rgb8 / bgr8 / rgba8 / bgra8 / 8UC3), or pass 8UC1 <-> mono8 through.

    Anything else (e.g. 32FC1 -> mono8, rgb8 -> mono8) needs an explicit, lossy choice and is refused with ValueError.
    """
    spec(desired)
    if {encoding, desired} <= {'mono8', '8UC1'}:
        return image
    if encoding in _ORDER and desired in _ORDER:
        source, target = _ORDER[encoding], _ORDER[desired]
        if 'a' in target and 'a' not in source:
            alpha = np.full(image.shape[:2] + (1,), 255, image.dtype)
            image, source = np.concatenate([image, alpha], -1), source + 'a'
        return np.ascontiguousarray(image[..., [source.index(c) for c in target]])
    raise ValueError(f'cannot convert a {encoding} image to {desired}')


def encode(array, encoding):
    """
    Encode `array` of shape (H, W) or (H, W, C) in the given encoding as Image fields.

    The fields are {height, width, encoding, is_bigendian, step, data (bytes)}.
    """
    dtype, channels = spec(encoding)
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[-1] != channels:
        raise ValueError(f'{encoding} needs an array of shape (H, W, {channels})'
                         f"{' or (H, W)' if channels == 1 else ''}, got {array.shape}")
    if array.dtype != dtype:
        lossless = np.can_cast(array.dtype, dtype, 'safe') or (dtype.kind == 'f' and array.dtype.kind == 'f')
        if not lossless:
            raise ValueError(f'{encoding} needs {dtype.name} data, got {array.dtype.name}')
        array = array.astype(dtype)
    height, width = array.shape[:2]
    return {'height': int(height), 'width': int(width), 'encoding': encoding,
            'is_bigendian': int(sys.byteorder == 'big' and dtype.itemsize > 1),
            'step': int(width * channels * dtype.itemsize), 'data': np.ascontiguousarray(array).tobytes()}


def fit(image, size, crop=(0, 0, 0, 0), aspect='crop', nearest=False):
    """
    Return `image` (H, W[, C]) cut and resized to `size` (height, width): what the agent sees of a camera.

    `crop` = (x, y, width, height) in pixels, as image_proc's crop: the region of interest; a width or height of 0
    reaches the image's edge. `aspect`: 'crop' keeps the largest centred part of that region with the aspect
    ratio of `size`; 'stretch' keeps all of it (the reference Sphero squashes its cropped 4:3 frame). The resize is
    OpenCV's: area averaging when shrinking (in float32, rounded once, so uint8 frames are not aliased or
    biased), bilinear when enlarging, nearest neighbour with `nearest` (depth: no blending of foreground and
    background into depths found nowhere; missing readings stay missing). Raises ValueError naming the crop.
    """
    import cv2
    image = np.asarray(image)
    height, width = image.shape[:2]
    x, y, w, h = (int(v) for v in crop)
    w, h = w or width - x, h or height - y
    if min(x, y) < 0 or w <= 0 or h <= 0 or x + w > width or y + h > height:
        raise ValueError(f'crop (x {crop[0]}, y {crop[1]}, width {crop[2]}, height {crop[3]}) does not fit in a '
                         f'{width}x{height} image')
    if aspect == 'crop':
        want = size[1] / size[0]  # width / height of the agent's image
        if w / h > want:
            x, w = x + (w - round(h * want)) // 2, round(h * want)
        else:
            y, h = y + (h - round(w / want)) // 2, round(w / want)
    elif aspect != 'stretch':
        raise ValueError(f"aspect must be 'crop' or 'stretch', not {aspect!r}")
    region = image[y:y + h, x:x + w]
    if region.shape[:2] == tuple(size):
        return np.ascontiguousarray(region)
    shrink = h >= size[0] and w >= size[1]
    how = cv2.INTER_NEAREST if nearest else cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    source = region if nearest else region.astype(np.float32)
    out = cv2.resize(source, (int(size[1]), int(size[0])), interpolation=how)
    out = out.reshape(tuple(size) + image.shape[2:])  # OpenCV drops a single channel axis
    if image.dtype == np.uint8 and not nearest:
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return out.astype(image.dtype, copy=False)


def depth_metres(image, encoding):
    """Return a depth image as float32 metres: 16UC1 is millimetres, 32FC1 metres; 0 (no reading) becomes NaN."""
    if encoding == '16UC1':
        depth = np.asarray(image, np.float32) / 1000.0
        depth[np.asarray(image) == 0] = np.nan
        return depth
    if encoding == '32FC1':
        return np.asarray(image, np.float32)
    raise ValueError(f"a depth image must be 16UC1 (millimetres) or 32FC1 (metres), not '{encoding}'")

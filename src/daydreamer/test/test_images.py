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
The sensor_msgs/Image field codec.

Every encoding round-trips, padded rows and big-endian data decode, and bad fields raise ValueError naming the problem.
"""

import sys

import numpy as np
import pytest

from daydreamer import images


def sample(encoding, rng=np.random.default_rng(0)):
    dtype, channels = images.spec(encoding)
    if dtype.kind == 'f':
        return rng.uniform(0, 5, (5, 7, channels)).astype(dtype)
    return rng.integers(0, np.iinfo(dtype).max, (5, 7, channels)).astype(dtype)


@pytest.mark.parametrize('encoding', list(images.ENCODINGS))
def test_every_encoding_round_trips(encoding):
    array = sample(encoding)
    fields = images.encode(array, encoding)
    assert fields['height'] == 5 and fields['width'] == 7 and fields['encoding'] == encoding
    assert fields['step'] == 7 * array.shape[-1] * array.dtype.itemsize
    assert isinstance(fields['data'], bytes) and len(fields['data']) == fields['step'] * 5
    decoded = images.decode(**fields)
    assert decoded.dtype == array.dtype and decoded.shape == array.shape
    np.testing.assert_array_equal(decoded, array)
    assert decoded.flags.writeable and decoded.flags.c_contiguous


def test_single_channel_accepts_2d_arrays():
    array = np.arange(12, dtype=np.uint16).reshape(3, 4)
    decoded = images.decode(**images.encode(array, 'mono16'))
    assert decoded.shape == (3, 4, 1)
    np.testing.assert_array_equal(decoded[..., 0], array)


def test_row_padding_is_skipped():
    array = sample('rgb8')
    padded = np.zeros((5, 7 * 3 + 11), np.uint8)
    padded[:, :21] = array.reshape(5, 21)
    padded[:, 21:] = 0xAB  # garbage in the padding must not leak into the image
    decoded = images.decode(5, 7, 'rgb8', 0, 32, padded.tobytes())
    np.testing.assert_array_equal(decoded, array)


def test_padded_float_rows_with_odd_padding():
    depth = sample('32FC1')
    rows = np.zeros((5, 7 * 4 + 3), np.uint8)
    rows[:, :28] = depth.view(np.uint8).reshape(5, 28)
    np.testing.assert_array_equal(images.decode(5, 7, '32FC1', sys.byteorder == 'big', 31, rows.tobytes()), depth)


@pytest.mark.parametrize('encoding', ['mono16', '16UC1', '32FC1'])
def test_big_endian_data_decodes_to_native(encoding):
    array = sample(encoding)
    big = array.astype(array.dtype.newbyteorder('>')).tobytes()
    decoded = images.decode(5, 7, encoding, 1, 7 * array.dtype.itemsize, big)
    assert decoded.dtype.isnative
    np.testing.assert_array_equal(decoded, array)
    little = array.astype(array.dtype.newbyteorder('<')).tobytes()
    np.testing.assert_array_equal(images.decode(5, 7, encoding, 0, 7 * array.dtype.itemsize, little), array)


def test_decode_reads_array_and_list_data():
    import array
    image = sample('mono8')
    fields = images.encode(image, 'mono8')
    for data in (array.array('B', fields['data']), list(fields['data']), bytearray(fields['data'])):
        np.testing.assert_array_equal(images.decode(**{**fields, 'data': data}), image)


def test_colour_conversions():
    rgb = sample('rgb8')
    bgr = images.decode(**images.encode(rgb[..., ::-1], 'bgr8'), desired='rgb8')
    np.testing.assert_array_equal(bgr, rgb)
    rgba = images.decode(**images.encode(rgb, 'rgb8'), desired='rgba8')
    assert rgba.shape == (5, 7, 4) and (rgba[..., 3] == 255).all()
    np.testing.assert_array_equal(rgba[..., :3], rgb)
    bgra = np.concatenate([rgb[..., ::-1], np.zeros_like(rgb[..., :1])], -1)
    np.testing.assert_array_equal(images.decode(**images.encode(bgra, 'bgra8'), desired='rgb8'), rgb)
    mono = sample('mono8')
    np.testing.assert_array_equal(images.decode(**images.encode(mono, '8UC1'), desired='mono8'), mono)
    with pytest.raises(ValueError, match='cannot convert a 32FC1 image to mono8'):
        images.decode(**images.encode(sample('32FC1'), '32FC1'), desired='mono8')
    with pytest.raises(ValueError, match='cannot convert a rgb8 image to mono8'):
        images.decode(**images.encode(rgb, 'rgb8'), desired='mono8')


def test_errors_name_the_problem():
    fields = images.encode(sample('rgb8'), 'rgb8')
    with pytest.raises(ValueError, match=r"unsupported image encoding 'yuv422'.*rgb8"):
        images.decode(**{**fields, 'encoding': 'yuv422'})
    with pytest.raises(ValueError, match=r'rgb8 image 5x7 \(step 21\) needs 105 bytes, got 104'):
        images.decode(**{**fields, 'data': fields['data'][:-1]})
    with pytest.raises(ValueError, match='step 20 is shorter than a row'):
        images.decode(**{**fields, 'step': 20})
    with pytest.raises(ValueError, match=r'rgb8 needs an array of shape \(H, W, 3\), got \(5, 7, 4\)'):
        images.encode(sample('rgba8'), 'rgb8')
    with pytest.raises(ValueError, match='mono8 needs uint8 data, got float32'):
        images.encode(sample('32FC1'), 'mono8')
    with pytest.raises(ValueError, match='unsupported image encoding'):
        images.encode(sample('rgb8'), 'RGB')


def test_encode_casts_only_losslessly():
    fields = images.encode(np.ones((2, 2), np.float64), '32FC1')  # depth in float64 metres is fine
    assert images.decode(**fields).dtype == np.float32
    fields = images.encode(np.ones((2, 2), np.uint8), 'mono16')
    assert images.decode(**fields).dtype == np.uint16
    with pytest.raises(ValueError, match='mono16 needs uint16 data, got int64'):
        images.encode(np.ones((2, 2), np.int64), 'mono16')


# -- fit: what the agent sees of a camera of any size -----------------------------------------------------


def test_fit_area_averages_when_shrinking():
    image = np.random.default_rng(0).integers(0, 256, (128, 96, 3), dtype=np.uint8)
    expected = np.rint(image.reshape(64, 2, 48, 2, 3).astype(np.float64).mean((1, 3)))
    np.testing.assert_array_equal(images.fit(image, (64, 48)), expected)


def test_fit_keeps_the_centre_with_the_agents_aspect_or_stretches():
    frame = np.zeros((480, 640, 3), np.uint8)
    frame[:, :80] = frame[:, -80:] = 255  # outside the centred 480x480 square
    assert images.fit(frame, (64, 64)).max() == 0
    assert images.fit(frame, (64, 64), aspect='stretch').max() > 0
    tall = np.zeros((640, 480), np.uint8)
    tall[:80] = 255
    assert images.fit(tall, (64, 64)).max() == 0 and images.fit(tall, (64, 64)).shape == (64, 64)


def test_fit_crops_the_region_of_interest_first():
    frame = np.zeros((480, 640, 3), np.uint8)
    frame[100:200, 300:400] = (10, 20, 30)
    out = images.fit(frame, (64, 64), crop=(300, 100, 100, 100))
    assert out.shape == (64, 64, 3) and (out == (10, 20, 30)).all()
    assert (images.fit(frame, (64, 64), crop=(300, 100, 0, 0))[0, 0] == (10, 20, 30)).all()  # 0: to the edge
    for crop in ((600, 0, 100, 0), (-1, 0, 0, 0), (0, 0, 0, 481)):
        with pytest.raises(ValueError, match='crop'):
            images.fit(frame, (64, 64), crop=crop)
    with pytest.raises(ValueError, match='aspect'):
        images.fit(frame, (64, 64), aspect='squash')


def test_fit_enlarges_and_keeps_depth_values_with_nearest():
    small = np.full((32, 32, 3), 90, np.uint8)
    assert (images.fit(small, (64, 64)) == 90).all()
    depth = np.full((480, 640), 0.8, np.float32)
    depth[:, 320:] = 1.4
    depth[0, 0] = np.nan
    out = images.fit(depth, (64, 64), nearest=True)
    assert out.dtype == np.float32 and out.shape == (64, 64)
    assert set(np.unique(out[np.isfinite(out)])) <= {np.float32(0.8), np.float32(1.4)}  # no blended edge depths


def test_depth_metres_of_both_ros_depth_encodings():
    mm = np.array([[0, 1500]], np.uint16)
    metres = images.depth_metres(mm, '16UC1')
    assert np.isnan(metres[0, 0]) and metres[0, 1] == np.float32(1.5) and metres.dtype == np.float32
    assert images.depth_metres(np.ones((2, 2), np.float32), '32FC1').dtype == np.float32
    with pytest.raises(ValueError, match='16UC1'):
        images.depth_metres(mm, 'mono16')

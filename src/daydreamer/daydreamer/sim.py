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
Headless MuJoCo rendering shared by every simulated task.

MuJoCo reads MUJOCO_GL when it is first imported, so `import_mujoco()` chooses the backend before that:
the user's MUJOCO_GL if set, else EGL when libEGL is present, else OSMesa. Frames are small (64x64), so
shadows, reflections, skybox and multisampling are switched off: they cost most of the render time and
carry no signal. MuJoCo's warnings (e.g. an unstable simulation) go to the `daydreamer.sim` logger instead
of MUJOCO_LOG.TXT in the working directory.
"""

import concurrent.futures
import ctypes.util
import logging
import os

_BACKENDS = {'egl': 'EGL', 'osmesa': 'OSMesa'}
_HELP = ('headless rendering needs EGL or OSMesa: install libegl1 (EGL, preferred) or libosmesa6 '
         '(OSMesa), or set MUJOCO_GL to a backend that works on this machine')


def gl_backend():
    """Return the backend MuJoCo will use: MUJOCO_GL if set, else the first library found."""
    if os.environ.get('MUJOCO_GL'):
        return os.environ['MUJOCO_GL']
    for backend, library in _BACKENDS.items():
        if ctypes.util.find_library(library):
            return backend
    raise RuntimeError(_HELP)


def import_mujoco():
    """Import mujoco with a headless GL backend selected (and PyOpenGL told the same)."""
    if 'MUJOCO_GL' not in os.environ:
        os.environ['MUJOCO_GL'] = gl_backend()
    if os.environ['MUJOCO_GL'] in _BACKENDS:
        os.environ.setdefault('PYOPENGL_PLATFORM', os.environ['MUJOCO_GL'])
    import mujoco
    mujoco.set_mju_user_warning(_log_warning)  # process-wide; the default handler writes MUJOCO_LOG.TXT
    return mujoco


def _log_warning(message):
    logging.getLogger(__name__).warning('MuJoCo: %s', message)


class Camera:
    """
    Renders one camera of a model to uint8 (H, W, 3) frames.

    A GL context is bound to the thread that made it current, while a ROS executor calls from a pool of
    threads: all GL work of a camera runs on one thread the camera owns (`call`), whoever asks for a frame.
    """

    def __init__(self, model, camera, size=(64, 64)):
        self.camera = camera
        self._gl = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix=f'gl-{camera}')
        self.renderer = self.call(self._create, model, size)

    @staticmethod
    def _create(model, size):
        mujoco = import_mujoco()
        # No multisampling: 3-4x cheaper on software GL, and anti-aliased edges carry nothing at 64x64.
        model.vis.quality.offsamples = 0
        try:
            renderer = mujoco.Renderer(model, height=size[0], width=size[1])
        except Exception as e:
            raise RuntimeError(f'could not create a {os.environ.get("MUJOCO_GL")} rendering context ({e}); '
                               f'{_HELP}') from e
        flags = renderer.scene.flags
        for flag in (mujoco.mjtRndFlag.mjRND_SHADOW, mujoco.mjtRndFlag.mjRND_REFLECTION,
                     mujoco.mjtRndFlag.mjRND_SKYBOX):
            flags[flag] = 0
        return renderer

    def call(self, fn, *args):
        """Run fn(*args) on the camera's GL thread and return its result."""
        return self._gl.submit(fn, *args).result()

    def render(self, data):
        return self.call(self._render, data)

    def _render(self, data):
        self.renderer.update_scene(data, camera=self.camera)
        return self.renderer.render()

    def close(self):
        self.call(self.renderer.close)
        self._gl.shutdown()

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
MuJoCo reads MUJOCO_GL on first import: choose the headless backend before any test imports it.

The ament linter tests (test_copyright.py, test_flake8.py, test_pep257.py) need the ament_* linters, which come with
a sourced ROS 2 (colcon test and scripts/test run them there); without them, those files are not collected.
"""

import importlib.util
import os
import sys

from daydreamer import sim

# test_runtime.py imports helpers from test_agent.py; the workspace's pytest.ini imports test modules in importlib
# mode, which leaves sys.path alone.
TEST_DIR = os.path.dirname(os.path.abspath(__file__))
if TEST_DIR not in sys.path:
    sys.path.insert(0, TEST_DIR)

sim.import_mujoco()

AMENT_LINTERS = {'test_copyright.py': 'ament_copyright', 'test_flake8.py': 'ament_flake8',
                 'test_pep257.py': 'ament_pep257'}
collect_ignore = [test for test, module in AMENT_LINTERS.items() if importlib.util.find_spec(module) is None]


def pytest_report_header():
    if collect_ignore:
        return f'ament linter tests skipped (no ROS 2 sourced): {", ".join(collect_ignore)}'
    return None

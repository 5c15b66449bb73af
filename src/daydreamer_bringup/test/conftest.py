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
Leave out the ament linter tests when the ament_* linters are not there.

They come with a sourced ROS 2 (colcon test and scripts/test run them there); test_bringup.py runs without it.
"""

import importlib.util

AMENT_LINTERS = {'test_copyright.py': 'ament_copyright', 'test_flake8.py': 'ament_flake8',
                 'test_pep257.py': 'ament_pep257'}
collect_ignore = [test for test, module in AMENT_LINTERS.items() if importlib.util.find_spec(module) is None]


def pytest_report_header():
    if collect_ignore:
        return f'ament linter tests skipped (no ROS 2 sourced): {", ".join(collect_ignore)}'
    return None

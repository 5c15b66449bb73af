"""Source checks for the ROS packages and the workspace tests (the core's own checks are in
src/daydreamer/test/test_lint.py, which also covers Python 3.10 grammar and unpickling for all of src/).

- flake8 (max line length 120, as the core's setup.cfg) over every ament_python package but the core, and test/.
- Product code never imports the ROS test double: it must run on real rclpy.
"""

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROS_PACKAGES = sorted(p.parent for p in ROOT.glob('src/*/setup.py') if p.parent.name != 'daydreamer')
SKIP_DIRS = {'__pycache__', 'build', 'install', 'log', '.pytest_cache'}


def product_files():
    for pkg in ROS_PACKAGES + [ROOT / 'src' / 'daydreamer']:
        for dirpath, dirnames, filenames in os.walk(pkg):
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS | {'test'} and not d.endswith('.egg-info')]
            yield from (Path(dirpath) / f for f in filenames if f.endswith('.py') and f != 'setup.py')


def test_flake8_on_ros_packages_and_workspace_tests():
    if importlib.util.find_spec('flake8') is None:
        pytest.skip('flake8 is not installed (scripts/setup --test)')
    targets = [str(p.relative_to(ROOT)) for p in ROS_PACKAGES] + ['test']
    result = subprocess.run([sys.executable, '-m', 'flake8', '--max-line-length', '120', '--extend-ignore', 'E731',
                             '--exclude', 'build,install,log,*.egg-info', *targets],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f'flake8 found problems:\n{result.stdout}{result.stderr}'


def test_product_code_never_imports_the_test_double():
    problems = []
    for path in product_files():
        tree = ast.parse(path.read_text(encoding='utf-8'))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ''] if isinstance(node, ast.ImportFrom) else [])
            problems += [f'{path.relative_to(ROOT)}:{node.lineno}: imports {n}' for n in names
                         if n.split('.')[0] == 'ros2_double']
        if 'ros2_double' in path.read_text(encoding='utf-8'):
            problems.append(f'{path.relative_to(ROOT)}: mentions ros2_double')
    assert ROS_PACKAGES, 'no ROS packages found under src/'
    assert not problems, 'product code must run on real rclpy, never on the test double:\n' + '\n'.join(problems)

"""
Workspace-level checks.

They cover package manifests, the front-door scripts, CI wiring and colcon's view of the workspace.
Cheap (no torch import); the colcon check runs when colcon is installed (`scripts/setup --test` installs it).
"""

import ast
import configparser
import importlib.util
import json
import os
from pathlib import Path
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = sorted(p.parent for p in ROOT.glob('src/*/package.xml'))

# package.xml format 3 (REP 149): the leading elements in this order, then any of the others.
LEADING = ['name', 'version', 'description', 'maintainer', 'license']
OPTIONAL = {'url', 'author', 'build_depend', 'build_export_depend', 'buildtool_depend', 'buildtool_export_depend',
            'exec_depend', 'depend', 'doc_depend', 'test_depend', 'conflict', 'replace', 'group_depend',
            'member_of_group', 'export'}


def manifest(pkg):
    root = ET.parse(pkg / 'package.xml').getroot()
    build_type = root.findtext('export/build_type') or 'ament_cmake'
    return root, build_type


def setup_py_call(pkg):
    """Return the keyword arguments of setup(...) in setup.py, evaluated where they are literals or simple names."""
    tree = ast.parse((pkg / 'setup.py').read_text())
    names = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                names[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, 'id', None) == 'setup']
    assert len(calls) == 1, f'{pkg}/setup.py: expected one setup(...) call'
    kwargs = {}
    for kw in calls[0].keywords:
        if isinstance(kw.value, ast.Name) and kw.value.id in names:
            kwargs[kw.arg] = names[kw.value.id]
        else:
            try:
                kwargs[kw.arg] = ast.literal_eval(kw.value)
            except ValueError:
                kwargs[kw.arg] = kw.value  # left as an AST node
    return kwargs


def test_workspace_has_the_core_package():
    assert ROOT / 'src' / 'daydreamer' in PACKAGES


@pytest.mark.parametrize('pkg', PACKAGES, ids=[p.name for p in PACKAGES])
def test_package_xml_is_format_3(pkg):
    root, build_type = manifest(pkg)
    assert root.tag == 'package' and root.get('format') == '3', 'package.xml must be <package format="3">'
    tags = [child.tag for child in root]
    assert all(t in LEADING or t in OPTIONAL for t in tags), f'unknown elements: {set(tags) - set(LEADING) - OPTIONAL}'
    leading = [t for t in tags if t in LEADING]
    assert tags[:len(leading)] == leading, f'{LEADING} must come before anything else: {tags}'
    assert leading == sorted(leading, key=LEADING.index), f'out of order: {leading}'
    assert [leading.count(t) for t in LEADING[:3]] == [1, 1, 1] and {'maintainer', 'license'} <= set(leading)
    assert root.findtext('name') == pkg.name, 'the package name must match its directory'
    version = root.findtext('version')
    assert len(version.split('.')) == 3 and all(p.isdigit() for p in version.split('.')), version
    assert (root.findtext('description') or '').strip()
    for maintainer in root.findall('maintainer'):
        assert maintainer.get('email') and maintainer.text.strip()
    assert build_type in ('ament_python', 'ament_cmake', 'cmake')


AMENT_PYTHON = [p for p in PACKAGES if manifest(p)[1] == 'ament_python']


@pytest.mark.parametrize('pkg', AMENT_PYTHON, ids=[p.name for p in AMENT_PYTHON])
def test_ament_python_package_matches_setup_py(pkg):
    root, _ = manifest(pkg)
    setup = setup_py_call(pkg)
    assert setup['name'] == root.findtext('name')
    assert setup['version'] == root.findtext('version')
    assert (pkg / 'resource' / pkg.name).is_file(), f'missing the ament index marker resource/{pkg.name}'
    source = (pkg / 'setup.py').read_text()
    assert 'share/ament_index/resource_index/packages' in source and "'resource/'" in source
    assert "'package.xml'" in source, 'setup.py must install package.xml into share/<package>'
    # colcon runs tests with pytest only when setup.py declares it under extras_require['test'];
    # with setuptools >= 72 `tests_require` is ignored and colcon silently runs unittest ("Ran 0 tests").
    assert 'tests_require' not in setup, 'use extras_require={"test": [...]}, not tests_require'
    extras = setup.get('extras_require')
    assert isinstance(extras, dict) and any(r.split('<')[0].split('>')[0].split('=')[0].strip() == 'pytest'
                                            for r in extras.get('test', [])), 'extras_require["test"] needs pytest'
    cfg = configparser.ConfigParser()
    cfg.read(pkg / 'setup.cfg')
    assert cfg.get('develop', 'script_dir') == f'$base/lib/{pkg.name}'
    assert cfg.get('install', 'install_scripts') == f'$base/lib/{pkg.name}'


def test_config_symlink_resolves_to_the_packaged_defaults():
    link = ROOT / 'config' / 'daydreamer.yaml'
    assert link.is_symlink(), 'config/daydreamer.yaml should be a symlink, so there is one source of defaults'
    target = ROOT / 'src' / 'daydreamer' / 'daydreamer' / 'configs.yaml'
    assert link.resolve() == target.resolve()
    assert 'defaults:' in link.read_text()


def test_pytest_markers_agree():
    """`slow` is registered for runs from the root (pytest.ini) and from the package directory (colcon)."""
    ini = configparser.ConfigParser()
    ini.read(ROOT / 'pytest.ini')
    for pkg in AMENT_PYTHON:
        cfg = configparser.ConfigParser()
        cfg.read(pkg / 'setup.cfg')
        if cfg.has_section('tool:pytest'):
            assert 'slow:' in cfg.get('tool:pytest', 'markers'), pkg
    assert 'slow:' in ini.get('pytest', 'markers')


def test_colcon_meta_is_valid():
    meta = json.loads((ROOT / 'colcon.meta').read_text())
    assert set(meta) <= {'names'}
    assert set(meta['names']) <= {p.name for p in PACKAGES}
    assert meta['names']['daydreamer']['pytest-args'] == ['-m', 'not slow']


def test_scripts_are_executable_and_ci_runs_the_readme_command():
    for name in ('scripts/setup', 'scripts/train', 'scripts/test', '.ci/run'):
        path = ROOT / name
        assert path.is_file() and os.access(path, os.X_OK), f'{name} must exist and be executable'
        assert path.read_text().startswith('#!/usr/bin/env bash'), name
    ci = (ROOT / '.ci' / 'run').read_text()
    assert 'exec scripts/test' in ci
    readme = (ROOT / 'README.md').read_text()
    assert 'scripts/train' in readme and 'scripts/test' in readme


def test_gitignore_covers_build_outputs():
    ignored = set((ROOT / '.gitignore').read_text().split())
    assert {'.venv/', 'build/', 'install/', 'log/', 'logdir/'} <= ignored


def test_flake8_on_workspace_tests():
    """The workspace-level tests follow the core's flake8 settings (src/daydreamer/setup.cfg [flake8])."""
    if importlib.util.find_spec('flake8') is None:
        pytest.skip('flake8 is not installed (pip install -e src/daydreamer[test])')
    result = subprocess.run([sys.executable, '-m', 'flake8', '--config', 'src/daydreamer/setup.cfg', 'test'],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f'flake8 found problems:\n{result.stdout}{result.stderr}', pytrace=False)


def _colcon():
    if importlib.util.find_spec('colcon_core') is not None:
        return [sys.executable, '-m', 'colcon']
    found = shutil.which('colcon')
    return [found] if found else None


def test_colcon_lists_the_packages():
    colcon = _colcon()
    if colcon is None:
        pytest.skip('colcon is not installed (scripts/setup --test installs it)')
    result = subprocess.run([*colcon, 'list'], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    found = {}
    for line in result.stdout.splitlines():
        name, path, kind = line.split('\t')
        found[name] = (path, kind.strip('()'))
    assert found.get('daydreamer') == ('src/daydreamer', 'ros.ament_python'), result.stdout
    for name, (path, _) in found.items():
        assert not path.startswith(('.venv', 'build', 'install', 'log')), f'colcon crawled into {path}'

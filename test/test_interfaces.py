"""
daydreamer_interfaces builds as rosidl would build it.

Every .msg/.srv parses with the rosidl parser, is listed in CMakeLists.txt, and every package its fields name is a
declared dependency (package.xml and CMakeLists.txt).
"""

from pathlib import Path
import re
import xml.etree.ElementTree as ET

import pytest

parser = pytest.importorskip('rosidl_adapter.parser', reason='rosidl_adapter is installed by scripts/setup --test')

PKG = Path(__file__).resolve().parents[1] / 'src' / 'daydreamer_interfaces'
NAME = PKG.name
FILES = sorted(p.relative_to(PKG).as_posix() for p in [*PKG.glob('msg/*.msg'), *PKG.glob('srv/*.srv')])
CMAKE = (PKG / 'CMakeLists.txt').read_text()


def parse(rel):
    path = PKG / rel
    if rel.startswith('srv/'):
        srv = parser.parse_service_file(NAME, str(path))
        return srv.request.fields + srv.response.fields
    return parser.parse_message_file(NAME, str(path)).fields


def nested_packages():
    """Each package named by a field of any interface -> the interfaces that use it."""
    used = {}
    for rel in FILES:
        for field in parse(rel):
            if not field.type.is_primitive_type():
                used.setdefault(field.type.pkg_name, set()).add(rel)
    return used


def generate_call():
    match = re.search(r'rosidl_generate_interfaces\(\s*\$\{PROJECT_NAME\}(.*?)\)', CMAKE, re.S)
    assert match, 'CMakeLists.txt must call rosidl_generate_interfaces(${PROJECT_NAME} ...)'
    body = match.group(1)
    files, _, deps = body.partition('DEPENDENCIES')
    return re.findall(r'"([^"]+)"', files), deps.split()


def test_there_are_interfaces():
    assert {'msg/Step.msg', 'msg/Action.msg', 'msg/Experience.msg', 'msg/PolicyWeights.msg'} <= set(FILES)
    services = {'srv/ResetEpisode.srv', 'srv/SetActorMode.srv', 'srv/SaveCheckpoint.srv', 'srv/SetLearning.srv'}
    assert services <= set(FILES)


@pytest.mark.parametrize('rel', FILES)
def test_interface_parses(rel):
    fields = parse(rel)
    assert fields or rel.startswith('srv/'), f'{rel} has no fields'
    for field in fields:
        # rosidl_adapter's naming rule for fields (lower snake case, no double or trailing underscore)
        assert re.fullmatch(r'(?!.*__)(?!.*_$)[a-z][a-z0-9_]*', field.name), f'{rel}: bad field name {field.name}'


def test_every_interface_is_generated_and_every_generated_file_exists():
    files, _ = generate_call()
    assert sorted(files) == FILES, f'CMakeLists.txt lists {sorted(files)}, the package has {FILES}'


def test_nested_types_of_this_package_exist():
    for rel in FILES:
        for field in parse(rel):
            if field.type.pkg_name == NAME:
                assert (PKG / 'msg' / f'{field.type.type}.msg').is_file(), f'{rel}: {field.type} has no .msg'


def test_nested_packages_are_declared_dependencies():
    root = ET.parse(PKG / 'package.xml').getroot()
    build = {e.text for e in root if e.tag in ('depend', 'build_depend')}
    run = {e.text for e in root if e.tag in ('depend', 'exec_depend')}
    _, deps = generate_call()
    found = set(re.findall(r'find_package\((\w+)', CMAKE))
    for pkg, users in sorted(nested_packages().items()):
        if pkg == NAME:
            continue
        where = ', '.join(sorted(users))
        assert pkg in build and pkg in run, f'package.xml must <depend> on {pkg} (used by {where})'
        assert pkg in deps, f'rosidl_generate_interfaces needs DEPENDENCIES {pkg} (used by {where})'
        assert pkg in found, f'CMakeLists.txt must find_package({pkg} REQUIRED) (used by {where})'


def test_rosidl_package_boilerplate():
    root = ET.parse(PKG / 'package.xml').getroot()
    tags = {(e.tag, e.text) for e in root}
    assert ('buildtool_depend', 'rosidl_default_generators') in tags
    assert ('exec_depend', 'rosidl_default_runtime') in tags
    assert ('member_of_group', 'rosidl_interface_packages') in tags, 'needed for the interfaces to be generated'
    assert root.findtext('export/build_type') == 'ament_cmake'
    assert 'find_package(rosidl_default_generators REQUIRED)' in CMAKE and 'ament_package()' in CMAKE

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

"""Tests for daydreamer.config: merging, CLI parsing, validation, save/load."""
import copy

import pytest
import yaml

from daydreamer.config import Config, ConfigError, defaults_path, load_config, parse_args


def raises(match, fn, *args, **kwargs):
    with pytest.raises(ConfigError, match=match) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_defaults_match_reference():
    c = load_config()
    assert c.model_opt.lr == 1e-4 and c.model_opt.eps == 1e-6 and c.model_opt.clip == 100.0
    assert c.model_opt.wd == 1e-2 and c.actor_opt == c.model_opt and c.critic_opt == c.model_opt
    assert c.wmkl_balance == 0.8 and c.imag_horizon == 15 and c.return_lambda == 0.95
    assert c.discount == 0.998 and c.batch_size == 32 and c.replay_chunk == 64
    assert (c.rssm.deter, c.rssm.units, c.rssm.stoch, c.rssm.classes) == (1024, 1024, 32, 32)
    assert (c.rssm.prior_layers, c.rssm.unimix, c.rssm.initial) == (3, 0.01, 'learned2')
    assert c.wmkl.to_dict() == {'impl': 'mult', 'scale': 0.1, 'target': 3.5, 'min': 1e-3, 'max': 1.0, 'vel': 0.1}
    assert c.actent.to_dict() == {'impl': 'mult', 'scale': 3e-3, 'target': 0.5, 'min': 1e-5, 'max': 1.0, 'vel': 0.1}
    assert c.advnorm.max == 1e8 and isinstance(c.advnorm.max, float)  # YAML `1.0e8` is a float here
    assert c.actor.minstd == 0.03 and c.actor.maxstd == 1.0 and c.actor.outscale == 0.1
    assert c.encoder.cnn_kernels == (4, 4, 4, 4) and c.decoder.cnn_kernels == (5, 5, 6, 6)
    assert c.grad_heads == ('decoder', 'reward', 'cont') and c.env.size == (64, 64)
    assert c.run.steps == 10_000_000_000 and isinstance(c.run.steps, int)
    assert c.run.train_fill == 10000 and c.run.sync_every == 180.0
    assert c.slow_target and c.slow_target_update == 100 and c.slow_target_fraction == 1.0
    assert c.replay.size == 1_000_000 and c.replay.prio_ends == 1.0


def test_a1_matches_reference():
    c = load_config(['a1'])
    assert (c.rssm.deter, c.rssm.units, c.batch_size, c.replay_chunk) == (256, 256, 32, 32)
    assert c.discount == 0.995 and c.actent.target == 0.5
    assert (c.actor.minstd, c.actor.unimix) == (0.1, 0.1)
    # length 0: the robot's own (daydreamer.robots.a1.ROBOT.episode_length, 250), which its twin's TimeLimit has
    assert (c.env.amount, c.env.repeat, c.env.length, c.env.resets, c.env.restart) == (1, 50, 0, False, False)
    assert (c.run.train_fill, c.run.sync_every, c.run.train_ratio) == (5000, 20.0, 256)
    assert (c.encoder.mlp_keys, c.encoder.cnn_keys, c.decoder.cnn_keys) == ('vector', '$^', '$^')
    # A block sets only the keys it names.
    assert c.rssm.stoch == 32 and c.actor.maxstd == 1.0 and c.run.log_every == 10000
    assert c.model_opt.lr == 1e-4 and c.imag_horizon == 15 and c.return_lambda == 0.95


@pytest.mark.parametrize('robot,deter,target,fill,restart', [
    ('xarm', 512, 0.4, 2000, False), ('ur5', 512, 0.4, 2000, False), ('sphero', 512, 0.4, 1000, True)])
def test_robot_blocks(robot, deter, target, fill, restart):
    c = load_config([robot])
    assert (c.rssm.deter, c.actent.target, c.run.train_fill, c.env.restart) == (deter, target, fill, restart)
    assert (c.env.repeat, c.env.length, c.env.resets, c.discount) == (1, 0, True, 0.995)   # length: the robot's
    assert (c.run.log_every, c.run.eval_every, c.replay_chunk) == (100, 20, 32)


def test_all_blocks_load():
    names = [k for k in yaml.safe_load(defaults_path().read_text()) if k != 'defaults']
    assert {'a1', 'xarm', 'ur5', 'sphero', 'dreamerv1', 'planet', 'novalue', 'debug', 'point'} <= set(names)
    for name in names:
        assert isinstance(load_config([name, 'debug']), Config)
    assert load_config(['dreamerv1']).rssm.latent == 'gaussian'


def test_block_order_matters():
    a = load_config(['a1', 'debug'])
    b = load_config(['debug', 'a1'])
    assert a.rssm.deter == 64 and b.rssm.deter == 256
    assert a.run.train_ratio == 32 and b.run.train_ratio == 256
    assert a.replay_chunk == 16 and b.replay_chunk == 32
    assert a.env.repeat == b.env.repeat == 50 and a.rssm.classes == b.rssm.classes == 8
    assert load_config('a1,debug') == a


def test_unknown_block():
    msg = raises("unknown config block 'a2'", load_config, ['a2'])
    assert 'a1' in msg and 'debug' in msg and 'defaults' not in msg.split('available')[1]
    raises("unknown config block 'nope'", parse_args, ['--configs', 'a1', 'nope'])


def test_cli_overrides_of_every_type():
    c, rest = parse_args([
        'train', '--configs', 'a1', 'debug', '--rssm.deter', '512', '--batch_size=16',
        '--encoder.cnn_kernels', '3,3,3', '--decoder.cnn_kernels=[2, 2]', '--run.lockstep', 'False',
        '--env.resets', 'YES', '--discount', '0.9', '--model_opt.lr', '3', '--task', 'point_image',
        '--run.steps', '1e10', '--run.train_fill', '1e4', '--grad_heads', 'decoder,reward',
        '--decoder.image_offset', '-0.5', '--device=cuda:1', 'extra'])
    assert rest == ['train', 'extra']
    assert c.rssm.deter == 512 and c.rssm.units == 64  # override on top of both blocks
    assert c.batch_size == 16 and c.encoder.cnn_kernels == (3, 3, 3) and c.decoder.cnn_kernels == (2, 2)
    assert c.run.lockstep is False and c.env.resets is True and c.discount == 0.9
    assert c.model_opt.lr == 3.0 and isinstance(c.model_opt.lr, float) and c.task == 'point_image'
    assert c.run.steps == 10**10 and type(c.run.steps) is int and c.run.train_fill == 10000
    assert c.grad_heads == ('decoder', 'reward') and c.decoder.image_offset == -0.5 and c.device == 'cuda:1'
    assert parse_args(['--configs=a1,debug'])[0] == load_config(['a1', 'debug'])
    assert parse_args(['--configs', 'a1', '--', '--x'])[1] == ['--x']


@pytest.mark.parametrize('text,value', [
    ('true', True), ('False', False), ('TRUE', True), ('1', True), ('0', False), ('yes', True), ('No', False)])
def test_bool_values(text, value):
    assert parse_args(['--run.lockstep', text])[0].run.lockstep is value


@pytest.mark.parametrize('key,value,kind', [
    ('batch_size', 'abc', 'int'), ('batch_size', '1.5', 'int'), ('batch_size', 'True', 'int'),
    ('batch_size', '', 'int'), ('discount', 'abc', 'float'), ('discount', 'true', 'float'),
    ('run.lockstep', 'maybe', 'bool'), ('run.lockstep', '2', 'bool'), ('run.lockstep', 'on', 'bool'),
    ('encoder.cnn_kernels', '4,x,4', 'list of int'), ('encoder.cnn_kernels', '[4, 4.5]', 'list of int'),
    ('encoder.cnn_kernels', '[4, 4', 'list of int'), ('env.size', '{a: 1}', 'list of int')])
def test_wrong_types(key, value, kind):
    msg = raises('expected', parse_args, [f'--{key}', value])
    assert msg == f'{key}: expected {kind}, got {value!r}'


def test_wrong_python_types_in_update():
    c = load_config()
    raises('batch_size: expected int, got True', c.update, batch_size=True)
    raises('run.lockstep: expected bool, got 1.0', c.update, {'run.lockstep': 1.0})
    raises('task: expected str, got', c.update, task=['a'])
    raises('discount: expected float, got', c.update, discount=None)
    assert c.update(discount=1).discount == 1.0 and isinstance(c.update(discount=1).discount, float)
    assert c.update(batch_size=16.0).batch_size == 16


def test_unknown_keys_and_suggestions():
    msg = raises("unknown config key 'rssm.detr'", parse_args, ['--rssm.detr', '512'])
    assert 'did you mean rssm.deter?' in msg
    msg = raises("unknown config key 'deter'", parse_args, ['--deter', '512'])
    assert 'rssm.deter' in msg
    assert 'batch_size' in raises('unknown', parse_args, ['--batchsize=3'])
    msg = raises("unknown config key 'rssm.xyzzy'", parse_args, ['--rssm.xyzzy', '1'])
    assert 'deter' in msg  # no close match: lists the group's keys
    raises("unknown config key 'rssm.detr'", load_config, overrides={'rssm': {'detr': 1}})
    raises("unknown config key 'help'", parse_args, ['--help', 'x'])
    raises('missing value', parse_args, ['--rssm.deter'])
    raises('missing value', parse_args, ['--rssm.deter', '--batch_size', '3'])
    raises('rssm: is a group of keys', parse_args, ['--rssm', '512'])
    raises('configs: expected one or more', parse_args, ['--configs', '--rssm.deter', '5'])


def test_block_values_are_validated(tmp_path):
    path = tmp_path / 'configs.yaml'
    path.write_text(yaml.safe_dump({
        'defaults': {'rssm': {'deter': 8, 'units': 8}, 'loss_scales': {'kl': 1.0}, 'lr': 1.0},
        'bad': {'rssm': {'deter': 'foo'}}, 'typo': {'rssm': {'detr': 4}}, 'group': {'rssm': 3},
        'ok': {'rssm': {'deter': 16}, 'loss_scales': {'depth': 2}, 'lr': '1e-3'}}))
    assert raises("config block 'bad'", load_config, ['bad'], path=path) == \
        "config block 'bad': rssm.deter: expected int, got 'foo'"
    message = raises("config block 'typo': unknown config key 'rssm.detr'", load_config, ['typo'], path=path)
    assert 'rssm.deter' in message
    raises("config block 'group': rssm: is a group", load_config, ['group'], path=path)
    c = load_config(['ok'], path=path)
    assert c.to_dict() == {'rssm': {'deter': 16, 'units': 8}, 'loss_scales': {'kl': 1.0, 'depth': 2.0}, 'lr': 1e-3}


def test_open_mapping_loss_scales():
    c, _ = parse_args(['--loss_scales.depth', '2', '--loss_scales.kl=0.5'])
    assert c.loss_scales.depth == 2.0 and isinstance(c.loss_scales.depth, float) and c.loss_scales.kl == 0.5
    assert c.loss_scales.image == 1.0 and c.flat['loss_scales.depth'] == 2.0
    c, _ = parse_args(['--loss_scales', '{joint: 3, kl: 2}'])
    assert (c.loss_scales.joint, c.loss_scales.kl, c.loss_scales.reward) == (3.0, 2.0, 1.0)
    assert load_config(overrides={'loss_scales': {'gripper': 4}}).loss_scales.gripper == 4.0
    raises('loss_scales.depth: expected float', parse_args, ['--loss_scales.depth', 'big'])
    raises('loss_scales: is a group', parse_args, ['--loss_scales', '3'])
    raises("unknown config key 'loss_scales.a.b'", parse_args, ['--loss_scales.a.b', '1'])
    raises("unknown config key 'rssm.new'", parse_args, ['--rssm.new', '1'])  # closed group


def test_access_and_immutability():
    c = load_config(['a1'])
    assert c.rssm.deter == c['rssm']['deter'] == c['rssm.deter'] == c.flat['rssm.deter'] == 256
    assert 'rssm.deter' in c and 'rssm.detr' not in c and c.get('nope', 3) == 3
    assert isinstance(c.rssm, Config) and dict(c.rssm)['deter'] == 256
    with pytest.raises(AttributeError, match="'rssm.detr'.*rssm.deter"):
        c.rssm.detr
    with pytest.raises(AttributeError, match="no key 'nope'"):
        c.nope
    assert getattr(c, 'nope', None) is None and not hasattr(c.rssm, 'detr')
    with pytest.raises(KeyError):
        c['nope']
    with pytest.raises(AttributeError):
        c.batch_size = 3
    with pytest.raises(AttributeError):
        c.rssm.deter = 3
    with pytest.raises(TypeError):
        c['batch_size'] = 3
    assert isinstance(c.encoder.cnn_kernels, tuple)
    flat = c.flat
    flat['rssm.deter'] = 1
    assert c.rssm.deter == 256


def test_update_returns_new_config():
    c = load_config(['a1'])
    before = c.to_dict()
    d = c.update({'rssm.deter': '512', 'env': {'repeat': 10}}, batch_size=8, actor={'minstd': 0.2})
    assert (d.rssm.deter, d.env.repeat, d.batch_size, d.actor.minstd) == (512, 10, 8, 0.2)
    assert d.rssm.units == 256 and d.env.resets is False  # groups are merged, not replaced
    assert c.to_dict() == before and c.rssm.deter == 256 and d is not c and d != c
    assert c.update() == c and c.update(None) == c


def test_save_load_round_trip(tmp_path):
    c, _ = parse_args(['--configs', 'a1', '--loss_scales.depth', '2', '--task', '1e5', '--grad_heads', '[]',
                       '--encoder.mlp_keys', 'yes'])
    path = tmp_path / 'sub' / 'config.yaml'
    c.save(path)
    d = Config.load(path)
    assert d == c and d.flat == c.flat and d.task == '1e5' and d.encoder.mlp_keys == 'yes'
    assert [type(v) for v in d.flat.values()] == [type(v) for v in c.flat.values()]
    assert list(tmp_path.joinpath('sub').iterdir()) == [path]  # no temporary file left behind
    c.update(batch_size=4).save(path)  # overwrite
    assert Config.load(path).batch_size == 4
    # A loaded config is a base for blocks and overrides, e.g. when resuming.
    e, _ = parse_args(['--configs', 'debug', '--run.steps', '100'], base=d)
    assert e.rssm.deter == 64 and e.env.repeat == 50 and e.run.steps == 100 and e.loss_scales.depth == 2.0

    # A config saved before a key existed resumes with that key's default; a key since removed is an error.
    tree = c.to_dict()
    del tree['retnorm'], tree['imag_action_clip']
    path.write_text(yaml.safe_dump(tree))
    old, _ = parse_args([], base=Config.load(path))
    assert old.retnorm == load_config([]).retnorm and old.imag_action_clip is False and old.env.repeat == 50
    tree['no_such_key'] = 1
    path.write_text(yaml.safe_dump(tree))
    with pytest.raises(ConfigError, match='no_such_key'):
        parse_args([], base=Config.load(path))


def test_copy_and_pretty():
    c = load_config(['a1'])
    assert copy.deepcopy(c) == c
    text = c.pretty()
    assert 'rssm:' in text and 'deter=256' in text and 'cnn_kernels=4,4,4,4' in text
    assert max(len(line) for line in text.splitlines()) <= 100 and str(c) == text
    assert repr(c.rssm).startswith('Config({') and "'deter': 256" in repr(c.rssm)

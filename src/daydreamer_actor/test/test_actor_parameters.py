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

"""The actor declares the contract's parameters with their types and defaults, and refuses a bad mode."""

from daydreamer.config import ConfigError
from daydreamer_actor.actor_node import ActorNode
import pytest
from rclpy.parameter import Parameter

TINY = '--rssm.deter 16 --rssm.units 16 --rssm.stoch 4 --rssm.classes 4 --threads 1'


def actor(tmp_path, **values):
    values = {'configs': ['a1', 'debug'], 'overrides': TINY, 'task': 'a1_dummy', 'spool_dir': str(tmp_path), **values}
    return ActorNode(parameter_overrides=[Parameter(k, value=v) for k, v in values.items()])


def test_contract_parameters(ros, tmp_path):
    node = actor(tmp_path)
    try:
        expected = {'configs': (Parameter.Type.STRING_ARRAY, None), 'overrides': (Parameter.Type.STRING, None),
                    'task': (Parameter.Type.STRING, None), 'device': (Parameter.Type.STRING, 'cpu'),
                    'mode': (Parameter.Type.STRING, 'explore'), 'spool_dir': (Parameter.Type.STRING, None),
                    'spool_capacity': (Parameter.Type.INTEGER, 100000),
                    'experience_batch': (Parameter.Type.INTEGER, 16), 'stale_timeout': (Parameter.Type.DOUBLE, 1.0)}
        for name, (kind, default) in expected.items():
            parameter = node.get_parameter(name)
            assert parameter.type_ == kind, name
            assert default is None or parameter.value == default, name
        assert node.get_name() == 'actor' and node.core.mode == 'explore'
    finally:
        node.close()
        node.destroy_node()


def test_bad_mode_is_refused(ros, tmp_path):
    with pytest.raises(ConfigError, match="mode: 'fast' is not one of explore, eval, hold"):
        actor(tmp_path, mode='fast')

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

"""The learner declares the contract's parameters with their types and defaults, and applies train_ratio."""

from daydreamer_learner.learner_node import LearnerNode
from rclpy.parameter import Parameter

TINY = '--rssm.deter 16 --rssm.units 16 --rssm.stoch 4 --rssm.classes 4 --threads 1'


def test_contract_parameters(ros, tmp_path):
    values = {'configs': ['a1', 'debug'], 'overrides': TINY, 'task': 'a1_dummy', 'logdir': str(tmp_path),
              'device': 'cpu', 'train_ratio': 8.0}
    node = LearnerNode(parameter_overrides=[Parameter(k, value=v) for k, v in values.items()])
    try:
        expected = {'configs': Parameter.Type.STRING_ARRAY, 'overrides': Parameter.Type.STRING,
                    'task': Parameter.Type.STRING, 'logdir': Parameter.Type.STRING, 'device': Parameter.Type.STRING,
                    'weights_period': Parameter.Type.DOUBLE, 'train_ratio': Parameter.Type.DOUBLE,
                    'imagination_period': Parameter.Type.DOUBLE, 'metrics_period': Parameter.Type.DOUBLE,
                    'bags': Parameter.Type.STRING_ARRAY}
        for name, kind in expected.items():
            assert node.get_parameter(name).type_ == kind, name
        assert node.get_parameter('weights_period').value == 10.0
        assert node.get_parameter('imagination_period').value == 30.0
        assert node.get_parameter('metrics_period').value == 5.0
        assert node.get_name() == 'learner' and node.core.config.run.train_ratio == 8
        assert (tmp_path / 'config.yaml').is_file()
    finally:
        node.close()
        node.destroy_node()

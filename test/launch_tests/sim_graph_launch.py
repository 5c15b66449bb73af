"""
launch_testing test of every robot's `<robot>_sim.launch.py`: sim, bridge, actor, learner, robot_state_publisher.

Run by launch_testing's own runner, which brings the launch file up and shuts it down:

    launch_test test/launch_tests/sim_graph_launch.py                                  # all four robots
    DAYDREAMER_TEST_ROBOTS=ur5 launch_test test/launch_tests/sim_graph_launch.py       # one

test_launch_graph.py runs it per robot (test_sim_launch_under_launch_testing). Not through launch_testing's pytest
plugin: Jazzy's cannot load under pytest 9 (pytest.ini). The checks are test_launch_graph.py's, run against the
graph launch_testing brought up, from a probe node of this process: exactly the five nodes, Steps at the control
rate with every Action echoing its Step, the actor's weights version rising with the published weights, the actor's
set_mode, the learner's set_learning and save_checkpoint, the bridge's reset_episode / hard_reset / pause /
resume, every experience row stored by the learner, the parameters seen by `ros2 param`. After shutdown: every
process exited with code 0, within seconds, and the learner wrote a checkpoint on the way out.
"""

import os
from pathlib import Path
import sys
import tempfile
import time
import unittest

from launch import LaunchDescription
from launch.actions import IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
import launch_testing
import launch_testing.actions
import launch_testing.asserts

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import test_launch_graph as graph  # noqa: E402, I100

ROBOTS = os.environ.get('DAYDREAMER_TEST_ROBOTS', ' '.join(graph.ROBOTS)).split()
RUNS = {}  # robot -> the SimRun (probe) of its launch
SHUTDOWN = {}  # robot -> time.time() when the active tests ended and launch_testing began the shutdown


@launch_testing.parametrize('robot', ROBOTS)
@launch_testing.ready_to_test_action_timeout(60)
def generate_test_description(robot):
    run_dir = Path(tempfile.mkdtemp(prefix=f'{robot}_sim_', dir=os.environ.get('DAYDREAMER_TEST_TMP')))
    sim = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(graph.share('launch', f'{robot}_sim.launch.py'))),
        launch_arguments=graph.sim_launch_arguments(robot, run_dir).items())
    return LaunchDescription([sim, launch_testing.actions.ReadyToTest()]), {'run_dir': run_dir}


def sim_run(robot, run_dir):
    if robot not in RUNS:
        RUNS[robot] = graph.SimRun(robot, run_dir, launched_elsewhere=True)
    return RUNS[robot].wait_ready()


class TestSimGraph(unittest.TestCase):
    """test_launch_graph.SIM_CHECKS while the launch runs, in their order (test_<number>_<check>)."""


def active_test(check, last):
    def test(self, robot, run_dir):
        try:
            check(sim_run(robot, run_dir))
        finally:
            if last:  # launch_testing shuts the launch down next
                if robot in RUNS:
                    RUNS.pop(robot).close()
                SHUTDOWN[robot] = time.time()
    return test


for number, check in enumerate(graph.SIM_CHECKS, 1):
    setattr(TestSimGraph, f'test_{number}_{check.__name__}', active_test(check, number == len(graph.SIM_CHECKS)))


@launch_testing.post_shutdown_test()
class TestShutdown(unittest.TestCase):

    def test_every_process_exited_with_code_0_within_seconds(self, proc_info, robot):
        launch_testing.asserts.assertExitCodes(proc_info)
        names = {Path(name).name.split('-')[0] for name in proc_info.process_names()}
        assert {'sim', 'robot_state_publisher', graph.BRIDGES[robot], 'actor', 'learner'} <= names, names
        assert robot in SHUTDOWN, 'the active tests did not all run'
        assert time.time() - SHUTDOWN[robot] < 15.0, 'the processes took longer than 15 s to stop'

    def test_no_process_logged_a_traceback(self, proc_output):
        for output in proc_output:
            assert 'Traceback' not in output.text.decode(errors='replace'), output.text.decode(errors='replace')

    def test_the_learner_checkpointed_on_the_way_out(self, robot, run_dir):
        checkpoints = run_dir / 'logdir' / 'checkpoints'
        written = [p for p in checkpoints.iterdir() if not p.name.startswith('.')
                   and p.stat().st_mtime >= SHUTDOWN.get(robot, float('inf')) - 0.5]
        assert written, f'no checkpoint in {checkpoints} written after the shutdown began'

"""
The launch files for real, each node a process of its own on real ROS 2.

`ros2 launch daydreamer_bringup <robot>_sim.launch.py` for every robot, and the two-machine split (actor.launch.py
and learner.launch.py started separately), observed and driven from a probe node in the test process.

How the launches run: each robot's launch twice. (1) Under launch_testing: test_sim_launch_under_launch_testing
runs launch_testing's own runner, `launch_test test/launch_tests/sim_graph_launch.py`, which brings the launch up,
runs SIM_CHECKS (below) against it from a probe node, shuts it down and checks every exit code. Not through the
launch_testing / launch_pytest pytest plugins: Jazzy's launch_testing plugin declares hooks pytest 9 rejects
(pytest.ini disables it), and collecting any `@pytest.mark.launch` test of launch_pytest 3.4 fails (it reads the
fixture's `_pytestfixturefunction`, which pytest >= 8.4 no longer has). (2) As a user runs it: TestSimLaunch starts
`ros2 launch` with subprocess in a session (so a process group) of its own and stops it with SIGINT to that group,
as Ctrl-C in a terminal does, for what launch_testing's own shutdown cannot show. Without a terminal `ros2 launch`
is non-interactive and forwards the SIGINT to its processes itself, so they get it twice (as from a script); the
A1 and xArm launches get a pseudo-terminal as stdin, so they run interactive and their processes get the one
SIGINT of the group, as in a terminal.

Every launch gets a tmp logdir, spool (actor_params_file) and learner parameter file (learner_params_file:
weights every 2 s, metrics every 1 s) and TINY training sizes, so that the learner trains within seconds. SIM_CHECKS
(under launch_testing), per robot:
- graph: exactly sim, robot_state_publisher, the robot's bridge, actor and learner in /<robot>;
- Steps flow at the control rate of the bridge's config, which is the core's robot definition (A1 20 Hz, Sphero
  2 Hz; median period within 15 %, mean rate at least 70 %); the arms' moves block, so they have no rate (their
  control_rate is nominal; a Step goes out when the moves have settled, tens of ms to seconds apart): they must
  keep coming, with the actor's deadline, watchdog_timeout, as Step.control_period;
- every Action echoes its Step (step and episode) and nearly every Step is answered;
- the actor starts on random weights (version 0) and its weights version rises with the versions the learner
  publishes on policy_weights (strictly increasing);
- services: actor ~/set_mode (the Actions' mode follows), learner ~/set_learning (diagnostics say paused and
  updates stop) and ~/save_checkpoint (the file exists), the bridge's reset_episode (is_last, then is_first of
  the episode it returned), hard_reset (is_first of its episode, no is_last), pause (is_last, then no Steps) and
  resume (is_first, Steps again);
- while paused, once the diagnostics settle, the learner has stored every row the actor stored: learner rows ==
  actor rows_acknowledged, nothing unacknowledged or lost, only the unfinished batch (< experience_batch rows)
  not sent, no missing or bad batches;
- `ros2 param list` / `ros2 param get` (--no-daemon) see the launch's parameters on the actor, learner and bridge;
- after launch_testing's shutdown: every process exited with code 0 within 15 s, none logged a traceback, and the
  learner wrote a checkpoint on the way out.
TestSimLaunch, per robot under `ros2 launch`: acting does not stall while the first weights load; the README's
`ros2 service call` lines answer as written; Ctrl-C stops every process within seconds (`ros2 launch` exits 0,
launch reports every process as finished cleanly, none is left running, the learner checkpointed on the way out).
Split (A1): the sim node (`ros2 run`, the robot's driver) and actor.launch.py first: the actor acts on random
weights, keeping its experience; learner.launch.py started late stores that backlog and publishes weights, which
the actor takes; the learner node is then SIGKILLed (its launch ends) and learner.launch.py started again on
the same logdir: it resumes, and the actor, which kept acting throughout, takes its new weights.
"""

from collections import namedtuple
import os
from pathlib import Path
import pty
import re
import signal
import subprocess
import threading
import time

import pytest
import yaml

ROBOTS = ('a1', 'ur5', 'xarm', 'sphero')
TERMINAL = ('a1', 'xarm')  # launched with a pseudo-terminal as stdin (interactive), the others without
BRIDGES = {'a1': 'a1_bridge', 'ur5': 'arm_bridge', 'xarm': 'arm_bridge', 'sphero': 'sphero_bridge'}
ARMS = ('ur5', 'xarm')
# Tiny training sizes: the learner's first update comes after 8 rows, then one per 4 rows.
TINY = '--threads 1 --batch_size 4 --replay_chunk 8 --run.train_fill 8 --run.train_ratio 8'
EXPERIENCE_BATCH = 4
CLI_TIMEOUT = 60.0
# Seconds to wait for the slow things (startup, a weights version, an arm move); the rest waits for events.
START_TIMEOUT = 150.0
MODE_EXPLORE, MODE_EVAL, MODE_HOLD = 0, 1, 2

StepSeen = namedtuple('StepSeen', 'step episode is_first is_last stamp control_period t')
ActionSeen = namedtuple('ActionSeen', 'step episode mode weights_version stamp t')
DiagSeen = namedtuple('DiagSeen', 'values level message t')
WeightsSeen = namedtuple('WeightsSeen', 'version t')


def share(*names):
    from ament_index_python.packages import get_package_share_directory
    return Path(get_package_share_directory('daydreamer_bringup'), *names)


def ros_parameters(path):
    return yaml.safe_load(Path(path).read_text())['/**']['ros__parameters']


def control_rate(robot):
    """Hz: the bridge's control_rate, the robot definition's unless its config file overrides it."""
    from daydreamer import robots
    configured = ros_parameters(share('config', BRIDGES[robot] + '.yaml'))
    return configured.get('control_rate', robots.get(robot).control_rate)


def write_parameter_files(directory):
    """
    Write actor.yaml and learner.yaml for the launch arguments actor_params_file and learner_params_file.

    The installed files, the actor's with a tmp spool and small batches, the learner's with frequent weights and
    metrics.
    """
    actor = dict(ros_parameters(share('config', 'actor.yaml')), spool_dir=str(directory / 'spool'),
                 experience_batch=EXPERIENCE_BATCH)
    learner = dict(ros_parameters(share('config', 'learner.yaml')), weights_period=2.0, metrics_period=1.0)
    paths = directory / 'actor.yaml', directory / 'learner.yaml'
    for path, params in zip(paths, (actor, learner)):
        path.write_text(yaml.safe_dump({'/**': {'ros__parameters': params}}))
    return paths


# ------------------------------------------------------------------------------------------------ processes


class Launch:
    """
    `ros2 launch daydreamer_bringup ...` (or any ROS command) in a process group of its own.

    Its output goes to a file. `terminal`: a pseudo-terminal as stdin, so `ros2 launch` is interactive as in a
    shell.
    """

    def __init__(self, args, log_path, terminal=False, command=('ros2', 'launch', 'daydreamer_bringup')):
        self.args, self.log_path = list(args), Path(log_path)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, 'wb')
        stdin, self._tty = subprocess.DEVNULL, None
        if terminal:
            self._tty, stdin = pty.openpty()
        # SIGINT as in a terminal, even where this test runs with it ignored (a shell's background job)
        self.proc = subprocess.Popen([*command, *self.args], stdin=stdin, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        if terminal:
            os.close(stdin)
        self.interrupted = None

    def text(self):
        return self.log_path.read_text(errors='replace')

    def running(self):
        return self.proc.poll() is None

    def children(self):
        import psutil
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def child(self, executable):
        """Return the child process running `executable` (e.g. 'lib/daydreamer_learner/learner')."""
        found = [p for p in self.children() if any(executable in part for part in _cmdline(p)[:2])]
        assert len(found) == 1, f'{executable}: {[_cmdline(p) for p in self.children()]}'
        return found[0]

    def interrupt(self, timeout=30.0):
        """Ctrl-C: SIGINT to the process group; returns (exit code, seconds until `ros2 launch` exited)."""
        self.interrupted = time.time()
        start = time.monotonic()
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            code = None
        return code, time.monotonic() - start

    def exits(self):
        """
        Return {process name: exit code} of every process launch started.

        0 is 'finished cleanly'; None while the process has not ended.
        """
        text = self.text()
        started = dict(re.findall(r'\[INFO\] \[([\w.-]+)\]: process started with pid \[(\d+)\]', text))
        ended = dict.fromkeys(re.findall(r'process has finished cleanly \[pid (\d+)\]', text), 0)
        ended.update(re.findall(r'process has died \[pid (\d+), exit code (-?\d+)', text))
        return {name: None if pid not in ended else int(ended[pid]) for name, pid in started.items()}

    def close(self):
        """Stop whatever still runs: SIGINT to the group, then SIGKILL to it and to any leftover child."""
        import psutil
        children = self.children()
        if self.running():
            try:
                os.killpg(self.proc.pid, signal.SIGINT)
                self.proc.wait(20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        for p in children:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait(10)
        if self._tty is not None:
            os.close(self._tty)
            self._tty = None
        self._log.close()


def _cmdline(process):
    import psutil
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def ros2_cli(*commands, timeout=CLI_TIMEOUT):
    """Run `ros2 ...` commands side by side; return their stdout (each must exit 0)."""
    procs = [subprocess.Popen(['ros2', *c], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True) for c in commands]
    out = []
    for command, proc in zip(commands, procs):
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            pytest.fail(f"ros2 {' '.join(command)} took longer than {timeout} s: {stdout}{stderr}")
        assert proc.returncode == 0, f"ros2 {' '.join(command)} -> {proc.returncode}: {stdout}{stderr}"
        out.append(stdout)
    return out


# ------------------------------------------------------------------------------------------------ probe


class Probe:
    """
    A node of its own context in the test process, so that it spans tests (beside the `ros` fixture's).

    It records the namespace's step, action, diagnostics and policy_weights with their arrival times, and calls
    services. `wait(predicate, timeout, what)` wakes on every message. For driver-level tests: `record` keeps any
    topic's messages, `publish_every` plays a sensor (a camera), `play_actor` answers Steps from a script.
    """

    def __init__(self, namespace, alive=lambda: True, name='launch_graph_probe'):
        import rclpy
        from daydreamer_interfaces.msg import Action, PolicyWeights, Step
        from diagnostic_msgs.msg import DiagnosticArray
        from rclpy.context import Context
        from rclpy.executors import SingleThreadedExecutor
        from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
        self.namespace, self.alive = namespace, alive
        self.context = Context()
        rclpy.init(args=[], context=self.context)
        self.node = rclpy.create_node(name, context=self.context)
        self.cond = threading.Condition()
        self.steps, self.actions, self.weights = [], [], []
        self.diagnostics = {'actor': [], 'learner': [], 'bridge': []}
        deep = QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE)
        latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.node.create_subscription(Step, f'{namespace}/step', self._on_step, deep)
        self.node.create_subscription(Action, f'{namespace}/action', self._on_action, deep)
        self.node.create_subscription(DiagnosticArray, f'{namespace}/diagnostics', self._on_diagnostics, deep)
        self.node.create_subscription(PolicyWeights, f'{namespace}/policy_weights', self._on_weights, latched)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self._thread = threading.Thread(target=self._spin, name='probe', daemon=True)
        self._thread.start()

    def _spin(self):
        try:
            self.executor.spin()
        except Exception:  # ExternalShutdownException (or the context going away) ends it
            pass

    def _record(self, records, item):
        with self.cond:
            records.append(item)
            self.cond.notify_all()

    @staticmethod
    def _stamp(header):
        return header.stamp.sec + header.stamp.nanosec * 1e-9

    def _on_step(self, msg):
        self._record(self.steps, StepSeen(msg.step, msg.episode, msg.is_first, msg.is_last, self._stamp(msg.header),
                                          msg.control_period, time.monotonic()))

    def _on_action(self, msg):
        self._record(self.actions, ActionSeen(msg.step, msg.episode, msg.mode, msg.weights_version,
                                              self._stamp(msg.header), time.monotonic()))

    def _on_diagnostics(self, msg):
        for status in msg.status:
            role = 'actor' if status.name.endswith(': actor') else 'learner' if status.name.endswith(': learner') \
                else 'bridge' if status.name.endswith(' bridge') else None
            if role:
                level = status.level[0] if isinstance(status.level, bytes) else int(status.level)
                self._record(self.diagnostics[role], DiagSeen({kv.key: kv.value for kv in status.values}, level,
                                                              status.message, time.monotonic()))

    def _on_weights(self, msg):
        self._record(self.weights, WeightsSeen(msg.version, time.monotonic()))

    def record(self, kind, topic, qos_profile, keep=None):
        """
        Return a list that gets (arrival time, message) of each message on `topic` (read it under `cond`).

        With `keep`, it gets keep(message) instead, unless that is None (then nothing is kept and no waiter wakes).
        """
        seen = []

        def on_message(msg):
            item = (time.monotonic(), msg) if keep is None else keep(msg)
            if item is not None:
                self._record(seen, item)
        self.node.create_subscription(kind, topic, on_message, qos_profile)
        return seen

    def publish_every(self, period, kind, topic, message, qos_profile):
        """Publish `message` on `topic` every `period` seconds, as a sensor's driver would."""
        publisher = self.node.create_publisher(kind, topic, qos_profile)
        self.node.create_timer(period, lambda: publisher.publish(message))

    def play_actor(self, policy):
        """
        Answer each Step of the namespace with `policy(step message)` (None: HOLD), as the actor would.

        For tests of a bridge against a driver where the action must be known; the actor node itself runs in the
        tests of the launches.
        """
        from daydreamer_interfaces.msg import Action, Step
        from daydreamer_ros import convert, qos
        publisher = self.node.create_publisher(Action, f'{self.namespace}/action', qos.ACTION)

        def answer(msg):
            with self.cond:
                action = policy(msg)
            mode = Action.MODE_HOLD if action is None else Action.MODE_EXPLORE
            publisher.publish(convert.action_to_msg(action, episode=msg.episode, step=msg.step, mode=mode))
        self.node.create_subscription(Step, f'{self.namespace}/step', answer, qos.STEP)

    def wait(self, predicate, timeout, what):
        """
        Return predicate()'s first true value, evaluated again on every message.

        Fails after `timeout` seconds or when the processes under test are gone.
        """
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                assert left > 0, f'timed out after {timeout:.0f} s waiting for {what}'
                assert self.alive(), f'the launch ended while waiting for {what}'
                self.cond.wait(min(left, 1.0))

    def since(self, records, t):
        with self.cond:
            return [r for r in records if r.t >= t]

    def latest(self, role, after=-1.0):
        with self.cond:
            seen = [d for d in self.diagnostics[role] if d.t >= after]
            return seen[-1] if seen else None

    def nodes(self):
        return {name for name, namespace in self.node.get_node_names_and_namespaces() if namespace == self.namespace}

    def call(self, srv_type, name, request, timeout=30.0):
        client = self.node.create_client(srv_type, name)
        try:
            assert client.wait_for_service(timeout_sec=timeout), f'service {name} is not available'
            future = client.call_async(request)
            done = threading.Event()
            future.add_done_callback(lambda _: done.set())
            assert done.wait(timeout), f'no response from {name} within {timeout} s'
            return future.result()
        finally:
            self.node.destroy_client(client)

    def close(self):
        import rclpy
        self.executor.shutdown(timeout_sec=5.0)
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)
        self._thread.join(5.0)


def steps_after(probe, t):
    return probe.since(probe.steps, t)


def check_actions_echo_steps(probe, steps, min_answered=0.9):
    """
    Check that every Action echoes a Step and that nearly every one of `steps` is answered.

    An Action echoes a Step the bridge sent: its index and episode, computed after its stamp. The last Step's
    Action may still be in flight.
    """
    by_step = {s.step: s for s in probe.steps}
    mine = [a for a in probe.actions if steps[0].step <= a.step <= steps[-1].step]
    assert mine, 'no action answered the steps seen'
    unknown = [a.step for a in mine if a.step not in by_step]
    assert len(unknown) <= 0.02 * len(mine), f'actions for steps the probe never saw: {unknown}'
    for a in mine:
        s = by_step.get(a.step)
        if s is not None:
            assert a.episode == s.episode, f'action for step {a.step} says episode {a.episode}, the step {s.episode}'
            assert a.stamp >= s.stamp - 1e-3, f'action for step {a.step} stamped before its step'
    answered = {a.step for a in mine}
    asked = [s.step for s in steps[:-1]]
    missed = [s for s in asked if s not in answered]
    assert len(missed) <= (1 - min_answered) * len(asked), f'{len(missed)} of {len(asked)} steps unanswered: {missed}'


def first_load(probe):
    """
    Return the arrival times (start, end) of the first weights publication and the first Action computed with it.

    The actor stalls in between (test_loading_the_first_weights_does_not_stall_acting).
    """
    swapped = next(a for a in probe.actions if a.weights_version > 0)
    return probe.weights[0].t - 0.1, swapped.t


# ------------------------------------------------------------------------------------------------ sim launches


def sim_launch_arguments(robot, tmp):
    """Return the arguments of `<robot>_sim.launch.py` under test: a tmp logdir, TINY training, parameter files."""
    actor_params, learner_params = write_parameter_files(tmp)
    return {'configs': f'{robot} debug', 'logdir': str(tmp / 'logdir'), 'learner_device': 'cpu', 'overrides': TINY,
            'actor_params_file': str(actor_params), 'learner_params_file': str(learner_params)}


class LaunchedElsewhere:
    """Stands in for Launch when the test runner runs the launch (launch_testing): it runs while the tests do."""

    def running(self):
        return True

    def text(self):
        return '(the launch output is in the launch_test log)'

    def close(self):
        pass


class SimRun:
    """One `<robot>_sim.launch.py` with a probe on its namespace."""

    def __init__(self, robot, tmp, launched_elsewhere=False):
        self.robot, self.namespace, self.bridge = robot, '/' + robot, BRIDGES[robot]
        self.tmp, self.logdir = tmp, tmp / 'logdir'
        self.probe = Probe(self.namespace, alive=lambda: self.launch.running())
        if launched_elsewhere:  # by launch_testing (test/launch_tests/sim_graph_launch.py)
            self.launch = LaunchedElsewhere()
        else:
            arguments = [f'{name}:={value}' for name, value in sim_launch_arguments(robot, tmp).items()]
            self.launch = Launch([f'{robot}_sim.launch.py', *arguments], tmp / 'launch.log',
                                 terminal=robot in TERMINAL)
        self.started = time.monotonic()
        self.ready, self.stuck = None, ''

    def srv(self, node, name):
        return f'{self.namespace}/{node}/{name}'

    def wait_ready(self):
        """Wait until the five nodes are up and the actor answers Steps."""
        if self.ready is None:
            probe, expected = self.probe, {'sim', 'robot_state_publisher', self.bridge, 'actor', 'learner'}
            try:
                probe.wait(lambda: probe.latest('actor') and probe.latest('learner'), START_TIMEOUT,
                           'the actor and learner diagnostics')
                if self.robot in ARMS:
                    self.stuck = self._unstick_arm()
                probe.wait(lambda: probe.actions, 60.0, 'the first action')
                probe.wait(lambda: probe.nodes() >= expected, 30.0, f'the nodes {sorted(expected)}')
            except AssertionError as e:
                raise AssertionError(f'{e}\n--- launch output:\n{self.launch.text()[-6000:]}') from None
            self.ready = time.monotonic()
        return self

    def _unstick_arm(self):
        """
        Get an arm going whose first Step was never answered; return the bridge's report or ''.

        The arm bridge sends a Step when its moves have settled and then waits for its Action; it sends the Step
        again when a subscriber (the actor) matches later. Should that fail, it would wait forever (reporting 'no
        action for 10 s'): a ResetEpisode makes it send the Step that ends the episode, so that the other tests
        can go on, and test_the_arm_answers_its_first_step_whenever_the_actor_comes_up fails.
        """
        from daydreamer_interfaces.srv import ResetEpisode
        probe, up = self.probe, time.monotonic()
        report = probe.wait(lambda: probe.actions or [d.message for d in probe.since(probe.diagnostics['bridge'], up)
                                                      if 'no action for' in d.message],
                            START_TIMEOUT, 'the first action or the bridge waiting for it')
        if probe.actions:
            return ''
        response = probe.call(ResetEpisode, self.srv(self.bridge, 'reset_episode'),
                              ResetEpisode.Request(reason='no action for the first step'))
        assert response.success, response
        return report[0]

    def close(self):
        try:
            self.launch.close()
        finally:
            self.probe.close()


@pytest.fixture(scope='class', params=ROBOTS)
def sim(request, tmp_path_factory):
    run = SimRun(request.param, tmp_path_factory.mktemp(f'{request.param}_sim'))
    try:
        yield run.wait_ready()
    finally:
        run.close()


def step_timeout(sim):
    """Seconds within which the next Step comes: arms move for seconds; the Sphero's scripted reset takes ~9 s."""
    return 60.0 if sim.robot in ARMS else 20.0 if sim.robot == 'sphero' else 5.0


# ------------------------------------------------------------------------------------------------ checks
# What a running `<robot>_sim.launch.py` must do, asserted under launch_testing by
# test/launch_tests/sim_graph_launch.py (SIM_CHECKS, in this order: later checks rely on the state earlier ones
# leave, e.g. the pause check resumes).


def graph_has_exactly_the_launched_nodes(sim):
    assert sim.probe.nodes() == {'sim', 'robot_state_publisher', sim.bridge, 'actor', 'learner'}


def actor_weights_version_rises_with_the_published_weights(sim):
    probe = sim.probe
    assert probe.actions[0].weights_version == 0, 'the actor starts on random weights'
    published = probe.wait(lambda: len(probe.weights) >= 2 and probe.weights, START_TIMEOUT,
                           'two policy weights publications')
    versions = [w.version for w in published]
    assert versions == sorted(set(versions)) and versions[0] > 0, versions
    probe.wait(lambda: probe.actions[-1].weights_version >= versions[1], START_TIMEOUT,
               f'an action computed with weights v{versions[1]} or newer')
    acted = [a.weights_version for a in probe.actions]
    assert acted == sorted(acted), 'the weights version of the actions never goes back'
    assert set(acted) <= {0} | {w.version for w in probe.weights}


def steps_flow_at_the_control_rate_and_every_action_echoes_its_step(sim):
    rate, probe = control_rate(sim.robot), sim.probe
    t = time.monotonic()
    count = 5 if sim.robot in ARMS else int(4 * rate) if sim.robot == 'a1' else int(8 * rate)
    window = probe.wait(lambda: len(steps_after(probe, t)) >= count and steps_after(probe, t),
                        START_TIMEOUT if sim.robot in ARMS else 3.0 * count / rate, f'{count} steps')
    last = window[-1].step
    probe.wait(lambda: any(a.step >= last - 1 for a in probe.actions), step_timeout(sim), 'the latest action')
    steps = [s for s in window if s.step <= last]
    periods = sorted(b.stamp - a.stamp for a, b in zip(steps, steps[1:]) if b.step == a.step + 1)
    assert all(b.step > a.step for a, b in zip(steps, steps[1:])), 'step indexes strictly increase'
    if sim.robot in ARMS:
        # Moves block: a Step goes out when the moves have settled (no fixed rate: an action that moves nothing
        # is over in two ticks of the 50 Hz loop); the actor's deadline is watchdog_timeout.
        from daydreamer import robots
        configured = ros_parameters(share('config', 'arm_bridge.yaml'))
        deadline = configured.get('watchdog_timeout', robots.get(sim.robot).watchdog_timeout)
        assert all(s.control_period == deadline for s in steps)
    else:
        assert all(s.control_period == pytest.approx(1.0 / rate) for s in steps)
        median = periods[len(periods) // 2]
        mean_rate = (len(steps) - 1) / (steps[-1].stamp - steps[0].stamp)
        assert median == pytest.approx(1.0 / rate, rel=0.15), f'median period {median:.3f} s at {rate} Hz'
        assert 0.7 * rate <= mean_rate <= 1.1 * rate, f'{mean_rate:.1f} steps/s at {rate} Hz'
    check_actions_echo_steps(probe, steps)


def actor_set_mode_switches_the_actions_mode(sim):
    from daydreamer_interfaces.srv import SetActorMode
    probe = sim.probe
    for mode, previous in ((MODE_EVAL, MODE_EXPLORE), (MODE_HOLD, MODE_EVAL), (MODE_EXPLORE, MODE_HOLD)):
        t = time.monotonic()
        response = probe.call(SetActorMode, sim.srv('actor', 'set_mode'), SetActorMode.Request(mode=mode))
        assert response.success and response.previous_mode == previous, response
        probe.wait(lambda: any(a.mode == mode for a in probe.since(probe.actions, t)), step_timeout(sim),
                   f'an action in mode {mode}')
    response = probe.call(SetActorMode, sim.srv('actor', 'set_mode'), SetActorMode.Request(mode=7))
    assert not response.success and response.previous_mode == MODE_EXPLORE


def learner_set_learning_pauses_training_and_save_checkpoint_writes_one(sim):
    from daydreamer_interfaces.srv import SaveCheckpoint, SetLearning
    probe = sim.probe
    t = time.monotonic()
    response = probe.call(SetLearning, sim.srv('learner', 'set_learning'), SetLearning.Request(paused=True))
    assert response.success and not response.was_paused, response
    first = probe.wait(lambda: [d for d in probe.since(probe.diagnostics['learner'], t)
                                if d.values['paused'] == 'True'], 15.0, 'learner diagnostics saying paused')[0]
    # An update under way when the pause came may still finish; none starts after it.
    later = probe.wait(lambda: (r := [d for d in probe.diagnostics['learner'] if d.t > first.t]) and len(r) >= 2
                       and r, 15.0, 'two more learner reports')
    assert later[0].values['updates'] == later[1].values['updates'], 'training went on while paused'
    t = time.monotonic()
    response = probe.call(SetLearning, sim.srv('learner', 'set_learning'), SetLearning.Request(paused=False))
    assert response.success and response.was_paused, response
    probe.wait(lambda: [d for d in probe.diagnostics['learner'] if d.t > t and d.values['paused'] == 'False'],
               15.0, 'learner diagnostics saying learning')
    response = probe.call(SaveCheckpoint, sim.srv('learner', 'save_checkpoint'), SaveCheckpoint.Request())
    assert response.success, response.message
    path = Path(response.path)
    assert path.is_file() and sim.logdir in path.parents, response.path
    assert response.updates > 0


def reset_episode_and_hard_reset_start_new_episodes(sim):
    from daydreamer_interfaces.srv import ResetEpisode
    from std_srvs.srv import Trigger
    probe = sim.probe
    t = time.monotonic()
    reset = probe.call(ResetEpisode, sim.srv(sim.bridge, 'reset_episode'), ResetEpisode.Request(reason='test'))
    assert reset.success and 'test' in reset.message, reset
    # The episode ends with the next Step (is_last); a robot with a scripted reset runs it before the next one.
    probe.wait(lambda: [s for s in steps_after(probe, t) if s.is_last or s.episode >= reset.episode],
               step_timeout(sim), 'the step ending the episode')
    hard = probe.call(Trigger, sim.srv(sim.bridge, 'hard_reset'), Trigger.Request())
    assert hard.success, hard
    episode = int(re.search(r'episode (\d+)', hard.message).group(1))
    assert episode >= reset.episode

    def first_of(number):
        return [s for s in steps_after(probe, t) if s.episode >= number][:1]
    (first,) = probe.wait(lambda: first_of(episode), START_TIMEOUT, f'the first step of episode {episode}')
    (new,) = first_of(reset.episode)
    assert new.is_first and new.episode == reset.episode, new
    assert first.is_first and first.episode == episode, first
    before = {s.step: s for s in probe.steps}
    for step in (new, first):
        previous = before.get(step.step - 1)
        if previous is not None:  # is_last when the episode was ended; a hard reset cuts one short without
            assert previous.is_last == (previous.episode < reset.episode), (previous, step)


def pause_ends_the_stream_the_learner_stores_every_row_and_resume_restarts(sim):
    from std_srvs.srv import Trigger
    probe = sim.probe
    t = time.monotonic()
    response = probe.call(Trigger, sim.srv(sim.bridge, 'pause'), Trigger.Request())
    assert response.success, response
    last = probe.wait(lambda: [s for s in steps_after(probe, t) if s.is_last], step_timeout(sim),
                      'the step with is_last after pause')[0]
    settle = last.t + 1.5  # reports after this count every row of the last Step

    def settled():
        actor, learner = probe.latest('actor', settle), probe.latest('learner', settle)
        if actor is None or learner is None:
            return None
        a, v = actor.values, learner.values
        if a['rows_unacknowledged'] != '0' or a['rows_acknowledged'] != v['rows']:
            return None
        return a, v
    actor, learner = probe.wait(settled, 30.0, 'the learner acknowledging every complete batch')
    assert 0 <= int(actor['rows']) - int(actor['rows_acknowledged']) < EXPERIENCE_BATCH, (actor, learner)
    assert int(learner['rows']) > 0 and actor['rows_lost'] == '0', (actor, learner)
    assert learner['missing_batches'] == learner['bad_batches'] == '0', learner
    quiet = 3.0 / control_rate(sim.robot) + 1.0 if sim.robot not in ARMS else 3.0
    if time.monotonic() < last.t + quiet:
        time.sleep(last.t + quiet - time.monotonic())  # absence takes time to see
    assert not [s for s in probe.steps if s.step > last.step], 'steps went on while paused'
    probe.wait(lambda: [d for d in probe.since(probe.diagnostics['bridge'], last.t)
                        if d.values['paused'] == 'True'], 10.0, 'bridge diagnostics saying paused')
    t = time.monotonic()
    response = probe.call(Trigger, sim.srv(sim.bridge, 'resume'), Trigger.Request())
    assert response.success, response
    steps = probe.wait(lambda: len(steps_after(probe, t)) >= 3 and steps_after(probe, t), START_TIMEOUT,
                       'steps after resume')
    assert steps[0].is_first and steps[0].step == last.step + 1 and steps[0].episode == last.episode + 1
    again = probe.call(Trigger, sim.srv(sim.bridge, 'resume'), Trigger.Request())
    assert not again.success, 'resume when not paused'


def parameters_are_visible_with_the_ros2_cli(sim):
    ns = sim.namespace
    listed, rate, logdir, batch = ros2_cli(
        ['param', 'list', f'{ns}/actor', '--no-daemon'],
        ['param', 'get', f'{ns}/{sim.bridge}', 'control_rate', '--no-daemon'],
        ['param', 'get', f'{ns}/learner', 'logdir', '--no-daemon'],
        ['param', 'get', f'{ns}/actor', 'experience_batch', '--no-daemon'])
    names = set(listed.split())
    assert {'configs', 'overrides', 'task', 'device', 'mode', 'spool_dir', 'experience_batch', 'stale_timeout',
            'use_sim_time'} <= names, listed
    assert rate.strip() == f'Double value is: {control_rate(sim.robot)}', rate
    assert logdir.strip() == f'String value is: {sim.logdir}', logdir
    assert batch.strip() == f'Integer value is: {EXPERIENCE_BATCH}', batch


SIM_CHECKS = (
    graph_has_exactly_the_launched_nodes,
    actor_weights_version_rises_with_the_published_weights,
    steps_flow_at_the_control_rate_and_every_action_echoes_its_step,
    actor_set_mode_switches_the_actions_mode,
    learner_set_learning_pauses_training_and_save_checkpoint_writes_one,
    reset_episode_and_hard_reset_start_new_episodes,
    pause_ends_the_stream_the_learner_stores_every_row_and_resume_restarts,
    parameters_are_visible_with_the_ros2_cli,
)


class TestSimLaunch:
    """One `ros2 launch` per robot, as a user runs it; the tests run in this order, the last stops it with Ctrl-C."""

    def test_loading_the_first_weights_does_not_stall_acting(self, sim):
        """
        Acting never waits for a weights load.

        At most two Steps go unanswered from the first publication until the actor acts with it.
        """
        probe = sim.probe
        probe.wait(lambda: any(a.weights_version > 0 for a in probe.actions), START_TIMEOUT,
                   'an action computed with learned weights')
        start, end = first_load(probe)
        steps = [s.step for s in probe.steps if start <= s.t < end]
        answered = {a.step for a in probe.actions}
        missed = [s for s in steps if s not in answered]
        assert len(missed) <= 2, f'{len(missed)} of {len(steps)} steps unanswered while the first weights loaded'

    def test_the_arm_answers_its_first_step_whenever_the_actor_comes_up(self, sim):
        if sim.robot not in ARMS:
            pytest.skip('the A1 and the Sphero send Steps at their rate, answered or not')
        assert not sim.stuck, f'the bridge waited for an action the actor never got: {sim.stuck}'

    def test_the_readmes_service_calls_answer_as_written(self, sim):
        """Run the `ros2 service call` lines of the README's ROS 2 quick start (written for /a1) on this robot."""
        import shlex
        readme = (Path(__file__).resolve().parents[1] / 'README.md').read_text()
        block = readme.split('**Services**', 1)[1].split('```bash', 1)[1].split('```', 1)[0]
        calls = [shlex.split(line, comments=True) for line in block.splitlines() if line.startswith('ros2 service')]
        assert len(calls) == 7, block
        for call in calls:
            call[3] = call[3].replace('/a1/a1_bridge/', f'{sim.namespace}/{sim.bridge}/').replace(
                '/a1/', f'{sim.namespace}/')
            (out,) = ros2_cli(call[1:])
            assert 'success=True' in out, f"{' '.join(call)}:\n{out}"
            if call[3].endswith('/save_checkpoint'):
                path = re.search(r"path='([^']+)'", out).group(1)
                assert Path(path).exists() and Path(path).is_relative_to(sim.logdir), out

    def test_ctrl_c_stops_every_process_cleanly_and_the_learner_checkpoints(self, sim):
        import psutil
        children = sim.launch.children()
        assert len(children) == 5, [_cmdline(p) for p in children]
        code, seconds = sim.launch.interrupt(timeout=30.0)
        gone, alive = psutil.wait_procs(children, timeout=5.0)
        assert not alive, f'still running after Ctrl-C: {[_cmdline(p) for p in alive]}'
        log = sim.launch.text()
        assert code == 0, f'ros2 launch exited with {code}:\n{log[-4000:]}'
        assert seconds < 12.0, f'took {seconds:.1f} s to stop'
        exits = sim.launch.exits()
        assert len(exits) == 5 and all(c == 0 for c in exits.values()), f'{exits}\n{log[-4000:]}'
        written = [p for p in (sim.logdir / 'checkpoints').iterdir()
                   if not p.name.startswith('.') and p.stat().st_mtime >= sim.launch.interrupted - 0.5]
        assert written, 'the learner wrote no checkpoint on Ctrl-C'


@pytest.mark.parametrize('robot', ROBOTS)
def test_sim_launch_under_launch_testing(robot, tmp_path, monkeypatch):
    """launch_testing's runner brings up <robot>_sim.launch.py and runs test/launch_tests/sim_graph_launch.py."""
    import xml.etree.ElementTree as ET
    monkeypatch.setenv('DAYDREAMER_TEST_ROBOTS', robot)
    monkeypatch.setenv('DAYDREAMER_TEST_TMP', str(tmp_path))
    results = tmp_path / 'launch_test.xml'
    run = Launch([str(Path(__file__).parent / 'launch_tests' / 'sim_graph_launch.py'), '--junit-xml', str(results)],
                 tmp_path / 'launch_test.log', command=('launch_test',))
    try:
        code = run.proc.wait(timeout=600)
    except subprocess.TimeoutExpired:
        code = 'timeout (600 s)'
    finally:
        run.close()
    cases = list(ET.parse(results).getroot().iter('testcase')) if results.exists() else []
    failed = [c.get('name') for c in cases if c.find('failure') is not None or c.find('error') is not None]
    assert code == 0 and len(cases) == 11 and not failed, \
        f'launch_test: {code}, {len(cases)} tests, failed: {failed}\n{run.text()[-8000:]}'


# ------------------------------------------------------------------------------------------------ split


def test_split_actor_first_learner_late_killed_and_restarted(tmp_path):
    """
    The two-machine split: the learner starts late, is SIGKILLed and restarted on the same logdir.

    The actor acts throughout and takes the restarted learner's weights.
    """
    namespace = '/split'
    actor_params, learner_params = write_parameter_files(tmp_path)
    logdir = tmp_path / 'logdir'
    agent = [f'namespace:={namespace[1:]}', 'robot:=a1', 'configs:=a1 debug', f'overrides:={TINY}']
    learner_args = ['learner.launch.py', *agent, f'logdir:={logdir}', 'device:=cpu',
                    f'learner_params_file:={learner_params}']
    launches = []
    probe = Probe(namespace, alive=lambda: all(launch.running() for launch in launches[:2]))
    try:
        launches.append(Launch(['robot_bridges', 'sim', '--ros-args', '-r', f'__ns:={namespace}', '-p', 'robot:=a1'],
                               tmp_path / 'sim.log', command=('ros2', 'run')))
        launches.append(Launch(['actor.launch.py', *agent, 'driver:=sim', f'actor_params_file:={actor_params}'],
                               tmp_path / 'actor.log'))
        probe.wait(lambda: len(probe.actions) >= 40, START_TIMEOUT, 'the actor acting without a learner')
        assert {a.weights_version for a in probe.actions} == {0}, 'random weights until a learner publishes'
        waiting = probe.wait(lambda: (d := probe.latest('actor')) and int(d.values['rows_unacknowledged']) > 0 and d,
                             30.0, 'the actor keeping unacknowledged rows')
        assert waiting.values['learner_connected'] == 'False'

        launches.append(Launch(learner_args, tmp_path / 'learner.log'))
        backlog = int(waiting.values['rows_unacknowledged'])
        probe.wait(lambda: (d := probe.latest('learner')) and int(d.values['rows']) >= backlog, START_TIMEOUT,
                   f'the late learner storing the {backlog} rows the actor kept')
        probe.wait(lambda: probe.actions[-1].weights_version > 0, START_TIMEOUT, 'the actor acting on learned weights')

        from daydreamer_interfaces.srv import SaveCheckpoint
        saved = probe.call(SaveCheckpoint, f'{namespace}/learner/save_checkpoint', SaveCheckpoint.Request())
        assert saved.success and saved.updates > 0, saved
        learner = launches[2].child('lib/daydreamer_learner/learner')
        before = {w.version for w in probe.weights}
        learner.kill()
        killed = time.monotonic()
        assert launches[2].proc.wait(30.0) is not None  # its only process is gone: the launch ends
        assert launches[2].exits() == {'learner-1': -signal.SIGKILL}
        probe.wait(lambda: len(probe.since(probe.actions, killed)) >= 20, 30.0, 'actions without a learner')

        restarted = time.monotonic()
        launches.append(Launch(learner_args, tmp_path / 'learner2.log'))
        new = probe.wait(lambda: [w.version for w in probe.since(probe.weights, restarted) if w.version not in before],
                         START_TIMEOUT, 'weights from the restarted learner')
        probe.wait(lambda: probe.actions[-1].weights_version in new, 60.0, f'the actor acting on one of {new}')
        resumed = re.search(r'learner: resuming in \S+ on cpu: (\d+) updates', launches[3].text())
        assert resumed and int(resumed.group(1)) >= saved.updates, launches[3].text()[-3000:]

        # The actor answered Steps all along, from its first action: nearly all of them, and never left the robot
        # for long (but for the stall of the first weights load, a known bug asserted by the sim tests).
        start, end = first_load(probe)
        steps = [s for s in probe.steps if s.t > probe.actions[0].t and not start <= s.t <= end]
        check_actions_echo_steps(probe, steps)
        times = [a.t for a in probe.actions]
        gaps = [(b - a, a) for a, b in zip(times, times[1:]) if not (start <= b and a <= end)]
        assert max(gaps)[0] < 2.0, f'the actor stopped acting for {max(gaps)[0]:.1f} s'

        for launch in (launches[3], launches[1], launches[0]):
            code, _ = launch.interrupt(timeout=30.0)
            assert code == 0, launch.text()[-3000:]
        for launch in launches[1], launches[3]:
            assert all(c == 0 for c in launch.exits().values()), f'{launch.exits()}\n{launch.text()[-4000:]}'
    finally:
        for launch in reversed(launches):
            launch.close()
        probe.close()

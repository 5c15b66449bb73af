"""
Benchmarks of the ROS layer over real DDS, every node in a process of its own (a script, not a test).

In a sourced ROS 2 shell with the workspace built (colcon build && source install/setup.bash):

    python test/bench_ros.py latency --configs a1 --steps 1000 --rate 20 --json
    python test/bench_ros.py weights --configs ur5 --json
    python test/bench_ros.py throughput --configs a1 --seconds 20 --json

- latency: the actor node (`ros2 run daydreamer_actor actor`, full-size networks of the config with weights
  loaded, so the policy really runs) answers Steps this process publishes in real time at --rate Hz; latency is
  Step published -> Action received here; a miss is an Action later than the control period or never.
- weights: this process publishes PolicyWeights of the config's full-size networks (as the learner does) while
  Steps flow at 10 Hz; measured are publish -> the first Action computed with them (transport, integrity check,
  load and swap) for --repeats versions.
- throughput: this process streams experience rows of the config's robot to the learner node
  (`ros2 run daydreamer_learner learner`, training paused) with the actor's own acknowledged delivery
  (daydreamer.exchange.Outbox); rows/s is rows acknowledged (stored in replay) per second.
Prints one JSON object with --json, `key: value` lines otherwise.
"""

import argparse
import json
import os
import signal
import subprocess
import tempfile
import threading
import time

NAMESPACE = '/bench'


class Node:
    """One of our nodes as its own process (`ros2 run`), stopped with SIGINT like Ctrl-C."""

    def __init__(self, package, executable, **parameters):
        args = ['ros2', 'run', package, executable, '--ros-args', '-r', f'__ns:={NAMESPACE}']
        for name, value in parameters.items():
            args += ['-p', f'{name}:={json.dumps(value) if isinstance(value, list) else value}']
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f'bench: timed out after {timeout} s waiting for {what}')
        time.sleep(0.01)


def full_size_weights(configs, version):
    from daydreamer import exchange
    from daydreamer_ros import convert, params
    config = params.agent_config(list(configs)).update(device='cpu')
    core = exchange.ActorCore(config, *exchange.spaces(config, f'{configs[0]}_dummy'))
    data, digest = exchange.encode_weights(core._agent.policy_state())
    core.close()
    return convert.weights_to_msg(data, digest, version=version, config='')


class Bench:
    """This process's side: a node that publishes Steps and weights and listens to Actions."""

    def __init__(self, configs, rate):
        import rclpy
        from daydreamer.envs import make
        from daydreamer_interfaces.msg import Action, PolicyWeights, Step
        from daydreamer_ros import qos
        from diagnostic_msgs.msg import DiagnosticArray
        from rclpy.executors import SingleThreadedExecutor
        rclpy.init(args=[])
        self.robot, self.period = configs[0], 1.0 / rate
        self.node = rclpy.create_node('bench', namespace=NAMESPACE)
        self.step_pub = self.node.create_publisher(Step, 'step', qos.STEP)
        self.weights_pub = self.node.create_publisher(PolicyWeights, 'policy_weights', qos.WEIGHTS)
        self.node.create_subscription(Action, 'action', self._on_action, qos.ACTION)
        self.diagnostics = {}  # the actor's newest diagnostics values (numbers)
        self.node.create_subscription(DiagnosticArray, 'diagnostics', self._on_diagnostics, qos.DIAGNOSTICS)
        self.sent, self.received, self.versions, self.lock = {}, {}, {}, threading.Lock()
        env = make(f'{self.robot}_dummy', seed=0)
        self.observations = [env.step({'action': env.act_space['action'].sample(), 'reset': False})
                             for _ in range(20)]
        self.executor = SingleThreadedExecutor()  # the least overhead between an Action's arrival and its stamp
        self.executor.add_node(self.node)
        threading.Thread(target=self.executor.spin, daemon=True).start()
        self.index = 0

    def _on_diagnostics(self, msg):
        for status in msg.status:
            if status.name.endswith(': actor'):
                for pair in status.values:
                    try:
                        self.diagnostics[pair.key] = float(pair.value)
                    except ValueError:
                        pass

    def _on_action(self, msg):
        now = time.perf_counter()
        with self.lock:
            self.received.setdefault(msg.step, now)
            self.versions.setdefault(msg.step, msg.weights_version)

    def step(self):
        import numpy as np
        from daydreamer_ros import convert
        from std_msgs.msg import Header
        obs = dict(self.observations[self.index % len(self.observations)], is_first=np.bool_(self.index == 0))
        msg = convert.obs_to_step(obs, robot=self.robot, episode=0, step=self.index, control_period=self.period,
                                  header=Header(stamp=self.node.get_clock().now().to_msg()))
        with self.lock:
            self.sent[self.index] = time.perf_counter()
        self.step_pub.publish(msg)
        self.index += 1

    def run_steps(self, count, until=None):
        tick = time.perf_counter()
        for _ in range(count):
            self.step()
            if until is not None and until():
                return
            tick += self.period
            time.sleep(max(0.0, tick - time.perf_counter()))

    def close(self):
        import rclpy
        self.executor.shutdown(timeout_sec=2)
        self.node.destroy_node()
        rclpy.try_shutdown()


def latency(args, spool):
    import numpy as np
    actor = Node('daydreamer_actor', 'actor', configs=list(args.configs), task=f'{args.configs[0]}_dummy',
                 spool_dir=spool, device='cpu')
    bench = Bench(args.configs, args.rate)
    try:
        wait(lambda: bench.step_pub.get_subscription_count() > 0, 60, 'the actor node')
        bench.weights_pub.publish(full_size_weights(args.configs, 1))
        # Warm up until the actor acts with the weights (load and runtime export happen in its background).
        bench.run_steps(100000, until=lambda: bench.versions.get(bench.index - 2) == 1)
        start = bench.index
        bench.run_steps(args.steps)
        time.sleep(2 * bench.period)
    finally:
        actor.stop()
        bench.close()
    steps = range(start, start + args.steps)
    ms = np.array([(bench.received[i] - bench.sent[i]) * 1e3 if i in bench.received else np.inf for i in steps])
    done = ms[np.isfinite(ms)]
    return {'steps': args.steps, 'rate_hz': args.rate, 'p50_ms': round(float(np.percentile(done, 50)), 3),
            'p99_ms': round(float(np.percentile(done, 99)), 3), 'max_ms': round(float(done.max()), 3),
            'unanswered': int((~np.isfinite(ms)).sum()), 'missed_deadlines': int((ms > bench.period * 1e3).sum()),
            'weights_version': int(bench.versions.get(start + args.steps - 1, 0)),
            'actor_callback_ms_p50': bench.diagnostics.get('act_ms_p50'),
            'actor_callback_ms_max': bench.diagnostics.get('act_ms_max'),
            'step_to_callback_ms_p50': bench.diagnostics.get('step_age_ms_p50'),
            'step_to_callback_ms_max': bench.diagnostics.get('step_age_ms_max')}


def weights(args, spool):
    import numpy as np
    actor = Node('daydreamer_actor', 'actor', configs=list(args.configs), task=f'{args.configs[0]}_dummy',
                 spool_dir=spool, device='cpu')
    bench = Bench(args.configs, 10.0)
    times, received, size = [], [], 0
    try:
        wait(lambda: bench.step_pub.get_subscription_count() > 0, 60, 'the actor node')
        bench.run_steps(5)
        for version in range(1, args.repeats + 1):
            msg = full_size_weights(args.configs, version)
            size = len(msg.data)
            start, first = time.perf_counter(), bench.index
            msg.header.stamp = bench.node.get_clock().now().to_msg()  # as the learner stamps them
            bench.weights_pub.publish(msg)
            bench.run_steps(600, until=lambda: any(bench.versions.get(i) == version
                                                   for i in range(first, bench.index)))
            with bench.lock:
                answered = [bench.received[i] for i in range(first, bench.index) if bench.versions.get(i) == version]
            if not answered:
                raise SystemExit(f'bench: the actor never acted with weights v{version}')
            times.append(min(answered) - start)
            wait(lambda: bench.diagnostics.get('weights_loaded', 0) >= version, 5, 'the actor diagnostics')
            received.append(bench.diagnostics['weights_received_ms'])
    finally:
        actor.stop()
        bench.close()
    ms = np.array(times) * 1e3
    return {'weights_mb': round(size / 1e6, 2), 'repeats': len(ms),
            'received_ms_median': round(float(np.median(received)), 1), 'received_ms_max': round(max(received), 1),
            'to_acting_ms_median': round(float(np.median(ms)), 1), 'to_acting_ms_max': round(float(ms.max()), 1),
            'note': 'received: publish -> the actor callback (its diagnostics); to_acting: publish -> the first '
                    'Action computed with them, including the 10 Hz step period'}


def throughput(args, spool):
    import rclpy
    from daydreamer import exchange
    from daydreamer.envs import make
    from daydreamer_interfaces.msg import Experience, ExperienceAck
    from daydreamer_interfaces.srv import SetLearning
    from daydreamer_ros import convert, qos
    from rclpy.executors import MultiThreadedExecutor
    logdir = tempfile.mkdtemp(prefix='bench-logdir-')
    learner = Node('daydreamer_learner', 'learner', configs=list(args.configs) + ['debug'],
                   task=f'{args.configs[0]}_dummy', logdir=logdir, device='cpu', imagination_period=0.0)
    rclpy.init(args=[])
    node = rclpy.create_node('bench_actor', namespace=NAMESPACE)
    actor_id = node.get_fully_qualified_name()
    outbox = exchange.Outbox(exchange.Spool(spool, 10 ** 6), memory_rows=10 ** 6, resend_after=3.0)
    publisher = node.create_publisher(Experience, 'experience', qos.EXPERIENCE)
    node.create_subscription(ExperienceAck, 'experience_ack',
                             lambda m: outbox.acknowledge(m.stream, m.next_sequence) if m.actor_id == actor_id
                             else None, qos.EXPERIENCE_ACK)
    pause = node.create_client(SetLearning, 'learner/set_learning')
    executor = MultiThreadedExecutor(num_threads=2)
    executor.add_node(node)
    threading.Thread(target=executor.spin, daemon=True).start()
    env = make(f'{args.configs[0]}_dummy', seed=0)
    space = env.act_space['action']
    rows = [dict(env.step({'action': space.sample(), 'reset': False}), action=space.sample()) for _ in range(16)]
    rows[0]['is_first'] = True
    try:
        wait(lambda: pause.service_is_ready(), 90, 'the learner node')
        paused = pause.call_async(SetLearning.Request(paused=True))  # only storing is measured
        wait(paused.done, 10, 'the learner to pause training')
        start, sent = time.perf_counter(), 0
        while time.perf_counter() - start < args.seconds:
            while len(outbox) < 64 * 16:
                outbox.put(rows)
            for sequence, batch in outbox.due(limit=64):
                publisher.publish(convert.rows_to_experience(batch, actor_id=actor_id, stream=outbox.stream,
                                                             sequence=sequence,
                                                             first_unacknowledged=outbox.first_unacknowledged))
                sent += 1
            time.sleep(0.001)
        elapsed = time.perf_counter() - start
        stored = outbox.acknowledged_rows
    finally:
        learner.stop()
        executor.shutdown(timeout_sec=2)
        node.destroy_node()
        rclpy.try_shutdown()
    return {'seconds': round(elapsed, 1), 'rows_per_s': round(stored / elapsed, 1), 'batch_rows': 16,
            'batches_sent': sent, 'batches_resent': outbox.resent_batches}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('what', choices=['latency', 'weights', 'throughput'])
    parser.add_argument('--configs', nargs='+', default=['a1'])
    parser.add_argument('--steps', type=int, default=1000)
    parser.add_argument('--rate', type=float, default=20.0)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--seconds', type=float, default=20.0)
    parser.add_argument('--json', action='store_true')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='bench-spool-') as spool:
        result = {'latency': latency, 'weights': weights, 'throughput': throughput}[args.what](args, spool)
    result = {'bench': args.what, 'configs': args.configs, **result}
    print(json.dumps(result) if args.json else '\n'.join(f'{k}: {v}' for k, v in result.items()))


if __name__ == '__main__':
    main()

"""Latency of the actor node on the ROS test double (a script, not a test):

    .venv/bin/python test/bench_actor_node.py --configs a1 --steps 1000 --rate 20 --json
    .venv/bin/python test/bench_actor_node.py --configs ur5 --steps 400 --rate 2 --json

Runs the actor node with the full config of a robot (one torch thread, trained-size networks with loaded
weights, so the policy really runs) against a fake bridge that publishes Steps in real time at `--rate` Hz.
Latency is Step publish -> Action received; a miss is an action later than the control period. Prints
{"steps", "p50_ms", "p99_ms", "max_ms", "missed_deadlines"} with --json, a line of text otherwise.
"""

import argparse
import importlib.util
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def activate():
    if importlib.util.find_spec('rclpy') is None:
        sys.path.insert(0, str(ROOT / 'test'))
        import ros2_double
        ros2_double.activate()
    for package in ('daydreamer_ros', 'daydreamer_actor'):
        if importlib.util.find_spec(package) is None:
            sys.path.insert(0, str(ROOT / 'src' / package))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--configs', nargs='+', default=['a1'])
    parser.add_argument('--steps', type=int, default=1000)
    parser.add_argument('--rate', type=float, default=20.0)
    parser.add_argument('--json', action='store_true')
    args = parser.parse_args()
    activate()

    import numpy as np
    import rclpy
    from daydreamer import exchange
    from daydreamer.envs import make
    from daydreamer_actor.actor_node import ActorNode
    from daydreamer_interfaces.msg import Action, PolicyWeights, Step
    from daydreamer_ros import convert, params, qos
    from rclpy.executors import MultiThreadedExecutor
    from rclpy.parameter import Parameter

    robot = args.configs[0]
    task = f'{robot}_dummy'
    period = 1.0 / args.rate
    rclpy.init(args=[])
    spool = tempfile.mkdtemp(prefix='bench-spool-')
    actor = ActorNode(parameter_overrides=[
        Parameter('configs', value=list(args.configs)), Parameter('task', value=task),
        Parameter('spool_dir', value=spool), Parameter('device', value='cpu')])
    bridge = rclpy.create_node('bench_bridge')
    sent, received, lock = {}, {}, threading.Lock()

    def on_action(msg):
        now = time.perf_counter()
        with lock:
            received.setdefault(msg.step, now)

    step_pub = bridge.create_publisher(Step, 'step', qos.STEP)
    weights_pub = bridge.create_publisher(PolicyWeights, 'policy_weights', qos.WEIGHTS)
    bridge.create_subscription(Action, 'action', on_action, qos.ACTION)
    executor = MultiThreadedExecutor(num_threads=4)
    executor.add_node(actor)
    executor.add_node(bridge)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()

    # Trained-size weights, so that the policy network runs (random actions need none).
    config = params.agent_config(list(args.configs))
    source = exchange.ActorCore(config, actor.obs_space, actor.act_space)
    data, digest = exchange.encode_weights(source._agent.policy_state())
    source.close()
    weights_pub.publish(convert.weights_to_msg(data, digest, version=1))
    deadline = time.monotonic() + 60
    while actor.core.version != 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert actor.core.version == 1, 'the actor did not load the weights'

    env = make(task, seed=0)
    observations = [env.step({'action': env.act_space['action'].sample(), 'reset': False}) for _ in range(50)]
    next_tick = time.perf_counter()
    for i in range(args.steps):
        obs = dict(observations[i % len(observations)], is_first=np.bool_(i == 0))
        msg = convert.obs_to_step(obs, robot=robot, episode=0, step=i, control_period=period,
                                  header=actor._header())
        next_tick += period
        with lock:
            sent[i] = time.perf_counter()
        step_pub.publish(msg)
        time.sleep(max(0.0, next_tick - time.perf_counter()))
    time.sleep(2 * period)
    executor.shutdown()
    actor.close()
    rclpy.try_shutdown()

    latencies = np.array([(received[i] - sent[i]) * 1e3 if i in received else np.inf for i in range(args.steps)])
    finite = latencies[np.isfinite(latencies)]
    result = {'steps': args.steps, 'p50_ms': round(float(np.percentile(finite, 50)), 3),
              'p99_ms': round(float(np.percentile(finite, 99)), 3), 'max_ms': round(float(finite.max()), 3),
              'missed_deadlines': int((latencies > period * 1e3).sum())}
    print(json.dumps(result) if args.json else
          f"{result['steps']} steps at {args.rate} Hz: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
          f"max {result['max_ms']} ms, {result['missed_deadlines']} missed deadlines")


if __name__ == '__main__':
    main()

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

"""
The `daydreamer` command line.

  daydreamer train --configs a1 --logdir DIR [--key value ...]   actor and learner in one process
  daydreamer act   --configs a1 --logdir DIR                     acting half: writes experience, loads weights
  daydreamer learn --configs a1 --logdir DIR                     learning half: trains, publishes weights
  daydreamer eval  --logdir DIR [--episodes N] [--policy P]      returns of the saved policy (greedy)
  daydreamer bench actor|learner|replay|env|bags [--configs ...] [--json] [--seconds S]
  daydreamer bench learn --configs ... --task T --steps N --logdir DIR   learning curve: curve.csv, curve.png
  daydreamer import --bag BAG [--bag BAG ...] --logdir DIR       rosbag2 bags of a robot's step/action topics
                    [--configs ur5] [--namespace /ur5]            -> DIR/replay (then train there)
  daydreamer offline --logdir DIR --updates N [--bag BAG ...]     train on DIR/replay (and bags) alone; then
                                                                 train / learn / the learner node go on online
  daydreamer export --logdir DIR --out BAG [--storage sqlite3]   DIR/replay -> a bag (mcap) of Steps and Actions
  daydreamer config [--configs ...] [--key value ...]            print the merged config

Rerunning with the same logdir resumes; without --configs the logdir's config.yaml is used.
"""

import argparse
import json
import logging
from pathlib import Path
import signal
import sys

from .config import Config, ConfigError, parse_args

COMMANDS = ('train', 'act', 'learn', 'eval', 'bench', 'import', 'offline', 'export', 'config')


def _parser():
    parser = argparse.ArgumentParser(
        prog='daydreamer',
        description='DayDreamer world-model learning for robots.\n' + __doc__.lstrip('\n').split('\n', 1)[1],
        epilog='Any config key can be set as --key value (e.g. --rssm.deter 512, --run.train_ratio 64); '
               'see `daydreamer config`. Blocks: --configs a1|ur5|xarm|sphero|dreamerv1|planet|novalue|dmc|dmc_proprio|'
               'debug|point.',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('command', choices=COMMANDS)
    parser.add_argument('what', nargs='?', help='for bench: actor, bags, env, learn, learner or replay')
    parser.add_argument('--logdir', help='run directory (created, or resumed when it exists)')
    parser.add_argument('--episodes', type=int, default=10, help='eval: episodes to run')
    parser.add_argument('--policy', choices=('greedy', 'sample', 'random'), default='greedy',
                        help='eval: greedy (mode), sample (as in training episodes) or random (baseline)')
    parser.add_argument('--json', action='store_true', help='bench/eval: print one JSON object')
    parser.add_argument('--seconds', type=float, default=None, help='bench: time budget per measurement')
    parser.add_argument('--steps', type=int, default=None,
                        help='train, act, learn, bench learn: env steps to run (the same as --run.steps N)')
    parser.add_argument('--bag', action='append', default=[], metavar='BAG',
                        help='import, offline: a rosbag2 bag (directory, .mcap or .db3), repeatable; read without ROS')
    parser.add_argument('--updates', type=int, default=None, help='offline: updates to make (required)')
    parser.add_argument('--out', help='export: the bag to write (a new directory)')
    parser.add_argument('--storage', choices=('mcap', 'sqlite3'), default='mcap', help='export: the bag format')
    parser.add_argument('--namespace', default=None,
                        help="import: the robot's namespace in the bags (default: every Step topic found)")
    parser.add_argument('--verbose', '-v', action='store_true')
    return parser


def _terminate(signum, frame):
    raise KeyboardInterrupt  # SIGTERM (kill, ros2 launch) stops as cleanly as Ctrl-C: checkpoint, flush replay


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    signal.signal(signal.SIGTERM, _terminate)
    args, rest = _parser().parse_known_args(argv)
    if args.steps is not None:  # one meaning everywhere: a budget the run stops at, never silently ignored
        rest += ['--run.steps', str(args.steps)]
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format='%(levelname)s %(name)s: %(message)s')
    try:
        base = None
        if args.logdir and '--configs' not in ' '.join(rest) and (Path(args.logdir) / 'config.yaml').exists():
            base = Config.load(Path(args.logdir) / 'config.yaml')
        config, positional = parse_args(rest, base=base)
        if positional:
            raise ConfigError(f'unexpected argument(s): {" ".join(positional)}')
        return _run(args, config)
    except ConfigError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2


def _run(args, config):
    from . import loops  # imports torch: keep `--help` and config errors fast
    if args.command == 'config':
        print(config.pretty())
        return 0
    if args.command == 'bench':
        from . import bench
        result = bench.run(args.what, config, seconds=args.seconds, logdir=args.logdir)
        print(json.dumps(result) if args.json else '\n'.join(f'{k}: {v}' for k, v in result.items()))
        return 0
    logdir = args.logdir or str(Path('logdir') / config.task)
    if args.command == 'import':
        return _import(args, config, logdir)
    if args.command == 'export':
        return _export(args, config, logdir)
    if args.command == 'offline':
        if not args.updates or args.updates < 1:
            raise ConfigError('offline needs --updates N (N >= 1)')
        if args.bag and _import(args, config, logdir):
            return 1
        loops.offline(config, logdir, args.updates)
        return 0
    if args.command == 'train':
        print(config.pretty(), flush=True)
        loops.train(config, logdir)
    elif args.command == 'act':
        loops.act(config, logdir)
    elif args.command == 'learn':
        loops.learn(config, logdir)
    elif args.command == 'eval':
        result = loops.evaluate(config, logdir, args.episodes, args.policy)
        if args.json:
            print(json.dumps(result))
        else:
            print(f"{result['task']} ({result['policy']}): return {result['return_mean']:.2f} +- "
                  f"{result['return_std']:.2f} over {result['episodes']} episodes "
                  f"({result['source']} after {result['updates']:,} updates)")
            means = result['means']
            for key in sorted(k[len('mean_'):] for k in means if k.startswith('mean_log_')):
                print(f"  {key}: per episode sum {means['sum_' + key]:.4g}, mean {means['mean_' + key]:.4g}, "
                      f"max {means['max_' + key]:.4g}")
    return 0


def _import(args, config, logdir):
    from . import bags, exchange, robots
    if not args.bag:
        raise ConfigError('import needs at least one --bag PATH')
    robot = config.task.split('_', 1)[0]
    obs_space, act_space = exchange.spaces(config)
    try:
        summary = bags.convert(args.bag, Path(logdir) / 'replay', obs_space, act_space,
                               robot=robot if robot in robots.registry() else '', namespace=args.namespace,
                               progress=sys.stderr.isatty())
    except bags.BagError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    for problem in summary.problems:
        print(f'warning: {problem}', file=sys.stderr)
    print(f"{summary} -> {Path(logdir) / 'replay'}")
    return 0


def _export(args, config, logdir):
    from . import bags, robots
    if not args.out:
        raise ConfigError('export needs --out BAG (a new directory)')
    replay = Path(logdir) / 'replay'
    if not replay.is_dir():
        raise ConfigError(f'export: {replay} does not exist')
    robot = config.task.split('_', 1)[0]
    period = 1.0 / robots.get(robot).control_rate if robot in robots.registry() else 0.05
    try:
        rows = bags.export(replay, args.out, robot, namespace=args.namespace, control_period=period,
                           storage=args.storage)
    except bags.BagError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    print(f'{rows:,} rows of {replay} -> {args.out} ({args.storage})')
    return 0


if __name__ == '__main__':
    sys.exit(main())

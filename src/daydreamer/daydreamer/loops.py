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
Run loops: `train` (actor and learner together), `act` and `learn` (two processes sharing a logdir), and `evaluate`.

Layout of a logdir:
  config.yaml            the merged config of the last start
  replay/                experience chunks (.npz), written by whoever acts
  checkpoints/           full learner state (safetensors), newest `run.keep_checkpoints`
  weights/               versioned acting weights published by `learn` and reloaded by `act`
  actor.json             the acting process's counters (split mode)
  metrics.jsonl, events.*, videos/
"""

import json
import logging
import os
from pathlib import Path
import re
import signal
import threading
import time

import numpy as np
import torch

from . import checkpoint, envs, runtime
from .agent import Agent
from .envs import from_config as make_env  # noqa: F401  (part of this module's API)
from .logger import Logger
from .replay import Replay

log = logging.getLogger('daydreamer')


# ------------------------------------------------------------------------------------------------
# Setup shared by every loop.


def setup(config):
    """Seeds and thread count; returns the torch device the config asks for."""
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    if config.device == 'auto':
        return 'cuda' if torch.cuda.is_available() else 'cpu'
    if config.device.startswith('cuda') and not torch.cuda.is_available():
        raise SystemExit(f'error: device {config.device!r} requested but CUDA is not available')
    return config.device


class StopSignals:
    """
    Clean stop of a running loop on SIGINT and SIGTERM (Ctrl-C, kill, ros2 launch).

    While a loop runs, these signals ask it to stop at the end of its current step, so that it never unwinds from inside
    a lock or a half-written file before it writes its checkpoint and replay; a second signal interrupts at once
    (KeyboardInterrupt). Only the main thread can own signal handlers: elsewhere the loop stops only when its caller
    stops it.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.received = None  # name of the first signal
        self._previous = {}
        if threading.current_thread() is threading.main_thread():
            self._previous = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}

    def __bool__(self):
        return self.received is not None

    def restore(self):
        """Put back the handlers that were there before."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}

    def _handle(self, signum, frame):
        if self.received is not None:
            raise KeyboardInterrupt
        self.received = signal.Signals(signum).name  # no printing here: the handler may interrupt a print


def make_agent(config, env, device='cpu'):
    return Agent(env.obs_space, env.act_space, config, device)


def make_replay(config, logdir):
    return Replay(Path(logdir) / 'replay', config.replay.size, config.replay_chunk, chunk=config.replay.chunk,
                  minlen=config.replay.minlen, prio_starts=config.replay.prio_starts,
                  prio_ends=config.replay.prio_ends, reward_frac=config.replay.reward_frac, seed=config.seed)


def due_updates(step, config):
    """
    Return the updates the train ratio asks for after `step` env steps.

    None before the prefill, then pretrain + (step - fill) * train_ratio / (batch_size * replay_chunk).
    """
    run = config.run
    if step < run.train_fill:
        return 0
    rows_per_update = config.batch_size * config.replay_chunk
    return run.pretrain + int((step - run.train_fill) * run.train_ratio / rows_per_update)


def offline_updates(counters):
    """Return the updates `offline` made: on top of what the train ratio asks for the env steps, not counted in it."""
    return int(counters.get('offline_updates', 0))


def write_json(path, data):
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        json.dump(data, f)
    os.replace(tmp, path)


def read_json(path, default):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return default
    except (ValueError, OSError) as e:
        log.warning('ignoring unreadable %s (%s); starting its counters from zero', path, e)
        return default


class Checkpoints:
    """Full learner state in <logdir>/checkpoints, versioned by the update count."""

    def __init__(self, config, logdir):
        self.dir = checkpoint.CheckpointDir(Path(logdir) / 'checkpoints', 'ckpt', keep=config.run.keep_checkpoints)

    def save(self, agent, counters):
        return self.dir.save(int(counters['updates']), {'agent': agent.save(), 'counters': dict(counters)})

    def restore(self, agent, device='cpu'):
        """Load the newest good checkpoint into `agent`; return its counters or None."""
        found = self.dir.latest(device=device)
        if found is None:
            return None
        state, _, path = found
        agent.load(state['agent'])
        log.info('resumed from %s', path)
        return state['counters']


class Weights:
    """Versioned acting weights in <logdir>/weights, written by the learner and polled by actors."""

    def __init__(self, logdir):
        self.dir = checkpoint.CheckpointDir(Path(logdir) / 'weights', 'policy', keep=3)
        self.loaded = None

    def publish(self, agent, version):
        self.dir.save(version, agent.policy_state(), {'created': time.time()})

    def poll(self, agent, device='cpu'):
        """Load newer weights into `agent` when there are any; return True if it did."""
        version = self.dir.latest_version()
        if version is None or version == self.loaded:
            return False
        found = self.dir.latest(device=device)
        if found is None:
            return False
        state, meta, path = found
        agent.load_policy_state(state)
        self.loaded = int(path.stem.split('-')[-1])
        return True


# ------------------------------------------------------------------------------------------------
# Acting.


class Driver:
    """
    Steps a batch of envs with a policy and emits rows: obs_t plus the action that produced it.

    A bad observation (NaN, wrong shape, missing key) is reported with the problems named, dropped, and
    that env is reset; an env that raises is recreated when `restart` is set. Neither loses stored data:
    the episode in progress simply ends at its last good row.

    A finished episode is summarised as its return and length plus, as in the reference, the sum, mean
    and max over its steps of every `log_*` key (`sum_log_x`, `mean_log_x`, `max_log_x`).
    """

    def __init__(self, env_fns, restart=True):
        self.env_fns, self.restart = env_fns, restart
        self.envs = [fn() for fn in env_fns]
        self.obs_space, self.act_space = self.envs[0].obs_space, self.envs[0].act_space['action']
        self.realtime = any(env.realtime for env in self.envs)
        self.bad_obs = 0
        self.rng = np.random.default_rng()
        self._warned = {}
        self._blank = {k: np.zeros(v.shape, v.dtype) for k, v in self.obs_space.items()}
        self._blank['is_first'] = np.array(True)
        self.reset()

    def reset(self):
        n = len(self.envs)
        self.prev_action = np.zeros((n, *self.act_space.shape), self.act_space.dtype)
        self.pending_reset = np.ones(n, bool)
        self.state = None
        self.returns, self.lengths = np.zeros(n), np.zeros(n, int)
        self.logs = [{} for _ in range(n)]  # per env: log key -> [sum, max, count] over the episode so far

    def _warn(self, message):
        # Throttled: each kind of message (numbers aside) at most once every 10 s, so a sensor stuck on
        # NaN does not flood the log while a different problem is still reported at once.
        key = re.sub(r'\d+', '#', message)
        now = time.monotonic()
        if now - self._warned.get(key, -np.inf) > 10.0:
            self._warned[key] = now
            log.warning(message)

    def _step_env(self, i, action):
        try:
            obs = self.envs[i].step({'action': action, 'reset': bool(self.pending_reset[i])})
        except Exception as e:  # a crashed simulator or driver must not take the learner down with it
            if not self.restart:
                raise
            self._warn(f'env {i} raised {type(e).__name__}: {e}; recreating it')
            try:
                self.envs[i].close()
            except Exception:
                pass
            self.envs[i] = self.env_fns[i]()
            return None
        try:
            return envs.check_obs(obs, self.obs_space)
        except envs.BadObservation as e:
            self.bad_obs += 1
            self._warn(f'env {i}: dropped a bad observation ({e}); resetting the episode')
            return None

    def step(self, policy, mode):
        """
        One step of every env. Returns rows (one per env, None where dropped) and finished episodes.

        mode: 'random' samples the action space, otherwise it is passed to `policy(obs, state, mode)`.
        A dropped env gets a blank is_first observation so that the policy batch keeps its shape.
        """
        rows, episodes, batch = [], [], []
        for i in range(len(self.envs)):
            obs = self._step_env(i, self.prev_action[i])
            if obs is None:
                self.pending_reset[i] = True
                rows.append(None)
                batch.append(self._blank)
                continue
            first = bool(obs['is_first'])
            rows.append({**obs, 'action': np.zeros_like(self.prev_action[i]) if first else self.prev_action[i].copy()})
            batch.append(obs)
            self.returns[i] = 0.0 if first else self.returns[i] + float(obs['reward'])
            self.lengths[i] = 0 if first else self.lengths[i] + 1
            self.pending_reset[i] = bool(obs['is_last'])
            self._track_logs(i, obs, first)
            if obs['is_last']:
                episode = {'return': float(self.returns[i]), 'length': int(self.lengths[i])}
                for key, (total, high, count) in self.logs[i].items():
                    episode.update({f'sum_{key}': total, f'mean_{key}': total / count, f'max_{key}': high})
                episodes.append(episode)
        batch = {k: np.stack([obs[k] for obs in batch]) for k in self.obs_space}
        if mode == 'random':
            actions = np.stack([self.act_space.sample(self.rng) for _ in self.envs])
        else:
            actions, self.state = policy(batch, self.state, mode)
        self.prev_action[:] = actions
        return rows, episodes

    def _track_logs(self, i, obs, first):
        if first:
            self.logs[i] = {}
        for key, value in obs.items():
            if key.startswith('log_'):
                value = float(np.mean(value))
                total, high, count = self.logs[i].get(key, (0.0, -np.inf, 0))
                self.logs[i][key] = (total + value, max(high, value), count + 1)

    def close(self):
        for env in self.envs:
            env.close()


# ------------------------------------------------------------------------------------------------
# Training: actor (main thread) and learner (background thread) in one process.


class Session:
    """Everything a run restores from its logdir: agent, replay, counters."""

    def __init__(self, config, logdir, device='cpu', env=None):
        self.config, self.logdir = config, Path(logdir)
        self.logdir.mkdir(parents=True, exist_ok=True)
        if env is None:  # only the spaces are needed
            with make_env(config) as env:
                self.agent = make_agent(config, env, device)
        else:
            self.agent = make_agent(config, env, device)
        self.replay = make_replay(config, self.logdir)
        self.checkpoints = Checkpoints(config, self.logdir)
        restored = self.checkpoints.restore(self.agent, device)
        self.counters = {'step': 0, 'updates': 0, 'episodes': 0}
        if restored:
            self.counters.update({k: int(v) for k, v in restored.items()})
        self.resumed = restored is not None

    def save(self):
        return self.checkpoints.save(self.agent, self.counters)


class Learner:
    """
    The learner half of every loop: a Session (agent, replay, counters of a logdir) and a training thread.

    `add_rows` may be called from any thread; the training thread performs the updates `due_updates` asks
    for given the rows received so far (`counters['step']`), and sleeps otherwise, so acting never waits for
    training. `paused` stops training but not storing. Hooks for the loops around it: `on_update()` runs under
    `lock` after every update (`train` refreshes its acting copy there), `request_report()` has the thread
    render open-loop videos after its next update (`take_reports()`), and `wait_until_caught_up()` lets a
    simulation wait for a lagging learner. `export()` gives the acting weights versioned by the update count,
    which continues across restarts because the counters come back from the newest checkpoint.
    """

    def __init__(self, config, logdir, device='cpu', env=None):
        self.config = config
        self.session = Session(config, logdir, device, env)
        self.agent, self.replay, self.counters = self.session.agent, self.session.replay, self.session.counters
        self.paused = False
        self.failure = None
        self.on_update = None
        self.on_save = None
        self.lock = threading.Lock()  # guards the agent's parameters, the metrics and the reports
        self._wake = threading.Condition()
        self._stop = threading.Event()
        self._metrics, self._means, self._reports = {}, {}, {}
        self._want_report = threading.Event()
        self._last_save = time.monotonic()
        self._thread = None

    @property
    def obs_space(self):
        return self.agent.obs_space

    def start(self):
        self._thread = threading.Thread(target=self._train, name='learner', daemon=True)
        self._thread.start()
        return self

    def add_rows(self, rows, worker=0):
        """Store rows (dicts as replay takes them) of one sender; return how many were added."""
        for row in rows:
            self.replay.add(row, worker=worker)
        with self._wake:
            self.counters['step'] += len(rows)
            self._wake.notify_all()
        return len(rows)

    def due(self):
        return due_updates(self.counters['step'], self.config) + offline_updates(self.counters)

    def set_paused(self, paused):
        was, self.paused = self.paused, bool(paused)
        with self._wake:
            self._wake.notify_all()
        return was

    def wait_until_caught_up(self, lag=1):
        """Blocks while the learner is more than `lag` updates behind (and can train); False if it failed."""
        with self._wake:
            while (not self._stop.is_set() and self.failure is None and not self.paused and self.replay.ready()
                   and self.counters['updates'] < self.due() - lag):
                self._wake.wait(0.1)
        return self.failure is None

    def _train(self):
        try:
            while not self._stop.is_set():
                with self._wake:
                    if self.paused or self.counters['updates'] >= self.due() or not self.replay.ready():
                        self._wake.wait(0.1)
                        continue
                batch = self.replay.sample(self.config.batch_size)
                with self.lock:
                    metrics = self.agent.train(batch)
                    self.counters['updates'] += 1
                    for k, v in metrics.items():
                        self._metrics.setdefault(k, []).append(v)
                    if self.on_update is not None:
                        self.on_update()
                with self._wake:
                    self._wake.notify_all()
                if self._want_report.is_set():
                    self._want_report.clear()
                    reports = self.agent.report(self.replay.sample(self.config.batch_size))
                    with self.lock:
                        self._reports.update(reports)
                if time.monotonic() - self._last_save > self.config.run.save_every:
                    self.save()
        except Exception as e:
            self.failure = e
            log.exception('learner training thread failed')
            with self._wake:
                self._wake.notify_all()

    def save(self):
        """
        Write a checkpoint now (wait for the update in progress); return its path.

        `on_save`, when set, is called first and returns a function to call once the replay and the checkpoint
        are written: state taken before the replay's flush never covers rows the flush missed.
        """
        with self.lock:
            commit = self.on_save() if self.on_save is not None else None
            self.replay.flush()
            path = self.session.save()
            if commit is not None:
                commit()
            self._last_save = time.monotonic()
        return path

    def export(self):
        """(version, safetensors bytes, sha256) of the current acting weights."""
        from .exchange import encode_weights
        with self.lock:
            state = {k: v.detach().cpu().clone() for k, v in self.agent.policy_state().items()}
            version = int(self.counters['updates'])
        data, digest = encode_weights(state)
        return version, data, digest

    def metrics(self):
        """
        Return the means of the training metrics since the last call, plus counters and replay stats.

        While no update happened, the previous means are returned.
        """
        with self.lock:
            if self._metrics:
                self._means = {k: float(np.mean(v)) for k, v in self._metrics.items()}
                self._metrics.clear()
            means = dict(self._means)
        return {**means, **{k: int(v) for k, v in self.counters.items()}, **self.replay.stats}

    def latest(self, keys):
        """Return the newest value of each training metric in `keys` that has one since the last `metrics()`."""
        with self.lock:
            return {k: self._metrics[k][-1] for k in keys if self._metrics.get(k)}

    def request_report(self):
        self._want_report.set()

    def take_reports(self):
        """Open-loop videos rendered since the last call ({name: (B, T, H, W, C) uint8})."""
        with self.lock:
            reports, self._reports = self._reports, {}
        return reports

    def report_image(self, samples=4, frames=8):
        """
        Render one rgb8 image of open-loop predictions next to reality.

        Per image key: truth, prediction and error stacked, time across, samples down. None for a task without images or
        an empty replay.
        """
        if not self.agent.wm.decoder.cnn_keys or not self.replay.ready():
            return None
        batch = self.replay.sample(min(samples, self.config.batch_size))
        with self.lock:
            videos = self.agent.report(batch, samples=samples)
        from .logger import tile_video
        tiles = []
        for video in videos.values():  # (B, T, 3H, W, C)
            step = max(1, video.shape[1] // frames)
            video = video[:, ::step][:, :frames]
            tiles.append(np.repeat(video, 3, -1) if video.shape[-1] == 1 else video[..., :3])
        return tile_video(np.concatenate(tiles, 2)) if tiles else None

    def close(self, save=True):
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join()
        if save:
            self.save()


def train(config, logdir):
    device = setup(config)
    env_fns = [lambda i=i: make_env(config, i) for i in range(config.env.amount)]
    driver = Driver(env_fns, config.env.restart)
    learner = Learner(config, logdir, device, driver.envs[0])
    config.save(learner.session.logdir / 'config.yaml')
    agent, replay, counters = learner.agent, learner.replay, learner.counters
    actor = make_agent(config, driver.envs[0], device)
    actor.load_policy_state(agent.policy_state())
    # The acting copy follows every update (under the learner's lock): a copy costs far less than an update.
    learner.on_update = lambda: actor.load_policy_state(agent.policy_state())
    logger = Logger(logdir, print_every=config.run.log_seconds)
    print(f"{'Resuming' if learner.session.resumed else 'Starting'} {config.task} in {logdir}: step "
          f"{counters['step']:,}, {counters['updates']:,} updates, {len(replay):,} replay rows", flush=True)
    run = config.run
    lockstep = run.lockstep and not driver.realtime

    def policy(obs, state, mode):
        with learner.lock:
            return actor.policy(obs, state, mode)

    learner.start()
    episode_stats, last_log, last_eval = [], counters['step'], counters['step']
    stop = StopSignals()
    try:
        while counters['step'] < run.steps and learner.failure is None and not stop:
            mode = 'random' if counters['step'] < run.train_fill and not learner.session.resumed else 'explore'
            rows, episodes = driver.step(policy, mode)
            for i, row in enumerate(rows):
                if row is not None:
                    learner.add_rows([row], worker=i)
            counters['episodes'] += len(episodes)
            episode_stats += episodes
            if lockstep:  # a simulation waits while the learner lags by more than one update
                learner.wait_until_caught_up(lag=1)
            if counters['step'] - last_log >= run.log_every:
                last_log = counters['step']
                _log_train(logger, counters, episode_stats, learner, driver)
                learner.request_report()
                episode_stats = []
            # A robot cannot be opened twice: evaluate on a second env only in simulation.
            if run.eval_every and not driver.realtime and counters['step'] - last_eval >= run.eval_every:
                last_eval = counters['step']
                with learner.lock:
                    stats = episode_means(evaluate_policy(config, actor, run.eval_eps))
                logger.add({'eval_return': stats.pop('return')})
                logger.add(stats, prefix='eval')
                logger.write(counters['step'])
            ret = episode_stats[-1]['return'] if episode_stats else None
            logger.progress(counters['step'], updates=counters['updates'],
                            **({'return': ret} if ret is not None else {}),
                            **learner.latest(('model_loss', 'actor_loss', 'critic_loss')))
        if stop:
            print(f'\n{stop.received}: stopping: writing a checkpoint and the open replay chunks', flush=True)
    except KeyboardInterrupt:
        print('\ninterrupted: writing a checkpoint and the open replay chunks', flush=True)
    finally:
        learner.close(save=True)
        logger.write(counters['step'])
        logger.close()
        driver.close()
        stop.restore()
    if learner.failure is not None:
        raise learner.failure
    return counters


def _log_train(logger, counters, episodes, learner, driver):
    for name, video in learner.take_reports().items():
        logger.video(name, video)
    metrics = learner.metrics()
    logger.add({k: v for k, v in metrics.items() if k not in counters and k not in learner.replay.stats},
               prefix='train')
    if episodes:
        logger.add(episode_means(episodes), prefix='episode')
    logger.add({**learner.replay.stats, 'updates': counters['updates'], 'episodes': counters['episodes'],
                'bad_observations': driver.bad_obs})
    logger.write(counters['step'])


def episode_means(episodes):
    """Return the mean of each episode statistic (return, length, sum_/mean_/max_log_*) over the episodes."""
    keys = dict.fromkeys(k for e in episodes for k in e)
    return {k: float(np.mean([e[k] for e in episodes if k in e])) for k in keys}


def evaluate_policy(config, agent, episodes, env=None, mode='eval'):
    """
    Episodes on a fresh eval env (or `env`); returns their summaries (see `Driver`).

    mode: 'eval' (greedy), 'explore' (the sampling policy that collects experience) or 'random'.
    """
    own = env is None
    env = env or make_env(config, mode='eval')
    driver = Driver([lambda: env], restart=False)
    done = []
    try:
        while len(done) < episodes:
            done += driver.step(agent.policy, mode)[1]
    finally:
        if own:  # a rendering env holds a GL context
            env.close()
    return done[:episodes]


# ------------------------------------------------------------------------------------------------
# Split mode: `act` and `learn` run as two processes that share only a logdir.


def act(config, logdir):
    """Acts with the newest published weights (random until there are any) and writes experience."""
    logdir = Path(logdir)
    device = setup(config)
    env_fns = [lambda i=i: make_env(config, i) for i in range(config.env.amount)]
    driver = Driver(env_fns, config.env.restart)
    agent = make_agent(config, driver.envs[0], device)
    weights = Weights(logdir)
    # The actor only writes: keep a few windows in memory, never the learner's whole replay.
    window = max(config.replay_chunk, config.replay.minlen, config.replay.chunk)
    replay = Replay(logdir / 'replay', 4 * window * config.env.amount, config.replay_chunk,
                    chunk=config.replay.chunk, minlen=config.replay.minlen, load=False)
    counters = read_json(logdir / 'actor.json', {'step': 0, 'episodes': 0})
    logger = Logger(logdir / 'actor', print_every=config.run.log_seconds)
    print(f"Acting on {config.task} in {logdir}: step {counters['step']:,}", flush=True)
    last_sync, last_log, episodes = -np.inf, counters['step'], []
    policy = agent
    stop = StopSignals()
    try:
        while counters['step'] < config.run.steps and not stop:
            if time.monotonic() - last_sync > min(config.run.sync_every, 1.0):
                last_sync = time.monotonic()
                if weights.poll(agent, device):
                    policy = runtime.make_policy(agent, config.policy_runtime, seed=config.seed + weights.loaded)
                    log.info('acting with weights version %d (%s runtime)', weights.loaded,
                             runtime.runtime_name(policy))
                write_json(logdir / 'actor.json', counters)
            rows, done = driver.step(policy.policy, 'explore' if weights.loaded is not None else 'random')
            for i, row in enumerate(rows):
                if row is not None:
                    replay.add(row, worker=i)
            counters['step'] += sum(row is not None for row in rows)
            counters['episodes'] += len(done)
            episodes += done
            if counters['step'] - last_log >= config.run.log_every and episodes:
                last_log = counters['step']
                logger.add({**episode_means(episodes), 'weights': weights.loaded or 0,
                            'bad_observations': driver.bad_obs}, prefix='episode')
                logger.write(counters['step'])
                episodes = []
            logger.progress(counters['step'], weights=weights.loaded, episodes=counters['episodes'],
                            **({'return': episodes[-1]['return']} if episodes else {}))
        if stop:
            print(f'\n{stop.received}: stopping: writing the open replay chunks', flush=True)
    except KeyboardInterrupt:
        print('\ninterrupted: writing the open replay chunks', flush=True)
    finally:
        replay.flush()
        write_json(logdir / 'actor.json', counters)
        logger.close()
        driver.close()
        stop.restore()
    return counters


def learn(config, logdir):
    """
    Train on the experience an actor writes into the logdir.

    Holds `run.train_ratio` against the actor's step count, and publishes acting weights every `run.sync_every` seconds.
    """
    logdir = Path(logdir)
    device = setup(config)
    session = Session(config, logdir, device)
    config.save(logdir / 'config.yaml')
    agent, replay, counters, run = session.agent, session.replay, session.counters, config.run
    weights, logger = Weights(logdir), Logger(logdir, print_every=run.log_seconds)
    print(f"Learning {config.task} from {logdir}: {counters['updates']:,} updates, {len(replay):,} replay rows",
          flush=True)
    last_save = last_sync = last_scan = time.monotonic()
    last_log, metrics = counters['updates'], {}
    stop = StopSignals()
    # run.steps is the actor's env-step budget here too: stop once the actor has reached it and the updates
    # due for it are done.
    final_updates = due_updates(run.steps, config) + offline_updates(counters)
    try:
        while not stop and (counters['step'] < run.steps or counters['updates'] < final_updates):
            if time.monotonic() - last_scan > 0.5:
                last_scan = time.monotonic()
                replay.update()
                counters['step'] = int(read_json(logdir / 'actor.json', {}).get('step', counters['step']))
            due = due_updates(min(counters['step'], run.steps), config) + offline_updates(counters)
            if counters['updates'] >= due or not replay.ready():
                time.sleep(0.05)
                logger.progress(counters['updates'], actor_step=counters['step'], replay=len(replay), waiting=1)
                continue
            for k, v in agent.train(replay.sample(config.batch_size)).items():
                metrics.setdefault(k, []).append(v)
            counters['updates'] += 1
            if counters['updates'] == 1 or time.monotonic() - last_sync > run.sync_every:
                weights.publish(agent, counters['updates'])
                last_sync = time.monotonic()
            if time.monotonic() - last_save > run.save_every:
                session.save()
                last_save = time.monotonic()
            if counters['updates'] - last_log >= max(1, run.log_every // max(1, run.train_ratio)):
                last_log = counters['updates']
                logger.add({k: np.mean(v) for k, v in metrics.items()}, prefix='train')
                logger.add({**replay.stats, 'actor_step': counters['step']})
                if agent.wm.decoder.cnn_keys:
                    for name, video in agent.report(replay.sample(config.batch_size)).items():
                        logger.video(name, video)
                logger.write(counters['updates'])
                metrics = {}
            logger.progress(counters['updates'], actor_step=counters['step'], replay=len(replay),
                            **{k: v[-1] for k, v in metrics.items() if k in ('model_loss', 'actor_loss')})
        if stop:
            print(f'\n{stop.received}: stopping: writing a checkpoint', flush=True)
    except KeyboardInterrupt:
        print('\ninterrupted: writing a checkpoint', flush=True)
    finally:
        session.save()
        weights.publish(agent, counters['updates'])
        logger.close()
        stop.restore()
    return counters


def offline(config, logdir, updates):
    """
    Train the world model and the actor-critic on the logdir's replay alone (e.g. bags brought in by `import`).

    `updates` updates with a progress bar (rate, ETA, losses), checkpoints every `run.save_every` s and at the end,
    policy weights as `learn` publishes them. `train`, `learn` and the learner node then continue from the logdir
    online: the offline updates come on top of those the train ratio asks for (counters['offline_updates']).
    """
    from tqdm import tqdm
    logdir = Path(logdir)
    device = setup(config)
    session = Session(config, logdir, device)
    agent, replay, counters, run = session.agent, session.replay, session.counters, config.run
    if not replay.ready():
        raise SystemExit(f"error: {logdir / 'replay'} holds {len(replay):,} rows and no episode of "
                         f'{max(config.replay_chunk, config.replay.minlen)} rows to train on (bring bags in first: '
                         'daydreamer import --bag BAG)')
    config.save(logdir / 'config.yaml')
    weights, logger = Weights(logdir), Logger(logdir, console=False)
    print(f"Training {config.task} offline in {logdir}: {counters['updates']:,} updates so far, {len(replay):,} "
          f'replay rows in {replay.stats["replay_episodes"]:,} episodes', flush=True)
    last_save = last_sync = time.monotonic()
    metrics, start = {}, counters['updates']
    stop = StopSignals()
    bar = tqdm(total=updates, unit='update', desc='offline', dynamic_ncols=True, mininterval=1.0)
    try:
        while not stop and counters['updates'] - start < updates:
            for k, v in agent.train(replay.sample(config.batch_size)).items():
                metrics.setdefault(k, []).append(v)
            counters['updates'] += 1
            counters['offline_updates'] = offline_updates(counters) + 1
            bar.update()
            if counters['updates'] - start == 1 or time.monotonic() - last_sync > run.sync_every:
                weights.publish(agent, counters['updates'])
                last_sync = time.monotonic()
            if time.monotonic() - last_save > run.save_every:
                session.save()
                last_save = time.monotonic()
            if len(metrics.get('model_loss', ())) >= 10:
                means = {k: float(np.mean(v)) for k, v in metrics.items()}
                bar.set_postfix({k: f'{means[k]:.3g}' for k in ('model_loss', 'actor_loss', 'critic_loss')
                                 if k in means}, refresh=False)
                logger.add(means, prefix='train')
                logger.write(counters['updates'])
                metrics = {}
        if stop:
            print(f'\n{stop.received}: stopping: writing a checkpoint', flush=True)
    except KeyboardInterrupt:
        print('\ninterrupted: writing a checkpoint', flush=True)
    finally:
        bar.close()
        session.save()
        weights.publish(agent, counters['updates'])
        logger.close()
        stop.restore()
    return counters


EVAL_MODES = {'greedy': 'eval', 'sample': 'explore', 'random': 'random'}


def evaluate(config, logdir, episodes, policy='greedy'):
    """
    Run the newest checkpoint (or published weights) on the eval env; return a summary dict.

    policy: 'greedy' (the mode of every distribution), 'sample' (the exploring policy, as in training
    episodes) or 'random' (uniform actions, no weights needed: the baseline on the same env and seeds).
    """
    if policy not in EVAL_MODES:
        raise ValueError(f'eval policy {policy!r}: expected one of {sorted(EVAL_MODES)}')
    logdir = Path(logdir)
    device = setup(config)
    env = make_env(config, mode='eval')
    agent = make_agent(config, env, device)
    counters, source = {}, 'random'
    if policy != 'random':
        counters, source = Checkpoints(config, logdir).restore(agent, device), 'checkpoint'
        if counters is None:
            weights = Weights(logdir)
            if not weights.poll(agent, device):
                env.close()
                raise SystemExit(f'error: no checkpoint or policy weights in {logdir} '
                                 '(expected checkpoints/ckpt-*.safetensors or weights/policy-*.safetensors)')
            counters, source = {'updates': weights.loaded}, 'weights'
    try:
        done = evaluate_policy(config, agent, episodes, env, EVAL_MODES[policy])
    finally:
        env.close()
    returns = [e['return'] for e in done]
    return {'task': config.task, 'policy': policy, 'source': source, 'updates': int(counters.get('updates', 0)),
            'step': int(counters.get('step', 0)), 'episodes': len(returns),
            'return_mean': float(np.mean(returns)), 'return_std': float(np.std(returns)),
            'returns': [float(r) for r in returns], 'means': episode_means(done)}

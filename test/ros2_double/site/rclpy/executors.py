"""rclpy.executors over the in-process graph: Single/MultiThreaded executors, callback groups, tasks.

spin_once(timeout_sec) runs at most one ready callback (tasks, then per node: timers, subscriptions, guard
conditions, clients, services). A SingleThreadedExecutor re-raises a callback's exception from spin_once; waiting
on a context that gets shut down raises ExternalShutdownException.
"""

import inspect
import multiprocessing
import os
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

from ros2_double._state import jazzy

from ._graph import GRAPH
from .task import Task
from .utilities import get_default_context


class ExternalShutdownException(Exception):
    """Context has been shutdown."""


class ShutdownException(Exception):
    """Signal that executor was shut down."""


class TimeoutException(Exception):
    """Signal that a timeout occurred."""


class ConditionReachedException(Exception):
    """Future has been completed."""


_SAFETY_WAIT = 0.1  # seconds; every state change notifies the graph, this only bounds a missed wake-up


class Executor:
    def __init__(self, *, context=None):
        self._context = get_default_context() if context is None else context
        self._nodes = []
        self._nodes_lock = threading.RLock()
        self._tasks = []          # (task, entity, node)
        self._tasks_lock = threading.Lock()
        self._is_shutdown = False
        self._context.on_shutdown(self.wake)

    @property
    def context(self):
        return self._context

    def create_task(self, callback, *args, **kwargs):
        task = Task(callback, args, kwargs, executor=self)
        with self._tasks_lock:
            self._tasks.append((task, None, None))
        self.wake()
        return task

    def shutdown(self, timeout_sec=None):
        self._is_shutdown = True
        with self._nodes_lock:
            for node in list(self._nodes):
                node._Node__executor = None
            self._nodes = []
        self.wake()
        return True

    # wake() takes the graph's lock, which a spinning thread holds while it reads the node list: waking
    # under _nodes_lock would deadlock with it (real rclpy lets any thread add or remove nodes mid-spin).
    def add_node(self, node):
        with self._nodes_lock:
            if node in self._nodes:
                return False
            self._nodes.append(node)
            node.executor = self
        self.wake()
        return True

    def remove_node(self, node):
        with self._nodes_lock:
            if node not in self._nodes:
                return
            self._nodes.remove(node)
            if node._Node__executor is self:
                node._Node__executor = None
        self.wake()

    def wake(self):
        GRAPH.notify()

    def get_nodes(self):
        with self._nodes_lock:
            return list(self._nodes)

    def spin(self):
        while self._context.ok() and not self._is_shutdown:
            self.spin_once()

    def spin_until_future_complete(self, future, timeout_sec=None):
        future.add_done_callback(lambda x: self.wake())
        if timeout_sec is None or timeout_sec < 0:
            while self._context.ok() and not future.done() and not self._is_shutdown:
                self.spin_once_until_future_complete(future, timeout_sec)
        else:
            end = time.monotonic() + timeout_sec
            timeout_left = timeout_sec
            while self._context.ok() and not future.done() and not self._is_shutdown:
                self.spin_once_until_future_complete(future, timeout_left)
                now = time.monotonic()
                if now >= end:
                    return
                timeout_left = end - now

    def spin_once(self, timeout_sec=None):
        raise NotImplementedError()

    def spin_once_until_future_complete(self, future, timeout_sec=None):
        raise NotImplementedError()

    # --------------------------------------------------------------------------------- selection

    def _select(self, now_poll):
        """The next ready unit of work as (Task, entity, node), or None. Called with the graph lock held."""
        with self._tasks_lock:
            self._tasks = [t for t in self._tasks if not t[0].done()]
            nodes = self.get_nodes()
            for task, entity, node in reversed(self._tasks):
                if task.executing() or task.done() or (node is not None and node not in nodes):
                    continue
                if now_poll - getattr(task, '_double_polled', 0.0) < 0.001:
                    continue
                task._double_polled = now_poll
                return task, entity, node
        for node in nodes:
            if node._double_destroyed:
                continue
            for entity in node._double_entities():
                if not entity._double_ready():
                    continue
                group = entity.callback_group
                if not group.can_execute(entity) or not group.beginning_execution(entity):
                    continue
                work = entity._double_take(self)
                return Task(_handler(entity, work), executor=self), entity, node
        return None

    def _wait_seconds(self):
        best = None
        for node in self.get_nodes():
            if node._double_destroyed:
                continue
            for timer in node.timers:
                s = timer._double_wait_s()
                if s is not None and (best is None or s < best):
                    best = s
        return best

    def wait_for_ready_callbacks(self, timeout_sec=None, nodes=None, condition=None):
        condition = condition or (lambda: False)
        deadline = None if timeout_sec is None or timeout_sec < 0 else time.monotonic() + timeout_sec
        while True:
            # the context check comes first: a shutdown of the default context also shuts the global
            # executor down, and real rclpy usually surfaces that as ExternalShutdownException
            if not self._context.ok():
                raise ExternalShutdownException()
            if self._is_shutdown:
                raise ShutdownException()
            if condition():
                raise ConditionReachedException()
            with GRAPH.cond:
                picked = self._select(time.monotonic())
                if picked is not None:
                    return picked
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    raise TimeoutException()
                wait = _SAFETY_WAIT
                timer_wait = self._wait_seconds()
                if timer_wait is not None:
                    wait = min(wait, max(timer_wait, 0.0))
                if deadline is not None:
                    wait = min(wait, deadline - now)
                with self._tasks_lock:
                    if any(not t[0].done() and not t[0].executing() for t in self._tasks):
                        wait = min(wait, 0.001)
                if wait > 0:
                    GRAPH.cond.wait(wait)

    def _track(self, task, entity, node):
        if not task.done():
            with self._tasks_lock:
                if all(t[0] is not task for t in self._tasks):
                    self._tasks.append((task, entity, node))

    if jazzy():
        def __enter__(self):
            return self

        def __exit__(self, t, v, tb):
            self.shutdown()


def _handler(entity, work):
    """The coroutine the executor runs for one taken item: call it, await it if async, release the group."""
    async def handler():
        try:
            result = work()
            if inspect.isawaitable(result):
                result = await result
            return result
        finally:
            entity.callback_group.ending_execution(entity)
            GRAPH.notify()
    return handler


class SingleThreadedExecutor(Executor):
    def _spin_once_impl(self, timeout_sec=None, wait_condition=None):
        try:
            handler, entity, node = self.wait_for_ready_callbacks(timeout_sec, None, wait_condition)
        except (ShutdownException, TimeoutException, ConditionReachedException):
            return
        handler()
        self._track(handler, entity, node)
        if handler.exception() is not None:
            raise handler.exception()
        handler.result()

    def spin_once(self, timeout_sec=None):
        self._spin_once_impl(timeout_sec)

    def spin_once_until_future_complete(self, future, timeout_sec=None):
        self._spin_once_impl(timeout_sec, future.done)


class MultiThreadedExecutor(Executor):
    def __init__(self, num_threads=None, *, context=None):
        super().__init__(context=context)
        if num_threads is None:
            if jazzy():
                try:
                    num_threads = len(os.sched_getaffinity(0))
                except AttributeError:
                    num_threads = 2
            else:
                num_threads = multiprocessing.cpu_count()
        if num_threads == 1 and jazzy():
            warnings.warn('MultiThreadedExecutor is used with a single thread.\n'
                          'Use the SingleThreadedExecutor instead.')
        self._futures = []
        self._executor = ThreadPoolExecutor(num_threads)
        self._futures_lock = threading.Lock()

    def _spin_once_impl(self, timeout_sec=None, wait_condition=None):
        try:
            handler, entity, node = self.wait_for_ready_callbacks(timeout_sec, None, wait_condition)
        except (ExternalShutdownException, ShutdownException, TimeoutException, ConditionReachedException):
            pass
        else:
            def run():
                handler()
                self._track(handler, entity, node)
                GRAPH.notify()
                if handler.exception() is not None:
                    raise handler.exception()
            with self._futures_lock:
                self._futures.append(self._executor.submit(run))
        with self._futures_lock:
            done = [f for f in self._futures if f.done()]
            for f in done:
                self._futures.remove(f)
        for f in done:
            f.result()

    def spin_once(self, timeout_sec=None):
        self._spin_once_impl(timeout_sec)

    def spin_once_until_future_complete(self, future, timeout_sec=None):
        self._spin_once_impl(timeout_sec, future.done)

    def shutdown(self, timeout_sec=None):
        result = super().shutdown(timeout_sec)
        self._executor.shutdown(wait=True)
        return result

    @property
    def _double_pool(self):
        return self._executor

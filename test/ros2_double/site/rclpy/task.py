"""rclpy.task: Future (cancel sets only cancelled(), done() stays False) and Task (function or coroutine)."""

import inspect
import threading
import weakref


class Future:
    def __init__(self, *, executor=None):
        self._state = 'PENDING'
        self._result = None
        self._exception = None
        self._exception_fetched = False
        self._callbacks = []
        self._lock = threading.Lock()
        self._executor = None
        self._set_executor(executor)

    def __del__(self):
        pass

    def __await__(self):
        while not self.done():
            yield
        return self.result()

    def cancel(self):
        with self._lock:
            if not self.done():
                self._state = 'CANCELLED'
        self._schedule_or_invoke_done_callbacks()

    def cancelled(self):
        return self._state == 'CANCELLED'

    def done(self):
        return self._state == 'FINISHED'

    def result(self):
        if self._exception:
            self._exception_fetched = True
            raise self._exception
        return self._result

    def exception(self):
        self._exception_fetched = True
        return self._exception

    def set_result(self, result):
        with self._lock:
            self._result = result
            self._state = 'FINISHED'
        self._schedule_or_invoke_done_callbacks()

    def set_exception(self, exception):
        with self._lock:
            self._exception = exception
            self._exception_fetched = False
            self._state = 'FINISHED'
        self._schedule_or_invoke_done_callbacks()

    def _schedule_or_invoke_done_callbacks(self):
        with self._lock:
            executor = self._executor() if self._executor is not None else None
            callbacks = list(self._callbacks)
            self._callbacks.clear()
        if executor is not None:
            for callback in callbacks:
                executor.create_task(callback, self)
        else:
            for callback in callbacks:
                callback(self)

    def _set_executor(self, executor):
        self._executor = None if executor is None else weakref.ref(executor)

    def add_done_callback(self, callback):
        invoke = False
        with self._lock:
            if self._state != 'PENDING':
                executor = self._executor() if self._executor is not None else None
                if executor is not None:
                    executor.create_task(callback, self)
                else:
                    invoke = True
            else:
                self._callbacks.append(callback)
        if invoke:
            callback(self)

    def remove_done_callback(self, callback):
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)
                return True
        return False


class Task(Future):
    """Runs a function or drives a coroutine; each call to the task advances it (the executor calls it)."""

    def __init__(self, handler, args=None, kwargs=None, executor=None):
        super().__init__(executor=executor)
        self._handler = handler
        self._args = args or ()
        self._kwargs = kwargs or {}
        if inspect.iscoroutine(handler):
            self._coro, self._handler = handler, None
        else:
            self._coro = None
        self._task_lock = threading.Lock()
        self._executing = False

    def __call__(self):
        if self.done() or self._executing or not self._task_lock.acquire(blocking=False):
            return
        try:
            if self.done():
                return
            self._executing = True
            if self._coro is None:
                try:
                    result = self._handler(*self._args, **self._kwargs)
                except Exception as e:
                    self.set_exception(e)
                    self._complete_task()
                    return
                if inspect.iscoroutine(result):
                    self._coro = result
                else:
                    self.set_result(result)
                    self._complete_task()
                    return
            try:
                self._coro.send(None)
            except StopIteration as e:
                self.set_result(e.value)
                self._complete_task()
            except Exception as e:
                self.set_exception(e)
                self._complete_task()
        finally:
            self._executing = False
            self._task_lock.release()

    def _complete_task(self):
        self._handler = None
        self._args = None
        self._kwargs = None
        self._coro = None

    def executing(self):
        return self._executing

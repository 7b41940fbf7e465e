"""A first-come, first-served slot gate for model calls.

`threading.Semaphore` is not fair: a thread that releases and at once re-acquires (a background
contradiction judge looping over pairs) can starve a user's question waiting for the same slot.
Here a released slot is handed directly to the longest waiter."""
from __future__ import annotations

import threading
from collections import deque


class FairGate:
    def __init__(self, slots: int) -> None:
        self._free = max(1, slots)
        self._lock = threading.Lock()
        self._waiters: deque[threading.Event] = deque()

    def acquire(self, timeout: float | None = None) -> bool:
        with self._lock:
            if self._free > 0 and not self._waiters:
                self._free -= 1
                return True
            ticket = threading.Event()
            self._waiters.append(ticket)
        if ticket.wait(timeout):
            return True
        with self._lock:
            if ticket.is_set():  # handed the slot just as the wait timed out
                return True
            self._waiters.remove(ticket)
            return False

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set()  # the slot passes straight to the next in line
            else:
                self._free += 1

    @property
    def waiting(self) -> int:
        return len(self._waiters)

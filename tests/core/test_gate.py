"""The model-call gate serves waiters in arrival order, so a looping background job cannot starve a
user's question (threading.Semaphore makes no such promise)."""
import threading
import time

from retrieval.llm.gate import FairGate


def test_released_slot_goes_to_the_longest_waiter():
    gate = FairGate(1)
    assert gate.acquire()
    order: list[str] = []

    def user():
        assert gate.acquire(timeout=5)
        order.append("user")
        gate.release()

    t = threading.Thread(target=user)
    t.start()
    while gate.waiting == 0:
        time.sleep(0.001)
    for _ in range(50):  # a greedy loop: release and immediately try again
        gate.release()
        assert gate.acquire(timeout=5)
        order.append("loop")
    gate.release()
    t.join()
    assert order[0] == "user"


def test_timeout_leaves_the_queue_and_the_slot_consistent():
    gate = FairGate(1)
    assert gate.acquire()
    assert gate.acquire(timeout=0.05) is False
    assert gate.waiting == 0
    gate.release()
    assert gate.acquire(timeout=0.05) is True


def test_concurrency_limit_holds():
    gate, inside, peak, lock = FairGate(2), [0], [0], threading.Lock()

    def work():
        assert gate.acquire(timeout=5)
        with lock:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
        time.sleep(0.01)
        with lock:
            inside[0] -= 1
        gate.release()

    threads = [threading.Thread(target=work) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 2

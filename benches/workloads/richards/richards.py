"""Richards: a small operating-system task scheduler simulation.

An idle task, a worker, two handlers and two devices exchange packets through
a scheduler that runs the highest-priority ready task; tasks block, wait and
are released. Object-heavy, with many small methods and state tests.
"""

import sys

IDLE, WORKER, HANDLER_A, HANDLER_B, DEVICE_A, DEVICE_B = range(6)
KIND_DEVICE, KIND_WORK = 0, 1
DATA_SIZE = 4


class Packet:
    def __init__(self, link: "Packet | None", ident: int, kind: int) -> None:
        self.link = link
        self.ident = ident
        self.kind = kind
        self.datum = 0
        self.data = [0] * DATA_SIZE

    def append_to(self, queue: "Packet | None") -> "Packet":
        self.link = None
        if queue is None:
            return self
        tail = queue
        while tail.link is not None:
            tail = tail.link
        tail.link = self
        return queue


class Task:
    def __init__(self, sched: "Scheduler", ident: int, priority: int, queue: Packet | None):
        self.sched = sched
        self.ident = ident
        self.priority = priority
        self.queue = queue
        self.waiting = False
        self.held = False
        self.packet_pending = queue is not None
        sched.add(self)

    def runnable(self) -> bool:
        return not self.held and (self.packet_pending or not self.waiting)

    def take_packet(self) -> Packet | None:
        if not self.packet_pending:
            return None
        packet = self.queue
        assert packet is not None
        self.queue = packet.link
        self.packet_pending = self.queue is not None
        return packet

    def receive(self, packet: Packet) -> "Task":
        """Queue `packet` here; switch to this task if it beats the current one."""
        if self.queue is None:
            self.queue = packet
            self.packet_pending = True
            if self.priority > self.sched.current.priority:
                return self
        else:
            self.queue = packet.append_to(self.queue)
        return self.sched.current

    def run(self, packet: Packet | None) -> "Task":
        raise NotImplementedError


class IdleTask(Task):
    def __init__(self, sched: "Scheduler", count: int) -> None:
        super().__init__(sched, IDLE, 0, None)
        self.control = 1
        self.count = count

    def run(self, packet: Packet | None) -> "Task":
        self.count -= 1
        if self.count == 0:
            return self.sched.hold_self()
        if self.control & 1 == 0:
            self.control >>= 1
            return self.sched.release(DEVICE_A)
        self.control = (self.control >> 1) ^ 0xD008
        return self.sched.release(DEVICE_B)


class WorkerTask(Task):
    def __init__(self, sched: "Scheduler", queue: Packet) -> None:
        super().__init__(sched, WORKER, 1000, queue)
        self.destination = HANDLER_A
        self.count = 0

    def run(self, packet: Packet | None) -> "Task":
        if packet is None:
            return self.sched.wait()
        self.destination = HANDLER_B if self.destination == HANDLER_A else HANDLER_A
        packet.ident = self.destination
        packet.datum = 0
        for i in range(DATA_SIZE):
            self.count += 1
            if self.count > 26:
                self.count = 1
            packet.data[i] = ord("A") + self.count - 1
        return self.sched.send(packet)


class HandlerTask(Task):
    def __init__(self, sched: "Scheduler", ident: int, queue: Packet) -> None:
        super().__init__(sched, ident, 2000 + ident, queue)
        self.work: Packet | None = None
        self.devices: Packet | None = None

    def run(self, packet: Packet | None) -> "Task":
        if packet is not None:
            if packet.kind == KIND_WORK:
                self.work = packet.append_to(self.work)
            else:
                self.devices = packet.append_to(self.devices)
        work = self.work
        if work is None:
            return self.sched.wait()
        if work.datum < DATA_SIZE:
            device = self.devices
            if device is None:
                return self.sched.wait()
            self.devices = device.link
            device.datum = work.data[work.datum]
            work.datum += 1
            return self.sched.send(device)
        self.work = work.link
        return self.sched.send(work)


class DeviceTask(Task):
    def __init__(self, sched: "Scheduler", ident: int) -> None:
        super().__init__(sched, ident, 4000 + ident, None)
        self.pending: Packet | None = None

    def run(self, packet: Packet | None) -> "Task":
        if packet is None:
            if self.pending is None:
                return self.sched.wait()
            out = self.pending
            self.pending = None
            return self.sched.send(out)
        self.pending = packet
        self.sched.output += 1
        return self.sched.hold_self()


class Scheduler:
    def __init__(self) -> None:
        self.tasks: dict[int, Task] = {}
        self.order: list[Task] = []
        self.current: Task
        self.hold_count = 0
        self.queue_count = 0
        self.output = 0

    def add(self, task: Task) -> None:
        self.tasks[task.ident] = task
        self.order.append(task)
        self.order.sort(key=lambda t: -t.priority)

    def hold_self(self) -> Task:
        self.hold_count += 1
        self.current.held = True
        return self.next_runnable(self.current)

    def release(self, ident: int) -> Task:
        task = self.tasks[ident]
        task.held = False
        if task.priority > self.current.priority:
            return task
        return self.current

    def wait(self) -> Task:
        self.current.waiting = True
        return self.current

    def send(self, packet: Packet) -> Task:
        target = self.tasks[packet.ident]
        self.queue_count += 1
        packet.link = None
        packet.ident = self.current.ident
        return target.receive(packet)

    def next_runnable(self, after: Task) -> Task:
        index = self.order.index(after)
        for task in self.order[index + 1 :]:
            if task.runnable():
                return task
        for task in self.order[: index + 1]:
            if task.runnable():
                return task
        return after

    def run(self) -> None:
        self.current = self.order[0]
        idle_steps = 0
        while True:
            task = self.current
            if task.runnable():
                packet = task.take_packet() if task.waiting or task.packet_pending else None
                task.waiting = False
                chosen = task.run(packet)
                self.current = chosen if chosen.runnable() else self.next_runnable(chosen)
                idle_steps = 0
            else:
                nxt = self.next_runnable(task)
                if nxt is task or not nxt.runnable():
                    idle_steps += 1
                    if idle_steps > 1:
                        return
                self.current = nxt


def one_run(count: int) -> tuple[int, int]:
    sched = Scheduler()
    IdleTask(sched, count)
    work = Packet(None, 0, KIND_WORK)
    work = Packet(work, 0, KIND_WORK)
    WorkerTask(sched, work)
    for handler, device in ((HANDLER_A, DEVICE_A), (HANDLER_B, DEVICE_B)):
        queue = Packet(None, device, KIND_DEVICE)
        queue = Packet(queue, device, KIND_DEVICE)
        queue = Packet(queue, device, KIND_DEVICE)
        HandlerTask(sched, handler, queue)
    DeviceTask(sched, DEVICE_A)
    DeviceTask(sched, DEVICE_B)
    sched.run()
    return sched.queue_count, sched.hold_count


def main(iterations: int) -> tuple[int, int]:
    result = (0, 0)
    for _ in range(iterations):
        result = one_run(10_000)
    print(f"richards: queued {result[0]}, held {result[1]}")
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)

import Synchronization
import Testing

@testable import CoretexGateway
@testable import CoretexRuntime
@testable import CoretexWorkers

@Suite struct JobSlotsTests {
    final class Tally: Sendable {
        let holders = Atomic<Int>(0)
        let most = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let order = Mutex<[Int]>([])
    }

    @Test func neverMoreHoldersThanSlotsAndEveryWaiterGetsOne() async {
        let slots = JobSlots(3)
        let tally = Tally()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    await slots.acquire()
                    let now = tally.holders.add(1, ordering: .relaxed).newValue
                    _ = tally.most.max(now, ordering: .relaxed)
                    await Task.yield()
                    tally.holders.subtract(1, ordering: .relaxed)
                    slots.release()
                    tally.done.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(tally.done.load(ordering: .relaxed) == 200)
        #expect(tally.most.load(ordering: .relaxed) <= 3)
        #expect(tally.most.load(ordering: .relaxed) >= 1)
    }

    @Test func aReleasedSlotGoesToTheLongestWaiter() async {
        let slots = JobSlots(1)
        await slots.acquire()
        let tally = Tally()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<3 {
                group.addTask {
                    await slots.acquire()
                    tally.order.withLock { $0.append(i) }
                    slots.release()
                }
                // The next waiter is queued only once this one waits, so their order is known.
                while !slots.hasWaiters(i + 1) { await Task.yield() }
            }
            slots.release()
        }
        #expect(tally.order.withLock { $0 } == [0, 1, 2])
    }
}

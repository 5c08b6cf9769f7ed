import Foundation

/// A task executor that runs its jobs on one thread of its own, outside Swift's cooperative pool.
///
/// A simulation run drives its scheduler synchronously, holding the thread it runs on for the whole
/// run. On the cooperative pool (one thread per core) two lanes would hold every thread, and the
/// rest of the test suite — whose tests have timing bounds — would stall behind them for minutes.
/// Each lane runs here instead.
final class LaneThread: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    init(name: String) {
        // The thread holds the executor until `stop()` lets its loop end: a task that preferred this
        // executor may still be finishing on it after the last reference elsewhere is gone.
        let thread = Thread { self.loop() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end once its queue is empty.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty && stopped {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

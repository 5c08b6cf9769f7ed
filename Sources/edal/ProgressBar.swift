import Foundation

/// A one-line progress bar on standard error, drawn only when it is a terminal.
final class ProgressBar: @unchecked Sendable {
    // @unchecked: all state is behind `lock`.
    private let total: Int
    private let lock = NSLock()
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastDrawn = Date.distantPast
    private let started = Date()

    init(total: Int) {
        self.total = max(total, 1)
    }

    func update(done: Int, bytes: Int) {
        guard isTerminal else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard done == total || now.timeIntervalSince(lastDrawn) >= 0.1 else { return }
        lastDrawn = now
        let width = 30
        let filled = width * done / total
        let rate = Double(done) / max(now.timeIntervalSince(started), 0.001)
        let line = String(
            format: "\r[%@%@] %d/%d  %.1f MiB  %.0f objects/s ",
            String(repeating: "#", count: filled), String(repeating: ".", count: width - filled),
            done, total, Double(bytes) / 1_048_576, rate)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard isTerminal else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

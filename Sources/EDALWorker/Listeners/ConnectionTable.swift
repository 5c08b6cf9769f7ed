import NIOConcurrencyHelpers
import NIOCore

/// The connections one listener serves, so it can keep to its connection limit by evicting the
/// longest-idle connection rather than keeping a prober or scraper behind a crowd of idle sockets.
final class ConnectionTable: Sendable {
    private struct Entry {
        var channel: any Channel
        var lastActive: NIODeadline
        var inRequest: Bool
    }

    private let entries = NIOLockedValueBox([ObjectIdentifier: Entry]())
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes `channel` in, when there is room or a connection idle for `minimumIdle` can be evicted
    /// to make some (the longest-idle one); `false` when neither (the caller waits and asks again).
    /// Evicting only connections idle for a while keeps a flood of new connections from evicting
    /// one another before they could send their requests.
    func admit(_ channel: any Channel, minimumIdle: TimeAmount) -> Bool {
        let now = NIODeadline.now()
        let admitted = entries.withLockedValue { entries -> (admitted: Bool, evicted: (any Channel)?) in
            var evicted: (any Channel)?
            if entries.count >= limit {
                guard
                    let oldest = entries.filter({ !$0.value.inRequest && now - $0.value.lastActive >= minimumIdle })
                        .min(by: { $0.value.lastActive < $1.value.lastActive })
                else { return (false, nil) }
                evicted = oldest.value.channel
                entries[oldest.key] = nil
            }
            entries[ObjectIdentifier(channel)] = Entry(channel: channel, lastActive: now, inRequest: false)
            return (true, evicted)
        }
        guard admitted.admitted else { return false }
        admitted.evicted?.close(promise: nil)
        channel.closeFuture.whenComplete { _ in self.remove(channel) }
        return true
    }

    /// Marks a request begun or answered on `channel`.
    func mark(_ channel: any Channel, inRequest: Bool) {
        entries.withLockedValue { entries in
            entries[ObjectIdentifier(channel)]?.inRequest = inRequest
            entries[ObjectIdentifier(channel)]?.lastActive = .now()
        }
    }

    func remove(_ channel: any Channel) {
        _ = entries.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var count: Int { entries.withLockedValue { $0.count } }
}

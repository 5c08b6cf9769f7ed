import EDALDetection
import Foundation

/// Source events no sink took are kept with their source's baseline (saved to the store at the
/// next sync, so another replica can publish them if this one goes) and published again when a
/// sink answers: a source event is derived once, not again when an object is retried.
extension SourceTracker {
    /// Keeps `signal` (a source event) until a sink takes it; `false` when its source is unknown.
    @discardableResult
    public func keepUnpublished(_ signal: Signal) -> Bool {
        guard let payload = try? signal.encoded() else { return false }
        return registry.withLockedValue {
            $0.keepUnpublished(signal.signalId, payload: String(decoding: payload, as: UTF8.self), of: signal.source.id)
        }
    }

    /// Whether any source event is kept, without reading them.
    public var hasUnpublished: Bool { registry.withLockedValue { $0.hasUnpublishedEvents } }

    /// The kept source events, oldest id first (an unreadable one is dropped with a warning).
    public func unpublished() -> [Signal] {
        let kept = registry.withLockedValue { $0.unpublishedEvents() }
        var signals: [Signal] = []
        for (sourceId, id, payload) in kept {
            do {
                signals.append(try Signal.decode(Data(payload.utf8)))
            } catch {
                logger.warning(
                    "a kept source event cannot be read; it is dropped",
                    metadata: ["source": "\(sourceId)", "signal_id": "\(id)", "error": .error(error)])
                registry.withLockedValue { $0.published(id, of: sourceId) }
            }
        }
        return signals
    }

    /// Forgets the kept event `signal`: a sink took it.
    public func published(_ signal: Signal) {
        registry.withLockedValue { $0.published(signal.signalId, of: signal.source.id) }
    }
}

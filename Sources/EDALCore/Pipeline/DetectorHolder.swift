import NIOConcurrencyHelpers

/// The detector every task scores with; its models can be replaced while the worker runs.
public final class DetectorHolder: Sendable {
    private let box: NIOLockedValueBox<Detector>

    public init(_ detector: Detector) {
        box = NIOLockedValueBox(detector)
    }

    public var detector: Detector {
        box.withLockedValue { $0 }
    }

    /// Swaps in newly trained or loaded models.
    public func replaceModels(_ models: [TelemetryKind: KindModel]) {
        box.withLockedValue { $0.models = models }
    }
}

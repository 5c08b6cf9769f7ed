import Dispatch
import EDALWorker
import Foundation
import Logging

/// Turns SIGTERM and SIGINT into a shutdown request; a second signal exits at once. Both are said
/// through `logger`, so with `EDAL_LOG_FORMAT=json` every line on standard error stays JSON.
final class SignalTrap {
    private let sources: [DispatchSourceSignal]

    init(_ shutdown: ShutdownSignal, logger: Logger) {
        var sources: [DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if shutdown.isRequested {
                    logger.notice("second signal, exiting now")
                    exit(130)
                }
                logger.notice("stopping: no new messages; finishing work in progress")
                shutdown.request()
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }
}

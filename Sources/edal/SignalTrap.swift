import Dispatch
import EDALCore
import Foundation

/// Turns SIGTERM and SIGINT into a shutdown request; a second signal exits at once.
final class SignalTrap {
    private let sources: [DispatchSourceSignal]

    init(_ shutdown: ShutdownSignal) {
        var sources: [DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if shutdown.isRequested {
                    FileHandle.standardError.write(Data("edal: second signal, exiting now\n".utf8))
                    exit(130)
                }
                FileHandle.standardError.write(Data("edal: stopping: no new messages; finishing work in progress\n".utf8))
                shutdown.request()
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }
}

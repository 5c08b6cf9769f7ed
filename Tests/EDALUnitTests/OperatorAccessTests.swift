import Foundation
import NIOHTTP1
import Testing

@testable import EDALWorker

@Suite("operator page access")
struct OperatorAccessTests {
    @Test("without a token: requests addressed to an IP address or localhost only (DNS rebinding)")
    func hostCheck() {
        let open = OperatorAccess(token: nil)
        for host in ["127.0.0.1:9465", "localhost:9465", "LOCALHOST", "[::1]:9465", "10.0.0.7"] {
            #expect(open.refusal(HTTPHeaders([("Host", host)])) == nil, "\(host)")
        }
        for host in ["attacker.example:9465", "127.0.0.1.nip.io", "1.2.3", "edal.internal"] {
            #expect(open.refusal(HTTPHeaders([("Host", host)]))?.status == .forbidden, "\(host)")
        }
    }

    @Test("with a token: Bearer or Basic password, compared whole; any Host then")
    func token() {
        let guarded = OperatorAccess(token: "correct-horse-battery")
        #expect(guarded.refusal(HTTPHeaders([("Host", "edal.internal")]))?.status == .unauthorized)
        #expect(
            guarded.refusal(HTTPHeaders([("Host", "edal.internal")]))?.headers.contains {
                $0.name == "WWW-Authenticate"
            }
                == true)
        #expect(guarded.refusal(HTTPHeaders([("Authorization", "Bearer correct-horse-battery")])) == nil)
        #expect(guarded.refusal(HTTPHeaders([("Authorization", "Bearer correct-horse")])) != nil)
        #expect(guarded.refusal(HTTPHeaders([("Authorization", "Bearer correct-horse-battery-staple")])) != nil)
        let basic = Data("operator:correct-horse-battery".utf8).base64EncodedString()
        #expect(guarded.refusal(HTTPHeaders([("Authorization", "Basic \(basic)"), ("Host", "edal.internal")])) == nil)
        #expect(guarded.refusal(HTTPHeaders([("Authorization", "Basic !!!")])) != nil)
    }
}

/// The routes of the operator listener (`EDAL_OPERATOR_ADDRESS`): the page and its `/api/*`,
/// behind `OperatorAccess`.
public struct OperatorServer: Sendable {
    public var view: OperatorView
    public var access: OperatorAccess

    public init(view: OperatorView, access: OperatorAccess) {
        self.view = view
        self.access = access
    }

    public func respond(to request: HTTPListenerRequest) async -> HTTPListenerResponse {
        if let refusal = access.refusal(request.headers) { return refusal }
        if let page = await view.respond(to: request.path) {
            return HTTPListenerResponse(
                .ok, contentType: page.contentType, body: page.body,
                headers: [
                    ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                    (
                        "Content-Security-Policy",
                        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
                    ),
                ])
        }
        return .text(.notFound, "try /, /api/snapshot, /api/sources, /api/signals or /api/health\n")
    }
}

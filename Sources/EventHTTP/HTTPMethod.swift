import CLibevent

/// The methods libevent's parser knows; anything else is refused by libevent with 400 before a
/// handler sees it.
public enum HTTPMethod: String, Sendable, CaseIterable {
    case GET, POST, HEAD, PUT, DELETE, OPTIONS, TRACE, CONNECT, PATCH

    init?(libevent command: evhttp_cmd_type) {
        switch command {
        case EVHTTP_REQ_GET: self = .GET
        case EVHTTP_REQ_POST: self = .POST
        case EVHTTP_REQ_HEAD: self = .HEAD
        case EVHTTP_REQ_PUT: self = .PUT
        case EVHTTP_REQ_DELETE: self = .DELETE
        case EVHTTP_REQ_OPTIONS: self = .OPTIONS
        case EVHTTP_REQ_TRACE: self = .TRACE
        case EVHTTP_REQ_CONNECT: self = .CONNECT
        case EVHTTP_REQ_PATCH: self = .PATCH
        default: return nil
        }
    }

    var libeventCommand: evhttp_cmd_type {
        switch self {
        case .GET: EVHTTP_REQ_GET
        case .POST: EVHTTP_REQ_POST
        case .HEAD: EVHTTP_REQ_HEAD
        case .PUT: EVHTTP_REQ_PUT
        case .DELETE: EVHTTP_REQ_DELETE
        case .OPTIONS: EVHTTP_REQ_OPTIONS
        case .TRACE: EVHTTP_REQ_TRACE
        case .CONNECT: EVHTTP_REQ_CONNECT
        case .PATCH: EVHTTP_REQ_PATCH
        }
    }
}

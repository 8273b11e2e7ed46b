import CLibevent
internal import CEventOpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An evhttp client connection over an OpenSSL bufferevent, as libevent's
/// sample/https-client.c makes one, with the server's certificate checked by OpenSSL against
/// the context's trust and the URL's host.
///
/// Ownership, one owner at each moment: the SSL object is this code's until
/// `bufferevent_openssl_socket_new`, which takes it even when it fails (BEV_OPT_CLOSE_ON_FREE:
/// the bufferevent frees the SSL and closes the socket); the bufferevent is this code's until
/// `evhttp_connection_base_bufferevent_new` succeeds, and the connection's after
/// (`evhttp_connection_free` frees it). So the call frees the connection and nothing else.
struct TLSConnection {
    let connection: OpaquePointer
    let handshake: TLSHandshake

    /// Why a connection could not be made: OpenSSL's reason, or nil for want of memory.
    struct SetupFailure: Error {
        let openSSLError: UInt?
    }

    static func open(on base: OpaquePointer, context: TLSContext, target: ClientTarget, address: String) -> Result<TLSConnection, SetupFailure> {
        ERR_clear_error()
        guard let ssl = SSL_new(context.pointer) else { return .failure(SetupFailure(openSSLError: nil)) }
        guard let handshake = TLSHandshake.attach(to: ssl) else {
            SSL_free(ssl)
            return .failure(SetupFailure(openSSLError: nil))
        }
        guard name(ssl, for: target) else {
            let error = ERR_peek_last_error()
            ERR_clear_error()
            SSL_free(ssl)
            return .failure(SetupFailure(openSSLError: error == 0 ? nil : error))
        }
        // Deferred callbacks: libevent then runs evhttp's handlers from the loop, never from
        // inside an OpenSSL call, and evhttp resets the bufferevent (and its SSL) in them.
        let options = Int32(BEV_OPT_CLOSE_ON_FREE.rawValue | BEV_OPT_DEFER_CALLBACKS.rawValue)
        guard let bufferevent = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, options) else {
            return .failure(SetupFailure(openSSLError: nil))
        }
        // Servers commonly close without a TLS close_notify; a response whose length is known
        // is complete anyway, and one delimited by the close is read as far as it came.
        bufferevent_openssl_set_allow_dirty_shutdown(bufferevent, 1)
        guard let connection = evhttp_connection_base_bufferevent_new(base, nil, bufferevent, address, target.port) else {
            bufferevent_free(bufferevent)
            return .failure(SetupFailure(openSSLError: nil))
        }
        return .success(TLSConnection(connection: connection, handshake: handshake))
    }

    /// SNI with the host name (RFC 6066 allows no IP literal there), and the name or address
    /// the certificate must be for, checked by OpenSSL: wildcards only as a whole left-most
    /// label, as Node and browsers take them.
    private static func name(_ ssl: OpaquePointer, for target: ClientTarget) -> Bool {
        let parameters = SSL_get0_param(ssl)
        if target.isNumericHost { return X509_VERIFY_PARAM_set1_ip_asc(parameters, target.host) == 1 }
        X509_VERIFY_PARAM_set_hostflags(parameters, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        return mockconvex_SSL_set_tlsext_host_name(ssl, target.host) == 1 && X509_VERIFY_PARAM_set1_host(parameters, target.host, 0) == 1
    }

    /// Why the connection ended without a response, when TLS is why: a certificate OpenSSL
    /// refused, or a handshake that failed or that the peer left (`errno` is the socket's error
    /// libevent reported, nil when it reported none). Nil when the handshake had finished, or
    /// the TCP connect itself failed (refused, unreachable, timed out): those are the
    /// connection's failures, classified as for plain HTTP.
    func failure(errno code: Int32?, address: String) -> HTTPClientError? {
        let errors = drainErrors()
        guard !handshake.finished else { return nil }
        if handshake.verifyError != X509_V_OK {
            return HTTPClientError(kind: .certificateRejected, code: Self.nodeCode(verifyError: handshake.verifyError), address: address,
                                   reason: String(cString: X509_verify_cert_error_string(Int(handshake.verifyError))))
        }
        if let code, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT].contains(code) { return nil }
        if let error = errors.first, !Self.isPeerGone(error) {
            return HTTPClientError(kind: .tlsFailed, code: OpenSSLErrors.nodeCode(error), address: address, reason: OpenSSLErrors.reason(error))
        }
        guard code != nil || !errors.isEmpty else { return nil }
        // Node's words for a peer that closed or reset the connection mid-handshake.
        return HTTPClientError(kind: .tlsFailed, code: "ECONNRESET", address: address,
                               reason: "client network socket disconnected before secure TLS connection was established")
    }

    /// OpenSSL 3's error for a peer that closed mid-handshake, which Node reports as the peer
    /// leaving (its socket sees the close before OpenSSL does).
    private static func isPeerGone(_ error: UInt) -> Bool {
        ERR_GET_LIB(error) == ERR_LIB_SSL && ERR_GET_REASON(error) == SSL_R_UNEXPECTED_EOF_WHILE_READING
    }

    /// The OpenSSL errors the bufferevent kept, oldest first. Left out: the `SSL_get_error`
    /// kinds it keeps among them (small numbers of no library), and the system's errors, which
    /// the socket's errno says better.
    private func drainErrors() -> [UInt] {
        guard let bufferevent = evhttp_connection_get_bufferevent(connection) else { return [] }
        var errors: [UInt] = []
        while true {
            let error = bufferevent_get_openssl_error(bufferevent)
            if error == 0 { break }
            let library = ERR_GET_LIB(error)
            if library != 0, library != ERR_LIB_SYS { errors.insert(error, at: 0) }
        }
        return errors
    }

    /// Node's names for OpenSSL's verification errors (its `X509ErrorCode`), except that a
    /// certificate for another name is reported as Node's own host check reports it.
    static func nodeCode(verifyError: Int32) -> String {
        switch verifyError {
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH: "ERR_TLS_CERT_ALTNAME_INVALID"
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT: "UNABLE_TO_GET_ISSUER_CERT"
        case X509_V_ERR_UNABLE_TO_GET_CRL: "UNABLE_TO_GET_CRL"
        case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE: "UNABLE_TO_DECRYPT_CERT_SIGNATURE"
        case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE: "UNABLE_TO_DECRYPT_CRL_SIGNATURE"
        case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY"
        case X509_V_ERR_CERT_SIGNATURE_FAILURE: "CERT_SIGNATURE_FAILURE"
        case X509_V_ERR_CRL_SIGNATURE_FAILURE: "CRL_SIGNATURE_FAILURE"
        case X509_V_ERR_CERT_NOT_YET_VALID: "CERT_NOT_YET_VALID"
        case X509_V_ERR_CERT_HAS_EXPIRED: "CERT_HAS_EXPIRED"
        case X509_V_ERR_CRL_NOT_YET_VALID: "CRL_NOT_YET_VALID"
        case X509_V_ERR_CRL_HAS_EXPIRED: "CRL_HAS_EXPIRED"
        case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD: "ERROR_IN_CERT_NOT_BEFORE_FIELD"
        case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD: "ERROR_IN_CERT_NOT_AFTER_FIELD"
        case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD: "ERROR_IN_CRL_LAST_UPDATE_FIELD"
        case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD: "ERROR_IN_CRL_NEXT_UPDATE_FIELD"
        case X509_V_ERR_OUT_OF_MEM: "OUT_OF_MEM"
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: "DEPTH_ZERO_SELF_SIGNED_CERT"
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN: "SELF_SIGNED_CERT_IN_CHAIN"
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: "UNABLE_TO_VERIFY_LEAF_SIGNATURE"
        case X509_V_ERR_CERT_CHAIN_TOO_LONG: "CERT_CHAIN_TOO_LONG"
        case X509_V_ERR_CERT_REVOKED: "CERT_REVOKED"
        case X509_V_ERR_INVALID_CA: "INVALID_CA"
        case X509_V_ERR_PATH_LENGTH_EXCEEDED: "PATH_LENGTH_EXCEEDED"
        case X509_V_ERR_INVALID_PURPOSE: "INVALID_PURPOSE"
        case X509_V_ERR_CERT_UNTRUSTED: "CERT_UNTRUSTED"
        case X509_V_ERR_CERT_REJECTED: "CERT_REJECTED"
        default: "UNSPECIFIED"
        }
    }
}

internal import CEventOpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One OpenSSL client context (`SSL_CTX`): the trusted certificates and the verification every
/// connection made from it gets. OpenSSL lets threads share a context once it is set up (each
/// `SSL_new` takes its own reference), and nothing changes it after `init`; hence `Sendable`.
final class TLSContext: @unchecked Sendable {
    let pointer: OpaquePointer

    init(caFile: String?) throws(TLSSettingsError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw TLSSettingsError(description: "OpenSSL could not make a TLS context: \(OpenSSLErrors.firstReason() ?? "out of memory")")
        }
        // TLS 1.2 at least, as Node (and Debian's OpenSSL) insist.
        _ = mockconvex_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION)
        // OpenSSL does all the verifying (chain, dates, and the host name each connection sets);
        // the callbacks only note what it found, for the error the call reports.
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, TLSHandshake.verifyCallback)
        SSL_CTX_set_info_callback(context, TLSHandshake.infoCallback)
        do throws(TLSSettingsError) {
            if let caFile {
                try Self.trust(caFile, in: context)
            } else if SSL_CTX_set_default_verify_paths(context) != 1 {
                throw TLSSettingsError(description: "OpenSSL could not use the system's certificate store: \(OpenSSLErrors.firstReason() ?? "unknown error")")
            }
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        pointer = context
    }

    deinit {
        SSL_CTX_free(pointer)
    }

    /// Trusts the certificates of the PEM file at `path`, and only those.
    private static func trust(_ path: String, in context: OpaquePointer) throws(TLSSettingsError) {
        try checkReadable(path)
        ERR_clear_error()
        guard SSL_CTX_load_verify_locations(context, path, nil) == 1 else {
            let reason = OpenSSLErrors.firstReason() ?? "unknown error"
            throw TLSSettingsError(description: "the CA file \(path) holds no PEM certificate OpenSSL can read (\(reason)); give a file of one or more -----BEGIN CERTIFICATE----- blocks")
        }
        // A file of CRLs alone loads too, and would trust nothing.
        guard mockconvex_X509_STORE_certificate_count(SSL_CTX_get_cert_store(context)) > 0 else {
            throw TLSSettingsError(description: "the CA file \(path) holds no certificate; give a file of one or more -----BEGIN CERTIFICATE----- blocks")
        }
    }

    /// The system's reason for a file OpenSSL could not open, which OpenSSL's own error hides;
    /// and no FIFO or device, which would block the start or never end.
    private static func checkReadable(_ path: String) throws(TLSSettingsError) {
        func failure(_ reason: String) -> TLSSettingsError { TLSSettingsError(description: "cannot read the CA file \(path): \(reason)") }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw failure(String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw failure("it is not a regular file") }
    }
}

/// OpenSSL's error queue (per thread) and its packed error codes, read as Node reads them.
enum OpenSSLErrors {
    /// The reason of the first error queued on this thread (the cause; the later ones say where
    /// it surfaced), and empties the queue.
    static func firstReason() -> String? {
        let code = ERR_peek_error()
        ERR_clear_error()
        return code == 0 ? nil : reason(code)
    }

    static func reason(_ code: UInt) -> String {
        ERR_reason_error_string(code).map { String(cString: $0) } ?? "error \(code)"
    }

    /// Node's code for an OpenSSL error: `ERR_SSL_` and the reason in capitals, spaces made
    /// underscores, for the TLS library's errors (`ERR_SSL_WRONG_VERSION_NUMBER`); `ERR_OSSL_`
    /// for the other libraries'.
    static func nodeCode(_ code: UInt) -> String {
        let prefix = ERR_GET_LIB(code) == ERR_LIB_SSL ? "ERR_SSL_" : "ERR_OSSL_"
        return prefix + String(reason(code).uppercased().map { $0 == " " ? "_" : $0 })
    }
}

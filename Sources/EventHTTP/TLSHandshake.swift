internal import CEventOpenSSL

/// What OpenSSL's callbacks saw of one connection's handshake: libevent resets the SSL object
/// (`SSL_clear`) before it reports a failed connection, so its own verify result is gone by
/// the time the call asks why.
///
/// The SSL object holds a reference to its record in an ex_data slot, which OpenSSL releases
/// when it frees the SSL: the callbacks can never reach a freed record, however long libevent
/// keeps the SSL. The call holds another reference, to read it.
final class TLSHandshake {
    /// The first verification error OpenSSL reported; `X509_V_OK` while there is none.
    private(set) var verifyError = Int32(X509_V_OK)
    /// The handshake completed: a later failure is the connection's, not TLS's.
    private(set) var finished = false

    /// Records alive: one per SSL object not yet freed (or call still holding it). Counted so
    /// that tests can see every SSL object freed once its connection is let go.
    static let live = Locked(0)

    private init() {
        Self.live.withLock { $0 += 1 }
    }

    deinit {
        Self.live.withLock { $0 -= 1 }
    }

    /// A new record, attached to `ssl`; nil when OpenSSL has no memory for the slot.
    static func attach(to ssl: OpaquePointer) -> TLSHandshake? {
        let record = TLSHandshake()
        let retained = Unmanaged.passRetained(record).toOpaque()
        guard SSL_set_ex_data(ssl, slot, retained) == 1 else {
            Unmanaged<TLSHandshake>.fromOpaque(retained).release()
            return nil
        }
        return record
    }

    private static func record(of ssl: OpaquePointer?) -> TLSHandshake? {
        guard let ssl, let raw = SSL_get_ex_data(ssl, slot) else { return nil }
        return Unmanaged<TLSHandshake>.fromOpaque(raw).takeUnretainedValue()
    }

    /// The ex_data slot, with the function OpenSSL calls as it frees each SSL object.
    private static let slot: Int32 = mockconvex_SSL_get_ex_new_index { _, pointer, _, _, _, _ in
        guard let pointer else { return }
        Unmanaged<TLSHandshake>.fromOpaque(pointer).release()
    }

    /// Returns OpenSSL's own verdict unchanged; notes the first failure.
    static let verifyCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { verdict, store in
        guard verdict == 0, let store,
              let ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
              let record = record(of: OpaquePointer(ssl)), record.verifyError == X509_V_OK
        else { return verdict }
        record.verifyError = X509_STORE_CTX_get_error(store)
        return verdict
    }

    static let infoCallback: @convention(c) (OpaquePointer?, Int32, Int32) -> Void = { ssl, event, _ in
        guard event & SSL_CB_HANDSHAKE_DONE != 0 else { return }
        record(of: ssl)?.finished = true
    }
}

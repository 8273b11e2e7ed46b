@testable import EventHTTP
import Foundation
import Testing
import TestSupport

/// Real nginx terminating TLS in a network namespace of the test's own, with certificates a
/// test CA issued at test time; the client's loop thread joins the namespace to reach it.
private final class TLSPeers {
    let namespace: NetworkNamespace
    let ca: TestCertificateAuthority
    let otherCA: TestCertificateAuthority
    private var nginx: Sidecar?

    /// What every TLS server block answers: which block chose it, and what the client sent.
    static let answer = #"return 200 "server=$server_name host=$http_host sni=$ssl_server_name\n";"#

    init() throws {
        namespace = try NetworkNamespace()
        ca = try TestCertificateAuthority(name: "mockconvex test CA")
        otherCA = try TestCertificateAuthority(name: "another test CA")
        let localhost = try ca.issue("localhost", names: ["DNS:localhost", "IP:127.0.0.1"])
        let other = try ca.issue("other", names: ["DNS:other.test"])
        let selfSigned = try ca.selfSigned("self-signed", names: ["DNS:localhost"])
        let foreign = try otherCA.issue("foreign", names: ["DNS:localhost"])
        nginx = try Sidecar.nginx(namespace, servers: [
            // Chosen by SNI: a client naming localhost gets the second; one naming nothing the first.
            NginxServer(port: 8443, tls: (other.certificate, other.key), names: ["other.test"], isDefault: true, location: Self.answer),
            NginxServer(port: 8443, tls: (localhost.certificate, localhost.key), names: ["localhost"], location: Self.answer),
            NginxServer(port: 8444, tls: (localhost.certificate, localhost.key), location: Self.answer),
            NginxServer(port: 8445, tls: (other.certificate, other.key), location: Self.answer),
            NginxServer(port: 8446, tls: (selfSigned.certificate, selfSigned.key), location: Self.answer),
            NginxServer(port: 8447, tls: (foreign.chain, foreign.key), location: Self.answer),
            NginxServer(port: 8080, location: #"return 200 "plain\n";"#),
        ])
    }

    func stop() {
        nginx?.stop()
        nginx = nil
        namespace.remove()
        ca.remove()
        otherCA.remove()
    }

    func get(_ url: String, trusting trust: TLSClientSettings?, timeout: Duration = .seconds(5)) throws -> Result<HTTPClientResponse, HTTPClientError> {
        try fetch(.GET, url, timeout: timeout, tls: trust, in: namespace)
    }
}

/// A TCP peer that accepts one connection, takes the client's first bytes (its ClientHello)
/// and then holds the connection open, or closes it.
private final class HandshakePeer: @unchecked Sendable {
    let port: Int
    let helloReceived = Signal()
    /// The client closed its side: the connection was let go.
    let clientLeft = Signal()
    private let listener: Int32

    init(closeAfterHello: Bool) throws {
        let listening = try Sockets.listen()
        listener = listening.fd
        port = listening.port
        let (listener, hello, left) = (listener, helloReceived, clientLeft)
        Thread {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            defer { close(fd) }
            // Bounded, so that the thread ends even when a failing test never lets go.
            var limit = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 4096)
            guard recv(fd, &buffer, buffer.count, 0) > 0 else { return }
            hello.fire()
            if closeAfterHello { return }
            while recv(fd, &buffer, buffer.count, 0) > 0 {}
            left.fire()
        }.start()
    }

    /// Shut down first: that wakes an `accept` still waiting, which a close alone does not.
    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

@Suite(.serialized, .timeLimit(.minutes(3))) struct HTTPClientTLSTests {
    private static func trust(_ authority: TestCertificateAuthority) throws -> TLSClientSettings {
        try TLSClientSettings(caFile: authority.certificate)
    }

    @Test func anHTTPSCallWithTheTestCAGetsTheAnswer() throws {
        let peers = try TLSPeers()
        defer { peers.stop() }
        let response = try peers.get("https://localhost:8443/hello", trusting: try Self.trust(peers.ca)).get()
        #expect(response.status == 200)
        // The default port is left out of Host as for http (443 here is not the default).
        #expect(String(decoding: response.body, as: UTF8.self) == "server=localhost host=localhost:8443 sni=localhost\n")
    }

    @Test func aCertificateFromAnotherCAIsRefusedWithTheReason() throws {
        let peers = try TLSPeers()
        defer { peers.stop() }
        for trust in [try Self.trust(peers.otherCA), nil] {
            let error = try #require(failure(try peers.get("https://localhost:8443/", trusting: trust)))
            #expect(error.kind == .certificateRejected)
            #expect(error.code == "UNABLE_TO_GET_ISSUER_CERT_LOCALLY")
            #expect("\(error)" == "certificate for localhost:8443 did not verify: unable to get local issuer certificate (UNABLE_TO_GET_ISSUER_CERT_LOCALLY)")
        }
    }

    @Test func aCertificateForAnotherNameIsRefused() throws {
        let peers = try TLSPeers()
        defer { peers.stop() }
        let error = try #require(failure(try peers.get("https://localhost:8445/", trusting: try Self.trust(peers.ca))))
        #expect(error.kind == .certificateRejected)
        #expect("\(error)" == "certificate for localhost:8445 did not verify: hostname mismatch (ERR_TLS_CERT_ALTNAME_INVALID)")
    }

    /// nginx chooses the certificate by the name the client sends: localhost's block for
    /// `localhost`; the default block (a certificate for other.test) for an IP literal, which
    /// goes out without SNI and is checked against the certificate's IP addresses.
    @Test func theHostNameGoesOutAsSNIAndAnIPLiteralDoesNot() throws {
        let peers = try TLSPeers()
        defer { peers.stop() }
        let trust = try Self.trust(peers.ca)
        let named = try peers.get("https://localhost:8443/", trusting: trust).get()
        #expect(String(decoding: named.body, as: UTF8.self) == "server=localhost host=localhost:8443 sni=localhost\n")
        let literal = try #require(failure(try peers.get("https://127.0.0.1:8443/", trusting: trust)))
        #expect("\(literal)" == "certificate for 127.0.0.1:8443 did not verify: IP address mismatch (ERR_TLS_CERT_ALTNAME_INVALID)")
        let matching = try peers.get("https://127.0.0.1:8444/", trusting: trust).get()
        #expect(String(decoding: matching.body, as: UTF8.self) == "server= host=127.0.0.1:8444 sni=\n")
    }

    @Test func selfSignedCertificatesAreRefusedWithNodesCodes() throws {
        let peers = try TLSPeers()
        defer { peers.stop() }
        let trust = try Self.trust(peers.ca)
        let alone = try #require(failure(try peers.get("https://localhost:8446/", trusting: trust)))
        #expect("\(alone)" == "certificate for localhost:8446 did not verify: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)")
        let inChain = try #require(failure(try peers.get("https://localhost:8447/", trusting: trust)))
        #expect("\(inChain)" == "certificate for localhost:8447 did not verify: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)")
    }

    @Test func aPlainHTTPServerOnAnHTTPSURLFailsAtOnce() throws {
        let peers = try TLSPeers()
        defer { peers.stop() }
        let started = ContinuousClock.now
        let error = try #require(failure(try peers.get("https://localhost:8080/", trusting: try Self.trust(peers.ca), timeout: .seconds(10))))
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(error.kind == .tlsFailed)
        #expect("\(error)" == "TLS handshake with localhost:8080 failed: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)")
    }

    @Test func anHTTPURLToATLSPortGetsNginxsRefusal() throws {
        let peers = try TLSPeers()
        defer { peers.stop() }
        let response = try peers.get("http://localhost:8443/", trusting: nil).get()
        #expect(response.status == 400)
        #expect(String(decoding: response.body, as: UTF8.self).contains("The plain HTTP request was sent to HTTPS port"))
    }

    @Test func aClosedTLSPortIsConnectionRefused() throws {
        let closed = try Sockets.listen()
        close(closed.fd)
        let error = try #require(failure(try fetch(.GET, "https://127.0.0.1:\(closed.port)/")))
        #expect("\(error)" == "connect ECONNREFUSED 127.0.0.1:\(closed.port)")
    }

    @Test func aPeerThatLeavesMidHandshakeIsECONNRESET() throws {
        let peer = try HandshakePeer(closeAfterHello: true)
        let error = try #require(failure(try fetch(.GET, "https://localhost:\(peer.port)/")))
        #expect(error.kind == .tlsFailed)
        #expect("\(error)" == "TLS handshake with localhost:\(peer.port) failed: client network socket disconnected before secure TLS connection was established (ECONNRESET)")
    }

    /// The deadline bounds the handshake too; then the connection and its SSL object go.
    @Test func aSilentPeerTimesOutMidHandshake() throws {
        let before = TLSHandshake.live.withLock { $0 }
        let peer = try HandshakePeer(closeAfterHello: false)
        let started = ContinuousClock.now
        let error = try #require(failure(try fetch(.GET, "https://localhost:\(peer.port)/", timeout: .milliseconds(300))))
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(error.kind == .timedOut)
        #expect(peer.clientLeft.wait())
        #expect(waitUntil { TLSHandshake.live.withLock { $0 } == before })
    }

    /// Abandoned mid-handshake: no completion, the connection closed, the SSL object freed.
    @Test func closingTheClientMidHandshakeLetsEverythingGo() throws {
        let before = TLSHandshake.live.withLock { $0 }
        let peer = try HandshakePeer(closeAfterHello: false)
        let call = try AbandonedCall("https://localhost:\(peer.port)/")
        defer { call.stop() }
        #expect(peer.helloReceived.wait())
        #expect(TLSHandshake.live.withLock { $0 } == before + 1)
        call.close()
        #expect(peer.clientLeft.wait())
        #expect(waitUntil { TLSHandshake.live.withLock { $0 } == before })
        #expect(call.completionsAfterDraining() == 0)
    }

    @Test func aCAFileThatCannotBeUsedIsRefusedAtOnce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-tls-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func refusal(_ path: String) -> String? {
            do { _ = try TLSClientSettings(caFile: path); return nil } catch { return error.description }
        }
        #expect(refusal("\(directory)/missing.pem") == "cannot read the CA file \(directory)/missing.pem: No such file or directory")
        #expect(refusal(directory) == "cannot read the CA file \(directory): it is not a regular file")
        try "not a certificate\n".write(toFile: "\(directory)/text.pem", atomically: true, encoding: .utf8)
        #expect(refusal("\(directory)/text.pem") == "the CA file \(directory)/text.pem holds no PEM certificate OpenSSL can read (no certificate or crl found); give a file of one or more -----BEGIN CERTIFICATE----- blocks")
    }
}

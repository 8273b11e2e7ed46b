import EventHTTP
import Foundation
import Testing
import TestSupport

/// WebSockets and the server's own life: a listener closed under them, a graceful shutdown,
/// and many at once on several loops; descriptors come back each time.
@Suite(.timeLimit(.minutes(2))) struct WebSocketLifecycleTests {
    @Test func closingAListenerResetsItsSocketsAndLeavesTheOthersServing() throws {
        let onA = SocketEvents()
        let onB = SocketEvents()
        try withServer([("a", webSocketServer(onA)), ("b", webSocketServer(onB))]) { server in
            let portA = server.port("a")
            let clientsA = try (0..<2).map { _ in try WebSocketClient.open(port: portA) }
            let inodes = try clientsA.map { try #require($0.serverInode(serverPort: portA)) }
            let clientB = try WebSocketClient.open(port: server.port("b"))

            _ = try server.setListener("a", open: false)
            for client in clientsA {
                #expect(throws: RawHTTP.Failure.reset) { try client.connection.readToEnd() }
            }
            #expect(onA.waitForClosed(2))
            #expect(onA.closeReasons == [.listenerClosed, .listenerClosed])
            #expect(onA.waitUntilReleased())
            for inode in inodes { #expect(!Sockets.processHoldsSocket(inode: inode)) }

            try clientB.sendText("still here")
            #expect(try clientB.readFrame() == .init(.text, Array("still here".utf8)))
            #expect(onB.closeReasons == [])
        }
    }

    @Test func aGracefulShutdownClosesSocketsWith1001AndEndsOnceTheyAnswer() throws {
        let events = SocketEvents()
        let server = HTTPServer(listeners: [HTTPServer.Listener(name: "main", host: "127.0.0.1", port: 0, makeHandler: webSocketServer(events))])
        try server.start()
        defer { server.shutdown(grace: .zero); server.wait() }
        let client = try WebSocketClient.open(port: server.port("main"))
        try client.sendText("before")
        #expect(try client.readFrame() == .init(.text, Array("before".utf8)))

        let started = ContinuousClock.now
        server.shutdown(grace: .seconds(30))
        #expect(try client.readFrame() == .init(.close, [0x03, 0xE9] + Array("server shutting down".utf8)))
        try client.sendClose(code: 1001)
        #expect(client.readsEndOfStream())
        client.connection.close()
        // The socket is no request in flight: the loops end once it has closed, not at the grace.
        server.wait()
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(events.closeReasons == [.serverShuttingDown])
        #expect(events.waitUntilReleased())
    }

    @Test func aGracefulShutdownDoesNotWaitForASocketBeyondTheGrace() throws {
        let events = SocketEvents()
        let settings = WebSocketSettings(closingTimeout: .seconds(60))
        let server = HTTPServer(listeners: [
            HTTPServer.Listener(name: "main", host: "127.0.0.1", port: 0, makeHandler: webSocketServer(events, settings: settings)),
        ])
        try server.start()
        defer { server.shutdown(grace: .zero); server.wait() }
        let client = try WebSocketClient.open(port: server.port("main"))
        let inode = try #require(client.serverInode(serverPort: server.port("main")))

        let started = ContinuousClock.now
        server.shutdown(grace: .milliseconds(300))
        // The client never answers the Close.
        #expect(try client.readFrame() == .init(.close, [0x03, 0xE9] + Array("server shutting down".utf8)))
        server.wait()
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(client.readsEndOfStream())
        #expect(events.closeReasons == [.serverShuttingDown])
        #expect(events.waitUntilReleased())
        #expect(!Sockets.processHoldsSocket(inode: inode))
    }

    @Test func hundredsOfSocketsOnTwoLoopsAreServedAndAllComeBack() throws {
        let count = 300
        let events = SocketEvents()
        var settings = HTTPServerSettings()
        settings.loops = 2
        let descriptorsBefore = Sockets.openDescriptorCount()
        try withServer([("main", webSocketServer(events))], settings: settings) { server in
            let port = server.port("main")
            let clients = try (0..<count).map { _ in try WebSocketClient.open(port: port) }
            let inodes = try clients.map { try #require($0.serverInode(serverPort: port)) }
            for (index, client) in clients.enumerated() {
                try client.sendText("socket \(index)")
            }
            for (index, client) in clients.enumerated() {
                #expect(try client.readFrame() == .init(.text, Array("socket \(index)".utf8)))
            }
            // Half end with the closing handshake, half vanish.
            for (index, client) in clients.enumerated() {
                if index % 2 == 0 {
                    try client.sendClose(code: 1000)
                    #expect(try client.readFrame() == .init(.close, [0x03, 0xE8]))
                    #expect(client.readsEndOfStream())
                    client.connection.close()
                } else {
                    client.connection.reset()
                }
            }
            #expect(events.waitForClosed(count))
            #expect(events.closeReasons.filter { $0 == .peerClosed(code: 1000, reason: "") }.count == count / 2)
            #expect(events.closeReasons.filter { $0 == .peerVanished }.count == count / 2)
            #expect(events.waitUntilReleased())
            #expect(inodes.allSatisfy { !Sockets.processHoldsSocket(inode: $0) })
        }
        // Other suites open descriptors meanwhile (servers, clients, and each loop's timerfd),
        // so this is a bound, not an equality: a descriptor kept per socket (a placeholder
        // evhttp never closed) would be 300 more.
        #expect(Sockets.openDescriptorCount() - descriptorsBefore < count * 2 / 3)
    }
}

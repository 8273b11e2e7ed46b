import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Name lookups for the outbound client with evdns on the client's loop, never blocking it:
/// `/etc/hosts` first, then the nameservers of `/etc/resolv.conf`.
///
/// Set up as glibc's resolver is, as far as evdns allows, since that is what a Node action's
/// `getaddrinfo` uses: resolv.conf's `nameserver`, `search`, `domain` and `options timeout:N
/// attempts:N ndots:N`, with glibc's defaults where it says nothing (5 s and 2 attempts;
/// evdns alone would make 3) and names sent as given (evdns alone randomises their case).
/// Names under `.invalid` fail at once without a query: RFC 6761 §6.4 asks resolver
/// libraries to, and a machine without a reachable nameserver would otherwise wait them out.
///
/// Every lookup evdns still holds keeps the resolver alive: a cancelled lookup is still called
/// back (with EVUTIL_EAI_CANCEL, from a deferred callback) and that callback locks the evdns
/// base, so the base may be freed only once no lookup is left in evdns's hands. For the same
/// reason evdns never gives up waiting for the AAAA answer after the A one (or the other way
/// round) here: that path answers first and cancels the other query afterwards, leaving a
/// callback behind the answer that would outlive the base. glibc waits for both answers too.
final class HostResolver {
    private let loop: EventLoop
    private let base: OpaquePointer?

    /// The longest deadline a call that looks a name up may have: below the skew set here.
    static let longestCall: Duration = .seconds(3000)

    init(loop: EventLoop) {
        self.loop = loop
        base = evdns_base_new(loop.base, 0)
        if let base {
            // Options first, so that resolv.conf's own override them.
            evdns_base_set_option(base, "attempts:", "2")
            evdns_base_set_option(base, "randomize-case:", "0")
            // Longer than any call's deadline (`longestCall`), so a call is cancelled before
            // this could fire.
            evdns_base_set_option(base, "getaddrinfo-allow-skew:", "3600")
            // Without the file (or without a nameserver in it) evdns asks 127.0.0.1, as glibc does.
            evdns_base_resolv_conf_parse(base, DNS_OPTION_SEARCH | DNS_OPTION_NAMESERVERS | DNS_OPTION_MISC | DNS_OPTION_HOSTSFILE, "/etc/resolv.conf")
        }
    }

    deinit {
        // No lookup is pending (each one keeps the resolver); failing requests is moot then,
        // but it is the mode in which evdns never leaves a request without its callback.
        if let base { evdns_base_free(base, 1) }
    }

    /// Looks `host` up; `completion` runs on the loop, never from inside this call, exactly
    /// once unless the lookup is cancelled first. It gets an address (IPv4 preferred, so that
    /// `localhost` means 127.0.0.1 as in the backend's container) or the getaddrinfo code
    /// Node would report.
    func lookup(_ host: String, _ completion: @escaping (Result<String, LookupFailure>) -> Void) -> HostLookup {
        let lookup = HostLookup(loop: loop, completion: completion)
        guard !Self.isReservedInvalid(host) else {
            lookup.deliverSoon(.failure(.notFound))
            return lookup
        }
        guard let base else {
            lookup.deliverSoon(.failure(.other("EAI_MEMORY")))
            return lookup
        }
        lookup.resolver = self
        var hints = addrinfo.streamHints()
        let arg = Unmanaged.passRetained(lookup).toOpaque()
        let handle = evdns_getaddrinfo(base, host, nil, &hints, { result, list, arg in
            guard let arg else { return }
            Unmanaged<HostLookup>.fromOpaque(arg).takeRetainedValue().calledBack(result, list)
        }, arg)
        lookup.started(handle)
        return lookup
    }

    /// `invalid` and the names under it (with or without the root's trailing dot).
    static func isReservedInvalid(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return name == "invalid" || name.hasSuffix(".invalid")
    }
}

/// Why a name did not resolve, as getaddrinfo (and so Node) names it.
enum LookupFailure: Error, Equatable {
    /// The name does not exist, or has no address (EAI_NONAME, EAI_NODATA; Node: ENOTFOUND).
    case notFound
    /// No usable answer in time (EAI_AGAIN).
    case tryAgain
    /// Anything else, with its code.
    case other(String)

    var code: String {
        switch self {
        case .notFound: "ENOTFOUND"
        case .tryAgain: "EAI_AGAIN"
        case .other(let code): code
        }
    }
}

/// One lookup in progress. Retained by evdns's callback argument until evdns calls back.
final class HostLookup {
    private let loop: EventLoop
    private var completion: ((Result<String, LookupFailure>) -> Void)?
    /// evdns's request, valid until its callback has run (evdns frees it then or soon after).
    private var handle: OpaquePointer?
    private var calledBackAlready = false
    /// An outcome known at once, handed over on the next loop turn.
    private var delivery: ScheduledTimer?
    /// Kept while evdns holds this lookup: see `HostResolver`.
    fileprivate var resolver: HostResolver?

    fileprivate init(loop: EventLoop, completion: @escaping (Result<String, LookupFailure>) -> Void) {
        self.loop = loop
        self.completion = completion
    }

    /// Nobody wants the outcome any more: the completion will not run.
    func cancel() {
        completion = nil
        delivery?.cancel()
        delivery = nil
        if let handle {
            // evdns still calls back (EVUTIL_EAI_CANCEL), which releases this lookup.
            self.handle = nil
            evdns_getaddrinfo_cancel(handle)
        }
    }

    fileprivate func deliverSoon(_ outcome: Result<String, LookupFailure>) {
        delivery = loop.schedule(after: .zero) { [weak self] in
            guard let self else { return }
            delivery = nil
            let completion = self.completion
            self.completion = nil
            completion?(outcome)
        }
    }

    /// evdns_getaddrinfo returned. It returns nil when it already called back, from inside the
    /// call (a numeric name, a hosts-file entry, an immediate failure).
    fileprivate func started(_ handle: OpaquePointer?) {
        if !calledBackAlready { self.handle = handle }
    }

    /// evdns's one callback for this lookup.
    fileprivate func calledBack(_ result: Int32, _ list: UnsafeMutablePointer<addrinfo>?) {
        calledBackAlready = true
        handle = nil
        defer { if let list { evutil_freeaddrinfo(list) } }
        // Let go of the resolver from a fresh callback, not from inside evdns's.
        if let resolver {
            self.resolver = nil
            loop.schedule(after: .zero) { withExtendedLifetime(resolver) {} }
        }
        guard completion != nil else { return }
        deliverSoon(Self.outcome(result, list))
    }

    private static func outcome(_ result: Int32, _ list: UnsafeMutablePointer<addrinfo>?) -> Result<String, LookupFailure> {
        switch result {
        case 0:
            var chosen: String?
            var entry = list
            while let current = entry {
                if let text = numericAddress(current.pointee.ai_addr), chosen == nil || current.pointee.ai_family == AF_INET {
                    chosen = text
                    if current.pointee.ai_family == AF_INET { break }
                }
                entry = current.pointee.ai_next
            }
            // A hosts-file entry of the other family only answers with an empty list.
            return chosen.map { .success($0) } ?? .failure(.notFound)
        case EVUTIL_EAI_NONAME, EVUTIL_EAI_NODATA:
            return .failure(.notFound)
        case EVUTIL_EAI_AGAIN, EVUTIL_EAI_FAIL:
            // evdns reports a nameserver that timed out, failed (SERVFAIL) or refused all as
            // EAI_FAIL; glibc calls the usual ones, timeouts and SERVFAIL, EAI_AGAIN.
            return .failure(.tryAgain)
        case EVUTIL_EAI_MEMORY:
            return .failure(.other("EAI_MEMORY"))
        default:
            return .failure(.other("EAI_FAIL"))
        }
    }
}

/// The numeric text of an IPv4 or IPv6 socket address.
private func numericAddress(_ address: UnsafeMutablePointer<sockaddr>?) -> String? {
    guard let address else { return nil }
    var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    switch Int32(address.pointee.sa_family) {
    case AF_INET:
        return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
            var raw = ipv4.pointee.sin_addr
            return evutil_inet_ntop(AF_INET, &raw, &text, text.count).map { String(cString: $0) }
        }
    case AF_INET6:
        return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
            var raw = ipv6.pointee.sin6_addr
            return evutil_inet_ntop(AF_INET6, &raw, &text, text.count).map { String(cString: $0) }
        }
    default:
        return nil
    }
}

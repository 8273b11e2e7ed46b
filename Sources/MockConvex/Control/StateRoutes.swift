import EventHTTP

/// `POST /_mock/reset`: documents, files, scheduled functions, journal and faults cleared and
/// the config's functions, routes, seeds and faults restored, in one step.
/// `GET /_mock/state`: every document, file and scheduled function as JSON.
extension ControlRoutes {
    func registerState(on router: Router) {
        let control = self.control
        let loop = self.loop
        router.add(.POST, "/_mock/reset") { _, responder in
            control.deployment.reset(Reply(on: loop) { result in
                if case .failure(let error) = result { return responder.send(StorageFailure.response(for: error).response) }
                control.journal.clear()
                control.faults.removeAll()
                control.installConfigFaults()
                responder.send(Self.ok(Self.state(control.deployment)))
            })
        }
        router.add(.GET, "/_mock/state") { _, responder in
            responder.send(Self.ok(Self.state(control.deployment)))
        }
    }

    /// Values in `convex_encoded_json`, so nothing is lost (int64, bytes).
    static func state(_ deployment: Deployment) -> JSON {
        let contents = deployment.contents()
        return .object([
            ("tables", .object(contents.tables.map { table in
                (key: table.name, value: .array(table.documents.map { $0.value.exported(.encoded) }))
            })),
            ("files", .array(contents.files.map { $0.document.exported(.encoded) })),
            ("scheduledFunctions", .array(contents.jobs.map { $0.document.exported(.encoded) })),
        ])
    }
}

import EventHTTP

/// `POST /_mock/record/save` (`mockconvex record`): writes what was recorded so far to the
/// `--out` file, as a SIGTERM or SIGINT does, and says what it wrote.
extension ControlRoutes {
    func registerRecording(on router: Router) {
        let deployment = control.deployment
        router.add(.POST, "/_mock/record/save") { _, responder in
            guard let recording = deployment.settings.recording else {
                throw ConvexAPIError.notFound("NotRecording", "Nothing is being recorded: /_mock/record/save is served by `mockconvex record --upstream URL --out FILE`")
            }
            do throws(PersistenceError) {
                responder.send(Self.ok(try recording.save().json))
            } catch {
                throw ConvexAPIError(status: 500, code: "RecordingNotSaved", message: error.description)
            }
        }
    }
}

extension Recording.Saved {
    public var json: JSON {
        .object([
            ("path", .string(path)),
            ("functions", .integer(Int64(functions))),
            ("cases", .integer(Int64(cases))),
            ("routes", .integer(Int64(routes))),
            ("notRecorded", .integer(Int64(skipped))),
            ("keptHandWritten", .array(keptHandWritten.map(JSON.string))),
        ])
    }
}

extension DeploymentConfig {
    /// The same declarations with every `sequence` (a function's or a case's) back at its first entry, for a reset. The
    /// sequences are new objects, so a call that arrived before the reset (one still in its
    /// `delayMs`, say) takes its entry from the old sequence and cannot move the new one on.
    func withRewoundSequences() -> DeploymentConfig {
        var config = self
        for path in functionPaths {
            guard var spec = functions[path], case .stubs(var stubs) = spec.behaviour else { continue }
            switch stubs.rule {
            case .sequence(let sequence): stubs.rule = .sequence(sequence.rewound())
            case .cases(let cases):
                guard cases.contains(where: { if case .sequence = $0.answer { true } else { false } }) else { continue }
                stubs.rule = .cases(cases.map { $0.rewound() })
            }
            spec.behaviour = .stubs(stubs)
            config.setFunction(path, spec, source: functionSources[path])
        }
        return config
    }
}

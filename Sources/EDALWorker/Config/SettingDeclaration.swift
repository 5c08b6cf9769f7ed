import Foundation

/// One worker setting, declared once: its variable, its default and meaning as the documentation
/// says them, how its text is read, and how its value in force is shown. The parser
/// (`WorkerSettings.fromEnvironment`), `edal config` and the worker table of
/// docs/configuration.md (`WorkerSettings.markdownTable`) all come from `WorkerSettings.declarations`.
public struct SettingDeclaration: Sendable {
    /// The environment variable, e.g. `EDAL_QUEUE`.
    public let variable: String
    /// An older name, read when `variable` is not set.
    public let formerName: String?
    /// The default, as docs/configuration.md says it (Markdown).
    public let defaultText: String
    /// What it does (Markdown, one table cell).
    public let meaning: String
    /// Reads the variable's text (trimmed; never empty unless `keepsEmpty`) into the settings.
    let apply: @Sendable (String, inout WorkerSettings) throws(SettingsError) -> Void
    /// The value in force, as `edal config` shows it.
    public let current: @Sendable (WorkerSettings) -> String
    /// An empty value means something (`EDAL_STREAM=` turns Kinesis off) rather than "unset".
    let keepsEmpty: Bool

    init(
        _ variable: String, formerName: String? = nil, default defaultText: String, _ meaning: String,
        keepsEmpty: Bool = false,
        current: @escaping @Sendable (WorkerSettings) -> String,
        apply: @escaping @Sendable (String, inout WorkerSettings) throws(SettingsError) -> Void
    ) {
        self.variable = variable
        self.formerName = formerName
        self.defaultText = defaultText
        self.meaning = meaning
        self.keepsEmpty = keepsEmpty
        self.current = current
        self.apply = apply
    }

    /// The variable's text in `environment` and the name it was found under (`formerName` when only
    /// that is set); `nil` when neither is set (or set empty, unless `keepsEmpty`).
    func configured(in environment: [String: String]) -> (text: String, name: String)? {
        for name in [variable] + (formerName.map { [$0] } ?? []) {
            if let text = Self.text(of: name, in: environment, keepsEmpty: keepsEmpty) { return (text, name) }
        }
        return nil
    }

    static func text(of name: String, in environment: [String: String], keepsEmpty: Bool) -> String? {
        guard let raw = environment[name] else { return nil }
        let text = raw.trimmingCharacters(in: .whitespaces)
        return text.isEmpty && !keepsEmpty ? nil : text
    }

    /// A whole number in `range` stored at `keyPath`.
    static func integer(
        _ variable: String, formerName: String? = nil, _ range: ClosedRange<Int>, default defaultText: String,
        _ meaning: String,
        _ keyPath: WritableKeyPath<WorkerSettings, Int> & Sendable
    ) -> SettingDeclaration {
        SettingDeclaration(
            variable, formerName: formerName, default: defaultText, meaning, current: { String($0[keyPath: keyPath]) }
        ) { text, settings throws(SettingsError) in
            settings[keyPath: keyPath] = try parseInteger(text, range, variable)
        }
    }

    /// A whole number in `range`, or none, stored at `keyPath`.
    static func optionalInteger(
        _ variable: String, _ range: ClosedRange<Int>, default defaultText: String, _ meaning: String,
        _ keyPath: WritableKeyPath<WorkerSettings, Int?> & Sendable
    ) -> SettingDeclaration {
        SettingDeclaration(
            variable, default: defaultText, meaning, current: { $0[keyPath: keyPath].map(String.init) ?? "none" }
        ) { text, settings throws(SettingsError) in
            settings[keyPath: keyPath] = try parseInteger(text, range, variable)
        }
    }

    /// A listen address (`ListenAddress`), or `off` for none, stored at `keyPath`.
    static func address(
        _ variable: String, formerName: String? = nil, default defaultText: String, _ meaning: String,
        _ keyPath: WritableKeyPath<WorkerSettings, ListenAddress?> & Sendable
    ) -> SettingDeclaration {
        SettingDeclaration(
            variable, formerName: formerName, default: defaultText, meaning,
            current: { $0[keyPath: keyPath]?.description ?? "off" }
        ) { text, settings throws(SettingsError) in
            if text.lowercased() == "off" {
                settings[keyPath: keyPath] = nil
                return
            }
            guard let address = ListenAddress(parsing: text) else {
                throw SettingsError(setting: variable, problem: "\(text) is neither HOST:PORT, PORT nor off")
            }
            settings[keyPath: keyPath] = address
        }
    }

    /// One of `choices`, stored at `keyPath`.
    static func choice(
        _ variable: String, _ choices: [String], default defaultText: String, _ meaning: String,
        _ keyPath: WritableKeyPath<WorkerSettings, String> & Sendable
    ) -> SettingDeclaration {
        SettingDeclaration(variable, default: defaultText, meaning, current: { $0[keyPath: keyPath] }) {
            text, settings throws(SettingsError) in
            let choice = text.lowercased()
            guard choices.contains(choice) else {
                throw SettingsError(
                    setting: variable, problem: "\(text) is not one of \(choices.joined(separator: ", "))")
            }
            settings[keyPath: keyPath] = choice
        }
    }

    static func parseInteger(_ text: String, _ range: ClosedRange<Int>, _ variable: String) throws(SettingsError) -> Int
    {
        guard let number = Int(text), range.contains(number) else {
            throw SettingsError(
                setting: variable, problem: "\(text) is not a whole number in \(range.lowerBound)…\(range.upperBound)")
        }
        return number
    }

    static func parseNumber(_ text: String, _ range: ClosedRange<Double>, _ variable: String, _ what: String)
        throws(SettingsError) -> Double
    {
        guard let number = Double(text), range.contains(number) else {
            throw SettingsError(setting: variable, problem: "\(text) is not \(what)")
        }
        return number
    }
}

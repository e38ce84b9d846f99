/// Why a report could not be made from what was asked.
public enum ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `--family` names no zoo family.
    case unknownFamily(String, valid: [String])

    public var description: String {
        switch self {
        case .unknownFamily(let family, let valid):
            "unknown family '\(family)'; valid families: \(valid.joined(separator: ", "))"
        }
    }
}

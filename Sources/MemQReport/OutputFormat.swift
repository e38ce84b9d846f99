/// How a result is written: an aligned table for people, JSON for programs (and the daemon's replies), CSV for
/// spreadsheets.
public enum OutputFormat: String, Sendable, Hashable, CaseIterable {
    case text, json, csv
}

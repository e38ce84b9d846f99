import MemQCore

extension Zoo {
    /// Families added beyond the first zoo.
    static var extraFamilies: [ZooEntry] { [] }
}

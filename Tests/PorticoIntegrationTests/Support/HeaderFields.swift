extension Substring {
    var trimmingSpaces: String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

/// Case-insensitive lookups on a header list, shared by requests and responses.
protocol HasHeaderFields {
    var headers: [(name: String, value: String)] { get }
}

extension HasHeaderFields {
    /// The first value of the field `name` (case-insensitive), or nil.
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// All values of the field `name`, in order.
    func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// Whether a field named `name` is present.
    func has(_ name: String) -> Bool { header(name) != nil }

    /// The comma-separated elements of all `name` fields, lowercased (`Connection: close, X-A` → close, x-a).
    func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces.lowercased() }
    }
}

/// "Did you mean" for misspelt names, by edit distance.
enum Suggestion {
    /// Names further than this are not suggested: two edits catch a dropped, doubled or swapped
    /// letter without proposing unrelated words.
    static let maximumDistance = 2

    /// The closest candidate within `maximumDistance`; the earliest one on a tie. Case is ignored.
    static func closest(to word: String, among candidates: [String]) -> String? {
        var best: (name: String, distance: Int)?
        // The distance is at least the difference in length: skip the quadratic work for words
        // that cannot be close (a megabyte token in a broken file).
        let length = word.unicodeScalars.count
        for candidate in candidates where abs(candidate.unicodeScalars.count - length) <= maximumDistance {
            let distance = Suggestion.distance(word.lowercased(), candidate.lowercased())
            if distance <= maximumDistance, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// ` (did you mean "listen"?)`, or "" without a close candidate.
    static func didYouMean(_ word: String, among candidates: [String]) -> String {
        guard let name = closest(to: word, among: candidates) else { return "" }
        return " (did you mean \"\(name)\"?)"
    }

    /// Levenshtein distance over Unicode scalars: insertions, deletions and substitutions.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

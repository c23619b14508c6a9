/// How a reload ended, for the log and the admin endpoint's answer.
enum ReloadOutcome: Sendable {
    /// Applied. `restartOnly` names the settings the new file changes that keep their running
    /// values until the next start (`Server.restartOnlyChanges`), so the operator who asked is
    /// told, not only the log.
    case reloaded(restartOnly: [String])
    /// Nothing applied; why, as the operator should read it (`FILE:LINE:COL: message`).
    case failed(String)
}

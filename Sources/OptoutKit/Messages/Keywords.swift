// Keywords: classifying an inbound SMS as opt-out, opt-in, help or other.
// Input: the message text and the keyword lists from settings. Output: a `Classification` with
// the rule that decided it (kept as evidence in the ledger). No failures: unknown text is "other".
// Matching ignores case, accents, surrounding whitespace, punctuation and emoji.

import Foundation

/// What an inbound message asks for.
public enum MessageIntent: String, Sendable {
    case optOut = "optout", optIn = "optin", help, other
}

/// The decision and the rule that made it, e.g. `exact keyword "STOP"`.
public struct Classification: Sendable, Equatable {
    public var intent: MessageIntent
    public var rule: String
}

public enum Keywords {
    public static let defaultOptOut = [
        "STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "UNSUB", "CANCEL", "END", "QUIT", "REVOKE",
        "OPTOUT", "OPT OUT", "OPT-OUT", "REMOVE",
        "ARRET", "ARRÊT", "DESABONNER", "DÉSABONNER", "STOPP", "ABMELDEN", "BAJA", "PARAR", "DETENER",
        "CANCELAR", "BASTA", "FERMA", "DISISCRIVI", "CANCELLA", "SAIR", "PARE", "CANCELAR",
    ]
    public static let defaultOptIn = ["START", "UNSTOP", "RESUME", "NONARRET", "YES"]
    public static let defaultHelp = ["HELP", "INFO", "AIDE", "HILFE", "AYUDA", "AIUTO", "AJUDA"]

    /// Uppercases, removes accents, turns punctuation/symbols/emoji into spaces, collapses spaces.
    /// "  Arrêt!! 🛑" → "ARRET"; "opt-out" → "OPT OUT".
    public static func normalize(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).uppercased()
        var out = ""
        out.reserveCapacity(folded.utf8.count)
        var pendingSpace = false
        for scalar in folded.unicodeScalars {
            let props = scalar.properties
            if props.isAlphabetic || (scalar.value >= 0x30 && scalar.value <= 0x39) {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingSpace = true
            }
        }
        return out
    }

    /// Classifies one inbound message against keyword lists.
    public static func classify(_ text: String, optOut: [String], optIn: [String], help: [String]) -> Classification {
        let normalized = normalize(text)
        if normalized.isEmpty { return Classification(intent: .other, rule: "empty message") }
        for word in optOut where normalize(word) == normalized {
            return Classification(intent: .optOut, rule: "exact keyword \"\(word)\"")
        }
        for word in optIn where normalize(word) == normalized {
            return Classification(intent: .optIn, rule: "exact keyword \"\(word)\"")
        }
        for word in help where normalize(word) == normalized {
            return Classification(intent: .help, rule: "exact keyword \"\(word)\"")
        }
        return Classification(intent: .other, rule: "no keyword")
    }
}

// Keyword settings: keyword lists that would switch opt-outs off are refused.
// Input: the opt-out, opt-in and help lists as settings give them (or their defaults).
// Output: the first refusal (key and reason: an empty list; an entry with no letter or digit, which
// matches nothing or, normalised to "", everything; an opt-out keyword that is also an opt-in
// keyword, so a STOP could resubscribe) and warnings (an opt-out list without STOP, the word
// carriers require). Comparisons use `Keywords.normalize`, the normaliser the classifier uses,
// with spaces removed as in its whole-message look-up ("OPT OUT" = "OPTOUT").

import OptoutBase

package enum KeywordSettings {
    package struct Finding: Sendable, Equatable {
        package var key: String
        package var reason: String
    }

    package static func check(optOut: [String], optIn: [String], help: [String]) -> (refusal: Finding?, warnings: [Finding]) {
        let lists = [("optout_keywords", optOut), ("optin_keywords", optIn), ("help_keywords", help)]
        for (key, list) in lists {
            if list.isEmpty {
                return (Finding(key: key, reason: "must not be empty; list the words, or remove the key for the defaults (README \"Keywords\")"), [])
            }
            for (index, word) in list.enumerated() where comparable(word).isEmpty {
                return (Finding(key: key, reason: "entry \(index + 1) \"\(HeaderText.printable(word))\" has no letter or digit, so it can never match a reply; remove it"), [])
            }
        }
        let optInWords = Dictionary(optIn.map { (comparable($0), $0) }, uniquingKeysWith: { first, _ in first })
        for word in optOut {
            if let same = optInWords[comparable(word)] {
                return (Finding(key: "optout_keywords", reason: "\"\(HeaderText.printable(word))\" is also in \"optin_keywords\" (as \"\(HeaderText.printable(same))\"); one reply cannot both opt out and resubscribe: remove it from one list"), [])
            }
        }
        var warnings: [Finding] = []
        if !optOut.contains(where: { comparable($0) == "STOP" }) {
            warnings.append(Finding(key: "optout_keywords", reason: "has no \"STOP\": a recipient replying STOP would not be opted out (carriers require STOP to work); add it"))
        }
        return (nil, warnings)
    }

    /// The form the classifier's whole-message look-up compares.
    static func comparable(_ word: String) -> String {
        Keywords.normalize(word).replacingOccurrences(of: " ", with: "")
    }
}

extension Keywords.Lists {
    /// The keyword lists of the account's settings (here, beside the settings, so that Rules/
    /// knows nothing of Settings).
    package init(settings: Settings) {
        self.init(optOut: settings.optoutKeywords, optIn: settings.optinKeywords, help: settings.helpKeywords,
                  phraseMaxWords: settings.keywordPhraseMaxWords)
    }
}

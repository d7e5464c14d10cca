// HTML text: escaping for text and attribute values in the pages optout writes (the opt-out site,
// the run report). Input: any text. Output: the text with & < > " ' as character references.
// No failures.

package enum HTMLText {
    /// `text` safe inside an element or a quoted attribute value.
    package static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}

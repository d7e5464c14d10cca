// Sender text check (issue 17 item 3): `notification_sender` starts the confirmation SMS, whose
// lawfulness rests on carrying no marketing (FCC: a one-time confirmation within 5 minutes, no
// marketing). So the name may hold neither a link nor an offer.
// Input: the configured text. Output: why it is refused (for the settings error), nil when fine.
// A link: "http", "www.", or a dotted domain (letters or digits, a dot, two or more letters: acme.co,
// bit.ly). An offer: "%", a currency sign (£ $ € ¥ ₹) or a currency code with an amount, or a whole
// word such as free, discount, sale, offer, deal, win, prize, promo, coupon, voucher, bonus, cashback.
// Failures: none (pure).

package enum SenderTextCheck {
    static let offerWords: Set<String> = ["free", "discount", "discounts", "sale", "sales", "offer", "offers", "deal", "deals",
                                          "win", "wins", "winner", "prize", "prizes", "promo", "promotion", "coupon", "coupons",
                                          "voucher", "vouchers", "bonus", "cashback"]
    static let currencySigns: Set<Character> = ["£", "$", "€", "¥", "₹", "%"]
    static let currencyCodes: Set<String> = ["usd", "gbp", "eur", "aud", "cad"]

    /// Why `text` cannot be the notification sender, nil when it can.
    package static func problem(_ text: String) -> String? {
        let lower = text.lowercased()
        if lower.contains("http") || lower.contains("www.") || hasDottedDomain(lower) {
            return "holds a link (\"\(text)\"): the confirmation SMS must carry no link or marketing; use the plain name"
        }
        if let sign = text.first(where: { currencySigns.contains($0) }) {
            return "holds an offer (\"\(sign)\"): the confirmation SMS must carry no marketing; use the plain name"
        }
        let words = lower.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        if let word = words.first(where: { offerWords.contains($0) }) {
            return "holds an offer (\"\(word)\"): the confirmation SMS must carry no marketing; use the plain name"
        }
        for (i, word) in words.enumerated() where currencyCodes.contains(word) {
            let neighbours = [i > 0 ? words[i - 1] : "", i + 1 < words.count ? words[i + 1] : ""]
            if neighbours.contains(where: { $0.first?.isNumber == true }) {
                return "holds an offer (\"\(word.uppercased())\" with an amount): the confirmation SMS must carry no marketing; use the plain name"
            }
        }
        return nil
    }

    /// "acme.co", "shop.acme.com", "bit.ly/x": a dot between a letter or digit and two or more letters.
    static func hasDottedDomain(_ lower: String) -> Bool {
        let chars = Array(lower)
        for i in chars.indices where chars[i] == "." && i > 0 && (chars[i - 1].isLetter || chars[i - 1].isNumber) {
            var j = i + 1
            while j < chars.count, chars[j].isLetter, chars[j].isASCII { j += 1 }
            if j - (i + 1) >= 2 { return true }
        }
        return false
    }
}

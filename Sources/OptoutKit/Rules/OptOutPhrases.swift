// OptOutPhrases: unmistakable opt-out requests in English, French, German, Spanish, Italian and
// Portuguese ("stop texting", "remove me", "arrêtez de m'envoyer", "bitte stoppen", "annulla
// l'iscrizione", "no más mensajes"), which opt out at any message length.
// Input: a message's normalised words (uppercase, no accents or punctuation; `Keywords.normalize`).
// Output: the first phrase found (left to right), as `phrase "stop texting" (en)`; a phrase right
// after a negation in the same clause ("don't stop texting me", "non smettete di scrivermi": up to
// three words before it, not across `.` `,` `!` `?`...: "No, dejen de enviarme" is a request) is
// not a request and is returned apart, for review. No failures.
//
// Pattern syntax: words separated by spaces; `a|b|c` are alternatives for one word; `_` joins
// words inside an alternative ("do_not"); `-` as an alternative means the word may be left out.
// Alternatives are normalised like messages, so "m'envoyer" is the two words M ENVOYER and
// "désabonnez-moi" is DESABONNEZ MOI. Patterns are expanded once into word sequences indexed by
// their first word: matching is a dictionary look-up per word of the message.

import OptoutBase

enum OptOutPhrases {
    static let english = [
        "stop|quit|cease sending|texting|messaging|contacting|spamming|emailing|txting|bothering|harassing|msging|sms_ing",
        "stop|end|cease all|these|the|your|this|those|- texts|messages|sms|txts|msgs|text_messages|spam|promotions|promos|ads|marketing",
        "don't|dont|do_not|please_don't|never text|message|contact|sms|txt|msg|spam|email me|us|this_number",
        "don't|dont|do_not send|text me|us any_more|anymore|again",
        "don't|dont|do_not want|need these|your|any|any_more|more|the|- texts|messages|sms|text_messages|txts|msgs|spam|promotions",
        "remove|delete|erase me|my_number|this_number|us",
        "take me|my_number|this_number|us off",
        "unsubscribe|unsub me|us|my_number|this_number",
        "please unsubscribe|unsub|opt_out|optout",
        "opt|opting me|us|my_number out",
        "no more texts|messages|sms|txts|msgs|text_messages|spam|promotions|marketing",
        "no more of your|these|the texts|messages|sms|spam",
        "want|like|wish|need|how|way to|do_i|can_i unsubscribe|unsub|opt_out|optout|be_removed",
        "leave me alone",
        "lose my number",
    ]
    static let french = [
        "arrête|arrêtez|arrêter|arrêtes|cessez|cesse|cesser|stoppez|stop de_m'envoyer|de_m'écrire|de_me_contacter|de_me_texter|de_me_spammer|de_m'harceler|de_nous_envoyer|d'envoyer|de_m'envoyer|les_sms|les_messages|les_textos|vos_sms|vos_messages|vos_textos|ces_sms|ces_messages|ces_textos|l'envoi|les_envois|les_pubs",
        "plus de|d' sms|textos|texto|pubs|publicités|publicité|spam|spams",
        "plus de|d' messages svp|merci|stp|s'il|de_votre|de_vous",
        "ne veux|voulons|souhaite|souhaitons|désire plus recevoir|de|d'|aucun|aucune",
        "ne_plus|ne_pas recevoir|être_contacté|être_contactée|m'envoyer|me_contacter|m'écrire",
        "ne m'envoyez|m'envoie|m'envoyer|me_contactez|m'écrivez|me_texte|me_textez plus",
        "désabonnez|désinscrivez|retirez|supprimez|enlevez|radiez|désabonne|désinscris|retire|supprime|enlève moi",
        "me désabonner|désinscrire|retirer|radier",
        "retirez|supprimez|enlevez|effacez|retire|supprime|enlève|efface mon|ce numéro|nom",
    ]
    static let german = [
        "bitte stoppen|stopp|aufhören|abmelden|austragen|abbestellen",
        "hör|hört|hören|hoer|hoert|hoeren sie|- bitte|- auf",
        "keine sms|nachrichten|werbung|textnachrichten|mitteilungen|werbenachrichten|messages mehr",
        "keine weiteren sms|nachrichten|werbung|textnachrichten|mitteilungen",
        "nicht mehr schreiben|kontaktieren|anschreiben|simsen|texten|senden|zusenden|anrufen",
        "melden|meldet|melde|tragen|tragt|trag|nehmen|nehmt|nimm sie|- mich|uns|meine_nummer ab|aus|raus",
        "löschen|entfernen|loeschen sie|- mich|meine_nummer|meine_daten",
        "mich abmelden|austragen|entfernen|löschen|loeschen",
        "stopp|stop die|alle|diese|eure|ihre sms|nachrichten|werbung",
    ]
    static let spanish = [
        "deja|dejen|deje|dejad|para|paren|pare|dejar de enviarme|mandarme|escribirme|contactarme|molestarme|enviar|mandar|enviarnos|spamear|textearme",
        "no más|mas mensajes|sms|textos|mensajitos|publicidad|spam|promociones",
        "no me envíen|envies|envie|manden|mandes|mande|escriban|escribas|contacten|contactes|molesten más|mensajes|sms|textos",
        "darme|dame|denme|deme|dar|darse|dense de baja",
        "elimínenme|elimíname|bórrenme|bórrame|sáquenme|sácame|quítenme|quítame|eliminarme|borrarme|sacarme|quitarme de|del",
        "eliminen|elimina|borren|borra|eliminar|borrar|quiten|quitar|saquen mi número|este_número",
        "desuscribirme|desuscríbanme|desuscribanme|desinscribirme|desuscribeme",
        "cancelar|cancelen|anular mi|la suscripción|suscripcion",
        "basta de mensajes|sms|spam|textos",
        "no quiero|queremos|deseo recibir|más|mas mensajes|sms|textos|publicidad|promociones|más|mas|nada",
    ]
    static let italian = [
        "smettete|smettila|smetti|smettere|smettetela|smettiamola di mandarmi|inviarmi|scrivermi|contattarmi|mandare|inviare|importunarmi",
        "basta|stop con_i|con_questi|con_le|- messaggi|sms|messaggini|pubblicità",
        "niente|nessun|nessuna|basta più|piu|altri|altro messaggi|messaggio|sms|messaggini|pubblicità",
        "non voglio|vogliamo|desidero più|piu ricevere|messaggi|sms",
        "non mandatemi|inviatemi|scrivetemi|contattatemi|mandarmi|inviarmi|scrivermi|contattarmi più|piu|messaggi|sms",
        "annulla|annullate|annullare|annullo l'iscrizione|iscrizione|la_mia_iscrizione|l'abbonamento|abbonamento",
        "cancellami|cancellatemi|toglietemi|toglimi|rimuovetemi|rimuovimi|eliminatemi|eliminami|disiscrivetemi|disiscrivimi|disiscrivermi",
        "cancellate|togliete|rimuovete|eliminate|cancellare|togliere|rimuovere|eliminare il_mio|mio numero",
    ]
    static let portuguese = [
        "parem|pare|para|parar|deixem|deixe|deixa|chega de|d' enviar|mandar|me_enviar|me_mandar|enviar_me|mandar_me|me_escrever|me_contactar|me_contatar|mensagens|sms",
        "não quero|desejo mais receber|mensagens|sms|mensagem|textos|nada|promoções",
        "não quero|desejo receber mais|mensagens|sms|promoções",
        "não me enviem|envie|mandem|mande|envies|mandes|contactem|contatem mais|mensagens|sms",
        "me tirem|tire|remova|removam|retire|retirem|exclua|excluam da|desta|dessa|do|deste|dos|das",
        "me descadastre|descadastrem|descadastra|descadastrar|remova|removam|remover",
        "tirem|tire|remova|removam|exclua|excluam|apaguem|apague|retirem|retire o_meu|meu número|contacto|contato",
        "sair da|desta|dessa|das lista|listas",
        "cancelar|cancela|cancelem|cancele a|minha|a_minha inscrição|assinatura|subscrição",
        "sem mais mensagens|sms",
        "nada_de mensagens|sms",
    ]

    static let all: [(language: String, patterns: [String])] = [
        ("en", english), ("fr", french), ("de", german), ("es", spanish), ("it", italian), ("pt", portuguese),
    ]

    /// Words that turn a following phrase into its opposite, per language (normalised).
    static let negations: [String: Set<String>] = [
        "en": ["NOT", "DON", "DONT", "T", "NEVER", "DIDNT", "DOESNT", "WONT"],
        "fr": ["PAS", "JAMAIS"],
        "de": ["NICHT", "NIE", "NIEMALS"],
        "es": ["NO", "NUNCA", "JAMAS"],
        "it": ["NON", "MAI"],
        "pt": ["NAO", "NUNCA", "JAMAIS"],
    ]

    struct Phrase: Sendable {
        var words: [String]
        var display: String
        var language: String
    }

    struct Match: Sendable {
        var phrase: Phrase
        /// The negation words before it, normalised and lowercased ("don t"), when negated.
        var negatedBy: String?
        var rule: String {
            if let negatedBy { return "phrase \"\(phrase.display)\" (\(phrase.language)) after a negation (\"\(negatedBy)\"): review" }
            return "phrase \"\(phrase.display)\" (\(phrase.language))"
        }
    }

    /// All patterns expanded and indexed once per process.
    struct Table: Sendable {
        var byFirst: [String: [Phrase]] = [:]
        /// Every word of every phrase (for reading look-alike letters).
        var vocabulary: Set<String> = []

        init(_ sources: [(language: String, patterns: [String])]) {
            var seen = Set<[String]>()
            for (language, patterns) in sources {
                for pattern in patterns {
                    for phrase in Table.expand(pattern, language: language) where seen.insert(phrase.words).inserted {
                        byFirst[phrase.words[0], default: []].append(phrase)
                        vocabulary.formUnion(phrase.words)
                    }
                }
            }
            // Longest first, so the rule names the whole phrase.
            for key in byFirst.keys { byFirst[key]!.sort { $0.words.count > $1.words.count } }
        }

        static func expand(_ pattern: String, language: String) -> [Phrase] {
            var partial: [(words: [String], display: [String])] = [([], [])]
            for slot in pattern.split(separator: " ") {
                var next: [(words: [String], display: [String])] = []
                for alternative in slot.split(separator: "|") {
                    if alternative == "-" {
                        next += partial
                        continue
                    }
                    let text = alternative.replacingOccurrences(of: "_", with: " ")
                    let words = Keywords.normalize(text).split(separator: " ").map(String.init)
                    guard !words.isEmpty else { continue }
                    next += partial.map { ($0.words + words, $0.display + [text]) }
                }
                partial = next
            }
            return partial.filter { !$0.words.isEmpty }.map {
                Phrase(words: $0.words, display: $0.display.joined(separator: " "), language: language)
            }
        }

        /// The first phrase that is not negated, else the first negated one, else nil.
        func find(in words: [String], clauseStarts: [Int] = []) -> Match? {
            var negated: Match?
            for start in words.indices {
                guard let candidates = byFirst[words[start]] else { continue }
                for phrase in candidates where start + phrase.words.count <= words.count {
                    var same = true
                    for k in 1..<phrase.words.count where words[start + k] != phrase.words[k] { same = false; break }
                    guard same else { continue }
                    let negators = OptOutPhrases.negations[phrase.language] ?? []
                    let clause = clauseStarts.last(where: { $0 <= start }) ?? 0
                    let window = words[max(clause, start - 3)..<start]
                    if let first = window.firstIndex(where: { negators.contains($0) }) {
                        if negated == nil {
                            negated = Match(phrase: phrase, negatedBy: words[first..<start].joined(separator: " ").lowercased())
                        }
                        continue
                    }
                    return Match(phrase: phrase, negatedBy: nil)
                }
            }
            return negated
        }
    }

    static let table = Table(all)
}

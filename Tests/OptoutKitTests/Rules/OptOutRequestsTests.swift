// Clear opt-out requests at any length, typing slips and look-alike letters, and what goes to
// review (issue 10, class 6): the class and the exact rule kept as evidence for each reply.

import Foundation
import Testing
@testable import OptoutBase
@testable import OptoutKit
@testable import OptoutPhone
import OptoutTestSupport

/// Long (more than `keyword_phrase_max_words` = 8 words) unmistakable requests, per language,
/// with the phrase the rule must name.
let longRequests: [(language: String, text: String, phrase: String)] = [
    ("en", "Please stop sending me these messages, I am really not interested at all", "stop sending"),
    ("en", "Who is this? I never signed up for anything, remove me from your list now", "remove me"),
    ("en", "I have asked you three times already, take me off your mailing list", "take me off"),
    ("en", "Do not text this number again, it belongs to my late father", "do not text this number"),
    ("en", "No more texts please, I get far too many of them every single day", "no more texts"),
    ("en", "I would like to unsubscribe from all of your marketing text messages thanks", "like to unsubscribe"),
    ("en", "Can you opt me out of these promotions, I moved to another country", "opt me out"),
    // A negation in an earlier clause does not turn the request around.
    ("en", "I can't believe it, stop sending me these messages every single morning", "stop sending"),
    ("fr", "Bonjour, arrêtez de m'envoyer des messages publicitaires s'il vous plaît, merci beaucoup", "arrêtez de m'envoyer"),
    ("fr", "Je ne veux plus recevoir vos offres, merci de ne plus me contacter", "ne veux plus recevoir"),
    ("fr", "Merci de me désabonner de votre liste de diffusion dès maintenant", "me désabonner"),
    ("fr", "Ne m'envoyez plus de SMS, je n'ai jamais donné mon numéro", "ne m'envoyez plus"),
    ("fr", "Retirez mon numéro de votre fichier clients, je ne suis plus intéressé", "retirez mon numéro"),
    ("fr", "Désabonnez-moi tout de suite, vos messages arrivent en pleine nuit", "désabonnez moi"),
    ("de", "Bitte stoppen Sie diese Nachrichten, ich habe mich nie dafür angemeldet", "bitte stoppen"),
    ("de", "Ich möchte keine SMS mehr von Ihnen bekommen, vielen Dank im Voraus", "keine sms mehr"),
    ("de", "Hören Sie bitte auf, mir ständig Werbung auf mein Handy zu schicken", "hören sie bitte auf"),
    ("de", "Bitte löschen Sie meine Nummer aus Ihrem Verteiler, das ist mir zu viel", "löschen sie meine nummer"),
    ("de", "Ich möchte mich abmelden, bitte schicken Sie mir nichts mehr zu", "mich abmelden"),
    ("de", "Bitte nicht mehr schreiben, ich habe kein Interesse an Ihren Angeboten", "nicht mehr schreiben"),
    ("es", "Por favor dejen de enviarme mensajes, no me interesan para nada sus ofertas", "dejen de enviarme"),
    ("es", "No más mensajes por favor, ya les dije que no me interesa", "no más mensajes"),
    ("es", "Quiero darme de baja de todas sus promociones por mensaje de texto", "darme de baja"),
    ("es", "Sáquenme de su lista de contactos inmediatamente o pondré una queja", "sáquenme de"),
    ("es", "Eliminen mi número de su base de datos, yo nunca lo autoricé", "eliminen mi número"),
    ("es", "No me envíen más publicidad a este número, gracias de antemano", "no me envíen más"),
    ("es", "Ya no quiero recibir mensajes de ustedes, gracias por todo y buen día", "no quiero recibir mensajes"),
    ("es", "No, dejen de enviarme mensajes por favor, no me interesa nada", "dejen de enviarme"),
    ("it", "Smettete di mandarmi messaggi pubblicitari, non vi ho mai dato il mio numero", "smettete di mandarmi"),
    ("it", "Vorrei annullare l'iscrizione a tutte le vostre comunicazioni via SMS grazie", "annullare l'iscrizione"),
    ("it", "Non voglio più ricevere questi messaggi, per favore toglietemi dalla lista", "non voglio più ricevere"),
    ("it", "Cancellatemi dalla vostra lista, ricevo troppi messaggi ogni singolo giorno", "cancellatemi"),
    ("it", "Per favore rimuovete il mio numero dal vostro elenco di contatti grazie", "rimuovete il mio numero"),
    ("it", "Basta messaggi, vi ho già scritto tre volte di lasciarmi in pace", "basta messaggi"),
    ("pt", "Por favor parem de enviar mensagens para este número, não tenho interesse", "parem de enviar"),
    ("pt", "Não quero mais receber estas promoções no meu telemóvel, obrigado", "não quero mais receber"),
    ("pt", "Me tirem da lista de vocês agora mesmo, já pedi isso antes", "me tirem da"),
    ("pt", "Quero sair da lista de mensagens da loja, obrigado pela atenção", "sair da lista"),
    ("pt", "Gostaria de cancelar a minha assinatura das mensagens promocionais, obrigada", "cancelar a_minha assinatura"),
    ("pt", "Não me enviem mais mensagens, eu nunca pedi para receber isto", "não me enviem mais"),
]

/// One-word replies and look-alikes, with the class and the exact rule.
let slipTable: [(String, EventKind, String)] = [
    ("Sotp", .optOut, "one transposition of \"STOP\""),
    ("STPO", .optOut, "one transposition of \"STOP\""),
    ("stpo!", .optOut, "one transposition of \"STOP\""),
    ("STOOP", .optOut, "doubled letter in \"STOP\""),
    ("SSTOP", .optOut, "doubled letter in \"STOP\""),
    ("STOPP", .optOut, "exact keyword \"STOPP\""),
    ("UNSUBSCIBE", .optOut, "one letter missing from \"UNSUBSCRIBE\""),
    ("unsubscirbe", .optOut, "one transposition of \"UNSUBSCRIBE\""),
    ("Unsubscribed", .optOut, "one letter added to \"UNSUBSCRIBE\""),
    ("Cancle", .optOut, "one transposition of \"CANCEL\""),
    ("REMOVW", .optOut, "one letter changed in \"REMOVE\""),
    ("Abmleden", .optOut, "one transposition of \"ABMELDEN\""),
    ("desabonenr", .optOut, "one transposition of \"DESABONNER\""),
    ("QIUT", .optOut, "one transposition of \"QUIT\""),
    ("СТОР", .optOut, "Cyrillic look-alike of \"STOP\""),
    ("стор", .optOut, "Cyrillic look-alike of \"STOP\""),
    ("ЅТОР", .optOut, "Cyrillic look-alike of \"STOP\""),
    ("ΣΤΟΡ", .optOut, "Greek look-alike of \"STOP\""),
    ("ЅТОР sending me messages", .optOut, "keyword \"STOP\" in a short message (4 words, phrase rule up to 8); Cyrillic letters read as Latin"),
    ("Please ЅТОР sending me these messages, I am really not interested at all", .optOut,
     "phrase \"stop sending\" (en); Cyrillic letters read as Latin"),
    // An exact word of any class wins over a near miss; four-letter keywords take no substitution.
    ("SHOP", .other, "no keyword"),
    ("STEP", .other, "no keyword"),
    ("PASTA", .other, "ordinary word \"PASTA\" (not a keyword)"),
    ("CANCER", .other, "ordinary word \"CANCER\" (not a keyword)"),
    ("Anmelden", .other, "ordinary word \"ANMELDEN\" (not a keyword)"),
    ("para", .other, "ordinary word \"PARA\" (not a keyword)"),
    ("Hasta", .other, "ordinary word \"HASTA\" (not a keyword)"),
    ("ENDS", .other, "no keyword"),
    ("STAR", .other, "no keyword"),
    ("STRAT", .other, "no keyword"),
    ("START", .optIn, "exact keyword \"START\""),
    ("HLEP", .other, "no keyword"),
    ("СТОП", .other, "no keyword; Cyrillic letters read as Latin"),
]

/// Messages that mention an opt-out keyword or hold a negated request: other, for a person.
let reviewTable: [(String, String)] = [
    ("What time does the sale end? I want to come by after work on Friday with my kids",
     "mentions \"END\" but has 18 words (phrase rule up to 8): review"),
    ("I will stop by the shop on Saturday morning to pick up my order thanks",
     "mentions \"STOP\" but has 15 words (phrase rule up to 8): review"),
    ("Can I cancel my order from last week and get a refund on my card",
     "mentions \"CANCEL\" but has 15 words (phrase rule up to 8): review"),
    ("Please don't stop sending me your weekly deals, they are the best thing ever",
     "phrase \"stop sending\" (en) after a negation (\"don t\"): review"),
    ("Non smettete di mandarmi le vostre offerte, sono sempre molto interessanti",
     "phrase \"smettete di mandarmi\" (it) after a negation (\"non\"): review"),
    ("Remove my name from the gift card please, it is a present for my sister",
     "mentions \"REMOVE\" but has 15 words (phrase rule up to 8): review"),
    ("Unsubscibe please", "\"UNSUBSCIBE\" is one letter missing from \"UNSUBSCRIBE\" in a 2-word message: review"),
    ("I said stpo already, why do you keep on sending me all these offers", "\"STPO\" is one transposition of \"STOP\" in a 14-word message: review"),
    ("ЅТАRТ", "Cyrillic look-alike of the opt-in keyword \"START\" (an opt-in must be exact): review"),
]

@Suite struct OptOutRequestsTests {
    static let lists = Keywords.Lists(optOut: Keywords.defaultOptOut, optIn: Keywords.defaultOptIn, help: Keywords.defaultHelp)

    @Test func atLeastFiveLongRequestsPerLanguage() {
        for language in ["en", "fr", "de", "es", "it", "pt"] {
            #expect(longRequests.filter { $0.language == language }.count >= 5, "\(language)")
        }
        for request in longRequests {
            #expect(Keywords.normalize(request.text).split(separator: " ").count > Keywords.defaultPhraseMaxWords, "\(request.text)")
        }
    }

    @Test(arguments: longRequests)
    func aClearLongRequestOptsOut(language: String, text: String, phrase: String) {
        let result = OptOutRequestsTests.lists.classify(text)
        #expect(result.intent == .optOut, "\(text)")
        #expect(result.rule == "phrase \"\(phrase.replacingOccurrences(of: "_", with: " "))\" (\(language))", "\(text)")
        #expect(!result.needsReview)
    }

    @Test(arguments: slipTable)
    func slipsAndLookAlikes(text: String, intent: EventKind, rule: String) {
        let result = OptOutRequestsTests.lists.classify(text)
        #expect(result.intent == intent, "\(text)")
        #expect(result.rule == rule, "\(text)")
        #expect(!result.needsReview, "\(text)")
    }

    @Test(arguments: reviewTable)
    func mentionsAndNegatedRequestsGoToReview(text: String, rule: String) {
        let result = OptOutRequestsTests.lists.classify(text)
        #expect(result.intent == .other, "\(text)")
        #expect(result.needsReview, "\(text)")
        #expect(result.rule == rule, "\(text)")
    }

    @Test func plainOtherMessagesAreNotFlagged() {
        for text in ["Thanks!", "Who is this?", "Stopped by your store yesterday", "See you at the pasta night",
                     "The bus stops right outside, I removed the old card and it cancels nothing",
                     "I love these deals, keep them coming", "PASTA"] {
            let result = OptOutRequestsTests.lists.classify(text)
            #expect(result.intent == .other && !result.needsReview, "\(text)")
        }
    }

    @Test func phrasesApplyWhateverTheKeywordSettings() {
        // keyword_phrase_max_words 0 and a replaced keyword list: requests still opt out.
        let custom = Keywords.Lists(optOut: ["STOP"], optIn: ["START"], help: [], phraseMaxWords: 0)
        #expect(custom.classify("please remove me from your list").rule == "phrase \"remove me\" (en)")
        #expect(custom.classify("bitte stoppen").rule == "phrase \"bitte stoppen\" (de)")
        // A slip is measured against the configured keywords only.
        #expect(custom.classify("UNSUBSCIBE").intent == .other)
        let schluss = Keywords.Lists(optOut: ["SCHLUSS"], optIn: [], help: [])
        #expect(schluss.classify("Schlsus").rule == "one transposition of \"SCHLUSS\"")
        // A configured keyword beats an ordinary word.
        let pasta = Keywords.Lists(optOut: ["PASTA"], optIn: [], help: [])
        #expect(pasta.classify("pasta").rule == "exact keyword \"PASTA\"")
    }

    /// Every ordinary word is really a slip the rule would otherwise accept, and no keyword.
    @Test func everyOrdinaryWordBlocksANearMiss() {
        let plain = Keywords.Lists(optOut: Keywords.defaultOptOut, optIn: Keywords.defaultOptIn, help: Keywords.defaultHelp, ordinary: [])
        for word in Keywords.defaultOrdinaryWords {
            #expect(plain.classify(word).intent == .optOut, "\(word) is not a near miss of a default keyword")
            #expect(OptOutRequestsTests.lists.classify(word).intent == .other, "\(word)")
        }
    }

    @Test func clausesAreFoundAlikeForASCIIAndUnicode() {
        func clauses(_ text: String, unicode: Bool) -> [Int] {
            var starts: [Int] = []
            _ = unicode ? Keywords.normalizeUnicode(text, clauseStarts: &starts) : Keywords.normalizeASCII(text, clauseStarts: &starts)
            return starts
        }
        for (text, expected) in [("No, stop texting me", [1]), ("stop", []), ("...stop. now!", [1]), ("a b\nc;d", [2, 3]),
                                 ("Don't text me", []), ("  ,,", [])] {
            #expect(clauses(text, unicode: false) == expected, "\(text.debugDescription)")
            #expect(clauses(text, unicode: true) == expected, "\(text.debugDescription)")
        }
        var starts: [Int] = []
        _ = Keywords.normalize("¿No? ¡Dejen de enviarme mensajes!", clauseStarts: &starts)
        #expect(starts == [1])
    }

    /// The prepared table and the one-by-one comparison agree (a list over 200 keywords uses the latter).
    @Test func slipTableMatchesDirectComparison() {
        let keywords = Keywords.defaultOptOut
        let long = keywords + (0..<200).map { "FILLERWORD\($0)" }
        let listed = Keywords.Lists(optOut: keywords, optIn: [], help: [], ordinary: [])
        let compared = Keywords.Lists(optOut: long, optIn: [], help: [], ordinary: [])
        #expect(listed.nearMiss.oneWord.count > 1000 && compared.nearMiss.oneWord.isEmpty)
        for word in ["SOTP", "STPO", "STOOP", "UNSUBSCIBE", "UNSUBSCRIBED", "CANCER", "PASTA", "SHOP", "STOPPED", "ARETE", "XYZ", "QIUT"] {
            for inSentence in [false, true] {
                let a = listed.nearMiss.match(word, inSentence: inSentence), b = compared.nearMiss.match(word, inSentence: inSentence)
                #expect(a?.keyword == b?.keyword && a?.slip == b?.slip, "\(word) \(inSentence)")
            }
        }
    }

    @Test func damerauSlips() {
        func slip(_ word: String, _ keyword: String) -> NearMiss.Slip? { NearMiss.slip(Array(word.utf8), from: Array(keyword.utf8)) }
        #expect(slip("STOP", "STOP") == nil)
        #expect(slip("SOTP", "STOP") == .transposition)
        #expect(slip("TSOP", "STOP") == .transposition)
        #expect(slip("STPO", "STOP") == .transposition)
        #expect(slip("SPOT", "STOP") == nil)
        #expect(slip("STOPP", "STOP") == .doubled)
        #expect(slip("STOPS", "STOP") == .insertion)
        #expect(slip("SOP", "STOP") == .deletion)
        #expect(slip("SHOP", "STOP") == .substitution)
        #expect(slip("SHOPS", "STOP") == nil)
        #expect(slip("", "STOP") == nil)
        #expect(slip("X", "") == .insertion)
    }

    /// Runs per inbound message: figures are printed; the bounds only catch a blow-up (debug
    /// build, 2 shared cores), e.g. work growing with the square of a message's length.
    @Test func classifyingIsFast() {
        let lists = OptOutRequestsTests.lists
        let sentence = "I will come by the shop on Saturday morning to pick up my order, thanks. "
        let texts = [String(repeating: sentence, count: 10), "UNSUBSCIBE", "СТОР", "Thanks!",
                     "Please stop sending me these messages, I am really not interested at all"]
        let clock = ContinuousClock()
        var total = Duration.zero
        for text in texts {
            let each = clock.measure { for _ in 0..<1_000 { _ = lists.classify(text) } }
            total += each
            print("classify: 1000 × \(text.prefix(24).debugDescription) (\(text.count) characters) in \(each)")
        }
        #expect(total < .seconds(10))
        let huge = String(repeating: sentence, count: 150)
        let once = clock.measure { _ = lists.classify(huge) }
        print("classify: one message of \(huge.count) characters in \(once)")
        #expect(once < .seconds(1))
        let build = clock.measure { _ = Keywords.Lists(optOut: Keywords.defaultOptOut, optIn: Keywords.defaultOptIn, help: Keywords.defaultHelp) }
        print("lists prepared in \(build)")
        #expect(build < .seconds(1))
    }
}

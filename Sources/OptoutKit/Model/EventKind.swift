// Event kinds: what an inbound message asks for (Keywords' classification) and what a ledger
// event asked for: one enum. The raw values are written in the ledger (`optout`, `optin`, `help`,
// `other`) and in reports: they never change.

/// What a message or an event asks for.
package enum EventKind: String, Sendable {
    case optOut = "optout", optIn = "optin", help, other
}

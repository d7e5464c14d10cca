// The version of optout: the one place it is written. `optout --version` prints
// "optout <number>"; webhook requests send "User-Agent: optout/<number>".

package enum OptoutVersion {
    package static let number = "0.1.0"
}

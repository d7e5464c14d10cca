// The version of optout: the one place it is written. `optout --version` prints
// "optout <number>"; webhook requests send "User-Agent: optout/<number>".

public enum OptoutVersion {
    public static let number = "0.1.0"
}

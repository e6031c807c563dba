extension String {
    /// `first + second + third + fourth` in one allocation of the right size: `+` grows and copies
    /// the string at each step, which cost a redirect's cookie and URL more than their bytes.
    static func concatenating(_ first: String, _ second: String, _ third: String = "", _ fourth: String = "")
        -> String
    {
        var joined = String()
        joined.reserveCapacity(first.utf8.count + second.utf8.count + third.utf8.count + fourth.utf8.count)
        joined.append(first)
        joined.append(second)
        joined.append(third)
        joined.append(fourth)
        return joined
    }
}

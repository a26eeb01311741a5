//! Shortened identifiers for people: an SS58 address or a hex hash cut to its first and last
//! characters around an ellipsis (`5Grwv…utQY`), for tables and pages that link to or title
//! the whole value. The one shortening rule behind the CLI's tables and the explorer.

/// `text` cut to its first `head` and last `tail` characters around `…`; text of at most
/// `head + tail + 3` characters (where the ellipsis would hide three characters or fewer)
/// is returned whole. Counts characters, not bytes, so any text is cut on a boundary.
///
/// ```
/// use taonet_types::abbreviate;
///
/// let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
/// assert_eq!(abbreviate(alice, 5, 4), "5Grwv…utQY");
/// assert_eq!(abbreviate(alice, 8, 4), "5GrwvaEF…utQY");
/// assert_eq!(abbreviate("5Grwv", 5, 4), "5Grwv");
/// ```
pub fn abbreviate(text: &str, head: usize, tail: usize) -> String {
    let count = text.chars().count();
    if count <= head.saturating_add(tail).saturating_add(3) {
        return text.to_string();
    }
    let first: String = text.chars().take(head).collect();
    let last: String = text.chars().skip(count - tail).collect();
    format!("{first}…{last}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_only_what_is_worth_cutting() {
        assert_eq!(abbreviate("123456789012", 5, 4), "123456789012");
        assert_eq!(abbreviate("1234567890123", 5, 4), "12345…0123");
        assert_eq!(abbreviate("", 5, 4), "");
        assert_eq!(abbreviate("ττττττττττττττ", 2, 2), "ττ…ττ");
        assert_eq!(abbreviate("abcdefgh", 0, 0), "…");
    }
}

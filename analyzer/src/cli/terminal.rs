//! Text from a bundle on a terminal. A file name or link target can carry
//! ESC and OSC sequences that retitle or rewrite the terminal, a CR that
//! overwrites the line, or bidirectional overrides that reorder it: every
//! such character is shown as an escape (`\x1b`, `\u{202e}`) instead.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters a terminal acts on rather than prints: C0 and C1 controls,
/// DEL, and the bidirectional formatting characters.
fn acts_on_terminal(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every character a terminal would act on written as an escape.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(acts_on_terminal) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            c if acts_on_terminal(c) && (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if acts_on_terminal(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn controls_become_visible_escapes() {
        assert_eq!(escape("/etc/hostname"), "/etc/hostname");
        assert_eq!(
            escape("a\x1b]0;owned\x07b\rc\nd\u{9b}e\u{202e}f\x7f"),
            "a\\x1b]0;owned\\x07b\\x0dc\\x0ad\\x9be\\u{202e}f\\x7f"
        );
        assert_eq!(escape("schön"), "schön");
    }
}

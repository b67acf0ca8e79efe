//! Escaping for Markdown output: every value a template prints is escaped
//! unless the template marks it safe, so a hostname of `<script>` or a
//! package named `a|b` stays text in GitHub, a ticket or a mail client.

use minijinja::{AutoEscape, Output, State, Value};

/// Backslash-escapes the characters that make Markdown (CommonMark and
/// GitHub tables) syntax (with `[` escaped no link can form, so parentheses
/// stay plain), and folds line breaks so a value stays in its cell.
pub fn markdown_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A Markdown code span that no content can break out of: the fence is
/// longer than any run of backticks inside.
pub fn code_span(s: String) -> Value {
    let s = s.replace(['\n', '\r'], " ");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    Value::from_safe_string(format!("{fence} {s} {fence}"))
}

pub fn format(out: &mut Output, state: &State, value: &Value) -> Result<(), minijinja::Error> {
    match state.auto_escape() {
        AutoEscape::Custom("markdown")
            if !value.is_safe() && !value.is_none() && !value.is_undefined() =>
        {
            out.write_str(&markdown_escape(&value.to_string()))
                .map_err(|e| {
                    minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
                })
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_strings_stay_text() {
        assert_eq!(
            markdown_escape("<script>alert(1)</script>"),
            "\\<script\\>alert(1)\\</script\\>"
        );
        assert_eq!(markdown_escape("a|b `c` *d*"), "a\\|b \\`c\\` \\*d\\*");
        assert_eq!(markdown_escape("line1\nline2"), "line1 line2");
        assert_eq!(
            markdown_escape("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
    }

    #[test]
    fn code_spans_outlast_backticks() {
        assert_eq!(
            code_span("yum install x".into()).to_string(),
            "` yum install x `"
        );
        assert_eq!(
            code_span("a ``b`` c".into()).to_string(),
            "``` a ``b`` c ```"
        );
    }
}

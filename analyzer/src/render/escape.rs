//! Escaping for Markdown output: every value a template prints is escaped
//! unless the template marks it safe, so a hostname of `<script>` or a
//! package named `a|b` stays text in GitHub, a ticket or a mail client.

use minijinja::{AutoEscape, Output, State, Value};

/// Backslash-escapes the characters that make Markdown (CommonMark and
/// GitHub tables) syntax (with `[` escaped no link can form, so parentheses
/// stay plain), and folds line breaks so a value stays in its cell.
///
/// Only where they could act, so that text pasted into a ticket reads as
/// written: `_` inside a word (`lv_tmp`) is never emphasis in CommonMark;
/// `#` and `>` act only at the start of a line (a value may start one);
/// `&` only where it could begin an entity (`&&` stays); `~` only where
/// the value holds a second one that could close a strikethrough.
pub fn markdown_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let chars: Vec<char> = s.chars().collect();
    let tildes = chars.iter().filter(|c| **c == '~').count();
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let acts = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '|' => true,
            '_' => {
                // A run of underscores between two word characters
                // (`lv_tmp`, `bios__extlinux`) is never emphasis.
                let before = chars[..i].iter().rev().find(|c| **c != '_').copied();
                let after = chars[i..].iter().find(|c| **c != '_').copied();
                !(word(before) && word(after))
            }
            '#' | '>' => i == 0,
            '~' => tildes > 1,
            _ => false,
        };
        match c {
            _ if acts => {
                out.push('\\');
                out.push(c);
            }
            '&' if next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#') => {
                out.push_str("&amp;")
            }
            '\n' | '\r' => out.push(' '),
            c if c == '\t' || stray_control(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// For a value inside raw HTML in a Markdown template (`<summary>...`):
/// there Markdown's backslash escapes do not apply, so the value is
/// HTML-escaped instead. Every `{{ }}` on a raw-HTML line of a `.md.j2`
/// template goes through it (a test below holds the templates to that).
pub fn html_in_markdown(v: Value) -> Value {
    let mut out = String::new();
    for c in v.to_string().chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // A blank line would end the HTML block and let Markdown resume.
            '\n' | '\r' => out.push(' '),
            c if stray_control(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    Value::from_safe_string(out)
}

/// For an HTML table cell: the value HTML-escaped, with a line-break
/// opportunity (`<wbr>`) after each `/` and `,`, so a long path or option
/// list wraps there and never inside a word.
pub fn breakable(v: Value) -> Value {
    let s = v.to_string();
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '/' | ',' => {
                out.push(c);
                out.push_str("<wbr>");
            }
            c if stray_control(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    Value::from_safe_string(out)
}

/// A rendered HTML page with every hyphenated word inside a table cell
/// kept on one line: browsers break after a `-` (`multi-` / `user.target`,
/// `systemd-network-` / `generator`), and no CSS turns that off but
/// `white-space: nowrap`. Each run of text in a `<td>` or `<th>` between
/// spaces, `/` and `,` that holds a `-` goes into `<span class="nw">`, so
/// cells wrap only at spaces, after `/` and `,` (where `breakable` puts
/// `<wbr>`), and a table too wide scrolls in its `.scroll` box.
pub fn keep_words_in_cells(html: &str) -> String {
    // One pass over the bytes, copying slices: no allocation but the
    // page's (this ran once a host page and was 5% of a batch worker's
    // instructions when it built each tag's name and each word as strings).
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut cells = 0usize;
    let mut rest = html;
    while !rest.is_empty() {
        if rest.starts_with('<') {
            let end = memchr::memchr(b'>', rest.as_bytes()).map_or(rest.len(), |i| i + 1);
            let tag = &rest[..end];
            let name = tag.as_bytes()[1..]
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'/'))
                .map_or(&tag[1..], |n| &tag[1..1 + n]);
            let is = |n: &str| name.eq_ignore_ascii_case(n);
            if is("td") || is("th") {
                cells += 1;
            } else if is("/td") || is("/th") {
                cells = cells.saturating_sub(1);
            } else if is("/table") {
                cells = 0;
            }
            out.push_str(tag);
            rest = &rest[end..];
            continue;
        }
        let end = memchr::memchr(b'<', rest.as_bytes()).unwrap_or(rest.len());
        let text = &rest[..end];
        if cells == 0 {
            out.push_str(text);
        } else {
            words_kept_whole(text, &mut out);
        }
        rest = &rest[end..];
    }
    out
}

/// The text of a cell, each run between separators (white space, `,`, `/`
/// and the auto-escape's `&#x2f;` or `&#47;`) that holds a `-` and more
/// than one character in `<span class="nw">`.
fn words_kept_whole(text: &str, out: &mut String) {
    let flush = |run: &str, out: &mut String| {
        if run.contains('-') && run.chars().nth(1).is_some() {
            out.push_str("<span class=\"nw\">");
            out.push_str(run);
            out.push_str("</span>");
        } else {
            out.push_str(run);
        }
    };
    let mut run_start = 0;
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        // The auto-escape writes `/` as `&#x2f;`: a slash all the same.
        let slash = match c {
            '&' => ["&#x2f;", "&#47;"]
                .into_iter()
                .find(|e| text[at..].starts_with(e)),
            _ => None,
        };
        let len = slash.map_or(c.len_utf8(), str::len);
        if slash.is_some() || c.is_whitespace() || c == ',' || c == '/' {
            flush(&text[run_start..at], out);
            out.push_str(&text[at..at + len]);
            run_start = at + len;
        }
        at += len;
    }
    flush(&text[run_start..], out);
}

/// A Markdown code span that no content can break out of: the fence is
/// longer than any run of backticks inside.
pub fn code_span(s: String) -> Value {
    let s: String = s
        .chars()
        .map(|c| match c {
            '\n' | '\r' => ' ',
            c if stray_control(c) => '\u{fffd}',
            c => c,
        })
        .collect();
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // Padding only where the content begins or ends with a backtick (or a
    // space, which the padding rule would strip).
    if s.starts_with(['`', ' ']) || s.ends_with(['`', ' ']) {
        Value::from_safe_string(format!("{fence} {s} {fence}"))
    } else {
        Value::from_safe_string(format!("{fence}{s}{fence}"))
    }
}

/// A code span inside a Markdown table cell: as [`code_span`], with each
/// `|` escaped, which GFM reads before the span (a bare one ends the cell).
pub fn code_cell(s: String) -> Value {
    Value::from_safe_string(code_span(s).to_string().replace('|', "\\|"))
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
        // HTML escaping leaves control characters, which HTML forbids and a
        // terminal acts on (`lift report --format html` to stdout).
        AutoEscape::Html => match value.as_str() {
            Some(s) if s.chars().any(stray_control) => {
                let clean: String = s
                    .chars()
                    .map(|c| if stray_control(c) { '\u{fffd}' } else { c })
                    .collect();
                let clean = if value.is_safe() {
                    Value::from_safe_string(clean)
                } else {
                    Value::from(clean)
                };
                minijinja::escape_formatter(out, state, &clean)
            }
            _ => minijinja::escape_formatter(out, state, value),
        },
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// A control character other than a line break or tab, or a bidirectional
/// override or isolate (which reorder the text around them, on a page or a
/// terminal).
fn stray_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\t'))
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// JSON text with DEL, the C1 controls and the bidirectional overrides
/// written as `\uXXXX` escapes: serde_json escapes only C0, and a terminal
/// acts on the others. The escapes decode to the same strings, and such
/// characters occur only inside strings, so the text means the same.
pub fn json_terminal_safe(s: String) -> String {
    let acts = |c: char| matches!(c, '\u{7f}'..='\u{9f}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    // Each of them is DEL or starts with 0xc2 (C1) or 0xe2 (the overrides)
    // in UTF-8: most reports have none of these bytes at all.
    if memchr::memchr3(0x7f, 0xc2, 0xe2, s.as_bytes()).is_none() || !s.chars().any(acts) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if acts(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_strings_stay_text() {
        assert_eq!(
            markdown_escape("<script>alert(1)</script>"),
            // With `<` escaped no tag or autolink forms; `>` is left as is.
            "\\<script>alert(1)\\</script>"
        );
        assert_eq!(markdown_escape("a|b `c` *d*"), "a\\|b \\`c\\` \\*d\\*");
        assert_eq!(markdown_escape("line1\nline2"), "line1 line2");
        assert_eq!(
            markdown_escape("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
    }

    /// HTML cells broke words mid-letter ("system d"): a path may break
    /// only after `/` or `,`, and stays escaped.
    #[test]
    fn breakable_wraps_at_slashes_and_escapes() {
        assert_eq!(
            breakable(Value::from("/dev/mapper/<vg>")).to_string(),
            "/<wbr>dev/<wbr>mapper/<wbr>&lt;vg&gt;"
        );
        assert_eq!(
            breakable(Value::from("rw,noexec")).to_string(),
            "rw,<wbr>noexec"
        );
    }

    #[test]
    fn hyphenated_words_in_cells_stay_whole() {
        let html = "<p>multi-user.target</p><table><tr><th>Right-sized</th>\
            <td class=\"x\" title=\"a-b\">enabled <span>multi-user.target</span></td>\
            <td>/lib/<wbr>systemd/<wbr>dpkg-db-backup.timer, a - b</td>\
            <td>&#x2f;lib&#x2f;apt-daily.timer</td></tr></table><p>x-y</p>";
        assert_eq!(
            keep_words_in_cells(html),
            "<p>multi-user.target</p><table><tr><th><span class=\"nw\">Right-sized</span></th>\
            <td class=\"x\" title=\"a-b\">enabled <span><span class=\"nw\">multi-user.target</span></span></td>\
            <td>/lib/<wbr>systemd/<wbr><span class=\"nw\">dpkg-db-backup.timer</span>, a - b</td>\
            <td>&#x2f;lib&#x2f;<span class=\"nw\">apt-daily.timer</span></td></tr></table><p>x-y</p>"
        );
    }

    /// The one-pass version writes what the first one (kept here) wrote,
    /// on pages made of the pieces that matter: tags of any case, the
    /// slash entities, separators, hyphens, non-ASCII letters and spaces.
    #[test]
    fn words_in_cells_as_the_first_version_kept_them() {
        fn first(html: &str) -> String {
            let mut out = String::new();
            let mut cells = 0usize;
            let mut rest = html;
            while !rest.is_empty() {
                if rest.starts_with('<') {
                    let end = rest.find('>').map_or(rest.len(), |i| i + 1);
                    let tag = &rest[..end];
                    let name: String = tag[1..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
                        .collect::<String>()
                        .to_ascii_lowercase();
                    match name.as_str() {
                        "td" | "th" => cells += 1,
                        "/td" | "/th" => cells = cells.saturating_sub(1),
                        "/table" => cells = 0,
                        _ => {}
                    }
                    out.push_str(tag);
                    rest = &rest[end..];
                    continue;
                }
                let end = rest.find('<').unwrap_or(rest.len());
                let text = &rest[..end];
                if cells == 0 {
                    out.push_str(text);
                } else {
                    let mut run = String::new();
                    let flush = |run: &mut String, out: &mut String| {
                        if run.contains('-') && run.chars().count() > 1 {
                            out.push_str("<span class=\"nw\">");
                            out.push_str(run);
                            out.push_str("</span>");
                        } else {
                            out.push_str(run);
                        }
                        run.clear();
                    };
                    let mut t = text;
                    while let Some(c) = t.chars().next() {
                        let slash = ["&#x2f;", "&#47;"].into_iter().find(|e| t.starts_with(e));
                        let len = slash.map_or(c.len_utf8(), str::len);
                        if slash.is_some() || c.is_whitespace() || c == ',' || c == '/' {
                            flush(&mut run, &mut out);
                            out.push_str(&t[..len]);
                        } else {
                            run.push(c);
                        }
                        t = &t[len..];
                    }
                    flush(&mut run, &mut out);
                }
                rest = &rest[end..];
            }
            out
        }
        const PIECES: [&str; 24] = [
            "<td>",
            "</td>",
            "<TD class=\"x\">",
            "</Th>",
            "<th>",
            "</table>",
            "<tdx>",
            "<span>",
            "</span>",
            "&#x2f;",
            "&#47;",
            "&#x2",
            "&amp;",
            "-",
            "a",
            "\u{e9}",
            " ",
            "\u{a0}",
            ",",
            "/",
            "<",
            ">",
            "&",
            "x-y",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut wrapped = 0;
        for _ in 0..5000 {
            let mut page = String::new();
            for _ in 0..next() % 40 {
                page.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
            }
            let kept = keep_words_in_cells(&page);
            assert_eq!(kept, first(&page), "{page:?}");
            wrapped += usize::from(kept.contains("class=\"nw\""));
        }
        assert!(wrapped > 100, "too few pages had a word to keep: {wrapped}");
    }

    #[test]
    fn markdown_escapes_only_where_it_acts() {
        assert_eq!(markdown_escape("lv_tmp a -> b && c"), "lv_tmp a -> b && c");
        assert_eq!(
            markdown_escape("bios__extlinux __init__"),
            "bios__extlinux \\_\\_init\\_\\_"
        );
        assert_eq!(markdown_escape("_x_ #1 ~/a"), "\\_x\\_ #1 ~/a");
        assert_eq!(markdown_escape("# h"), "\\# h");
        assert_eq!(markdown_escape("> q"), "\\> q");
        assert_eq!(markdown_escape("~a~"), "\\~a\\~");
        assert_eq!(markdown_escape("&amp; &#1;"), "&amp;amp; &amp;#1;");
    }

    #[test]
    fn json_escapes_what_a_terminal_acts_on() {
        let s = serde_json::to_string("a\u{9b}2J\u{202e}b\x1b").unwrap();
        let safe = json_terminal_safe(s);
        assert_eq!(safe, r#""a\u009b2J\u202eb\u001b""#);
        let back: String = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, "a\u{9b}2J\u{202e}b\x1b");
    }

    #[test]
    fn html_in_markdown_escapes_tags_and_controls() {
        assert_eq!(
            html_in_markdown(Value::from("a</summary><img src=x onerror='1'>\x1b")).to_string(),
            "a&lt;/summary&gt;&lt;img src=x onerror=&#39;1&#39;&gt;\u{fffd}"
        );
    }

    /// Issue 14 C2: a value inside `<details><summary>` was Markdown-escaped,
    /// which raw HTML ignores. Every expression on a line that holds an HTML
    /// tag goes through `|html`.
    #[test]
    fn raw_html_lines_in_markdown_templates_use_the_html_filter() {
        for (name, text) in [
            ("report.md.j2", include_str!("../../templates/report.md.j2")),
            (
                "provision.md.j2",
                include_str!("../../templates/provision.md.j2"),
            ),
            (
                "containers.md.j2",
                include_str!("../../templates/containers.md.j2"),
            ),
            ("diff.md.j2", include_str!("../../templates/diff.md.j2")),
            (
                "applications.md.j2",
                include_str!("../../templates/applications.md.j2"),
            ),
        ] {
            for (n, line) in text.lines().enumerate() {
                let tag = line.char_indices().any(|(i, c)| {
                    c == '<'
                        && line[i + 1..]
                            .chars()
                            .next()
                            .is_some_and(|d| d.is_ascii_alphabetic() || d == '/')
                });
                if !tag {
                    continue;
                }
                for expr in line.split("{{").skip(1) {
                    let expr = expr.split("}}").next().unwrap_or("").trim();
                    assert!(
                        expr.ends_with("|html"),
                        "{name}:{}: {{{{ {expr} }}}} sits in raw HTML without |html",
                        n + 1
                    );
                }
            }
        }
    }

    #[test]
    fn code_spans_outlast_backticks() {
        assert_eq!(
            code_span("yum install x".into()).to_string(),
            "`yum install x`"
        );
        assert_eq!(code_span("a ``b`` c".into()).to_string(), "```a ``b`` c```");
        assert_eq!(code_span("`x".into()).to_string(), "`` `x ``");
    }
}

#[cfg(test)]
mod cell_tests {
    /// A shell `||` in a job's command must not end its table cell.
    #[test]
    fn code_cells_escape_the_pipe() {
        assert_eq!(
            super::code_cell("a || b".into()).to_string(),
            "`a \\|\\| b`"
        );
        assert_eq!(super::code_cell("plain".into()).to_string(), "`plain`");
    }
}

//! The About panel's content: the engine's one statement of what FlowVerify assumes and warns
//! about ([`flowverify::assumptions`]), the same text the README and `flowverify assumptions`
//! show, split into the pieces the page draws (plain text and `code`).

use flowverify::assumptions::{Point, ASSUMES, WARNS};

/// A piece of a point's text: plain words, or `code` (written in backticks in the source).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// Plain words.
    Text(&'static str),
    /// Code (a tag, a prefix, a property name).
    Code(&'static str),
}

/// One item of the panel: a point's title and its text in pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The point's title, e.g. `Order`.
    pub title: &'static str,
    /// Its text.
    pub pieces: Vec<Piece>,
}

/// One section of the panel: a heading and its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// `What FlowVerify assumes` or `What FlowVerify warns about`.
    pub heading: &'static str,
    /// One item per point, in order.
    pub items: Vec<Item>,
}

/// A point's text in pieces: backticks open and close code.
///
/// ```
/// use flowverify_web::about::{pieces, Piece};
/// assert_eq!(
///     pieces("`*` and `Any` match"),
///     [Piece::Code("*"), Piece::Text(" and "), Piece::Code("Any"), Piece::Text(" match")]
/// );
/// ```
pub fn pieces(text: &'static str) -> Vec<Piece> {
    text.split('`')
        .enumerate()
        .filter(|(_, s)| !s.is_empty())
        .map(|(i, s)| {
            if i % 2 == 1 {
                Piece::Code(s)
            } else {
                Piece::Text(s)
            }
        })
        .collect()
}

fn items(points: &[Point]) -> Vec<Item> {
    points
        .iter()
        .map(|p| Item {
            title: p.title,
            pieces: pieces(p.text),
        })
        .collect()
}

/// The panel: what FlowVerify assumes, then what it warns about, point by point from the
/// engine's lists.
pub fn sections() -> [Section; 2] {
    [
        Section {
            heading: "What FlowVerify assumes",
            items: items(ASSUMES),
        },
        Section {
            heading: "What FlowVerify warns about",
            items: items(WARNS),
        },
    ]
}

/// `text` with `&`, `<` and `>` escaped for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The panel's sections as HTML: a heading and a list per section, an item per point (its
/// title in bold), code as `<code>`. The page sets it as the panel's content: one string costs
/// the bundle far less than a view per piece.
///
/// ```
/// let html = flowverify_web::about::html();
/// assert!(html.starts_with("<h3>What FlowVerify assumes</h3><ul><li><strong>Order.</strong> AVNM"));
/// assert!(html.contains("<code>VirtualNetwork</code>"));
/// ```
pub fn html() -> String {
    let mut out = String::new();
    for section in sections() {
        out.push_str(&format!("<h3>{}</h3><ul>", section.heading));
        for item in section.items {
            out.push_str(&format!("<li><strong>{}.</strong> ", escape(item.title)));
            for piece in item.pieces {
                match piece {
                    Piece::Text(text) => out.push_str(&escape(text)),
                    Piece::Code(code) => out.push_str(&format!("<code>{}</code>", escape(code))),
                }
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text an item shows, backticks put back.
    fn source(item: &Item) -> String {
        item.pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.to_string(),
                Piece::Code(c) => format!("`{c}`"),
            })
            .collect()
    }

    #[test]
    fn the_panel_shows_the_engines_points_word_for_word() {
        let [assumes, warns] = sections();
        assert_eq!(assumes.heading, "What FlowVerify assumes");
        assert_eq!(warns.heading, "What FlowVerify warns about");
        for (section, points) in [(&assumes, ASSUMES), (&warns, WARNS)] {
            assert_eq!(section.items.len(), points.len());
            for (item, point) in section.items.iter().zip(points) {
                assert_eq!(item.title, point.title);
                assert_eq!(source(item), point.text);
            }
        }
    }

    #[test]
    fn the_markdown_statement_holds_every_item() {
        let markdown = flowverify::assumptions::markdown();
        for section in sections() {
            assert!(markdown.contains(section.heading), "{}", section.heading);
            for item in &section.items {
                assert!(
                    markdown.contains(&format!("**{}.** {}", item.title, source(item))),
                    "{}",
                    item.title
                );
            }
        }
    }

    #[test]
    fn the_html_has_one_item_per_point_and_escapes_markup() {
        let html = html();
        assert_eq!(html.matches("<h3>").count(), 2);
        assert_eq!(html.matches("<li>").count(), ASSUMES.len() + WARNS.len());
        for item in sections().iter().flat_map(|s| &s.items) {
            assert!(html.contains(&format!("<li><strong>{}.</strong> ", item.title)));
        }
        assert!(!html.contains('`'));
        assert_eq!(escape("a <b> & c"), "a &lt;b&gt; &amp; c");
        // Every tag the text holds is one this function wrote.
        let stripped = html
            .replace("<h3>", "")
            .replace("</h3>", "")
            .replace("<ul>", "")
            .replace("</ul>", "")
            .replace("<li>", "")
            .replace("</li>", "")
            .replace("<strong>", "")
            .replace("</strong>", "")
            .replace("<code>", "")
            .replace("</code>", "");
        assert!(!stripped.contains('<') && !stripped.contains('>'));
    }

    #[test]
    fn code_is_what_backticks_enclose() {
        let tags = ASSUMES
            .iter()
            .find(|p| p.title == "Tags")
            .expect("a Tags point");
        let code: Vec<&str> = pieces(tags.text)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Code(c) => Some(c),
                Piece::Text(_) => None,
            })
            .collect();
        assert!(code.contains(&"VirtualNetwork"), "{code:?}");
        assert!(code.contains(&"168.63.129.16/32"), "{code:?}");
        assert!(pieces("").is_empty());
    }
}

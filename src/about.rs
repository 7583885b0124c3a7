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

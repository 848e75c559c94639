//! Full-text search of the catalogue in Chinese.
//!
//! An in-memory inverted index over character bigrams (and single characters) of Chinese text
//! and whole words of Latin text, the approach of Lucene's CJK analyser. Bigrams find
//! two-character words such as 食品 that a trigram index misses, need no dictionary, and a
//! catalogue of 10⁴–10⁵ items fits in a few megabytes. Codes are matched by prefix. Pure: the
//! server builds the index from the store and rebuilds it when the catalogue changes.

use crate::catalogue::{ItemKind, ItemStatus};
use crate::region::Level;
use crate::text::{fold_width, is_cjk};
use std::collections::HashMap;

/// What the index needs to know of an item.
#[derive(Debug, Clone)]
pub struct SearchDoc {
    /// Item code (canonical), also matched by prefix.
    pub code: String,
    /// Basic code, matched by prefix.
    pub basic_code: String,
    /// Item name.
    pub name: String,
    /// Names of sub-items.
    pub sub_items: Vec<String>,
    /// Owning and handling department codes (for the filter).
    pub department_codes: Vec<String>,
    /// Owning and handling department names (searched).
    pub department_names: Vec<String>,
    /// Further text: legal basis, materials.
    pub body: String,
    /// Item type (for the filter).
    pub kind: ItemKind,
    /// Levels (for the filter).
    pub levels: Vec<Level>,
    /// Status: cancelled items rank last.
    pub status: ItemStatus,
}

/// Filters and text of a search.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Free text: Chinese words, an item code, a department name.
    pub text: String,
    /// Only items owned or handled by this department code.
    pub department: Option<String>,
    /// Only items of this type.
    pub kind: Option<ItemKind>,
    /// Only items that can be handled at this level.
    pub level: Option<Level>,
}

/// A search result: the index of the document as given to [`SearchIndex::build`] and its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Position of the document in the build input.
    pub doc: usize,
    /// Relevance; higher is better.
    pub score: f32,
}

const WEIGHT_NAME: f32 = 4.0;
const WEIGHT_SUB_ITEM: f32 = 2.0;
const WEIGHT_DEPARTMENT: f32 = 1.5;
const WEIGHT_BODY: f32 = 0.5;
const QUERY_TOKENS_MAX: usize = 64;

/// The index. Build once per catalogue generation; searching borrows it immutably.
pub struct SearchIndex {
    docs: Vec<SearchDoc>,
    /// Each document's name, width-folded and lowercased once at build time.
    names_folded: Vec<String>,
    postings: HashMap<String, Vec<(u32, f32)>>,
}

/// A stretch of search text: a run of Chinese characters, or a lowercased Latin word.
enum Segment {
    Chinese(Vec<char>),
    Word(String),
}

/// Width-folds and lowercases `text` and cuts it into runs of Chinese characters and words
/// of Latin letters and digits; everything else separates.
fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for c in fold_width(text).to_lowercase().chars() {
        match out.last_mut() {
            Some(Segment::Chinese(run)) if is_cjk(c) => run.push(c),
            Some(Segment::Word(word)) if c.is_alphanumeric() && !is_cjk(c) => word.push(c),
            _ if is_cjk(c) => out.push(Segment::Chinese(vec![c])),
            _ if c.is_alphanumeric() => out.push(Segment::Word(c.to_string())),
            _ => out.push(Segment::Word(String::new())),
        }
    }
    out.retain(|s| !matches!(s, Segment::Word(w) if w.is_empty()));
    out
}

/// Splits text into index tokens: for each run of Chinese characters every character and
/// every pair of neighbours, for each Latin word the word.
fn tokens(text: &str, out: &mut Vec<String>) {
    for segment in segments(text) {
        match segment {
            Segment::Chinese(run) => {
                out.extend(run.iter().map(char::to_string));
                out.extend(run.windows(2).map(|w| format!("{}{}", w[0], w[1])));
            }
            Segment::Word(word) => out.push(word),
        }
    }
}

/// Query tokens: bigrams of Chinese runs (a lone character stands for itself), Latin words.
fn query_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for segment in segments(text) {
        match segment {
            Segment::Chinese(run) if run.len() == 1 => out.push(run[0].to_string()),
            Segment::Chinese(run) => out.extend(run.windows(2).map(|w| format!("{}{}", w[0], w[1]))),
            Segment::Word(word) => out.push(word),
        }
    }
    out.sort();
    out.dedup();
    out.truncate(QUERY_TOKENS_MAX);
    out
}

impl SearchIndex {
    /// Builds the index over the documents; hits refer to their positions.
    pub fn build(docs: Vec<SearchDoc>) -> SearchIndex {
        let mut postings: HashMap<String, HashMap<u32, f32>> = HashMap::new();
        let mut buf = Vec::new();
        for (i, d) in docs.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 4 billion items");
            let fields: [(f32, Vec<&str>); 4] = [
                (WEIGHT_NAME, vec![d.name.as_str()]),
                (WEIGHT_SUB_ITEM, d.sub_items.iter().map(String::as_str).collect()),
                (WEIGHT_DEPARTMENT, d.department_names.iter().map(String::as_str).collect()),
                (WEIGHT_BODY, vec![d.body.as_str()]),
            ];
            for (weight, texts) in fields {
                for t in texts {
                    buf.clear();
                    tokens(t, &mut buf);
                    for tok in buf.drain(..) {
                        let w = postings.entry(tok).or_default().entry(i).or_insert(0.0);
                        *w = w.max(weight);
                    }
                }
            }
        }
        let postings = postings
            .into_iter()
            .map(|(t, m)| {
                let mut v: Vec<(u32, f32)> = m.into_iter().collect();
                v.sort_unstable_by_key(|(d, _)| *d);
                (t, v)
            })
            .collect();
        let names_folded = docs.iter().map(|d| fold_width(&d.name).to_lowercase()).collect();
        SearchIndex { docs, names_folded, postings }
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The document at a hit's position.
    pub fn doc(&self, i: usize) -> &SearchDoc {
        &self.docs[i]
    }

    fn passes(&self, d: &SearchDoc, q: &Query) -> bool {
        q.department.as_ref().is_none_or(|dep| d.department_codes.iter().any(|c| c == dep))
            && q.kind.is_none_or(|k| d.kind == k)
            && q.level.is_none_or(|l| d.levels.contains(&l))
    }

    /// Every document matching the query, best first. With empty text, every document that
    /// passes the filters, in input order. Documents matching all query tokens come first;
    /// when none does, those matching at least half of them.
    pub fn search(&self, q: &Query) -> Vec<Hit> {
        let text = q.text.trim();
        if text.is_empty() {
            return (0..self.docs.len()).filter(|&i| self.passes(&self.docs[i], q)).map(|doc| Hit { doc, score: 0.0 }).collect();
        }
        let toks = query_tokens(text);
        let n = self.docs.len() as f32;
        let mut score = vec![0.0f32; self.docs.len()];
        let mut matched = vec![0u16; self.docs.len()];
        for t in &toks {
            let Some(list) = self.postings.get(t) else {
                continue;
            };
            let idf = (1.0 + n / list.len() as f32).ln();
            for &(d, w) in list {
                score[d as usize] += idf * w;
                matched[d as usize] += 1;
            }
        }
        let code_query = fold_width(text).to_ascii_uppercase();
        let looks_like_code = code_query.len() >= 4 && code_query.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let phrase = fold_width(text).to_lowercase();
        let all = toks.len() as u16;
        let mut hits: Vec<Hit> = Vec::new();
        let mut partial: Vec<Hit> = Vec::new();
        for (i, d) in self.docs.iter().enumerate() {
            let mut s = score[i];
            let code_hit = looks_like_code && (d.code.starts_with(&code_query) || d.basic_code.starts_with(&code_query));
            if code_hit {
                s += 100.0;
            }
            if s == 0.0 || !self.passes(d, q) {
                continue;
            }
            let name = &self.names_folded[i];
            if *name == phrase {
                s *= 3.0;
            } else if name.contains(&phrase) {
                s *= 2.0;
            }
            if d.status == ItemStatus::Cancelled {
                s *= 0.25;
            }
            let hit = Hit { doc: i, score: s };
            if code_hit || matched[i] == all {
                hits.push(hit);
            } else if u32::from(matched[i]) * 2 >= u32::from(all) {
                partial.push(hit);
            }
        }
        if hits.is_empty() {
            hits = partial;
        }
        // Ties keep input order, so results are stable between calls.
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(code: &str, name: &str, dept: &str) -> SearchDoc {
        SearchDoc {
            code: format!("{code}-610502-X"),
            basic_code: code.into(),
            name: name.into(),
            sub_items: vec![],
            department_codes: vec![dept.into()],
            department_names: vec![match dept {
                "wjj" => "区卫生健康局".into(),
                "lyj" => "区林业局".into(),
                _ => "区市场监督管理局".into(),
            }],
            body: String::new(),
            kind: ItemKind::Licensing,
            levels: vec![Level::District],
            status: ItemStatus::InForce,
        }
    }

    fn index() -> SearchIndex {
        SearchIndex::build(vec![
            doc("010010010000", "食品经营许可", "scjgj"),
            doc("010010020000", "食品生产许可", "scjgj"),
            doc("010010030000", "公共场所卫生许可", "wjj"),
            doc("010010040000", "林木采伐许可证核发", "lyj"),
            doc("010010050000", "饮用水供水单位卫生许可", "wjj"),
            doc("010010060000", "医疗机构执业登记", "wjj"),
            doc("010010070000", "品牌食用菌推广服务", "scjgj"),
        ])
    }

    fn names(idx: &SearchIndex, text: &str) -> Vec<String> {
        idx.search(&Query { text: text.into(), ..Default::default() }).iter().map(|h| idx.doc(h.doc).name.clone()).collect()
    }

    #[test]
    fn two_character_words_are_found() {
        let found = names(&index(), "食品");
        assert_eq!(found, vec!["食品经营许可", "食品生产许可"]);
    }

    #[test]
    fn phrases_rank_items_that_contain_them() {
        let found = names(&index(), "卫生许可");
        assert_eq!(found, vec!["公共场所卫生许可", "饮用水供水单位卫生许可"]);
        assert_eq!(names(&index(), "林木采伐"), vec!["林木采伐许可证核发"]);
    }

    #[test]
    fn department_names_and_codes_are_found() {
        let found = names(&index(), "卫生健康局");
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(names(&index(), "010010040000"), vec!["林木采伐许可证核发"]);
        assert_eq!(names(&index(), "01001004"), vec!["林木采伐许可证核发"]);
        assert_eq!(names(&index(), "010010040000-610502"), vec!["林木采伐许可证核发"]);
    }

    #[test]
    fn single_characters_and_near_misses() {
        assert_eq!(names(&index(), "林").len(), 1);
        // "食品许可" is not a substring of any name, but every bigram but one matches.
        let found = names(&index(), "食品许可");
        assert!(found.starts_with(&["食品经营许可".to_string()]) || found.contains(&"食品经营许可".to_string()), "{found:?}");
        assert!(names(&index(), "火箭发射").is_empty());
        assert!(names(&index(), "   ").len() == 7, "empty text lists everything");
    }

    #[test]
    fn filters_apply() {
        let idx = index();
        let q = Query { text: "许可".into(), department: Some("wjj".into()), ..Default::default() };
        assert_eq!(idx.search(&q).len(), 2);
        let q = Query { text: String::new(), level: Some(Level::Village), ..Default::default() };
        assert!(idx.search(&q).is_empty());
    }

    #[test]
    fn cancelled_items_rank_last() {
        let mut docs = vec![doc("1", "食品经营许可", "scjgj"), doc("2", "食品生产许可", "scjgj")];
        docs[0].status = ItemStatus::Cancelled;
        let idx = SearchIndex::build(docs);
        assert_eq!(names(&idx, "食品"), vec!["食品生产许可", "食品经营许可"]);
    }

    #[test]
    fn full_width_and_case_are_folded() {
        let mut docs = vec![doc("1", "ＩＣＰ经营许可", "scjgj")];
        docs[0].body = "ICP".into();
        let idx = SearchIndex::build(docs);
        assert_eq!(names(&idx, "icp").len(), 1);
    }
}

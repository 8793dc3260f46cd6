//! The Topics taxonomy (v2, 469 topics), shipped with Butler under its Apache-2.0 notice
//! (`crates/core/data/NOTICE`). Interests name topics by id; a coarse interest is its top-level
//! topic.

use std::collections::BTreeMap;
use std::sync::OnceLock;

const TSV: &str = include_str!("../data/topics-taxonomy-v2.tsv");

/// A topic of the taxonomy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub id: u16,
    /// The full path, such as `/Sports/Running & Walking`.
    pub path: &'static str,
}

impl Topic {
    /// The last segment of the path: the topic's own name.
    pub fn name(&self) -> &'static str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }

    /// The top-level topic this one belongs to (itself if it is top-level).
    #[must_use]
    pub fn top_level(&self) -> Topic {
        let top = self.path.split('/').nth(1).unwrap_or_default();
        let top_path = &self.path[..=top.len()];
        taxonomy().by_path.get(top_path).and_then(|id| lookup(*id)).unwrap_or_else(|| self.clone())
    }
}

struct Taxonomy {
    by_id: BTreeMap<u16, &'static str>,
    by_path: BTreeMap<&'static str, u16>,
}

fn taxonomy() -> &'static Taxonomy {
    static TAXONOMY: OnceLock<Taxonomy> = OnceLock::new();
    TAXONOMY.get_or_init(|| {
        let mut by_id = BTreeMap::new();
        let mut by_path = BTreeMap::new();
        for line in TSV.lines().filter(|l| !l.starts_with('#')).skip(1) {
            let (id, path) = line.split_once('\t').expect("taxonomy lines are `id<TAB>path`");
            let id: u16 = id.parse().expect("taxonomy ids are numbers");
            by_id.insert(id, path);
            by_path.insert(path, id);
        }
        Taxonomy { by_id, by_path }
    })
}

/// The topic with this id, if the taxonomy has it.
pub fn lookup(id: u16) -> Option<Topic> {
    taxonomy().by_id.get(&id).map(|path| Topic { id, path })
}

/// Every topic, in id order.
pub fn all() -> impl Iterator<Item = Topic> {
    taxonomy().by_id.iter().map(|(id, path)| Topic { id: *id, path })
}

/// Topics whose path contains every word of the query (case-insensitive), in path order.
pub fn search(query: &str) -> Vec<Topic> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let mut found: Vec<Topic> = all()
        .filter(|t| {
            let path = t.path.to_lowercase();
            words.iter().all(|w| path.contains(w.as_str()))
        })
        .collect();
    found.sort_by_key(|t| t.path);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_taxonomy_loads() {
        assert_eq!(all().count(), 469);
        assert_eq!(lookup(1).unwrap().path, "/Arts & Entertainment");
        assert!(lookup(0).is_none());
    }

    #[test]
    fn coarse_topic_is_the_top_level() {
        let t = lookup(4).unwrap();
        assert_eq!(t.name(), "Concerts & Music Festivals");
        assert_eq!(t.top_level().id, 1);
        assert_eq!(lookup(1).unwrap().top_level().id, 1);
    }

    #[test]
    fn search_matches_all_words() {
        let hits = search("running");
        assert!(hits.iter().any(|t| t.path.contains("Running")));
        assert!(search("film festivals")[0].path.ends_with("Film Festivals"));
        assert!(search("zzzz").is_empty());
    }
}

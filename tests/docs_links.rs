//! Every relative link in README.md, ARCHITECTURE.md and docs/*.md leads somewhere: the file or folder
//! exists, and a `#anchor` names a heading of the target page (GitHub's heading ids). Links to the web are
//! not checked (no network in tests).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Pages other branches add: links to them may dangle until those branches are merged. Remove an entry
/// once the page exists (the test then checks it like any other).
const PENDING: [&str; 0] = [];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The pages whose links are checked, relative to the crate root.
fn pages() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from("README.md"), PathBuf::from("ARCHITECTURE.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| p.strip_prefix(root()).unwrap().to_path_buf())
        .collect();
    docs.sort();
    out.extend(docs);
    out
}

/// `line` without its inline code spans (`` `...` ``), so that code such as `[[services]]` or `f(x)` is
/// not read as a link.
fn without_code(line: &str) -> String {
    let mut out = String::new();
    for (i, part) in line.split('`').enumerate() {
        if i % 2 == 0 {
            out.push_str(part);
        }
    }
    out
}

/// The targets of inline links and images (`[text](target)`, `![alt](target "title")`) in `text`, with
/// their 1-based lines, outside fenced code blocks.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for (i, raw) in text.lines().enumerate() {
        if raw.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let line = without_code(raw);
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            // The target ends at the parenthesis that closes the link (targets may hold balanced ones).
            let mut depth = 0usize;
            let mut end = None;
            for (j, c) in after.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' if depth == 0 => {
                        end = Some(j);
                        break;
                    }
                    ')' => depth -= 1,
                    _ => {}
                }
            }
            let Some(end) = end else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            if !target.is_empty() {
                out.push((i + 1, target.to_string()));
            }
            rest = &after[end..];
        }
    }
    out
}

/// GitHub's id for a heading: lower case, spaces to hyphens, punctuation other than `-` and `_` dropped
/// (so `` `queue` — a worker service's queue `` → `queue--a-worker-services-queue`).
fn slug(heading: &str) -> String {
    let text = without_code_marks(heading);
    text.trim()
        .chars()
        .filter_map(|c| {
            if c == ' ' {
                Some('-')
            } else if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c)
            } else {
                None
            }
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// A heading's text as rendered: backticks dropped, `[text](target)` reduced to its text.
fn without_code_marks(heading: &str) -> String {
    let plain = heading.replace('`', "");
    let mut out = String::new();
    let mut rest = plain.as_str();
    while let Some(open) = rest.find('[') {
        let Some(mid) = rest[open..].find("](") else {
            break;
        };
        let Some(close) = rest[open + mid..].find(')') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..open + mid]);
        rest = &rest[open + mid + close + 1..];
    }
    out.push_str(rest);
    out
}

/// The anchors a Markdown page offers: its headings' ids, with GitHub's `-1`, `-2` suffixes for repeats.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#');
        if !title.starts_with(' ') {
            continue;
        }
        let base = slug(title);
        let mut id = base.clone();
        let mut n = 0;
        while out.contains(&id) {
            n += 1;
            id = format!("{base}-{n}");
        }
        out.insert(id);
    }
    out
}

/// What is wrong with `target` as written in `page`, or None when it resolves.
fn check(page: &Path, target: &str) -> Option<String> {
    if target.contains("://") || target.starts_with("mailto:") {
        return None;
    }
    let (path, anchor) = match target.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (target, None),
    };
    let file = if path.is_empty() {
        page.to_path_buf()
    } else {
        let joined = page.parent().unwrap_or(Path::new("")).join(path);
        normalise(&joined)
    };
    let name = file.display().to_string();
    if PENDING.contains(&name.as_str()) && !root().join(&file).exists() {
        return None;
    }
    let full = root().join(&file);
    if !full.exists() {
        return Some(format!("{name} does not exist"));
    }
    let anchor = anchor?;
    if full.extension().is_none_or(|x| x != "md") {
        return None;
    }
    let text = fs::read_to_string(&full).ok()?;
    let known = anchors(&text);
    (!known.contains(anchor)).then(|| format!("{name} has no heading with the id #{anchor}"))
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn every_relative_link_in_the_docs_resolves() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = fs::read_to_string(root().join(&page)).expect("page readable");
        for (line, target) in links(&text) {
            checked += 1;
            if let Some(why) = check(&page, &target) {
                problems.push(format!("  {}:{line}: ({target}): {why}", page.display()));
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} links found: is the scan broken?"
    );
    assert!(
        problems.is_empty(),
        "{} of {checked} links do not resolve:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_docs_index_links_every_page_in_docs() {
    let index = fs::read_to_string(root().join("docs/README.md")).expect("docs/README.md exists");
    let linked: BTreeSet<String> = links(&index)
        .into_iter()
        .map(|(_, t)| t.split('#').next().unwrap_or("").to_string())
        .collect();
    let missing: Vec<String> = pages()
        .into_iter()
        .filter(|p| p.starts_with("docs") && !p.ends_with("README.md"))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            (!linked.contains(&name)).then_some(name)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/README.md does not link: {missing:?}"
    );
}

#[test]
fn readme_stays_under_20_kb() {
    let size = fs::metadata(root().join("README.md"))
        .expect("README.md")
        .len();
    assert!(
        size < 20_000,
        "README.md is {size} bytes; keep it under 20,000 and move reference material into docs/"
    );
}

#[test]
fn links_are_found_outside_code() {
    let text = "See [a](a.md) and ![img](b.png \"title\").\n`[[services]](x)` is code.\n\
                ```\n[c](c.md)\n```\n[d](d.md#part) [e](https://x.y/(z))\n";
    let found: Vec<(usize, String)> = links(text);
    let want = [
        (1, "a.md"),
        (1, "b.png"),
        (6, "d.md#part"),
        (6, "https://x.y/(z)"),
    ];
    assert_eq!(found, want.map(|(l, t)| (l, t.to_string())).to_vec());
}

#[test]
fn heading_ids_follow_github() {
    assert_eq!(
        slug(" `queue` — a worker service's queue"),
        "queue--a-worker-services-queue"
    );
    assert_eq!(slug(" 6. A failed shard"), "6-a-failed-shard");
    assert_eq!(
        slug(" Burstable instances (T3, T3a, T4g)"),
        "burstable-instances-t3-t3a-t4g"
    );
    assert_eq!(slug(" Charts and `report.html`"), "charts-and-reporthtml");
    assert_eq!(slug(" See [the map](x.md) now"), "see-the-map-now");
    let ids = anchors("# A\n## A\n```\n# B\n```\n#not a heading\n### A\n");
    assert_eq!(
        ids.into_iter().collect::<Vec<_>>(),
        ["a", "a-1", "a-2"].map(String::from).to_vec()
    );
}

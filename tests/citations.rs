//! Every section citation in the code (`\u{a7}N` or `\u{a7}N.N`, in doc comments, comments and error
//! messages) must name a heading of `docs/ecs-behaviour.md`: users who clone the repository have only
//! that document to look the rule up in. Also checks that no two headings share a number.
//!
//! The section sign is written as the escape `\u{a7}` everywhere in this file, so that the file's own
//! text, which the scan reads too, cites nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const SECTION_SIGN: char = '\u{a7}';
const DOC: &str = "docs/ecs-behaviour.md";
const CODE_DIRS: [&str; 3] = ["src", "tests", "benches"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The section numbers cited in `text`, in order. A citation is the section sign, at most one space,
/// digits, then any number of `.digits` groups; a dot not followed by a digit ends it, so a citation at
/// the end of a sentence keeps its number. Ranges and lists (`\u{a7}1–\u{a7}3`, `\u{a7}4.1/\u{a7}4.2`,
/// `(\u{a7}2.3, \u{a7}4.1)`) give one number per section sign.
fn citations_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        if c != SECTION_SIGN {
            continue;
        }
        let mut rest = &text[i + c.len_utf8()..];
        rest = rest.strip_prefix(' ').unwrap_or(rest);
        let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
        let first = digits(rest);
        if first == 0 {
            continue;
        }
        let mut len = first;
        loop {
            let tail = &rest[len..];
            let more = tail.strip_prefix('.').map_or(0, digits);
            if more == 0 {
                break;
            }
            len += 1 + more;
        }
        out.push(rest[..len].to_string());
    }
    out
}

/// The number of a heading line (`## 4. Title` → "4", `### 4.2 Title` → "4.2"), or None for a line
/// that is not a numbered heading.
fn heading_number(line: &str) -> Option<String> {
    let title = line.strip_prefix('#')?.trim_start_matches('#').trim_start();
    let word = title.split_whitespace().next()?;
    let number = word.strip_suffix('.').unwrap_or(word);
    let well_formed = !number.is_empty()
        && number
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    well_formed.then(|| number.to_string())
}

/// Numbered headings of a Markdown document with their 1-based line numbers, skipping fenced code.
fn headings(doc: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for (i, line) in doc.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if let Some(n) = heading_number(line) {
            out.push((n, i + 1));
        }
    }
    out
}

fn read_doc() -> String {
    let path = root().join(DOC);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every `.rs` file under `dir`, recursively, in a stable order.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// Every citation in the code: (file relative to the crate root, 1-based line, section number).
fn code_citations() -> Vec<(String, usize, String)> {
    let root = root();
    let mut files = Vec::new();
    for dir in CODE_DIRS {
        rust_files(&root.join(dir), &mut files);
    }
    let mut out = Vec::new();
    for path in files {
        let text = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let name = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .display()
            .to_string();
        for (i, line) in text.lines().enumerate() {
            for n in citations_in(line) {
                out.push((name.clone(), i + 1, n));
            }
        }
    }
    out
}

#[test]
fn every_citation_in_the_code_names_a_heading() {
    let known: BTreeSet<String> = headings(&read_doc()).into_iter().map(|(n, _)| n).collect();
    let cites = code_citations();
    assert!(
        !cites.is_empty(),
        "found no citations under {CODE_DIRS:?}: is the scan broken?"
    );
    let unresolved: Vec<String> = cites
        .iter()
        .filter(|(_, _, n)| !known.contains(n))
        .map(|(file, line, n)| format!("  {file}:{line}: {SECTION_SIGN}{n}"))
        .collect();
    assert!(
        unresolved.is_empty(),
        "{} of {} citations name no heading of {DOC}:\n{}\n(numbered headings: {})",
        unresolved.len(),
        cites.len(),
        unresolved.join("\n"),
        known.iter().cloned().collect::<Vec<_>>().join(" ")
    );
}

#[test]
fn the_document_cites_only_its_own_sections() {
    let doc = read_doc();
    let known: BTreeSet<String> = headings(&doc).into_iter().map(|(n, _)| n).collect();
    let unresolved: Vec<String> = doc
        .lines()
        .enumerate()
        .flat_map(|(i, line)| citations_in(line).into_iter().map(move |n| (i + 1, n)))
        .filter(|(_, n)| !known.contains(n))
        .map(|(line, n)| format!("  {DOC}:{line}: {SECTION_SIGN}{n}"))
        .collect();
    assert!(
        unresolved.is_empty(),
        "cross-references in {DOC} that name no heading:\n{}",
        unresolved.join("\n")
    );
}

#[test]
fn heading_numbers_are_unique() {
    let mut seen: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (n, line) in headings(&read_doc()) {
        seen.entry(n).or_default().push(line);
    }
    assert!(!seen.is_empty(), "{DOC} has no numbered headings");
    let duplicates: Vec<String> = seen
        .iter()
        .filter(|(_, lines)| lines.len() > 1)
        .map(|(n, lines)| format!("  {n} at lines {lines:?}"))
        .collect();
    assert!(
        duplicates.is_empty(),
        "heading numbers used more than once in {DOC}:\n{}",
        duplicates.join("\n")
    );
}

/// `@` stands for the section sign in these cases.
fn cites(text: &str) -> Vec<String> {
    citations_in(&text.replace('@', &SECTION_SIGN.to_string()))
}

#[test]
fn citation_forms_are_recognised() {
    assert_eq!(cites("(@2.3, @4.1)"), ["2.3", "4.1"]);
    assert_eq!(cites("@4.1/@4.2"), ["4.1", "4.2"]);
    assert_eq!(cites("reference @1–@3 and @7"), ["1", "3", "7"]);
    assert_eq!(cites("@5.3 / @9.1"), ["5.3", "9.1"]);
    assert_eq!(cites("ends a sentence: @2.3."), ["2.3"]);
    assert_eq!(cites("with a space: @ 8, and @10"), ["8", "10"]);
    assert_eq!(cites("@3.2/@7.3: the task"), ["3.2", "7.3"]);
    assert_eq!(cites("@2.2–@2.5"), ["2.2", "2.5"]);
    assert_eq!(cites("\"... (@3.1)\","), ["3.1"]);
    assert_eq!(cites("@12.3.4"), ["12.3.4"]);
    assert!(cites("@ alone, @N, @x.1, @.5, @  9 (two spaces)").is_empty());
}

#[test]
fn headings_are_recognised() {
    let doc = "# Title\n## How to read\n## 1. Task placement\n### 1.1 The pipeline\n\
               ```\n# 9.9 inside a code block\n```\n#### 10. Checklist\nnot # 2.2 a heading\n\
               ## 4.5. Trailing dot\n## 1.x broken\n";
    let found: Vec<(String, usize)> = headings(doc);
    let want = [("1", 3), ("1.1", 4), ("10", 8), ("4.5", 10)];
    assert_eq!(
        found,
        want.map(|(n, l)| (n.to_string(), l)).to_vec(),
        "numbered headings outside code blocks"
    );
}

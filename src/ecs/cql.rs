//! The ECS cluster query language, as used by `memberOf` placement constraints.
//!
//! An expression is `subject operator [argument]`, combined with `and`/`&&`,
//! `or`/`||`, `not`/`!` and parentheses (precedence: not > and > or). See
//! [`parse`] for the entry point and [`Expr::matches`] for evaluation against
//! an [`InstanceView`].

use regex::Regex;
use std::cmp::Ordering;
use std::fmt;

/// Maximum nesting depth of parentheses and `not`, so parsing (and later
/// evaluation, printing and dropping) can never overflow the stack.
const MAX_DEPTH: usize = 100;
const OPERATORS: &str = "==, !=, >, >=, <, <=, in, !in, =~, !~, exists, !exists";
const SUBJECTS: &str = "agentConnected, agentVersion, attribute:<name>, ec2InstanceId, \
    registeredAt, runningTasksCount, task:group";
/// Subjects other than `attribute:<name>`, with their canonical spelling.
const NAMED: [(&str, Subject); 6] = [
    ("agentConnected", Subject::AgentConnected),
    ("agentVersion", Subject::AgentVersion),
    ("ec2InstanceId", Subject::Ec2InstanceId),
    ("registeredAt", Subject::RegisteredAt),
    ("runningTasksCount", Subject::RunningTasksCount),
    ("task:group", Subject::TaskGroup),
];

/// A parse error: byte offset (0-based) into the source where the problem is,
/// and a message that says what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct CqlError {
    /// Byte offset (0-based) into the source.
    pub position: usize,
    /// Human readable description of what was expected (and what was found).
    pub message: String,
}

impl fmt::Display for CqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at column {}: {}", self.position + 1, self.message)
    }
}

impl std::error::Error for CqlError {}

/// The left-hand side of a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// `agentConnected` (compared with `true` / `false`, case-insensitively).
    AgentConnected,
    /// `agentVersion`.
    AgentVersion,
    /// `attribute:<name>`, built-in (`ecs.*`) or custom.
    Attribute(String),
    /// `ec2InstanceId`.
    Ec2InstanceId,
    /// `registeredAt` (milliseconds of simulated time).
    RegisteredAt,
    /// `runningTasksCount`.
    RunningTasksCount,
    /// `task:group`: the set of task groups on the instance.
    TaskGroup,
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self, NAMED.iter().find(|(_, s)| s == self)) {
            (Subject::Attribute(name), _) => write!(f, "attribute:{name}"),
            (_, Some((name, _))) => f.write_str(name),
            (_, None) => Err(fmt::Error),
        }
    }
}

/// A comparison operator taking a single value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

impl CmpOp {
    /// The operator's source symbol.
    pub fn symbol(self) -> &'static str {
        ["==", "!=", ">", ">=", "<", "<="][self as usize]
    }
    /// Whether `lhs.cmp(rhs) == ord` satisfies this operator.
    fn accepts(self, ord: Ordering) -> bool {
        match self {
            CmpOp::Eq => ord.is_eq(),
            CmpOp::Ne => ord.is_ne(),
            CmpOp::Gt => ord.is_gt(),
            CmpOp::Ge => ord.is_ge(),
            CmpOp::Lt => ord.is_lt(),
            CmpOp::Le => ord.is_le(),
        }
    }
}

/// A literal argument; its numeric reading (if any) is computed once at parse time.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// The value's text.
    pub text: String,
    /// The text read as a (finite) number, if it is one.
    pub num: Option<f64>,
}

impl Value {
    /// Builds a value from its text.
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let num = parse_num(&text);
        Value { text, num }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_literal(f, &self.text)
    }
}

/// A regular expression compiled for whole-string matching (Java semantics).
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The pattern as written.
    pub source: String,
    /// The compiled, anchored regex (`^(?:source)$`).
    pub regex: Regex,
}

impl Pattern {
    /// Compiles `source` so that it must match the whole subject string.
    pub fn new(source: &str) -> Result<Self, regex::Error> {
        // Validate alone first so that e.g. `a)|(b` cannot escape the wrapper.
        Regex::new(source)?;
        let regex = Regex::new(&format!("^(?:{source})$"))
            // A trailing `(?x)` comment would swallow the wrapper: end it with a newline.
            .or_else(|_| Regex::new(&format!("^(?:{source}\n)$")))?;
        let source = source.to_string();
        Ok(Pattern { source, regex })
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_literal(f, &self.source)
    }
}

/// An operator together with its argument.
#[derive(Debug, Clone)]
pub enum Op {
    /// `==`, `!=`, `>`, `>=`, `<`, `<=` with one value.
    Compare(CmpOp, Value),
    /// `in [a, b]`
    In(Vec<Value>),
    /// `!in [a, b]`
    NotIn(Vec<Value>),
    /// `=~ pattern`
    Matches(Pattern),
    /// `!~ pattern`
    NotMatches(Pattern),
    /// `exists`
    Exists,
    /// `!exists`
    NotExists,
}

impl Op {
    /// Whether this is a negative form (`!=`, `!in`, `!~`, `!exists`): the
    /// negation of the corresponding positive form.
    pub fn is_negative(&self) -> bool {
        use Op::*;
        matches!(
            self,
            Compare(CmpOp::Ne, _) | NotIn(_) | NotMatches(_) | NotExists
        )
    }

    /// The positive form of this operator applied to one present value.
    fn test(&self, s: Scalar<'_>) -> bool {
        match self {
            Op::Exists | Op::NotExists => true,
            Op::Compare(CmpOp::Eq | CmpOp::Ne, v) => s.eq(v),
            Op::Compare(op, v) => s.order(v).is_some_and(|o| op.accepts(o)),
            Op::In(vs) | Op::NotIn(vs) => vs.iter().any(|v| s.eq(v)),
            Op::Matches(p) | Op::NotMatches(p) => p.regex.is_match(s.text),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kw, vs) = match self {
            Op::Compare(op, v) => return write!(f, "{} {v}", op.symbol()),
            Op::Matches(p) => return write!(f, "=~ {p}"),
            Op::NotMatches(p) => return write!(f, "!~ {p}"),
            Op::Exists => return f.write_str("exists"),
            Op::NotExists => return f.write_str("!exists"),
            Op::In(vs) => ("in", vs),
            Op::NotIn(vs) => ("!in", vs),
        };
        write!(f, "{kw} [")?;
        for (i, v) in vs.iter().enumerate() {
            write!(f, "{}{v}", if i == 0 { "" } else { ", " })?;
        }
        f.write_str("]")
    }
}

/// A single `subject operator [argument]` condition.
#[derive(Debug, Clone)]
pub struct Condition {
    /// What is being tested.
    pub subject: Subject,
    /// How it is tested.
    pub op: Op,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.subject, self.op)
    }
}

/// A parsed cluster query language expression.
#[derive(Debug, Clone)]
pub enum Expr {
    /// A single condition.
    Cond(Condition),
    /// Negation (`not` / `!`).
    Not(Box<Expr>),
    /// Conjunction of two or more operands (`and` / `&&`).
    And(Vec<Expr>),
    /// Disjunction of two or more operands (`or` / `||`).
    Or(Vec<Expr>),
}

/// What an expression can ask of a container instance.
pub trait InstanceView {
    /// Value of `attribute:<name>` (built-in `ecs.*` or custom); None when absent.
    fn attribute(&self, name: &str) -> Option<&str>;
    /// The EC2 instance id, e.g. `i-abcd1234`.
    fn ec2_instance_id(&self) -> &str;
    /// Number of tasks in the RUNNING state on the instance.
    fn running_tasks_count(&self) -> u32;
    /// Task groups of the tasks currently on the instance (e.g. "service:web",
    /// "family:batch"); may contain duplicates.
    fn task_groups(&self) -> &[String];
    /// Whether the container agent is connected.
    fn agent_connected(&self) -> bool;
    /// The container agent version, e.g. `1.70.0`.
    fn agent_version(&self) -> &str;
    /// Registration time, milliseconds of simulated time.
    fn registered_at_ms(&self) -> u64;
}

impl Expr {
    /// Evaluate against one instance.
    pub fn matches(&self, inst: &dyn InstanceView) -> bool {
        match self {
            Expr::Cond(c) => c.matches(inst),
            Expr::Not(e) => !e.matches(inst),
            Expr::And(es) => es.iter().all(|e| e.matches(inst)),
            Expr::Or(es) => es.iter().any(|e| e.matches(inst)),
        }
    }

    /// Does it read only what an instance keeps from its registration on (attributes, its id, agent
    /// version, registration time), not its tasks or its agent's state? Then its answer for an
    /// instance never changes, and placement may remember it.
    pub fn is_static(&self) -> bool {
        match self {
            Expr::Cond(c) => !matches!(
                c.subject,
                Subject::TaskGroup | Subject::RunningTasksCount | Subject::AgentConnected
            ),
            Expr::Not(e) => e.is_static(),
            Expr::And(es) | Expr::Or(es) => es.iter().all(|e| e.is_static()),
        }
    }

    /// Attribute names referenced (for validation / explaining), e.g. ["ecs.instance-type"],
    /// in order of first appearance and without duplicates.
    pub fn attributes(&self) -> Vec<String> {
        fn walk(e: &Expr, out: &mut Vec<String>) {
            match e {
                Expr::Cond(c) => match &c.subject {
                    Subject::Attribute(n) if !out.contains(n) => out.push(n.clone()),
                    _ => {}
                },
                Expr::Not(e) => walk(e, out),
                Expr::And(es) | Expr::Or(es) => es.iter().for_each(|e| walk(e, out)),
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (es, sep) = match self {
            Expr::Cond(c) => return write!(f, "{c}"),
            Expr::Not(e) => return write!(f, "not ({e})"),
            Expr::And(es) => (es, " and "),
            Expr::Or(es) => (es, " or "),
        };
        for (i, e) in es.iter().enumerate() {
            let sep = if i == 0 { "" } else { sep };
            // Parenthesize operands that bind looser, or that would otherwise be flattened.
            let and_in_and = matches!((self, e), (Expr::And(_), Expr::And(_)));
            if and_in_and || matches!(e, Expr::Or(_)) {
                write!(f, "{sep}({e})")?;
            } else {
                write!(f, "{sep}{e}")?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- evaluation

/// One scalar value of the instance, borrowed (no allocation).
#[derive(Clone, Copy)]
struct Scalar<'a> {
    text: &'a str,
    /// Set only for numeric subjects.
    num: Option<f64>,
    /// Case-insensitive equality (booleans).
    ci: bool,
}

impl<'a> Scalar<'a> {
    fn new(text: &'a str, num: Option<f64>, ci: bool) -> Self {
        Scalar { text, num, ci }
    }
    fn text(text: &'a str) -> Self {
        Scalar::new(text, None, false)
    }
    fn eq(&self, v: &Value) -> bool {
        match (self.num, v.num) {
            (Some(a), Some(b)) => a == b,
            _ if self.ci => self.text.eq_ignore_ascii_case(&v.text),
            _ => self.text == v.text,
        }
    }
    fn order(&self, v: &Value) -> Option<Ordering> {
        match (self.num.or_else(|| parse_num(self.text)), v.num) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ => Some(self.text.cmp(v.text.as_str())),
        }
    }
}

/// Formats `n` into a stack buffer (no allocation).
fn format_u64(buf: &mut [u8; 20], n: u64) -> &str {
    let mut rest = &mut buf[..];
    let len = match std::io::Write::write_fmt(&mut rest, format_args!("{n}")) {
        Ok(()) => 20 - rest.len(),
        Err(_) => 0,
    };
    std::str::from_utf8(&buf[..len]).unwrap_or("0")
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

impl Condition {
    /// Evaluate this condition against one instance.
    pub fn matches(&self, inst: &dyn InstanceView) -> bool {
        let op = &self.op;
        let mut buf = [0u8; 20];
        let (text, num) = match &self.subject {
            Subject::TaskGroup => {
                let groups = inst.task_groups();
                let hit = match op {
                    Op::Exists | Op::NotExists => !groups.is_empty(),
                    _ => groups.iter().any(|g| op.test(Scalar::text(g))),
                };
                return hit != op.is_negative();
            }
            Subject::Attribute(name) => (inst.attribute(name), None),
            Subject::Ec2InstanceId => (non_empty(inst.ec2_instance_id()), None),
            Subject::AgentVersion => (non_empty(inst.agent_version()), None),
            Subject::AgentConnected => {
                let text = ["false", "true"][usize::from(inst.agent_connected())];
                return op.test(Scalar::new(text, None, true)) != op.is_negative();
            }
            Subject::RunningTasksCount => (None, Some(u64::from(inst.running_tasks_count()))),
            Subject::RegisteredAt => (None, Some(inst.registered_at_ms())),
        };
        let scalar = match (text, num) {
            (_, Some(n)) => Some(Scalar::new(format_u64(&mut buf, n), Some(n as f64), false)),
            (text, None) => text.map(Scalar::text),
        };
        scalar.is_some_and(|s| op.test(s)) != op.is_negative()
    }
}

/// Reads `s` as a number when it looks like one (finite f64 only).
fn parse_num(s: &str) -> Option<f64> {
    let first = *s.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Writes a value bare when it re-parses as the same bare value, else single-quoted.
fn write_literal(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    let special = |c: char| c.is_whitespace() || ",[]()'\"\\".contains(c);
    if !s.is_empty() && !s.chars().any(special) {
        return f.write_str(s);
    }
    f.write_str("'")?;
    for c in s.chars() {
        let escape = if c == '\'' || c == '\\' { "\\" } else { "" };
        write!(f, "{escape}{c}")?;
    }
    f.write_str("'")
}

// ------------------------------------------------------------------- parsing

/// Parse; never panics on any input.
pub fn parse(src: &str) -> Result<Expr, CqlError> {
    let b = src.as_bytes();
    let mut p = Parser {
        src,
        b,
        pos: 0,
        depth: 0,
    };
    let e = p.parse_binary(false)?;
    p.skip_ws();
    if p.pos < p.b.len() {
        return p.fail(p.pos, "expected 'and', 'or' or end of input");
    }
    Ok(e)
}

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    depth: usize,
}

/// Bytes that end a subject / keyword token.
fn is_delim(c: u8) -> bool {
    c.is_ascii_whitespace() || b"()[],=!<>~&|'\"".contains(&c)
}

impl<'a> Parser<'a> {
    fn err<T>(&self, position: usize, message: impl Into<String>) -> Result<T, CqlError> {
        let message = message.into();
        Err(CqlError { position, message })
    }

    /// An error saying what was `expected` and what was found at `pos`.
    fn fail<T>(&self, pos: usize, expected: impl fmt::Display) -> Result<T, CqlError> {
        let found = match self.src.get(pos..).filter(|s| !s.is_empty()) {
            None => "end of input".to_string(),
            Some(s) => {
                let word = s.split_whitespace().next().unwrap_or(s);
                format!("'{}'", word.chars().take(24).collect::<String>())
            }
        };
        self.err(pos, format!("{expected}, found {found}"))
    }

    fn skip_ws(&mut self) {
        while self.b.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn starts(&self, s: &str) -> bool {
        self.b[self.pos..].starts_with(s.as_bytes())
    }

    /// The subject/keyword token starting at `pos` (possibly empty).
    fn ident_at(&self, pos: usize) -> &'a str {
        let len = self.b[pos..].iter().take_while(|&&c| !is_delim(c)).count();
        &self.src[pos..pos + len]
    }

    fn keyword(&self, kw: &str) -> bool {
        self.ident_at(self.pos).eq_ignore_ascii_case(kw)
    }

    /// `and` chains when `and` is set, else `or` chains (of `and` chains).
    fn parse_binary(&mut self, and: bool) -> Result<Expr, CqlError> {
        let next = |p: &mut Self| {
            if and {
                p.parse_unary()
            } else {
                p.parse_binary(true)
            }
        };
        let (sym, kw) = if and { ("&&", "and") } else { ("||", "or") };
        let mut items = vec![next(self)?];
        loop {
            self.skip_ws();
            if self.starts(sym) || self.keyword(kw) {
                self.pos += if self.starts(sym) { 2 } else { kw.len() };
                items.push(next(self)?);
            } else {
                break;
            }
        }
        Ok(match items.len() {
            1 => items.remove(0),
            _ if and => Expr::And(items),
            _ => Expr::Or(items),
        })
    }

    fn parse_unary(&mut self) -> Result<Expr, CqlError> {
        self.skip_ws();
        let start = self.pos;
        let bang = self.peek() == Some(b'!') && !matches!(self.b.get(start + 1), Some(b'=' | b'~'));
        let not = bang || self.keyword("not");
        if !not && self.peek() != Some(b'(') {
            return self.parse_condition();
        }
        if self.depth >= MAX_DEPTH {
            let msg = format!("expression nested deeper than {MAX_DEPTH} levels");
            return self.err(start, msg);
        }
        self.depth += 1;
        let e = if not {
            self.pos += if bang { 1 } else { 3 };
            Expr::Not(Box::new(self.parse_unary()?))
        } else {
            self.pos += 1;
            let e = self.parse_binary(false)?;
            self.skip_ws();
            if self.peek() != Some(b')') {
                let expected = format!("expected ')' to close the '(' at column {}", start + 1);
                return self.fail(self.pos, expected);
            }
            self.pos += 1;
            e
        };
        self.depth -= 1;
        Ok(e)
    }

    fn parse_condition(&mut self) -> Result<Expr, CqlError> {
        let start = self.pos;
        let word = self.ident_at(start);
        if word.is_empty() {
            let expected = format!("expected a condition (subject {SUBJECTS}), 'not' or '('");
            return self.fail(start, expected);
        }
        let is_attr = word.len() >= 10 && word.as_bytes()[..10].eq_ignore_ascii_case(b"attribute:");
        let subject = match NAMED.iter().find(|n| n.0.eq_ignore_ascii_case(word)) {
            _ if is_attr && word.len() == 10 => {
                return self.err(start + 10, "expected an attribute name after 'attribute:'");
            }
            _ if is_attr => Subject::Attribute(word[10..].to_string()),
            Some((_, subject)) => subject.clone(),
            None => {
                let msg = format!("unknown subject '{word}', expected one of {SUBJECTS}");
                return self.err(start, msg);
            }
        };
        self.pos = start + word.len();
        self.skip_ws();
        let op = self.parse_op()?;
        Ok(Expr::Cond(Condition { subject, op }))
    }

    fn parse_op(&mut self) -> Result<Op, CqlError> {
        let at = self.pos;
        for (sym, neg) in [("=~", false), ("!~", true)] {
            if self.starts(sym) {
                self.pos += 2;
                let p = self.parse_pattern(sym)?;
                return Ok(if neg {
                    Op::NotMatches(p)
                } else {
                    Op::Matches(p)
                });
            }
        }
        use CmpOp::*;
        for op in [Eq, Ne, Ge, Le, Gt, Lt] {
            if self.starts(op.symbol()) {
                self.pos += op.symbol().len();
                return Ok(Op::Compare(op, self.parse_value(op.symbol())?));
            }
        }
        let neg = self.peek() == Some(b'!');
        let wpos = at + usize::from(neg);
        let word = self.ident_at(wpos);
        if word.eq_ignore_ascii_case("in") {
            self.pos = wpos + 2;
            let vs = self.parse_list(if neg { "!in" } else { "in" })?;
            return Ok(if neg { Op::NotIn(vs) } else { Op::In(vs) });
        }
        if word.eq_ignore_ascii_case("exists") {
            self.pos = wpos + 6;
            return Ok(if neg { Op::NotExists } else { Op::Exists });
        }
        self.fail(at, format!("expected an operator ({OPERATORS})"))
    }

    /// A quoted or bare value; `after` names the context for error messages.
    fn parse_value(&mut self, after: &str) -> Result<Value, CqlError> {
        self.skip_ws();
        let start = self.pos;
        if let Some(q @ (b'\'' | b'"')) = self.peek() {
            return Ok(Value::new(self.parse_quoted(q)?));
        }
        let ends = |c: &u8| c.is_ascii_whitespace() || matches!(c, b',' | b']' | b')');
        let len = self.b[start..].iter().take_while(|c| !ends(c)).count();
        if len == 0 {
            return self.fail(start, format!("expected a value after '{after}'"));
        }
        self.pos += len;
        Ok(Value::new(&self.src[start..start + len]))
    }

    /// A quoted string starting at the current quote byte `q`; `\\` and `\<q>` are escapes.
    fn parse_quoted(&mut self, q: u8) -> Result<String, CqlError> {
        let (start, q) = (self.pos, char::from(q));
        let mut out = String::new();
        let mut chars = self.src[start + 1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                _ if c == q => {
                    self.pos = start + 1 + i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, e)) if e == q || e == '\\' => out.push(e),
                    Some((_, e)) => out.extend(['\\', e]),
                    None => break,
                },
                _ => out.push(c),
            }
        }
        let msg = format!("unterminated quoted string, expected a closing {q}");
        self.err(start, msg)
    }

    /// A regex argument: quoted, or bare up to whitespace or an unbalanced `)`.
    fn parse_pattern(&mut self, after: &str) -> Result<Pattern, CqlError> {
        self.skip_ws();
        let start = self.pos;
        let source = if let Some(q @ (b'\'' | b'"')) = self.peek() {
            self.parse_quoted(q)?
        } else {
            let (mut i, mut depth, mut class) = (start, 0usize, false);
            while let Some(&c) = self.b.get(i) {
                match c {
                    b'\\' => i += 1,
                    _ if c.is_ascii_whitespace() => break,
                    b']' if class => class = false,
                    _ if class => {}
                    b'[' => class = true,
                    b'(' => depth += 1,
                    b')' if depth == 0 => break,
                    b')' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            // A trailing backslash may step past the end; clamp to a char boundary.
            let mut end = i.min(self.b.len());
            while !self.src.is_char_boundary(end) {
                end += 1;
            }
            if end == start {
                let expected = format!("expected a regular expression after '{after}'");
                return self.fail(start, expected);
            }
            self.pos = end;
            self.src[start..end].to_string()
        };
        Pattern::new(&source).or_else(|e| {
            let detail = e.to_string();
            let mut lines = detail.lines();
            let line = lines
                .find_map(|l| l.strip_prefix("error: "))
                .unwrap_or(&detail);
            let msg = format!("invalid regular expression '{source}': {line}");
            self.err(start, msg)
        })
    }

    /// `[a, b]` or `(a, b)` after `in` / `!in`.
    fn parse_list(&mut self, kw: &str) -> Result<Vec<Value>, CqlError> {
        self.skip_ws();
        let open = self.pos;
        let close = match self.peek() {
            Some(b'[') => b']',
            Some(b'(') => b')',
            _ => return self.fail(open, format!("expected '[' or '(' after '{kw}'")),
        };
        self.pos += 1;
        let mut values = Vec::new();
        loop {
            values.push(self.parse_value(if values.is_empty() { kw } else { "," })?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {
                    self.pos += 1;
                    return Ok(values);
                }
                _ => {
                    let close = char::from(close);
                    let col = open + 1;
                    let expected =
                        format!("expected ',' or '{close}' (list opened at column {col})");
                    return self.fail(self.pos, expected);
                }
            }
        }
    }
}

// --------------------------------------------------------------------- tests

#[cfg(test)]
mod tests {
    use super::*;

    /// Static: only what an instance keeps from registration on; not: its tasks or agent state.
    #[test]
    fn static_expressions_read_only_registration_facts() {
        for (src, stat) in [
            (
                "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]",
                true,
            ),
            (
                "attribute:ecs.instance-type =~ t2.* and ec2InstanceId != i-1",
                true,
            ),
            ("not(agentVersion == 1.0.0) or registeredAt > 5", true),
            ("task:group == service:web", false),
            ("attribute:rack == r1 and runningTasksCount == 0", false),
            ("not(agentConnected == true)", false),
        ] {
            assert_eq!(parse(src).unwrap().is_static(), stat, "{src}");
        }
    }

    /// Attributes as `k=v` words; `words`: id, count, connected, version, registeredAt.
    struct Fake {
        attrs: Vec<String>,
        words: Vec<String>,
        groups: Vec<String>,
    }

    impl InstanceView for Fake {
        fn attribute(&self, name: &str) -> Option<&str> {
            let mut kvs = self.attrs.iter().filter_map(|kv| kv.split_once('='));
            kvs.find(|(k, _)| *k == name).map(|(_, v)| v)
        }
        fn ec2_instance_id(&self) -> &str {
            &self.words[0]
        }
        fn running_tasks_count(&self) -> u32 {
            self.words[1].parse().unwrap()
        }
        fn task_groups(&self) -> &[String] {
            &self.groups
        }
        fn agent_connected(&self) -> bool {
            self.words[2] == "true"
        }
        fn agent_version(&self) -> &str {
            &self.words[3]
        }
        fn registered_at_ms(&self) -> u64 {
            self.words[4].parse().unwrap()
        }
    }

    /// Instances A, B, C as `attributes ; id count connected version registeredAt ; groups`.
    const INSTANCES: &str = "
        ecs.instance-type=t2.small ecs.availability-zone=us-east-1a stack=prod ; \
            i-abcd1234 1 true 1.70.0 1000 ; service:production family:web
        ecs.instance-type=g2.2xlarge ecs.availability-zone=us-east-1c stack=dev ; \
            i-wxyx7890 3 false 1.68.2 5000 ; service:database database database
        ecs.instance-type=m5.large ecs.availability-zone=us-east-1b ; i-0000 0 true 1.71.1 2000 ;";

    fn instances() -> Vec<Fake> {
        let split = |s: &str| s.split_whitespace().map(String::from).collect();
        let lines = INSTANCES.lines().filter(|l| !l.trim().is_empty());
        let parts = lines.map(|l| l.split(';').map(split).collect::<Vec<_>>());
        let fake = |mut p: Vec<Vec<String>>| Fake {
            groups: p.pop().unwrap(),
            words: p.pop().unwrap(),
            attrs: p.pop().unwrap(),
        };
        parts.map(fake).collect()
    }

    /// Expected results on instances A, B, C (T/F), then the expression; `#` lines are comments.
    const VALID: &str = r#"
        # Examples from the AWS docs.
        TFF attribute:ecs.instance-type == t2.small
        TFT attribute:ecs.availability-zone in [us-east-1a, us-east-1b]
        FTF attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d
        TFF task:group == service:production
        TFT not(task:group == database)
        TFF runningTasksCount == 1
        TTF ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']
        TFF attribute:ecs.instance-type =~ t2.*
        # Precedence: and binds tighter than or, not tighter than and.
        TTF runningTasksCount == 1 or runningTasksCount == 3 and agentConnected == false
        FTF (runningTasksCount == 1 or runningTasksCount == 3) and agentConnected == false
        TTF runningTasksCount == 1 || runningTasksCount == 3 && agentConnected == false
        FFT not runningTasksCount == 1 and agentConnected == true
        FTT not (runningTasksCount == 1 and agentConnected == true)
        TFF not not runningTasksCount == 1
        FTF !agentConnected == true
        TFT runningTasksCount == 1 or runningTasksCount == 0
        # Case-insensitive keywords.
        TTF attribute:ecs.instance-type == t2.small OR task:group EXISTS
        FFT NOT task:group exists AnD runningTasksCount IN [0]
        # Absent attributes: positive forms false, negative forms true.
        TTF attribute:stack exists
        FFT attribute:stack !exists
        TFF attribute:stack == prod
        FTT attribute:stack != prod
        FFT attribute:stack !in [prod, dev]
        FTT attribute:stack !~ p.*
        TTF attribute:stack > a
        # Task groups are sets: positive = any matches, negative = none matches.
        TFT task:group != database
        TTF task:group =~ service:.*
        FFT task:group !exists
        TTF task:group in [database, family:web]
        FFT task:group !in (database, family:web)
        FFT task:group !~ service:.*
        # Ordering: numeric when both sides are numbers, else lexicographic.
        FTF runningTasksCount > 1
        TFT runningTasksCount <= 1
        TTT runningTasksCount < 10
        FTT registeredAt >= 2000
        TFF registeredAt < 2e3
        TFT agentVersion >= 1.70.0
        TTF runningTasksCount =~ [13]
        TFT agentConnected == TRUE
        # Lexing corner cases.
        FFT attribute:ecs.instance-type=~m5.* && runningTasksCount==0
        FTT (attribute:ecs.instance-type =~ (g2|m5)\..*)
        FFT attribute:ecs.instance-type =~ 'g2|m5\\..*'
        TTF attribute:ecs.instance-type =~ "(g2|t2)[.].*"
        FFT ec2InstanceId == "i-0000"
        TTF attribute:ecs.availability-zone in (us-east-1a, 'us-east-1c')
        TFT attribute:ecs.availability-zone in[us-east-1a,us-east-1b]
        FFF ( ( attribute:stack == 'pr\od' ) )
        TFF attribute:stack in ['it\'s', prod]
    "#;

    fn valid() -> impl Iterator<Item = (&'static str, Vec<bool>)> {
        let lines = VALID
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        lines.map(|l| (&l[4..], l[..3].chars().map(|c| c == 'T').collect()))
    }

    #[test]
    fn valid_expressions_evaluate() {
        let insts = instances();
        for (src, expected) in valid() {
            let e = parse(src).unwrap_or_else(|err| panic!("{src:?}: {err}"));
            let got: Vec<bool> = insts.iter().map(|i| e.matches(i)).collect();
            assert_eq!(got, expected, "{src:?} parsed as {e}");
        }
    }

    #[test]
    fn display_round_trips() {
        let insts = instances();
        for (src, expected) in valid() {
            let printed = parse(src).unwrap().to_string();
            let again =
                parse(&printed).unwrap_or_else(|err| panic!("{src:?} -> {printed:?}: {err}"));
            let got: Vec<bool> = insts.iter().map(|i| again.matches(i)).collect();
            assert_eq!(got, expected, "{src:?} -> {printed:?}");
            assert_eq!(
                again.to_string(),
                printed,
                "display is not canonical for {src:?}"
            );
        }
        for line in CANONICAL.lines().filter(|l| !l.trim().is_empty()) {
            let (src, want) = line.trim().split_once(" => ").unwrap();
            assert_eq!(parse(src).unwrap().to_string(), want);
        }
    }

    /// Input `=>` canonical display.
    const CANONICAL: &str = r#"
        attribute:ecs.instance-type =~ m5.* => attribute:ecs.instance-type =~ m5.*
        NOT(task:group==database) => not (task:group == database)
        attribute:x exists || runningTasksCount==1 => attribute:x exists or runningTasksCount == 1
        (agentConnected == true or runningTasksCount > 1) and attribute:x in (a, 'b c') => (agentConnected == true or runningTasksCount > 1) and attribute:x in [a, 'b c']
        attribute:w == 1 and (attribute:x == 1 and attribute:y == 2) => attribute:w == 1 and (attribute:x == 1 and attribute:y == 2)
        attribute:x =~ "(a|b)" => attribute:x =~ '(a|b)'
        attribute:x == "it's" => attribute:x == 'it\'s'
    "#;

    /// Expected error position | message fragment | expression.
    const INVALID: &str = r#"
        30 | expected a value after '==' | attribute:ecs.instance-type ==
        28 | expected an operator (==, != | attribute:ecs.instance-type = t2.small
        0 | unknown subject 'foo' | foo == bar
        0 | expected one of agentConnected | attribut:foo == 1
        0 | unknown subject | colour exists
        23 | expected ')' to close the '(' at column 1 | (runningTasksCount == 1
        20 | expected ',' or ']' | attribute:x in [a, b
        20 | expected ',' or ']' | attribute:x in [a, b)
        15 | expected '[' or '(' | attribute:x in a
        16 | expected a value | attribute:x in []
        15 | invalid regular expression | attribute:x =~ (
        15 | invalid regular expression | attribute:x =~ 'a)|(b'
        14 | expected a regular expression | attribute:x =~
        0 | expected a condition |
        26 | expected a condition | runningTasksCount == 1 and
        26 | found ')' | runningTasksCount == 1 or )
        15 | unterminated quoted string | attribute:x == 'abc
        23 | found 'garbage' | runningTasksCount == 1 garbage
        22 | expected 'and', 'or' or end of input | runningTasksCount == 1)
        10 | attribute name | attribute: == x
        17 | expected an operator | runningTasksCount
        18 | expected an operator | runningTasksCount ! exists
        3 | expected a condition | not
    "#;

    #[test]
    fn invalid_expressions_report_positions() {
        let lines = INVALID.lines().map(str::trim_start);
        for line in lines.filter(|l| !l.is_empty()) {
            let mut parts = line.splitn(3, '|');
            let pos: usize = parts.next().unwrap().trim().parse().unwrap();
            let frag = parts.next().unwrap().trim();
            let src = parts.next().unwrap().strip_prefix(' ').unwrap_or("");
            let err = parse(src).expect_err(src);
            assert_eq!(err.position, pos, "{src:?}: {err}");
            assert!(err.message.contains(frag), "{src:?}: {err}");
        }
        assert_eq!(parse("   ").unwrap_err().position, 3);
        let err = parse("attribute:ecs.instance-type foo t2").unwrap_err();
        let expected = format!("at column 29: expected an operator ({OPERATORS}), found 'foo'");
        assert_eq!(err.to_string(), expected);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let (open, close) = ("(".repeat(10_000), ")".repeat(10_000));
        let deep = format!("{open}runningTasksCount == 1{close}");
        assert!(parse(&deep).unwrap_err().message.contains("nested deeper"));
        assert!(parse(&"! ".repeat(10_000)).is_err());
        let ok = format!("{}runningTasksCount == 1{}", "(".repeat(50), ")".repeat(50));
        assert!(parse(&ok).is_ok());
        let long = vec!["runningTasksCount == 1"; 10_000].join(" and ");
        assert!(parse(&long).unwrap().matches(&instances()[0]));
    }

    #[test]
    fn attributes_are_listed_once_in_order() {
        let src = "attribute:b exists and (attribute:a == 1 or not attribute:b != 2) or task:group exists";
        assert_eq!(parse(src).unwrap().attributes(), ["b", "a"]);
    }

    #[test]
    fn fuzz_never_panics() {
        const TOKENS: &str = "attribute:ecs.instance-type attribute: task:group runningTasksCount \
            agentConnected registeredAt ec2InstanceId agentVersion == != = > >= < <= =~ !~ in !in \
            exists !exists [ ] ( ) , ' \" \\ and or not ! && || t2.* 1 -2.5 é 日本 (?x)# a{99999} * \
            true foo : \n";
        let tokens: Vec<&str> = TOKENS.split(' ').filter(|t| !t.is_empty()).collect();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let insts = instances();
        let seeds: Vec<&str> = valid().map(|(src, _)| src).collect();
        let mut parsed = 0;
        for round in 0..6000 {
            // Half random token soup, half valid expressions with random tokens spliced in.
            let mut words: Vec<&str> = match round % 2 {
                0 => (0..next(12)).map(|_| tokens[next(tokens.len())]).collect(),
                _ => seeds[next(seeds.len())].split(' ').collect(),
            };
            for _ in 0..next(3) {
                let at = next(words.len() + 1);
                match next(3) {
                    0 if at < words.len() => drop(words.remove(at)),
                    _ => words.insert(at, tokens[next(tokens.len())]),
                }
            }
            let glue = if next(3) == 0 { "" } else { " " };
            let mut s = words.join(glue);
            if next(4) == 0 {
                let cut = next(s.len() + 1);
                s.truncate(
                    (0..=cut)
                        .rev()
                        .find(|&i| s.is_char_boundary(i))
                        .unwrap_or(0),
                );
            }
            match parse(&s) {
                Ok(e) => {
                    parsed += 1;
                    let printed = e.to_string();
                    let again =
                        parse(&printed).unwrap_or_else(|err| panic!("{s:?} -> {printed:?}: {err}"));
                    for i in &insts {
                        assert_eq!(e.matches(i), again.matches(i), "{s:?} -> {printed:?}");
                    }
                }
                Err(err) => assert!(err.position <= s.len(), "{s:?}: {err}"),
            }
        }
        assert!(parsed > 500, "only {parsed} random inputs parsed");
    }
}

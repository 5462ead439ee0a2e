//! The AD FS claim rule language: a parser for the rule sets of a relying-party trust
//! (issuance transform, issuance / delegation / impersonation authorization, additional
//! authentication rules) into [`Rule`]s. A rule that cannot be parsed is kept with its position
//! and the reason, never dropped. What a rule means for a migration (a known pattern, or the
//! portal's detail codes) is the report's business: `report::claim_policy`. Pure, no I/O.
//!
//! ```text
//! rule       := annotation* [condition ("&&" condition)*] "=>" ("issue" | "add") "(" args ")" ";"
//! annotation := "@" name "=" string
//! condition  := [var ":"] "[" [test ("," test)*] "]"
//!             | ["NOT"] "EXISTS" "(" "[" tests "]" ")" | "COUNT" "(" "[" tests "]" ")" cmp number
//! test       := property ("==" | "!=" | "=~" | "!~") string
//! args       := "claim" "=" var | name "=" expr ("," name "=" expr)*
//! expr       := term ("+" term)* ; term := string | number | var "." property | name "(" exprs ")" | "(" exprs ")"
//! ```

/// A comparison in a condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Matches,
    NotMatches,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Test {
    pub property: String,
    pub op: Op,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// `c:[Type == "...", Value == "..."]`.
    Match { var: Option<String>, tests: Vec<Test> },
    /// `EXISTS([...])`, `NOT EXISTS([...])`, `COUNT([...]) > 2`.
    Aggregate { function: String, tests: Vec<Test> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Str(String),
    Number(String),
    /// `c.Value`.
    Ref {
        var: String,
        property: String,
    },
    /// `RegexReplace(c.Value, "a", "b")`.
    Call {
        name: String,
        args: Vec<Expr>,
    },
    /// `("type1", "type2")`.
    Tuple(Vec<Expr>),
    /// `"a" + c.Value`.
    Concat(Vec<Expr>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuance {
    /// `issue` or `add`.
    pub add: bool,
    /// `issue(claim = c)`: the variable whose claim is passed through.
    pub claim: Option<String>,
    pub args: Vec<(String, Expr)>,
}

impl Issuance {
    /// The argument named `name`, ignoring case.
    pub fn arg(&self, name: &str) -> Option<&Expr> {
        self.args.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, e)| e)
    }
}

/// One parsed rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub annotations: Vec<(String, String)>,
    pub conditions: Vec<Condition>,
    pub issuance: Issuance,
}

/// One rule of a rule set: parsed, or why not, with where it starts (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub line: usize,
    pub column: usize,
    pub text: String,
    pub rule: Result<Rule, String>,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Sym(&'static str),
}

struct Lexer<'a> {
    s: &'a str,
    pos: usize,
}

const SYMBOLS: [&str; 20] =
    ["=>", "==", "!=", "=~", "!~", "&&", "<=", ">=", "@", "=", "[", "]", "(", ")", ",", ":", ";", ".", "+", "<"];

impl<'a> Lexer<'a> {
    fn skip_ws(&mut self) {
        while let Some(c) = self.s[self.pos..].chars().next() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    /// The next token and the byte offset it starts at; `None` at the end.
    fn next(&mut self) -> Result<Option<(usize, Tok)>, (usize, String)> {
        self.skip_ws();
        let start = self.pos;
        let rest = &self.s[self.pos..];
        let Some(c) = rest.chars().next() else { return Ok(None) };
        if c == '"' {
            let mut out = String::new();
            let mut chars = rest.char_indices().skip(1);
            while let Some((i, ch)) = chars.next() {
                match ch {
                    '"' => {
                        self.pos += i + 1;
                        return Ok(Some((start, Tok::Str(out))));
                    }
                    '\\' => match chars.next() {
                        Some((_, e)) => out.push(e),
                        None => break,
                    },
                    _ => out.push(ch),
                }
            }
            return Err((start, "unterminated string".into()));
        }
        if c.is_ascii_digit() {
            let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            self.pos += n.len();
            return Ok(Some((start, Tok::Num(n))));
        }
        if c.is_alphabetic() || c == '_' {
            let n: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            self.pos += n.len();
            return Ok(Some((start, Tok::Ident(n))));
        }
        if rest.starts_with('>') {
            self.pos += 1;
            return Ok(Some((start, Tok::Sym(">"))));
        }
        for sym in SYMBOLS {
            if rest.starts_with(sym) {
                self.pos += sym.len();
                return Ok(Some((start, Tok::Sym(sym))));
            }
        }
        Err((start, format!("unexpected character {c:?}")))
    }
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    i: usize,
    end: usize,
}

type PResult<T> = Result<T, (usize, String)>;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.1)
    }
    fn at(&self) -> usize {
        self.toks.get(self.i).map_or(self.end, |t| t.0)
    }
    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).map(|t| t.1.clone());
        self.i += 1;
        t
    }
    fn sym(&mut self, s: &str) -> PResult<()> {
        match self.peek() {
            Some(Tok::Sym(x)) if *x == s => {
                self.i += 1;
                Ok(())
            }
            other => Err((self.at(), format!("expected `{s}`, found {}", describe(other)))),
        }
    }
    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(x)) if *x == s)
    }
    fn ident(&mut self) -> PResult<String> {
        match self.bump() {
            Some(Tok::Ident(s)) => Ok(s),
            other => Err((
                self.toks.get(self.i - 1).map_or(self.end, |t| t.0),
                format!("expected a name, found {}", describe(other.as_ref())),
            )),
        }
    }
    fn string(&mut self) -> PResult<String> {
        match self.bump() {
            Some(Tok::Str(s)) => Ok(s),
            other => Err((
                self.toks.get(self.i - 1).map_or(self.end, |t| t.0),
                format!("expected a string, found {}", describe(other.as_ref())),
            )),
        }
    }

    fn rule(&mut self) -> PResult<Rule> {
        let mut annotations = Vec::new();
        while self.is_sym("@") {
            self.i += 1;
            let name = self.ident()?;
            self.sym("=")?;
            annotations.push((name, self.string()?));
        }
        let mut conditions = Vec::new();
        if !self.is_sym("=>") {
            conditions.push(self.condition()?);
            while self.is_sym("&&") {
                self.i += 1;
                conditions.push(self.condition()?);
            }
        }
        self.sym("=>")?;
        let issuance = self.issuance()?;
        self.sym(";")?;
        Ok(Rule { annotations, conditions, issuance })
    }

    fn tests(&mut self) -> PResult<Vec<Test>> {
        self.sym("[")?;
        let mut tests = Vec::new();
        while !self.is_sym("]") {
            let property = self.ident()?;
            let op = match self.bump() {
                Some(Tok::Sym("==")) => Op::Eq,
                Some(Tok::Sym("!=")) => Op::Ne,
                Some(Tok::Sym("=~")) => Op::Matches,
                Some(Tok::Sym("!~")) => Op::NotMatches,
                other => {
                    return Err((
                        self.toks.get(self.i - 1).map_or(self.end, |t| t.0),
                        format!("expected a comparison, found {}", describe(other.as_ref())),
                    ));
                }
            };
            tests.push(Test { property, op, value: self.string()? });
            if !self.is_sym("]") {
                self.sym(",")?;
            }
        }
        self.sym("]")?;
        Ok(tests)
    }

    fn condition(&mut self) -> PResult<Condition> {
        match self.peek().cloned() {
            Some(Tok::Sym("[")) => Ok(Condition::Match { var: None, tests: self.tests()? }),
            Some(Tok::Ident(name)) => {
                let upper = name.to_ascii_uppercase();
                if upper == "NOT" || upper == "EXISTS" || upper == "COUNT" {
                    self.i += 1;
                    let function = if upper == "NOT" {
                        let next = self.ident()?;
                        if !next.eq_ignore_ascii_case("EXISTS") {
                            return Err((self.at(), "expected EXISTS after NOT".into()));
                        }
                        "NOT EXISTS".to_string()
                    } else {
                        upper.clone()
                    };
                    self.sym("(")?;
                    let tests = self.tests()?;
                    self.sym(")")?;
                    if upper == "COUNT" {
                        match self.bump() {
                            Some(Tok::Sym(">" | "<" | ">=" | "<=" | "==" | "!=")) => {}
                            other => {
                                return Err((
                                    self.at(),
                                    format!("expected a comparison after COUNT, found {}", describe(other.as_ref())),
                                ));
                            }
                        }
                        match self.bump() {
                            Some(Tok::Num(_)) => {}
                            other => {
                                return Err((
                                    self.at(),
                                    format!("expected a number, found {}", describe(other.as_ref())),
                                ));
                            }
                        }
                    }
                    return Ok(Condition::Aggregate { function, tests });
                }
                self.i += 1;
                self.sym(":")?;
                Ok(Condition::Match { var: Some(name), tests: self.tests()? })
            }
            other => Err((self.at(), format!("expected a condition, found {}", describe(other.as_ref())))),
        }
    }

    fn issuance(&mut self) -> PResult<Issuance> {
        let verb = self.ident()?;
        let add = match verb.to_ascii_lowercase().as_str() {
            "issue" => false,
            "add" => true,
            _ => return Err((self.at(), format!("expected issue or add, found `{verb}`"))),
        };
        self.sym("(")?;
        let mut args = Vec::new();
        let mut claim = None;
        while !self.is_sym(")") {
            let name = self.ident()?;
            self.sym("=")?;
            if name.eq_ignore_ascii_case("claim") {
                claim = Some(self.ident()?);
            } else {
                args.push((name, self.expr()?));
            }
            if !self.is_sym(")") {
                self.sym(",")?;
            }
        }
        self.sym(")")?;
        Ok(Issuance { add, claim, args })
    }

    fn expr(&mut self) -> PResult<Expr> {
        let mut parts = vec![self.term()?];
        while self.is_sym("+") {
            self.i += 1;
            parts.push(self.term()?);
        }
        Ok(if parts.len() == 1 { parts.pop().expect("one") } else { Expr::Concat(parts) })
    }

    fn list(&mut self) -> PResult<Vec<Expr>> {
        self.sym("(")?;
        let mut items = Vec::new();
        while !self.is_sym(")") {
            items.push(self.expr()?);
            if !self.is_sym(")") {
                self.sym(",")?;
            }
        }
        self.sym(")")?;
        Ok(items)
    }

    fn term(&mut self) -> PResult<Expr> {
        match self.peek().cloned() {
            Some(Tok::Str(s)) => {
                self.i += 1;
                Ok(Expr::Str(s))
            }
            Some(Tok::Num(n)) => {
                self.i += 1;
                Ok(Expr::Number(n))
            }
            Some(Tok::Sym("(")) => Ok(Expr::Tuple(self.list()?)),
            Some(Tok::Ident(name)) => {
                self.i += 1;
                if self.is_sym(".") {
                    self.i += 1;
                    return Ok(Expr::Ref { var: name, property: self.ident()? });
                }
                if self.is_sym("(") {
                    return Ok(Expr::Call { name, args: self.list()? });
                }
                Err((self.at(), format!("expected `.` or `(` after `{name}`")))
            }
            other => Err((self.at(), format!("expected a value, found {}", describe(other.as_ref())))),
        }
    }
}

fn describe(t: Option<&Tok>) -> String {
    match t {
        None => "the end of the rules".into(),
        Some(Tok::Ident(s)) => format!("`{s}`"),
        Some(Tok::Str(s)) => format!("the string {s:?}"),
        Some(Tok::Num(n)) => format!("the number {n}"),
        Some(Tok::Sym(s)) => format!("`{s}`"),
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Parses a rule set. Every rule is returned, parsed or with the reason it is not; after a bad
/// rule, parsing resumes after the next `;`.
pub fn parse(text: &str) -> Vec<Parsed> {
    let mut out = Vec::new();
    let mut lx = Lexer { s: text, pos: 0 };
    let mut toks = Vec::new();
    loop {
        match lx.next() {
            Ok(Some(t)) => toks.push(t),
            Ok(None) => break,
            Err((at, msg)) => {
                // Unlexable text: what came before is still parsed; the rest is one bad rule.
                let (line, column) = line_col(text, at);
                let msg = format!("line {line}, column {column}: {msg}");
                out.push(Parsed { line, column, text: text[at..].trim().to_string(), rule: Err(msg) });
                break;
            }
        }
    }
    let tail = out.pop();
    let mut p = Parser { toks, i: 0, end: text.len() };
    let mut rules = Vec::new();
    while p.i < p.toks.len() {
        let start_tok = p.i;
        let start = p.toks[start_tok].0;
        let rule = p.rule();
        let rule = match rule {
            Ok(r) => Ok(r),
            Err((at, msg)) => {
                let (l, c) = line_col(text, at);
                // Resume after the next `;`.
                while p.i < p.toks.len() && p.toks[p.i].1 != Tok::Sym(";") {
                    p.i += 1;
                }
                p.i += 1;
                Err(format!("line {l}, column {c}: {msg}"))
            }
        };
        let end = p.toks.get(p.i.saturating_sub(1)).map_or(text.len(), |t| {
            let len = match &t.1 {
                Tok::Sym(s) => s.len(),
                _ => 0,
            };
            (t.0 + len).max(start)
        });
        let (line, column) = line_col(text, start);
        rules.push(Parsed { line, column, text: text[start..end.min(text.len())].trim().to_string(), rule });
    }
    rules.extend(tail);
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_rules_are_kept_with_their_position_and_the_rest_parsed() {
        let text = "=> issue(Type = \"a\", Value = \"b\");\nc:[Type = \"x\"] => issue(claim = c);\n=> issue(Type = \"c\", Value = \"d\");";
        let parsed = parse(text);
        assert_eq!(parsed.len(), 3, "{parsed:?}");
        assert!(parsed[0].rule.is_ok() && parsed[2].rule.is_ok());
        assert_eq!((parsed[1].line, parsed[1].column), (2, 1));
        let e = parsed[1].rule.as_ref().unwrap_err();
        assert!(e.starts_with("line 2, column 9: expected a comparison"), "{e}");
        let escaped = parse(r#"=> issue(Type = "a\"b", Value = "c\\d");"#);
        let Expr::Str(v) = escaped[0].rule.as_ref().unwrap().issuance.arg("Type").unwrap() else { panic!() };
        assert_eq!(v, "a\"b");
        let unlexable = parse("=> issue(Type = \"a\", Value = \"b\");\n c:[Type == \"x\"] => issue(claim = c) $");
        assert!(
            unlexable.iter().any(|p| p.rule.as_ref().is_err_and(|e| e.contains("unexpected character"))),
            "{unlexable:?}"
        );
        assert!(parse("").is_empty());
        assert!(parse("   \n ").is_empty());
    }
}

//! The AD FS claim rule language: a parser for the rule sets of a relying-party trust
//! (issuance transform, issuance / delegation / impersonation authorization, additional
//! authentication rules) and the classification the migration report shows: a known migratable
//! pattern, or the portal's detail codes. A rule that cannot be parsed is kept with its position
//! and the reason, never dropped. Pure, no I/O.
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
    fn arg(&self, name: &str) -> Option<&Expr> {
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

const PERMIT: &str = "http://schemas.microsoft.com/authorization/claims/permit";
const DENY: &str = "http://schemas.microsoft.com/authorization/claims/deny";
const GROUP_SID: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groupsid";
const PRIMARY_SID: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/primarysid";
const WINDOWS_ACCOUNT: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/windowsaccountname";
const AUTH_METHOD: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod";
const MULTIPLE_AUTHN: &str = "http://schemas.microsoft.com/claims/multipleauthn";
const INSIDE_CORPNET: &str = "http://schemas.microsoft.com/ws/2012/01/insidecorporatenetwork";
const IS_REGISTERED: &str = "http://schemas.microsoft.com/2012/01/devicecontext/claims/isregistereduser";
const PROXY_SID: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/proxysid";
const PROXY_TRUST: &str = "http://schemas.microsoft.com/authorization/claims/permit";
/// Claims Entra ID issues itself and a claims mapping may not set.
const RESTRICTED: [&str; 6] = [
    "http://schemas.microsoft.com/identity/claims/tenantid",
    "http://schemas.microsoft.com/identity/claims/objectidentifier",
    "http://schemas.microsoft.com/identity/claims/identityprovider",
    "http://schemas.microsoft.com/claims/authnmethodsreferences",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationinstant",
    "http://schemas.microsoft.com/identity/claims/scope",
];

/// The issuers a migrated rule may match on (AD and the Federation Service itself).
const SUPPORTED_ISSUERS: [&str; 2] = ["AD AUTHORITY", "LOCAL AUTHORITY"];

/// What a rule is, for the migration report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    /// A known migratable pattern (`PermitAll`, `PermitGroup`, `LdapAttributes`, ...).
    pub pattern: Option<&'static str>,
    /// The portal's detail codes, when the rule is not migratable as is.
    pub codes: Vec<&'static str>,
}

fn str_arg<'a>(iss: &'a Issuance, name: &str) -> Option<&'a str> {
    match iss.arg(name) {
        Some(Expr::Str(s)) => Some(s),
        _ => None,
    }
}

fn tests_of(c: &Condition) -> &[Test] {
    match c {
        Condition::Match { tests, .. } | Condition::Aggregate { tests, .. } => tests,
    }
}

/// `[Type == <t>, Value == "..."]` with nothing else.
fn is_type_value(c: &Condition, types: &[&str]) -> bool {
    let Condition::Match { tests, .. } = c else { return false };
    let ty = tests
        .iter()
        .any(|t| t.property.eq_ignore_ascii_case("Type") && t.op == Op::Eq && types.contains(&t.value.as_str()));
    let val = tests.iter().any(|t| t.property.eq_ignore_ascii_case("Value") && t.op == Op::Eq);
    ty && val && tests.len() == 2
}

fn mentions_regex_replace(e: &Expr) -> bool {
    match e {
        Expr::Call { name, args } => {
            name.eq_ignore_ascii_case("RegexReplace") || args.iter().any(mentions_regex_replace)
        }
        Expr::Tuple(items) | Expr::Concat(items) => items.iter().any(mentions_regex_replace),
        _ => false,
    }
}

/// Classifies one rule: the known migratable patterns first, else every detail code that
/// applies, else `UNSUPPORTED_RULE_TYPE`.
pub fn classify(rule: &Rule) -> Classification {
    let iss = &rule.issuance;
    let ty = str_arg(iss, "Type");
    let value = str_arg(iss, "Value");
    let conds = &rule.conditions;
    let pattern = match (conds.as_slice(), ty, value, iss.add) {
        ([], Some(PERMIT), Some(v), false) if v.eq_ignore_ascii_case("true") => Some("PermitAll"),
        ([c], Some(PERMIT), Some(_), false) if is_type_value(c, &[GROUP_SID]) => Some("PermitGroup"),
        ([c], Some(PERMIT), Some(_), false) if is_type_value(c, &[PRIMARY_SID]) => Some("PermitUser"),
        ([c], Some(DENY), Some(_), false) if is_type_value(c, &[GROUP_SID]) => Some("DenyGroup"),
        ([c], Some(AUTH_METHOD), Some(MULTIPLE_AUTHN), false) if is_type_value(c, &[GROUP_SID]) => Some("MfaForGroup"),
        ([c], Some(AUTH_METHOD), Some(MULTIPLE_AUTHN), false) if is_type_value(c, &[PRIMARY_SID]) => Some("MfaForUser"),
        ([c], Some(AUTH_METHOD), Some(MULTIPLE_AUTHN), false) if is_type_value(c, &[INSIDE_CORPNET]) => {
            Some("MfaForExtranet")
        }
        ([c], Some(AUTH_METHOD), Some(MULTIPLE_AUTHN), false) if is_type_value(c, &[IS_REGISTERED]) => {
            Some("MfaForUnregisteredDevices")
        }
        ([c], Some(PROXY_TRUST), Some(_), false) if is_type_value(c, &[PROXY_SID]) => Some("ProxySid"),
        _ => None,
    };
    let ldap = match (conds.as_slice(), str_arg(iss, "store")) {
        ([Condition::Match { tests, .. }], Some(store)) if store == "Active Directory" && !iss.add => tests
            .iter()
            .any(|t| t.property.eq_ignore_ascii_case("Type") && t.op == Op::Eq && t.value == WINDOWS_ACCOUNT)
            .then_some("LdapAttributes"),
        _ => None,
    };
    let pass_through = (conds.len() == 1 && iss.claim.is_some() && !iss.add)
        .then(|| {
            tests_of(&conds[0])
                .iter()
                .all(|t| t.op == Op::Eq && t.property.eq_ignore_ascii_case("Type"))
                .then_some("PassThrough")
        })
        .flatten();
    let mut codes = Vec::new();
    if conds.iter().flat_map(tests_of).any(|t| matches!(t.op, Op::Matches | Op::NotMatches)) {
        codes.push("UNSUPPORTED_CONDITION_PARAMETER");
    }
    if conds.len() > 1 {
        codes.push("UNSUPPORTED_CONDITION_CLASS");
    }
    if conds.iter().any(|c| matches!(c, Condition::Aggregate { .. })) {
        codes.push("UNSUPPORTED_CONDITION_FUNCTION");
    }
    if conds.iter().flat_map(tests_of).any(|t| {
        t.property.eq_ignore_ascii_case("Issuer") && !SUPPORTED_ISSUERS.iter().any(|s| s.eq_ignore_ascii_case(&t.value))
    }) {
        codes.push("CONDITION_MATCHES_UNSUPPORTED_ISSUER");
    }
    if iss.add {
        codes.push("UNSUPPORTED_ISSUANCE_CLASS");
    }
    if str_arg(iss, "store").is_some_and(|s| s != "Active Directory") {
        codes.push("EXTERNAL_ATTRIBUTE_STORE");
    }
    if iss.args.iter().any(|(_, e)| mentions_regex_replace(e)) {
        codes.push("UNSUPPORTED_ISSUANCE_TRANSFORMATION");
    }
    let issued: Vec<&str> = match (ty, iss.arg("types")) {
        (Some(t), _) => vec![t],
        (None, Some(Expr::Tuple(items))) => items
            .iter()
            .filter_map(|e| match e {
                Expr::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    if issued.iter().any(|t| RESTRICTED.iter().any(|r| r.eq_ignore_ascii_case(t))) {
        codes.push("RESTRICTED_CLAIM_ISSUED");
    }
    let pattern = if codes.is_empty() { pattern.or(ldap).or(pass_through) } else { None };
    if pattern.is_none() && codes.is_empty() {
        codes.push("UNSUPPORTED_RULE_TYPE");
    }
    Classification { pattern, codes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Classification {
        let parsed = parse(text);
        assert_eq!(parsed.len(), 1, "{parsed:?}");
        classify(parsed[0].rule.as_ref().unwrap_or_else(|e| panic!("{e}: {text}")))
    }

    fn pattern(text: &str) -> Option<&'static str> {
        let c = one(text);
        assert!(c.codes.is_empty(), "{c:?}");
        c.pattern
    }

    #[test]
    fn migratable_patterns() {
        let permit = r#"@RuleTemplate = "AllowAllAuthzRule"
            => issue(Type = "http://schemas.microsoft.com/authorization/claims/permit", Value = "true");"#;
        assert_eq!(pattern(permit), Some("PermitAll"));
        let group = r#"@RuleName = "Finance only"
            c:[Type == "http://schemas.microsoft.com/ws/2008/06/identity/claims/groupsid", Value == "S-1-5-21-1-2-3-1104", Issuer == "AD AUTHORITY"]
            => issue(Type = "http://schemas.microsoft.com/authorization/claims/permit", Value = "PermitUsersWithClaim");"#;
        // Three tests (Type, Value, Issuer) is not the plain group pattern.
        assert_eq!(one(group).codes, vec!["UNSUPPORTED_RULE_TYPE"]);
        let group = r#"c:[Type == "http://schemas.microsoft.com/ws/2008/06/identity/claims/groupsid", Value == "S-1-5-21-1-2-3-1104"]
            => issue(Type = "http://schemas.microsoft.com/authorization/claims/permit", Value = "PermitUsersWithClaim");"#;
        assert_eq!(pattern(group), Some("PermitGroup"));
        let ldap = r#"@RuleTemplate = "LdapClaims"
            @RuleName = "Attributes"
            c:[Type == "http://schemas.microsoft.com/ws/2008/06/identity/claims/windowsaccountname", Issuer == "AD AUTHORITY"]
            => issue(store = "Active Directory", types = ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"), query = ";mail,userPrincipalName;{0}", param = c.Value);"#;
        assert_eq!(pattern(ldap), Some("LdapAttributes"));
        let mfa = r#"c:[Type == "http://schemas.microsoft.com/ws/2008/06/identity/claims/groupsid", Value == "S-1-5-21-9"]
            => issue(Type = "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod", Value = "http://schemas.microsoft.com/claims/multipleauthn");"#;
        assert_eq!(pattern(mfa), Some("MfaForGroup"));
        let extranet = r#"c:[Type == "http://schemas.microsoft.com/ws/2012/01/insidecorporatenetwork", Value == "false"]
            => issue(Type = "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod", Value = "http://schemas.microsoft.com/claims/multipleauthn");"#;
        assert_eq!(pattern(extranet), Some("MfaForExtranet"));
        let unregistered = r#"c:[Type == "http://schemas.microsoft.com/2012/01/devicecontext/claims/isregistereduser", Value == "false"]
            => issue(Type = "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod", Value = "http://schemas.microsoft.com/claims/multipleauthn");"#;
        assert_eq!(pattern(unregistered), Some("MfaForUnregisteredDevices"));
        let user = r#"c:[Type == "http://schemas.microsoft.com/ws/2008/06/identity/claims/primarysid", Value == "S-1-5-21-1"]
            => issue(Type = "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod", Value = "http://schemas.microsoft.com/claims/multipleauthn");"#;
        assert_eq!(pattern(user), Some("MfaForUser"));
        let proxy = r#"c:[Type == "http://schemas.microsoft.com/ws/2008/06/identity/claims/proxysid", Value == "S-1-5-21-2"]
            => issue(Type = "http://schemas.microsoft.com/authorization/claims/permit", Value = "true");"#;
        assert_eq!(pattern(proxy), Some("ProxySid"));
        let pass = r#"c:[Type == "http://schemas.xmlsoap.org/claims/Group"] => issue(claim = c);"#;
        assert_eq!(pattern(pass), Some("PassThrough"));
    }

    #[test]
    fn every_detail_code() {
        let cases = [
            (r#"c:[Type == "t", Value =~ "^adm"] => issue(claim = c);"#, "UNSUPPORTED_CONDITION_PARAMETER"),
            (
                r#"c1:[Type == "a"] && c2:[Type == "b"] => issue(Type = "x", Value = c1.Value + c2.Value);"#,
                "UNSUPPORTED_CONDITION_CLASS",
            ),
            (
                r#"NOT EXISTS([Type == "http://schemas.microsoft.com/ws/2008/06/identity/claims/groupsid"]) => issue(Type = "x", Value = "y");"#,
                "UNSUPPORTED_CONDITION_FUNCTION",
            ),
            (r#"COUNT([Type == "g"]) > 2 => issue(Type = "x", Value = "y");"#, "UNSUPPORTED_CONDITION_FUNCTION"),
            (
                r#"c:[Type == "t", Issuer == "partner.example"] => issue(claim = c);"#,
                "CONDITION_MATCHES_UNSUPPORTED_ISSUER",
            ),
            (r#"c:[Type == "t"] => add(Type = "tmp", Value = c.Value);"#, "UNSUPPORTED_ISSUANCE_CLASS"),
            (
                r#"c:[Type == "w"] => issue(store = "SQL Store", types = ("x"), query = "SELECT a FROM b WHERE c={0}", param = c.Value);"#,
                "EXTERNAL_ATTRIBUTE_STORE",
            ),
            (
                r#"c:[Type == "u"] => issue(Type = "u2", Value = RegexReplace(c.Value, "@contoso\\.com$", ""));"#,
                "UNSUPPORTED_ISSUANCE_TRANSFORMATION",
            ),
            (
                r#"c:[Type == "oid"] => issue(Type = "http://schemas.microsoft.com/identity/claims/objectidentifier", Value = c.Value);"#,
                "RESTRICTED_CLAIM_ISSUED",
            ),
            (r#"c:[Type == "a"] => issue(Type = "b", Value = c.Value);"#, "UNSUPPORTED_RULE_TYPE"),
        ];
        for (text, code) in cases {
            let c = one(text);
            assert!(c.codes.contains(&code), "{code}: {c:?} for {text}");
            assert_eq!(c.pattern, None, "{text}");
        }
    }

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
        assert_eq!(classify(escaped[0].rule.as_ref().unwrap()).codes, vec!["UNSUPPORTED_RULE_TYPE"]);
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

//! Tokens into a subscription, by a strict grammar whose every query the reference reads the
//! same way:
//!
//! ```text
//! query     = sequence EOS
//!           | "(" ("!")? function (("and" | "or") unit)* ")" EOS
//!                                               one group opening with a function (below)
//! sequence  = unit (("and" | "or") unit)*      one connective per sequence
//! unit      = condition | function | "!" function | "(" inner ")"
//! inner     = (condition ("and" | "or"))* (condition | function | "!" function)
//!                                               one connective; a function only last
//! condition = field ("=" | "!=" | "<" | "<=" | ">" | ">=") value
//! function  = ("contains" | "match") "(" field "," string ")"
//! ```
//!
//! The reference parses much more, by skipping what it does not understand: a missing value
//! (`type =` compares with `"eos"`), extra or trailing connectives, stray tokens, `and` mixed
//! with `or` (the last one read applies to the whole sequence), a function inside parentheses
//! followed by more of the group (the function's `)` ends the group, so the rest is read outside
//! it; a function that is the group's last condition is read as written, and so is a query that
//! is one group opening with a function, its rest read as a query), `contains(type, …)`
//! (dropped). Those are refused here.

use super::compare::Compare;
use super::field::Field;
use super::lexer::{Kind, Token};
use super::presence::Presence;
use super::text::TextTest;
use super::to_number::string_to_number;
use super::{Condition, Expr, Test};
use crate::js::to_js_string;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub message: String,
    pub at: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.at + 1)
    }
}

type Parsed<T> = Result<T, ParseError>;

/// Parses the tokens of `query` (which error messages quote).
pub(crate) fn parse(query: &str, tokens: Vec<Token>) -> Parsed<Expr> {
    let mut parser = Parser {
        query,
        tokens,
        pos: 0,
    };
    let expr = if opens_one_group_with_function(&parser.tokens) {
        parser.pos = 1;
        let expr = parser.sequence(None)?;
        parser.expect(Kind::ParenRight, "`)`, `and` or `or`")?;
        expr
    } else {
        parser.sequence(None)?
    };
    let end = parser.next();
    if end.kind != Kind::Eos {
        return Err(unexpected(&end, "`and`, `or` or the end of the query"));
    }
    Ok(expr)
}

/// Whether the query is one group whose first condition is a function: the reference ends the
/// group at the function's `)` and reads the rest of it as it reads a query, skipping the group's
/// `)`; so it reads the group's content as written, as if it stood alone.
fn opens_one_group_with_function(tokens: &[Token]) -> bool {
    let opens = tokens.first().is_some_and(|t| t.kind == Kind::ParenLeft)
        && tokens.get(1).is_some_and(|t| {
            (t.kind == Kind::Ident && is_function(&t.text))
                || (t.kind == Kind::Operator && t.text == "!")
        });
    let mut depth = 0;
    for (i, token) in tokens.iter().enumerate() {
        match token.kind {
            Kind::ParenLeft => depth += 1,
            Kind::ParenRight => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            // The group's `)` is the last token before the end.
            return opens && i + 2 == tokens.len();
        }
    }
    // Never closed: read as one group, so that the error is the missing `)`.
    opens
}

struct Parser<'q> {
    query: &'q str,
    tokens: Vec<Token>,
    pos: usize,
}

fn unexpected(token: &Token, expected: &str) -> ParseError {
    let got = match token.kind {
        Kind::Eos => "the end of the query".to_string(),
        _ => format!("`{}`", token.text),
    };
    ParseError {
        message: format!("expected {expected}, got {got}"),
        at: token.at,
    }
}

fn error<T>(token: &Token, message: impl Into<String>) -> Parsed<T> {
    Err(ParseError {
        message: message.into(),
        at: token.at,
    })
}

/// What a value token means to the reference (`getTokenValue`).
enum Literal {
    Text(String),
    Number(f64),
    Boolean(bool),
}

impl Literal {
    /// `String(value)`.
    fn text(&self) -> String {
        match self {
            Literal::Text(s) => s.clone(),
            Literal::Number(x) => to_js_string(*x),
            Literal::Boolean(b) => b.to_string(),
        }
    }

    /// `Number(value)`.
    fn number(&self) -> f64 {
        match self {
            Literal::Text(s) => string_to_number(s),
            Literal::Number(x) => *x,
            Literal::Boolean(b) => f64::from(u8::from(*b)),
        }
    }
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    fn expect(&mut self, kind: Kind, what: &str) -> Parsed<Token> {
        let token = self.next();
        if token.kind == kind {
            Ok(token)
        } else {
            Err(unexpected(&token, what))
        }
    }

    /// A sequence of units; `group` is where its `(` is, inside parentheses.
    fn sequence(&mut self, group: Option<usize>) -> Parsed<Expr> {
        let mut units = vec![self.unit(group)?];
        let mut connective: Option<String> = None;
        while self.peek().kind == Kind::Conditional {
            let token = self.next();
            match &connective {
                Some(c) if *c != token.text => {
                    return error(
                        &token,
                        "`and` and `or` cannot be mixed without parentheses (the reference would apply the last one to all)",
                    )
                }
                _ => connective = Some(token.text.clone()),
            }
            units.push(self.unit(group)?);
        }
        Ok(match (units.len(), connective.as_deref()) {
            (1, _) => units.remove(0),
            (_, Some("or")) => Expr::Any(units),
            _ => Expr::All(units),
        })
    }

    fn unit(&mut self, group: Option<usize>) -> Parsed<Expr> {
        let token = self.peek().clone();
        match token.kind {
            Kind::ParenLeft if group.is_some() => {
                error(&token, "parentheses cannot be nested in a subscription")
            }
            Kind::ParenLeft => {
                self.next();
                let inner = self.sequence(Some(token.at))?;
                self.expect(Kind::ParenRight, "`)`, `and` or `or`")?;
                Ok(inner)
            }
            Kind::Operator if token.text == "!" => {
                self.next();
                let function = self.peek().clone();
                if function.kind != Kind::Ident || !is_function(&function.text) {
                    return Err(unexpected(&function, "contains( or match( after `!`"));
                }
                self.function(true, group)
            }
            Kind::Ident if is_function(&token.text) => self.function(false, group),
            Kind::Ident => self.condition(),
            _ => Err(unexpected(&token, "a condition")),
        }
    }

    fn condition(&mut self) -> Parsed<Expr> {
        let name = self.next();
        let field = Field::named(&name.text).ok_or_else(|| ParseError {
            message: format!(
                "`{}` is not a field a subscription can test (type, event, name, userId, properties.…, traits.…, context.…)",
                name.text
            ),
            at: name.at,
        })?;
        let operator = self.next();
        if operator.kind != Kind::Operator || operator.text == "!" {
            return Err(unexpected(&operator, "=, !=, <, <=, > or >="));
        }
        let value = self.next();
        let literal = match value.kind {
            Kind::String => Literal::Text(strip_double_quotes(&value.text).to_string()),
            Kind::Number => {
                let x = string_to_number(&value.text);
                if x.is_nan() {
                    return error(&value, format!("`{}` is not a number", value.text));
                }
                Literal::Number(x)
            }
            Kind::Null => Literal::Text("null".into()),
            Kind::Ident if value.text == "true" => Literal::Boolean(true),
            Kind::Ident if value.text == "false" => Literal::Boolean(false),
            Kind::Ident => Literal::Text(value.text.clone()),
            _ => {
                return Err(unexpected(
                    &value,
                    "a value (a string, a number, true, false or null)",
                ))
            }
        };
        let op = operator.text.as_str();
        // `!= null` / `= null` test presence (except on type and event, which compare with the
        // string "null"); `= true` / `= false` test a boolean (except on name, type, event).
        let presence = match (&field, op, value.text.as_str()) {
            (Field::Type | Field::Event, ..) => None,
            (_, "!=", "null") => Some(Presence::Exists),
            (_, "=", "null") => Some(Presence::NotExists),
            (Field::Name, ..) => None,
            (_, "=", "true") => Some(Presence::IsTrue),
            (_, "=", "false") => Some(Presence::IsFalse),
            _ => None,
        };
        let test = if let Some(presence) = presence {
            Test::Presence(presence)
        } else {
            // type, event, name and userId compare with `String(value)`; the others with the
            // value itself, and a number with `=` / `!=` as a number.
            let literal = match &field {
                Field::Under(..) => literal,
                _ => Literal::Text(literal.text()),
            };
            Test::Compare(match (op, &literal) {
                ("=", Literal::Number(x)) => Compare::NumberEquals(*x),
                ("!=", Literal::Number(x)) => Compare::NumberNotEquals(*x),
                ("=", _) => Compare::Equals(literal.text()),
                ("!=", _) => Compare::NotEquals(literal.text()),
                ("<", _) => Compare::Less(literal.number()),
                ("<=", _) => Compare::AtMost(literal.number()),
                (">", _) => Compare::Greater(literal.number()),
                (">=", _) => Compare::AtLeast(literal.number()),
                _ => return Err(unexpected(&operator, "=, !=, <, <=, > or >=")),
            })
        };
        Ok(Expr::Test(Condition { field, test }))
    }

    /// `contains(…)` or `match(…)`; `group` is where the enclosing `(` is, if any. The reference
    /// ends a group at the first `)` in it, so a function is read as written inside parentheses
    /// only as the group's last condition, its `)` followed by the group's.
    fn function(&mut self, negated: bool, group: Option<usize>) -> Parsed<Expr> {
        let name = self.next();
        self.expect(Kind::ParenLeft, "`(`")?;
        let field_token = self.expect(Kind::Ident, "a field")?;
        let field = match Field::named(&field_token.text) {
            Some(Field::Type) | None => {
                return error(
                    &field_token,
                    format!(
                    "{}() tests event, name, userId, properties.…, traits.… or context.…, not `{}`",
                    name.text, field_token.text
                ),
                )
            }
            Some(field) => field,
        };
        self.expect(Kind::Comma, "`,`")?;
        let value = self.expect(Kind::String, "a string")?;
        let close = self.expect(Kind::ParenRight, "`)`")?;
        if let Some(open) = group.filter(|_| self.peek().kind == Kind::Conditional) {
            let read: String = self.query.chars().take(close.at + 1).skip(open).collect();
            return error(
                &name,
                format!(
                    "{}() is not the last condition of its group: the reference ends the group at the function's `)`, reading `{read}` as the whole group and the rest outside it; move the function to the end of the group (a group can hold one)",
                    name.text
                ),
            );
        }
        let test = if name.text == "contains" {
            TextTest::Contains(strip_double_quotes(&value.text).to_string())
        } else {
            if !value.text.starts_with('"') {
                return error(&value, "match() takes a pattern in double quotes");
            }
            TextTest::glob(strip_double_quotes(&value.text)).map_err(|message| ParseError {
                message,
                at: value.at,
            })?
        };
        Ok(Expr::Test(Condition {
            field,
            test: Test::Text { test, negated },
        }))
    }
}

fn is_function(name: &str) -> bool {
    name == "contains" || name == "match"
}

/// `value.replace(/^"/, '').replace(/"$/, '')`: a single-quoted string keeps its quotes.
fn strip_double_quotes(text: &str) -> &str {
    let text = text.strip_prefix('"').unwrap_or(text);
    text.strip_suffix('"').unwrap_or(text)
}

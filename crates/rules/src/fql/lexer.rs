//! FQL text into tokens, exactly as `@segment/fql-ts` 1.10.1 cuts it (the reference parser reads
//! its tokens), quirks included: `!=`, `<=`, `>=`, `and`, `or` and `null` count only when a
//! terminator (white space, `,`, `]`, `)` or the end) follows them, a closing quote that is not
//! followed by one opens a new string, and `\` escapes any character in an identifier.
//!
//! One quirk is refused rather than followed: at the very end of the query the reference loses
//! the characters after an `a` or `n` it tried to read as `and` / `null` (`event = an` compares
//! with `"a"`).

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Ident,
    Dot,
    Operator,
    Conditional,
    String,
    Number,
    Null,
    BrackLeft,
    BrackRight,
    ParenLeft,
    ParenRight,
    Comma,
    Eos,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    /// The token's text as the reference keeps it (a string with its quotes).
    pub text: String,
    /// Where it starts: a character index.
    pub at: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    pub message: String,
    pub at: usize,
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.at + 1)
    }
}

/// The reference's own bounds on one token (UTF-16 units).
const MAX_TOKEN_LENGTH: usize = 100_000;

pub(crate) fn lex(query: &str) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer {
        chars: query.chars().collect(),
        pos: 0,
        cut: None,
    };
    let tokens = lexer.tokens()?;
    Ok(normalize(tokens))
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    /// Where a word started whose end the reference would lose (see `accept`).
    cut: Option<usize>,
}

fn is_whitespace(c: Option<char>) -> bool {
    matches!(c, Some(' ' | '\t' | '\n'))
}

fn is_alpha(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphabetic())
}

fn is_digit(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_digit())
}

fn is_ident(c: Option<char>) -> bool {
    is_alpha(c) || is_digit(c) || matches!(c, Some('_' | '-' | '\\'))
}

/// `None` is the end of the query, itself a terminator.
fn is_terminator(c: Option<char>) -> bool {
    c.is_none() || is_whitespace(c) || matches!(c, Some(',' | ']' | ')'))
}

fn shown(c: Option<char>) -> String {
    c.map_or("the end".to_string(), |c| format!("{c:?}"))
}

impl Lexer {
    fn next(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, LexError> {
        Err(LexError {
            message: message.into(),
            at: self.pos,
        })
    }

    fn token(&self, kind: Kind, text: impl Into<String>, at: usize) -> Token {
        Token {
            kind,
            text: text.into(),
            at,
        }
    }

    fn tokens(&mut self) -> Result<Vec<Token>, LexError> {
        let mut tokens = Vec::new();
        loop {
            let at = self.pos;
            let Some(c) = self.next() else {
                if let Some(start) = self.cut {
                    self.pos = start;
                    return self.error(format!(
                        "the end of the query {:?} cannot be read as FQL",
                        self.chars[start..].iter().collect::<String>()
                    ));
                }
                tokens.push(self.token(Kind::Eos, "eos", at));
                return Ok(tokens);
            };
            if is_whitespace(Some(c)) {
                continue;
            }
            if c == '!' && (is_alpha(self.peek()) || self.peek() == Some('(')) {
                tokens.push(self.token(Kind::Operator, "!", at));
                continue;
            }
            let token = match c {
                c if c.is_ascii_alphabetic() || matches!(c, '!' | '=' | '>' | '<' | '\\' | '_') => {
                    self.operator_or_word(c, at)?
                }
                c if c.is_ascii_digit() || c == '-' || c == '+' => self.number(c, at)?,
                '"' | '\'' => self.string(c, at)?,
                '.' => self.token(Kind::Dot, ".", at),
                '[' => self.token(Kind::BrackLeft, "[", at),
                ']' => self.token(Kind::BrackRight, "]", at),
                ',' => self.token(Kind::Comma, ",", at),
                '(' => self.token(Kind::ParenLeft, "(", at),
                ')' => self.token(Kind::ParenRight, ")", at),
                other => {
                    self.pos = at;
                    return self.error(format!("invalid character {other:?}"));
                }
            };
            tokens.push(token);
        }
    }

    /// The reference's `accept`: reads `word` when it is followed by a terminator, else puts
    /// back what it read. When the query ends first, it keeps what it read (`event = an` is
    /// read as `event = a`): noted, and refused once the tokens are read.
    fn accept(&mut self, word: &str) -> bool {
        let start = self.pos;
        let mut read = String::new();
        for _ in word.chars() {
            let Some(c) = self.next() else {
                if self.pos > start {
                    self.cut.get_or_insert(start.saturating_sub(1));
                }
                return false;
            };
            read.push(c);
            if is_terminator(Some(c)) {
                break;
            }
        }
        if read == word && is_terminator(self.peek()) {
            return true;
        }
        self.pos = start;
        false
    }

    fn operator_or_word(&mut self, c: char, at: usize) -> Result<Token, LexError> {
        Ok(match c {
            '=' => self.token(Kind::Operator, "=", at),
            '!' => {
                if self.accept("=") {
                    self.token(Kind::Operator, "!=", at)
                } else {
                    return self.error(format!(
                        "expected '=' after '!', got {}",
                        shown(self.peek())
                    ));
                }
            }
            '<' | '>' => {
                if self.accept("=") {
                    self.token(Kind::Operator, format!("{c}="), at)
                } else {
                    self.token(Kind::Operator, c.to_string(), at)
                }
            }
            'a' if self.accept("nd") => self.token(Kind::Conditional, "and", at),
            'o' if self.accept("r") => self.token(Kind::Conditional, "or", at),
            'n' if self.accept("ull") => self.token(Kind::Null, "null", at),
            _ => self.identifier(c, at)?,
        })
    }

    fn identifier(&mut self, first: char, at: usize) -> Result<Token, LexError> {
        let mut text = String::new();
        let mut units = 0;
        let mut c = first;
        loop {
            if c == '\\' {
                match self.next() {
                    None => {
                        return self.error(
                            "expected a character after the escape character '\\', got the end",
                        )
                    }
                    // The reference escapes one UTF-16 unit: half of such a character.
                    Some(escaped) if escaped.len_utf16() > 1 => {
                        return self.error(format!("cannot escape {escaped:?}"))
                    }
                    Some(escaped) => c = escaped,
                }
            }
            text.push(c);
            units += c.len_utf16();
            if units >= MAX_TOKEN_LENGTH {
                return self.error("an identifier is too long");
            }
            if !is_ident(self.peek()) {
                break;
            }
            c = self.next().unwrap_or_default();
        }
        let coming = self.peek();
        if !(is_terminator(coming) || matches!(coming, Some('.' | '(' | '=' | '!'))) {
            return self.error(format!(
                "expected white space, '.', '(', '=', '!', ',', ']' or ')' after {text:?}, got {}",
                shown(coming)
            ));
        }
        Ok(self.token(Kind::Ident, text, at))
    }

    fn number(&mut self, first: char, at: usize) -> Result<Token, LexError> {
        let mut text = first.to_string();
        let mut decimal = false;
        while let Some(c @ ('0'..='9' | '.')) = self.peek() {
            self.next();
            text.push(c);
            if c == '.' {
                if is_terminator(self.peek()) {
                    return self.error("unexpected terminator after decimal point");
                }
                if decimal {
                    return self.error("multiple decimal points in one number");
                }
                decimal = true;
            }
            if text.len() >= MAX_TOKEN_LENGTH {
                return self.error("a number is too long");
            }
        }
        Ok(self.token(Kind::Number, text, at))
    }

    fn string(&mut self, quote: char, at: usize) -> Result<Token, LexError> {
        let mut text = quote.to_string();
        let mut units = 0;
        while self.peek() != Some(quote) {
            let Some(c) = self.next() else {
                self.pos = at;
                return self.error("unterminated string");
            };
            text.push(c);
            units += c.len_utf16();
            if units >= MAX_TOKEN_LENGTH {
                return self.error("a string is too long");
            }
        }
        text.push(quote);
        // The closing quote is taken only when a terminator follows it.
        self.accept(&quote.to_string());
        Ok(self.token(Kind::String, text, at))
    }
}

/// The reference's `normalize`: `ident . ident` becomes one identifier `a.b`.
fn normalize(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let merges = out.last().is_some_and(|t| t.kind == Kind::Ident)
            && tokens[i].kind == Kind::Dot
            && tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Ident);
        if merges {
            if let Some(last) = out.last_mut() {
                last.text.push('.');
                last.text.push_str(&tokens[i + 1].text);
            }
            i += 2;
        } else {
            out.push(tokens[i].clone());
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(query: &str) -> Vec<(Kind, String)> {
        lex(query)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn tokens_are_the_references() {
        use Kind::*;
        let t = |k, s: &str| (k, s.to_string());
        assert_eq!(
            kinds(r#"type = "track" and properties.a.b != null"#),
            [
                t(Ident, "type"),
                t(Operator, "="),
                t(String, "\"track\""),
                t(Conditional, "and"),
                t(Ident, "properties.a.b"),
                t(Operator, "!="),
                t(Null, "null"),
                t(Eos, "eos")
            ]
        );
        assert_eq!(
            kinds("x <=5"),
            [
                t(Ident, "x"),
                t(Operator, "<"),
                t(Operator, "="),
                t(Number, "5"),
                t(Eos, "eos")
            ]
        );
        assert_eq!(kinds("android"), [t(Ident, "android"), t(Eos, "eos")]);
        assert_eq!(
            kinds("and("),
            [t(Ident, "and"), t(ParenLeft, "("), t(Eos, "eos")]
        );
        assert_eq!(kinds(r"a\ b"), [t(Ident, "a b"), t(Eos, "eos")]);
        assert_eq!(
            kinds(r#""a""b""#),
            [
                t(String, "\"a\""),
                t(String, "\"\""),
                t(String, "\"b\""),
                t(Eos, "eos")
            ]
        );
        assert_eq!(kinds("-"), [t(Number, "-"), t(Eos, "eos")]);
        assert_eq!(
            kinds("1.a"),
            [t(Number, "1."), t(Ident, "a"), t(Eos, "eos")]
        );
    }

    #[test]
    fn bad_tokens_are_refused() {
        for query in [
            "a!=\"x\"", "x\r", "\"open", "1.", "1.2.3", "a<1", "#", "x\\", "😀", "an", "x = nul",
        ] {
            assert!(lex(query).is_err(), "{query:?}");
        }
    }
}

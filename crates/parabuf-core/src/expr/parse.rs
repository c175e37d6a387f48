//! The expression language's parser: source text to a flat tree ([`Ast`]).
//!
//! The grammar is JavaScript's for the expressions it shares with it, with JavaScript's precedence and associativity:
//!
//! ```text
//! expr     := or ('?' expr ':' expr)?
//! or       := and ('||' and)*
//! and      := eq ('&&' eq)*
//! eq       := rel (('==' | '!=' | '===' | '!==') rel)*
//! rel      := add (('<' | '<=' | '>' | '>=') add)*
//! add      := mul (('+' | '-') mul)*
//! mul      := pow (('*' | '/' | '%') pow)*
//! pow      := unary | postfix '**' pow     (a unary operand of `**` is a SyntaxError, as in JavaScript)
//! unary    := ('-' | '+' | '!') unary | postfix
//! postfix  := number | constant | variable | function '(' expr (',' expr)* ')' | '(' expr ')'
//! ```
//!
//! The parser recurses, but never deeper than [`MAX_NESTING`] levels of parentheses, unary operators, conditionals,
//! function arguments and `**` right operands together: deeper sources are refused with a coded error rather than
//! exhausting the stack. The tree it builds is flat (nodes in a vector, children before their parent), so that
//! compiling and dropping it take no recursion at all, whatever its depth.

use crate::error::{Error, Result};

/// Deepest nesting the parser accepts: each parenthesis, unary operator, conditional branch, function argument list
/// and `**` right operand is one level. A level costs a few stack frames of the parser; 256 levels stay far inside the
/// smallest stack a caller's thread has (a worker thread's, or rayon's 2 MiB), and far beyond what people write.
pub const MAX_NESTING: usize = 256;

/// Stack bytes the parser may use below its entry, whatever the nesting: the backstop for builds whose frames are
/// larger than an optimised build's (an unoptimised build's are several times larger). Optimised, [`MAX_NESTING`]
/// levels of the most expensive nesting (function calls) take well under half of it.
const STACK_BUDGET: usize = 512 << 10;

/// An address in the current stack frame: the distance between two is the stack used between them (stacks grow down
/// on every supported target, and the distance is taken without sign anyway).
#[inline(always)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(std::ptr::addr_of!(marker)) as usize
}

/// A function of one argument, applied to each element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Unary {
    /// `-x`
    Neg,
    /// `!x`: 1 when `x` is falsy (0, -0 or NaN), else 0.
    Not,
    Abs,
    Sign,
    Sqrt,
    Cbrt,
    Exp,
    Expm1,
    Log,
    Log1p,
    Log2,
    Log10,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Floor,
    Ceil,
    Round,
    Trunc,
}

/// A function of two arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    /// `%`, JavaScript's remainder.
    Rem,
    /// `**` and `pow`.
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    /// `&&`: `a` when `a` is falsy, else `b`.
    And,
    /// `||`: `a` when `a` is truthy, else `b`.
    Or,
    Min,
    Max,
    Atan2,
}

/// A function of three arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Ternary {
    /// `c ? x : y` and `where(c, x, y)`.
    Select,
    /// `clamp(x, lo, hi)`: `Math.min(Math.max(x, lo), hi)`.
    Clamp,
}

/// What a node computes. Children are indices of earlier nodes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kind {
    Const(f64),
    /// The variable with this index in [`Ast::variables`].
    Var(u32),
    Unary(Unary, u32),
    Binary(Binary, u32, u32),
    Ternary(Ternary, u32, u32, u32),
    /// `hypot(…)` of any number of arguments.
    Hypot(Vec<u32>),
}

/// One node and the byte offset in the source it came from (for errors found after parsing).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) at: usize,
}

/// A parsed expression: its nodes, every child before its parent, the root last; and its variables in order of first
/// appearance.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Ast {
    pub(crate) nodes: Vec<Node>,
    pub(crate) variables: Vec<String>,
}

impl Ast {
    /// The index of the root node.
    pub(crate) fn root(&self) -> u32 {
        (self.nodes.len() - 1) as u32
    }
}

/// The functions, with their argument counts (`None`: any count from the minimum up).
#[derive(Clone, Copy, Debug)]
enum Function {
    Unary(Unary),
    Binary(Binary),
    Ternary(Ternary),
    /// `min` and `max`: one argument or more, folded left to right (which is what `Math.min` computes).
    Fold(Binary),
    Hypot,
}

fn function(name: &str) -> Option<Function> {
    use Function as F;
    Some(match name {
        "abs" => F::Unary(Unary::Abs),
        "sign" => F::Unary(Unary::Sign),
        "sqrt" => F::Unary(Unary::Sqrt),
        "cbrt" => F::Unary(Unary::Cbrt),
        "exp" => F::Unary(Unary::Exp),
        "expm1" => F::Unary(Unary::Expm1),
        "log" => F::Unary(Unary::Log),
        "log1p" => F::Unary(Unary::Log1p),
        "log2" => F::Unary(Unary::Log2),
        "log10" => F::Unary(Unary::Log10),
        "sin" => F::Unary(Unary::Sin),
        "cos" => F::Unary(Unary::Cos),
        "tan" => F::Unary(Unary::Tan),
        "asin" => F::Unary(Unary::Asin),
        "acos" => F::Unary(Unary::Acos),
        "atan" => F::Unary(Unary::Atan),
        "sinh" => F::Unary(Unary::Sinh),
        "cosh" => F::Unary(Unary::Cosh),
        "tanh" => F::Unary(Unary::Tanh),
        "asinh" => F::Unary(Unary::Asinh),
        "acosh" => F::Unary(Unary::Acosh),
        "atanh" => F::Unary(Unary::Atanh),
        "floor" => F::Unary(Unary::Floor),
        "ceil" => F::Unary(Unary::Ceil),
        "round" => F::Unary(Unary::Round),
        "trunc" => F::Unary(Unary::Trunc),
        "atan2" => F::Binary(Binary::Atan2),
        "pow" => F::Binary(Binary::Pow),
        "where" => F::Ternary(Ternary::Select),
        "clamp" => F::Ternary(Ternary::Clamp),
        "min" => F::Fold(Binary::Min),
        "max" => F::Fold(Binary::Max),
        "hypot" => F::Hypot,
        _ => return None,
    })
}

impl Function {
    /// The argument counts accepted, as text for a message, and whether `n` is one of them.
    fn arity(self, n: usize) -> (&'static str, bool) {
        match self {
            Function::Unary(_) => ("1 argument", n == 1),
            Function::Binary(_) => ("2 arguments", n == 2),
            Function::Ternary(_) => ("3 arguments", n == 3),
            Function::Fold(_) | Function::Hypot => ("at least 1 argument", n >= 1),
        }
    }
}

/// Names that cannot be variables: the constants, and JavaScript's reserved words (a variable so named could not be
/// written in the same expression in JavaScript).
const RESERVED: &[&str] = &[
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "undefined",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// The error for the character at byte `at` of `source` (`at == source.len()`: the end).
pub(crate) fn error_at(source: &str, at: usize, reason: impl Into<String>) -> Error {
    /// Characters of a long line shown on each side of the caret.
    const WINDOW: usize = 40;
    let at = at.min(source.len());
    let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[at..].find('\n').map_or(source.len(), |i| at + i);
    let line = source[..at].matches('\n').count() + 1;
    let before: Vec<char> = source[line_start..at].chars().collect();
    let after: Vec<char> = source[at..line_end].trim_end_matches('\r').chars().collect();
    let column = before.len() + 1;
    let shown_before = before.len().min(WINDOW);
    let shown_after = after.len().min(WINDOW);
    let mut excerpt = String::new();
    if shown_before < before.len() {
        excerpt.push('…');
    }
    // Tabs would move the caret by a tab stop in a terminal; one space keeps it under its character.
    let printable = |c: &char| if c.is_whitespace() { ' ' } else { *c };
    excerpt.extend(before[before.len() - shown_before..].iter().map(printable));
    let caret = excerpt.chars().count() + 1;
    excerpt.extend(after[..shown_after].iter().map(printable));
    if shown_after < after.len() {
        excerpt.push('…');
    }
    Error::Expression { reason: reason.into(), line, column, excerpt, caret }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Token<'s> {
    Number(f64),
    Name(&'s str),
    /// An operator or punctuation, spelled as in the source.
    Punct(&'static str),
    End,
}

/// Operators and punctuation, longest first so that `**` is not read as `*` `*`.
const PUNCTUATION: [&str; 22] = [
    "===", "!==", "**", "<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "!", "?", ":", "(", ")",
    ",",
];

struct Lexer<'s> {
    source: &'s str,
    pos: usize,
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'$'
}

fn is_name_part(c: u8) -> bool {
    is_name_start(c) || c.is_ascii_digit()
}

impl<'s> Lexer<'s> {
    /// The next token and the byte offset it starts at.
    fn next(&mut self) -> Result<(Token<'s>, usize)> {
        let bytes = self.source.as_bytes();
        while self.pos < bytes.len() && matches!(bytes[self.pos], b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C) {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(&c) = bytes.get(start) else { return Ok((Token::End, start)) };
        if c.is_ascii_digit() || (c == b'.' && bytes.get(start + 1).is_some_and(u8::is_ascii_digit)) {
            return Ok((Token::Number(self.number()?), start));
        }
        if is_name_start(c) {
            while self.pos < bytes.len() && is_name_part(bytes[self.pos]) {
                self.pos += 1;
            }
            return Ok((Token::Name(&self.source[start..self.pos]), start));
        }
        for p in PUNCTUATION {
            if self.source[start..].starts_with(p) {
                self.pos += p.len();
                return Ok((Token::Punct(p), start));
            }
        }
        let ch = self.source[start..].chars().next().unwrap_or('?');
        let hint = match ch {
            '&' | '|' | '^' | '~' => ": bitwise operators are not part of the language",
            '=' => ": assignment is not part of the language (compare with ==)",
            _ => "",
        };
        Err(error_at(self.source, start, format!("unexpected character '{ch}'{hint}")))
    }

    /// A numeric literal as JavaScript reads it: decimal with an optional fraction and exponent, or `0x`, `0o`, `0b`
    /// integers. Decimal text converts correctly rounded, as in JavaScript.
    fn number(&mut self) -> Result<f64> {
        let bytes = self.source.as_bytes();
        let start = self.pos;
        let digits = |pos: &mut usize, ok: fn(u8) -> bool| {
            let from = *pos;
            while *pos < bytes.len() && ok(bytes[*pos]) {
                *pos += 1;
            }
            *pos - from
        };
        let radix = match (bytes[start], bytes.get(start + 1).map(u8::to_ascii_lowercase)) {
            (b'0', Some(b'x')) => Some((16, (|c: u8| c.is_ascii_hexdigit()) as fn(u8) -> bool)),
            (b'0', Some(b'o')) => Some((8, (|c: u8| (b'0'..=b'7').contains(&c)) as fn(u8) -> bool)),
            (b'0', Some(b'b')) => Some((2, (|c: u8| c == b'0' || c == b'1') as fn(u8) -> bool)),
            _ => None,
        };
        let value = if let Some((radix, ok)) = radix {
            self.pos += 2;
            let from = self.pos;
            if digits(&mut self.pos, ok) == 0 {
                return Err(error_at(self.source, self.pos, "expected digits after the number's base prefix"));
            }
            // Exact in 128 bits, then rounded once to the nearest double, as JavaScript rounds these literals.
            let text = &self.source[from..self.pos];
            match u128::from_str_radix(text, radix) {
                Ok(v) => v as f64,
                Err(_) => return Err(error_at(self.source, from, "integer literal wider than 128 bits")),
            }
        } else {
            let int = digits(&mut self.pos, |c| c.is_ascii_digit());
            if int > 1 && bytes[start] == b'0' {
                return Err(error_at(
                    self.source,
                    start,
                    "a decimal number cannot start with 0 (legacy octal literals are a SyntaxError in strict JavaScript)",
                ));
            }
            if bytes.get(self.pos) == Some(&b'.') {
                self.pos += 1;
                digits(&mut self.pos, |c| c.is_ascii_digit());
            }
            if matches!(bytes.get(self.pos), Some(b'e' | b'E')) {
                let e = self.pos;
                self.pos += 1;
                if matches!(bytes.get(self.pos), Some(b'+' | b'-')) {
                    self.pos += 1;
                }
                if digits(&mut self.pos, |c| c.is_ascii_digit()) == 0 {
                    return Err(error_at(self.source, e, "expected digits in the number's exponent"));
                }
            }
            let text = &self.source[start..self.pos];
            // Rust's float parsing is correctly rounded, as JavaScript's is; it accepts `5.` and `.5` as JavaScript
            // does.
            text.parse::<f64>().map_err(|_| error_at(self.source, start, format!("malformed number '{text}'")))?
        };
        if self.pos < bytes.len() && (is_name_part(bytes[self.pos]) || bytes[self.pos] == b'.') {
            return Err(error_at(self.source, self.pos, "a number cannot be followed directly by a name or a digit"));
        }
        Ok(value)
    }
}

struct Parser<'s> {
    lexer: Lexer<'s>,
    token: Token<'s>,
    at: usize,
    depth: usize,
    /// [`stack_position`] where parsing began.
    stack_base: usize,
    nodes: Vec<Node>,
    variables: Vec<String>,
}

/// Binding power of a binary operator (higher binds tighter), and its meaning.
fn infix(token: Token<'_>) -> Option<(u8, Binary)> {
    let Token::Punct(p) = token else { return None };
    Some(match p {
        "||" => (1, Binary::Or),
        "&&" => (2, Binary::And),
        "==" | "===" => (3, Binary::Eq),
        "!=" | "!==" => (3, Binary::Ne),
        "<" => (4, Binary::Lt),
        "<=" => (4, Binary::Le),
        ">" => (4, Binary::Gt),
        ">=" => (4, Binary::Ge),
        "+" => (5, Binary::Add),
        "-" => (5, Binary::Sub),
        "*" => (6, Binary::Mul),
        "/" => (6, Binary::Div),
        "%" => (6, Binary::Rem),
        "**" => (POW, Binary::Pow),
        _ => return None,
    })
}

const POW: u8 = 7;
#[cfg(test)]
thread_local! {
    /// Stack bytes the parser's deepest level used, on this thread, for the tests to measure frames with.
    pub(crate) static STACK_USED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl<'s> Parser<'s> {
    fn advance(&mut self) -> Result<()> {
        (self.token, self.at) = self.lexer.next()?;
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn error(&self, at: usize, reason: impl Into<String>) -> Error {
        error_at(self.lexer.source, at, reason)
    }

    #[cold]
    #[inline(never)]
    fn unexpected(&self, wanted: &str) -> Error {
        let found = match self.token {
            Token::End => "the end of the source".to_string(),
            Token::Number(_) => "a number".to_string(),
            Token::Name(n) => format!("'{n}'"),
            Token::Punct(p) => format!("'{p}'"),
        };
        self.error(self.at, format!("expected {wanted}, found {found}"))
    }

    fn expect(&mut self, punct: &'static str) -> Result<()> {
        if self.token == Token::Punct(punct) {
            self.advance()
        } else {
            Err(self.unexpected(&format!("'{punct}'")))
        }
    }

    fn push(&mut self, kind: Kind, at: usize) -> u32 {
        self.nodes.push(Node { kind, at });
        (self.nodes.len() - 1) as u32
    }

    /// Enters one level of nesting at byte `at`, refusing past [`MAX_NESTING`].
    fn enter(&mut self, at: usize) -> Result<()> {
        self.depth += 1;
        let used = stack_position().abs_diff(self.stack_base);
        #[cfg(test)]
        STACK_USED.with(|c| c.set(c.get().max(used)));
        if self.depth > MAX_NESTING {
            return Err(self.error(at, format!("expression nested deeper than {MAX_NESTING} levels")));
        }
        if used > STACK_BUDGET {
            return Err(self.error(
                at,
                format!("expression nested too deeply: the parser's stack budget ran out at {} levels", self.depth),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// `expr`: a conditional or anything tighter.
    fn expression(&mut self) -> Result<u32> {
        let condition = self.binary(1)?;
        if self.token != Token::Punct("?") {
            return Ok(condition);
        }
        let at = self.at;
        self.enter(at)?;
        self.advance()?;
        let then = self.expression()?;
        self.expect(":")?;
        let otherwise = self.expression()?;
        self.leave();
        Ok(self.push(Kind::Ternary(Ternary::Select, condition, then, otherwise), at))
    }

    /// Binary operators binding at least as tightly as `min`, left-associative but for `**`.
    fn binary(&mut self, min: u8) -> Result<u32> {
        let (mut left, mut left_is_unary) = self.unary()?;
        while let Some((power, op)) = infix(self.token) {
            if power < min {
                break;
            }
            let at = self.at;
            if op == Binary::Pow && left_is_unary {
                return Err(self.error(
                    at,
                    "a unary operator cannot be applied directly to the base of '**': write (-a) ** b or -(a ** b)",
                ));
            }
            self.advance()?;
            let right = if op == Binary::Pow {
                // Right-associative: the right operand is itself a `pow`, and nests.
                self.enter(at)?;
                let right = self.binary(POW)?;
                self.leave();
                right
            } else {
                self.binary(power + 1)?
            };
            left = self.push(Kind::Binary(op, left, right), at);
            left_is_unary = false;
        }
        Ok(left)
    }

    /// `unary`, and whether it is a unary operator applied to something (which cannot be the base of `**`).
    fn unary(&mut self) -> Result<(u32, bool)> {
        let op = match self.token {
            Token::Punct("-") => Some(Some(Unary::Neg)),
            Token::Punct("!") => Some(Some(Unary::Not)),
            // `+x` is `x` for numbers.
            Token::Punct("+") => Some(None),
            _ => None,
        };
        let Some(op) = op else { return Ok((self.postfix()?, false)) };
        let at = self.at;
        self.enter(at)?;
        self.advance()?;
        let (operand, _) = self.unary()?;
        self.leave();
        Ok((op.map_or(operand, |op| self.push(Kind::Unary(op, operand), at)), true))
    }

    fn postfix(&mut self) -> Result<u32> {
        let at = self.at;
        match self.token {
            Token::Number(x) => {
                self.advance()?;
                Ok(self.push(Kind::Const(x), at))
            }
            Token::Punct("(") => {
                self.enter(at)?;
                self.advance()?;
                let inner = self.expression()?;
                self.expect(")")?;
                self.leave();
                Ok(inner)
            }
            Token::Name(name) => {
                self.advance()?;
                match function(name) {
                    Some(f) if self.token == Token::Punct("(") => self.call(name, f, at),
                    _ => self.name(name, at),
                }
            }
            _ => Err(self.unexpected("an expression")),
        }
    }

    /// A name that is not a function call: a constant or a variable. Apart from [`Parser::postfix`] so that the
    /// frames of the recursion stay small.
    #[inline(never)]
    fn name(&mut self, name: &str, at: usize) -> Result<u32> {
        let constant = match name {
            "PI" => Some(std::f64::consts::PI),
            "E" => Some(std::f64::consts::E),
            "Infinity" => Some(f64::INFINITY),
            "NaN" => Some(f64::NAN),
            _ => None,
        };
        if let Some(x) = constant {
            return Ok(self.push(Kind::Const(x), at));
        }
        if function(name).is_some() {
            return Err(self.error(at, format!("{name} is a function: call it as {name}(…)")));
        }
        if self.token == Token::Punct("(") {
            return Err(self.error(at, format!("unknown function '{name}'")));
        }
        if RESERVED.contains(&name) {
            return Err(self.error(at, format!("'{name}' is a reserved word and cannot name a variable")));
        }
        let index = match self.variables.iter().position(|v| v == name) {
            Some(i) => i,
            None => {
                self.variables.push(name.to_string());
                self.variables.len() - 1
            }
        };
        Ok(self.push(Kind::Var(index as u32), at))
    }

    fn call(&mut self, name: &str, f: Function, at: usize) -> Result<u32> {
        self.enter(at)?;
        self.advance()?;
        let mut args = Vec::new();
        let mut count = 0;
        if self.token != Token::Punct(")") {
            loop {
                let arg = self.expression()?;
                count += 1;
                self.argument(f, &mut args, arg, at);
                if self.token != Token::Punct(",") {
                    break;
                }
                self.advance()?;
            }
        }
        self.finish_call(name, f, at, args, count)
    }

    /// Takes in one more argument of a call at byte `at`. `min` and `max` fold as their arguments arrive, so that any
    /// number of them holds two values at a time.
    #[inline(never)]
    fn argument(&mut self, f: Function, args: &mut Vec<u32>, arg: u32, at: usize) {
        match (f, args.as_slice()) {
            (Function::Fold(op), [acc]) => {
                let folded = self.push(Kind::Binary(op, *acc, arg), at);
                args[0] = folded;
            }
            _ => args.push(arg),
        }
    }

    /// The closing parenthesis of a call, its argument count checked, and its node. Apart from [`Parser::call`] so
    /// that the frames of the recursion stay small.
    #[inline(never)]
    fn finish_call(&mut self, name: &str, f: Function, at: usize, args: Vec<u32>, count: usize) -> Result<u32> {
        let close = self.at;
        self.expect(")")?;
        self.leave();
        let (wanted, ok) = f.arity(count);
        if !ok {
            return Err(self.error(close, format!("{name}() takes {wanted}, got {count}")));
        }
        Ok(match (f, args.as_slice()) {
            (Function::Unary(op), &[x]) => self.push(Kind::Unary(op, x), at),
            (Function::Binary(op), &[a, b]) => self.push(Kind::Binary(op, a, b), at),
            (Function::Ternary(op), &[a, b, c]) => self.push(Kind::Ternary(op, a, b, c), at),
            (Function::Fold(_), &[acc]) => acc,
            (Function::Hypot, _) => self.push(Kind::Hypot(args), at),
            _ => unreachable!("arity checked above"),
        })
    }
}

/// Parses `source` into its tree.
///
/// # Errors
/// [`Error::Expression`] for any source that is not an expression of the language, pointing at the first character
/// that cannot be read.
pub(crate) fn parse(source: &str) -> Result<Ast> {
    let mut parser = Parser {
        lexer: Lexer { source, pos: 0 },
        token: Token::End,
        at: 0,
        depth: 0,
        stack_base: stack_position(),
        nodes: Vec::new(),
        variables: Vec::new(),
    };
    parser.advance()?;
    parser.expression()?;
    if parser.token != Token::End {
        return Err(parser.unexpected("an operator or the end of the source"));
    }
    Ok(Ast { nodes: parser.nodes, variables: parser.variables })
}

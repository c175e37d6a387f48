//! The compiler: a parsed tree to a flat program for the block interpreter (`run`).
//!
//! A program works on registers of [`WIDTH`] doubles. Each variable has a register of its own, loaded once per piece
//! of [`WIDTH`] elements (or filled once, for a scalar input); each constant has one, filled once; every operator
//! writes a fresh temporary register, freed when its one reader (the tree's parent) has run. Operators whose operands
//! are all constants are computed here, by the same scalar functions the interpreter applies, so folding never
//! changes a bit of the result.

use super::math;
use super::parse::{error_at, Ast, Binary, Kind, Ternary, Unary};
use crate::error::Result;

/// Doubles per register: the piece of the input each operator's loop runs over. Small enough that the registers of a
/// typical expression stay in L1 (2 KiB each), long enough that each loop's fixed cost (one dispatch on the
/// operator) spreads over many elements. A multiple of the compensated sum's lanes, so that fused sums see whole
/// groups. Chosen by measurement (`examples/expr_bench.rs`) among 256, 512 and 1024.
pub const WIDTH: usize = 256;
const _: () = assert!(WIDTH.is_multiple_of(crate::kernels::blocks::LANES));

/// Most registers a program may use: each is [`WIDTH`] doubles on every thread that runs it. Only sources built to
/// hold hundreds of values at once (a `hypot` of hundreds of arguments, operands nested hundreds deep on the right)
/// reach it.
pub const MAX_REGISTERS: usize = 512;

/// A register index.
pub(crate) type Reg = u16;

/// One step of a program.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Instr {
    Unary { op: Unary, dst: Reg, a: Reg },
    Binary { op: Binary, dst: Reg, a: Reg, b: Reg },
    Ternary { op: Ternary, dst: Reg, a: Reg, b: Reg, c: Reg },
    Hypot { dst: Reg, args: Box<[Reg]> },
}

/// A compiled expression, ready for the interpreter.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Program {
    pub(crate) variables: Vec<String>,
    /// Register of each variable, in the order of `variables`.
    pub(crate) variable_registers: Vec<Reg>,
    /// Registers holding a constant, and the constant.
    pub(crate) constants: Vec<(Reg, f64)>,
    pub(crate) instrs: Vec<Instr>,
    pub(crate) registers: usize,
    /// Where the result is: a temporary, a variable's or a constant's register.
    pub(crate) result: Reg,
    /// The result when the whole expression folded to a constant.
    pub(crate) constant: Option<f64>,
}

/// A node's value during compilation.
#[derive(Clone, Copy, Debug)]
enum Value {
    Const(f64),
    /// A variable's or a constant's register, never freed.
    Pinned(Reg),
    /// A temporary register, freed when read.
    Temp(Reg),
}

struct Registers<'s> {
    source: &'s str,
    free: Vec<Reg>,
    count: usize,
}

impl Registers<'_> {
    /// A temporary register: a freed one, or a fresh one.
    fn take(&mut self, at: usize) -> Result<Reg> {
        match self.free.pop() {
            Some(r) => Ok(r),
            None => self.fresh(at),
        }
    }

    /// A register no instruction has written, for a value that must stay put for the whole run (a variable's, a
    /// constant's).
    fn fresh(&mut self, at: usize) -> Result<Reg> {
        if self.count >= MAX_REGISTERS {
            return Err(error_at(
                self.source,
                at,
                format!("the expression holds more than {MAX_REGISTERS} intermediate values at once here"),
            ));
        }
        self.count += 1;
        Ok((self.count - 1) as Reg)
    }

    fn release(&mut self, v: Value) {
        if let Value::Temp(r) = v {
            self.free.push(r);
        }
    }
}

/// Compiles a parsed `source` into its program.
///
/// # Errors
/// [`Error::Expression`](crate::Error::Expression) when the program would need more than [`MAX_REGISTERS`]
/// registers.
pub(crate) fn compile(source: &str, ast: &Ast) -> Result<Program> {
    let mut regs = Registers { source, free: Vec::new(), count: 0 };
    let mut variable_registers = Vec::with_capacity(ast.variables.len());
    for _ in &ast.variables {
        variable_registers.push(regs.fresh(0)?);
    }
    let mut constants: Vec<(Reg, f64)> = Vec::new();
    let mut instrs = Vec::new();
    let mut values: Vec<Value> = Vec::with_capacity(ast.nodes.len());
    // Constants are pinned as they are first read by an instruction, one register per distinct bit pattern.
    let mut pin = |regs: &mut Registers<'_>, v: Value, at: usize| -> Result<Reg> {
        Ok(match v {
            Value::Pinned(r) | Value::Temp(r) => r,
            Value::Const(x) => match constants.iter().find(|(_, c)| c.to_bits() == x.to_bits()) {
                Some((r, _)) => *r,
                None => {
                    let r = regs.fresh(at)?;
                    constants.push((r, x));
                    r
                }
            },
        })
    };
    for node in &ast.nodes {
        let at = node.at;
        let value = |i: &u32| values[*i as usize];
        let v = match &node.kind {
            Kind::Const(x) => Value::Const(*x),
            Kind::Var(i) => Value::Pinned(variable_registers[*i as usize]),
            Kind::Unary(op, a) => match value(a) {
                Value::Const(x) => Value::Const(math::unary(*op, x)),
                a => {
                    let dst = regs.take(at)?;
                    let ra = pin(&mut regs, a, at)?;
                    instrs.push(Instr::Unary { op: *op, dst, a: ra });
                    regs.release(a);
                    Value::Temp(dst)
                }
            },
            Kind::Binary(op, a, b) => match (*op, value(a), value(b)) {
                (op, Value::Const(x), Value::Const(y)) => Value::Const(math::binary(op, x, y)),
                // `&&` and `||` with a known left operand are one of their operands, whatever the right one is.
                (Binary::And, Value::Const(x), b) => {
                    if math::truthy(x) {
                        b
                    } else {
                        regs.release(b);
                        Value::Const(x)
                    }
                }
                (Binary::Or, Value::Const(x), b) => {
                    if math::truthy(x) {
                        regs.release(b);
                        Value::Const(x)
                    } else {
                        b
                    }
                }
                // `libm::pow` (fdlibm's) answers these exponents with exactly these operations, before any other
                // case but a NaN base (whose result is NaN either way): the same values without the call.
                (Binary::Pow, a, Value::Const(1.0)) => a,
                (Binary::Pow, a, Value::Const(y)) if y == 2.0 || y == -1.0 => {
                    let dst = regs.take(at)?;
                    let ra = pin(&mut regs, a, at)?;
                    instrs.push(if y == 2.0 {
                        Instr::Binary { op: Binary::Mul, dst, a: ra, b: ra }
                    } else {
                        let one = pin(&mut regs, Value::Const(1.0), at)?;
                        Instr::Binary { op: Binary::Div, dst, a: one, b: ra }
                    });
                    regs.release(a);
                    Value::Temp(dst)
                }
                (op, a, b) => {
                    let dst = regs.take(at)?;
                    let (ra, rb) = (pin(&mut regs, a, at)?, pin(&mut regs, b, at)?);
                    instrs.push(Instr::Binary { op, dst, a: ra, b: rb });
                    regs.release(a);
                    regs.release(b);
                    Value::Temp(dst)
                }
            },
            Kind::Ternary(op, a, b, c) => match (*op, value(a), value(b), value(c)) {
                (op, Value::Const(x), Value::Const(y), Value::Const(z)) => Value::Const(math::ternary(op, x, y, z)),
                (Ternary::Select, Value::Const(x), b, c) => {
                    let (chosen, dropped) = if math::truthy(x) { (b, c) } else { (c, b) };
                    regs.release(dropped);
                    chosen
                }
                (op, a, b, c) => {
                    let dst = regs.take(at)?;
                    let (ra, rb, rc) = (pin(&mut regs, a, at)?, pin(&mut regs, b, at)?, pin(&mut regs, c, at)?);
                    instrs.push(Instr::Ternary { op, dst, a: ra, b: rb, c: rc });
                    [a, b, c].into_iter().for_each(|v| regs.release(v));
                    Value::Temp(dst)
                }
            },
            Kind::Hypot(args) => {
                let args: Vec<Value> = args.iter().map(value).collect();
                if args.iter().all(|v| matches!(v, Value::Const(_))) {
                    Value::Const(math::js_hypot(args.iter().map(|v| match v {
                        Value::Const(x) => *x,
                        _ => unreachable!("all constants"),
                    })))
                } else {
                    let dst = regs.take(at)?;
                    let mut registers = Vec::with_capacity(args.len());
                    for a in &args {
                        registers.push(pin(&mut regs, *a, at)?);
                    }
                    instrs.push(Instr::Hypot { dst, args: registers.into() });
                    args.into_iter().for_each(|v| regs.release(v));
                    Value::Temp(dst)
                }
            }
        };
        values.push(v);
    }
    let root = values[ast.root() as usize];
    let constant = match root {
        Value::Const(x) => Some(x),
        _ => None,
    };
    let result = pin(&mut regs, root, 0)?;
    Ok(Program {
        variables: ast.variables.clone(),
        variable_registers,
        constants,
        instrs,
        registers: regs.count,
        result,
        constant,
    })
}

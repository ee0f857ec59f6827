//! Compiling a mapping into the tree `resolve` walks, each directive by its entry in the
//! registry the compiler is given, with the reference's run-time behaviour decided once: a
//! directive the reference would reject when it reaches it (an unknown name, a missing option)
//! becomes a node that fails when resolved, as the reference fails then.
//!
//! Also where this implementation's own limits are enforced and `@liquid` is refused, anywhere
//! in the mapping (validation does not look everywhere, resolution could reach anywhere).

use super::node::Node;
use super::reads::PayloadReads;
use super::validate::{has_directive_key, Checker, DirectiveChecks};
use crate::problem::{PathStack, Problem};
use serde_json::{Map, Value};

/// A mapping nested deeper than this is refused (JSON levels: objects and arrays).
pub const MAX_MAPPING_DEPTH: usize = 64;

/// A directive: how the reference validates its options, and how they compile.
pub(crate) struct Directive {
    pub name: &'static str,
    pub validate: fn(&Value, &mut Checker),
    pub compile: fn(&Value, &mut Compiler) -> Node,
}

/// The directives a mapping may use (the registry, `directives/`, gives them; they sit above
/// the compiler, as their compiling uses it).
pub(crate) struct Directives(pub &'static [Directive]);

impl Directives {
    fn find(&self, name: &str) -> Option<&Directive> {
        self.0.iter().find(|d| d.name == name)
    }
}

impl DirectiveChecks for Directives {
    fn checks(&self, name: &str) -> Option<fn(&Value, &mut Checker)> {
        self.find(name).map(|d| d.validate)
    }
}

pub(crate) struct Compiler {
    directives: &'static Directives,
    path: PathStack,
    pub problems: Vec<Problem>,
    /// What the mapping reads of the payload it is resolved against.
    pub reads: PayloadReads,
    /// Above zero while compiling what is resolved against something else than the payload
    /// (an `@arrayPath`'s item shape, a `@transform`'s mapping), whose paths are not the
    /// payload's.
    relative: usize,
}

impl Compiler {
    /// A compiler knowing the directives of `directives`.
    pub fn new(directives: &'static Directives) -> Compiler {
        Compiler {
            directives,
            path: PathStack::default(),
            problems: Vec::new(),
            reads: PayloadReads::default(),
            relative: 0,
        }
    }

    /// A checker of mappings knowing the same directives.
    pub fn checker(&self) -> Checker {
        Checker::new(self.directives)
    }

    /// Records that the mapping reads the payload's value at `keys`.
    pub fn read(&mut self, keys: &[String]) {
        if self.relative == 0 {
            self.reads.read(keys);
        }
    }

    /// Records that the mapping may read anything in the payload (a path made at run time).
    pub fn read_any(&mut self) {
        self.read(&[]);
    }

    /// Runs `f` for a mapping value resolved against what the payload's parts the mapping reads
    /// resolved to, not against the payload: those parts are read whole, so nothing `f` compiles
    /// reads more of the payload.
    pub fn relative<R>(&mut self, f: impl FnOnce(&mut Compiler) -> R) -> R {
        self.relative += 1;
        let result = f(self);
        self.relative -= 1;
        result
    }

    pub fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(self.path.problem(message));
    }

    /// A mapping value as `resolve` sees it (the reference's `isDirective`: an object whose
    /// keys are all `@`-prefixed or `_metadata` is a directive, named by its first `@` key).
    pub fn compile(&mut self, value: &Value) -> Node {
        match value {
            Value::Array(items) => {
                let mut nodes = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    nodes.push(self.at_index(i, |cx| cx.compile(item)));
                }
                Node::array(nodes)
            }
            Value::Object(map) if is_directive(map) => {
                let Some(name) = map.keys().find(|k| k.starts_with('@')) else {
                    return Node::Undefined;
                };
                self.at_key(name, |cx| match cx.directives.find(name) {
                    Some(spec) => (spec.compile)(&map[name], cx),
                    None => Node::Fail(format!("{name} is not a valid directive, got undefined")),
                })
            }
            Value::Object(map) => {
                let mut entries = Vec::with_capacity(map.len());
                for (key, member) in map {
                    entries.push((key.clone(), self.key(key, member)));
                }
                Node::object(entries)
            }
            other => Node::Literal(other.clone()),
        }
    }

    /// `value` compiled as the member `key`.
    pub fn key(&mut self, key: &str, value: &Value) -> Node {
        self.at_key(key, |cx| cx.compile(value))
    }

    /// Runs `f` with `key` on the path.
    pub fn at_key<R>(&mut self, key: &str, f: impl FnOnce(&mut Compiler) -> R) -> R {
        self.path.push_key(key);
        let result = f(self);
        self.path.pop();
        result
    }

    /// Runs `f` with `[index]` on the path.
    pub fn at_index<R>(&mut self, index: usize, f: impl FnOnce(&mut Compiler) -> R) -> R {
        self.path.push_index(index);
        let result = f(self);
        self.path.pop();
        result
    }

    /// The option `key` of a directive's options, `undefined` when absent.
    pub fn option(&mut self, options: &Map<String, Value>, key: &str) -> Node {
        match options.get(key) {
            Some(value) => self.key(key, value),
            None => Node::Undefined,
        }
    }
}

/// The options object of a directive, if it is a plain object (`isObject` in the reference).
pub(crate) fn options(value: &Value) -> Option<&Map<String, Value>> {
    value.as_object()
}

/// `opts[key]` is truthy, as written: the reference checks options so before resolving them.
pub(crate) fn truthy(opts: &Map<String, Value>, key: &str) -> bool {
    opts.get(key).is_some_and(crate::js::is_truthy)
}

/// The reference's `isDirective`.
pub(crate) fn is_directive(map: &Map<String, Value>) -> bool {
    has_directive_key(map) && map.keys().all(|k| k.starts_with('@') || k == "_metadata")
}

/// Whether a value nests deeper than `limit` levels (walked no deeper than that).
pub(crate) fn deeper_than(value: &Value, limit: usize) -> bool {
    let children: Box<dyn Iterator<Item = &Value>> = match value {
        Value::Array(items) => Box::new(items.iter()),
        Value::Object(map) => Box::new(map.values()),
        _ => return false,
    };
    if limit == 0 {
        return true;
    }
    children
        .into_iter()
        .any(|child| deeper_than(child, limit - 1))
}

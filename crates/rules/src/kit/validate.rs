//! The reference's mapping validation (actions-core `validate`): which mappings Segment rejects
//! before it resolves anything. Each directive checks its own options (in `directives/`) with the
//! helpers here; this walk finds the directives, looking their checks up where it is told to.
//!
//! The reference does not look inside arrays, nor inside a `@literal` or `@excludeWhenNull`
//! object: a bad directive there fails only when it is resolved (see `compile`).
//!
//! The reference checks a directive's options twice, as members of an object and as fields,
//! which doubles the work at each level of nesting; here each value is walked once.

use crate::js::kind_of;
use crate::problem::{PathStack, Problem};
use serde_json::{Map, Value};

/// Where the walk finds a directive's own checks by its name: the directive registry, given to
/// the checker by its maker (the directives sit above this walk, as their checks use it).
pub(crate) trait DirectiveChecks: Sync {
    /// The checks of the directive `name` (`@if`), if there is one.
    fn checks(&self, name: &str) -> Option<fn(&Value, &mut Checker)>;
}

/// Collects problems while walking a mapping.
pub(crate) struct Checker {
    directives: &'static dyn DirectiveChecks,
    path: PathStack,
    pub problems: Vec<Problem>,
    /// Whether the value being checked was already walked as an object member (see
    /// [`fields`]): then only its type is checked here.
    walked: bool,
}

impl Checker {
    /// A checker knowing the directives of `directives`.
    pub fn new(directives: &'static dyn DirectiveChecks) -> Checker {
        Checker {
            directives,
            path: PathStack::default(),
            problems: Vec::new(),
            walked: false,
        }
    }

    /// Records a problem here (once: an option is checked both as a member and as a field).
    pub fn problem(&mut self, message: impl Into<String>) {
        let problem = self.path.problem(message);
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    pub fn at_key(&mut self, key: &str, check: impl FnOnce(&mut Checker)) {
        self.path.push_key(key);
        check(self);
        self.path.pop();
    }

    /// Checks an array element: never walked before, as arrays are not walked.
    pub fn at_index(&mut self, index: usize, check: impl FnOnce(&mut Checker)) {
        self.path.push_index(index);
        let walked = std::mem::replace(&mut self.walked, false);
        check(self);
        self.walked = walked;
        self.path.pop();
    }
}

/// An object with any `@`-prefixed key: the reference treats it as a directive.
pub(crate) fn has_directive_key(map: &Map<String, Value>) -> bool {
    map.keys().any(|k| k.starts_with('@'))
}

/// The type named in messages, with "directive" for an object holding an `@` key.
fn shape_name(value: &Value) -> &'static str {
    match value {
        Value::Object(map) if has_directive_key(map) => "directive",
        other => kind_of(other).name(),
    }
}

/// Any mapping value: directives are checked, objects walked, arrays and plain values accepted.
pub(crate) fn mapping(value: &Value, ck: &mut Checker) {
    if let Value::Object(map) = value {
        if has_directive_key(map) {
            directive(map, ck);
        } else {
            object_members(map, ck);
        }
    }
}

fn object_members(map: &Map<String, Value>, ck: &mut Checker) {
    for (key, member) in map {
        ck.at_key(key, |ck| mapping(member, ck));
    }
}

/// One `@` key (besides an optional `_metadata`), naming a known directive whose options pass.
fn directive(map: &Map<String, Value>, ck: &mut Checker) {
    if ck.walked {
        return;
    }
    let names: Vec<&String> = map.keys().filter(|k| k.starts_with('@')).collect();
    if names.len() > 1 {
        return ck.problem(format!(
            "a directive has exactly one @-prefixed key, this object has {}",
            names.len()
        ));
    }
    if let Some(other) = map
        .keys()
        .find(|k| !k.starts_with('@') && *k != "_metadata")
    {
        return ck.problem(format!(
            "a directive cannot have other keys than its @-prefixed key (found {other:?})"
        ));
    }
    let name = names[0];
    match ck.directives.checks(name) {
        Some(checks) => ck.at_key(name, |ck| checks(&map[name], ck)),
        None => ck.problem(format!("{name} is not a mapping directive")),
    }
}

/// A directive or any plain JSON value (objects and arrays not walked).
pub(crate) fn directive_or_raw(value: &Value, ck: &mut Checker) {
    if let Value::Object(map) = value {
        if has_directive_key(map) {
            directive(map, ck);
        }
    }
}

pub(crate) fn directive_or_string(value: &Value, ck: &mut Checker) {
    match value {
        Value::Object(map) if has_directive_key(map) => directive(map, ck),
        Value::String(_) => {}
        other => ck.problem(format!(
            "must be a string or a directive, got {}",
            shape_name(other)
        )),
    }
}

pub(crate) fn directive_or_object(value: &Value, ck: &mut Checker) {
    match value {
        Value::Object(map) if has_directive_key(map) => directive(map, ck),
        Value::Object(map) if !ck.walked => object_members(map, ck),
        Value::Object(_) => {}
        other => ck.problem(format!(
            "must be an object or a directive, got {}",
            shape_name(other)
        )),
    }
}

/// A plain object (no `@` key) whose members are valid mappings. Returns whether it is one.
pub(crate) fn object(value: &Value, ck: &mut Checker) -> bool {
    match value {
        Value::Object(map) if !has_directive_key(map) => {
            object_members(map, ck);
            true
        }
        other => {
            ck.problem(format!("must be an object, got {}", shape_name(other)));
            false
        }
    }
}

/// A string (not a directive). Returns whether it is one.
pub(crate) fn string(value: &Value, ck: &mut Checker) -> bool {
    let ok = value.is_string();
    if !ok {
        ck.problem(format!("must be a string, got {}", shape_name(value)));
    }
    ok
}

pub(crate) fn boolean(value: &Value, ck: &mut Checker) {
    if !value.is_boolean() {
        ck.problem(format!("must be true or false, got {}", shape_name(value)));
    }
}

pub(crate) fn array(value: &Value, ck: &mut Checker) -> bool {
    let ok = value.is_array();
    if !ok {
        ck.problem(format!("must be an array, got {}", shape_name(value)));
    }
    ok
}

/// A string that, lowercased, is one of `allowed`.
pub(crate) fn one_of(value: &Value, allowed: &[&str], ck: &mut Checker) {
    if let Some(s) = value.as_str() {
        if !allowed.contains(&s.to_lowercase().as_str()) {
            ck.problem(format!("must be one of {}, got {s:?}", allowed.join(", ")));
        }
    } else {
        string(value, ck);
    }
}

/// One option of a directive's options object.
pub(crate) struct Field {
    pub name: &'static str,
    pub required: bool,
    pub check: fn(&Value, &mut Checker),
}

/// An options object: a plain object whose members are valid mappings, with each field present
/// when required and passing its check when present.
pub(crate) fn fields(value: &Value, fields: &[Field], ck: &mut Checker) {
    if !object(value, ck) {
        return;
    }
    for field in fields {
        match value.get(field.name) {
            Some(member) => ck.at_key(field.name, |ck| {
                let walked = std::mem::replace(&mut ck.walked, true);
                (field.check)(member, ck);
                ck.walked = walked;
            }),
            None if field.required => ck.problem(format!("must have the key {:?}", field.name)),
            None => {}
        }
    }
}

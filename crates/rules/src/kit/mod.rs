//! Segment's Actions field mappings ("mapping-kit", `@segment/actions-core` 3.170.0): a mapping
//! is compiled once, with the reference's validation, into a tree resolved against each payload.
//!
//! Conformance: for a mapping the reference accepts, the same output for every payload; for one
//! it rejects, problems; where it throws on a payload, an error. Known differences (all on
//! JavaScript quirks no JSON mapping or event should lean on) are listed in `docs/rules.md`.

mod compile;
mod directives;
mod node;
mod output;
mod path;
mod reads;
mod root;
mod validate;
// The working tree, and JSON text read into it and written from it: the rules' hot path, in a
// crate of its own (crates/rules-values).
use segment_bloomreach_rules_values::{json_text, parse, value};

pub use compile::MAX_MAPPING_DEPTH;
pub use directives::MAX_TEMPLATE_BYTES;
pub use reads::PayloadReads;
pub use value::{ResolveError, ResolveErrorKind};

pub use value::WORK_LIMIT;

pub(crate) use value::{Js, JsObject, Place, Work};

use crate::problem::Problem;
use compile::Compiler;
use node::Node;
use serde_json::Value;

/// A compiled mapping, resolved against any number of payloads.
#[derive(Debug)]
pub struct Mapping {
    root: Node,
    reads: PayloadReads,
}

impl Mapping {
    /// A mapping value, as a field of a Segment action mapping (or of a rule) holds one:
    /// `{"@path": "$.event"}`, `"purchase"`, `{"total": {"@path": "$.properties.revenue"}}`.
    /// Its output is what `transform({field: value}, payload).field` gives.
    pub fn compile(value: &Value) -> Result<Mapping, Vec<Problem>> {
        compile_with(value, |value, cx| {
            let mut ck = cx.checker();
            validate::mapping(value, &mut ck);
            (cx.compile(value), ck.problems)
        })
    }

    /// A whole mapping as `transform(mapping, payload)` takes it (what the npm `transform`
    /// export offers): like [`Mapping::compile`] for an object, with the reference's handling of
    /// other values and of its internal root directive key.
    pub fn compile_transform(mapping: &Value) -> Result<Mapping, Vec<Problem>> {
        compile_with(mapping, |mapping, cx| {
            let whole = root::compile_whole(mapping, cx);
            (whole.node, whole.refused)
        })
    }

    /// What the mapping reads of a payload: resolving it against [`PayloadReads::project`] of a
    /// payload gives what resolving it against the payload gives.
    pub fn reads(&self) -> &PayloadReads {
        &self.reads
    }

    /// The mapping's output for a payload (an object, as `transform` requires); `None` where the
    /// reference gives `undefined`. In the output `undefined` is dropped from objects and is
    /// `null` in arrays, as JSON writes it.
    pub fn resolve(&self, payload: &Value) -> Result<Option<Value>, ResolveError> {
        object_payload(payload)?;
        let mut work = Work::new(WORK_LIMIT);
        self.resolve_in(Place::Borrowed(payload), &mut work)
    }

    /// The resolved value before it becomes output (`undefined` members of objects dropped, of
    /// arrays kept), sharing the payload's subtrees: what a rule's `forEach` iterates.
    pub(crate) fn resolve_shared<'a>(
        &'a self,
        payload: Place<'_, 'a>,
        work: &mut Work,
    ) -> Result<Js<'a>, ResolveError> {
        output::remove_undefined(node::resolve(&self.root, payload, work)?, 0)
    }

    /// [`Mapping::resolve`]'s output written as JSON text (`JSON.stringify` of the reference's
    /// output), without building it as a `Value` first: for callers that send it on as text.
    pub fn resolve_to_json(&self, payload: &Value) -> Result<Option<String>, ResolveError> {
        object_payload(payload)?;
        self.write_output(Place::Borrowed(payload))
    }

    /// [`Mapping::resolve_to_json`] for a payload given as JSON text, read into the resolver's own
    /// tree rather than a `serde_json::Value` (which cost more than resolving): the npm
    /// `transform`. `Err` for text that is not JSON, as `resolve` errs for a non-object.
    pub fn resolve_text_to_json(&self, payload: &str) -> Result<Option<String>, ResolveError> {
        let payload = parse::parse(payload)
            .map_err(|e| ResolveError::thrown(format!("the payload is not JSON: {e}")))?;
        let kind = payload.place().kind();
        if kind != crate::js::JsKind::Object {
            return Err(ResolveError::thrown(format!(
                "data must be an object, got {}",
                kind.name()
            )));
        }
        self.write_output(Place::shared(&payload))
    }

    /// The output for `payload` as JSON text (`None`: `undefined`).
    fn write_output(&self, payload: Place<'_, '_>) -> Result<Option<String>, ResolveError> {
        let mut work = Work::new(WORK_LIMIT);
        let resolved = node::resolve(&self.root, payload, &mut work)?;
        // Room for a usual output, not grown from nothing.
        let mut text = String::with_capacity(256);
        let written = json_text::stringify(
            resolved.place(),
            json_text::Keys::Own,
            &mut text,
            &mut work,
            0,
        )?;
        Ok(written.then_some(text))
    }

    /// Resolves against a payload built by the caller (a rule's `forEach` payload).
    pub(crate) fn resolve_in(
        &self,
        payload: Place<'_, '_>,
        work: &mut Work,
    ) -> Result<Option<Value>, ResolveError> {
        let resolved = node::resolve(&self.root, payload, work)?;
        output::into_output(resolved, work)
    }
}

/// `transform` requires an object payload.
fn object_payload(payload: &Value) -> Result<(), ResolveError> {
    if payload.is_object() {
        Ok(())
    } else {
        Err(ResolveError::thrown(format!(
            "data must be an object, got {}",
            crate::js::kind_of(payload).name()
        )))
    }
}

fn compile_with(
    value: &Value,
    compile: impl FnOnce(&Value, &mut Compiler) -> (Node, Vec<Problem>),
) -> Result<Mapping, Vec<Problem>> {
    if compile::deeper_than(value, MAX_MAPPING_DEPTH) {
        return Err(vec![Problem::new(
            "",
            format!("a mapping may be nested at most {MAX_MAPPING_DEPTH} levels deep"),
        )]);
    }
    let mut cx = Compiler::new(&directives::DIRECTIVES);
    let (root, mut problems) = compile(value, &mut cx);
    for problem in cx.problems {
        if !problems.contains(&problem) {
            problems.push(problem);
        }
    }
    if problems.is_empty() {
        Ok(Mapping {
            root,
            reads: cx.reads,
        })
    } else {
        Err(problems)
    }
}

//! The `DELIVERY_LEDGER` binding: the Worker's side of the ledger objects, one call per object per phase (keys grouped by object, the objects asked at once), each given up after a timeout so the ledger never holds up delivery.

use crate::ledger::book::Book;
use crate::ledger::protocol::{
    letter_bytes, ClaimAnswer, ClaimRequest, CountAnswer, ListAnswer, ListRequest, NewLetter,
    ParkRequest, RemoveRequest, SettleAnswer, SettleRequest, UpdateRequest, LIST_PATH,
    MAX_ANSWER_BYTES, PARK_PATH, REMOVE_PATH, UPDATE_PATH,
};
use crate::ledger::shard::{by_shard, object_name, shard_of, MAX_OBJECTS};
use crate::object_fetch;
use ::worker::{Env, ObjectNamespace};
use futures_util::future::join_all;
use js_sys::Promise;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

/// The Durable Object namespace binding of the ledger.
pub const LEDGER_BINDING: &str = "DELIVERY_LEDGER";

/// A delivery gives an object this long to answer a claim or a settle, then goes on without it.
const DELIVERY_CALL_TIMEOUT_MS: u64 = 1_000;
/// The operator's dead-letter routes wait longer.
const ADMIN_CALL_TIMEOUT_MS: u64 = 10_000;

#[wasm_bindgen]
extern "C" {
    /// A ledger object's stub, called by the RPC methods of `DeliveryLedger` (ledger_object.rs).
    type LedgerStub;
    #[wasm_bindgen(method, js_name = claimKeys)]
    fn claim_keys(this: &LedgerStub, request: &str) -> Promise;
    #[wasm_bindgen(method, js_name = settleKeys)]
    fn settle_keys(this: &LedgerStub, request: &str) -> Promise;
}

/// The ledger's two calls in a delivery.
#[derive(Clone, Copy)]
enum Phase {
    Claim,
    Settle,
}

/// The ledger objects of this Worker.
#[derive(Clone)]
pub struct LedgerClient {
    namespace: ObjectNamespace,
    /// How many objects hold the keys (`LEDGER_OBJECTS`).
    objects: usize,
}

impl LedgerClient {
    /// The bound namespace, if there is one, its keys spread over `objects` objects.
    pub fn from_env(env: &Env, objects: usize) -> Option<LedgerClient> {
        let namespace = env.durable_object(LEDGER_BINDING).ok()?;
        Some(LedgerClient { namespace, objects })
    }

    /// How many objects hold the keys.
    pub fn objects(&self) -> usize {
        self.objects
    }

    /// One request to one object: its JSON answer, or why there is none.
    async fn call<A: DeserializeOwned>(
        &self,
        shard: usize,
        path: &str,
        request: &impl Serialize,
        timeout_ms: u64,
    ) -> Result<A, String> {
        let body = serde_json::to_string(request).map_err(|e| e.to_string())?;
        let text = self.exchange(shard, path, body, timeout_ms).await?;
        read_answer(shard, &text)
    }

    /// One request to one object, as text both ways (not generic: one copy in the wasm).
    async fn exchange(
        &self,
        shard: usize,
        path: &str,
        body: String,
        timeout_ms: u64,
    ) -> Result<String, String> {
        object_fetch::exchange(&self.namespace, &object_name(shard), path, body, timeout_ms).await
    }

    /// The text of a delivery's call to one object, by RPC (not generic: one copy in the wasm;
    /// its answer is read by the caller).
    async fn phase_text(&self, shard: usize, phase: Phase, body: String) -> Result<String, String> {
        let name = object_name(shard);
        let stub: LedgerStub = object_fetch::stub(&self.namespace, &name)?;
        let call = match phase {
            Phase::Claim => stub.claim_keys(&body),
            Phase::Settle => stub.settle_keys(&body),
        };
        object_fetch::method_text(&name, call, DELIVERY_CALL_TIMEOUT_MS).await
    }

    /// Claims every key of `book` (each object asked once, all at once); the keys of an object
    /// that does not answer are marked unknown. Returns why the ledger could not be used for
    /// some keys, if so.
    pub async fn claim(&self, book: &mut Book, owner: &str, lease_ms: u64) -> Option<String> {
        let groups = {
            let keys: Vec<&str> = book.keys().collect();
            by_shard(keys.iter().copied(), self.objects)
                .into_iter()
                .map(|(shard, positions)| {
                    let request = ClaimRequest {
                        owner: owner.to_string(),
                        lease_ms,
                        keys: positions.iter().map(|&p| keys[p].to_string()).collect(),
                    };
                    (shard, positions, request)
                })
                .collect::<Vec<_>>()
        };
        let answers = join_all(groups.iter().map(|(shard, _, request)| {
            // A claim request always serializes (strings and numbers only).
            let body = serde_json::to_string(request).unwrap_or_default();
            self.phase_text(*shard, Phase::Claim, body)
        }))
        .await;
        let mut fallback = None;
        for ((shard, positions, _), answer) in groups.iter().zip(answers) {
            match answer.and_then(|text| read_answer::<ClaimAnswer>(*shard, &text)) {
                Ok(answer) => book.claimed(positions, &answer),
                Err(why) => {
                    book.unknown(positions);
                    fallback.get_or_insert(format!("claim: {why}"));
                }
            }
        }
        fallback
    }

    /// Writes back what became of the keys, each object asked once, all at once. Returns how
    /// many entries were written, and why some could not be, if so.
    pub async fn settle(&self, request: SettleRequest) -> (usize, Option<String>) {
        let mut per_shard: Vec<SettleRequest> = (0..self.objects)
            .map(|_| SettleRequest {
                owner: request.owner.clone(),
                ..SettleRequest::default()
            })
            .collect();
        for key in request.delivered {
            per_shard[shard_of(&key, self.objects)].delivered.push(key);
        }
        for (key, error) in request.released {
            per_shard[shard_of(&key, self.objects)]
                .released
                .push((key, error));
        }
        let shards: Vec<usize> = (0..self.objects)
            .filter(|&s| !per_shard[s].delivered.is_empty() || !per_shard[s].released.is_empty())
            .collect();
        let answers = join_all(shards.iter().map(|&shard| {
            // A settle request always serializes (strings and numbers only).
            let body = serde_json::to_string(&per_shard[shard]).unwrap_or_default();
            self.phase_text(shard, Phase::Settle, body)
        }))
        .await;
        let mut written = 0;
        let mut fallback = None;
        for (&shard, answer) in shards.iter().zip(answers) {
            match answer.and_then(|text| read_answer::<SettleAnswer>(shard, &text)) {
                Ok(answer) => written += answer.written,
                Err(why) => {
                    fallback.get_or_insert(format!("settle: {why}"));
                }
            }
        }
        (written, fallback)
    }

    /// Parks dead letters, each in the object of its first key (which knows its last error),
    /// or of its ID when it has none, in requests of at most [`MAX_ANSWER_BYTES`]. Returns the
    /// letters not parked, each with why.
    pub async fn park(&self, letters: Vec<NewLetter>) -> Vec<(String, String)> {
        let mut requests: Vec<(usize, ParkRequest, usize)> = Vec::new();
        for letter in letters {
            let shard = shard_of(letter.key.as_deref().unwrap_or(&letter.id), self.objects);
            let size = letter_bytes(&letter.id, &letter.fallback_error, Some(&letter.body));
            let open = requests.iter_mut().rev().find(|(s, r, bytes)| {
                *s == shard && (r.letters.is_empty() || bytes + size <= MAX_ANSWER_BYTES)
            });
            match open {
                Some((_, request, bytes)) => {
                    request.letters.push(letter);
                    *bytes += size;
                }
                None => requests.push((
                    shard,
                    ParkRequest {
                        letters: vec![letter],
                    },
                    size,
                )),
            }
        }
        let calls = requests.iter().map(|(shard, request, _)| {
            self.call::<CountAnswer>(*shard, PARK_PATH, request, ADMIN_CALL_TIMEOUT_MS)
        });
        let mut failed = Vec::new();
        for ((shard, request, _), answer) in requests.iter().zip(join_all(calls).await) {
            if let Err(why) = answer {
                let why = format!("{}: {why}", object_name(*shard));
                failed.extend(request.letters.iter().map(|l| (l.id.clone(), why.clone())));
            }
        }
        failed
    }

    /// Every object's listing (not merged), by shard; the objects that did not answer, each as
    /// `{object, error}`.
    pub async fn list(&self, request: &ListRequest) -> (Vec<(usize, ListAnswer)>, Vec<Value>) {
        let calls = (0..MAX_OBJECTS)
            .map(|shard| self.call::<ListAnswer>(shard, LIST_PATH, request, ADMIN_CALL_TIMEOUT_MS));
        let mut listings = Vec::new();
        let mut failed = Vec::new();
        for (shard, answer) in join_all(calls).await.into_iter().enumerate() {
            match answer {
                Ok(answer) => listings.push((shard, answer)),
                Err(why) => failed.push(json!({"object": object_name(shard), "error": why})),
            }
        }
        (listings, failed)
    }

    /// Forgets letters in one object; the IDs that were parked there.
    pub async fn remove_in(&self, shard: usize, ids: Vec<String>) -> Result<Vec<String>, String> {
        let answer: RemoveRequest = self
            .call(
                shard,
                REMOVE_PATH,
                &RemoveRequest { ids },
                ADMIN_CALL_TIMEOUT_MS,
            )
            .await?;
        Ok(answer.ids)
    }

    /// Forgets letters wherever they are parked: the IDs that were, and the objects that did
    /// not answer (`{object, error}`).
    pub async fn remove(&self, ids: Vec<String>) -> (Vec<String>, Vec<Value>) {
        let calls = (0..MAX_OBJECTS).map(|shard| self.remove_in(shard, ids.clone()));
        let mut removed = Vec::new();
        let mut failed = Vec::new();
        for (shard, answer) in join_all(calls).await.into_iter().enumerate() {
            match answer {
                Ok(ids) => removed.extend(ids),
                Err(why) => failed.push(json!({"object": object_name(shard), "error": why})),
            }
        }
        (removed, failed)
    }

    /// Keeps letters of one object whose replay failed, with the new error.
    pub async fn update_in(
        &self,
        shard: usize,
        failed: Vec<(String, String)>,
    ) -> Result<usize, String> {
        let answer: CountAnswer = self
            .call(
                shard,
                UPDATE_PATH,
                &UpdateRequest { failed },
                ADMIN_CALL_TIMEOUT_MS,
            )
            .await?;
        Ok(answer.count)
    }
}

/// An object's JSON answer read, or why it cannot be.
fn read_answer<A: DeserializeOwned>(shard: usize, text: &str) -> Result<A, String> {
    serde_json::from_str(text)
        .map_err(|e| format!("{}: unreadable answer: {e}", object_name(shard)))
}

//! The Cloudflare Worker: thin `fetch` and `queue` entry points over the routes and the delivery-queue consumer.

mod config;
mod consumer;
mod deliver;
mod error;
mod health;
mod ingest_route;
mod log;
mod queue_producer;
mod request_body;
mod routes;
mod upstream;

use ::worker::{event, Context, Env, MessageBatch, Request, Response, Result};

#[event(fetch)]
async fn fetch(request: Request, env: Env, _ctx: Context) -> Result<Response> {
    Ok(routes::handle(request, &env).await)
}

#[event(queue)]
async fn queue(
    batch: MessageBatch<queue_producer::QueuedEvent>,
    env: Env,
    _ctx: Context,
) -> Result<()> {
    consumer::consume(batch, &env).await;
    Ok(())
}

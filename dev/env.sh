# Sourced by the dev/ scripts: the pinned tools first on PATH, and what worker-build needs to
# find them instead of downloading its own (these machines reach only package registries).
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export WASM_BINDGEN_BIN="$HOME/.cargo/bin/wasm-bindgen"
export WASM_OPT_BIN="$PWD/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$PWD/node_modules/.bin/esbuild"
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

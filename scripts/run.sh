#!/usr/bin/env bash
# `make run`: starts the whole stack (coretex-server dev) in the background, opens the operator
# console on it, and stops the stack when the console quits. Logs: .state/dev/coretex.log.
# Without a terminal (or with CORETEX_NO_CONSOLE=1) it runs the stack in the foreground instead.
# The model workers use OLLAMA_URL; when it is unset and no Ollama answers on 127.0.0.1:11434,
# they get the project's fake Ollama (deterministic "[mock] …" answers) so the stack still works.
set -euo pipefail
cd "$(dirname "$0")/.."
server=.build/debug/coretex-server
ctx=.build/debug/ctx
mkdir -p .state/dev

if [[ -z "${OLLAMA_URL:-}" ]] && ! curl -fsS -m 1 http://127.0.0.1:11434/api/version > /dev/null 2>&1; then
  .build/debug/fake-ollama --port 11435 > .state/dev/fake-ollama.log 2>&1 &
  fake=$!
  trap 'kill $fake 2>/dev/null || true' EXIT
  export OLLAMA_URL=http://127.0.0.1:11435
  echo "no Ollama on 127.0.0.1:11434: model workers use the fake one on :11435 (set OLLAMA_URL for a real model)"
fi

if [[ ! -t 0 || ! -t 1 || "${CORETEX_NO_CONSOLE:-}" == 1 ]]; then
  "$server" dev
  exit
fi

"$server" dev > .state/dev/coretex.log 2>&1 &
stack=$!
trap 'kill -TERM $stack 2>/dev/null; wait $stack 2>/dev/null || true; [[ -n "${fake:-}" ]] && kill $fake 2>/dev/null; true' EXIT INT TERM

addr="${GATEWAY_HTTP_ADDR:-127.0.0.1:8081}"
[[ "$addr" == :* ]] && addr="127.0.0.1$addr"
echo "starting the stack (log: .state/dev/coretex.log)…"
for _ in $(seq 1 150); do
  if curl -fsS "http://$addr/health" > /dev/null 2>&1; then break; fi
  if ! kill -0 $stack 2>/dev/null; then echo "the stack exited; see .state/dev/coretex.log" >&2; tail -20 .state/dev/coretex.log >&2; exit 1; fi
  sleep 0.2
done
CTX_GATEWAY="http://$addr" "$ctx" tui

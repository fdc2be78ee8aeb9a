#!/usr/bin/env bash
# Regenerates Sources/CoretexProtocol/Generated from proto/ with Debian's protoc and the
# Swift plugins built from this package's own dependencies (swift-protobuf,
# grpc-swift-protobuf). The output is committed: CI must not build the protoc toolchain
# (the plugins alone add minutes to a clean build).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc >/dev/null || { echo "protoc missing: apt-get install -y protobuf-compiler" >&2; exit 1; }
swift build -c release --product protoc-gen-swift >/dev/null
swift build -c release --product protoc-gen-grpc-swift-2 >/dev/null
bin=$(swift build -c release --show-bin-path)
out=Sources/CoretexProtocol/Generated
rm -rf "$out"
mkdir -p "$out"
protos=$(cd proto && find . -name '*.proto' | sed 's|^\./||' | sort)
(cd proto && protoc \
  --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift-2="$bin/protoc-gen-grpc-swift-2" \
  -I . -I /usr/include \
  --swift_out="../$out" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
  --grpc-swift-2_out="../$out" --grpc-swift-2_opt=Visibility=Public,Client=true,Server=true,FileNaming=PathToUnderscores \
  $protos)
# protoc-gen-grpc-swift-2 writes a file per .proto even without services; drop the empty ones.
for f in "$out"/*.grpc.swift; do grep -q "enum Method" "$f" || rm "$f"; done
ls "$out"

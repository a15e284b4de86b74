#!/usr/bin/env bash
# usage: newpkg <dir> <name> <tag> [dep ...]
set -e
dir=$1; name=$2; tag=$3; shift 3
mkdir -p $dir/src
deps=""; refs=""
for d in "$@"; do deps="$deps\"@nagare/$d\": \"*\","; refs="$refs{\"path\": \"../../packages/$d/tsconfig.lib.json\"},"; done
deps="{${deps%,}}"; refs="[${refs%,}]"
cat > $dir/package.json <<J
{
  "name": "@nagare/$name",
  "version": "0.1.0",
  "private": true,
  "license": "Apache-2.0",
  "main": "dist/index.js",
  "types": "dist/index.d.ts",
  "scripts": {
    "build": "tsc -b tsconfig.lib.json",
    "test": "jest",
    "lint": "eslint src"
  },
  "nx": { "tags": ["$tag"] },
  "dependencies": $deps
}
J
cat > $dir/tsconfig.lib.json <<J
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": {
    "composite": true,
    "rootDir": "src",
    "outDir": "dist",
    "tsBuildInfoFile": "dist/.tsbuildinfo",
    "paths": {}
  },
  "include": ["src/**/*.ts"],
  "exclude": ["src/**/*.spec.ts", "src/**/*.bench.ts", "src/**/__fixtures__/**"],
  "references": $refs
}
J
cat > $dir/jest.config.js <<J
module.exports = { ...require('../../jest.preset.js'), displayName: '$name', rootDir: __dirname };
J
[ -f $dir/src/index.ts ] || echo "export {};" > $dir/src/index.ts

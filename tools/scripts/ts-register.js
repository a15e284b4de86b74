// A require hook that compiles TypeScript with swc on the fly, for running
// benchmarks and fuzz targets straight from sources (no build step), and that
// maps @nagare/* to the packages' sources as jest does.
const Module = require('node:module');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '../..');
const originalResolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const m = /^@nagare\/([^/]+)$/.exec(request);
  if (m) {
    const src = m[1] === 'server-app' ? path.join(root, 'apps/server/src/index.ts') : path.join(root, 'packages', m[1], 'src/index.ts');
    return originalResolve.call(this, src, parent, ...rest);
  }
  return originalResolve.call(this, request, parent, ...rest);
};

require.extensions['.ts'] = function (module, filename) {
  const source = require('node:fs').readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};

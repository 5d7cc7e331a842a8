import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { transform } from 'esbuild'

// Module hooks (registered by typescript-loader.mjs) that run the suite's
// TypeScript under tap: each .ts file is transpiled alone by esbuild (types
// are only removed; `npm run typecheck` checks them), with an inline source
// map and the lines kept as they are, so V8's coverage maps back to the
// TypeScript line by line. tsx, which the spawned demo processes use,
// squeezes each file onto one line, which maps every statement of a loaded
// file as covered; tap's own ts-node costs ~1 s of start-up per test file.

const TS = /\.[cm]?ts$/
const TSCONFIG = { compilerOptions: { useDefineForClassFields: true, verbatimModuleSyntax: false } }

/** `./x.js` names `./x.ts` in NodeNext TypeScript: try the .ts when no .js is there. */
export async function resolve (specifier, context, next) {
  try {
    return await next(specifier, context)
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !/\.[cm]?js$/.test(specifier) || context.parentURL?.startsWith('file:') !== true) throw err
    try {
      return await next(specifier.replace(/js$/, 'ts'), context)
    } catch {
      throw err
    }
  }
}

export async function load (url, context, next) {
  if (!url.startsWith('file:') || !TS.test(new URL(url).pathname)) return await next(url, context)
  const file = fileURLToPath(url)
  const { code } = await transform(await readFile(file, 'utf8'), {
    loader: 'ts',
    format: url.endsWith('.cts') ? 'cjs' : 'esm',
    target: `node${process.versions.node}`,
    sourcemap: 'inline',
    sourcesContent: true,
    sourcefile: file,
    tsconfigRaw: TSCONFIG,
  })
  return { format: url.endsWith('.cts') ? 'commonjs' : 'module', source: code, shortCircuit: true }
}

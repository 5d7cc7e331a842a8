// Bundles the browser code: browser/index.ts -> dist/browser/live.js (and the
// debug panel, when browser/debug/index.ts exists), then writes a manifest of
// content hashes and sizes that the server uses for its hashed URLs.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'dist', 'browser')
const BUDGET = 14 * 1024 // min+gzip bytes for live.js (12 KiB until live navigation and streams, issues 15 and 16)

const entries = [['live.js', 'browser/index.ts'], ['live-debug.js', 'browser/debug/index.ts'], ['live-uploads.js', 'browser/uploads.ts']]
  .filter(([, src]) => existsSync(join(root, src)))

await mkdir(out, { recursive: true })
const manifest = {}
for (const [name, src] of entries) {
  await build({
    absWorkingDir: root,
    entryPoints: [src],
    outfile: join(out, name),
    bundle: true,
    format: 'esm',
    minify: true,
    sourcemap: true,
    target: 'es2020',
    legalComments: 'none',
    // the debug panel's URL is only known at run time
    logOverride: { 'unsupported-dynamic-import': 'silent' },
  })
  const code = await readFile(join(out, name))
  manifest[name] = {
    hash: createHash('sha256').update(code).digest('hex').slice(0, 10),
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
  }
  const { bytes, gzipBytes } = manifest[name]
  console.log(`${name.padEnd(14)} ${(bytes / 1024).toFixed(1).padStart(6)} KiB min  ${(gzipBytes / 1024).toFixed(2).padStart(6)} KiB gzip`)
}
await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')

if (manifest['live.js'].gzipBytes > BUDGET) {
  console.error(`live.js is over its budget: ${manifest['live.js'].gzipBytes} > ${BUDGET} bytes min+gzip`)
  process.exitCode = 1
}

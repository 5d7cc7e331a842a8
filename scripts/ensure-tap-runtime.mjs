// tap rebuilds its runtime (node_modules/@tapjs/test/test-built) when the
// plugin list in package.json's `tap` section differs from the one it was
// built with, but the run that rebuilds still starts every test file with
// the loaders of the old plugins: after `npm ci` (every CI run), tap's default
// ts-node and mock loaders, about a second more per file. Rebuild here,
// before `tap` starts, and only when the lists differ.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { TapConfig } from '@tapjs/config'

const root = new URL('../', import.meta.url)
const built = readFileSync(new URL('node_modules/@tapjs/test/test-built/dist/esm/index.js', root), 'utf8')
const signature = /^export const signature = `([^`]*)`/m.exec(built)?.[1]
const config = await TapConfig.load()
if (signature !== config.pluginSignature) {
  console.log('tap: building its runtime for the plugins in package.json')
  execFileSync(process.execPath, [fileURLToPath(new URL('node_modules/tap/dist/esm/run.mjs', root)), 'build'], { stdio: 'inherit' })
}

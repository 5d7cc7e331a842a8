import t from 'tap'
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

// The whole browser bundle, idiomorph included, must stay ≤ 14 KiB min+gzip
// (issue 6 set 12 KiB; live navigation and streams, issues 15 and 16, added ~1.2 KiB each). `npm test` builds it first (pretest); this fails when it grows.
const BUDGET = 14 * 1024

t.test('the browser bundle is at most 14 KiB minified and gzipped', async (t) => {
  const file = new URL('../../dist/browser/live.js', import.meta.url)
  const code = readFileSync(file)
  const gzipped = gzipSync(code, { level: 9 }).length
  t.comment(`live.js: ${code.length} B min, ${gzipped} B gzip (budget ${BUDGET} B)`)
  t.ok(gzipped <= BUDGET, `live.js is ${gzipped} B gzipped; the budget is ${BUDGET} B`)
  t.notMatch(code.toString(), /live-debug-panel|attachShadow/, 'the debug panel is not in the main bundle')
})

// Browser cost of applying a one-row change to a 2,000-row table, in Chromium.
// The time runs from the frame's arrival (a WebSocket 'message' listener added
// before the bundle's) to `live:patched` (the DOM is updated), median of
// repeated runs. Side by side: rows with ids (a delta: one <tr> is morphed)
// and rows without ids (the full HTML is morphed), the idiomorph default.
//
//   node bench/browser/morph.mjs            (after `npm run build`)
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import { launchChromium, medianP90 } from './chromium.mjs'
import live, { LiveView } from '../../dist/index.js'

const ROWS = Number(process.env.ROWS ?? 2000)
const RUNS = Number(process.env.RUNS ?? 41)

function makeView (ids) {
  return class TableView extends LiveView {
    static template = 'rows.njk'
    static handlers = { toggle: { params: { i: { type: 'integer' } } } }
    ids = ids
    rows = Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, name: `Item ${i + 1}`, price: (i * 1.37).toFixed(2), on: false }))
    toggle ({ i }) { this.rows[i].on = !this.rows[i].on }
  }
}

export async function measureMorph () {
  const app = Fastify()
  await app.register(live, { templates: fileURLToPath(new URL('.', import.meta.url)), secret: 'b'.repeat(32), debug: false })
  app.live('/with-ids', makeView(true))
  app.live('/without-ids', makeView(false))
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${app.server.address().port}`
  const browser = await launchChromium()
  const results = []
  try {
    // The full morph takes seconds at this size: fewer runs of it.
    for (const [label, path, runs] of [['rows with ids (delta)', '/with-ids', RUNS], ['rows without ids (full morph)', '/without-ids', 5]]) {
      const page = await browser.newPage()
      // Wrap WebSocket so our 'message' listener runs before the bundle's.
      await page.addInitScript(() => {
        const Native = window.WebSocket
        window.WebSocket = class extends Native {
          constructor (...args) {
            super(...args)
            this.addEventListener('message', () => { window.__arrived = performance.now() })
          }
        }
      })
      await page.goto(base + path)
      await page.waitForSelector('[data-live-root].live-connected')
      const times = []
      for (let run = 0; run < runs; run++) {
        const sample = await page.evaluate(async (i) => {
          const root = document.querySelector('[data-live-root]')
          // Stop the clock in a microtask after live:patched, so the bundle's
          // MutationObserver work (queued during the morph) is counted too.
          const done = new Promise((resolve) => root.addEventListener('live:patched', () => queueMicrotask(() => resolve(performance.now() - window.__arrived)), { once: true }))
          const cell = root.querySelectorAll('tr')[i].querySelector('input')
          cell.setAttribute('live-click', 'toggle')
          cell.setAttribute('data-i', String(i))
          cell.click()
          return await done
        }, (run * 97) % ROWS)
        times.push(sample)
      }
      results.push({ case: label, rows: ROWS, runs, ...medianP90(times) })
      await page.close()
    }
  } finally {
    await browser.close()
    await app.close()
  }
  return results
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await measureMorph()
  console.log(`\n### Browser: apply a one-row change to a ${ROWS}-row table (Chromium)\n`)
  console.log('| case | runs | median ms | p90 ms |\n| --- | ---: | ---: | ---: |')
  for (const r of results) console.log(`| ${r.case} | ${r.runs} | ${r.medianMs} | ${r.p90Ms} |`)
}

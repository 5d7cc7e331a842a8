// Browser cost of inserting one item at the top of a 10,000-item list, in
// Chromium: a stream (the server sends the new item alone; the page inserts
// it among the items it keeps) beside a plain list of the same items with
// ids (the server re-renders the list; its delta is the whole <ul>, which
// idiomorph morphs). The time runs from the frame's arrival (a WebSocket
// 'message' listener added before the bundle's) to a microtask after
// `live:patched` (the bundle's MutationObserver work included); median and
// p90 of repeated runs. Also printed: the bytes of the frame.
//
//   npm run bench:streams        (builds first)
//   ITEMS=10000 RUNS=41 node bench/browser/streams.mjs
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import { launchChromium, medianP90 } from './chromium.mjs'
import live, { LiveView } from '../../dist/index.js'

const ITEMS = Number(process.env.ITEMS ?? 10_000)
const RUNS = Number(process.env.RUNS ?? 41)

const item = (id) => ({ id, name: `Item ${id}`, price: (id * 1.37).toFixed(2) })

class StreamView extends LiveView {
  static template = 'streams.njk'
  static streams = { items: {} }
  static handlers = { add: {} }
  streamed = true
  n = 0
  next = ITEMS + 1
  mount () { this.stream('items', Array.from({ length: ITEMS }, (_, k) => item(k + 1))) }
  add () { this.streamInsert('items', item(this.next++), { at: 0 }) }
}

/** The same stream, and a count outside it that changes with each insert: the page's delta is the whole root. */
class StreamAndCountView extends StreamView {
  add () { this.n++; super.add() }
}

class ListView extends LiveView {
  static template = 'streams.njk'
  static handlers = { add: {} }
  streamed = false
  n = 0
  next = ITEMS + 1
  items = Array.from({ length: ITEMS }, (_, k) => item(k + 1))
  add () { this.n++; this.items.unshift(item(this.next++)) }
}

export async function measureStreams () {
  const app = Fastify()
  await app.register(live, { templates: fileURLToPath(new URL('.', import.meta.url)), secret: 'b'.repeat(32), debug: false })
  app.live('/stream', StreamView)
  app.live('/list', ListView)
  app.live('/stream-and-count', StreamAndCountView)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${app.server.address().port}`
  const browser = await launchChromium()
  const results = []
  try {
    for (const [label, path, runs] of [
      ['stream: insert one item (live-stream)', '/stream', RUNS],
      ['stream: insert one item, and a count beside it changes', '/stream-and-count', RUNS],
      ['plain list with ids: the <ul> morphed', '/list', Math.min(RUNS, 11)],
    ]) {
      const page = await browser.newPage()
      await page.addInitScript(() => {
        const Native = window.WebSocket
        window.WebSocket = class extends Native {
          constructor (...args) {
            super(...args)
            this.addEventListener('message', (e) => { window.__arrived = performance.now(); window.__bytes = e.data.length })
          }
        }
      })
      await page.goto(base + path)
      await page.waitForSelector('[data-live-root].live-connected')
      const times = []
      let bytes = 0
      for (let run = 0; run < runs; run++) {
        const sample = await page.evaluate(async () => {
          const root = document.querySelector('[data-live-root]')
          const done = new Promise((resolve) => root.addEventListener('live:patched', () => queueMicrotask(() => resolve([performance.now() - window.__arrived, window.__bytes])), { once: true }))
          const n = document.getElementById('n')
          n.setAttribute('live-click', 'add')
          n.click()
          return await done
        })
        times.push(sample[0])
        bytes = sample[1]
      }
      const count = await page.$$eval('#items > li', (els) => els.length)
      if (count !== ITEMS + runs) throw new Error(`${path}: ${count} items, expected ${ITEMS + runs}`)
      results.push({ case: label, items: ITEMS, runs, ...medianP90(times), frameBytes: bytes })
      await page.close()
    }
  } finally {
    await browser.close()
    await app.close()
  }
  return results
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await measureStreams()
  console.log(`\n### Browser: insert one item at the top of a ${ITEMS}-item list (Chromium)\n`)
  console.log('| case | runs | median ms | p90 ms | frame bytes |\n| --- | ---: | ---: | ---: | ---: |')
  for (const r of results) console.log(`| ${r.case} | ${r.runs} | ${r.medianMs} | ${r.p90Ms} | ${r.frameBytes} |`)
}

import t from 'tap'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { LiveView, eventHandler } from '../../lib/index.js'
import { liveStats, openLive, type LivePage } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

// API.md §10: "the server keeps no stream items after rendering them: a view
// that has streamed 100,000 items holds no more memory than one that
// streamed ten". Two views stay open side by side; one streams ten items,
// the other 100,000 of 1 KB (100 MB of HTML, in batches as infinite scroll
// loads them). After a full collection, the second holds less than 16 MiB
// more than the first (about 4 here): its last render's batch (1 MB) and little else.
// Kept, the items would weigh over 100 MB.

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const BODY = 'x'.repeat(1000)

class RowsView extends LiveView {
  static override template = 'stream-memory.njk'
  static override streams = { rows: {} }
  count = 0

  @eventHandler({ params: { n: { type: 'integer' } } })
  more ({ n }: { n: number }) {
    const from = this.count
    this.count += n
    this.stream('rows', Array.from({ length: n }, (_, k) => ({ id: from + k, body: BODY + (from + k) })))
  }
}

/** Heap and off-heap memory (renders are kept as Buffers) after a full collection. */
async function retained (): Promise<number> {
  for (let k = 0; k < 3; k++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}

async function stream (page: LivePage, batches: number, size: number): Promise<void> {
  for (let k = 0; k < batches; k++) {
    const reply = await page.event('more', { n: size })
    if (reply.t !== 'reply') throw new Error(`more failed: ${JSON.stringify(reply)}`)
    page.frames.length = 0 // the test's own record of frames is not the server's memory
  }
}

t.test('a view that streamed 100,000 items of 1 KB holds no more than one that streamed ten', async (t) => {
  const app = await buildApp(t, [['/rows', RowsView]])
  const small = await openLive(app, '/rows')
  const large = await openLive(app, '/rows')
  t.teardown(() => { small.close(); large.close() })
  await stream(small, 10, 1)
  await stream(large, 1, 1) // both have rendered a stream once: what is measured next is the items
  const before = await retained()
  await stream(large, 100, 1000)
  const after = await retained()
  t.match(small.html(), /<p id="count">10<\/p>/)
  t.match(large.html(), /<p id="count">100001<\/p>/)
  t.equal(liveStats(app).views, 2)
  const grown = (after - before) / 2 ** 20
  t.comment(`streamed 100,000 items (${(100_000 * 1004 / 2 ** 20).toFixed(0)} MiB of HTML); retained memory grew by ${grown.toFixed(1)} MiB`)
  t.ok(grown < 16, `the view holds no items it rendered: it grew by ${grown.toFixed(1)} MiB, less than 16 MiB`)
})

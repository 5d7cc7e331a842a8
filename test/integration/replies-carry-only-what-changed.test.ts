import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

class RowsView extends LiveView {
  static override template = 'rows.njk'
  rows = Array.from({ length: 100 }, (_, k) => ({ id: k + 1, name: `Item ${String(k + 1).padStart(3, '0')}`, price: ((k * 7919) % 10000 / 100).toFixed(2), checked: false }))
  @eventHandler({ params: { id: { type: 'integer' } } }) toggle ({ id }: { id: number }) {
    const row = this.rows[id - 1]
    if (row !== undefined) row.checked = !row.checked
  }

  @eventHandler() add () {
    this.rows.push({ id: this.rows.length + 1, name: 'New', price: '0.00', checked: false })
  }
}

t.test('toggling one row of a 100-row table sends that row, not the table', async (t) => {
  const app = await buildApp(t, [['/rows', RowsView]])
  const page = await openLive(app, '/rows')
  t.teardown(() => page.close())
  const full = page.html().length
  let total = 0
  for (let id = 1; id <= 100; id++) {
    const reply = await page.event('toggle', { id: String(id) })
    const bytes = Buffer.byteLength(JSON.stringify(reply))
    total += bytes
    if ((reply.d as unknown[] | undefined)?.[0] !== `row-${id}` || bytes > 300) {
      t.fail(`toggling row ${id}: the reply should carry that row alone; it is ${bytes} bytes: ${JSON.stringify(reply).slice(0, 120)}`)
      return
    }
  }
  t.ok(total / 100 <= 250, `a reply is ${total / 100} bytes on average (the view is ${full})`)
  await page.event('toggle', { id: '37' })
  t.match(page.html(), /<tr id="row-1" class="done">/, 'the page holds the new HTML')
  t.match(page.html(), /<tr id="row-37" class="">/, 'row 37, toggled twice, is back')
})

t.test('a change outside any element with an id sends the whole HTML', async (t) => {
  const app = await buildApp(t, [['/rows', RowsView]])
  const page = await openLive(app, '/rows')
  t.teardown(() => page.close())
  const reply = await page.event('add')
  t.type(reply.html, 'string', 'the row count below the table changed: full HTML')
  t.match(page.html(), /101 rows/)
  t.match(page.html(), /<tr id="row-101" class="">/)
})

class WorldRowsView extends RowsView {
  // Names in several scripts, and emoji: the kept render round-trips through UTF-8.
  override rows = Array.from({ length: 100 }, (_, k) => ({ id: k + 1, name: `Grüße ${k + 1} – 日本語 🎉`, price: '1.00', checked: false }))
}

t.test('a large render in any script: after many deltas, the page holds exactly what a full render gives', async (t) => {
  const app = await buildApp(t, [['/world', WorldRowsView]])
  const page = await openLive(app, '/world')
  t.teardown(() => page.close())
  for (const id of [3, 97, 3, 50, 1, 100]) {
    const reply = await page.event('toggle', { id: String(id) })
    if ((reply.d as unknown[] | undefined)?.[0] !== `row-${id}`) return t.fail(`toggling row ${id} should send that row: ${JSON.stringify(reply).slice(0, 120)}`)
  }
  const full = await page.send({ t: 'render', id: page.roots[0]!.id })
  t.equal(full.html, page.html(), 'the server\'s render and the page\'s HTML agree')
  t.match(page.html(), /<tr id="row-97" class="done">\s*<td>97<\/td><td>Grüße 97 – 日本語 🎉<\/td>/)
})

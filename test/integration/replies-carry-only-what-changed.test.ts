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

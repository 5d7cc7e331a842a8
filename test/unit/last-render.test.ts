import t from 'tap'
import { LastRender } from '../../lib/last-render.js'

// The last render is what deltas are computed against: whatever way it is
// kept, it must read back exactly as it was written.

const table = (n: number, text = 'Item'): string =>
  Array.from({ length: n }, (_, k) => `<tr id="row-${k}"><td>${text} ${k}</td></tr>`).join('')

t.test('reads back exactly what was kept, small or large, ASCII or not', async (t) => {
  const last = new LastRender()
  t.equal(last.text, '', 'empty before the first render')
  for (const html of [
    '<p>small</p>',
    table(300),
    table(300, 'Grüße – 日本語 – 🎉'),
    table(10),
    table(1000),
    table(200),
  ]) {
    last.text = html
    t.equal(last.text, html, `${html.length} characters`)
  }
})

t.test('a render with a lone surrogate, which UTF-8 cannot carry, reads back exactly too', async (t) => {
  const last = new LastRender()
  const html = table(300) + '<p>\uD800</p>'
  last.text = html
  t.equal(last.text, html)
  last.text = table(300)
  t.equal(last.text, table(300), 'and the next render after it')
})

t.test('renders that grow and shrink around the buffer\'s room read back exactly', async (t) => {
  const last = new LastRender()
  const base = table(300)
  // The buffer keeps some room to grow; step across it both ways, and far down.
  for (const extra of [0, 1, 200, 255, 256, 257, 600, 2000, 0, 5000, 0]) {
    const html = base + 'x'.repeat(extra)
    last.text = html
    if (last.text !== html) return t.fail(`${html.length} characters read back as ${last.text.length}`)
  }
  last.text = table(150)
  t.equal(last.text, table(150), 'after all of them')
})

t.test('a render shared by many views reads back as the very string, and the next delta is computed from it', async (t) => {
  const last = new LastRender()
  last.text = table(300)
  const shared = table(300, 'Shared')
  last.share(shared)
  t.equal(last.text, shared, 'no copy: the string itself')
  const next = table(300, 'Shared').replace('Shared 7<', 'Changed 7<')
  t.ok(last.next(next), 'a delta from the shared render')
  t.equal(last.text, next, 'and back to its own render')
})

t.test('json() is the render as a JSON string, made once per render and made again when the render changes', async (t) => {
  const last = new LastRender()
  const big = table(300, 'Grüße "quoted" \\ 🎉')
  last.text = big
  const json = last.json()
  t.equal(json.toString('utf8'), JSON.stringify(big), 'the JSON of the render, UTF-8')
  t.equal(last.json(), json, 'the same bytes for the same render')
  last.next(table(301))
  t.equal(last.json().toString('utf8'), JSON.stringify(table(301)), 'after a delta: the new render')
  last.share('<p>shared</p>')
  t.equal(last.json().toString('utf8'), '"<p>shared</p>"', 'after a shared render: that one')
  last.text = '<p>small</p>'
  t.equal(last.json().toString('utf8'), '"<p>small</p>"', 'after a remount: that one')
})

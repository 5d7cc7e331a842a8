import t from 'tap'
import { MAX_SNAPSHOTS, SNAPSHOT_OVERHEAD_BYTES, SnapshotBudget, Snapshots, changesSince, markState, renderHash, type Changes } from '../../lib/snapshots.js'

const changes = (entries: Record<string, unknown>): Changes => new Map(Object.entries(entries))
const idOf = (taken: ReturnType<Snapshots['take']>): string => {
  if (taken === null || !('id' in taken)) throw new Error(`not taken: ${JSON.stringify(taken)}`)
  return taken.id
}

t.test('changes are compared by identity and JSON, top-level property by property', async (t) => {
  const list = [1, 2]
  const cyclic: any = { name: 'c' }
  cyclic.self = cyclic
  const fn = () => 1
  const state: Record<string, unknown> = { n: 1, s: 'a', list, same: { a: 1 }, gone: true, cyclic, fn, flag: false }
  const before = markState(state)
  t.same([...changesSince(before, { ...state }).keys()], [], 'nothing changed')
  list.push(3)
  state.same = { a: 1 }
  state.s = 'b'
  delete state.gone
  state.added = 0
  state.flag = true
  state.fn = () => 2
  cyclic.name = 'changed in place, but not JSON: compared by identity'
  const found = changesSince(before, state, 'flag')
  t.same([...found.keys()].sort(), ['added', 'fn', 'gone', 'list', 's'], 'in place (list), new value (s), new key, removed key and a new function; not the equal copy, not the skipped flag')
  t.equal(found.get('gone'), undefined)
  state.cyclic = { ...cyclic, self: null }
  t.ok(changesSince(before, state).has('cyclic'), 'another object where the old one had no JSON is a change')
  state.list = 'not an object'
  t.ok(changesSince(before, state).has('list'))
})

t.test('a snapshot puts back only its own properties, as fresh copies, and says what that changed', async (t) => {
  const snapshots = new Snapshots(new SnapshotBudget(1 << 20))
  const items = [{ id: 1 }]
  const id = idOf(snapshots.take('show[1]', changes({ items, page: 1, removed: undefined }), '<p>1</p>', 60_000))
  items.push({ id: 2 }) // the view changes the array afterwards: the snapshot kept JSON
  const view: Record<string, unknown> = { items, page: 1, removed: 'x', other: 'kept' }
  const restored = snapshots.restore(id, 'show[1]', view)!
  t.same(view, { items: [{ id: 1 }], page: 1, removed: undefined, other: 'kept' })
  t.not(view.items, items, 'a copy')
  t.same([...restored.changes.keys()], ['items', 'removed'], 'page already had its value')
  t.equal(restored.html, renderHash('<p>1</p>'))
  t.same([...snapshots.restore(id, 'show[1]', view)!.changes.keys()], [], 'a second hit changes nothing')
  t.equal(snapshots.restore(id, 'show[2]', view), undefined, 'not for another key')
  t.equal(snapshots.restore('guess', 'show[1]', view), undefined)
  snapshots.rendered(id, '<p>2</p>')
  t.equal(snapshots.restore(id, 'show[1]', view)!.html, renderHash('<p>2</p>'), 'the render the browser got last')
  snapshots.rendered('gone', '<p/>')
})

t.test('values that are not JSON data are not kept', async (t) => {
  const snapshots = new Snapshots(new SnapshotBudget(1 << 20))
  t.same(snapshots.take('stamp[]', changes({ when: new Date(0) }), '', 1000), { problem: 'when is a Date (send date.toISOString() or a number instead)' })
  t.equal(snapshots.size, 0)
})

t.test('the same call replaces its result; expired results go when another is taken, and hits past ttl miss', async (t) => {
  const realNow = Date.now
  let now = 1_000_000
  Date.now = () => now
  t.teardown(() => { Date.now = realNow })
  const budget = new SnapshotBudget(1 << 20)
  const snapshots = new Snapshots(budget)
  const first = idOf(snapshots.take('a[]', changes({ x: 1 }), '', 1000))
  const second = idOf(snapshots.take('a[]', changes({ x: 2 }), '', 1000))
  t.equal(snapshots.size, 1)
  t.equal(snapshots.restore(first, 'a[]', {}), undefined, 'replaced')
  idOf(snapshots.take('b[]', changes({ y: 1 }), '', 5000))
  now += 1001
  t.equal(snapshots.restore(second, 'a[]', {}), undefined, 'past ttl')
  t.equal(snapshots.size, 1, 'and dropped')
  idOf(snapshots.take('c[]', changes({ z: 1 }), '', 1000))
  now += 5000
  idOf(snapshots.take('d[]', changes({ w: 1 }), '', 1000))
  t.equal(snapshots.size, 1, 'the expired b and c went when d was taken')
  t.equal(snapshots.takeKeep(), undefined, 'the browser expires them itself: nothing to tell')
})

t.test('a change drops the results that do not put back everything it changed, and the browser is told once', async (t) => {
  const snapshots = new Snapshots(new SnapshotBudget(1 << 20))
  t.equal(snapshots.watching, false)
  const done = idOf(snapshots.take('filter["done"]', changes({ filter: 'done', visible: [] }), '', 60_000))
  const open = idOf(snapshots.take('filter["open"]', changes({ filter: 'open', visible: ['a'] }), '', 60_000))
  const sort = idOf(snapshots.take('sort[]', changes({ sort: 'asc', visible: ['a'] }), '', 60_000))
  t.equal(snapshots.watching, true)
  snapshots.changed(new Map())
  t.equal(snapshots.takeKeep(), undefined, 'no change, nothing dropped')
  snapshots.changed(changes({ filter: 'open', visible: ['a'] }))
  t.same(snapshots.takeKeep(), [done, open], 'the sort result does not put the filter back')
  t.equal(snapshots.takeKeep(), undefined, 'once')
  t.not(sort, done)
  snapshots.changed(changes({ tasks: [] }))
  t.same(snapshots.takeKeep(), [])
  t.equal(snapshots.watching, false)
})

t.test('invalidate drops one handler\'s results or all', async (t) => {
  const snapshots = new Snapshots(new SnapshotBudget(1 << 20))
  const a = idOf(snapshots.take('show[1]', changes({ p: 1 }), '', 60_000))
  idOf(snapshots.take('shown[]', changes({ p: 1 }), '', 60_000))
  snapshots.invalidate('shown')
  t.same(snapshots.takeKeep(), [a], 'by handler name, not by prefix')
  snapshots.invalidate('other')
  t.equal(snapshots.takeKeep(), undefined)
  snapshots.invalidate()
  t.same(snapshots.takeKeep(), [])
})

t.test('a socket\'s budget holds its bytes across views, evicting the least recently used', async (t) => {
  const budget = new SnapshotBudget(3 * (SNAPSHOT_OVERHEAD_BYTES + 200))
  const one = new Snapshots(budget)
  const two = new Snapshots(budget)
  const big = (n: number) => changes({ v: 'x'.repeat(200 - 3 - 1 - n) }) // ~200 bytes with key and quotes
  const a = idOf(one.take('k[1]', big(4), '', 60_000))
  idOf(two.take('k[2]', big(4), '', 60_000))
  idOf(one.take('k[3]', big(4), '', 60_000))
  t.ok(budget.used <= budget.limit)
  t.ok(one.restore(a, 'k[1]', {}), 'touched: now the most recent')
  const four = idOf(two.take('k[4]', big(4), '', 60_000))
  t.equal(one.size + two.size, 3, 'one went')
  t.equal(two.size, 1, 'the least recently used: the other view\'s first')
  t.ok(budget.used <= budget.limit, `${budget.used} <= ${budget.limit}`)
  t.same(two.takeKeep(), [four], 'the reply that carries k[4] tells the browser k[2] went')
  two.changed(changes({ unrelated: 1 }))
  t.same(two.takeKeep(), [])
  idOf(two.take('k[5]', big(4), '', 60_000))
  idOf(two.take('k[6]', big(4), '', 60_000))
  t.equal(one.size, 1, 'k[3] went, from the other view')
  one.invalidate('none')
  t.same(one.takeKeep(), [a], 'invalidating any handler tells the browser what is left after an eviction')
  t.equal(one.take('huge[]', changes({ v: 'x'.repeat(budget.limit) }), '', 60_000), null, 'a result over the whole budget is not kept')
  const before = budget.used
  one.clear()
  t.ok(budget.used < before)
  two.clear()
  t.equal(budget.used, 0, 'a closed view releases its bytes')
  budget.remove({} as never)
})

t.test(`a view keeps at most ${MAX_SNAPSHOTS} results`, async (t) => {
  const snapshots = new Snapshots(new SnapshotBudget(1 << 20))
  const first = idOf(snapshots.take('k[0]', changes({ p: 0 }), '', 60_000))
  for (let k = 1; k <= MAX_SNAPSHOTS; k++) snapshots.take(`k[${k}]`, changes({ p: k }), '', 60_000)
  t.equal(snapshots.size, MAX_SNAPSHOTS)
  t.equal(snapshots.restore(first, 'k[0]', {}), undefined, 'the least recently used went')
})

import t from 'tap'
import { copyData, sameData, NOT_DATA } from '../../lib/same-data.js'
import { MAX_DEPTH, deepFreeze, frozenData } from '../../lib/json-data.js'

const rows = () => Array.from({ length: 3 }, (_, i) => ({ id: i + 1, name: `Item ${i + 1}`, checked: false, tags: ['a'] }))

t.test('a state equals the copy of an equal state, and not one that differs anywhere', async (t) => {
  const copy = copyData({ title: 'x', rows: rows(), none: null, gone: undefined, bare: Object.create(null) })
  t.ok(sameData({ title: 'x', rows: rows(), none: null, gone: undefined, bare: Object.create(null) }, copy))
  const changed = rows()
  changed[2]!.checked = true
  t.notOk(sameData({ title: 'x', rows: changed, none: null, gone: undefined, bare: {} }, copy), 'a nested value')
  t.notOk(sameData({ title: 'x', rows: rows().slice(1), none: null, gone: undefined, bare: {} }, copy), 'an array length')
  t.notOk(sameData({ title: 'x', rows: rows(), none: null, gone: undefined }, copy), 'a missing key')
  t.notOk(sameData({ title: 'x', rows: rows(), none: null, gone: undefined, bare: {}, more: 1 }, copy), 'an extra key')
  t.notOk(sameData({ rows: rows(), title: 'x', none: null, gone: undefined, bare: {} }, copy), 'keys in another order (a template walking the object sees them so)')
  t.notOk(sameData({ title: 'x', rows: {}, none: null, gone: undefined, bare: {} }, copy), 'an object for an array')
  t.notOk(sameData({ title: 'x', rows: rows(), none: {}, gone: undefined, bare: {} }, copy), 'an object for null')
  t.notOk(sameData({ title: ['x'], rows: rows(), none: null, gone: undefined, bare: {} }, copy), 'an array for a string')
  t.notOk(sameData(['x'], copyData({ 0: 'x' })), 'an array for an object')
  t.notOk(sameData({ 0: 'x' }, copyData(['x'])), 'an object for an array')
  t.notOk(sameData('x', copyData({})), 'a primitive for an object')
})

t.test('the copy keeps what the state was when it was taken', async (t) => {
  const shared = [1]
  const copy = copyData({ shared })
  shared.push(2)
  t.notOk(sameData({ shared }, copy), 'a change made later to an object both views hold is seen')
})

t.test('states that are not plain data are not copied, nor equal to a copy', async (t) => {
  class Point { x = 1 }
  for (const [what, value] of [['a Map', new Map()], ['a Date', new Date(0)], ['a class instance', new Point()], ['a function', () => {}]] as const) {
    t.equal(copyData({ value }), NOT_DATA, what)
    t.equal(copyData([value]), NOT_DATA, `${what} in an array`)
  }
  t.notOk(sameData(new Point(), copyData({ x: 1 })), 'an instance with the fields of a plain object')
  // Two Maps serialize alike (`{}`) and may render differently: never taken for equal.
  t.notOk(sameData({ m: new Map([[1, 2]]) }, copyData({ m: {} })))
})

t.test('nesting is bounded: a state deeper than MAX_DEPTH is not copied, and a cycle ends', async (t) => {
  let deep: unknown = 1
  for (let i = 0; i < MAX_DEPTH + 1; i++) deep = { deep }
  t.equal(copyData(deep), NOT_DATA)
  const cycle: Record<string, unknown> = {}
  cycle.self = cycle
  t.equal(copyData(cycle), NOT_DATA)
  t.notOk(sameData(cycle, copyData({ self: { self: {} } })))
})

t.test('a message kept as it came is one frozen object for every view: kept by the copy, equal by identity', async (t) => {
  const message = deepFreeze(JSON.parse('{"from":"ann","text":"hi","tags":["a"]}'))
  const copy = copyData({ messages: [message] }) as { values: unknown[][] }
  t.equal(copy.values[0]![0], message, 'not copied: it cannot change')
  t.ok(sameData({ messages: [message] }, copy), 'the same message')
  t.ok(sameData({ messages: [{ from: 'ann', text: 'hi', tags: ['a'] }] }, copy), 'a view that kept a copy of it is equal too')
  t.notOk(sameData({ messages: [{ from: 'ann', text: 'hi!', tags: ['a'] }] }, copy), 'one that changed its copy is not')
  t.notOk(sameData({ messages: [{ from: 'ann', text: 'hi' }] }, copy), 'nor one with a key less')
  t.notOk(sameData({ messages: [['ann', 'hi', ['a']]] }, copy), 'nor an array for it')
  const held = Object.freeze({ from: 'ann', text: 'hi' })
  const kept = copyData({ last: held }) as { values: unknown[] }
  t.not(kept.values[0], held, 'an object the app froze itself is still copied (what it holds may change)')
  t.notOk(frozenData(Object.freeze({ a: {} })), 'only deepFreeze marks an object unchangeable')
})

import t from 'tap'
import { deepFreeze, encodeJsonData, jsonDataProblem, MAX_DEPTH } from '../../lib/json-data.js'

t.test('JSON data passes', async (t) => {
  for (const value of [null, true, 0, -1.5, 'text', [], {}, [1, 'a', null, { b: [false] }], Object.create(null)]) {
    t.equal(jsonDataProblem(value, 'm'), undefined, JSON.stringify(value))
  }
  const shared = { a: 1 }
  t.equal(jsonDataProblem({ x: shared, y: shared }, 'm'), undefined, 'the same object twice is not a cycle')
})

t.test('everything else is named by path and reason', async (t) => {
  class Point { x = 1 }
  const anonymous = Object.create({ inherited: true }) as object
  const sparse: unknown[] = [1]
  sparse[2] = 3
  const withSymbol = { [Symbol('s')]: 1 }
  const cases: Array<[unknown, string]> = [
    [undefined, 'm is undefined (use null, or leave the property out)'],
    [Infinity, 'm is Infinity, which JSON cannot hold'],
    [{ a: -Infinity }, 'm.a is -Infinity, which JSON cannot hold'],
    [Symbol('s'), 'm is a symbol'],
    [{ f () {} }, 'm.f is a function'],
    [{ n: 2n }, 'm.n is a bigint (send it as a string)'],
    [{ d: new Date(0) }, 'm.d is a Date (send date.toISOString() or a number instead)'],
    [{ m: new Map() }, 'm.m is a Map (send Object.fromEntries(map) instead)'],
    [[new Set()], 'm[0] is a Set (send [...set] instead)'],
    [{ p: new Point() }, 'm.p is a Point instance, not a plain object'],
    [{ 'a-b': anonymous }, 'm["a-b"] is an object with a custom prototype, not a plain object'],
    [sparse, 'm[1] is an empty slot of a sparse array'],
    [withSymbol, 'm has a symbol key, which JSON drops'],
  ]
  for (const [value, problem] of cases) t.equal(jsonDataProblem(value, 'm'), problem, problem)
  const nameless = Object.create(Object.create(null, { constructor: { value: { name: '' } } })) as object
  t.equal(jsonDataProblem(nameless, 'm'), 'm is an object with a custom prototype, not a plain object')
})

t.test('cycles and depth are refused before JSON.stringify would throw or recurse too far', async (t) => {
  const a: Record<string, unknown> = {}
  a.list = [{ back: a }]
  t.equal(jsonDataProblem(a, 'm'), 'm.list[0].back refers back to m (a cycle)')
  let deep: unknown = 1
  for (let i = 0; i < MAX_DEPTH + 1; i++) deep = [deep]
  t.match(jsonDataProblem(deep, 'm'), /is nested more than 64 levels deep$/)
})

t.test('encodeJsonData gives the text or the problem, counting UTF-8 bytes', async (t) => {
  t.same(encodeJsonData({ a: 1 }, 'm', 100), { json: '{"a":1}' })
  t.same(encodeJsonData('€€€', 'm', 11), { json: '"€€€"' }, '11 bytes fit in 11')
  t.match(encodeJsonData('€€€', 'm', 10).problem, /^m is 11 bytes as JSON, more than the limit of 10/)
  t.match(encodeJsonData({ d: new Date() }, 'm', 100).problem, /^m\.d is a Date/)
})

t.test('deepFreeze freezes all the way down and tolerates frozen parts', async (t) => {
  const frozen = Object.freeze({ z: 1 })
  const value = deepFreeze({ a: [{ b: 1 }], frozen, n: null })
  t.ok(Object.isFrozen(value.a[0]))
  t.equal(deepFreeze(3), 3)
})

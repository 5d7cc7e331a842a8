import t from 'tap'
import { MAX_DEPTH, tooDeep, validateFrame } from '../../lib/protocol.js'

const id = 'lv-Zb3k9QmTqA'

t.test('the five frame shapes are accepted', async (t) => {
  const frames = [
    { t: 'join', ref: 1, id, token: 'abc.def' },
    { t: 'event', ref: 2, id, h: 'increment', p: {}, type: 'click' },
    { t: 'event', ref: 3, id, h: 'search', p: { value: 'x', nested: { a: [1, 2] } }, type: 'input', hit: 'a1' },
    { t: 'state', ref: 4, id, values: { filter: 'open' } },
    { t: 'render', ref: 5, id },
    { t: 'leave', ref: Number.MAX_SAFE_INTEGER, id },
  ]
  for (const frame of frames) t.ok(validateFrame(frame), `${frame.t} ${JSON.stringify(frame)}`)
})

t.test('anything else is refused', async (t) => {
  const refused: Array<[string, unknown]> = [
    ['not an object', 'join'],
    ['an array', [{ t: 'join' }]],
    ['null', null],
    ['no type', { ref: 1, id }],
    ['an unknown type', { t: 'ping', ref: 1, id }],
    ['no ref', { t: 'render', id }],
    ['ref 0', { t: 'render', ref: 0, id }],
    ['a fractional ref', { t: 'render', ref: 1.5, id }],
    ['a string ref', { t: 'render', ref: '1', id }],
    ['a ref beyond safe integers', { t: 'render', ref: 2 ** 53, id }],
    ['a malformed root id', { t: 'render', ref: 1, id: 'lv-short' }],
    ['a root id without the prefix', { t: 'render', ref: 1, id: 'xx-Zb3k9QmTqA' }],
    ['an extra field', { t: 'render', ref: 1, id, extra: true }],
    ['a join without token', { t: 'join', ref: 1, id }],
    ['an empty token', { t: 'join', ref: 1, id, token: '' }],
    ['a huge token', { t: 'join', ref: 1, id, token: 'x'.repeat(16_385) }],
    ['an event without params', { t: 'event', ref: 1, id, h: 'a', type: 'click' }],
    ['params as an array', { t: 'event', ref: 1, id, h: 'a', p: [], type: 'click' }],
    ['params as a string', { t: 'event', ref: 1, id, h: 'a', p: 'x', type: 'click' }],
    ['a handler name that is not an identifier', { t: 'event', ref: 1, id, h: '__proto__.x', p: {}, type: 'click' }],
    ['a handler name starting with a digit', { t: 'event', ref: 1, id, h: '1a', p: {}, type: 'click' }],
    ['a very long handler name', { t: 'event', ref: 1, id, h: 'a'.repeat(101), p: {}, type: 'click' }],
    ['an odd event type', { t: 'event', ref: 1, id, h: 'a', p: {}, type: 'Click!' }],
    ['an event without type', { t: 'event', ref: 1, id, h: 'a', p: {} }],
    ['a malformed hit', { t: 'event', ref: 1, id, h: 'a', p: {}, type: 'click', hit: '../x' }],
    ['too many params', { t: 'event', ref: 1, id, h: 'a', p: Object.fromEntries(Array.from({ length: 257 }, (_, k) => [`k${k}`, k])), type: 'click' }],
    ['state without values', { t: 'state', ref: 1, id }],
    ['state values as an array', { t: 'state', ref: 1, id, values: [] }],
    ['too many state values', { t: 'state', ref: 1, id, values: Object.fromEntries(Array.from({ length: 65 }, (_, k) => [`k${k}`, k])) }],
    ['an event with a join token', { t: 'event', ref: 1, id, h: 'a', p: {}, type: 'click', token: 'x' }],
  ]
  for (const [what, frame] of refused) t.notOk(validateFrame(frame), what)
})

t.test('tooDeep finds params nested beyond the limit', async (t) => {
  const nest = (levels: number): unknown => {
    let value: unknown = 'leaf'
    for (let k = 0; k < levels; k++) value = { a: value }
    return value
  }
  t.equal(MAX_DEPTH, 8)
  t.equal(tooDeep({}), false)
  t.equal(tooDeep('x'), false)
  t.equal(tooDeep(null), false)
  t.equal(tooDeep(nest(MAX_DEPTH)), false, `${MAX_DEPTH} levels of objects pass`)
  t.equal(tooDeep(nest(MAX_DEPTH + 1)), true, 'one more is refused')
  t.equal(tooDeep({ ok: 1, deep: nest(MAX_DEPTH) }), true, 'depth counts from the params object')
  let list: unknown = []
  for (let k = 0; k < MAX_DEPTH; k++) list = [list]
  t.equal(tooDeep(list), true, 'arrays count as levels too')
})

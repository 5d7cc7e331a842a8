import t from 'tap'
import { ResultCache, cacheKey } from '../../browser/cache.js'
import { CACHE_MAX } from '../../browser/constants.js'
import { ManualClock } from '../helpers/clock.js'

// browser/cache.ts: a root's @cache results, bounded (LRU) and expiring (ttl).

t.test('the key is the handler and the keyParams values, in their order', async (t) => {
  t.equal(cacheKey('filter', { keyParams: ['q', 'page'] }, { page: 2, q: 'x', other: 1 }), '["filter","x",2]', 'other params do not count')
  t.equal(cacheKey('filter', { keyParams: ['q'] }, {}), '["filter",null]', 'a missing param is null')
  t.equal(cacheKey('filter', {}, { q: 'x' }), '["filter"]', 'no keyParams: one entry per handler')
  t.not(cacheKey('a', { keyParams: ['q'] }, { q: 'b' }), cacheKey('a', { keyParams: ['q'] }, { q: '"b"' }), 'values are JSON, so they cannot collide')
})

t.test('a put is returned until its ttl has passed, then dropped', async (t) => {
  const clock = new ManualClock()
  const cache = new ResultCache(clock)
  clock.advance(1000)
  cache.put('k', '<p>1</p>', 's1')
  t.same(cache.get('k', { ttl: 500 }), { html: '<p>1</p>', snap: 's1', at: 1000 })
  clock.advance(500)
  t.ok(cache.get('k', { ttl: 500 }), 'still there at exactly its ttl')
  clock.advance(1)
  t.equal(cache.get('k', { ttl: 500 }), undefined, 'gone a millisecond later')
  t.equal(cache.size, 0, 'and dropped')
  t.equal(cache.get('nothing', {}), undefined, 'a key never put is a miss')
})

t.test('without a ttl an entry lives 60 s', async (t) => {
  const clock = new ManualClock()
  const cache = new ResultCache(clock)
  cache.put('k', 'h', 's')
  clock.advance(60_000)
  t.ok(cache.get('k', {}))
  clock.advance(1)
  t.equal(cache.get('k', {}), undefined)
})

t.test('a put again replaces the entry and restarts its ttl', async (t) => {
  const clock = new ManualClock()
  const cache = new ResultCache(clock)
  cache.put('k', 'old', 's1')
  clock.advance(400)
  cache.put('k', 'new', 's2')
  clock.advance(400)
  t.same(cache.get('k', { ttl: 500 }), { html: 'new', snap: 's2', at: 400 })
  t.equal(cache.size, 1)
})

t.test('it holds at most `max` entries, dropping the least recently used', async (t) => {
  const cache = new ResultCache(new ManualClock(), 3)
  for (const k of ['a', 'b', 'c']) cache.put(k, k, k)
  t.ok(cache.get('a', {}), 'a read makes "a" the most recent')
  cache.put('d', 'd', 'd')
  t.equal(cache.size, 3, 'the bound holds')
  t.equal(cache.get('b', {}), undefined, '"b" was the least recently used, so it went')
  t.same(['a', 'c', 'd'].map((k) => cache.get(k, {})?.html), ['a', 'c', 'd'], 'the others stay')
})

t.test('the page\'s bound is CACHE_MAX per root', async (t) => {
  const cache = new ResultCache()
  for (let k = 0; k <= CACHE_MAX; k++) cache.put(String(k), 'h', 's')
  t.equal(cache.size, CACHE_MAX)
  t.equal(cache.get('0', {}), undefined, 'the first went')
  t.ok(cache.get(String(CACHE_MAX), {}), 'the last stayed (the real clock: within its 60 s)')
})

t.test('delete() and clear() drop entries', async (t) => {
  const cache = new ResultCache(new ManualClock())
  cache.put('a', 'a', 'a')
  cache.put('b', 'b', 'b')
  cache.delete('a')
  t.equal(cache.get('a', {}), undefined)
  t.equal(cache.size, 1)
  cache.clear()
  t.equal(cache.size, 0)
})

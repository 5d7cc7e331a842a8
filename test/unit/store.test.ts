import t from 'tap'
import { MemoryHandoffStore } from '../../lib/store.js'

/** The store's timers are unref'd (they must not keep a server alive); keep the test alive while it waits for them. */
async function alive<T> (promise: Promise<T>): Promise<T> {
  const keep = setInterval(() => {}, 1000)
  try { return await promise } finally { clearInterval(keep) }
}

t.test('take returns what was put, once', async (t) => {
  const store = new MemoryHandoffStore<string>(10_000)
  t.teardown(() => store.close())
  store.put('a', 'view-a')
  t.equal(store.size, 1)
  t.equal(store.take('a'), 'view-a')
  t.equal(store.take('a'), undefined, 'a second take finds nothing')
  t.equal(store.take('missing'), undefined)
  t.equal(store.size, 0)
})

t.test('an entry that is never taken expires and is handed to onExpire', async (t) => {
  const expired: string[] = []
  let done!: () => void
  const gone = new Promise<void>((resolve) => { done = resolve })
  const store = new MemoryHandoffStore<string>(5, (value) => { expired.push(value); done() })
  store.put('a', 'view-a')
  await alive(gone)
  t.same(expired, ['view-a'])
  t.equal(store.size, 0)
  t.equal(store.take('a'), undefined)
})

t.test('a taken entry never expires', async (t) => {
  const expired: string[] = []
  let done!: () => void
  const gone = new Promise<void>((resolve) => { done = resolve })
  const store = new MemoryHandoffStore<string>(1, (value) => { expired.push(value); done() })
  store.put('a', 'taken')
  store.take('a')
  // Same ttl, put later: its timer fires after the taken one would have.
  store.put('b', 'waiting')
  await alive(gone)
  t.same(expired, ['waiting'])
})

t.test('putting an id again replaces the entry without expiring it', async (t) => {
  const expired: string[] = []
  const store = new MemoryHandoffStore<string>(10_000, (value) => expired.push(value))
  store.put('a', 'first')
  store.put('a', 'second')
  t.equal(store.size, 1)
  t.equal(store.take('a'), 'second')
  t.same(expired, [])
})

t.test('close ends every waiting entry through onExpire', async (t) => {
  const expired: string[] = []
  const store = new MemoryHandoffStore<string>(10_000, (value) => expired.push(value))
  store.put('a', 'view-a')
  store.put('b', 'view-b')
  store.close()
  t.same(expired.sort(), ['view-a', 'view-b'])
  t.equal(store.size, 0)
  t.equal(store.take('a'), undefined)
})

t.test('the default onExpire does nothing', async (t) => {
  const store = new MemoryHandoffStore<string>(10_000)
  store.put('a', 'x')
  t.doesNotThrow(() => store.close())
})

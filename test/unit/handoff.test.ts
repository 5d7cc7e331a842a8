import t from 'tap'
import { Handoff, MemoryHandoffStore, type Handable } from '../../lib/handoff.js'

/** The store's timers are unref'd (they must not keep a server alive); keep the test alive while it waits for them. */
async function alive<T> (promise: Promise<T>): Promise<T> {
  const keep = setInterval(() => {}, 1000)
  try { return await promise } finally { clearInterval(keep) }
}

const tick = (ms: number) => alive(new Promise((resolve) => setTimeout(resolve, ms)))

class FakeView implements Handable {
  closed = false
  warnings: string[] = []
  log = { warn: (_: object, msg: string) => { this.warnings.push(msg) } }
  /** `null`: state that JSON cannot carry. */
  constructor (readonly id: string, readonly state: string | null = `{"s":"${id}"}`) {}
  ended = false
  serialize () { return this.state ?? undefined }
  close () { this.closed = true }
  end () { this.ended = true; this.closed = true }
}

t.test('the memory store gives an entry once', async (t) => {
  const store = new MemoryHandoffStore(10)
  t.teardown(() => store.close())
  await store.put('a', 'entry-a', 10_000)
  t.equal(store.size, 1)
  t.equal(await store.take('a'), 'entry-a')
  t.equal(await store.take('a'), undefined, 'a second take finds nothing')
  t.equal(await store.take('missing'), undefined)
  t.equal(store.size, 0)
})

t.test('the memory store forgets entries after their ttl', async (t) => {
  const store = new MemoryHandoffStore(10)
  await store.put('a', 'entry-a', 5)
  await tick(30)
  t.equal(store.size, 0)
  t.equal(await store.take('a'), undefined)
})

t.test('the memory store is bounded: the oldest entry goes first', async (t) => {
  const store = new MemoryHandoffStore(2)
  t.teardown(() => store.close())
  for (const id of ['a', 'b', 'c']) await store.put(id, id, 10_000)
  t.equal(store.size, 2)
  t.equal(await store.take('a'), undefined, 'the oldest was dropped')
  t.equal(await store.take('c'), 'c')
})

t.test('a view taken on the process that rendered it is the same live instance', async (t) => {
  const handoff = new Handoff<FakeView>(new MemoryHandoffStore(10), 10_000, 10)
  t.teardown(() => handoff.close())
  const view = new FakeView('v1')
  await handoff.keep(view)
  t.same(await handoff.take('v1'), { live: view })
  t.equal(await handoff.take('v1'), undefined, 'once')
  t.notOk(view.closed)
})

t.test('a view taken where its live instance is not gets its serialized entry', async (t) => {
  const store = new MemoryHandoffStore(10)
  const rendering = new Handoff<FakeView>(store, 10_000, 10)
  const joining = new Handoff<FakeView>(store, 10_000, 10)
  t.teardown(() => rendering.close())
  const view = new FakeView('v1')
  await rendering.keep(view)
  t.same(await joining.take('v1'), { entry: '{"s":"v1"}' }, 'another process adopts the state')
  t.equal(await rendering.take('v1'), undefined, 'and the rendering process cannot take it again')
  t.ok(view.closed, 'its live instance was released')
  t.notOk(view.ended, 'without unmount: the view lives on elsewhere')
})

t.test('a view whose state cannot be serialized can only be joined where it was rendered', async (t) => {
  const store = new MemoryHandoffStore(10)
  const rendering = new Handoff<FakeView>(store, 10_000, 10)
  const joining = new Handoff<FakeView>(store, 10_000, 10)
  t.teardown(() => rendering.close())
  await rendering.keep(new FakeView('v1', null))
  t.equal(await joining.take('v1'), undefined, 'elsewhere it mounts again')
  const here = new FakeView('v2', null)
  await rendering.keep(here)
  t.same(await rendering.take('v2'), { live: here })
})

t.test('a view that is never joined expires and is ended', async (t) => {
  const handoff = new Handoff<FakeView>(new MemoryHandoffStore(10), 5, 10)
  const view = new FakeView('v1')
  await handoff.keep(view)
  await tick(30)
  t.ok(view.ended, 'its unmount runs: nobody will join it')
  t.equal(handoff.size, 0)
  t.equal(await handoff.take('v1'), undefined)
})

t.test('live instances are bounded: the oldest is ended first', async (t) => {
  const handoff = new Handoff<FakeView>(new MemoryHandoffStore(10), 10_000, 2)
  t.teardown(() => handoff.close())
  const views = ['a', 'b', 'c'].map((id) => new FakeView(id))
  for (const view of views) await handoff.keep(view)
  t.equal(handoff.size, 2)
  t.same(views.map((v) => v.ended), [true, false, false])
})

t.test('a store that fails is logged, and the join mounts again', async (t) => {
  const failing = { put: async () => { throw new Error('down') }, take: async () => undefined, drop: async () => false, close: async () => {} }
  const handoff = new Handoff<FakeView>(failing, 10_000, 10)
  t.teardown(() => handoff.close())
  const view = new FakeView('v1')
  await handoff.keep(view)
  t.match(view.warnings, [/could not keep the view v1; its join will mount it again/])
  t.equal(await handoff.take('v1'), undefined)
  t.ok(view.closed, 'the live instance nobody can join is ended')
})

t.test('close ends every waiting view', async (t) => {
  const handoff = new Handoff<FakeView>(new MemoryHandoffStore(10), 10_000, 10)
  const view = new FakeView('v1')
  await handoff.keep(view)
  await handoff.close()
  t.ok(view.closed)
})

t.test('a live instance whose view another process took is released, without unmount, when its wait ends', async (t) => {
  const store = new MemoryHandoffStore(10)
  const rendering = new Handoff<FakeView>(store, 5, 10)
  const joining = new Handoff<FakeView>(store, 5, 10)
  const view = new FakeView('v1')
  await rendering.keep(view)
  t.same(await joining.take('v1'), { entry: '{"s":"v1"}' })
  await tick(30)
  t.ok(view.closed, 'released')
  t.notOk(view.ended, 'the view lives on elsewhere: no unmount')
  t.equal(rendering.size, 0)
})

t.test('a live instance whose view another process took and parked since leaves the park alone when its wait ends', async (t) => {
  const store = new MemoryHandoffStore(10)
  t.teardown(() => store.close())
  const rendering = new Handoff<FakeView>(store, 5, 10)
  const joining = new Handoff<FakeView>(store, 10_000, 10)
  const view = new FakeView('v1')
  await rendering.keep(view)
  t.same(await joining.take('v1'), { entry: '{"s":"v1"}' })
  await joining.park('v1', '{"s":"v1","count":3}', 10_000, view.log)
  await tick(30)
  t.ok(view.closed, 'released')
  t.notOk(view.ended, 'the view lives on in its park: no unmount')
  t.same(await rendering.take('v1'), { entry: '{"s":"v1","count":3}' }, 'a rejoin on the rendering process resumes the park, not its own render')
})

t.test('a rejoin on the process that rendered the page resumes the park another process made since, not its own render', async (t) => {
  const store = new MemoryHandoffStore(10)
  t.teardown(() => store.close())
  const rendering = new Handoff<FakeView>(store, 10_000, 10)
  t.teardown(() => rendering.close())
  const joining = new Handoff<FakeView>(store, 10_000, 10)
  const view = new FakeView('v1')
  await rendering.keep(view)
  t.same(await joining.take('v1'), { entry: '{"s":"v1"}' })
  await joining.park('v1', '{"s":"v1","count":3}', 10_000, view.log)
  t.same(await rendering.take('v1'), { entry: '{"s":"v1","count":3}' })
  t.ok(view.closed, 'its own render is released')
  t.notOk(view.ended, 'without unmount: the view lives on')
  t.equal(rendering.size, 0)
})

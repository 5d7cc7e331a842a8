import t from 'tap'
import { createReloader } from '../../browser/reload.js'

// browser/reload.ts: a refused token reloads the page once; the mark in
// (session) storage stops a reloaded page that is refused too from looping.

/** sessionStorage's three methods over a Map, shared by the "pages" of one tab. */
class TabStorage {
  items = new Map<string, string>()
  getItem (key: string): string | null { return this.items.get(key) ?? null }
  setItem (key: string, value: string): void { this.items.set(key, value) }
  removeItem (key: string): void { this.items.delete(key) }
}

t.test('a refused page reloads once; the reloaded page, refused too, stays', async (t) => {
  const tab = new TabStorage()
  let reloads = 0
  const first = createReloader(() => tab, () => reloads++)
  t.equal(first.refused(), true, 'the first refusal reloads')
  t.equal(reloads, 1)
  t.equal(first.refused(), true, 'another root of the same page, refused too: the page is already reloading')
  t.equal(reloads, 1, 'one reload only')

  const reloaded = createReloader(() => tab, () => reloads++)
  t.equal(reloaded.refused(), false, 'the reloaded page is refused too: it does not reload again')
  t.equal(reloads, 1)
  t.equal(reloaded.refused(), false, 'nor later')
})

t.test('a join that succeeds lets a later refusal reload again', async (t) => {
  const tab = new TabStorage()
  let reloads = 0
  t.equal(createReloader(() => tab, () => reloads++).refused(), true)
  const reloaded = createReloader(() => tab, () => reloads++)
  reloaded.joined()
  t.same([...tab.items], [], 'the mark is gone once the reloaded page joined')
  t.equal(reloaded.refused(), true, 'so the next restart reloads it again')
  t.equal(reloads, 2)
})

t.test('without storage there is no guard, so no reload', async (t) => {
  let reloads = 0
  const blocked = () => { throw new DOMException('denied', 'SecurityError') }
  const reloader = createReloader(blocked, () => reloads++)
  t.equal(reloader.refused(), false)
  t.equal(reloads, 0)
  t.doesNotThrow(() => reloader.joined(), 'a join does not fail either')
})

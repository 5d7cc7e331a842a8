import t from 'tap'
import { buildDemo } from '../../examples/server.js'
import type { Page } from 'playwright-core'
import { blankChromiumPage, launchBrowser, openChromiumPage, waitConnected } from '../helpers/browser.js'
import { wire } from '../helpers/recorder.js'

const browser = await launchBrowser(t)
const app = await buildDemo({ logger: false })
t.teardown(() => app.close())
await app.listen({ host: '127.0.0.1', port: 0 })
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

t.test('the home page links every demo', async (t) => {
  const page = await openChromiumPage(t, browser, url)
  const links = await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href')))
  for (const path of ['/counter', '/search', '/todos', '/dashboard', '/deploys', '/admin']) t.ok(links.includes(path), path)
  const table = await page.textContent('#decorators')
  for (const name of ['eventHandler', 'debounce', 'throttle', 'cache', 'optimistic', 'loading', 'clientState', 'permissionRequired', 'background']) {
    t.ok(table!.includes(`@${name}`), `@${name} is listed with the page that shows it`)
  }
})

t.test('counter: the buttons change the count', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/counter`)
  t.equal(await page.textContent('#count'), '0')
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  await page.click('#add10')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '11')
  await page.click('#dec')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '10')
  t.pass('1, 11, 10')
})

t.test('todos: add (with Enter and with the button), toggle, remove', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/todos`)
  t.equal(await page.locator('#todos li').count(), 1)
  await page.fill('#todo-text', 'Buy milk')
  await page.press('#todo-text', 'Enter')
  await page.waitForSelector('#todo-2')
  t.equal((await page.textContent('#todo-2 span'))!.trim(), 'Buy milk')
  t.equal(await page.inputValue('#todo-text'), '', 'the box is cleared after Add with Enter')
  t.equal(await page.evaluate(() => document.activeElement!.id), 'todo-text', 'and keeps focus')

  await page.fill('#todo-text', 'Walk the dog')
  await page.click('#add-form button[type=submit]')
  await page.waitForSelector('#todo-3')
  t.equal(await page.inputValue('#todo-text'), '', 'cleared after Add with the button')
  t.equal((await page.textContent('#add-form button[type=submit]'))!.trim(), 'Add', 'the button has its label back')

  await page.click('#todo-2 input[type=checkbox]')
  await page.waitForSelector('#todo-2 span.done')
  t.ok(await page.isChecked('#todo-2 input[type=checkbox]'))
  t.equal(await page.locator('#todos span.done').count(), 1, 'only that one is done')

  await page.click('#todo-1 button')
  await page.waitForSelector('#todo-1', { state: 'detached' })
  t.same(await page.$$eval('#todos li', (lis) => lis.map((li) => li.id)), ['todo-2', 'todo-3'])

  await page.click('text=Clear done')
  await page.waitForSelector('#todo-2', { state: 'detached' })
  t.same(await page.$$eval('#todos li', (lis) => lis.map((li) => li.id)), ['todo-3'])
})

t.test('todos: an empty todo shows an error', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/todos`)
  await page.press('#todo-text', 'Enter')
  await page.waitForSelector('#todo-error')
  t.equal(await page.textContent('#todo-error'), 'Write something first.')
  t.equal(await page.locator('#todos li').count(), 1)
})

t.test('search: typing shows the filtered results', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/search`)
  const all = await page.locator('[data-live-root] tbody tr').count()
  t.equal(all, 44, 'every product at first')
  await page.type('#q', 'berry')
  await page.waitForFunction(() => document.querySelector('#summary')!.textContent!.includes('for “berry”'))
  const names = await page.$$eval('[data-live-root] tbody tr td:first-child', (tds) => tds.map((td) => td.textContent))
  t.same(names, ['Blackberry', 'Blueberry', 'Cranberry', 'Elderberry', 'Gooseberry', 'Mulberry', 'Raspberry', 'Strawberry'])
  t.match(await page.textContent('#summary'), /^8 results for “berry”/)
  t.equal(await page.inputValue('#q'), 'berry', 'the box keeps what was typed')
  await page.fill('#q', '')
  await page.waitForFunction((all) => document.querySelectorAll('[data-live-root] tbody tr').length === all, all)
  t.pass('clearing the box shows everything again')
})

t.test('dashboard: choosing a category updates the list and the stats', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/dashboard`)
  t.equal(await page.locator('[data-live-root]').count(), 4, 'the page and its three embedded views')
  t.equal(await page.locator('#items li').count(), 6)
  await page.selectOption('#category', 'tech')
  await page.waitForFunction(() => document.querySelector('#stats-category')!.textContent === 'tech')
  await page.waitForFunction(() => document.querySelector('#list-category')!.textContent === 'tech')
  t.same(await page.$$eval('#items li', (lis) => lis.map((li) => li.textContent)), ['Laptop', 'Phone', 'Headphones'])
  t.equal(await page.textContent('#changes'), '1')
  await page.selectOption('#category', 'office')
  await page.waitForFunction(() => document.querySelector('#stats-category')!.textContent === 'office')
  await page.waitForFunction(() => document.querySelector('#list-category')!.textContent === 'office')
  t.same(await page.$$eval('#items li', (lis) => lis.map((li) => li.textContent)), ['Desk', 'Chair'])
  t.equal(await page.textContent('#changes'), '2')
  t.equal(await page.inputValue('#category'), 'office')
})

/** What the toast (the demo layout's live:error listener) shows, once it shows. */
async function toast (page: Page): Promise<string> {
  await page.waitForSelector('#toast:not([hidden])')
  return (await page.textContent('#toast'))!
}

async function signIn (page: Page, as: 'admin' | 'guest', back: string): Promise<void> {
  await page.goto(`${url}/sign-in?as=${as}&back=${back}`)
}

t.test('counter: @eventHandler params are validated; +1000 is refused and changes nothing', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/counter`)
  await page.click('#add10')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '10')
  await page.click('#add1000')
  t.match(await toast(page), /by|parameters/i, 'the refusal shows')
  t.equal(await page.textContent('#count'), '10')
})

t.test('search: @cache shows a repeated search from the browser\'s store', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/search`)
  await page.fill('#q', 'berry')
  await page.waitForFunction(() => document.querySelector('#summary')!.textContent!.includes('for “berry”'))
  await page.fill('#q', '')
  await page.waitForFunction(() => !document.querySelector('#summary')!.textContent!.includes('for'))
  await page.fill('#q', 'berry')
  await page.waitForFunction(() => document.querySelector('#summary')!.textContent!.includes('for “berry”'))
  const searches = (await wire(page)).filter((w) => w.dir === 'out' && w.frame.h === 'search').map((w) => w.frame)
  t.same(searches.map((f) => f.p?.value), ['berry', '', 'berry'])
  t.equal(searches[0]!.hit, undefined, 'the first search went to the server')
  t.not(searches[2]!.hit, undefined, 'the repeat was shown from the cache, the server only told which')
})

t.test('deploys: @throttle sends five quick clicks as two refreshes', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/deploys`)
  await page.evaluate(() => { for (let i = 0; i < 5; i++) (document.querySelector('#refresh') as HTMLElement).click() })
  await page.waitForFunction(() => document.querySelector('#refreshes')!.textContent === '2')
  const sends = async () => (await wire(page)).filter((w) => w.dir === 'out' && w.frame.h === 'refresh').length
  t.equal(await sends(), 2, 'the first at once, the last when the second ended')
  // A round trip of another handler: nothing more was queued behind it.
  await page.click('#star')
  await page.waitForFunction(() => document.querySelector('#stars')!.textContent === '13')
  t.equal(await sends(), 2)
  t.equal(await page.textContent('#refreshes'), '2')
})

t.test('deploys: @optimistic stars at once, and the server agrees later', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/deploys`)
  const atOnce = await page.evaluate(() => {
    const star = document.querySelector('#star')!
    ;(star as HTMLElement).click()
    return { starred: star.classList.contains('starred'), stars: document.querySelector('#stars')!.textContent }
  })
  t.same(atOnce, { starred: true, stars: '12' }, 'gold before the server answered')
  await page.waitForFunction(() => document.querySelector('#stars')!.textContent === '13')
  t.ok(await page.$eval('#star', (el) => el.classList.contains('starred')), 'and still gold after its render')
})

t.test('deploys: @loading shows Saving… while the notes are saved', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/deploys`)
  await page.fill('#notes', 'Ship it')
  await page.click('#save')
  await page.waitForFunction(() => document.querySelector('#save')!.textContent === 'Saving…')
  t.ok(await page.isDisabled('#save'))
  await page.waitForFunction(() => document.querySelector('#saved')!.textContent === 'Saved: “Ship it”')
  t.equal(await page.textContent('#save'), 'Save')
  t.equal(await page.inputValue('#notes'), 'Ship it')
})

t.test('deploys: @background runs a deploy step by step, and a second one is cancelled', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/deploys`)
  t.equal(await page.textContent('#version'), 'v41')
  await page.click('#deploy')
  await page.waitForSelector('#cancel')
  t.equal(await page.textContent('#deploy-state'), 'running')
  await page.waitForSelector('#steps li.ok')
  t.pass('a finished step is shown while the task runs')
  await page.waitForFunction(() => document.querySelector('#deploy-state')!.textContent === 'done')
  t.equal(await page.textContent('#version'), 'v42')
  t.equal(await page.locator('#steps li.ok').count(), 5)

  await page.click('#deploy')
  await page.waitForSelector('#cancel')
  await page.click('#cancel')
  await page.waitForFunction(() => document.querySelector('#deploy-state')!.textContent === 'cancelled')
  t.equal(await page.textContent('#version'), 'v42', 'a cancelled deploy changes no version')
})

t.test('deploys: @permissionRequired refuses a guest\'s roll back and lets an admin do it', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/deploys`)
  t.equal(await page.textContent('#role'), 'guest')
  await page.click('#rollback')
  t.match(await toast(page), /permission/i)
  t.equal(await page.textContent('#version'), 'v41', 'nothing changed')

  await signIn(page, 'admin', '/deploys')
  await waitConnected(page)
  t.equal(await page.textContent('#role'), 'admin')
  await page.click('#rollback')
  await page.waitForFunction(() => document.querySelector('#version')!.textContent === 'v40')
  t.pass('rolled back')
})

t.test('admin: a guest gets the 403 inside the demo layout; an admin gets the page', async (t) => {
  const page = await blankChromiumPage(t, browser)
  const res = await page.goto(`${url}/admin`)
  t.equal(res!.status(), 403)
  t.equal(await page.textContent('.live-forbidden h1'), '403 Forbidden')
  t.ok(await page.isVisible('nav a[href="/deploys"]'), 'with the demo\'s navigation')
  t.equal(await page.locator('h1').count(), 1, 'one heading')
  await signIn(page, 'admin', '/admin')
  await waitConnected(page)
  t.match(await page.textContent('main, body'), /Only admins see this page/)
})

t.test('feed: a stream that loads as it scrolls, with posts written on top, liked in place and hidden', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/feed`)
  t.ok(await page.$$eval('nav a', (as) => as.some((a) => a.getAttribute('href') === '/feed')), 'every page links the feed')
  const count = (): Promise<number> => page.$$eval('#posts > li[id]', (els) => els.length)
  t.ok(await count() >= 20)
  const before = await count()
  await page.$eval('#posts > li:last-child', (el) => el.scrollIntoView())
  await page.waitForFunction((n) => document.querySelectorAll('#posts > li[id]').length >= n + 20, before)
  t.pass('scrolling to the end loaded the next batch')
  await page.fill('#post-text', 'hello stream')
  await page.press('#post-text', 'Enter')
  await page.waitForSelector('#posts-new-1')
  t.equal(await page.$eval('#posts > li[id]', (el) => el.id), 'posts-new-1', 'a written post goes on top')
  await page.click('#posts-3 .like')
  await page.waitForFunction(() => document.querySelector('#posts-3 .like')?.textContent === '♥ 1')
  t.same((await page.$$eval('#posts > li[id]', (els) => els.map((el) => el.id))).slice(0, 4), ['posts-new-1', 'posts-1', 'posts-2', 'posts-3'], 'liked in place')
  await page.click('#posts-2 .hide')
  await page.waitForSelector('#posts-2', { state: 'detached' })
  await page.click('#restart')
  await page.waitForFunction(() => document.querySelectorAll('#posts > li[id]').length === 20 && document.querySelector('#posts > li[id]')?.id === 'posts-1')
  t.pass('start again shows the first batch alone')
})

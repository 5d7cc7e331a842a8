import t from 'tap'
import { buildDemo } from '../../examples/server.js'
import { launchBrowser, openChromiumPage } from '../helpers/browser.js'

const browser = await launchBrowser(t)
const app = await buildDemo({ logger: false })
t.teardown(() => app.close())
await app.listen({ host: '127.0.0.1', port: 0 })
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

t.test('the home page links every demo', async (t) => {
  const page = await openChromiumPage(t, browser, url)
  const links = await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href')))
  for (const path of ['/counter', '/search', '/todos', '/dashboard']) t.ok(links.includes(path), path)
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

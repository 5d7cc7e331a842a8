import t from 'tap'
import { buildDemo } from '../../examples/server.js'
import { launchBrowser, openChromiumPage, waitConnected } from '../helpers/browser.js'
import { socketCount } from '../helpers/recorder.js'

// The demo's menu uses live-navigate, and the todo list's filter is the URL's
// state, changed with live-patch links (API.md §9).

const browser = await launchBrowser(t)
const app = await buildDemo({ logger: false })
t.teardown(() => app.close())
await app.listen({ host: '127.0.0.1', port: 0 })
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

t.test('the menu moves between the demo\'s pages over one socket, without page loads', async (t) => {
  const page = await openChromiumPage(t, browser, url)
  await page.evaluate(() => { (window as any).__samePage = true })
  await page.click('nav >> text=Counter')
  await page.waitForSelector('#count')
  await waitConnected(page)
  t.equal(await page.title(), 'Counter · fastify-live')
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  await page.click('nav >> text=Dashboard')
  await page.waitForSelector('#items')
  await waitConnected(page)
  t.equal(await page.locator('[data-live-root]').count(), 4, 'the dashboard and its three embedded views, joined')
  await page.goBack()
  await page.waitForSelector('#count')
  t.equal(await page.textContent('h1'), 'Counter')
  t.ok(await page.evaluate(() => (window as any).__samePage === true), 'no page load')
  t.equal(await socketCount(page), 1, 'one WebSocket')
  // the admin page refuses guests: a page load answers with the 403 page
  await page.click('nav >> text=Admin')
  await page.waitForSelector('.live-forbidden')
  t.notOk(await page.evaluate(() => (window as any).__samePage === true))
})

t.test('todos: the filter is the URL\'s, changed with live-patch; clearing done items flashes', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/todos`)
  await page.fill('#todo-text', 'Buy milk')
  await page.press('#todo-text', 'Enter')
  await page.waitForSelector('#todo-2')
  await page.click('#todo-1 input[type=checkbox]')
  await page.waitForSelector('#todo-1 span.done')
  await page.click('#filters >> text=done')
  await page.waitForURL(/\?show=done$/)
  await page.waitForFunction(() => document.querySelectorAll('#todos li').length === 1)
  t.equal(await page.locator('#todo-1').count(), 1, 'only the done one')
  await page.click('#filters >> text=open')
  await page.waitForURL(/\?show=open$/)
  await page.waitForSelector('#todo-1', { state: 'detached' })
  t.equal(await page.locator('#todo-2').count(), 1)
  await page.goBack()
  await page.waitForURL(/\?show=done$/)
  await page.waitForSelector('#todo-2', { state: 'detached' })
  await page.click('text=Clear done')
  await page.waitForSelector('#flash')
  t.equal(await page.textContent('#flash'), 'Cleared 1 done')
  await page.reload()
  await waitConnected(page)
  t.equal(await page.locator('#filters [aria-current]').textContent(), 'done', 'a reload keeps the filter: it is in the URL')
})

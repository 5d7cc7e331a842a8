import t from 'tap'
import { buildApp, closeWhileBrowsing } from '../helpers/app.js'
import { launchBrowser, openChromiumPage, serve, waitConnected } from '../helpers/browser.js'
import { liveEvents, waitLiveEvents, wire } from '../helpers/recorder.js'
import { RecoverView, boot } from '../fixtures/recover-views.js'

// A deploy without `redis`: app.close() parks every view in the process,
// closes the sockets with 1012, and the park goes with the process. The page
// reconnects to the next app on the same port (same secret), which mounts
// the view again; form recovery brings back what the forms held. (With
// `redis` the park outlives the process and the view resumes instead.)

const browser = await launchBrowser(t)

t.test('app.close(): the page sees 1012, reconnects to a new app on the same port, and its typed input comes back through form recovery', async (t) => {
  boot.name = 'first'
  const { app, url } = await serve(t, [['/recover', RecoverView]])
  const port = (app.server.address() as { port: number }).port
  const page = await openChromiumPage(t, browser, `${url}/recover`)
  await page.evaluate(() => {
    const rec = (window as any).__live
    rec.codes = []
    rec.sockets[0].addEventListener('close', (e: CloseEvent) => rec.codes.push(e.code))
  })
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  await page.fill('#name', 'Ada') // typed, not sent: the form's live-change waits for a change

  await closeWhileBrowsing(app)
  await waitLiveEvents(page, 'live:disconnected')
  t.same(await page.evaluate(() => (window as any).__live.codes), [1012], 'the browser was told the server restarts')

  boot.name = 'second'
  const again = await buildApp(t, [['/recover', RecoverView]])
  await again.listen({ host: '127.0.0.1', port })
  await waitLiveEvents(page, 'live:connected', 1)
  await waitConnected(page)
  t.equal(await page.textContent('#server'), 'second')
  const frames = await wire(page)
  t.match(frames.filter((w) => w.dir === 'in' && w.frame.t === 'reply' && w.frame.fresh === true), [{}], 'the new app mounted the view anew: the park stayed with the first')
  const recovers = frames.filter((w) => w.dir === 'out' && w.frame.t === 'recover')
  t.equal(recovers.length, 1)
  t.match(recovers[0]!.frame.forms, [{ h: 'validate', p: { name: 'Ada', _target: 'name' } }, { h: 'noteChanged' }, { h: 'restorePrefs' }])
  t.equal(await page.inputValue('#name'), 'Ada', 'the typed input survived')
  t.equal(await page.textContent('#recovering'), 'true')
  t.equal(await page.textContent('#count'), '0', 'state that no form holds is lost with the park')
  t.equal((await liveEvents(page, 'live:error')).length, 0)
})

import t from 'tap'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { forgetRecorded, wire } from '../helpers/recorder.js'
import { RecoverView } from '../fixtures/recover-views.js'

// API.md §3: live-change on a <form> sends the form's named fields, as
// live-submit does, plus _target, the name of the control that changed.

const browser = await launchBrowser(t)

t.test("a change in a form with live-change sends the form's fields and _target; live-change on a control sends its value", async (t) => {
  const { url } = await serve(t, [['/recover', RecoverView]])
  const page = await openChromiumPage(t, browser, `${url}/recover`)
  await page.fill('#name', 'Ada')
  await page.locator('#name').blur()
  await page.waitForFunction(() => document.querySelector('#calls')!.textContent!.includes('"name":"Ada"'))
  await forgetRecorded(page)
  await page.selectOption('#size', 'l')
  await page.waitForFunction(() => document.querySelector('#calls')!.textContent!.includes('"size":"l"'))
  await page.fill('#note', 'a note')
  await page.locator('#note').blur()
  await page.waitForFunction(() => document.querySelector('#calls')!.textContent!.includes('noteChanged'))
  const events = (await wire(page)).filter((w) => w.dir === 'out' && w.frame.t === 'event').map((w) => w.frame)
  t.same(events.map((f) => [f.h, f.type, f.p]), [
    ['validate', 'change', { name: 'Ada', email: '', age: '', bio: '', size: 'l', tags: [], plan: 'free', nickname: '', _target: 'size' }],
    ['noteChanged', 'change', { value: 'a note' }],
  ])
  t.equal(await page.textContent('#recovering'), 'false', 'no recovery: event.recovering is false')
})

import t from 'tap'
import { buildDemo } from '../../examples/server.js'
import { launchBrowser, openChromiumPage } from '../helpers/browser.js'
import { messages, online, say, waitMessage, waitOnline } from '../helpers/ui-chat.js'

// The demo's chat room in one process (no Redis): what two people with a
// tab each see.

const browser = await launchBrowser(t)
const app = await buildDemo({ logger: false })
t.teardown(() => app.close())
await app.listen({ host: '127.0.0.1', port: 0 })
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

t.test('the home page links the chat, and a visitor without a name is asked for one', async (t) => {
  const home = await openChromiumPage(t, browser, url)
  await home.click('a[href="/chat/lobby"] >> nth=-1')
  await home.waitForSelector('#name-form')
  t.equal(await home.locator('#say-text').count(), 0, 'no message box before a name')
  await home.fill('#name', 'Zed')
  await home.press('#name', 'Enter')
  await home.waitForURL(`${url}/chat/lobby?name=Zed`)
  await home.waitForSelector('#online li:not(.empty) >> text=Zed')
  t.same(await online(home), ['Zed (you)'], 'the name is in the online list once the page is live')
})

t.test("two tabs in one room see each other's messages and presence", async (t) => {
  const ann = await openChromiumPage(t, browser, `${url}/chat/lobby?name=Ann`)
  const bob = await openChromiumPage(t, browser, `${url}/chat/lobby?name=Bob`)
  await waitOnline(ann, ['Ann (you)', 'Bob'])
  await waitOnline(bob, ['Ann', 'Bob (you)'])

  await say(ann, 'hello Bob')
  await waitMessage(bob, 'Ann hello Bob')
  await waitMessage(ann, 'Ann hello Bob')
  t.equal(await ann.inputValue('#say-text'), '', 'the box is emptied once sent')
  await say(bob, 'hi Ann')
  await waitMessage(ann, 'Bob hi Ann')
  // Bob answered after seeing Ann's message: a second copy of hers would have come before his.
  t.same(await messages(ann), ['Ann hello Bob', 'Bob hi Ann'], 'the publisher saw its own message exactly once')
  t.same(await messages(bob), ['Ann hello Bob', 'Bob hi Ann'])
})

t.test('one person in two tabs is one name with ×2; closing a tab takes its presence away', async (t) => {
  const ann = await openChromiumPage(t, browser, `${url}/chat/lobby?name=Ann`)
  const ann2 = await openChromiumPage(t, browser, `${url}/chat/lobby?name=Ann`)
  const bob = await openChromiumPage(t, browser, `${url}/chat/lobby?name=Bob`)
  await waitOnline(bob, ['Ann ×2', 'Bob (you)'])
  await ann2.close()
  await waitOnline(bob, ['Ann', 'Bob (you)'])
  await ann.close()
  await waitOnline(bob, ['Bob (you)'])
  t.pass('Ann ×2, then Ann, then nobody but Bob')
})

t.test('a message from app.live.publish in an HTTP route reaches every tab of the room, and no other room', async (t) => {
  const ann = await openChromiumPage(t, browser, `${url}/chat/lobby?name=Ann`)
  const bob = await openChromiumPage(t, browser, `${url}/chat/lobby?name=Bob`)
  const cat = await openChromiumPage(t, browser, `${url}/chat/random?name=Cat`)
  const announce = async (room: string, text: string): Promise<void> => {
    const res = await fetch(`${url}/chat/${room}/announce`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) })
    t.equal(res.status, 200, `POST /chat/${room}/announce`)
  }
  await announce('lobby', 'deploy at 5')
  await waitMessage(ann, 'server deploy at 5')
  await waitMessage(bob, 'server deploy at 5')
  await say(ann, 'thanks')
  await waitMessage(bob, 'Ann thanks')
  // Delivery in one process is in publish order: had Cat's room heard the lobby, it would show first.
  await announce('random', 'fence')
  await waitMessage(cat, 'server fence')
  t.same(await messages(cat), ['server fence'], 'the other room heard nothing of the lobby')
  t.same(await online(cat), ['Cat (you)'], "and sees nobody of the lobby's")
})

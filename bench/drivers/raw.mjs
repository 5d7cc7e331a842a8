// Raw floor driver: page GET, then one WebSocket per session; an event is
// {"h","p"} and its reply is the view's HTML (an error comes back as JSON).
import { Channel, getPage, wsUrl } from './_shared.mjs'

const isHtmlReply = (data) => {
  if (data[0] === 0x7b /* { */) throw new Error(`raw peer error: ${data.toString().slice(0, 200)}`)
  return true
}

export default {
  async open ({ origin, view }) {
    await getPage(`${origin}/${view}`)
    const ch = await Channel.open(wsUrl(origin, `/ws/${view}`))
    return {
      event: (ev) => ch.call(JSON.stringify(ev), isHtmlReply),
      close: () => ch.close()
    }
  }
}

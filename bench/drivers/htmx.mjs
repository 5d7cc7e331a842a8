// htmx-style driver: one keep-alive HTTP connection per session (as one
// browser tab would hold), page GET for the session cookie, then a
// form-encoded POST per event whose response body is the new fragment.
import { Client } from 'undici'
import { EVENT_TIMEOUT_MS, OPEN_TIMEOUT_MS } from './_shared.mjs'

export default {
  async open ({ origin, view }) {
    const client = new Client(origin, { pipelining: 1, keepAliveTimeout: 60000, headersTimeout: EVENT_TIMEOUT_MS, bodyTimeout: EVENT_TIMEOUT_MS })
    const page = await client.request({ path: `/${view}`, method: 'GET', headersTimeout: OPEN_TIMEOUT_MS })
    await page.body.text()
    const setCookie = [].concat(page.headers['set-cookie'] ?? [])
    const sid = setCookie.map((c) => /^sid=([^;]+)/.exec(c)).find(Boolean)
    if (page.statusCode !== 200 || !sid) {
      await client.close()
      throw new Error(`htmx page GET: ${page.statusCode}, cookie ${setCookie}`)
    }
    const headers = {
      cookie: `sid=${sid[1]}`,
      'content-type': 'application/x-www-form-urlencoded',
      'hx-request': 'true',
      'hx-target': 'root'
    }
    return {
      async event ({ h, p }) {
        const res = await client.request({ path: `/${view}/${h}`, method: 'POST', headers, body: new URLSearchParams(p).toString() })
        let bytes = 0
        for await (const chunk of res.body) bytes += chunk.length
        if (res.statusCode !== 200) throw new Error(`htmx POST /${view}/${h}: ${res.statusCode}`)
        return bytes
      },
      close: () => client.close()
    }
  }
}

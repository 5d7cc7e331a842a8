import type { FastifyRequest } from 'fastify'
import type { Core } from './core.js'
import { WireError } from './errors.js'
import type { Target } from './navigation.js'
import { missingPermissions } from './permissions.js'
import { errorFrame, replyFrame, type UrlFrame } from './protocol.js'
import { errorMessage, Session } from './session.js'

/**
 * A `navigate` frame: mount the live route of `url` over the same socket,
 * as a GET of that URL would (its route permissions checked with the
 * socket's request), and answer with its root element. The new view waits
 * for its join like an HTTP-rendered one (lib/handoff.ts); the old one ends
 * when the browser swaps it out and leaves it. Refusals are coded:
 * `bad_url`, `not_live` and `forbidden` (the browser then loads the URL as a
 * page, which gets the 403 page or `onForbidden`).
 */
export async function navigate (core: Core, request: FastifyRequest, from: Session | undefined, frame: UrlFrame): Promise<string> {
  const refuse = (code: WireError['code'], detail: string): string => errorFrame(core.opts.debug, code, detail, { ref: frame.ref, id: frame.id })
  const routeKey = from?.routeKey
  if (from === undefined || routeKey === undefined) return refuse('unknown_view', `no routed view ${frame.id} is joined on this socket; a navigation starts from the page's view`)
  let target: Target
  try {
    target = core.navigator.match(frame.url)
  } catch (err) {
    return refuse((err as WireError).code, (err as WireError).detail)
  }
  const route = target.route
  if (route.layout !== core.routes.get(routeKey)?.layout) return refuse('not_live', `${route.key} has another layout than ${routeKey}; the browser loads it as a page`)
  if (route.permissions.length > 0) {
    const missing = await missingPermissions(core.opts, request, route.permissions)
    if (missing !== null) return refuse('forbidden', `the route ${route.key} requires ${missing}`)
  }
  let session: Session | undefined
  let html: string
  try {
    session = await Session.mount(core, route.info, {
      routeKey: route.key, chain: [], params: target.params, query: target.query, props: {}, request, url: target.url, flash: from.crossFlash(),
    })
    html = await session.renderRoot()
  } catch (err) {
    session?.endTree()
    request.log.error({ err, view: route.info.name }, 'fastify-live: mount failed on navigate')
    return refuse('handler_error', `${route.info.name}.mount() threw: ${errorMessage(err)}`)
  }
  // The page holds this render once the browser swaps it in: its join adopts it, as after a GET.
  await session.handOff()
  const title = session.view.pageTitle
  return replyFrame(frame.ref, frame.id, session.version, `,"root":${JSON.stringify(html)},"title":${JSON.stringify(title ?? null)}`)
}

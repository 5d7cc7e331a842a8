import createError from '@fastify/error'

// Every error the plugin throws at set-up is declared here, once, with a code
// users can search for. docs/errors.md lists them; a test keeps both in step.

export const FST_LIVE_OPTIONS = createError('FST_LIVE_OPTIONS', 'fastify-live: invalid plugin option %s', 500, TypeError)
export const FST_LIVE_SECRET_REQUIRED = createError(
  'FST_LIVE_SECRET_REQUIRED',
  'fastify-live: the `secret` option is required in production (NODE_ENV=production); set it to a long random string, e.g. from process.env.LIVE_SECRET',
  500,
)
export const FST_LIVE_REGISTERED = createError(
  'FST_LIVE_REGISTERED',
  'fastify-live: the plugin is already registered on this instance (or a parent of it); register it once, at the root, and declare routes with app.live() in any child',
  500,
)
export const FST_LIVE_VIEW = createError('FST_LIVE_VIEW', 'fastify-live: %s', 500, TypeError)
export const FST_LIVE_HANDLER = createError('FST_LIVE_HANDLER', 'fastify-live: %s', 500, TypeError)
export const FST_LIVE_TEMPLATE = createError('FST_LIVE_TEMPLATE', 'fastify-live: %s', 500)
export const FST_LIVE_ROUTE = createError('FST_LIVE_ROUTE', 'fastify-live: %s', 500, TypeError)
export const FST_LIVE_DECORATOR = createError('FST_LIVE_DECORATOR', 'fastify-live: %s', 500, TypeError)
export const FST_LIVE_BUNDLE_MISSING = createError(
  'FST_LIVE_BUNDLE_MISSING',
  'fastify-live: the browser bundle %s is missing; run `npm run build` in the fastify-live package',
  500,
)

// Thrown at run time by a handler's this.patch / navigate / redirect / flash
// when it names a URL or a message live navigation cannot take (lib/navigation.ts).
export const FST_LIVE_NAVIGATION = createError('FST_LIVE_NAVIGATION', 'fastify-live: %s', 500, TypeError)

// Thrown at run time by publish, track and subscribe when server code hands
// them something that cannot cross processes (lib/json-data.ts says why).
export const FST_LIVE_PUBLISH = createError('FST_LIVE_PUBLISH', 'fastify-live: cannot publish to %s: %s', 500, TypeError)
export const FST_LIVE_PRESENCE = createError('FST_LIVE_PRESENCE', 'fastify-live: cannot track on %s: %s', 500, TypeError)
// Thrown by this.stream() and friends when a view names a stream it does not
// declare, or hands it an item without an `id` (lib/streams.ts).
export const FST_LIVE_STREAM = createError('FST_LIVE_STREAM', 'fastify-live: %s', 500, TypeError)
export const FST_LIVE_TOPIC = createError(
  'FST_LIVE_TOPIC',
  'fastify-live: %s is not a topic; a topic is a non-empty string of at most 1024 characters, chosen by server code',
  500,
  TypeError,
)

/** The codes the browser sees in `live:error` (API.md §5, docs/protocol.md). */
export type WireErrorCode =
  | 'bad_message' | 'too_large' | 'rate_limited' | 'unknown_view' | 'join_refused'
  | 'unknown_handler' | 'invalid_params' | 'forbidden' | 'handler_error' | 'busy'
  | 'bad_url' | 'not_live'

/**
 * A refusal or failure meant for the browser. `detail` is shown only in
 * development; production shows the generic message of the code.
 */
export class WireError extends Error {
  constructor (readonly code: WireErrorCode, readonly detail: string, readonly handler?: string) {
    super(detail)
  }
}

export const GENERIC_MESSAGES: Record<WireErrorCode, string> = {
  bad_message: 'The message could not be read.',
  too_large: 'The message is too large.',
  rate_limited: 'Too many messages; slow down.',
  unknown_view: 'This view is not connected.',
  join_refused: 'The view could not be joined; reload the page.',
  unknown_handler: 'There is no such handler.',
  invalid_params: 'The parameters are not valid.',
  forbidden: 'You do not have permission to do that.',
  handler_error: 'Something went wrong.',
  busy: 'The server is busy with this view; try again.',
  bad_url: 'That address cannot be opened here.',
  not_live: 'That address is not a live page.',
}

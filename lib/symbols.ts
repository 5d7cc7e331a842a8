// Internal keys. Symbols keep internals out of a view's template context
// (own string-keyed properties become template context) and out of the
// public surface.

/** Handler metadata recorded on a method function by the decorators. */
export const kHandlerMeta = Symbol.for('fastify-live.handler')
/** The runtime slot of a view instance (socket, tasks, render state). */
export const kRuntime = Symbol('fastify-live.runtime')
/** Where `fastify-live/testing` finds a registration's internals (on `app.live`). */
export const kCore = Symbol.for('fastify-live.core')

import plugin from './plugin.js'

export default plugin
export { LiveView } from './view.js'
export type { LiveEvent, MountContext, ParamsContext, LiveViewClass, PresenceList, PresenceChange } from './view.js'
export {
  eventHandler, debounce, throttle, optimistic, cache, clientState, loading, permissionRequired, background,
} from './decorators.js'
export type { HandlerSpec, EventHandlerOptions, DebounceOptions, ThrottleOptions, CacheOptions, ParamSchema } from './metadata.js'
export type { LiveOptions } from './options.js'
export type { LiveRouteOptions, LiveRouteMethod } from './plugin.js'
export * as errors from './errors-public.js'

// Every attribute, class and event name the bundle reads or writes.

// Root attributes (written by the server's render)
export const ROOT = 'data-live-root'
export const TOKEN = 'data-live-token'
export const POLICIES = 'data-live-policies'
export const LISTENS = 'data-live-listens'
export const DEBUG = 'data-live-debug'
export const SOCKET = 'data-live-socket'
/** On the bundle's script tag: the URL of the uploads bundle, loaded once a page has an upload input or drop target */
export const UPLOADS_BUNDLE = 'data-live-uploads'

// Element attributes (API.md §3); the event type each binding fires on
export const BINDINGS = {
  click: 'live-click',
  input: 'live-input',
  change: 'live-change',
  submit: 'live-submit',
  keydown: 'live-keydown',
  keyup: 'live-keyup',
  focusin: 'live-focus',
  focusout: 'live-blur',
} as const
export const KEY = 'live-key'
export const DEBOUNCE = 'live-debounce'
export const THROTTLE = 'live-throttle'
export const IGNORE = 'live-ignore'
export const DISABLE_WITH = 'live-disable-with'
export const OPTIMISTIC = 'live-optimistic'
export const HOOK = 'live-hook'
/** On a `<form id>`: the handler its fields are recovered with after a remount, or `ignore` (docs/reconnects.md) */
export const RECOVER = 'live-recover'
export const RECOVER_IGNORE = 'ignore'
/** A stream container (API.md §10), its empty-state child, and the operations a render wrote on it (browser/streams.ts) */
export const STREAM = 'live-stream'
export const STREAM_EMPTY = 'live-stream-empty'
export const STREAM_OPS = 'data-live-stream-ops'
/** On a stream container: the handler called when its last (first) item comes into view (browser/viewport.ts) */
export const VIEWPORT_BOTTOM = 'live-viewport-bottom'
export const VIEWPORT_TOP = 'live-viewport-top'
/** Uploads (docs/uploads.md): `<input type="file" live-upload="name">`, `live-drop-target="name"`, `<img live-upload-preview="{{ e.ref }}">` */
export const UPLOAD = 'live-upload'
export const DROP_TARGET = 'live-drop-target'
export const UPLOAD_PREVIEW = 'live-upload-preview'
/** On an `<a href>`: live navigation (API.md §9, browser/navigation.ts) */
export const LINK_PATCH = 'live-patch'
export const LINK_NAVIGATE = 'live-navigate'
/** The visually hidden `aria-live` region that announces a navigation's title */
export const ANNOUNCER = 'data-live-announcer'
/** The cookie a redirect's flash rides in (lib/navigation.ts FLASH_COOKIE) */
export const FLASH_COOKIE = 'live_flash'

// Classes
export const CONNECTED = 'live-connected'
export const DISCONNECTED = 'live-disconnected'
export const PENDING = 'live-pending'
export const OPTIMISTIC_ERROR = 'live-optimistic-error'
export const ARIA_BUSY = 'aria-busy'
/** On `<html>` while a live navigation is in flight */
export const NAVIGATING = 'live-navigating'

// DOM events, dispatched on the live root (bubbling) or the document
export const EV_CONNECTED = 'live:connected'
export const EV_DISCONNECTED = 'live:disconnected'
export const EV_PATCHED = 'live:patched'
export const EV_ERROR = 'live:error'
export const EV_DEBUG = 'live:debug'
/** On the document, around a live navigation (`detail: { url, kind }`) */
export const EV_NAVIGATE_START = 'live:navigate-start'
export const EV_NAVIGATE_END = 'live:navigate-end'

export const DEFAULT_SOCKET = '/_live/socket'
export const OPTIMISTIC_ERROR_MS = 2000
export const CACHE_MAX = 50
/** pushed events a root holds while it waits for a full render; past it the oldest are dropped */
export const HELD_MAX = 1000
/** Forms one recover frame carries (the server's protocol limit) */
export const RECOVER_MAX_FORMS = 16
/** The least time between two calls of one container's viewport handler */
export const VIEWPORT_MS = 250

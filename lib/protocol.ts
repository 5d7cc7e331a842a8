import { Ajv } from 'ajv'
import { GENERIC_MESSAGES, type WireErrorCode } from './errors.js'
import type { Delta } from './diff.js'

// Inbound frames (docs/protocol.md). Every frame is checked against these
// schemas before anything else reads it.

export interface JoinFrame { t: 'join', ref: number, id: string, token: string }
export interface EventFrame { t: 'event', ref: number, id: string, h: string, p: Record<string, unknown>, type: string, hit?: string }
export interface StateFrame { t: 'state', ref: number, id: string, values: Record<string, unknown> }
export interface RenderFrame { t: 'render', ref: number, id: string }
export interface LeaveFrame { t: 'leave', ref: number, id: string }
/** Form recovery: the fields of the page's forms, each for its `live-change` handler, after a view was mounted anew. */
export interface RecoverFrame { t: 'recover', ref: number, id: string, forms: Array<{ h: string, p: Record<string, unknown> }> }
/** Files chosen or dropped for the upload `name` (docs/uploads.md): validated before any byte is sent. */
export interface UploadFrame { t: 'upload', ref: number, id: string, name: string, files: Array<{ name: string, size: number, type: string }> }
/** Live navigation (lib/navigation.ts): `params` moves the view `id` to `url` (handleParams); `navigate` replaces it with the live route of `url`. */
export interface UrlFrame { t: 'params' | 'navigate', ref: number, id: string, url: string }
export type InboundFrame = JoinFrame | EventFrame | StateFrame | RenderFrame | LeaveFrame | RecoverFrame | UploadFrame | UrlFrame

const ref = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER }
const id = { type: 'string', pattern: '^lv-[A-Za-z0-9_-]{10}$' }
const common = { ref, id }
const frame = (t: string, props: Record<string, unknown> = {}, required: string[] = []) => ({
  type: 'object',
  properties: { t: { const: t }, ...common, ...props },
  required: ['t', 'ref', 'id', ...required],
  additionalProperties: false,
})

const schema = {
  type: 'object',
  properties: { t: { enum: ['join', 'event', 'state', 'render', 'leave', 'recover', 'upload', 'params', 'navigate'] } },
  required: ['t'],
  discriminator: { propertyName: 't' },
  oneOf: [
    frame('join', { token: { type: 'string', minLength: 1, maxLength: 16_384 } }, ['token']),
    frame('event', {
      // Handler names are identifiers; anything else is refused here.
      h: { type: 'string', pattern: '^[A-Za-z_$][\\w$]{0,99}$' },
      p: { type: 'object', maxProperties: 256 },
      type: { type: 'string', pattern: '^[a-z]{1,32}$' },
      hit: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$' },
    }, ['h', 'p', 'type']),
    frame('state', { values: { type: 'object', maxProperties: 64 } }, ['values']),
    frame('render'),
    frame('leave'),
    frame('recover', {
      forms: {
        type: 'array',
        maxItems: 16,
        items: {
          type: 'object',
          properties: { h: { type: 'string', pattern: '^[A-Za-z_$][\\w$]{0,99}$' }, p: { type: 'object', maxProperties: 256 } },
          required: ['h', 'p'],
          additionalProperties: false,
        },
      },
    }, ['forms']),
    frame('upload', {
      name: { type: 'string', pattern: '^[A-Za-z_$][\\w$]{0,63}$' },
      files: {
        type: 'array',
        maxItems: 100, // lib/uploads.ts MAX_ENTRIES
        items: {
          type: 'object',
          properties: { name: { type: 'string', maxLength: 255 }, size: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, type: { type: 'string', maxLength: 255 } },
          required: ['name', 'size', 'type'],
          additionalProperties: false,
        },
      },
    }, ['name', 'files']),
    frame('params', { url: { type: 'string', minLength: 1, maxLength: 2048 } }, ['url']),
    frame('navigate', { url: { type: 'string', minLength: 1, maxLength: 2048 } }, ['url']),
  ],
}

// The patterns are ASCII-only: without the u flag V8 runs them faster.
export const validateFrame = new Ajv({ discriminator: true, strict: true, unicodeRegExp: false }).compile<InboundFrame>(schema)

/** Params nest at most this deep; deeper input is refused as `bad_message`. */
export const MAX_DEPTH = 8

export function tooDeep (value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (depth >= MAX_DEPTH) return true
  for (const key in value) {
    if (tooDeep((value as Record<string, unknown>)[key], depth + 1)) return true
  }
  return false
}

// Outbound frames (docs/protocol.md). Written as text: they go out on nearly
// every event, and serializing an object costs more than the rest of a small
// reply. `ref` is a validated integer, ids are ours ([A-Za-z0-9_-]) and `v` a
// counter: none needs escaping.

/** A render's change as the JSON members of a frame: `"d"`, the one element that changed, or the full `"html"`. */
export function changeMembers (html: string, delta: Delta | null): string {
  return delta === null ? `,"html":${JSON.stringify(html)}` : `,"d":${JSON.stringify(delta)}`
}

/** The answer to the frame `ref`; `members` are more JSON members (`,"html":…`), already serialized. */
export function replyFrame (ref: number, id: string, v: number, members = ''): string {
  return `${replyHead(ref, id, v)}${members}}`
}

/** A reply ending in the view's whole HTML, given as JSON bytes encoded once (LastRender#json): the text before them, and after. */
export function fullReplyFrame (ref: number, id: string, v: number): [string, string] {
  return [`${replyHead(ref, id, v)},"html":`, '}']
}

/** What every reply starts with, before its members. */
function replyHead (ref: number, id: string, v: number): string {
  return `{"t":"reply","ref":${ref},"id":"${id}","v":${v}`
}

/** A render the browser did not ask for (a push, a task, a message). */
export function patchFrame (id: string, v: number, members: string): string {
  return `{"t":"patch","id":"${id}","v":${v}${members}}`
}

/** Events of `this.pushEvent` that no reply or patch carried: `ev` is `[[name, payload], ...]`, already serialized. */
export function pushFrame (id: string, ev: string): string {
  return `{"t":"push","id":"${id}","ev":${ev}}`
}

/** The error frame the browser sees: detailed in debug mode, generic otherwise. */
export function errorFrame (debug: boolean, code: WireErrorCode, detail: string, at: { ref?: number | undefined, id?: string | undefined, handler?: string | undefined, stale?: true }): string {
  return JSON.stringify({ t: 'error', ...at, code, message: debug ? detail : GENERIC_MESSAGES[code] })
}

import { LiveView, eventHandler } from '../../lib/index.js'
import type { MountContext, PresenceList } from '../../lib/index.js'

/** The rooms the page links to; any name matching ROOM works. */
export const ROOMS = ['lobby', 'random']
export const ROOM = /^[a-z0-9-]{1,32}$/
const MAX_NAME = 24
const MAX_TEXT = 500
/** Messages a page keeps; older ones scroll away (every list has a bound). */
const MAX_MESSAGES = 100

export interface ChatMessage { from: string, text: string }

/** The topic of a room: every page of the room subscribes to it and tracks on it. */
export function roomTopic (room: string): string {
  return `chat:${room}`
}

/**
 * A chat room. The name comes from `?name=` (a plain GET form asks for it),
 * so a reload keeps it and two tabs with the same name are one person with
 * two tabs in the who's-online list. Messages are those sent since the page
 * joined: the room keeps no history.
 */
export class ChatView extends LiveView {
  static override template = 'chat.njk'
  title = 'Chat'
  pageTitle = 'Chat · fastify-live'
  rooms = ROOMS
  room = ''
  name = ''
  messages: Array<ChatMessage & { id: number }> = []
  online: Array<{ name: string, tabs: number }> = []
  /** Sends made from this page: the form carries it, so each send's reply morphs (and empties) the form. */
  sent = 0
  #nextId = 1

  override async mount ({ params, query, request }: MountContext) {
    const room = params.room!
    if (!ROOM.test(room)) throw Object.assign(new Error(`no room "${room.slice(0, 40)}": use lower-case letters, digits and dashes`), { statusCode: 404 })
    this.room = room
    this.title = `#${room}`
    this.pageTitle = `#${room} · fastify-live`
    this.name = typeof query.name === 'string' ? query.name.trim().slice(0, MAX_NAME) : ''
    const topic = roomTopic(room)
    // Both take effect when the page joins over the WebSocket; the HTTP render alone hears nothing.
    this.subscribe(topic)
    if (this.name !== '') await this.track(topic, this.name, { since: Date.now() })
    // handlePresence runs on changes only: the list as it is now comes from the app.
    this.#showOnline(await request.server.live.presence(topic))
  }

  @eventHandler({ params: { text: { type: 'string', maxLength: MAX_TEXT } }, description: 'Send a message to the room' })
  async say ({ text }: { text: string }) {
    const trimmed = (text ?? '').trim()
    if (this.name === '' || trimmed === '') return
    this.sent++
    // Everyone in the room gets it, this page too (through handleInfo, like the others).
    await this.publish(roomTopic(this.room), { from: this.name, text: trimmed } satisfies ChatMessage)
  }

  override handleInfo (_topic: string, message: unknown) {
    const { from, text } = (message ?? {}) as Partial<ChatMessage>
    if (typeof from !== 'string' || typeof text !== 'string') return
    this.messages.push({ id: this.#nextId++, from, text })
    if (this.messages.length > MAX_MESSAGES) this.messages.splice(0, this.messages.length - MAX_MESSAGES)
  }

  override handlePresence (_topic: string, list: PresenceList) {
    this.#showOnline(list)
  }

  /** One line per name, with how many tabs it has open. */
  #showOnline (list: PresenceList) {
    this.online = Object.keys(list).sort().map((name) => ({ name, tabs: list[name]!.length }))
  }
}

import { LiveView, eventHandler } from '../../lib/index.js'

// A feed of generated posts with streams (docs/streams.md): the server renders
// each batch once and forgets it; the page keeps every post it was sent.
// Scrolling to the end loads the next batch (`live-viewport-bottom`); at most
// 500 posts stay in the page (`limit: -500`), the oldest go.

export interface Post { id: number, author: string, text: string, likes: number }

const AUTHORS = ['ada', 'grace', 'linus', 'barbara', 'ken', 'margaret']
const WORDS = 'live views render on the server and the browser morphs only what changed between two renders of one view'.split(' ')

/** Post `id`, the same every time (a stand-in for a database). */
export function postAt (id: number): Post {
  const words = Array.from({ length: 6 + (id % 9) }, (_, k) => WORDS[(id * 7 + k * 3) % WORDS.length])
  return { id, author: AUTHORS[id % AUTHORS.length]!, text: words.join(' '), likes: 0 }
}

export const BATCH = 20

export class FeedView extends LiveView {
  static override template = 'feed.njk'
  static override streams = { posts: {} }
  title = 'Feed'
  pageTitle = 'Feed · fastify-live'
  /** How many posts were loaded (the page shows them; the server keeps only this number). */
  loaded = 0
  /** Ids of new posts written on this page. */
  written = 0

  override mount () {
    this.more()
  }

  @eventHandler({ description: 'Load the next batch (called by live-viewport-bottom)' })
  more () {
    const from = this.loaded + 1
    this.loaded += BATCH
    this.stream('posts', Array.from({ length: BATCH }, (_, k) => postAt(from + k)), { limit: -500 })
  }

  @eventHandler({ params: { text: { type: 'string', minLength: 1, maxLength: 280 } }, description: 'Write a post: it goes on top' })
  write ({ text }: { text: string }) {
    this.written++
    this.streamInsert('posts', { id: `new-${this.written}`, author: 'you', text, likes: 0 }, { at: 0 })
  }

  @eventHandler({ params: { id: { type: 'integer', minimum: 1 }, likes: { type: 'integer', minimum: 0 } }, description: 'Like a post: updated in place' })
  like ({ id, likes }: { id: number, likes: number }) {
    this.streamInsert('posts', { ...postAt(id), likes: likes + 1 })
  }

  @eventHandler({ params: { id: { type: 'integer', minimum: 1 } }, description: 'Hide a post' })
  hide ({ id }: { id: number }) {
    this.streamDelete('posts', { id })
  }

  @eventHandler({ description: 'Start again from the first post' })
  restart () {
    this.loaded = 0
    this.streamReset('posts')
    this.more()
  }
}

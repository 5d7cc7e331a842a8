import { LiveView, eventHandler, type ParamsContext } from '../../lib/index.js'

interface Todo { id: number, text: string, done: boolean }

export class TodoView extends LiveView {
  static override template = 'todo.njk'
  title = 'Todos'
  pageTitle = 'Todos · fastify-live'
  todos: Todo[] = [{ id: 1, text: 'Try fastify-live', done: false }]
  nextId = 2
  error = ''
  /** Which todos the list shows: the URL's state (`?show=open`), set by live-patch links. */
  show: 'all' | 'open' | 'done' = 'all'

  override handleParams ({ query }: ParamsContext) {
    this.show = query.show === 'open' || query.show === 'done' ? query.show : 'all'
  }

  @eventHandler({ params: { text: { type: 'string', maxLength: 200 } }, description: 'Add a todo from the form' })
  add ({ text }: { text: string }) {
    const trimmed = (text ?? '').trim()
    if (trimmed === '') {
      this.error = 'Write something first.'
      return
    }
    this.error = ''
    this.todos.push({ id: this.nextId++, text: trimmed, done: false })
  }

  @eventHandler({ params: { itemId: { type: 'integer' } }, description: 'Toggle a todo' })
  toggle ({ itemId }: { itemId: number }) {
    const todo = this.todos.find((t) => t.id === itemId)
    if (todo) todo.done = !todo.done
  }

  @eventHandler({ params: { itemId: { type: 'integer' } }, description: 'Remove a todo' })
  remove ({ itemId }: { itemId: number }) {
    this.todos = this.todos.filter((t) => t.id !== itemId)
  }

  @eventHandler({ description: 'Remove done todos' })
  clearDone () {
    const left = this.todos.filter((t) => !t.done)
    this.flash('info', `Cleared ${this.todos.length - left.length} done`)
    this.todos = left
  }
}

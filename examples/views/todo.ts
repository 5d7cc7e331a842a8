import { LiveView, eventHandler } from '../../lib/index.js'

interface Todo { id: number, text: string, done: boolean }

export class TodoView extends LiveView {
  static override template = 'todo.njk'
  title = 'Todos'
  todos: Todo[] = [{ id: 1, text: 'Try fastify-live', done: false }]
  nextId = 2
  error = ''

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
    this.todos = this.todos.filter((t) => !t.done)
  }
}

import { LiveView, eventHandler, debounce, cache } from '../../lib/index.js'

const PRODUCTS = [
  'Apple', 'Apricot', 'Avocado', 'Banana', 'Blackberry', 'Blueberry', 'Cherry', 'Clementine', 'Coconut',
  'Cranberry', 'Date', 'Dragonfruit', 'Elderberry', 'Fig', 'Gooseberry', 'Grape', 'Grapefruit', 'Guava',
  'Kiwi', 'Kumquat', 'Lemon', 'Lime', 'Lychee', 'Mango', 'Melon', 'Mulberry', 'Nectarine', 'Olive',
  'Orange', 'Papaya', 'Passionfruit', 'Peach', 'Pear', 'Persimmon', 'Pineapple', 'Plum', 'Pomegranate',
  'Quince', 'Raspberry', 'Redcurrant', 'Starfruit', 'Strawberry', 'Tangerine', 'Watermelon',
].map((name, i) => ({ id: i + 1, name, price: 0.5 + ((i * 37) % 50) / 10 }))

export class SearchView extends LiveView {
  static override template = 'search.njk'
  title = 'Search'
  pageTitle = 'Search · fastify-live'
  query = ''
  results = PRODUCTS
  searches = 0

  @eventHandler({ params: { value: { type: 'string', maxLength: 100 } }, description: 'Filter products by name' })
  @debounce(250)
  @cache({ ttl: 30_000, keyParams: ['value'] })
  search ({ value }: { value: string }) {
    this.searches += 1
    this.query = value
    const q = value.trim().toLowerCase()
    this.results = q === '' ? PRODUCTS : PRODUCTS.filter((p) => p.name.toLowerCase().includes(q))
  }
}

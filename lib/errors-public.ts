// The error classes users may test against with `instanceof` or `.code`.
export {
  FST_LIVE_OPTIONS, FST_LIVE_SECRET_REQUIRED, FST_LIVE_VIEW, FST_LIVE_HANDLER, FST_LIVE_TEMPLATE,
  FST_LIVE_ROUTE, FST_LIVE_BUNDLE_MISSING, FST_LIVE_PUBLISH, FST_LIVE_PRESENCE, FST_LIVE_TOPIC,
} from './errors.js'

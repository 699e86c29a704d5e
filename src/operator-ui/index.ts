export { serveOperationsPage } from './operations-page.js';

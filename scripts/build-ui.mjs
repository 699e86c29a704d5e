// Builds the operations page into dist/ui (part of `npm run build`): the page's own files as
// they are (modern browsers run ES modules natively) and the few vendor modules it imports,
// copied from node_modules so that the page needs no CDN and works offline.
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const out = new URL('../dist/ui/', import.meta.url).pathname;
const packageDir = (name) => new URL(`../node_modules/${name}/`, import.meta.url).pathname;

mkdirSync(join(out, 'vendor'), { recursive: true });
cpSync(new URL('../ui/', import.meta.url).pathname, out, { recursive: true });
const vendor = {
  'preact.module.js': join(packageDir('preact'), 'dist/preact.module.js'),
  'hooks.module.js': join(packageDir('preact'), 'hooks/dist/hooks.module.js'),
  'htm.module.js': join(packageDir('htm'), 'dist/htm.module.js'),
  'htm-preact.module.js': join(packageDir('htm'), 'preact/index.module.js'),
};
for (const [name, from] of Object.entries(vendor)) cpSync(from, join(out, 'vendor', name));

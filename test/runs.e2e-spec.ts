/** Operation runs: identity and dedupe, the run type registry, the runs API, a start never stuck behind a dead run. */
import { jest } from '@jest/globals';
import './runs/operation-runs.js';
import './runs/run-identity.js';
import './runs/run-types.js';
import './runs/runs-api.js';
import './runs/never-a-dead-end.js';

jest.setTimeout(180_000);

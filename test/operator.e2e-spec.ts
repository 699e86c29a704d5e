/** The operator's surface: metrics, the operations page in a browser, live run events. */
import { jest } from '@jest/globals';
import './operator/metrics.js';
import './operator/operations-page.js';
import './operator/run-events.js';

jest.setTimeout(180_000);

/** Executing runs: liveness (lost workers, orphaned jobs, Redis down), fleet budgets, stopping. */
import { jest } from '@jest/globals';
import './execution/run-liveness.js';
import './execution/fleet-execution.js';
import './execution/graceful-stop.js';

// run-liveness starts worker and CLI processes: tens of seconds each on a loaded machine.
jest.setTimeout(180_000);

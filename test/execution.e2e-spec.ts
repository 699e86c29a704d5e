/** Executing runs: liveness (lost workers, orphaned jobs, Redis down) and fleet-scale budgets. */
import { jest } from '@jest/globals';
import './execution/run-liveness.js';
import './execution/fleet-execution.js';

jest.setTimeout(180_000);

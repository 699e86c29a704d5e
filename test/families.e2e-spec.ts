/** The sync families: inventory, directory, drift, their reads, sync plans and onboarding. */
import { jest } from '@jest/globals';
import './families/inventory.js';
import './families/directory.js';
import './families/drift.js';
import './families/sync-reads.js';
import './families/sync-plans.js';
import './families/onboarding.js';

jest.setTimeout(120_000);

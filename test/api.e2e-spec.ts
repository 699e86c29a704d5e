/** The HTTP API from outside: fuzzed against its OpenAPI document, validation, rate limits and security headers. */
import { jest } from '@jest/globals';
import './api/api-fuzz.js';
import './api/validation.js';
import './api/rate-limits.js';

jest.setTimeout(240_000);

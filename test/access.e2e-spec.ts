/** Who gets in and what they may do: capabilities, membership, authentication, provider secrets. */
import { jest } from '@jest/globals';
import './access/access-control.js';
import './access/access-management.js';
import './access/authentication.js';
import './access/secrets.js';
import './access/secrets-rotation.js';

jest.setTimeout(180_000);

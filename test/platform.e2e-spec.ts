/** The platform: health, OpenAPI, process roles, PostgreSQL restarting under it, a Redis Cluster. */
import { jest } from '@jest/globals';
import './platform/platform.js';
import './platform/database-restart.js';
import './platform/redis-cluster.js';

jest.setTimeout(180_000);

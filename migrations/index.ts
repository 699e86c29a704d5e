import { PlatformFoundation1795449600000 } from './1795449600000-platform-foundation.js';
import { OperationRuns1795453200000 } from './1795453200000-operation-runs.js';
import { LeanRunInserts1795622400000 } from './1795622400000-lean-run-inserts.js';
import { Inventory1795708800000 } from './1795708800000-inventory.js';
import { DirectoryCache1795712400000 } from './1795712400000-directory-cache.js';
import { DriftFindings1795716000000 } from './1795716000000-drift-findings.js';
import { NameOrderIndexes1795719600000 } from './1795719600000-name-order-indexes.js';
import { BackupScheduling1795795200000 } from './1795795200000-backup-scheduling.js';
import { NotificationRunLinks1795881600000 } from './1795881600000-notification-run-links.js';
import { RestoreRuns1795968000000 } from './1795968000000-restore-runs.js';
import { TenantOnboarding1796054400000 } from './1796054400000-tenant-onboarding.js';
import { OperatorSurface1796140800000 } from './1796140800000-operator-surface.js';
import { SecretsRotation1796313600000 } from './1796313600000-secrets-rotation.js';
import { BackupSetCapture1796400000000 } from './1796400000000-backup-set-capture.js';

/** Every migration, oldest first. A landed migration is never edited: add a new one. */
export const migrations = [
  PlatformFoundation1795449600000,
  OperationRuns1795453200000,
  LeanRunInserts1795622400000,
  Inventory1795708800000,
  DirectoryCache1795712400000,
  DriftFindings1795716000000,
  NameOrderIndexes1795719600000,
  BackupScheduling1795795200000,
  NotificationRunLinks1795881600000,
  RestoreRuns1795968000000,
  TenantOnboarding1796054400000,
  OperatorSurface1796140800000,
  SecretsRotation1796313600000,
  BackupSetCapture1796400000000,
];

export * from './backup-scheduling.module.js';
export { BackupSetsService } from './backup-sets.service.js';
export type { BackupSet, BackupSetItem } from './backup-sets.repository.js';

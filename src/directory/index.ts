export * from './directory.module.js';
export { DirectoryService } from './directory.service.js';
export type { GroupName } from './directory-group.repository.js';

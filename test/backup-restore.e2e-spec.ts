/** Backup schedules and sets, restore, and a restore resumed after its worker died. */
import './backup-restore/backup-scheduling.js';
import './backup-restore/restore.js';
import './backup-restore/restore-resume.js';
